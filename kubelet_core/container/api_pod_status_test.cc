#include "kubelet_core/container/api_pod_status.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

corev1::Container Spec(const std::string& name) {
  corev1::Container c;
  c.name = name;
  c.image = "busybox";
  return c;
}

ContainerStatus Runtime(const std::string& name, State state, int exit_code = 0,
                        int restart_count = 0, absl::Time created = kNow) {
  ContainerStatus s;
  s.id = corev1::ContainerID{"rt", name + std::to_string(restart_count)};
  s.name = name;
  s.state = state;
  s.exit_code = exit_code;
  s.restart_count = restart_count;
  s.created_at = created;
  s.started_at = created;
  if (state == State::kExited) s.finished_at = created + absl::Seconds(1);
  return s;
}

PodStatus ReadySandbox(std::vector<ContainerStatus> containers) {
  PodStatus status;
  status.id = "u";
  cri::PodSandboxStatus sandbox;
  sandbox.set_state(cri::SANDBOX_READY);
  sandbox.set_created_at(absl::ToUnixNanos(kNow - absl::Minutes(1)));
  status.sandbox_statuses = {sandbox};
  status.ips = {"198.18.0.9"};
  status.container_statuses = std::move(containers);
  return status;
}

corev1::Pod PodOf(std::vector<corev1::Container> containers,
                  std::vector<corev1::Container> inits = {}) {
  corev1::Pod pod;
  pod.metadata.uid = "u";
  pod.spec.containers = std::move(containers);
  pod.spec.init_containers = std::move(inits);
  return pod;
}

TEST_CASE("the newest attempt is the state and the one before it the last state") {
  corev1::Pod pod = PodOf({Spec("a")});
  PodStatus status = ReadySandbox({Runtime("a", State::kRunning, 0, 2, kNow),
                                   Runtime("a", State::kExited, 137, 1, kNow - absl::Minutes(1)),
                                   Runtime("a", State::kExited, 1, 0, kNow - absl::Minutes(2))});
  corev1::PodStatus api = GenerateAPIPodStatus(pod, status, nullptr, nullptr, kNow);
  REQUIRE(api.container_statuses.size() == 1);
  const corev1::ContainerStatus& a = api.container_statuses[0];
  CHECK(a.state.running->started_at == kNow);
  CHECK(a.last_state.terminated->exit_code == 137);
  CHECK(a.restart_count == 2);
  CHECK(a.container_id == "rt://a2");
  CHECK(a.ready);
  CHECK(api.pod_ip == "198.18.0.9");
  CHECK(api.start_time == kNow - absl::Minutes(1));
}

TEST_CASE("a recorded start failure turns a container that will restart into waiting") {
  corev1::Pod pod = PodOf({Spec("a")});
  ReasonCache reasons;
  reasons.Add("u", "a", {"CrashLoopBackOff", "back-off 20s restarting failed container=a"});
  PodStatus status = ReadySandbox({Runtime("a", State::kExited, 2, 3)});
  corev1::PodStatus api = GenerateAPIPodStatus(pod, status, &reasons, nullptr, kNow);
  const corev1::ContainerStatus& a = api.container_statuses[0];
  CHECK(a.state.waiting->reason == "CrashLoopBackOff");
  CHECK(a.last_state.terminated->exit_code == 2);
  CHECK(a.last_state.terminated->reason == "Error");
  CHECK(api.phase == corev1::PodPhase::kRunning);

  // With restartPolicy Never it will not restart: the terminated state stays.
  pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  api = GenerateAPIPodStatus(pod, status, &reasons, nullptr, kNow);
  CHECK(api.container_statuses[0].state.terminated.has_value());
  CHECK(api.phase == corev1::PodPhase::kFailed);
}

TEST_CASE("a container that was running and vanished is shown as terminated with unknown status") {
  corev1::Pod pod = PodOf({Spec("a")});
  corev1::ContainerStatus previous;
  previous.name = "a";
  previous.state.running = corev1::ContainerStateRunning{kNow};
  previous.restart_count = 4;
  pod.status.container_statuses = {previous};
  corev1::PodStatus api = GenerateAPIPodStatus(pod, ReadySandbox({}), nullptr, nullptr, kNow);
  const corev1::ContainerStatus& a = api.container_statuses[0];
  CHECK(a.last_state.terminated->reason == "ContainerStatusUnknown");
  CHECK(a.last_state.terminated->exit_code == 137);
  CHECK(a.restart_count == 5);
}

