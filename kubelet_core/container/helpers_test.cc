#include "kubelet_core/container/helpers.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

corev1::Container Spec() {
  corev1::Container c;
  c.name = "web";
  c.image = "nginx:1.25";
  c.command = {"nginx"};
  c.resources.limits.memory = *corev1::ParseQuantity("1Gi");
  return c;
}

TEST_CASE("the container hash is stable and covers every spec field") {
  const corev1::Container c = Spec();
  CHECK(HashContainer(c) == HashContainer(Spec()));
  // A known value: if it changes (the pod model's JSON changed), every container on every node
  // restarts after an upgrade. Change it only on purpose.
  CHECK(FormatHash(HashContainer(c)) == "c4a1552b403ad8fa");
  corev1::Container other = c;
  other.command = {"nginx", "-g"};
  CHECK(HashContainer(other) != HashContainer(c));
  other = c;
  other.env.push_back({"A", "b"});
  CHECK(HashContainer(other) != HashContainer(c));
  other = c;
  other.image = "nginx:1.26";
  CHECK(HashContainer(other) != HashContainer(c));
  other = c;
  other.lifecycle.emplace().pre_stop.emplace().exec.emplace().command = {"x"};
  CHECK(HashContainer(other) != HashContainer(c));
}

TEST_CASE("equal quantities in other spellings hash alike") {
  corev1::Container a = Spec();
  corev1::Container b = Spec();
  b.resources.limits.memory = *corev1::ParseQuantity("1024Mi");
  CHECK(HashContainer(a) == HashContainer(b));
}

TEST_CASE("the back-off key names pod, namespace, uid, container and hash") {
  corev1::Pod pod;
  pod.metadata.name = "p";
  pod.metadata.namespace_ = "ns";
  pod.metadata.uid = "u";
  corev1::Container c = Spec();
  CHECK(GetStableKey(pod, c) == "p_ns_u_web_" + FormatHash(HashContainer(c)));
  CHECK(PodFullName(pod) == "p_ns(u)");
}

TEST_CASE("restart decisions follow the restart policy, sidecars always restart") {
  corev1::Pod pod;
  corev1::Container c = Spec();
  PodStatus status;
  CHECK(ShouldContainerBeRestarted(c, pod, status));  // never ran
  ContainerStatus s;
  s.name = "web";
  s.state = State::kRunning;
  status.container_statuses = {s};
  CHECK_FALSE(ShouldContainerBeRestarted(c, pod, status));
  status.container_statuses[0].state = State::kExited;
  status.container_statuses[0].exit_code = 0;
  pod.spec.restart_policy = corev1::RestartPolicy::kAlways;
  CHECK(ShouldContainerBeRestarted(c, pod, status));
  pod.spec.restart_policy = corev1::RestartPolicy::kOnFailure;
  CHECK_FALSE(ShouldContainerBeRestarted(c, pod, status));
  status.container_statuses[0].exit_code = 1;
  CHECK(ShouldContainerBeRestarted(c, pod, status));
  pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  CHECK_FALSE(ShouldContainerBeRestarted(c, pod, status));
  c.restart_policy = corev1::ContainerRestartPolicy::kAlways;
  CHECK(ShouldContainerBeRestarted(c, pod, status));
  status.container_statuses[0].state = State::kUnknown;
  c.restart_policy.reset();
  CHECK(ShouldContainerBeRestarted(c, pod, status));
}

TEST_CASE("an init container failed when it exited non-zero, was OOM-killed or is unknown") {
  ContainerStatus s;
  s.state = State::kExited;
  CHECK_FALSE(IsInitContainerFailed(s));
  s.exit_code = 1;
  CHECK(IsInitContainerFailed(s));
  s.exit_code = 0;
  s.reason = "OOMKilled";
  CHECK(IsInitContainerFailed(s));
  s.reason = "";
  s.state = State::kUnknown;
  CHECK(IsInitContainerFailed(s));
}

TEST_CASE("the newest status of a name is found first") {
  PodStatus status;
  ContainerStatus newer;
  newer.name = "a";
  newer.restart_count = 2;
  ContainerStatus older = newer;
  older.restart_count = 1;
  status.container_statuses = {newer, older};
  CHECK(status.FindContainerStatusByName("a")->restart_count == 2);
  CHECK(status.FindContainerStatusesByName("a").size() == 2);
  CHECK(status.FindContainerStatusByName("b") == nullptr);
}

TEST_CASE("the running view of a status keeps running containers and every sandbox") {
  PodStatus status;
  status.id = "u";
  ContainerStatus running;
  running.name = "a";
  running.state = State::kRunning;
  ContainerStatus dead = running;
  dead.state = State::kExited;
  status.container_statuses = {running, dead};
  cri::PodSandboxStatus sandbox;
  sandbox.set_id("sb");
  sandbox.set_state(cri::SANDBOX_NOTREADY);
  status.sandbox_statuses = {sandbox};
  Pod pod = ConvertPodStatusToRunningPod("rt", status);
  CHECK(pod.id == "u");
  CHECK(pod.containers.size() == 1);
  REQUIRE(pod.sandboxes.size() == 1);
  CHECK(pod.sandboxes[0].id.ToString() == "rt://sb");
  CHECK(pod.sandboxes[0].state == State::kExited);
}

}  // namespace
}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
