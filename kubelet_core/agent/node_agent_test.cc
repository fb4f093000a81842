#include "kubelet_core/agent/node_agent.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/agent/agent_test_env.h"
#include "kubelet_core/container/pod.h"
#include "runtime/metrics/registry.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

corev1::Pod MakePod(const std::string& name, const std::string& uid, bool host_network = true) {
  return TestPod(name, uid, host_network);
}

// The fakes, a fake clock and an agent driven by hand, and what the tests read from them.
class Env : public AgentTestEnv {
 public:
  // What the runtime holds for the pod.
  container::PodStatus RuntimeStatus(const corev1::Pod& pod) {
    absl::StatusOr<container::PodStatus> status = agent().runtime_manager().GetPodStatus(
        pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
    REQUIRE(status.ok());
    return *status;
  }
  corev1::PodStatus ApiStatus(const std::string& uid) {
    std::optional<corev1::Pod> pod = agent().GetPod(uid);
    REQUIRE(pod.has_value());
    return pod->status;
  }
  bool Running(const std::string& uid) {
    corev1::PodStatus status = ApiStatus(uid);
    return status.phase == corev1::PodPhase::kRunning && !status.container_statuses.empty() &&
           status.container_statuses[0].state.running.has_value();
  }
};

int ReadySandboxes(const container::PodStatus& status) {
  int n = 0;
  for (const cri::PodSandboxStatus& s : status.sandbox_statuses)
    n += s.state() == cri::SANDBOX_READY;
  return n;
}

int RunningContainers(const container::PodStatus& status) {
  int n = 0;
  for (const container::ContainerStatus& c : status.container_statuses) {
    n += c.state == container::State::kRunning;
  }
  return n;
}

TEST_CASE("a pod from the source becomes running and reports its status") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod pod = MakePod("web", "uid-web");
  agent.SetPods({pod});
  env.Settle();
  env.Steps(2);
  CHECK(env.Running("uid-web"));
  container::PodStatus runtime = env.RuntimeStatus(pod);
  CHECK(ReadySandboxes(runtime) == 1);
  CHECK(RunningContainers(runtime) == 1);
  CHECK(agent.Pods().size() == 1);
  for (const NodeAgent::HealthCheck& check : agent.HealthChecks()) {
    INFO(check.name << ": " << check.status);
    CHECK(check.status.ok());
  }
  CHECK(agent.NodeReady().ok());
}

TEST_CASE("a pod removed from the source is killed and leaves the status list") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod pod = MakePod("web", "uid-web");
  agent.SetPods({pod});
  env.Steps(2);
  REQUIRE(env.Running("uid-web"));

  agent.SetPods(std::vector<corev1::PodPtr>());
  env.Settle();
  CHECK(agent.Pods().empty());
  container::PodStatus runtime = env.RuntimeStatus(pod);
  CHECK(ReadySandboxes(runtime) == 0);
  CHECK(RunningContainers(runtime) == 0);
  CHECK_FALSE(agent.pod_workers().State("uid-web").has_value());
  // Nothing restarts it.
  env.Steps(3);
  CHECK(RunningContainers(env.RuntimeStatus(pod)) == 0);
}

TEST_CASE("a removed pod whose status the runtime answers badly is killed from the lists") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod pod = MakePod("web", "uid-web");
  agent.SetPods({pod});
  env.Steps(2);
  REQUIRE(env.Running("uid-web"));

  // Every ContainerStatus answer lacks the spec hash: GetPodStatus refuses the pod.
  env.runtime().InjectResponseMutation<cri::ContainerStatusResponse>(
      "ContainerStatus",
      [](cri::ContainerStatusResponse& r) { r.mutable_status()->clear_annotations(); },
      testing::CallRecorder::kForever);
  agent.SetPods(std::vector<corev1::PodPtr>());
  env.Settle();
  env.runtime().ClearInjections();
  CHECK(agent.Pods().empty());
  container::PodStatus runtime = env.RuntimeStatus(pod);
  CHECK(ReadySandboxes(runtime) == 0);
  CHECK(RunningContainers(runtime) == 0);
  CHECK_FALSE(agent.pod_workers().State("uid-web").has_value());
}

