// SyncPod on the CRI fakes: the kubelet's order, idempotence, init containers, sidecars, spec
// changes, sandbox replacement, invalid specs, labels, and adoption after a restart.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "kubelet_core/container/helpers.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/manager_test_fixture.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::SyncAction;

std::vector<std::string> StepNames(const container::PodSyncResult& result) {
  std::vector<std::string> names;
  for (const container::SyncResult& step : result.steps) {
    names.push_back(absl::StrCat(
        container::ActionName(step.action), " ",
        step.action == SyncAction::kStartContainer || step.action == SyncAction::kKillContainer
            ? step.target
            : ""));
  }
  return names;
}

std::vector<std::string> CreatedNames(const testing::FakeRuntimeService& runtime) {
  std::vector<std::string> names;
  for (const auto& r : runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer")) {
    names.push_back(r.config().metadata().name());
  }
  return names;
}

TEST_CASE("a new pod gets its sandbox, then its containers, in the kubelet's order") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")});
  container::PodSyncResult result = f.Sync(pod);
  INFO(result.Error().ToString());
  REQUIRE(result.ok());
  CHECK(StepNames(result) == std::vector<std::string>{"CreatePodSandbox ", "ConfigPodSandbox ",
                                                      "StartContainer a", "StartContainer b"});
  CHECK(f.runtime
            .AssertCallsInclude({"Version", "RunPodSandbox", "PodSandboxStatus", "CreateContainer",
                                 "StartContainer", "CreateContainer", "StartContainer"})
            .ok());
  CHECK(f.MutatingCalls() == std::vector<std::string>{"RunPodSandbox", "CreateContainer",
                                                      "StartContainer", "CreateContainer",
                                                      "StartContainer", "PullImage"});
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.phase == corev1::PodPhase::kRunning);
  REQUIRE(api.container_statuses.size() == 2);
  CHECK(api.container_statuses[0].state.running.has_value());
  CHECK(api.container_statuses[1].state.running.has_value());
}

TEST_CASE("an unchanged healthy pod costs no mutating CRI call") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")}, {MakeContainer("i")});
  f.runtime.ScriptContainer("i", {absl::Seconds(1), 0});
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.Sync(pod).ok());
    f.clock.Advance(absl::Seconds(2));
  }
  REQUIRE(f.ApiStatus(pod).phase == corev1::PodPhase::kRunning);
  f.ClearCalls();
  for (int i = 0; i < 3; ++i) {
    container::PodSyncResult result = f.Sync(pod);
    CHECK(result.ok());
    CHECK(result.steps.empty());
  }
  CHECK(f.MutatingCalls().empty());
}

TEST_CASE("init containers run one at a time, in order, before the app containers") {
  ManagerFixture f;
  corev1::Pod pod =
      MakePod("web", {MakeContainer("app")}, {MakeContainer("init-0"), MakeContainer("init-1")});
  f.runtime.ScriptContainer("init-0", {absl::Seconds(1), 0});
  f.runtime.ScriptContainer("init-1", {absl::Seconds(1), 0});

  container::PodSyncResult first = f.Sync(pod);
  CHECK(StepNames(first) == std::vector<std::string>{"CreatePodSandbox ", "ConfigPodSandbox ",
                                                     "StartContainer init-0"});
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.phase == corev1::PodPhase::kPending);
  REQUIRE(api.init_container_statuses.size() == 2);
  CHECK(api.init_container_statuses[0].state.running.has_value());
  CHECK(api.init_container_statuses[1].state.waiting->reason == "PodInitializing");
  CHECK(api.container_statuses[0].state.waiting->reason == "PodInitializing");

  // Still running: nothing to do.
  CHECK(f.Sync(pod).steps.empty());
  f.clock.Advance(absl::Seconds(2));
  CHECK(StepNames(f.Sync(pod)) ==
        std::vector<std::string>{"ConfigPodSandbox ", "StartContainer init-1"});
  f.clock.Advance(absl::Seconds(2));
  CHECK(StepNames(f.Sync(pod)) ==
        std::vector<std::string>{"ConfigPodSandbox ", "StartContainer app"});
  CHECK(CreatedNames(f.runtime) == std::vector<std::string>{"init-0", "init-1", "app"});

  api = f.ApiStatus(pod);
  CHECK(api.phase == corev1::PodPhase::kRunning);
  CHECK(api.init_container_statuses[0].state.terminated->reason == "Completed");
  for (const corev1::PodCondition& c : api.conditions) {
    if (c.type == "Initialized") CHECK(c.status == corev1::ConditionStatus::kTrue);
  }
}

