#include "kubelet_core/kuberuntime/pod_actions.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kubelet_core/container/helpers.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::ContainerStatus;
using container::ProbeResult;
using container::ProbeType;
using container::State;

corev1::Container C(const std::string& name) {
  corev1::Container c;
  c.name = name;
  c.image = "busybox";
  c.command = {"sleep", "1000"};
  return c;
}

corev1::Container Sidecar(const std::string& name) {
  corev1::Container c = C(name);
  c.restart_policy = corev1::ContainerRestartPolicy::kAlways;
  return c;
}

corev1::Pod Pod(std::vector<corev1::Container> containers,
                std::vector<corev1::Container> inits = {},
                corev1::RestartPolicy policy = corev1::RestartPolicy::kAlways) {
  corev1::Pod pod;
  pod.metadata.name = "p";
  pod.metadata.uid = "uid";
  pod.spec.containers = std::move(containers);
  pod.spec.init_containers = std::move(inits);
  pod.spec.restart_policy = policy;
  return pod;
}

cri::PodSandboxStatus Sandbox(const std::string& id, bool ready, uint32_t attempt = 0,
                              bool host_network = false, const std::string& ip = "198.18.0.5") {
  cri::PodSandboxStatus s;
  s.set_id(id);
  s.mutable_metadata()->set_attempt(attempt);
  s.set_state(ready ? cri::SANDBOX_READY : cri::SANDBOX_NOTREADY);
  s.mutable_linux()->mutable_namespaces()->mutable_options()->set_network(
      host_network ? cri::NamespaceMode::NODE : cri::NamespaceMode::POD);
  s.mutable_network()->set_ip(ip);
  return s;
}

// The status of a container created from `spec` (its hash), in `state`, with id "id-<name>".
ContainerStatus Status(const corev1::Container& spec, State state, int exit_code = 0,
                       const std::string& reason = "") {
  ContainerStatus s;
  s.id = corev1::ContainerID{"fake", "id-" + spec.name};
  s.name = spec.name;
  s.state = state;
  s.exit_code = exit_code;
  s.reason = reason;
  s.hash = container::HashContainer(spec);
  return s;
}

container::PodStatus Statuses(std::vector<cri::PodSandboxStatus> sandboxes,
                              std::vector<ContainerStatus> containers) {
  container::PodStatus status;
  status.id = "uid";
  status.sandbox_statuses = std::move(sandboxes);
  status.container_statuses = std::move(containers);
  return status;
}

class Probes : public container::ProbeResults {
 public:
  std::map<std::pair<ProbeType, std::string>, ProbeResult> results;
  std::optional<ProbeResult> Get(ProbeType type, absl::string_view id) const override {
    auto it = results.find({type, std::string(id)});
    if (it == results.end()) return std::nullopt;
    return it->second;
  }
};

struct Case {
  std::string name;
  corev1::Pod pod;
  container::PodStatus status;
  Probes probes;
  // Expected.
  bool kill_pod = false;
  bool create_sandbox = false;
  std::string sandbox_id;
  uint32_t attempt = 0;
  std::vector<int> init_to_start;
  std::vector<int> to_start;
  std::set<std::string> kill;  // container ids
};

