// KillPod on the CRI fakes and a fake clock: preStop hooks within the grace period, the remaining
// grace for StopContainer (at least 2 s), sidecars after app containers, the sandbox last, and
// killing from labels alone after an agent restart.
#include <catch2/catch.hpp>
#include <thread>

#include "kubelet_core/kuberuntime/manager_test_fixture.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

container::Pod Running(ManagerFixture& f, const corev1::Pod& pod) {
  return container::ConvertPodStatusToRunningPod(f.manager->Type(), f.Status(pod));
}

corev1::Pod PodWithPreStop(int64_t grace) {
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.termination_grace_period_seconds = grace;
  pod.spec.containers[0].lifecycle.emplace().pre_stop.emplace().exec.emplace().command = {
      "/bin/drain"};
  return pod;
}

// Kills `pod` on another thread while the hook sleeps `hook_time` on the fake clock.
absl::Status KillWhileHookRuns(ManagerFixture& f, const corev1::Pod& pod, absl::Duration advance) {
  container::Pod running = Running(f, pod);
  absl::Status killed;
  std::thread killer([&] { killed = f.manager->KillPod(&pod, running, std::nullopt); });
  bool waiting = f.clock.WaitForSleepers(1);
  f.clock.Advance(advance);
  killer.join();
  if (!waiting) return absl::DeadlineExceededError("the hook never waited on the clock");
  return killed;
}

TEST_CASE("KillPod runs the preStop hook, then stops with the grace period that is left") {
  ManagerFixture f;
  corev1::Pod pod = PodWithPreStop(30);
  f.runtime.ScriptExec({"/bin/drain"}, {"", "", 0, absl::Seconds(25)});
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(KillWhileHookRuns(f, pod, absl::Seconds(25)).ok());
  auto execs = f.runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync");
  REQUIRE(execs.size() == 1);
  CHECK(execs[0].timeout() == 30);  // the hook may take the whole grace period, no more
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].timeout() == 5);
}

TEST_CASE("a container always gets at least 2 seconds after its preStop hook") {
  ManagerFixture f;
  corev1::Pod pod = PodWithPreStop(30);
  f.runtime.ScriptExec({"/bin/drain"}, {"", "", 0, absl::Seconds(29)});
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(KillWhileHookRuns(f, pod, absl::Seconds(29)).ok());
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].timeout() == 2);
}

TEST_CASE("a preStop hook that outlives the grace period is cut off") {
  ManagerFixture f;
  corev1::Pod pod = PodWithPreStop(30);
  f.runtime.ScriptExec({"/bin/drain"}, {"", "", 0, absl::Minutes(10)});
  REQUIRE(f.Sync(pod).ok());
  // The hook is bounded by the grace period: 30 s of fake time end it.
  REQUIRE(KillWhileHookRuns(f, pod, absl::Seconds(30)).ok());
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].timeout() == 2);
  CHECK(f.Status(pod).container_statuses[0].state == container::State::kExited);
}

TEST_CASE("a grace period override replaces the pod's") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(f.manager->KillPod(&pod, Running(f, pod), 7).ok());
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].timeout() == 7);
}

TEST_CASE("KillPod stops every container, then the sandbox") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b"), MakeContainer("c")});
  REQUIRE(f.Sync(pod).ok());
  f.ClearCalls();
  REQUIRE(f.manager->KillPod(&pod, Running(f, pod), std::nullopt).ok());
  std::vector<std::string> calls = f.MutatingCalls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[3] == "StopPodSandbox");
  CHECK(std::count(calls.begin(), calls.end(), "StopContainer") == 3);
  container::PodStatus status = f.Status(pod);
  for (const container::ContainerStatus& s : status.container_statuses) {
    CHECK(s.state == container::State::kExited);
  }
  CHECK(status.sandbox_statuses[0].state() == cri::SANDBOX_NOTREADY);
  // Killing again is harmless.
  CHECK(f.manager->KillPod(&pod, Running(f, pod), std::nullopt).ok());
}

TEST_CASE("sidecars are stopped after the app containers, the last-declared first") {
  ManagerFixture f;
  corev1::Pod pod =
      MakePod("web", {MakeContainer("app")}, {MakeSidecar("logs"), MakeSidecar("proxy")});
  for (int i = 0; i < 3; ++i) REQUIRE(f.Sync(pod).ok());
  REQUIRE(f.ApiStatus(pod).phase == corev1::PodPhase::kRunning);
  const std::string app = f.ContainerId(pod, "app");
  const std::string logs = f.ContainerId(pod, "logs");
  const std::string proxy = f.ContainerId(pod, "proxy");
  REQUIRE(f.manager->KillPod(&pod, Running(f, pod), std::nullopt).ok());
  std::vector<std::string> order;
  for (const auto& r : f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer")) {
    order.push_back(r.container_id());
  }
  CHECK(order == std::vector<std::string>{app, proxy, logs});
}

TEST_CASE("without the pod spec, KillPod recovers grace period and preStop hook from labels") {
  ManagerFixture f;
  corev1::Pod pod = PodWithPreStop(45);
  REQUIRE(f.Sync(pod).ok());

  std::unique_ptr<KubeRuntimeManager> restarted = f.NewManager();
  absl::StatusOr<std::vector<container::Pod>> pods = restarted->GetPods(false);
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 1);
  REQUIRE(restarted->KillPod(nullptr, pods->front(), std::nullopt).ok());

  auto execs = f.runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync");
  REQUIRE(execs.size() == 1);
  CHECK(execs[0].cmd(0) == "/bin/drain");
  CHECK(execs[0].timeout() == 45);
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].timeout() == 45);
  CHECK(f.runtime.CallCount("StopPodSandbox") == 1);
}

TEST_CASE("a failed StopContainer is reported as a KillContainer step") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  f.runtime.InjectError("StopContainer", absl::UnavailableError("runtime down"));
  absl::Status killed = f.manager->KillPod(&pod, Running(f, pod), std::nullopt);
  CHECK_FALSE(killed.ok());
  CHECK_THAT(std::string(killed.message()),
             Catch::Contains("failed to \"KillContainer\" for \"a\" with KillContainerError"));
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
