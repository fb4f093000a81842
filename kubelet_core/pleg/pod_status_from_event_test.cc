#include "kubelet_core/pleg/pod_status_from_event.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace pleg {
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

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
