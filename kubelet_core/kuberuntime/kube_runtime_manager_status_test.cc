// Pod status on the CRI fakes: container states with the kubelet's reasons, termination
// messages (file and log tail), log layout, conditions and readiness.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "kubelet_core/container/image_manager.h"
#include "kubelet_core/kuberuntime/manager_test_fixture.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::SyncAction;

bool IsDir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

const corev1::PodCondition* Condition(const corev1::PodStatus& status, absl::string_view type) {
  for (const corev1::PodCondition& c : status.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

TEST_CASE("a pod not yet created waits in ContainerCreating, or PodInitializing with init") {
  ManagerFixture f;
  corev1::Pod plain = MakePod("plain", {MakeContainer("a")});
  corev1::PodStatus api = f.ApiStatus(plain);
  CHECK(api.phase == corev1::PodPhase::kPending);
  CHECK(api.container_statuses[0].state.waiting->reason == "ContainerCreating");

  corev1::Pod with_init = MakePod("init", {MakeContainer("a")}, {MakeContainer("i")});
  api = f.ApiStatus(with_init);
  CHECK(api.container_statuses[0].state.waiting->reason == "PodInitializing");
  CHECK(api.init_container_statuses[0].state.waiting->reason == "PodInitializing");
}

TEST_CASE("exits are reported as Completed, Error and OOMKilled with the phase they imply") {
  ManagerFixture f;
  corev1::Pod pod =
      MakePod("job", {MakeContainer("ok"), MakeContainer("bad"), MakeContainer("oom")});
  pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  REQUIRE(f.Sync(pod).ok());
  CHECK(f.ApiStatus(pod).phase == corev1::PodPhase::kRunning);
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "ok"), 0).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "bad"), 2).ok());
  REQUIRE(f.runtime.OomKillContainer(f.ContainerId(pod, "oom")).ok());
  corev1::PodStatus api = f.ApiStatus(pod);
  std::map<std::string, corev1::ContainerStatus> by_name;
  for (const corev1::ContainerStatus& s : api.container_statuses) by_name[s.name] = s;
  CHECK(by_name["ok"].state.terminated->reason == "Completed");
  CHECK(by_name["bad"].state.terminated->reason == "Error");
  CHECK(by_name["bad"].state.terminated->exit_code == 2);
  CHECK(by_name["oom"].state.terminated->reason == "OOMKilled");
  CHECK(by_name["oom"].state.terminated->exit_code == 137);
  CHECK(by_name["ok"].state.terminated->finished_at.has_value());
  CHECK(api.phase == corev1::PodPhase::kFailed);
}

TEST_CASE("a Never pod whose containers all succeed is Succeeded") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("job", {MakeContainer("a")});
  pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "a"), 0).ok());
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.phase == corev1::PodPhase::kSucceeded);
  CHECK(Condition(api, "Ready")->reason == "PodCompleted");
  // Nothing to restart: the pod is stopped, and stays so.
  container::PodSyncResult result = f.Sync(pod);
  CHECK(result.StepsOf(SyncAction::kStartContainer).empty());
}

TEST_CASE("an image that cannot be pulled shows ErrImagePull") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.containers[0].image = "registry.test/missing:1";
  f.images.MarkUnpullable("registry.test/missing:1");
  container::PodSyncResult result = f.Sync(pod);
  auto starts = result.StepsOf(SyncAction::kStartContainer);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].error == "ErrImagePull");
  CHECK_THAT(starts[0].message, Catch::Contains("not found"));
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.container_statuses[0].state.waiting->reason == "ErrImagePull");
  CHECK(api.phase == corev1::PodPhase::kPending);
}

// An image manager whose pulls are backing off.
class BackingOff : public container::ImageManager {
 public:
  absl::StatusOr<std::string> EnsureImageExists(const corev1::Pod&, const corev1::Container& c,
                                                const cri::PodSandboxConfig&) override {
    return container::ImageError(absl::StatusCode::kUnavailable, container::kImagePullBackOff,
                                 absl::StrCat("Back-off pulling image \"", c.image, "\""));
  }
};

