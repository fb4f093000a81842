// Garbage collection on the CRI fakes: the kubelet's policy knobs, dead sandboxes, and pods that
// are gone taken away with their log folders.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <set>

#include "kubelet_core/kuberuntime/manager_test_fixture.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

class GonePods : public container::PodStateProvider {
 public:
  std::set<std::string> gone;
  bool ShouldPodContentBeRemoved(absl::string_view uid) const override {
    return gone.count(std::string(uid)) > 0;
  }
  bool ShouldPodRuntimeBeRemoved(absl::string_view uid) const override {
    return ShouldPodContentBeRemoved(uid);
  }
};

// Runs `pod` and lets its only container die and restart `deaths` times (each attempt a second
// apart, so creation times differ).
void CrashTimes(ManagerFixture& f, const corev1::Pod& pod, int deaths) {
  REQUIRE(f.Sync(pod).ok());
  for (int i = 0; i < deaths; ++i) {
    f.clock.Advance(absl::Seconds(1));
    REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, pod.spec.containers[0].name), 1).ok());
    f.clock.Advance(absl::Minutes(6));  // past any back-off
    REQUIRE(f.Sync(pod).ok());
  }
}

int DeadContainers(ManagerFixture& f, const corev1::Pod& pod) {
  int dead = 0;
  for (const container::ContainerStatus& s : f.Status(pod).container_statuses) {
    if (s.state != container::State::kRunning) dead++;
  }
  return dead;
}

TEST_CASE("GC keeps one dead container per container by default, and its log") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  CrashTimes(f, pod, 4);
  REQUIRE(DeadContainers(f, pod) == 4);
  container::PodStatus before = f.Status(pod);
  REQUIRE(f.manager->GarbageCollect(container::GCPolicy(), true, false).ok());
  container::PodStatus after = f.Status(pod);
  REQUIRE(after.container_statuses.size() == 2);
  CHECK(after.container_statuses[0].state == container::State::kRunning);
  // The newest dead one is kept.
  CHECK(after.container_statuses[1].id == before.container_statuses[1].id);
  const std::string logs = f.temp_dir + "/logs/default_web_uid-web/a/";
  CHECK(Exists(logs + "3.log"));
  CHECK_FALSE(Exists(logs + "0.log"));
}

TEST_CASE("GC leaves dead containers younger than MinAge") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  CrashTimes(f, pod, 3);
  container::GCPolicy policy;
  policy.min_age = absl::Hours(1);
  REQUIRE(f.manager->GarbageCollect(policy, true, false).ok());
  CHECK(DeadContainers(f, pod) == 3);
  f.clock.Advance(absl::Hours(1));
  REQUIRE(f.manager->GarbageCollect(policy, true, false).ok());
  CHECK(DeadContainers(f, pod) == 1);
}

TEST_CASE("GC honours MaxPerPodContainer -1 and MaxContainers over all pods") {
  ManagerFixture f;
  corev1::Pod one = MakePod("one", {MakeContainer("a")});
  corev1::Pod two = MakePod("two", {MakeContainer("a")});
  CrashTimes(f, one, 3);
  CrashTimes(f, two, 3);
  container::GCPolicy unlimited;
  unlimited.max_per_pod_container = -1;
  REQUIRE(f.manager->GarbageCollect(unlimited, true, false).ok());
  CHECK(DeadContainers(f, one) + DeadContainers(f, two) == 6);

  container::GCPolicy total;
  total.max_per_pod_container = -1;
  total.max_containers = 4;
  REQUIRE(f.manager->GarbageCollect(total, true, false).ok());
  CHECK(DeadContainers(f, one) == 2);
  CHECK(DeadContainers(f, two) == 2);

  total.max_containers = 1;
  REQUIRE(f.manager->GarbageCollect(total, true, false).ok());
  CHECK(DeadContainers(f, one) + DeadContainers(f, two) == 1);
  // Running containers are never touched.
  CHECK(f.Status(one).container_statuses[0].state == container::State::kRunning);
  CHECK(f.Status(two).container_statuses[0].state == container::State::kRunning);
}

