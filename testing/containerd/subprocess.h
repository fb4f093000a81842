// Runs helper programs (ctr, runc, tar) for the containerd harness and its tests.
#ifndef KRL_TESTING_CONTAINERD_SUBPROCESS_H_
#define KRL_TESTING_CONTAINERD_SUBPROCESS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace krl::testing::containerd {

// What a finished command left behind.
struct CommandResult {
  // The exit code, or 128 + signal number when a signal ended it (as shells report it).
  int exit_code = 0;
  // stdout and stderr interleaved, in the order the program wrote them.
  std::string output;
};

// Runs argv[0] (looked up on SearchPath() when it has no slash) with the given arguments, stdin
// from /dev/null, and waits up to `timeout`. A command that does not finish in time is killed and
// reported as DeadlineExceeded; a non-zero exit is not an error here (see RunCommandOk).
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout);

// Like RunCommand, but a non-zero exit becomes an Internal error carrying the command line and
// its output, and the result is the output alone.
absl::StatusOr<std::string> RunCommandOk(const std::vector<std::string>& argv,
                                         absl::Duration timeout);

// $PATH followed by the usual bin and sbin folders. runc lives in /usr/sbin on Debian, which
// Bazel's test environment often leaves out of PATH.
std::string SearchPath();

// The absolute path of an executable named `name` on SearchPath(), if any.
std::optional<std::string> FindExecutable(const std::string& name);

// Quotes an argument vector for error messages only; it is never handed to a shell.
std::string FormatCommandLine(const std::vector<std::string>& argv);

}  // namespace krl::testing::containerd

#endif  // KRL_TESTING_CONTAINERD_SUBPROCESS_H_
