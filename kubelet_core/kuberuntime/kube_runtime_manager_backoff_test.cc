// CrashLoopBackOff on the CRI fakes and a fake clock: the curve, checked at every step, and its
// reset after a clean run; no sleeping.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kubelet_core/kuberuntime/manager_test_fixture.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::SyncAction;

// The StartContainer step of a one-container sync.
container::SyncResult StartStep(const container::PodSyncResult& result) {
  std::vector<container::SyncResult> starts = result.StepsOf(SyncAction::kStartContainer);
  if (starts.size() != 1) return container::SyncResult{SyncAction::kStartContainer, "", "none", ""};
  return starts[0];
}

TEST_CASE("a crashing container is restarted with back-off doubling from 10s to 300s") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("crash", {MakeContainer("a")});
  testing::FakeRuntimeService::ContainerScript crash;
  crash.exit_after = absl::ZeroDuration();
  crash.exit_code = 1;
  f.runtime.ScriptContainer("a", crash);

  REQUIRE(StartStep(f.Sync(pod)).ok());  // first run
  REQUIRE(StartStep(f.Sync(pod)).ok());  // the first restart is immediate
  const std::vector<std::pair<int, std::string>> curve = {
      {10, "10s"},    {20, "20s"},   {40, "40s"},  {80, "1m20s"},
      {160, "2m40s"}, {300, "5m0s"}, {300, "5m0s"}};
  int restarts = 1;
  for (const auto& [seconds, text] : curve) {
    INFO("delay " << text);
    container::SyncResult waiting = StartStep(f.Sync(pod));
    CHECK(waiting.error == "CrashLoopBackOff");
    CHECK_THAT(waiting.message,
               Catch::StartsWith("back-off " + text + " restarting failed container=a pod=crash_"));
    f.clock.Advance(absl::Seconds(seconds - 1));
    CHECK(StartStep(f.Sync(pod)).error == "CrashLoopBackOff");
    f.clock.Advance(absl::Seconds(1));
    CHECK(StartStep(f.Sync(pod)).ok());
    ++restarts;
  }
  CHECK(f.runtime.CallCount("CreateContainer") == restarts + 1);

  // Meanwhile the API status shows the loop.
  corev1::PodStatus api = f.ApiStatus(pod);
  (void)f.Sync(pod);
  api = f.ApiStatus(pod);
  REQUIRE(api.container_statuses.size() == 1);
  const corev1::ContainerStatus& a = api.container_statuses[0];
  REQUIRE(a.state.waiting.has_value());
  CHECK(a.state.waiting->reason == "CrashLoopBackOff");
  CHECK_THAT(a.state.waiting->message, Catch::StartsWith("back-off 5m0s"));
  REQUIRE(a.last_state.terminated.has_value());
  CHECK(a.last_state.terminated->exit_code == 1);
  CHECK(a.last_state.terminated->reason == "Error");
  CHECK(a.restart_count == restarts);
  CHECK(api.phase == corev1::PodPhase::kRunning);
}

TEST_CASE("back-off starts over after the container ran cleanly for ten minutes") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("crash", {MakeContainer("a")});
  testing::FakeRuntimeService::ContainerScript crash;
  crash.exit_after = absl::ZeroDuration();
  crash.exit_code = 1;
  f.runtime.ScriptContainer("a", crash);
  REQUIRE(StartStep(f.Sync(pod)).ok());
  REQUIRE(StartStep(f.Sync(pod)).ok());
  f.clock.Advance(absl::Seconds(10));
  REQUIRE(StartStep(f.Sync(pod)).ok());
  f.clock.Advance(absl::Seconds(20));
  REQUIRE(StartStep(f.Sync(pod)).ok());
  CHECK_THAT(StartStep(f.Sync(pod)).message, Catch::StartsWith("back-off 40s"));
  f.clock.Advance(absl::Seconds(40));

  // This attempt runs eleven minutes before it crashes.
  testing::FakeRuntimeService::ContainerScript slow = crash;
  slow.exit_after = absl::Minutes(11);
  f.runtime.ScriptContainer("a", slow);
  REQUIRE(StartStep(f.Sync(pod)).ok());
  f.clock.Advance(absl::Minutes(11));
  f.runtime.ScriptContainer("a", crash);
  // Restarted at once, and the next crash waits the initial 10s again.
  CHECK(StartStep(f.Sync(pod)).ok());
  CHECK_THAT(StartStep(f.Sync(pod)).message, Catch::StartsWith("back-off 10s"));
}

TEST_CASE("back-off limits come from the options") {
  KubeRuntimeManagerOptions options;
  options.crash_loop_backoff_initial = absl::Seconds(1);
  options.crash_loop_backoff_max = absl::Seconds(4);
  ManagerFixture f(options);
  corev1::Pod pod = MakePod("crash", {MakeContainer("a")});
  testing::FakeRuntimeService::ContainerScript crash;
  crash.exit_after = absl::ZeroDuration();
  crash.exit_code = 1;
  f.runtime.ScriptContainer("a", crash);
  REQUIRE(StartStep(f.Sync(pod)).ok());
  REQUIRE(StartStep(f.Sync(pod)).ok());
  for (const char* text : {"1s", "2s", "4s", "4s"}) {
    container::SyncResult step = StartStep(f.Sync(pod));
    CHECK_THAT(step.message, Catch::StartsWith(std::string("back-off ") + text));
    f.clock.Advance(absl::Seconds(4));
    CHECK(StartStep(f.Sync(pod)).ok());
  }
}

TEST_CASE("a changed spec starts a fresh back-off") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("crash", {MakeContainer("a")});
  testing::FakeRuntimeService::ContainerScript crash;
  crash.exit_after = absl::ZeroDuration();
  crash.exit_code = 1;
  f.runtime.ScriptContainer("a", crash);
  REQUIRE(StartStep(f.Sync(pod)).ok());
  REQUIRE(StartStep(f.Sync(pod)).ok());
  REQUIRE(StartStep(f.Sync(pod)).error == "CrashLoopBackOff");
  pod.spec.containers[0].command = {"sh", "-c", "exit 0"};
  CHECK(StartStep(f.Sync(pod)).ok());
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
