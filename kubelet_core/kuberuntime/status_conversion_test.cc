#include "kubelet_core/kuberuntime/status_conversion.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

cri::ContainerStatus Container(const std::string& id, const std::string& name, int64_t created) {
  cri::ContainerStatus c;
  c.set_id(id);
  c.mutable_metadata()->set_name(name);
  c.set_state(cri::CONTAINER_EXITED);
  c.set_created_at(created);
  c.set_started_at(created + 1);
  c.set_finished_at(created + 2);
  c.set_exit_code(137);
  c.set_reason("OOMKilled");
  c.set_message("out of memory");
  c.mutable_image()->set_image("busybox:1.36");
  c.set_image_ref("sha256:abc");
  c.set_log_path("web/0.log");
  return c;
}

TEST_CASE("An event's sandbox and containers become the pod status, newest container first") {
  cri::ContainerEventResponse event;
  event.set_container_id("c2");
  event.set_container_event_type(cri::CONTAINER_STOPPED_EVENT);
  event.set_created_at(absl::ToUnixNanos(absl::FromUnixSeconds(100)));
  cri::PodSandboxStatus* sandbox = event.mutable_pod_sandbox_status();
  sandbox->set_id("s1");
  sandbox->mutable_metadata()->set_uid("uid-a");
  sandbox->mutable_metadata()->set_name("web-node1");
  sandbox->mutable_metadata()->set_namespace_("default");
  sandbox->set_state(cri::SANDBOX_READY);
  sandbox->mutable_network()->set_ip("198.18.0.5");
  sandbox->mutable_network()->add_additional_ips()->set_ip("2001:db8::5");
  *event.add_containers_statuses() = Container("c1", "old", 10);
  cri::ContainerStatus c2 = Container("c2", "meta-name", 20);
  (*c2.mutable_labels())["io.kubernetes.container.name"] = "web";
  (*c2.mutable_annotations())["io.kubernetes.container.hash"] = "deadbeef";
  (*c2.mutable_annotations())["io.kubernetes.container.restartCount"] = "4";
  *event.add_containers_statuses() = c2;

  absl::StatusOr<container::PodStatus> status = PodStatusFromEvent("containerd", event);
  REQUIRE(status.ok());
  CHECK(status->id == "uid-a");
  CHECK(status->name == "web-node1");
  CHECK(status->namespace_ == "default");
  CHECK(status->ips == std::vector<std::string>{"198.18.0.5", "2001:db8::5"});
  REQUIRE(status->sandbox_statuses.size() == 1);
  CHECK(status->sandbox_statuses[0].id() == "s1");
  CHECK(status->timestamp == absl::FromUnixSeconds(100));
  REQUIRE(status->container_statuses.size() == 2);
  const container::ContainerStatus& web = status->container_statuses[0];
  CHECK(web.id == corev1::ContainerID{"containerd", "c2"});
  CHECK(web.name == "web");
  CHECK(web.state == container::State::kExited);
  CHECK(web.hash == 0xdeadbeef);
  CHECK(web.restart_count == 4);
  CHECK(web.exit_code == 137);
  CHECK(web.reason == "OOMKilled");
  CHECK(web.message == "out of memory");
  CHECK(web.image == "busybox:1.36");
  CHECK(web.image_id == "sha256:abc");
  CHECK(web.image_ref == "sha256:abc");
  CHECK(web.created_at == absl::FromUnixNanos(20));
  CHECK(web.started_at == absl::FromUnixNanos(21));
  CHECK(web.finished_at == absl::FromUnixNanos(22));
  CHECK(web.log_path == "web/0.log");
  // No label: the metadata name; no annotations: zero hash and restarts.
  CHECK(status->container_statuses[1].name == "old");
  CHECK(status->container_statuses[1].hash == 0);
}

TEST_CASE("A sandbox that is not ready gives no IPs") {
  cri::ContainerEventResponse event;
  event.mutable_pod_sandbox_status()->mutable_metadata()->set_uid("uid-a");
  event.mutable_pod_sandbox_status()->set_state(cri::SANDBOX_NOTREADY);
  event.mutable_pod_sandbox_status()->mutable_network()->set_ip("198.18.0.5");
  absl::StatusOr<container::PodStatus> status = PodStatusFromEvent("containerd", event);
  REQUIRE(status.ok());
  CHECK(status->ips.empty());
}