TEST_CASE("the image manager's reason (ImagePullBackOff) becomes the waiting reason") {
  ManagerFixture f;
  BackingOff images;
  absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> manager =
      KubeRuntimeManager::Create(f.runtime, f.images, images, f.clock, f.options);
  REQUIRE(manager.ok());
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  container::PodSyncResult result = (*manager)->SyncPod(pod, f.Status(pod));
  CHECK(result.StepsOf(SyncAction::kStartContainer)[0].error == "ImagePullBackOff");
  corev1::PodStatus api = (*manager)->GenerateAPIPodStatus(pod, f.Status(pod));
  CHECK(api.container_statuses[0].state.waiting->reason == "ImagePullBackOff");
  CHECK(api.container_statuses[0].state.waiting->message ==
        "Back-off pulling image \"registry.test/busybox:1.36\"");
}

TEST_CASE("a failing CreateContainer shows CreateContainerError, a bad config its own reason") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  f.runtime.InjectError("CreateContainer", absl::UnknownError("no space left"));
  container::PodSyncResult result = f.Sync(pod);
  CHECK(result.StepsOf(SyncAction::kStartContainer)[0].error == "CreateContainerError");
  CHECK(f.ApiStatus(pod).container_statuses[0].state.waiting->reason == "CreateContainerError");

  corev1::Pod root = MakePod("root", {MakeContainer("a")});
  root.spec.security_context.run_as_non_root = true;
  root.spec.security_context.run_as_user = 0;
  result = f.Sync(root);
  auto start = result.StepsOf(SyncAction::kStartContainer)[0];
  CHECK(start.error == "CreateContainerConfigError");
  CHECK_THAT(start.message, Catch::Contains("non-root"));
  // A later success clears the reason.
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.Sync(pod).ok());
  CHECK(f.ApiStatus(pod).container_statuses[0].state.running.has_value());
}

TEST_CASE("logs live in <root>/<namespace>_<name>_<uid>/<container>/<restartCount>.log") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  const std::string pod_dir = f.temp_dir + "/logs/default_web_uid-web";
  auto runs = f.runtime.RequestsTo<cri::RunPodSandboxRequest>("RunPodSandbox");
  CHECK(runs[0].config().log_directory() == pod_dir);
  CHECK(IsDir(pod_dir + "/a"));
  auto creates = f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer");
  CHECK(creates[0].config().log_path() == "a/0.log");
  CHECK(f.Status(pod).container_statuses[0].log_path == pod_dir + "/a/0.log");

  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "a"), 0).ok());
  REQUIRE(f.Sync(pod).ok());
  creates = f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer");
  CHECK(creates[1].config().log_path() == "a/1.log");
}

TEST_CASE("the restart count continues from the log folder when the runtime forgot") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  const std::string dir = f.temp_dir + "/logs/default_web_uid-web/a";
  std::ofstream(dir + "/0.log") << "";
  std::ofstream(dir + "/3.log") << "";
  // The runtime loses the container (as after a node reboot).
  const std::string id = f.ContainerId(pod, "a");
  cri::StopContainerRequest stop;
  stop.set_container_id(id);
  REQUIRE(f.runtime.StopContainer(stop).ok());
  cri::RemoveContainerRequest remove;
  remove.set_container_id(id);
  REQUIRE(f.runtime.RemoveContainer(remove).ok());
  REQUIRE(f.Sync(pod).ok());
  auto creates = f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer");
  REQUIRE(creates.size() == 2);
  CHECK(creates[1].config().metadata().attempt() == 4);
  CHECK(creates[1].config().log_path() == "a/4.log");
}

TEST_CASE("the termination message is read from its file, at most 4096 bytes") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  auto creates = f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer");
  std::string host_file;
  for (const cri::Mount& m : creates[0].config().mounts()) {
    if (m.container_path() == "/dev/termination-log") host_file = m.host_path();
  }
  REQUIRE_THAT(host_file, Catch::StartsWith(f.temp_dir + "/root/pods/uid-web/containers/a/"));
  std::ofstream(host_file) << std::string(1000, 'x') << std::string(4096, 'y');
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "a"), 3).ok());
  container::PodStatus status = f.Status(pod);
  CHECK(status.container_statuses[0].message == std::string(4096, 'y'));
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.container_statuses[0].state.terminated->message == std::string(4096, 'y'));
}