TEST_CASE("a failed init container of a Never pod fails the pod without running the app") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("job", {MakeContainer("app")}, {MakeContainer("init")});
  pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  f.runtime.ScriptContainer("init", {absl::Seconds(1), 3});
  REQUIRE(f.Sync(pod).ok());
  f.clock.Advance(absl::Seconds(2));
  container::PodSyncResult result = f.Sync(pod);
  CHECK(result.StepsOf(SyncAction::kKillPodSandbox).size() == 1);
  CHECK(result.StepsOf(SyncAction::kStartContainer).empty());
  CHECK(CreatedNames(f.runtime) == std::vector<std::string>{"init"});
  CHECK(f.ApiStatus(pod).phase == corev1::PodPhase::kFailed);
}

TEST_CASE("a finished pod is stopped once, then costs no mutating CRI call") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("job", {MakeContainer("a")});
  pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  REQUIRE(f.Sync(pod).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "a"), 0).ok());
  container::PodSyncResult stopped = f.Sync(pod);
  CHECK(stopped.StepsOf(SyncAction::kKillPodSandbox).size() == 1);
  CHECK(f.runtime.CallCount("StopPodSandbox") == 1);
  f.ClearCalls();
  CHECK(f.Sync(pod).steps.empty());
  CHECK(f.MutatingCalls().empty());
  CHECK(f.ApiStatus(pod).phase == corev1::PodPhase::kSucceeded);
}

TEST_CASE("sidecars start before the app containers and are restarted when they stop") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("app")}, {MakeSidecar("proxy")});
  CHECK(StepNames(f.Sync(pod)) ==
        std::vector<std::string>{"CreatePodSandbox ", "ConfigPodSandbox ", "StartContainer proxy"});
  CHECK(StepNames(f.Sync(pod)) ==
        std::vector<std::string>{"ConfigPodSandbox ", "StartContainer app"});
  CHECK(f.Sync(pod).steps.empty());

  REQUIRE(f.runtime.ExitContainer(f.ContainerId(pod, "proxy"), 1).ok());
  f.clock.Advance(absl::Seconds(1));
  CHECK(StepNames(f.Sync(pod)) ==
        std::vector<std::string>{"ConfigPodSandbox ", "StartContainer proxy"});
  CHECK(CreatedNames(f.runtime) == std::vector<std::string>{"proxy", "app", "proxy"});
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.phase == corev1::PodPhase::kRunning);
  CHECK(api.init_container_statuses[0].restart_count == 1);
}

TEST_CASE("a container whose spec changed is restarted, and only it") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")});
  REQUIRE(f.Sync(pod).ok());
  const std::string a_id = f.ContainerId(pod, "a");
  const std::string b_id = f.ContainerId(pod, "b");
  f.clock.Advance(absl::Seconds(1));

  pod.spec.containers[1].command = {"sleep", "7200"};
  f.ClearCalls();
  container::PodSyncResult result = f.Sync(pod);
  CHECK(result.ok());
  CHECK(StepNames(result) ==
        std::vector<std::string>{"KillContainer b", "ConfigPodSandbox ", "StartContainer b"});
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].container_id() == b_id);
  CHECK(stops[0].timeout() == 30);
  auto creates = f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer");
  REQUIRE(creates.size() == 1);
  CHECK(creates[0].config().metadata().attempt() == 1);
  CHECK(creates[0].config().annotations().at(std::string(kContainerRestartCountLabel)) == "1");
  CHECK(creates[0].config().command(1) == "7200");
  CHECK(f.ContainerId(pod, "a") == a_id);
  CHECK(f.Sync(pod).steps.empty());
}