TEST_CASE("GC removes dead sandboxes but keeps a live pod's newest one") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  for (int i = 0; i < 2; ++i) {
    f.clock.Advance(absl::Seconds(1));
    REQUIRE(f.runtime.KillPodSandbox(f.Status(pod).sandbox_statuses[0].id()).ok());
    REQUIRE(f.Sync(pod).ok());
  }
  REQUIRE(f.Status(pod).sandbox_statuses.size() == 3);
  // The default policy keeps the newest dead "a", whose sandbox therefore stays too.
  REQUIRE(f.manager->GarbageCollect(container::GCPolicy(), true, false).ok());
  REQUIRE(f.Status(pod).sandbox_statuses.size() == 2);
  // Without dead containers to keep, the dead sandboxes go as well.
  container::GCPolicy none;
  none.max_per_pod_container = 0;
  REQUIRE(f.manager->GarbageCollect(none, true, false).ok());
  container::PodStatus status = f.Status(pod);
  REQUIRE(status.sandbox_statuses.size() == 1);
  CHECK(status.sandbox_statuses[0].state() == cri::SANDBOX_READY);
  CHECK(status.container_statuses.size() == 1);
}

TEST_CASE("everything of a pod that is gone goes: containers, sandboxes and log folder") {
  GonePods pods;
  KubeRuntimeManagerOptions options;
  options.pod_state = &pods;
  ManagerFixture f(options);
  corev1::Pod gone = MakePod("gone", {MakeContainer("a")});
  corev1::Pod kept = MakePod("kept", {MakeContainer("a")});
  REQUIRE(f.Sync(gone).ok());
  REQUIRE(f.Sync(kept).ok());
  const std::string gone_logs = f.temp_dir + "/logs/default_gone_uid-gone";
  const std::string kept_logs = f.temp_dir + "/logs/default_kept_uid-kept";
  const std::string gone_state = f.temp_dir + "/root/pods/uid-gone";
  REQUIRE(Exists(gone_logs));
  REQUIRE(Exists(gone_state));  // its termination message file lives there

  REQUIRE(f.manager
              ->KillPod(&gone,
                        container::ConvertPodStatusToRunningPod(f.manager->Type(), f.Status(gone)),
                        std::nullopt)
              .ok());
  pods.gone.insert("uid-gone");
  // Until every pod source is known, nothing of it is removed.
  REQUIRE(f.manager->GarbageCollect(container::GCPolicy(), false, false).ok());
  CHECK(f.Status(gone).container_statuses.size() == 1);
  CHECK(Exists(gone_logs));

  REQUIRE(f.manager->GarbageCollect(container::GCPolicy(), true, false).ok());
  container::PodStatus status = f.Status(gone);
  CHECK(status.container_statuses.empty());
  CHECK(status.sandbox_statuses.empty());
  CHECK_FALSE(Exists(gone_logs));
  CHECK_FALSE(Exists(gone_state));
  CHECK(Exists(kept_logs));
  CHECK(Exists(f.temp_dir + "/root/pods/uid-kept"));
  CHECK(f.Status(kept).container_statuses.size() == 1);
}

TEST_CASE("GC stops a container in unknown state before removing it") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  const std::string id = f.ContainerId(pod, "a");
  REQUIRE(f.runtime.MarkContainerUnknown(id).ok());
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.Sync(pod).ok());  // kills it and starts a new one
  f.ClearCalls();
  container::GCPolicy policy;
  policy.max_per_pod_container = 0;
  REQUIRE(f.manager->GarbageCollect(policy, true, false).ok());
  CHECK(f.runtime.CallCount("RemoveContainer") == 1);
  CHECK(f.Status(pod).container_statuses.size() == 1);
}

TEST_CASE("DeleteContainer removes one container and its log") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  CrashTimes(f, pod, 1);
  const container::ContainerStatus dead = f.Status(pod).container_statuses[1];
  REQUIRE(Exists(dead.log_path));
  REQUIRE(f.manager->DeleteContainer(dead.id).ok());
  CHECK(f.Status(pod).container_statuses.size() == 1);
  CHECK_FALSE(Exists(dead.log_path));
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
