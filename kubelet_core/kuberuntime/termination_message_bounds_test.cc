// Termination messages and hook output are bounded whatever the container wrote: 4096 bytes of
// a 1 GiB message file, 2048 bytes of a log with a 1 GiB line, 12 KiB for a whole pod's API
// status, 10 KiB of a failed hook's output; each cut is counted in the manager's metrics.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "kubelet_core/kuberuntime/handler_runner.h"
#include "kubelet_core/kuberuntime/manager_test_fixture.h"
#include "runtime/metrics/registry.h"
#include "testing/memory_usage.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using testing::kMiB;

constexpr int64_t kGiB = 1024 * kMiB;
constexpr char kTime[] = "2026-01-01T00:00:00.000000001Z";

// A file of `size` bytes, a hole (no disk) except for `tail` at its end.
void SparseFile(const std::string& path, int64_t size, const std::string& tail) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, size - static_cast<int64_t>(tail.size())) == 0);
  REQUIRE(::pwrite(fd, tail.data(), tail.size(), size - static_cast<int64_t>(tail.size())) ==
          static_cast<ssize_t>(tail.size()));
  ::close(fd);
}

std::string TerminationFile(ManagerFixture& f, const std::string& container) {
  for (const cri::CreateContainerRequest& create :
       f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer")) {
    if (create.config().metadata().name() != container) continue;
    for (const cri::Mount& m : create.config().mounts()) {
      if (m.container_path() == "/dev/termination-log") return m.host_path();
    }
  }
  FAIL("no termination message mount for " << container);
  return "";
}

struct Fixture {
  Fixture() : f(WithRegistry(&registry)) {}
  static KubeRuntimeManagerOptions WithRegistry(runtime::metrics::Registry* registry) {
    KubeRuntimeManagerOptions options;
    options.registry = registry;
    return options;
  }
  uint64_t Truncated(absl::string_view limit) {
    return KubeRuntimeMetrics(registry)
        .termination_messages_truncated.WithLabels({std::string(limit)})
        .Value();
  }
  runtime::metrics::Registry registry;
  ManagerFixture f;
};

TEST_CASE("a 1 GiB termination message file yields its last 4096 bytes") {
  Fixture x;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(x.f.Sync(pod).ok());
  SparseFile(TerminationFile(x.f, "a"), kGiB, std::string(4096, 'y'));
  REQUIRE(x.f.runtime.ExitContainer(x.f.ContainerId(pod, "a"), 3).ok());
  testing::PeakMemoryGrowth growth;
  container::PodStatus status = x.f.Status(pod);
  std::cout << "bounds: 1 GiB termination message file: peak memory growth " << growth.Describe()
            << "\n";
  CHECK(growth.Bytes() < 64 * kMiB);
  CHECK(status.container_statuses[0].message == std::string(4096, 'y'));
  CHECK(x.Truncated(KubeRuntimeMetrics::kFileLimit) == 1);
}

TEST_CASE("the termination messages of one pod share 12 KiB in its API status") {
  Fixture x;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b"), MakeContainer("c")},
                            {MakeContainer("init")});
  // The init container has to finish before the others start.
  REQUIRE(x.f.Sync(pod).ok());
  std::ofstream(TerminationFile(x.f, "init")) << std::string(5000, 'i');
  REQUIRE(x.f.runtime.ExitContainer(x.f.ContainerId(pod, "init"), 0).ok());
  REQUIRE(x.f.Sync(pod).ok());
  for (const char* name : {"a", "b", "c"}) {
    std::ofstream(TerminationFile(x.f, name)) << std::string(5000, name[0]);
    REQUIRE(x.f.runtime.ExitContainer(x.f.ContainerId(pod, name), 1).ok());
  }
  const uint64_t file_cuts_before = x.Truncated(KubeRuntimeMetrics::kFileLimit);
  container::PodStatus status = x.f.Status(pod);
  // Each container's own message: 4096 bytes of 5000 (counted once per status computation).
  CHECK(x.Truncated(KubeRuntimeMetrics::kFileLimit) - file_cuts_before == 4);
  for (const container::ContainerStatus& cs : status.container_statuses) {
    CHECK(cs.message.size() == kMaxTerminationMessageLength);
  }
  corev1::PodStatus api = x.f.manager->GenerateAPIPodStatus(pod, status);
  size_t total = 0;
  for (const auto* statuses : {&api.container_statuses, &api.init_container_statuses}) {
    for (const corev1::ContainerStatus& s : *statuses) {
      REQUIRE(s.state.terminated.has_value());
      // 12 KiB / 4 containers, the first bytes kept.
      CHECK(s.state.terminated->message == std::string(3072, s.name[0]));
      total += s.state.terminated->message.size();
    }
  }
  CHECK(total <= kMaxPodTerminationMessageLength);
  CHECK(x.Truncated(KubeRuntimeMetrics::kPodLimit) == 4);
}

