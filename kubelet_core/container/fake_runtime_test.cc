#include "kubelet_core/container/fake_runtime.h"

#include <catch2/catch.hpp>

#include "kubelet_core/container/helpers.h"
#include "testing/fake_clock.h"

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

corev1::Pod MakePod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.uid = "u1";
  corev1::Container c;
  c.name = "app";
  c.image = "busybox";
  pod.spec.containers = {c};
  corev1::Container init = c;
  init.name = "init";
  pod.spec.init_containers = {init};
  return pod;
}

TEST_CASE("the fake runtime runs synced pods and records every call") {
  testing::FakeClock clock;
  FakeRuntime runtime(clock);
  corev1::Pod pod = MakePod();
  PodSyncResult result = runtime.SyncPod(pod, *runtime.GetPodStatus("u1", "web", "default"));
  CHECK(result.ok());
  CHECK(result.StepsOf(SyncAction::kStartContainer).size() == 2);
  absl::StatusOr<PodStatus> status = runtime.GetPodStatus("u1", "web", "default");
  REQUIRE(status.ok());
  CHECK(status->FindContainerStatusByName("app")->state == State::kRunning);
  CHECK(status->FindContainerStatusByName("app")->hash == HashContainer(pod.spec.containers[0]));
  CHECK(status->FindContainerStatusByName("init")->state == State::kExited);
  CHECK(runtime.GenerateAPIPodStatus(pod, *status).phase == corev1::PodPhase::kRunning);
  // Synced again: nothing to do.
  CHECK(runtime.SyncPod(pod, *status).steps.empty());
  CHECK(runtime.CallNames() == std::vector<std::string>{"GetPodStatus", "SyncPod", "GetPodStatus",
                                                        "GenerateAPIPodStatus", "SyncPod"});
  CHECK(runtime.SyncedPods().size() == 2);
}

TEST_CASE("the fake runtime restarts changed and exited containers and kills pods") {
  testing::FakeClock clock;
  FakeRuntime runtime(clock);
  corev1::Pod pod = MakePod();
  (void)runtime.SyncPod(pod, PodStatus());
  REQUIRE(runtime.ExitContainer("u1", "app", 1).ok());
  PodSyncResult restarted = runtime.SyncPod(pod, *runtime.GetPodStatus("u1", "web", "default"));
  CHECK(restarted.StepsOf(SyncAction::kStartContainer).size() == 1);
  CHECK(runtime.GetPodStatus("u1", "", "")->FindContainerStatusByName("app")->restart_count == 1);

  absl::StatusOr<std::vector<Pod>> pods = runtime.GetPods(false);
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 1);
  REQUIRE(runtime.KillPod(&pod, pods->front(), 5).ok());
  CHECK(runtime.Calls().back().detail == "grace=5");
  CHECK(runtime.GetPods(false)->empty());
  CHECK(runtime.GetPods(true)->size() == 1);
}

TEST_CASE("the fake runtime answers scripted results and injected errors") {
  testing::FakeClock clock;
  FakeRuntime runtime(clock, FakeRuntime::Options{"fake", false});
  corev1::Pod pod = MakePod();
  PodSyncResult scripted;
  scripted.Add(SyncAction::kStartContainer, "app").Fail("ErrImagePull", "nope");
  runtime.SetSyncResult(scripted);
  CHECK(runtime.SyncPod(pod, PodStatus()).steps.size() == 1);
  CHECK(runtime.reasons().Get("u1", "app")->reason == "ErrImagePull");
  corev1::PodStatus api = runtime.GenerateAPIPodStatus(pod, PodStatus());
  CHECK(api.container_statuses[0].state.waiting->reason == "ErrImagePull");
  runtime.InjectError("GetPods", absl::UnavailableError("down"));
  CHECK(runtime.GetPods(true).status().code() == absl::StatusCode::kUnavailable);
  CHECK(runtime.GetPods(true).ok());
  // Not simulating: the pod never appears.
  CHECK(runtime.GetPods(true)->empty());
  REQUIRE(runtime.PullImage("busybox", nullptr, nullptr).ok());
  CHECK(*runtime.GetImageRef("busybox") == "sha256:busybox");
  REQUIRE(runtime.RemoveImage("busybox").ok());
  CHECK(runtime.GetImageRef("busybox")->empty());
}

}  // namespace
}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
