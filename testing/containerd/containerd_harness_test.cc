#include "testing/containerd/containerd_harness.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "testing/containerd/skip_without_containerd.h"

namespace krl::testing::containerd {
namespace {

std::unique_ptr<ContainerdHarness> StartOrFail() {
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start(ContainerdHarness::Options());
  INFO(harness.status().ToString());
  REQUIRE(harness.ok());
  return std::move(*harness);
}

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    lines.emplace(absl::StripAsciiWhitespace(line));
  }
  return lines;
}

// Live processes whose command line mentions `text`; zombies have none, so they do not count.
std::vector<pid_t> ProcessesMentioning(const std::string& text) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  REQUIRE(proc != nullptr);
  while (dirent* e = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid) || pid == getpid()) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"), std::ios::binary);
    std::ostringstream cmdline;
    cmdline << in.rdbuf();
    if (absl::StrContains(cmdline.str(), text)) found.push_back(pid);
  }
  closedir(proc);
  return found;
}

// The host PID of a task, from `ctr tasks ls` ("ID PID STATUS" rows); 0 when not listed.
pid_t TaskPid(const ContainerdHarness& h, const std::string& id) {
  absl::StatusOr<std::string> tasks = h.Ctr({"tasks", "ls"});
  REQUIRE(tasks.ok());
  for (absl::string_view line : absl::StrSplit(*tasks, '\n')) {
    std::vector<absl::string_view> cols = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    int pid = 0;
    if (cols.size() >= 2 && cols[0] == id && absl::SimpleAtoi(cols[1], &pid)) return pid;
  }
  return 0;
}

// Whether `pid` still runs; a zombie (killed, not yet reaped by its new parent) does not.
bool Alive(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z' &&
         stat[close + 2] != 'X';
}

// A container id unique to this harness. ctr derives the cgroup from the namespace and id alone
// (/k8s.io/ID), so harnesses running in parallel must not share ids.
std::string UniqueId(const ContainerdHarness& h, const std::string& name) {
  return absl::StrCat(name, "-", h.root_dir().substr(h.root_dir().rfind('-') + 1));
}

// ctr's own defaults would put runc state and I/O fifos in /run/containerd and pick overlayfs;
// keep them in line with what the harness configured for the CRI plugin.
std::vector<std::string> CtrRun(const ContainerdHarness& h, std::vector<std::string> tail) {
  std::vector<std::string> args = {"run",
                                   "--snapshotter",
                                   h.snapshotter(),
                                   "--runc-root",
                                   h.root_dir() + "/state/runc",
                                   "--fifo-dir",
                                   h.root_dir() + "/tmp"};
  args.insert(args.end(), tail.begin(), tail.end());
  return args;
}

