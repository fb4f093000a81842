#include "testing/containerd/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace krl::testing::containerd {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The child's environment: ours, with PATH widened so that programs the child starts (containerd
// starting runc, for one) resolve the same way our own lookups did.
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) != 0) env.emplace_back(*e);
  }
  env.push_back(absl::StrCat("PATH=", SearchPath()));
  return env;
}

// Time left until `deadline`, in whole milliseconds for poll(), never negative.
int MillisUntil(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(left)) + 1;
}

}  // namespace

std::string SearchPath() {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      dirs.emplace_back(dir);
    }
  }
  for (const char* dir :
       {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    bool present = false;
    for (const std::string& d : dirs) present = present || d == dir;
    if (!present) dirs.emplace_back(dir);
  }
  return absl::StrJoin(dirs, ":");
}

std::optional<std::string> FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name)) return name;
    return std::nullopt;
  }
  for (absl::string_view dir : absl::StrSplit(SearchPath(), ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return std::nullopt;
}

std::string FormatCommandLine(const std::vector<std::string>& argv) {
  std::vector<std::string> quoted;
  quoted.reserve(argv.size());
  for (const std::string& arg : argv) {
    const bool plain = !arg.empty() && arg.find_first_of(" \t\n'\"\\$") == std::string::npos;
    quoted.push_back(plain ? arg : absl::StrCat("'", arg, "'"));
  }
  return absl::StrJoin(quoted, " ");
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout) {
  if (argv.empty()) return absl::InvalidArgumentError("RunCommand: empty argument vector");
  std::optional<std::string> program = FindExecutable(argv[0]);
  if (!program) {
    return absl::NotFoundError(
        absl::StrCat("executable not found: ", argv[0], " (searched ", SearchPath(), ")"));
  }

  // Everything the child needs is prepared before fork(): only async-signal-safe calls follow.
  std::vector<std::string> env = ChildEnvironment();
  std::vector<char*> argv_c;
  for (const std::string& a : argv) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  std::vector<char*> env_c;
  for (const std::string& e : env) env_c.push_back(const_cast<char*>(e.c_str()));
  env_c.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", ErrnoText(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(out[0]);
    close(out[1]);
    return absl::InternalError(absl::StrCat("fork: ", ErrnoText(err)));
  }
  if (pid == 0) {
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    // Our test process may hold descriptors without O_CLOEXEC; helpers must not keep them open.
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 4096; ++fd) close(fd);
    }
    execve(program->c_str(), argv_c.data(), env_c.data());
    _exit(127);
  }
  close(out[1]);

  CommandResult result;
  const absl::Time deadline = absl::Now() + timeout;
  bool timed_out = false;
  char buf[8192];
  for (;;) {
    pollfd pfd{out[0], POLLIN, 0};
    const int ready = poll(&pfd, 1, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: every writer (the child and anything it left behind) closed.
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timed_out) kill(pid, SIGKILL);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", ErrnoText(errno)));
  }
  if (timed_out) {
    return absl::DeadlineExceededError(
        absl::StrCat(FormatCommandLine(argv), " did not finish within ",
                     absl::FormatDuration(timeout), "; output so far: ", result.output));
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  if (result.exit_code == 127 && result.output.empty()) {
    return absl::InternalError(absl::StrCat("could not execute ", *program));
  }
  return result;
}

absl::StatusOr<std::string> RunCommandOk(const std::vector<std::string>& argv,
                                         absl::Duration timeout) {
  absl::StatusOr<CommandResult> result = RunCommand(argv, timeout);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(FormatCommandLine(argv), " exited with ",
                                            result->exit_code, ": ", result->output));
  }
  return std::move(result->output);
}

}  // namespace krl::testing::containerd