TEST_CASE("a sandbox that died is replaced and the pod's containers started again") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")}, {MakeContainer("init")});
  f.runtime.ScriptContainer("init", {absl::Seconds(1), 0});
  REQUIRE(f.Sync(pod).ok());
  f.clock.Advance(absl::Seconds(2));
  REQUIRE(f.Sync(pod).ok());
  container::PodStatus before = f.Status(pod);
  REQUIRE(before.sandbox_statuses.size() == 1);
  REQUIRE(f.runtime.KillPodSandbox(before.sandbox_statuses[0].id()).ok());
  f.clock.Advance(absl::Seconds(1));
  f.ClearCalls();

  container::PodSyncResult result = f.Sync(pod);
  CHECK(StepNames(result) == std::vector<std::string>{"KillContainer a", "KillPodSandbox ",
                                                      "CreatePodSandbox ", "ConfigPodSandbox ",
                                                      "StartContainer init"});
  auto runs = f.runtime.RequestsTo<cri::RunPodSandboxRequest>("RunPodSandbox");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].config().metadata().attempt() == 1);
  // The old init container was purged with the old sandbox.
  CHECK(f.runtime.CallCount("RemoveContainer") == 1);
}

TEST_CASE("a change of hostNetwork recreates the sandbox") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  REQUIRE(f.Sync(pod).ok());
  f.clock.Advance(absl::Seconds(1));
  pod.spec.host_network = false;
  container::PodSyncResult result = f.Sync(pod);
  CHECK(result.StepsOf(SyncAction::kCreatePodSandbox).size() == 1);
  auto runs = f.runtime.RequestsTo<cri::RunPodSandboxRequest>("RunPodSandbox");
  REQUIRE(runs.size() == 2);
  CHECK(runs[1].config().linux().security_context().namespace_options().network() ==
        cri::NamespaceMode::POD);
}

TEST_CASE("bad pod specs are refused before any CRI call, naming the field") {
  struct Bad {
    std::string field;
    std::function<void(corev1::Pod*)> spoil;
  };
  std::vector<Bad> bad = {
      {"spec.containers[0].image", [](corev1::Pod* p) { p->spec.containers[0].image = ""; }},
      {"spec.containers[1].name",
       [](corev1::Pod* p) { p->spec.containers[1].name = p->spec.containers[0].name; }},
      {"spec.terminationGracePeriodSeconds",
       [](corev1::Pod* p) { p->spec.termination_grace_period_seconds = -1; }},
      {"spec.containers[0].imagePullPolicy",
       [](corev1::Pod* p) {
         p->spec.containers[0].image_pull_policy = static_cast<corev1::PullPolicy>(42);
       }},
  };
  for (const Bad& b : bad) {
    SECTION(b.field) {
      ManagerFixture f;
      f.ClearCalls();
      corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")});
      b.spoil(&pod);
      container::PodSyncResult result = f.manager->SyncPod(pod, container::PodStatus());
      REQUIRE(result.steps.size() == 1);
      CHECK(result.steps[0].action == SyncAction::kConfigPodSandbox);
      CHECK(result.steps[0].error == "ConfigPodSandboxError");
      CHECK_THAT(result.steps[0].message, Catch::Contains(b.field));
      CHECK(f.runtime.CallNames().empty());
      CHECK(f.images.CallNames().empty());
    }
  }
}