TEST_CASE("FallbackToLogsOnError takes the last 80 lines of the log, at most 2048 bytes") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")});
  for (corev1::Container& c : pod.spec.containers) {
    c.termination_message_policy = corev1::TerminationMessagePolicy::kFallbackToLogsOnError;
  }
  testing::FakeRuntimeService::ContainerScript script;
  for (int i = 0; i < 100; ++i) script.log_lines.push_back(absl::StrCat("line ", i));
  f.runtime.ScriptContainer("a", script);
  testing::FakeRuntimeService::ContainerScript chatty;
  for (int i = 0; i < 100; ++i) chatty.log_lines.push_back(std::string(39, 'a' + i % 26));
  f.runtime.ScriptContainer("b", chatty);
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "a"), 1).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "b"), 1).ok());
  container::PodStatus status = f.Status(pod);

  std::string expected_a;
  for (int i = 20; i < 100; ++i) absl::StrAppend(&expected_a, "line ", i, "\n");
  std::string expected_b;
  for (int i = 20; i < 100; ++i) absl::StrAppend(&expected_b, std::string(39, 'a' + i % 26), "\n");
  expected_b = expected_b.substr(expected_b.size() - 2048);
  CHECK(status.FindContainerStatusByName("a")->message == expected_a);
  CHECK(status.FindContainerStatusByName("b")->message == expected_b);
}

TEST_CASE("a successful exit does not fall back to the log") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.containers[0].termination_message_policy =
      corev1::TerminationMessagePolicy::kFallbackToLogsOnError;
  testing::FakeRuntimeService::ContainerScript script;
  script.log_lines = {"done"};
  f.runtime.ScriptContainer("a", script);
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "a"), 0).ok());
  CHECK(f.Status(pod).container_statuses[0].message.empty());
}

class Readiness : public container::ProbeResults {
 public:
  std::map<std::string, container::ProbeResult> ready;
  std::optional<container::ProbeResult> Get(container::ProbeType type,
                                            absl::string_view id) const override {
    if (type != container::ProbeType::kReadiness) return std::nullopt;
    auto it = ready.find(std::string(id));
    if (it == ready.end()) return std::nullopt;
    return it->second;
  }
};

TEST_CASE("conditions follow the containers, readiness follows the probe results") {
  Readiness readiness;
  KubeRuntimeManagerOptions options;
  options.probes = &readiness;
  ManagerFixture f(options);
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")});
  pod.spec.containers[1].readiness_probe.emplace().exec.emplace().command = {"ready"};
  REQUIRE(f.Sync(pod).ok());

  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.phase == corev1::PodPhase::kRunning);
  CHECK(Condition(api, "PodScheduled")->status == corev1::ConditionStatus::kTrue);
  CHECK(Condition(api, "Initialized")->status == corev1::ConditionStatus::kTrue);
  CHECK(Condition(api, "PodReadyToStartContainers")->status == corev1::ConditionStatus::kTrue);
  const corev1::PodCondition* ready = Condition(api, "Ready");
  CHECK(ready->status == corev1::ConditionStatus::kFalse);
  CHECK(ready->reason == "ContainersNotReady");
  CHECK(ready->message == "containers with unready status: [b]");
  CHECK(Condition(api, "ContainersReady")->status == corev1::ConditionStatus::kFalse);
  CHECK(api.container_statuses[0].ready);  // no readiness probe: ready once running
  CHECK_FALSE(api.container_statuses[1].ready);

  readiness.ready[f.ContainerId(pod, "b")] = container::ProbeResult::kSuccess;
  pod.status = api;
  f.clock.Advance(absl::Seconds(5));
  corev1::PodStatus later = f.ApiStatus(pod);
  CHECK(Condition(later, "Ready")->status == corev1::ConditionStatus::kTrue);
  CHECK(later.container_statuses[1].ready);
  // Unchanged conditions keep their transition time; changed ones get the new time.
  CHECK(Condition(later, "PodScheduled")->last_transition_time ==
        Condition(api, "PodScheduled")->last_transition_time);
  CHECK(Condition(later, "Ready")->last_transition_time == f.clock.Now());
}

TEST_CASE("without a prober a running container is ready") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.containers[0].readiness_probe.emplace().exec.emplace().command = {"ready"};
  REQUIRE(f.Sync(pod).ok());
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.container_statuses[0].ready);
  CHECK(Condition(api, "Ready")->status == corev1::ConditionStatus::kTrue);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