TEST_CASE("a container that fails its liveness probe is restarted") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod pod = MakePod("live", "uid-live");
  corev1::Probe probe;
  probe.exec = corev1::ExecAction{{"check-health"}};
  probe.period_seconds = 1;
  probe.failure_threshold = 1;
  pod.spec.containers[0].liveness_probe = probe;
  env.runtime().ScriptExec({"check-health"}, {"", "unhealthy\n", 1});
  agent.SetPods({pod});
  env.Settle();

  int restarts = 0;
  for (int i = 0; i < 15 && restarts == 0; ++i) {
    env.Step();
    const corev1::PodStatus status = env.ApiStatus("uid-live");
    if (!status.container_statuses.empty()) restarts = status.container_statuses[0].restart_count;
  }
  CHECK(restarts >= 1);
  CHECK(env.runtime().CallCount("ExecSync") >= 1);
  // The old container was stopped, a new one runs.
  container::PodStatus runtime = env.RuntimeStatus(pod);
  REQUIRE(runtime.container_statuses.size() >= 2);
  CHECK(runtime.container_statuses[0].restart_count >= 1);
}

TEST_CASE("while the network is not ready, host-network pods run and the others wait") {
  Env env;
  env.runtime().SetRuntimeCondition("NetworkReady", false, "NetworkPluginNotReady",
                                    "cni config uninitialized");
  NodeAgent& agent = env.Start();
  corev1::Pod host = MakePod("host", "uid-host", /*host_network=*/true);
  corev1::Pod pod = MakePod("isolated", "uid-isolated", /*host_network=*/false);
  agent.SetPods({host, pod});
  env.Settle();
  env.Steps(2);

  CHECK(env.Running("uid-host"));
  corev1::PodStatus waiting = env.ApiStatus("uid-isolated");
  CHECK(waiting.phase == corev1::PodPhase::kPending);
  CHECK(waiting.reason == "NetworkNotReady");
  CHECK(waiting.message.find("NetworkPluginNotReady") != std::string::npos);
  CHECK(env.RuntimeStatus(pod).sandbox_statuses.empty());
  absl::Status ready = agent.NodeReady();
  CHECK_FALSE(ready.ok());
  CHECK(std::string(ready.message()).find("network") != std::string::npos);
  // The agent itself is healthy: only the node is not ready.
  for (const NodeAgent::HealthCheck& check : agent.HealthChecks()) CHECK(check.status.ok());

  // The network comes up: the waiting pod starts at its retry.
  env.runtime().SetRuntimeCondition("NetworkReady", true);
  env.Step(absl::Seconds(10));
  env.Steps(2);
  CHECK(env.Running("uid-isolated"));
  CHECK(env.ApiStatus("uid-isolated").reason.empty());
  CHECK(agent.NodeReady().ok());
}

TEST_CASE("while the runtime is not ready nothing is synced and health fails") {
  Env env;
  NodeAgent& agent = env.Start();
  env.runtime().SetRuntimeCondition("RuntimeReady", false, "ContainerdNotReady", "restarting");
  env.Step(absl::Seconds(5));
  absl::Status runtime_check;
  for (const NodeAgent::HealthCheck& check : agent.HealthChecks()) {
    if (check.name == "runtime") runtime_check = check.status;
  }
  CHECK_FALSE(runtime_check.ok());
  CHECK(std::string(runtime_check.message()).find("ContainerdNotReady") != std::string::npos);
  CHECK_FALSE(agent.NodeReady().ok());

  corev1::Pod pod = MakePod("web", "uid-web");
  agent.SetPods({pod});
  env.Steps(2);
  CHECK(env.runtime().CallCount("RunPodSandbox") == 0);

  env.runtime().SetRuntimeCondition("RuntimeReady", true);
  env.Step(absl::Seconds(5));
  env.Steps(2);
  CHECK(env.Running("uid-web"));
}