TEST_CASE("sandboxes and containers carry the kubelet's labels and annotations") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")}, {MakeContainer("init")});
  pod.metadata.labels["app"] = "web";
  pod.metadata.annotations["note"] = "hello";
  pod.spec.termination_grace_period_seconds = 45;
  corev1::Container& a = pod.spec.containers[0];
  a.lifecycle.emplace().pre_stop.emplace().exec.emplace().command = {"sh", "-c", "echo bye"};
  corev1::ContainerPort port;
  port.name = "http";
  port.container_port = 8080;
  a.ports.push_back(port);
  a.termination_message_policy = corev1::TerminationMessagePolicy::kFallbackToLogsOnError;
  f.runtime.ScriptContainer("init", {absl::Seconds(1), 0});
  REQUIRE(f.Sync(pod).ok());
  f.clock.Advance(absl::Seconds(2));
  REQUIRE(f.Sync(pod).ok());

  auto runs = f.runtime.RequestsTo<cri::RunPodSandboxRequest>("RunPodSandbox");
  REQUIRE(runs.size() == 1);
  const auto& sandbox_labels = runs[0].config().labels();
  CHECK(sandbox_labels.at("app") == "web");
  CHECK(sandbox_labels.at("io.kubernetes.pod.name") == "web");
  CHECK(sandbox_labels.at("io.kubernetes.pod.namespace") == "default");
  CHECK(sandbox_labels.at("io.kubernetes.pod.uid") == "uid-web");
  CHECK(runs[0].config().annotations().at("note") == "hello");

  auto creates = f.runtime.RequestsTo<cri::CreateContainerRequest>("CreateContainer");
  REQUIRE(creates.size() == 2);
  const auto& init_annotations = creates[0].config().annotations();
  CHECK(init_annotations.at("io.kubernetes.container.type") == "init");
  const auto& labels = creates[1].config().labels();
  CHECK(labels.size() == 4);
  CHECK(labels.at("io.kubernetes.pod.name") == "web");
  CHECK(labels.at("io.kubernetes.pod.namespace") == "default");
  CHECK(labels.at("io.kubernetes.pod.uid") == "uid-web");
  CHECK(labels.at("io.kubernetes.container.name") == "a");
  const auto& annotations = creates[1].config().annotations();
  CHECK(annotations.at("io.kubernetes.container.hash") ==
        container::FormatHash(container::HashContainer(a)));
  CHECK(annotations.at("io.kubernetes.container.restartCount") == "0");
  CHECK(annotations.at("io.kubernetes.container.terminationMessagePath") == "/dev/termination-log");
  CHECK(annotations.at("io.kubernetes.container.terminationMessagePolicy") ==
        "FallbackToLogsOnError");
  CHECK(annotations.at("io.kubernetes.pod.terminationGracePeriod") == "45");
  CHECK(annotations.at("io.kubernetes.container.preStopHandler") ==
        R"({"exec":{"command":["sh","-c","echo bye"]}})");
  CHECK_THAT(annotations.at("io.kubernetes.container.ports"), Catch::Contains("8080"));
  CHECK(annotations.at("io.kubernetes.container.type") == "container");
}

TEST_CASE("a restarted manager adopts running pods without creating anything") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")},
                            {MakeContainer("init"), MakeSidecar("proxy")});
  f.runtime.ScriptContainer("init", {absl::Seconds(1), 0});
  for (int i = 0; i < 4; ++i) {
    REQUIRE(f.Sync(pod).ok());
    f.clock.Advance(absl::Seconds(2));
  }
  // One restart, so the adopted restart count is not trivially zero.
  pod.spec.containers[1].args = {"v2"};
  REQUIRE(f.Sync(pod).ok());
  f.clock.Advance(absl::Seconds(1));

  std::unique_ptr<KubeRuntimeManager> second = f.NewManager();
  f.ClearCalls();
  absl::StatusOr<container::PodStatus> status =
      second->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  REQUIRE(status.ok());
  container::PodSyncResult result = second->SyncPod(pod, *status);
  CHECK(result.ok());
  CHECK(result.steps.empty());
  CHECK(f.MutatingCalls().empty());

  corev1::PodStatus api = second->GenerateAPIPodStatus(pod, *status);
  CHECK(api.phase == corev1::PodPhase::kRunning);
  REQUIRE(api.container_statuses.size() == 2);
  CHECK(api.container_statuses[1].name == "b");
  CHECK(api.container_statuses[1].restart_count == 1);

  absl::StatusOr<std::vector<container::Pod>> pods = second->GetPods(false);
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 1);
  const container::Pod& running = pods->front();
  CHECK(running.id == "uid-web");
  CHECK(running.name == "web");
  CHECK(running.sandboxes.size() == 1);
  CHECK(running.containers.size() == 3);  // a, b and the sidecar
  const container::Container* a = running.FindContainerByName("a");
  REQUIRE(a != nullptr);
  CHECK(a->hash == container::HashContainer(pod.spec.containers[0]));
  CHECK(a->id.type == "krl-fake-cri");
}

