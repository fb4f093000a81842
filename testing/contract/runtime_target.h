// RuntimeTarget: one CRI runtime that the contract cases run against, with the few hooks that
// differ between a fake and a real runtime.
//
// The contract cases are written once against runtime::RuntimeService and runtime::ImageService.
// What they cannot express through CRI alone goes through this class: how a container's main
// process is made to behave (a command on a real runtime, a script on a fake), how time passes
// (a real clock, or a FakeClock a case must advance), and which documented differences (Quirks)
// the target has.
//
//   std::unique_ptr<RuntimeTarget> target = ...;  // FakeRuntimeTarget, ContainerdRuntimeTarget
//   auto version = target->runtime().Version(cri::VersionRequest());
//   target->SetProcess(&container_config, RuntimeTarget::Process::ExitWith(3));
//
// Threads: a target is used by one case at a time, from the test's main thread; runtime() and
// images() are as thread safe as the interfaces require.
#ifndef KRL_TESTING_CONTRACT_RUNTIME_TARGET_H_
#define KRL_TESTING_CONTRACT_RUNTIME_TARGET_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/image_service.h"
#include "runtime/runtime_service.h"

namespace krl {
namespace testing {
namespace contract {

class RuntimeTarget {
 public:
  // Documented differences between runtimes. Each field is declared by the target (never probed
  // at run time), so a case that asserts it proves the declaration.
  struct Quirks {
    // StopPodSandbox of an id that never existed answers NotFound instead of OK (containerd
    // before 1.6.35; later releases made it idempotent, as the fake is).
    bool stop_unknown_sandbox_not_found = false;
    // StopContainer of an id that never existed answers NotFound instead of OK (containerd
    // before 1.6.35 again).
    bool stop_unknown_container_not_found = false;
    // GetContainerEvents is served. containerd 1.6 has no event stream: Unimplemented.
    bool has_event_stream = true;
    // The RuntimeConfig RPC is served. containerd 1.6: Unimplemented.
    bool has_runtime_config = true;
    // The Stream* list RPCs are served. containerd 1.6: Unimplemented.
    bool has_stream_rpcs = true;
    // ListMetricDescriptors and ListPodSandboxMetrics are served. containerd 1.6: Unimplemented.
    bool has_pod_sandbox_metrics = true;
    // The NetworkReady condition. The harness's containerd has no CNI configured: false.
    bool network_ready = true;
  };

  // What a test container's main process does once started.
  struct Process {
    enum class Kind {
      // Runs until stopped or killed.
      kRunsUntilStopped,
      // Runs until TellToExit() names its exit code.
      kExitsWhenTold,
      // Prints `stdout_lines` and exits with `exit_code` right after starting.
      kExitsAtOnce,
    };
    Kind kind = Kind::kRunsUntilStopped;
    int exit_code = 0;
    std::vector<std::string> stdout_lines;
    // kRunsUntilStopped: SIGTERM does not end it (as `sleep` running as PID 1), so StopContainer
    // kills it after the grace period. Otherwise SIGTERM ends it with exit code 143.
    bool ignores_sigterm = false;

    static Process RunsUntilStopped() { return Process(); }
    static Process IgnoresSigterm() {
      Process p;
      p.ignores_sigterm = true;
      return p;
    }
    static Process ExitsWhenTold() {
      Process p;
      p.kind = Kind::kExitsWhenTold;
      return p;
    }
    static Process ExitWith(int code, std::vector<std::string> lines = {}) {
      Process p;
      p.kind = Kind::kExitsAtOnce;
      p.exit_code = code;
      p.stdout_lines = std::move(lines);
      return p;
    }
  };

  // What an ExecSync of a command answers.
  struct ExecAnswer {
    std::string stdout_data;
    std::string stderr_data;
    int exit_code = 0;
    // How long the command runs.
    absl::Duration runs_for = absl::ZeroDuration();
  };

  virtual ~RuntimeTarget() = default;

  // Short name used in test names: "fake", "fake over gRPC", "containerd".
  virtual const std::string& name() const = 0;
  virtual runtime::RuntimeService& runtime() = 0;
  virtual runtime::ImageService& images() = 0;
  virtual const Quirks& quirks() const = 0;

  // An image present on the target that test containers run (a busybox).
  virtual std::string image() const = 0;
  // The sandbox image, also present.
  virtual std::string pause_image() const = 0;
  // A short folder (under /tmp) a case may create files in, e.g. pod log directories; it lives
  // as long as the target.
  virtual std::string scratch_dir() const = 0;
  // The cgroup parent pods get (linux.cgroup_parent; the kubelet always sets one and containerd
  // needs it for sandbox stats). The target removes it when it goes.
  virtual std::string cgroup_parent() const = 0;

  // Makes a container created from `config` behave as `process` (sets image and command on a
  // real runtime; scripts the fake by the config's metadata name). Call before CreateContainer.
  virtual void SetProcess(cri::ContainerConfig* config, const Process& process) = 0;
  // Waits until the process of a just-started container handles signals as `process` says. A
  // real shell installs its SIGTERM trap a moment after the start, and PID 1 ignores a SIGTERM
  // that comes before: a stop in that window would wait out its grace period.
  [[nodiscard]] virtual absl::Status WaitForProcessReady(const std::string& container_id,
                                                         const Process& process) = 0;
  // Ends a running container created with Process::ExitsWhenTold with `exit_code`.
  [[nodiscard]] virtual absl::Status TellToExit(const std::string& container_id, int exit_code) = 0;
  // ExecSync of `cmd` in the container answers `answer`: a real runtime runs the command (which
  // the case wrote to do just that); a fake is scripted with the answer.
  virtual void ExpectExec(const std::string& container_id, const std::vector<std::string>& cmd,
                          const ExecAnswer& answer) = 0;
  // Makes a new image `ref` present (distinct content, so removing it touches no other image).
  [[nodiscard]] virtual absl::Status AddImage(const std::string& ref) = 0;
  // Gives the present image `existing_ref` a second reference `new_ref` (as `ctr images tag`).
  [[nodiscard]] virtual absl::Status TagImage(const std::string& existing_ref,
                                              const std::string& new_ref) = 0;
  // Waits until `count` GetContainerEvents streams are open at the runtime, so that no event of
  // what the case does next is missed. A real runtime cannot tell: it returns true at once.
  [[nodiscard]] virtual bool WaitForEventSubscribers(int count, absl::Duration timeout) = 0;

  // The target's time (a FakeClock's on a fake), to compare CRI timestamps with.
  virtual absl::Time Now() = 0;
  // Lets time pass until `done` holds or `timeout` passed (on the target's clock); returns
  // whether `done` held. `done` must not use test assertions.
  [[nodiscard]] virtual bool WaitUntil(const std::function<bool()>& done,
                                       absl::Duration timeout) = 0;
  // Runs `call`, which blocks while `elapse` passes on the target's clock (an ExecSync that
  // times out, a stop's grace period). On a fake clock the call runs on another thread while
  // the clock is advanced, so `call` must not use test assertions: it stores its result.
  virtual void RunWhileTimePasses(const std::function<void()>& call, absl::Duration elapse) = 0;

  // A ready pod that lives as long as the target, for cases whose subject is a container rather
  // than its sandbox (creating a sandbox is the slow part on a real runtime). Set by CaseScope.
  struct SharedPod {
    std::string id;
    cri::PodSandboxConfig config;
  };
  std::optional<SharedPod>& shared_pod() { return shared_pod_; }

 private:
  std::optional<SharedPod> shared_pod_;
};

}  // namespace contract
}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_CONTRACT_RUNTIME_TARGET_H_