TEST_CASE("the PLEG and the sync loop fail health when they stop making progress") {
  Env env;
  NodeAgent& agent = env.Start();
  env.Step();
  // Four minutes without a tick (and so without a relist).
  env.clock().Advance(absl::Minutes(4));
  std::map<std::string, absl::Status> checks;
  for (const NodeAgent::HealthCheck& check : agent.HealthChecks())
    checks[check.name] = check.status;
  CHECK_FALSE(checks["pleg"].ok());
  CHECK_FALSE(checks["syncloop"].ok());
  CHECK_FALSE(checks["runtime"].ok());  // no Status call answered for 4 minutes either
  env.Step();
  for (const NodeAgent::HealthCheck& check : agent.HealthChecks()) CHECK(check.status.ok());
}

TEST_CASE("an edited pod (new uid, same name) starts only after the old one was killed") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod v1 = MakePod("web", "uid-v1");
  agent.SetPods({v1});
  env.Steps(2);
  REQUIRE(env.Running("uid-v1"));
  env.runtime().ClearCalls();

  corev1::Pod v2 = MakePod("web", "uid-v2");
  v2.spec.containers[0].command = {"sleep", "7200"};
  agent.SetPods({v2});
  env.Settle();
  env.Steps(2);
  CHECK(env.Running("uid-v2"));
  CHECK(RunningContainers(env.RuntimeStatus(v1)) == 0);
  CHECK(ReadySandboxes(env.RuntimeStatus(v1)) == 0);
  CHECK(
      env.runtime().AssertCallsInclude({"StopContainer", "StopPodSandbox", "RunPodSandbox"}).ok());
  std::vector<std::string> names = env.runtime().CallNames();
  auto first_run = std::find(names.begin(), names.end(), "RunPodSandbox");
  auto first_stop = std::find(names.begin(), names.end(), "StopPodSandbox");
  CHECK(first_stop < first_run);
}

TEST_CASE("a restarted agent adopts running pods without duplicates and kills unwanted ones") {
  Env env;
  corev1::Pod keep = MakePod("keep", "uid-keep");
  corev1::Pod drop = MakePod("drop", "uid-drop");
  {
    NodeAgent& agent = env.Start();
    agent.SetPods({keep, drop});
    env.Steps(2);
    REQUIRE(env.Running("uid-keep"));
    REQUIRE(env.Running("uid-drop"));
    agent.Stop();
    env.ResetAgent();
  }
  env.runtime().ClearCalls();

  // Stopping the agent left the pods running.
  NodeAgent& agent = env.Start();
  CHECK(RunningContainers(env.RuntimeStatus(keep)) == 1);
  CHECK(RunningContainers(env.RuntimeStatus(drop)) == 1);
  agent.SetPods({keep});  // "drop" left the folder while the agent was down
  env.Settle();
  env.Steps(3);
  CHECK(env.Running("uid-keep"));
  CHECK(env.runtime().CallCount("RunPodSandbox") == 0);
  CHECK(env.runtime().CallCount("CreateContainer") == 0);
  container::PodStatus kept = env.RuntimeStatus(keep);
  CHECK(kept.sandbox_statuses.size() == 1);
  CHECK(kept.container_statuses.size() == 1);
  CHECK(RunningContainers(env.RuntimeStatus(drop)) == 0);
  CHECK(ReadySandboxes(env.RuntimeStatus(drop)) == 0);
}

