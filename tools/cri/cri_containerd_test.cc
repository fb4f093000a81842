// End to end: the `cri` binary against a private, real containerd (testing/containerd harness).
// One pod with one busybox container goes through version, runp, create, start, ps, inspect,
// exec-sync, stats, stop, rm, stopp, rmp and pods, each run as its own process over gRPC, and the
// container's output lands in its CRI log file. Skipped, with a warning, where containerd cannot
// run.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "testing/containerd/containerd_harness.h"

namespace krl {
namespace tools {
namespace cri_cli {
namespace {

namespace fs = std::filesystem;
using testing::containerd::ContainerdHarness;

// The `cri` binary among the test's runfiles, else relative to the working directory (which is
// the runfiles tree when Bazel runs the test).
std::string CriBinary() {
  if (const char* dir = std::getenv("TEST_SRCDIR")) {
    const std::string path = absl::StrCat(dir, "/krl/tools/cri/cri");
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "tools/cri/cri";
}

struct Result {
  // The exit code, or 128 + signal number when a signal ended the process.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `cri --runtime-endpoint ENDPOINT --timeout 20s ARGS...` and collects stdout and stderr
// apart. A run that outlives `deadline` is killed and reported with exit code 128 + SIGKILL.
Result RunCri(const std::string& endpoint, const std::vector<std::string>& args,
              absl::Duration deadline = absl::Seconds(60)) {
  std::vector<std::string> argv = {CriBinary(), "--runtime-endpoint", endpoint, "--timeout", "20s"};
  argv.insert(argv.end(), args.begin(), args.end());
  int out_pipe[2], err_pipe[2];
  REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(pipe2(err_pipe, O_CLOEXEC) == 0);
  std::vector<char*> c_argv;
  for (std::string& arg : argv) c_argv.push_back(arg.data());
  c_argv.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  Result result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  const absl::Time end = absl::Now() + deadline;
  bool killed = false;
  while (open_fds > 0) {
    const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(end - absl::Now()));
    if (wait_ms <= 0) {
      kill(pid, SIGKILL);
      killed = true;
      break;
    }
    const int ready = poll(fds, 2, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    REQUIRE(ready >= 0);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  if (killed) result.exit_code = 128 + SIGKILL;
  return result;
}

std::string Describe(const std::vector<std::string>& args, const Result& r) {
  return absl::StrCat("cri ", absl::StrJoin(args, " "), " -> exit ", r.exit_code, "\nstdout:\n",
                      r.out, "\nstderr:\n", r.err);
}

// Runs a command that must succeed and returns its stdout.
std::string CriOk(const std::string& endpoint, const std::vector<std::string>& args) {
  Result r = RunCri(endpoint, args);
  INFO(Describe(args, r));
  REQUIRE(r.exit_code == 0);
  return r.out;
}

bool IsFullId(const std::string& text) {
  static const std::regex kId("[0-9a-f]{64}");
  return std::regex_match(text, kId);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
}

// The first line of `text` holding every one of `parts`, or nullopt.
std::optional<std::string> LineWith(const std::string& text,
                                    const std::vector<std::string>& parts) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    bool all = true;
    for (const std::string& part : parts) all = all && absl::StrContains(line, part);
    if (all) return std::string(line);
  }
  return std::nullopt;
}

// Removes the test's folder (pod logs, JSON files) however the test ends.
struct TempDir {
  std::string path;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

TEST_CASE("cri drives a pod and a container through their whole lifecycle on real containerd") {
  if (std::optional<std::string> missing = ContainerdHarness::MissingPrerequisite()) {
    WARN("SKIPPED: cri_containerd_test needs containerd: " << *missing);
    return;
  }
  const absl::Time test_start = absl::Now();
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> started =
      ContainerdHarness::Start(ContainerdHarness::Options());
  INFO(started.status().ToString());
  REQUIRE(started.ok());
  ContainerdHarness& harness = **started;
  const std::string endpoint = harness.endpoint();
  const absl::Duration harness_start = absl::Now() - test_start;

  char pattern[] = "/tmp/krl-cri-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  TempDir dir{pattern};
  const std::string log_dir = dir.path + "/logs";
  fs::create_directories(log_dir);
  const std::string pod_json = dir.path + "/pod.json";
  const std::string container_json = dir.path + "/container.json";
  WriteFile(pod_json, absl::StrCat(R"({
  "metadata": {"name": "cri-e2e", "namespace": "krl-test", "uid": "uid-cri-e2e", "attempt": 0},
  "log_directory": ")",
                                   log_dir, R"(",
  "linux": {"security_context": {"namespace_options": {"network": "NODE"}}}
})"));
  WriteFile(container_json, absl::StrCat(R"({
  "metadata": {"name": "shell", "attempt": 0},
  "image": {"image": ")",
                                         harness.busybox_image(), R"("},
  "command": ["/bin/sh", "-c", "echo hello-from-cri; sleep 3600"],
  "log_path": "shell.log"
})"));

  // version: the real runtime answers, and the build is the dockerless one.
  const std::string version = CriOk(endpoint, {"version"});
  CHECK(absl::StrContains(version, "RuntimeName:  containerd"));
  CHECK(absl::StrContains(version, "RuntimeApiVersion:  v1"));
  CHECK(absl::StrContains(version, "dockerless: true"));

  const std::string pod =
      std::string(absl::StripAsciiWhitespace(CriOk(endpoint, {"runp", pod_json})));
  REQUIRE(IsFullId(pod));
  const std::string pod_prefix = pod.substr(0, 12);

  const std::string container = std::string(absl::StripAsciiWhitespace(
      CriOk(endpoint, {"create", pod_prefix, container_json, pod_json})));
  REQUIRE(IsFullId(container));
  const std::string prefix = container.substr(0, 12);

  // Prefixes resolve to the full id, which start prints back.
  CHECK(absl::StripAsciiWhitespace(CriOk(endpoint, {"start", prefix})) == container);

  {
    const std::string ps = CriOk(endpoint, {"ps"});
    INFO(ps);
    CHECK(LineWith(ps, {prefix, "Running", "shell", pod_prefix, "cri-e2e"}).has_value());
  }
  {
    // JSON is inspect's default; the table form is checked too.
    const std::string inspect = CriOk(endpoint, {"inspect", prefix});
    INFO(inspect);
    CHECK(absl::StrContains(inspect, container));
    CHECK(absl::StrContains(inspect, "\"CONTAINER_RUNNING\""));
    const std::string table = CriOk(endpoint, {"inspect", container, "-o", "table"});
    INFO(table);
    CHECK(absl::StrContains(table, "State: Running"));
    CHECK(absl::StrContains(table, "LogPath: " + log_dir + "/shell.log"));
  }
  {
    // exec-sync hands back the command's output and makes its exit code the process's own.
    const std::vector<std::string> args = {"exec-sync", prefix, "--",
                                           "/bin/sh",   "-c",   "echo out; exit 3"};
    Result exec = RunCri(endpoint, args);
    INFO(Describe(args, exec));
    CHECK(exec.exit_code == 3);
    CHECK(exec.out == "out\n");
  }
  {
    const std::string stats = CriOk(endpoint, {"stats"});
    INFO(stats);
    CHECK(LineWith(stats, {prefix, "shell"}).has_value());
  }
  {
    // containerd writes the container's stdout to the CRI log file as it arrives: wait for it.
    const std::string log_path = log_dir + "/shell.log";
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    std::string log = ReadAll(log_path);
    while (!absl::StrContains(log, "hello-from-cri") && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(100));
      log = ReadAll(log_path);
    }
    INFO("log file " << log_path << ":\n" << log);
    // The CRI log format: "TIMESTAMP stdout F hello-from-cri".
    CHECK(LineWith(log, {" stdout F hello-from-cri"}).has_value());
  }

  CHECK(absl::StripAsciiWhitespace(CriOk(endpoint, {"stop", prefix})) == container);
  {
    const std::string all = CriOk(endpoint, {"ps", "-a"});
    INFO(all);
    CHECK(LineWith(all, {prefix, "Exited"}).has_value());
  }
  CHECK(absl::StripAsciiWhitespace(CriOk(endpoint, {"rm", prefix})) == container);
  CHECK(!absl::StrContains(CriOk(endpoint, {"ps", "-a", "-q"}), container));

  CHECK(absl::StripAsciiWhitespace(CriOk(endpoint, {"stopp", pod_prefix})) == pod);
  CHECK(absl::StripAsciiWhitespace(CriOk(endpoint, {"rmp", pod_prefix})) == pod);
  {
    const std::string pods = CriOk(endpoint, {"pods"});
    INFO(pods);
    CHECK(!absl::StrContains(pods, pod_prefix));
    CHECK(!absl::StrContains(pods, "cri-e2e"));
  }

  // A lookup of the removed container fails as a runtime error (1), not a usage error (2).
  CHECK(RunCri(endpoint, {"inspect", prefix}).exit_code == 1);

  const absl::Duration lifecycle = absl::Now() - test_start - harness_start;
  WARN("cri_containerd_test: harness start " << absl::FormatDuration(harness_start)
                                             << ", cri lifecycle "
                                             << absl::FormatDuration(lifecycle));
  CHECK(harness.Stop().ok());
}

}  // namespace
}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
