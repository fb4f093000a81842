// ChildProcess: a program started in the background with its stdout on a pipe, for tools and
// tests that drive `nodeagent` from outside (run_demo, the end-to-end test).
//
//   auto agent = ChildProcess::Spawn({"bazel-bin/tools/nodeagent/nodeagent", "--port=0"}, log);
//   absl::StatusOr<std::string> line = (*agent)->WaitForLine("nodeagent: serving",
//   absl::Seconds(20));
//   (*agent)->Signal(SIGTERM);  absl::StatusOr<int> code = (*agent)->Wait(absl::Seconds(10));
//
// Threads: one thread owns an instance. The destructor kills a child still running (SIGKILL)
// and reaps it.
#ifndef KRL_TOOLS_RUN_DEMO_CHILD_PROCESS_H_
#define KRL_TOOLS_RUN_DEMO_CHILD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace krl {
namespace tools {
namespace run_demo {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with stdin from /dev/null, stdout on a pipe and stderr appended to
  // `stderr_path` (empty: inherited). The child dies with this process's thread
  // (PR_SET_PDEATHSIG), so a crashed caller leaves nothing behind.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ChildProcess>> Spawn(
      const std::vector<std::string>& argv, const std::string& stderr_path);

  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Reads stdout until a line containing `needle` (returned without its newline); lines before
  // it are kept in output(). DeadlineExceeded after `timeout`, Unavailable when the child closed
  // stdout (exited) first.
  [[nodiscard]] absl::StatusOr<std::string> WaitForLine(absl::string_view needle,
                                                        absl::Duration timeout);

  [[nodiscard]] absl::Status Signal(int signal_number);
  // Waits up to `timeout` for the child to exit: its exit code, or 128 + the signal that ended
  // it. DeadlineExceeded when it is still running.
  [[nodiscard]] absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGTERM, then SIGKILL when it has not exited after `grace`. The exit code.
  absl::StatusOr<int> Stop(absl::Duration grace);

  bool running();
  pid_t pid() const { return pid_; }
  // Everything read from stdout so far.
  const std::string& output() const { return output_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdout_fd_;
  std::optional<int> exit_code_;
  std::string output_;
  size_t consumed_ = 0;  // bytes of output_ already returned by WaitForLine
};

// The port of "... http://HOST:PORT ..." in `line`; InvalidArgument when there is none.
[[nodiscard]] absl::StatusOr<int> ParsePortFromLine(absl::string_view line);

}  // namespace run_demo
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_RUN_DEMO_CHILD_PROCESS_H_