TEST_CASE("a crashing container is restarted with back-off and shows CrashLoopBackOff") {
  Env env;
  testing::FakeRuntimeService::ContainerScript crash;
  crash.exit_after = absl::Seconds(1);
  crash.exit_code = 3;
  env.runtime().ScriptContainer("app", crash);
  NodeAgent& agent = env.Start();
  agent.SetPods({MakePod("crash", "uid-crash")});
  env.Settle();
  bool backoff = false;
  for (int i = 0; i < 20 && !backoff; ++i) {
    env.Step();
    corev1::PodStatus status = env.ApiStatus("uid-crash");
    backoff = !status.container_statuses.empty() &&
              status.container_statuses[0].state.waiting.has_value() &&
              status.container_statuses[0].state.waiting->reason == "CrashLoopBackOff";
  }
  CHECK(backoff);
  corev1::PodStatus status = env.ApiStatus("uid-crash");
  REQUIRE_FALSE(status.container_statuses.empty());
  CHECK(status.container_statuses[0].restart_count >= 1);
  REQUIRE(status.container_statuses[0].last_state.terminated.has_value());
  CHECK(status.container_statuses[0].last_state.terminated->exit_code == 3);
}

TEST_CASE("a sync never acts on a status read before the previous sync of the pod ended") {
  Env env;
  NodeAgent& agent = env.Start();
  // StartContainer takes a second: a relist in the middle sees the container "created".
  env.runtime().SetLatency("StartContainer", absl::Seconds(1));
  agent.SetPods({MakePod("web", "uid-web")});
  REQUIRE(env.clock().WaitForSleepers(1));
  env.clock().Advance(absl::Milliseconds(500));
  agent.Tick();  // relists: sandbox started (an event: a sync is queued), container created
  env.clock().Advance(absl::Milliseconds(500));  // StartContainer returns; the first sync ends
  env.Settle();
  env.Steps(2);
  CHECK(env.runtime().CallCount("CreateContainer") == 1);
  CHECK(env.runtime().CallCount("StartContainer") == 1);
  CHECK(env.Running("uid-web"));
}

TEST_CASE("the agent's metrics cover CRI calls, relists, pod workers and running pods") {
  Env env;
  NodeAgent& agent = env.Start();
  agent.SetPods({MakePod("web", "uid-web")});
  env.Steps(2);
  const std::string text = env.registry().Render();
  for (const char* name :
       {"kubelet_runtime_operations_total{operation_type=\"run_podsandbox\"} 1",
        "kubelet_pleg_relist_duration_seconds_count", "kubelet_pleg_relist_interval_seconds",
        "kubelet_pod_worker_duration_seconds_count{operation_type=\"sync\"}",
        "kubelet_running_pods 1", "kubelet_running_containers{container_state=\"running\"} 1",
        "kubelet_desired_pods 1", "krl_node_ready 1"}) {
    INFO(name);
    CHECK(text.find(name) != std::string::npos);
  }
}

TEST_CASE("a pod with a forbidden sysctl is refused at admission and never runs") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod pod = MakePod("tuned", "uid-tuned", /*host_network=*/false);
  pod.spec.security_context.sysctls.push_back({"net.core.somaxconn", "1024"});
  agent.SetPods({pod, MakePod("web", "uid-web")});
  env.Steps(2);
  corev1::PodStatus status = env.ApiStatus("uid-tuned");
  CHECK(status.phase == corev1::PodPhase::kFailed);
  CHECK(status.reason == "SysctlForbidden");
  CHECK(status.message ==
        "Pod was rejected: forbidden sysctl: \"net.core.somaxconn\" not allowlisted");
  CHECK(env.RuntimeStatus(pod).sandbox_statuses.empty());
  CHECK(env.Running("uid-web"));
  // A resync does not start it either.
  env.clock().Advance(absl::Minutes(2));
  env.Steps(2);
  CHECK(env.RuntimeStatus(pod).sandbox_statuses.empty());
  CHECK(env.ApiStatus("uid-tuned").phase == corev1::PodPhase::kFailed);
}