TEST_CASE("An event without a pod sandbox identity is refused") {
  cri::ContainerEventResponse event;
  event.set_container_id("c1");
  CHECK(absl::IsInvalidArgument(PodStatusFromEvent("containerd", event).status()));
  event.mutable_pod_sandbox_status()->set_id("s1");
  CHECK(absl::IsInvalidArgument(PodStatusFromEvent("containerd", event).status()));
}

TEST_CASE("A created container has no start time, a running one no exit fields") {
  cri::ContainerStatus c = Container("c1", "web", 10);
  c.set_state(cri::CONTAINER_CREATED);
  container::ContainerStatus created = ContainerStatusFromCri("containerd", c);
  CHECK(created.state == container::State::kCreated);
  CHECK(created.created_at == absl::FromUnixNanos(10));
  CHECK(created.started_at == absl::UnixEpoch());
  CHECK(created.finished_at == absl::UnixEpoch());
  CHECK(created.exit_code == 0);
  CHECK(created.reason.empty());
  CHECK(created.message.empty());

  c.set_state(cri::CONTAINER_RUNNING);
  container::ContainerStatus running = ContainerStatusFromCri("containerd", c);
  CHECK(running.state == container::State::kRunning);
  CHECK(running.started_at == absl::FromUnixNanos(11));
  CHECK(running.finished_at == absl::UnixEpoch());
  CHECK(running.exit_code == 0);
  CHECK(running.reason.empty());

  c.set_state(cri::CONTAINER_UNKNOWN);
  CHECK(ContainerStatusFromCri("containerd", c).state == container::State::kUnknown);
}

TEST_CASE("The image is the one the user wrote when the runtime reports it") {
  cri::ContainerStatus c = Container("c1", "web", 10);
  c.mutable_image()->set_user_specified_image("busybox");
  c.set_image_id("sha256:def");
  container::ContainerStatus status = ContainerStatusFromCri("containerd", c);
  CHECK(status.image == "busybox");
  CHECK(status.image_id == "sha256:def");
  CHECK(status.image_ref == "sha256:abc");
}

TEST_CASE("Malformed hash and restart count annotations read as zero") {
  cri::ContainerStatus c = Container("c1", "web", 10);
  (*c.mutable_annotations())["io.kubernetes.container.hash"] = "12zz";
  (*c.mutable_annotations())["io.kubernetes.container.restartCount"] = "99999999999";
  container::ContainerStatus status = ContainerStatusFromCri("containerd", c);
  CHECK(status.hash == 0);
  CHECK(status.restart_count == 0);
  (*c.mutable_annotations())["io.kubernetes.container.hash"] = "10000000000000000";  // 2^64
  (*c.mutable_annotations())["io.kubernetes.container.restartCount"] = "3x";
  status = ContainerStatusFromCri("containerd", c);
  CHECK(status.hash == 0);
  CHECK(status.restart_count == 0);
}

TEST_CASE("A ready sandbox's IPs: the primary one, then the additional ones") {
  cri::PodSandboxStatus sandbox;
  sandbox.set_state(cri::SANDBOX_READY);
  CHECK(PodIPsFromSandbox(sandbox).empty());
  sandbox.mutable_network()->add_additional_ips()->set_ip("2001:db8::5");
  CHECK(PodIPsFromSandbox(sandbox) == std::vector<std::string>{"2001:db8::5"});
  sandbox.mutable_network()->set_ip("198.18.0.5");
  CHECK(PodIPsFromSandbox(sandbox) == std::vector<std::string>{"198.18.0.5", "2001:db8::5"});
  sandbox.set_state(cri::SANDBOX_NOTREADY);
  CHECK(PodIPsFromSandbox(sandbox).empty());
}

TEST_CASE("Containers created at one time are ordered by restart count, highest first") {
  std::vector<container::ContainerStatus> statuses(3);
  statuses[0].name = "a";
  statuses[0].restart_count = 1;
  statuses[1].name = "b";
  statuses[1].restart_count = 2;
  statuses[2].name = "c";
  statuses[2].created_at = absl::FromUnixSeconds(5);
  SortNewestFirst(&statuses);
  CHECK(statuses[0].name == "c");
  CHECK(statuses[1].name == "b");
  CHECK(statuses[2].name == "a");
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