TEST_CASE("ContainerdHarness runs containerd with both images and leaves nothing behind") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<ContainerdHarness> h = StartOrFail();
  WARN("ContainerdHarness::Start took " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::steady_clock::now() - started)
                                               .count()
                                        << " ms (snapshotter " << h->snapshotter() << ")");

  struct stat st;
  REQUIRE(stat(h->socket_path().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK(h->endpoint() == "unix://" + h->socket_path());
  CHECK(absl::StartsWith(h->socket_path(), h->root_dir() + "/"));
  CHECK(h->pause_image() == "krl.test/pause:1");
  CHECK(h->busybox_image() == "krl.test/busybox:1");
  CHECK(h->running());

  absl::StatusOr<std::string> images = h->Ctr({"images", "ls", "-q"});
  REQUIRE(images.ok());
  const std::set<std::string> names = Lines(*images);
  CHECK(names.count(h->pause_image()) == 1);
  CHECK(names.count(h->busybox_image()) == 1);

  // The busybox image really runs: applets are linked and /etc/passwd knows root.
  absl::StatusOr<std::string> out = h->Ctr(CtrRun(
      *h, {"--rm", h->busybox_image(), UniqueId(*h, "echo"), "/bin/sh", "-c", "echo hi; id -un"}));
  INFO((out.ok() ? *out : out.status().ToString()));
  REQUIRE(out.ok());
  CHECK(*out == "hi\nroot\n");

  const std::string root_dir = h->root_dir();
  const pid_t pid = h->pid();
  h.reset();

  CHECK(access(root_dir.c_str(), F_OK) != 0);
  int status = 0;
  const pid_t waited = waitpid(pid, &status, WNOHANG);
  const int wait_errno = errno;  // read before Catch's macros can change it
  CHECK(waited == -1);
  CHECK(wait_errno == ECHILD);  // reaped: no containerd child of ours remains
  CHECK(ProcessesMentioning(root_dir).empty());
}

TEST_CASE("ContainerdHarness restart keeps containers, and stop removes them") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  std::unique_ptr<ContainerdHarness> h = StartOrFail();
  const std::string sleeper_id = UniqueId(*h, "sleeper");
  absl::StatusOr<std::string> run =
      h->Ctr(CtrRun(*h, {"--detach", h->busybox_image(), sleeper_id, "/bin/sleep", "1000"}));
  INFO((run.ok() ? *run : run.status().ToString()));
  REQUIRE(run.ok());
  const pid_t old_pid = h->pid();
  const pid_t sleeper = TaskPid(*h, sleeper_id);
  REQUIRE(sleeper > 0);

  REQUIRE(h->Restart().ok());
  CHECK(h->pid() != old_pid);
  CHECK(h->running());
  absl::StatusOr<std::string> tasks = h->Ctr({"tasks", "ls"});
  REQUIRE(tasks.ok());
  CHECK(TaskPid(*h, sleeper_id) == sleeper);
  CHECK(absl::StrContains(*tasks, "RUNNING"));

  REQUIRE(h->Kill().ok());
  CHECK_FALSE(h->running());
  CHECK(h->StartAgain().ok());
  CHECK(h->running());

  const std::string root_dir = h->root_dir();
  CHECK(h->Stop().ok());
  CHECK(h->Stop().ok());  // idempotent
  CHECK(access(root_dir.c_str(), F_OK) != 0);
  CHECK(ProcessesMentioning(root_dir).empty());
  CHECK(!Alive(sleeper));
}

TEST_CASE("ContainerdHarness suspends and resumes containerd, and stops a suspended one") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  std::unique_ptr<ContainerdHarness> h = StartOrFail();
  REQUIRE(h->Suspend().ok());
  // Stopped, it answers nothing: the call runs into its timeout.
  absl::StatusOr<std::string> hung = h->Ctr({"version"}, absl::Seconds(1));
  CHECK(hung.status().code() == absl::StatusCode::kDeadlineExceeded);
  REQUIRE(h->Resume().ok());
  CHECK(h->Ctr({"version"}).ok());

  // Stop() resumes it, so it exits on SIGTERM rather than waiting for the SIGKILL.
  REQUIRE(h->Suspend().ok());
  const auto start = std::chrono::steady_clock::now();
  CHECK(h->Stop().ok());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(8));
  CHECK_FALSE(h->running());
}

TEST_CASE("ContainerdHarness refuses a dynamically linked pause binary") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  ContainerdHarness::Options options;
  options.pause_binary = "/proc/self/exe";  // this test, which uses shared libraries
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness = ContainerdHarness::Start(options);
  REQUIRE_FALSE(harness.ok());
  CHECK(harness.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(harness.status().message(), "dynamically linked"));
}

TEST_CASE("ContainerdHarness finds the pause binary among the test's runfiles") {
  // Only meaningful under Bazel, which puts :pause into this test's runfiles.
  if (std::getenv("TEST_SRCDIR") == nullptr) {
    WARN("not running under bazel test; skipping the runfiles lookup");
    return;
  }
  absl::StatusOr<std::string> pause = ContainerdHarness::DefaultPauseBinary();
  INFO(pause.status().ToString());
  REQUIRE(pause.ok());
  CHECK(absl::EndsWith(*pause, "/testing/containerd/pause"));
}

}  // namespace
}  // namespace krl::testing::containerd