std::vector<Case> Cases() {
  const corev1::Container a = C("a");
  const corev1::Container b = C("b");
  corev1::Container a_changed = a;
  a_changed.command = {"sleep", "2000"};
  const corev1::Container i0 = C("i0");
  const corev1::Container i1 = C("i1");
  const corev1::Container s = Sidecar("s");
  corev1::Container s_changed = s;
  s_changed.args = {"--new"};
  const auto ready = Sandbox("sb-0", true);
  std::vector<Case> cases;

  auto add = [&](Case c) { cases.push_back(std::move(c)); };
  const auto OnFailure = corev1::RestartPolicy::kOnFailure;
  const auto Never = corev1::RestartPolicy::kNever;

  {
    Case c{"a new pod gets a sandbox and all its containers", Pod({a, b}), Statuses({}, {})};
    c.kill_pod = c.create_sandbox = true;
    c.to_start = {0, 1};
    add(c);
  }
  {
    Case c{"a new pod with init containers starts only the first init container",
           Pod({a}, {i0, i1}), Statuses({}, {})};
    c.kill_pod = c.create_sandbox = true;
    c.init_to_start = {0};
    add(c);
  }
  {
    Case c{"an unchanged running pod needs nothing", Pod({a, b}),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kRunning)})};
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a sandbox that is not ready is replaced with the next attempt", Pod({a, b}),
           Statuses({Sandbox("sb-2", false, 2)}, {})};
    c.kill_pod = c.create_sandbox = true;
    c.sandbox_id = "sb-2";
    c.attempt = 3;
    c.to_start = {0, 1};
    add(c);
  }
  {
    Case c{"two ready sandboxes are reconciled with a new one", Pod({a}),
           Statuses({Sandbox("sb-1", true, 1), Sandbox("sb-0", true, 0)},
                    {Status(a, State::kRunning)})};
    c.kill_pod = c.create_sandbox = true;
    c.sandbox_id = "sb-1";
    c.attempt = 2;
    c.to_start = {0};
    add(c);
  }
  {
    corev1::Pod pod = Pod({a});
    pod.spec.host_network = true;
    Case c{"a changed network namespace mode recreates the sandbox", pod,
           Statuses({ready}, {Status(a, State::kRunning)})};
    c.kill_pod = c.create_sandbox = true;
    c.attempt = 1;
    c.to_start = {0};
    add(c);
  }
  {
    // A status that does not report the namespace options says nothing about the mode.
    corev1::Pod pod = Pod({a});
    pod.spec.host_network = true;
    cri::PodSandboxStatus unreported = Sandbox("sb-0", true, 0, true);
    unreported.clear_linux();
    Case c{"a status without namespace options keeps a host-network sandbox", pod,
           Statuses({unreported}, {Status(a, State::kRunning)})};
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a pod-network sandbox without an IP is recreated", Pod({a}),
           Statuses({Sandbox("sb-0", true, 0, false, "")}, {Status(a, State::kRunning)})};
    c.kill_pod = c.create_sandbox = true;
    c.sandbox_id = "sb-0";
    c.attempt = 1;
    c.to_start = {0};
    add(c);
  }
  {
    Case c{"a dead sandbox of a Never pod that ran is only killed", Pod({a}, {}, Never),
           Statuses({Sandbox("sb-0", false)}, {Status(a, State::kExited, 1)})};
    c.kill_pod = true;
    c.sandbox_id = "sb-0";
    c.attempt = 1;
    add(c);
  }
  {
    Case c{"a new sandbox of an OnFailure pod restarts only the failed containers",
           Pod({a, b}, {}, OnFailure),
           Statuses({Sandbox("sb-0", false)},
                    {Status(a, State::kExited, 0), Status(b, State::kExited, 1)})};
    c.kill_pod = c.create_sandbox = true;
    c.sandbox_id = "sb-0";
    c.attempt = 1;
    c.to_start = {1};
    add(c);
  }
  {
    Case c{"an OnFailure pod whose containers all succeeded gets no new sandbox",
           Pod({a, b}, {}, OnFailure),
           Statuses({Sandbox("sb-0", false)},
                    {Status(a, State::kExited, 0), Status(b, State::kExited, 0)})};
    c.kill_pod = true;
    c.sandbox_id = "sb-0";
    c.attempt = 1;
    add(c);
  }
  {
    Case c{"an exited container of an Always pod is restarted", Pod({a, b}),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kExited, 0)})};
    c.sandbox_id = "sb-0";
    c.to_start = {1};
    add(c);
  }
  {
    Case c{"a succeeded container of an OnFailure pod stays stopped", Pod({a, b}, {}, OnFailure),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kExited, 0)})};
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a failed container of an OnFailure pod is restarted", Pod({a, b}, {}, OnFailure),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kExited, 2)})};
    c.sandbox_id = "sb-0";
    c.to_start = {1};
    add(c);
  }
  {
    Case c{"a failed container of a Never pod stays stopped", Pod({a, b}, {}, Never),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kExited, 2)})};
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a Never pod whose containers all exited is killed", Pod({a, b}, {}, Never),
           Statuses({ready}, {Status(a, State::kExited, 0), Status(b, State::kExited, 1)})};
    c.sandbox_id = "sb-0";
    c.kill_pod = true;
    add(c);
  }
  {
    Case c{"a running container whose spec changed is killed and started again",
           Pod({a_changed, b}),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    c.kill = {"id-a"};
    add(c);
  }
  {
    Case c{"a changed spec restarts the container even with restartPolicy Never",
           Pod({a_changed}, {}, Never), Statuses({ready}, {Status(a, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    c.kill = {"id-a"};
    add(c);
  }
  {
    Case c{"a container that failed its liveness probe is restarted", Pod({a, b}),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kRunning)})};
    c.probes.results[{ProbeType::kLiveness, "id-a"}] = ProbeResult::kFailure;
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    c.kill = {"id-a"};
    add(c);
  }
  {
    Case c{"a liveness failure with restartPolicy Never only kills the container",
           Pod({a, b}, {}, Never),
           Statuses({ready}, {Status(a, State::kRunning), Status(b, State::kRunning)})};
    c.probes.results[{ProbeType::kLiveness, "id-a"}] = ProbeResult::kFailure;
    c.sandbox_id = "sb-0";
    c.kill = {"id-a"};
    add(c);
  }
  {
    Case c{"a container that failed its startup probe is restarted", Pod({a}),
           Statuses({ready}, {Status(a, State::kRunning)})};
    c.probes.results[{ProbeType::kStartup, "id-a"}] = ProbeResult::kFailure;
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    c.kill = {"id-a"};
    add(c);
  }
  {
    Case c{"a container in unknown state is killed before it is started again", Pod({a}),
           Statuses({ready}, {Status(a, State::kUnknown)})};
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    c.kill = {"id-a"};
    add(c);
  }
  {
    Case c{"a container left in created state is started again", Pod({a, b}),
           Statuses({ready}, {Status(a, State::kCreated), Status(b, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    add(c);
  }
  {
    Case c{"no init container has run: the first one starts", Pod({a}, {i0, i1}),
           Statuses({ready}, {})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    add(c);
  }
  {
    Case c{"a running init container is waited for", Pod({a}, {i0, i1}),
           Statuses({ready}, {Status(i0, State::kRunning)})};
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a completed init container lets the next one start", Pod({a}, {i0, i1}),
           Statuses({ready}, {Status(i0, State::kExited, 0)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {1};
    add(c);
  }
  {
    Case c{"the last completed init container lets the app containers start", Pod({a, b}, {i0, i1}),
           Statuses({ready}, {Status(i1, State::kExited, 0), Status(i0, State::kExited, 0)})};
    c.sandbox_id = "sb-0";
    c.to_start = {0, 1};
    add(c);
  }
  {
    Case c{"a failed init container is retried", Pod({a}, {i0, i1}),
           Statuses({ready}, {Status(i0, State::kExited, 1)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    add(c);
  }
  {
    Case c{"an OOM-killed init container counts as failed and is retried", Pod({a}, {i0}),
           Statuses({ready}, {Status(i0, State::kExited, 0, "OOMKilled")})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    add(c);
  }
  {
    Case c{"a failed init container of a Never pod kills the pod", Pod({a}, {i0, i1}, Never),
           Statuses({ready}, {Status(i0, State::kExited, 1)})};
    c.sandbox_id = "sb-0";
    c.kill_pod = true;
    add(c);
  }
  {
    Case c{"an init container in unknown state is killed and retried", Pod({a}, {i0}),
           Statuses({ready}, {Status(i0, State::kUnknown)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    c.kill = {"id-i0"};
    add(c);
  }
  {
    Case c{"removed init containers of a running pod are not run again", Pod({a}, {i0, i1}),
           Statuses({ready}, {Status(a, State::kRunning)})};
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a started sidecar lets the next init container start", Pod({a}, {s, i1}),
           Statuses({ready}, {Status(s, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {1};
    add(c);
  }
  {
    Case c{"a started last sidecar lets the app containers start", Pod({a}, {i0, s}),
           Statuses({ready}, {Status(s, State::kRunning), Status(i0, State::kExited, 0)})};
    c.sandbox_id = "sb-0";
    c.to_start = {0};
    add(c);
  }
  {
    Case c{"a sidecar whose startup probe has not passed holds back the app containers",
           Pod({a}, {s}), Statuses({ready}, {Status(s, State::kRunning)})};
    c.pod.spec.init_containers[0].startup_probe.emplace().exec.emplace().command = {"true"};
    c.status.container_statuses[0].hash = container::HashContainer(c.pod.spec.init_containers[0]);
    c.probes.results[{ProbeType::kStartup, "id-x"}] = ProbeResult::kSuccess;  // a prober exists
    c.sandbox_id = "sb-0";
    add(c);
  }
  {
    Case c{"a sidecar that stopped is restarted while the app keeps running", Pod({a}, {s}),
           Statuses({ready}, {Status(a, State::kRunning), Status(s, State::kExited, 1)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    add(c);
  }
  {
    Case c{"a sidecar that was removed is started again", Pod({a}, {s}),
           Statuses({ready}, {Status(a, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    add(c);
  }
  {
    Case c{"a sidecar whose spec changed is restarted", Pod({a}, {s_changed}),
           Statuses({ready}, {Status(a, State::kRunning), Status(s, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.init_to_start = {0};
    c.kill = {"id-s"};
    add(c);
  }
  {
    Case c{"a sidecar does not keep a finished Never pod alive", Pod({a}, {s}, Never),
           Statuses({ready}, {Status(a, State::kExited, 0), Status(s, State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.kill_pod = true;
    add(c);
  }
  {
    Case c{"a running container the spec no longer names is killed", Pod({a}),
           Statuses({ready}, {Status(a, State::kRunning), Status(C("old"), State::kRunning)})};
    c.sandbox_id = "sb-0";
    c.kill = {"id-old"};
    add(c);
  }
  return cases;
}

TEST_CASE("ComputePodActions decides as the kubelet does") {
  for (const Case& c : Cases()) {
    SECTION(c.name) {
      PodActions actions = ComputePodActions(c.pod, c.status, &c.probes);
      INFO(actions.ToString());
      CHECK(actions.kill_pod == c.kill_pod);
      CHECK(actions.create_sandbox == c.create_sandbox);
      CHECK(actions.sandbox_id == c.sandbox_id);
      CHECK(actions.attempt == c.attempt);
      CHECK(actions.init_containers_to_start == c.init_to_start);
      CHECK(actions.containers_to_start == c.to_start);
      std::set<std::string> killed;
      for (const auto& [id, kill] : actions.containers_to_kill) killed.insert(id);
      CHECK(killed == c.kill);
    }
  }
}

TEST_CASE("the table has at least 25 cases") { CHECK(Cases().size() >= 25); }

TEST_CASE("kill messages say why, as the kubelet's do") {
  corev1::Container a = C("a");
  corev1::Container changed = a;
  changed.image = "busybox:2";
  container::PodStatus status = Statuses({Sandbox("sb", true)}, {Status(a, State::kRunning)});
  PodActions actions = ComputePodActions(Pod({changed}), status, nullptr);
  REQUIRE(actions.containers_to_kill.count("id-a") == 1);
  CHECK(actions.containers_to_kill.at("id-a").message ==
        "Container a definition changed, will be restarted");

  Probes probes;
  probes.results[{ProbeType::kLiveness, "id-a"}] = ProbeResult::kFailure;
  actions = ComputePodActions(Pod({a}), status, &probes);
  CHECK(actions.containers_to_kill.at("id-a").reason == KillReason::kLivenessProbe);
  CHECK(actions.containers_to_kill.at("id-a").message ==
        "Container a failed liveness probe, will be restarted");
}

TEST_CASE("without a prober, probes never fail") {
  corev1::Container a = C("a");
  a.liveness_probe.emplace().exec.emplace().command = {"false"};
  container::PodStatus status = Statuses({Sandbox("sb", true)}, {Status(a, State::kRunning)});
  CHECK(ComputePodActions(Pod({a}), status, nullptr).empty());
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