TEST_CASE("a running pod edited under the same uid to ask for what the node refuses is stopped") {
  Env env;
  NodeAgent& agent = env.Start();
  corev1::Pod pod = MakePod("tuned", "uid-tuned", /*host_network=*/false);
  agent.SetPods({pod});
  env.Steps(2);
  REQUIRE(env.Running("uid-tuned"));
  pod.spec.security_context.sysctls.push_back({"kernel.msgmax", "65536"});
  agent.SetPods({pod});
  env.Steps(3);
  corev1::PodStatus status = env.ApiStatus("uid-tuned");
  CHECK(status.phase == corev1::PodPhase::kFailed);
  CHECK(status.reason == "SysctlForbidden");
  container::PodStatus runtime = env.RuntimeStatus(pod);
  CHECK(RunningContainers(runtime) == 0);
  CHECK(ReadySandboxes(runtime) == 0);
}

TEST_CASE("an unsafe sysctl the node allows is admitted and reaches the sandbox") {
  Env env;
  NodeAgent::Options options = env.Options();
  options.allowed_unsafe_sysctls = {"net.core.somaxconn"};
  NodeAgent& agent = env.Start(options);
  corev1::Pod pod = MakePod("tuned", "uid-tuned", /*host_network=*/false);
  pod.spec.security_context.sysctls.push_back({"net.core.somaxconn", "1024"});
  agent.SetPods({pod});
  env.Steps(2);
  CHECK(env.Running("uid-tuned"));
  container::PodStatus runtime = env.RuntimeStatus(pod);
  REQUIRE(runtime.sandbox_statuses.size() == 1);
}

TEST_CASE("allowing a sysctl that is not namespaced fails the agent's creation") {
  Env env;
  NodeAgent::Options options = env.Options();
  options.allowed_unsafe_sysctls = {"vm.overcommit_memory"};
  absl::StatusOr<std::unique_ptr<NodeAgent>> agent =
      NodeAgent::Create(options, env.runtime(), env.images(), env.clock());
  REQUIRE_FALSE(agent.ok());
  CHECK_THAT(std::string(agent.status().message()), Catch::Contains("vm.overcommit_memory"));
}

TEST_CASE("a pod asking for AppArmor on a host without it is refused with the AppArmor reason") {
  Env env;
  NodeAgent::Options options = env.Options();
  options.host_apparmor = absl::FailedPreconditionError("AppArmor is not enabled on the host");
  NodeAgent& agent = env.Start(options);
  corev1::Pod pod = MakePod("confined", "uid-confined");
  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] =
      "runtime/default";
  agent.SetPods({pod});
  env.Steps(2);
  corev1::PodStatus status = env.ApiStatus("uid-confined");
  CHECK(status.phase == corev1::PodPhase::kFailed);
  CHECK(status.reason == "AppArmor");
  CHECK(status.message ==
        "Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host");
  CHECK(env.RuntimeStatus(pod).sandbox_statuses.empty());
}

TEST_CASE("an embedder's admit handler refuses pods with its own reason") {
  class NoBigPods final : public admission::PodAdmitHandler {
   public:
    admission::AdmitResult Admit(const corev1::Pod& pod) const override {
      if (pod.spec.containers.size() < 2) return admission::AdmitResult::Admitted();
      return admission::AdmitResult::Refused("TooBig", "two containers at most... one");
    }
  };
  Env env;
  NodeAgent::Options options = env.Options();
  options.admit_handlers.push_back(std::make_shared<NoBigPods>());
  NodeAgent& agent = env.Start(options);
  corev1::Pod big = MakePod("big", "uid-big");
  big.spec.containers.push_back(big.spec.containers[0]);
  big.spec.containers[1].name = "second";
  agent.SetPods({big});
  env.Steps(1);
  CHECK(env.ApiStatus("uid-big").reason == "TooBig");
  CHECK(env.RuntimeStatus(big).sandbox_statuses.empty());
}

}  // namespace
}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
