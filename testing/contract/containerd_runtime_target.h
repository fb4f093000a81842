// ContainerdRuntimeTarget: a private containerd (ContainerdHarness) reached through the remote
// CRI client, as a contract target.
//
// Test containers run the harness's busybox image; their behaviour comes from shell commands
// (`sh -c 'exit 3'`, a SIGTERM trap, a loop waiting for a file that TellToExit writes with
// ExecSync). Pods must use host networking: the harness configures no CNI.
//
//   absl::StatusOr<std::unique_ptr<ContainerdRuntimeTarget>> target =
//       ContainerdRuntimeTarget::Start();
//   target.value()->runtime().Version(cri::VersionRequest());
//
// Threads: as RuntimeTarget. The harness must be started and destroyed on one thread, the one
// whose exit would kill containerd (it is asked to die with it).
#ifndef KRL_TESTING_CONTRACT_CONTAINERD_RUNTIME_TARGET_H_
#define KRL_TESTING_CONTRACT_CONTAINERD_RUNTIME_TARGET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/remote/remote_services.h"
#include "testing/containerd/containerd_harness.h"
#include "testing/contract/runtime_target.h"

namespace krl {
namespace testing {
namespace contract {

class ContainerdRuntimeTarget final : public RuntimeTarget {
 public:
  // Starts containerd (Unavailable when ContainerdHarness::MissingPrerequisite() says it cannot
  // run here), connects the remote client and reads the version that decides the quirks.
  static absl::StatusOr<std::unique_ptr<ContainerdRuntimeTarget>> Start();
  // Stops containerd and removes everything it made.
  ~ContainerdRuntimeTarget() override;

  // The documented behaviour of a containerd release, e.g. "1.6.20~ds1" (Debian's spelling).
  static Quirks QuirksOf(absl::string_view containerd_version);

  const std::string& name() const override { return name_; }
  runtime::RuntimeService& runtime() override { return *remote_.runtime; }
  runtime::ImageService& images() override { return *remote_.image; }
  const Quirks& quirks() const override { return quirks_; }
  std::string image() const override { return harness_->busybox_image(); }
  std::string pause_image() const override { return harness_->pause_image(); }
  std::string scratch_dir() const override { return scratch_dir_; }
  std::string cgroup_parent() const override { return cgroup_parent_; }

  void SetProcess(cri::ContainerConfig* config, const Process& process) override;
  absl::Status WaitForProcessReady(const std::string& container_id,
                                   const Process& process) override;
  absl::Status TellToExit(const std::string& container_id, int exit_code) override;
  void ExpectExec(const std::string& container_id, const std::vector<std::string>& cmd,
                  const ExecAnswer& answer) override {}  // the command itself answers
  absl::Status AddImage(const std::string& ref) override;
  absl::Status TagImage(const std::string& existing_ref, const std::string& new_ref) override;
  bool WaitForEventSubscribers(int count, absl::Duration timeout) override { return true; }

  absl::Time Now() override { return absl::Now(); }
  bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) override;
  void RunWhileTimePasses(const std::function<void()>& call, absl::Duration elapse) override {
    call();  // real time passes by itself
  }

  containerd::ContainerdHarness& harness() { return *harness_; }

 private:
  ContainerdRuntimeTarget() = default;
  // Waits until the CRI plugin, which learns about images from containerd's events, lists `ref`.
  absl::Status WaitForImage(const std::string& ref);

  const std::string name_ = "containerd";
  std::string scratch_dir_;
  // "/krl-contract-<pid>": runc creates it in every cgroup hierarchy; removed after containerd.
  std::string cgroup_parent_;
  Quirks quirks_;
  int images_added_ = 0;
  // Destroyed in reverse order: the client before containerd stops.
  std::unique_ptr<containerd::ContainerdHarness> harness_;
  runtime::remote::RemoteServices remote_;
};

}  // namespace contract
}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_CONTRACT_CONTAINERD_RUNTIME_TARGET_H_