TEST_CASE("GetPods groups sandboxes and containers by pod, dead ones only when asked") {
  ManagerFixture f;
  corev1::Pod one = MakePod("one", {MakeContainer("a")});
  corev1::Pod two = MakePod("two", {MakeContainer("a"), MakeContainer("b")});
  REQUIRE(f.Sync(one).ok());
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.Sync(two).ok());
  REQUIRE(f.runtime.ExitContainer(f.ContainerId(two, "b"), 0).ok());

  absl::StatusOr<std::vector<container::Pod>> running = f.manager->GetPods(false);
  REQUIRE(running.ok());
  REQUIRE(running->size() == 2);
  CHECK((*running)[0].name == "two");  // newest first
  CHECK((*running)[0].containers.size() == 1);
  CHECK((*running)[1].name == "one");
  absl::StatusOr<std::vector<container::Pod>> all = f.manager->GetPods(true);
  REQUIRE(all.ok());
  CHECK((*all)[0].containers.size() == 2);
}

TEST_CASE("GetPods reports the same ids, names, image ids, hashes and times as GetPodStatus") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a"), MakeContainer("b")});
  REQUIRE(f.Sync(pod).ok());
  absl::StatusOr<std::vector<container::Pod>> pods = f.manager->GetPods(true);
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 1);
  const container::Pod& listed = (*pods)[0];
  container::PodStatus status = f.Status(pod);
  CHECK(listed.id == pod.metadata.uid);
  CHECK(listed.name == pod.metadata.name);
  CHECK(listed.namespace_ == pod.metadata.namespace_);
  REQUIRE(listed.sandboxes.size() == 1);
  REQUIRE(status.sandbox_statuses.size() == 1);
  CHECK(listed.sandboxes[0].id.id == status.sandbox_statuses[0].id());
  CHECK(listed.sandboxes[0].name == pod.metadata.name);
  CHECK(listed.sandboxes[0].state == container::State::kRunning);
  CHECK(listed.created_at == absl::FromUnixNanos(status.sandbox_statuses[0].created_at()));
  REQUIRE(listed.containers.size() == 2);
  for (const container::ContainerStatus& s : status.container_statuses) {
    const container::Container* c = listed.FindContainerById(s.id.id);
    REQUIRE(c != nullptr);
    CHECK(c->id == s.id);
    CHECK(c->name == s.name);
    CHECK(c->image == s.image);
    CHECK(c->image_id == s.image_id);
    // image_ref is not compared: a list carries the image id there, a status the repo digest.
    CHECK(c->hash == s.hash);
    CHECK(c->hash != 0);
    CHECK(c->state == s.state);
    CHECK(c->created_at == s.created_at);
  }
}

TEST_CASE("a failing postStart hook kills the container with reason FailedPostStartHook") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.containers[0].lifecycle.emplace().post_start.emplace().exec.emplace().command = {
      "/hook"};
  f.runtime.ScriptExec({"/hook"}, {"", "hook exploded", 1});
  container::PodSyncResult result = f.Sync(pod);
  auto starts = result.StepsOf(SyncAction::kStartContainer);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].error == "PostStartHookError");
  CHECK_THAT(starts[0].message, Catch::Contains("hook exploded"));
  auto stops = f.runtime.RequestsTo<cri::StopContainerRequest>("StopContainer");
  REQUIRE(stops.size() == 1);
  container::PodStatus status = f.Status(pod);
  REQUIRE(status.container_statuses.size() == 1);
  CHECK(status.container_statuses[0].state == container::State::kExited);
  CHECK(stops[0].container_id() == status.container_statuses[0].id.id);
  corev1::PodStatus api = f.ApiStatus(pod);
  CHECK(api.container_statuses[0].state.waiting->reason == "PostStartHookError");
}

TEST_CASE("a succeeding postStart hook leaves the container running") {
  ManagerFixture f;
  corev1::Pod pod = MakePod("web", {MakeContainer("a")});
  pod.spec.containers[0].lifecycle.emplace().post_start.emplace().exec.emplace().command = {
      "/hook"};
  REQUIRE(f.Sync(pod).ok());
  auto execs = f.runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync");
  REQUIRE(execs.size() == 1);
  CHECK(execs[0].cmd(0) == "/hook");
  CHECK(f.runtime.CallCount("StopContainer") == 0);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
