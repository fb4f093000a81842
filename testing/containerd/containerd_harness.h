// Runs a private containerd (with its CRI plugin) for tests, with local test images imported.
#ifndef KRL_TESTING_CONTAINERD_CONTAINERD_HARNESS_H_
#define KRL_TESTING_CONTAINERD_CONTAINERD_HARNESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace krl::testing::containerd {

// Starts containerd as a child process with everything it owns (root, state, sockets, runc
// state, CNI folders, log) in a fresh folder under /tmp, imports a pause image (also the CRI
// sandbox image) and a busybox image, and on destruction stops it and removes every trace:
// containers, shims, mounts and the folder.
//
// Pods must use host networking: CNI points at an empty folder, so the CRI plugin reports
// NetworkReady=false.
//
// Needs root and the containerd, containerd-shim-runc-v2, runc, ctr and busybox programs.
// Start() returns an Unavailable error when something is missing; MissingPrerequisite() says
// what, so tests can skip visibly. It also needs a writable /run: containerd 1.6's runc shim
// puts its sockets in /run/containerd/s whatever the config says, so tag tests `local` to keep
// them out of Bazel's sandbox (which makes /run read-only).
//
// Not thread-safe: create, use and destroy it from one thread. containerd is asked to die with
// the thread that started it (PR_SET_PDEATHSIG), so a crashed test does not leave it running,
// and the next Start() anywhere on the machine removes what a crashed harness left behind.
class ContainerdHarness {
 public:
  struct Options {
    // The static pause program for the sandbox image; empty means DefaultPauseBinary().
    std::string pause_binary;
    // A statically linked busybox; empty means `busybox` on the search path.
    std::string busybox_binary;
    // "overlayfs" or "native"; empty picks overlayfs when an overlay mount works in the temp
    // folder (it does not on top of another overlayfs), else native.
    std::string snapshotter;
    // Where the private folder goes. Keep it short: socket paths must fit in 108 bytes, which
    // rules out Bazel's TEST_TMPDIR.
    std::string temp_parent = "/tmp";
    absl::Duration start_timeout = absl::Seconds(30);
    absl::Duration stop_timeout = absl::Seconds(10);
    // Leaves the private folder (config, log) in place after Stop() for debugging.
    bool keep_temp_dir = false;
  };

  // The image names imported by Start().
  static constexpr char kPauseImage[] = "krl.test/pause:1";
  static constexpr char kBusyboxImage[] = "krl.test/busybox:1";
  // The containerd namespace the CRI plugin uses.
  static constexpr char kCriNamespace[] = "k8s.io";

  // Why the harness cannot run here (not root, or a program is missing), or nullopt.
  static std::optional<std::string> MissingPrerequisite();

  // Finds the pause binary among the test's runfiles ($TEST_SRCDIR/krl/testing/containerd/pause
  // and similar), or relative to the working directory; NotFound when it is nowhere.
  static absl::StatusOr<std::string> DefaultPauseBinary();

  // Starts containerd, waits until it answers and imports both images. On failure everything
  // started so far is cleaned up and the error carries the tail of containerd's log.
  static absl::StatusOr<std::unique_ptr<ContainerdHarness>> Start(const Options& options);

  ContainerdHarness(const ContainerdHarness&) = delete;
  ContainerdHarness& operator=(const ContainerdHarness&) = delete;
  // Calls Stop() and reports a failure on stderr.
  ~ContainerdHarness();

  // Stops containerd (SIGTERM, then SIGKILL after stop_timeout), removes leftover containers
  // and shims, unmounts what is mounted under the private folder and deletes it. Idempotent.
  absl::Status Stop();

  // Kills containerd with SIGKILL, as a crash would; shims and containers keep running.
  absl::Status Kill();
  // Starts containerd again with the same config and state, and waits until it answers.
  absl::Status StartAgain();
  // Kill() followed by StartAgain(): a runtime restart under the agent's feet.
  absl::Status Restart();
  // SIGSTOP and SIGCONT: a hung runtime that keeps its connections open but answers nothing.
  // Stop() resumes a suspended containerd first, so it can exit on SIGTERM.
  absl::Status Suspend();
  absl::Status Resume();

  // Whether the containerd process started by this harness is still running.
  bool running();
  pid_t pid() const { return pid_; }

  // The CRI endpoint, "unix://" + socket_path().
  std::string endpoint() const { return "unix://" + socket_path_; }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& pause_image() const { return pause_image_; }
  const std::string& busybox_image() const { return busybox_image_; }
  // The private folder holding everything (config, log, root, state).
  const std::string& root_dir() const { return root_dir_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& config_path() const { return config_path_; }
  const std::string& snapshotter() const { return snapshotter_; }

  // Runs ctr against this containerd in the CRI namespace, e.g. Ctr({"images", "ls", "-q"}),
  // and returns its output; a non-zero exit is an error.
  absl::StatusOr<std::string> Ctr(const std::vector<std::string>& args,
                                  absl::Duration timeout = absl::Seconds(30)) const;

  // The last `max_bytes` of containerd's log, for error messages.
  std::string LogTail(size_t max_bytes = 4096) const;

 private:
  explicit ContainerdHarness(const Options& options);

  // Cleans up after harnesses whose process died without Stop() (a crash, a sanitizer abort):
  // their folders under temp_parent still exist but nobody holds their lock any more.
  static void RemoveStaleDirs(const Options& options);

  absl::Status Prepare();
  absl::Status WriteConfig();
  absl::Status SpawnContainerd();
  absl::Status WaitUntilReady();
  absl::Status BuildAndImportImages();
  // Waits up to `timeout` for containerd to exit; true when it did (and was reaped).
  bool WaitForExit(absl::Duration timeout);
  absl::Status CleanUpLeftovers();
  // Adds the log tail to an error about containerd.
  absl::Status WithLog(const absl::Status& status) const;

  Options options_;
  std::string containerd_path_;
  std::string ctr_path_;
  std::string runc_path_;
  std::string root_dir_;
  std::string config_path_;
  std::string log_path_;
  std::string socket_path_;
  std::string snapshotter_;
  std::string pause_image_ = kPauseImage;
  std::string busybox_image_ = kBusyboxImage;
  pid_t pid_ = -1;
  // Holds an flock on root_dir_/.lock while this harness owns the folder; see RemoveStaleDirs.
  int lock_fd_ = -1;
  // Size of the log when the current containerd process started; readiness looks past it.
  size_t log_offset_ = 0;
  bool stopped_ = false;
};

}  // namespace krl::testing::containerd

#endif  // KRL_TESTING_CONTAINERD_CONTAINERD_HARNESS_H_
