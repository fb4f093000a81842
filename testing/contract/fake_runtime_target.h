// FakeRuntimeTarget: the in-process fakes as a contract target, used directly or served by a
// CriGrpcServer and reached through the remote CRI client.
//
// The fakes are set up as the containerd harness is: the same two images present, a FakeClock,
// and Options::require_log_directory so log files are handled as containerd handles them
// (missing folders are created; a file that cannot be created fails StartContainer).
//
//   absl::StatusOr<std::unique_ptr<FakeRuntimeTarget>> target =
//       FakeRuntimeTarget::Create(FakeRuntimeTarget::Mode::kOverGrpc);
//   target.value()->runtime().Version(cri::VersionRequest());
//
// Threads: as RuntimeTarget. The fakes and the server are thread safe; the clock is advanced
// only by the thread that runs the case.
#ifndef KRL_TESTING_CONTRACT_FAKE_RUNTIME_TARGET_H_
#define KRL_TESTING_CONTRACT_FAKE_RUNTIME_TARGET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/remote/remote_services.h"
#include "testing/contract/runtime_target.h"
#include "testing/fake_clock.h"
#include "testing/fake_remote/cri_grpc_server.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace testing {
namespace contract {

class FakeRuntimeTarget final : public RuntimeTarget {
 public:
  enum class Mode {
    // Cases call the fakes directly.
    kInProcess,
    // Cases call RemoteRuntimeService / RemoteImageService connected to a CriGrpcServer that
    // serves the fakes on a unix socket.
    kOverGrpc,
  };

  // Errors: Internal when no temporary folder can be made; the server's or client's error when
  // the gRPC path cannot be set up.
  static absl::StatusOr<std::unique_ptr<FakeRuntimeTarget>> Create(Mode mode);
  ~FakeRuntimeTarget() override;

  const std::string& name() const override { return name_; }
  runtime::RuntimeService& runtime() override;
  runtime::ImageService& images() override;
  const Quirks& quirks() const override { return quirks_; }
  std::string image() const override;
  std::string pause_image() const override;
  std::string scratch_dir() const override { return scratch_dir_; }
  std::string cgroup_parent() const override { return "/krl-contract"; }  // only recorded

  void SetProcess(cri::ContainerConfig* config, const Process& process) override;
  // The fake's processes handle signals from their start.
  absl::Status WaitForProcessReady(const std::string&, const Process&) override {
    return absl::OkStatus();
  }
  absl::Status TellToExit(const std::string& container_id, int exit_code) override;
  void ExpectExec(const std::string& container_id, const std::vector<std::string>& cmd,
                  const ExecAnswer& answer) override;
  absl::Status AddImage(const std::string& ref) override;
  absl::Status TagImage(const std::string& existing_ref, const std::string& new_ref) override;
  bool WaitForEventSubscribers(int count, absl::Duration timeout) override {
    return fake_runtime_.WaitForEventSubscribers(count, timeout);
  }

  absl::Time Now() override { return clock_.Now(); }
  bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) override;
  void RunWhileTimePasses(const std::function<void()>& call, absl::Duration elapse) override;

  FakeClock& clock() { return clock_; }
  FakeRuntimeService& fake_runtime() { return fake_runtime_; }
  FakeImageService& fake_images() { return fake_images_; }

 private:
  FakeRuntimeTarget(Mode mode, std::string scratch_dir);

  const Mode mode_;
  const std::string name_;
  const std::string scratch_dir_;
  Quirks quirks_;
  FakeClock clock_;
  FakeImageService fake_images_;
  FakeRuntimeService fake_runtime_;
  // kOverGrpc only; the client goes before the server, the server before the fakes.
  std::unique_ptr<CriGrpcServer> server_;
  runtime::remote::RemoteServices remote_;
};

}  // namespace contract
}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_CONTRACT_FAKE_RUNTIME_TARGET_H_
