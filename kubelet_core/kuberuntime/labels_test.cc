#include "kubelet_core/kuberuntime/labels.h"

#include <catch2/catch.hpp>

#include "kubelet_core/container/helpers.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

CriLabels ToCri(const Labels& labels) {
  CriLabels cri;
  for (const auto& [k, v] : labels) cri[k] = v;
  return cri;
}

corev1::Pod SamplePod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "1234";
  pod.metadata.labels = {{"app", "web"}};
  pod.spec.termination_grace_period_seconds = 60;
  corev1::Container c;
  c.name = "nginx";
  c.image = "nginx";
  c.lifecycle.emplace().pre_stop.emplace().exec.emplace().command = {"nginx", "-s", "quit"};
  corev1::ContainerPort port;
  port.name = "http";
  port.container_port = 80;
  port.protocol = corev1::Protocol::kTCP;
  c.ports = {port};
  c.termination_message_path = "/tmp/end";
  c.termination_message_policy = corev1::TerminationMessagePolicy::kFallbackToLogsOnError;
  pod.spec.containers = {c};
  corev1::Container init = c;
  init.name = "setup";
  init.lifecycle.reset();
  init.ports.clear();
  pod.spec.init_containers = {init};
  return pod;
}

TEST_CASE("pod labels keep the pod's own and add name, namespace and uid") {
  corev1::Pod pod = SamplePod();
  Labels labels = NewPodLabels(pod);
  CHECK(labels == Labels{{"app", "web"},
                         {"io.kubernetes.pod.name", "web"},
                         {"io.kubernetes.pod.namespace", "shop"},
                         {"io.kubernetes.pod.uid", "1234"}});
  LabeledPodSandboxInfo info = GetPodSandboxInfoFromLabels(ToCri(labels));
  CHECK(info.pod_name == "web");
  CHECK(info.pod_namespace == "shop");
  CHECK(info.pod_uid == "1234");
  CHECK(info.labels == Labels{{"app", "web"}});
}

TEST_CASE("everything written on a container is read back from its labels and annotations") {
  corev1::Pod pod = SamplePod();
  const corev1::Container& c = pod.spec.containers[0];
  LabeledContainerInfo labels = GetContainerInfoFromLabels(ToCri(NewContainerLabels(c, pod)));
  CHECK(labels.container_name == "nginx");
  CHECK(labels.pod_name == "web");
  CHECK(labels.pod_namespace == "shop");
  CHECK(labels.pod_uid == "1234");

  AnnotatedContainerInfo info =
      GetContainerInfoFromAnnotations(ToCri(NewContainerAnnotations(c, pod, 7)));
  CHECK(info.hash == container::HashContainer(c));
  CHECK(info.restart_count == 7);
  CHECK(info.pod_termination_grace_period == 60);
  CHECK(info.termination_message_path == "/tmp/end");
  CHECK(info.termination_message_policy ==
        corev1::TerminationMessagePolicy::kFallbackToLogsOnError);
  REQUIRE(info.pre_stop.has_value());
  CHECK(info.pre_stop->exec->command == std::vector<std::string>{"nginx", "-s", "quit"});
  REQUIRE(info.ports.size() == 1);
  CHECK(info.ports[0] == c.ports[0]);
  CHECK(info.container_type == "container");

  AnnotatedContainerInfo init = GetContainerInfoFromAnnotations(
      ToCri(NewContainerAnnotations(pod.spec.init_containers[0], pod, 0)));
  CHECK(init.container_type == "init");
  CHECK_FALSE(init.pre_stop.has_value());
  CHECK(init.ports.empty());
}

TEST_CASE("the JSON annotations use Kubernetes' field names") {
  corev1::LifecycleHandler handler;
  handler.http_get.emplace().path = "/quit";
  handler.http_get->port = corev1::IntOrString::FromInt(8080);
  std::string json = LifecycleHandlerToJson(handler);
  CHECK(json == R"({"httpGet":{"path":"/quit","port":8080,"scheme":"HTTP"}})");
  std::optional<corev1::LifecycleHandler> back = LifecycleHandlerFromJson(json);
  REQUIRE(back.has_value());
  CHECK(*back == handler);
}

TEST_CASE("missing or malformed annotations keep their defaults") {
  CriLabels annotations;
  annotations["io.kubernetes.container.hash"] = "not-hex";
  annotations["io.kubernetes.container.restartCount"] = "x";
  annotations["io.kubernetes.container.preStopHandler"] = "{broken";
  AnnotatedContainerInfo info = GetContainerInfoFromAnnotations(annotations);
  CHECK(info.hash == 0);
  CHECK(info.restart_count == 0);
  CHECK_FALSE(info.pre_stop.has_value());
  CHECK_FALSE(info.pod_termination_grace_period.has_value());
  CHECK(GetContainerInfoFromLabels(CriLabels()).pod_uid.empty());
}

TEST_CASE("the list path's hash reader agrees with the full annotation parse") {
  corev1::Pod pod;
  pod.metadata.uid = "u";
  corev1::Container container;
  container.name = "c";
  container.image = "i";
  pod.spec.containers.push_back(container);
  CriLabels annotations;
  for (const auto& [k, v] : NewContainerAnnotations(container, pod, 2)) annotations[k] = v;
  CHECK(GetContainerHashFromAnnotations(annotations) != 0);
  CHECK(GetContainerHashFromAnnotations(annotations) ==
        GetContainerInfoFromAnnotations(annotations).hash);
  CHECK(GetContainerHashFromAnnotations(CriLabels()) == 0);
  annotations["io.kubernetes.container.hash"] = "not-hex";
  CHECK(GetContainerHashFromAnnotations(annotations) == 0);
  REQUIRE(FindLabel(annotations, kContainerHashLabel) != nullptr);
  CHECK(*FindLabel(annotations, kContainerHashLabel) == "not-hex");
  CHECK(FindLabel(annotations, "absent") == nullptr);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
