#include "tools/run_demo/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace krl {
namespace tools {
namespace run_demo {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(
    const std::vector<std::string>& argv, const std::string& stderr_path) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  int err_fd = -1;
  if (!stderr_path.empty()) {
    err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err_fd < 0) {
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      return absl::InternalError(absl::StrCat("open ", stderr_path, ": ", std::strerror(errno)));
    }
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (err_fd >= 0) close(err_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    // The child must not inherit a blocked signal mask (the caller may block SIGTERM/SIGINT).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(pipe_fds[1], 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (err_fd >= 0) close(err_fd);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, pipe_fds[0]));
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    (void)Wait(absl::Seconds(10));
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

absl::StatusOr<std::string> ChildProcess::WaitForLine(absl::string_view needle,
                                                      absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Complete lines not yet returned.
    size_t newline;
    while ((newline = output_.find('\n', consumed_)) != std::string::npos) {
      std::string line = output_.substr(consumed_, newline - consumed_);
      consumed_ = newline + 1;
      if (absl::StrContains(line, needle)) return line;
    }
    if (stdout_fd_ < 0) {
      return absl::UnavailableError(
          absl::StrCat("the program exited before printing \"", needle, "\""));
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line with \"", needle, "\" within ", absl::FormatDuration(timeout)));
    }
    pollfd fd{stdout_fd_, POLLIN, 0};
    int ready = poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[4096];
    ssize_t n = read(stdout_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(stdout_fd_);
      stdout_fd_ = -1;
      continue;
    }
    output_.append(buffer, static_cast<size_t>(n));
  }
}

absl::Status ChildProcess::Signal(int signal_number) {
  if (!running()) return absl::FailedPreconditionError("the program has exited");
  if (kill(pid_, signal_number) != 0) {
    return absl::InternalError(absl::StrCat("kill: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

bool ChildProcess::running() {
  if (exit_code_.has_value()) return false;
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return done == 0;
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (running()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("pid ", pid_, " still running after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (!exit_code_.has_value()) return absl::InternalError("the program's status was lost");
  return *exit_code_;
}

absl::StatusOr<int> ChildProcess::Stop(absl::Duration grace) {
  if (running()) (void)Signal(SIGTERM);
  absl::StatusOr<int> code = Wait(grace);
  if (code.ok()) return code;
  (void)Signal(SIGKILL);
  return Wait(absl::Seconds(10));
}

absl::StatusOr<int> ParsePortFromLine(absl::string_view line) {
  size_t scheme = line.find("http://");
  if (scheme != absl::string_view::npos) {
    absl::string_view rest = line.substr(scheme + 7);
    size_t colon = rest.rfind(':', rest.find_first_of(" /"));
    if (colon != absl::string_view::npos) {
      absl::string_view digits = rest.substr(colon + 1);
      size_t end = 0;
      while (end < digits.size() && digits[end] >= '0' && digits[end] <= '9') ++end;
      int port = 0;
      if (end > 0 && absl::SimpleAtoi(digits.substr(0, end), &port) && port > 0 && port < 65536) {
        return port;
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("no http://HOST:PORT in \"", line, "\""));
}

}  // namespace run_demo
}  // namespace tools
}  // namespace krl