TEST_CASE("app container statuses are sorted by name, init ones kept in spec order") {
  corev1::Pod pod = PodOf({Spec("b"), Spec("a")}, {Spec("z"), Spec("y")});
  corev1::PodStatus api = GenerateAPIPodStatus(pod, ReadySandbox({}), nullptr, nullptr, kNow);
  CHECK(api.container_statuses[0].name == "a");
  CHECK(api.container_statuses[1].name == "b");
  CHECK(api.init_container_statuses[0].name == "z");
  CHECK(api.init_container_statuses[1].name == "y");
  const corev1::PodCondition& initialized = api.conditions[1];
  CHECK(initialized.type == "Initialized");
  CHECK(initialized.status == corev1::ConditionStatus::kFalse);
  CHECK(initialized.reason == "ContainersNotInitialized");
  CHECK(initialized.message == "containers with incomplete status: [z y]");
}

corev1::ContainerStatus Api(const std::string& name, const std::string& state, int exit_code = 0,
                            bool last_terminated = false) {
  corev1::ContainerStatus s;
  s.name = name;
  if (state == "running") s.state.running = corev1::ContainerStateRunning{};
  if (state == "waiting") s.state.waiting = corev1::ContainerStateWaiting{"x", ""};
  if (state == "terminated") {
    s.state.terminated = corev1::ContainerStateTerminated{};
    s.state.terminated->exit_code = exit_code;
  }
  if (last_terminated) {
    s.last_state.terminated = corev1::ContainerStateTerminated{};
    s.last_state.terminated->exit_code = exit_code;
  }
  if (state == "running") s.started = true;
  return s;
}

TEST_CASE("the phase follows the kubelet's getPhase") {
  using P = corev1::PodPhase;
  corev1::PodSpec spec;
  spec.containers = {Spec("a"), Spec("b")};
  auto phase = [&](std::vector<corev1::ContainerStatus> app,
                   std::vector<corev1::ContainerStatus> init = {}) {
    return GetPhase(spec, init, app);
  };
  CHECK(phase({}) == P::kPending);
  CHECK(phase({Api("a", "running"), Api("b", "waiting")}) == P::kPending);
  CHECK(phase({Api("a", "running"), Api("b", "running")}) == P::kRunning);
  CHECK(phase({Api("a", "running"), Api("b", "terminated", 1)}) == P::kRunning);
  CHECK(phase({Api("a", "terminated", 0), Api("b", "terminated", 1)}) == P::kRunning);
  CHECK(phase({Api("a", "waiting", 1, true), Api("b", "running")}) == P::kRunning);
  spec.restart_policy = corev1::RestartPolicy::kNever;
  CHECK(phase({Api("a", "terminated", 0), Api("b", "terminated", 0)}) == P::kSucceeded);
  CHECK(phase({Api("a", "terminated", 0), Api("b", "terminated", 1)}) == P::kFailed);
  spec.restart_policy = corev1::RestartPolicy::kOnFailure;
  CHECK(phase({Api("a", "terminated", 0), Api("b", "terminated", 0)}) == P::kSucceeded);
  CHECK(phase({Api("a", "terminated", 0), Api("b", "terminated", 1)}) == P::kRunning);

  spec.init_containers = {Spec("i")};
  spec.restart_policy = corev1::RestartPolicy::kNever;
  CHECK(phase({}, {Api("i", "running")}) == P::kPending);
  CHECK(phase({}, {Api("i", "terminated", 1)}) == P::kFailed);
  spec.restart_policy = corev1::RestartPolicy::kAlways;
  CHECK(phase({}, {Api("i", "waiting", 1, true)}) == P::kPending);
  CHECK(phase({Api("a", "running"), Api("b", "running")}, {Api("i", "terminated", 0)}) ==
        P::kRunning);
}

TEST_CASE("a sidecar that has not started keeps the pod pending") {
  corev1::PodSpec spec;
  spec.containers = {Spec("a")};
  corev1::Container sidecar = Spec("s");
  sidecar.restart_policy = corev1::ContainerRestartPolicy::kAlways;
  spec.init_containers = {sidecar};
  corev1::ContainerStatus s = Api("s", "running");
  s.started = false;
  CHECK(GetPhase(spec, {s}, {Api("a", "waiting")}) == corev1::PodPhase::kPending);
  s.started = true;
  CHECK(GetPhase(spec, {s}, {Api("a", "running")}) == corev1::PodPhase::kRunning);
}

}  // namespace
}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