TEST_CASE("FallbackToLogsOnError reads a bounded window of a log holding a 1 GiB line") {
  Fixture x;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.containers[0].termination_message_policy =
      corev1::TerminationMessagePolicy::kFallbackToLogsOnError;
  REQUIRE(x.f.Sync(pod).ok());
  REQUIRE(x.f.runtime.ExitContainer(x.f.ContainerId(pod, "a"), 1).ok());
  const std::string log_path = x.f.Status(pod).container_statuses[0].log_path;
  REQUIRE_FALSE(log_path.empty());

  SECTION("a short last line after the huge one is the message") {
    SparseFile(log_path, kGiB, absl::StrCat("\n", kTime, " stderr F panic: out of memory\n"));
    testing::PeakMemoryGrowth growth;
    container::PodStatus status = x.f.Status(pod);
    std::cout << "bounds: FallbackToLogsOnError, 1 GiB log line: peak memory growth "
              << growth.Describe() << "\n";
    CHECK(growth.Bytes() < 64 * kMiB);
    CHECK(status.container_statuses[0].message == "panic: out of memory\n");
    CHECK(x.Truncated(KubeRuntimeMetrics::kLogsLimit) == 0);
  }
  SECTION("a 100 KiB last line is cut to its last 2048 bytes") {
    const std::string text(100 * 1024, 'z');
    SparseFile(log_path, kGiB, absl::StrCat("\n", kTime, " stdout F ", text, "\n"));
    container::PodStatus status = x.f.Status(pod);
    CHECK(status.container_statuses[0].message.size() == kMaxTerminationMessageLogLength);
    CHECK(x.Truncated(KubeRuntimeMetrics::kLogsLimit) == 1);
  }
}

TEST_CASE("ReadContainerLogs through the manager counts over-long lines") {
  Fixture x;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(x.f.Sync(pod).ok());
  const std::string id = x.f.ContainerId(pod, "a");
  const std::string log_path = x.f.Status(pod).container_statuses[0].log_path;
  std::ofstream(log_path) << kTime << " stdout F " << std::string(40 * 1024, 'l') << "\n"
                          << "garbage\n";
  int64_t bytes = 0;
  absl::StatusOr<LogReadStats> stats = x.f.manager->ReadContainerLogs(
      id, LogReadOptions(), [&](LogStream, absl::string_view data) { bytes += data.size(); });
  REQUIRE(stats.ok());
  CHECK(bytes == 40 * 1024 + 1);
  CHECK(stats->split_lines == 1);
  const std::string metrics = x.registry.Render();
  CHECK_THAT(metrics, Catch::Contains("krl_container_log_lines_split_total 1"));
  CHECK_THAT(metrics, Catch::Contains("krl_container_log_lines_malformed_total 1"));
  CHECK(absl::IsNotFound(x.f.manager
                             ->ReadContainerLogs("no-such-container", LogReadOptions(),
                                                 [](LogStream, absl::string_view) {})
                             .status()));
}

TEST_CASE("a failed exec hook quotes at most 10 KiB of its output") {
  Fixture x;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(x.f.Sync(pod).ok());
  x.f.runtime.ScriptExec({"/hook"}, {std::string(4 * kMiB, 'h'), "", 1});
  runtime::metrics::Counter& truncated = KubeRuntimeMetrics(x.registry).hook_output_truncated;
  HandlerRunner runner(x.f.runtime, &truncated);
  corev1::LifecycleHandler hook;
  hook.exec.emplace().command = {"/hook"};
  absl::Status failed = runner.Run(x.f.ContainerId(pod, "a"), pod, pod.spec.containers[0], hook, "",
                                   absl::ZeroDuration());
  REQUIRE_FALSE(failed.ok());
  // The output appears twice (as the kubelet formats it), each at most 10 KiB.
  CHECK(failed.message().size() < 2 * kMaxHookOutputLength + 512);
  CHECK(absl::StrContains(failed.message(), std::string(kMaxHookOutputLength, 'h')));
  CHECK(truncated.Value() == 1);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
