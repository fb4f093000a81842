#include "kubelet_core/kuberuntime/labels.h"

#include <google/protobuf/struct.pb.h>

#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api/core/v1/json_encoder.h"
#include "api/core/v1/manifest_decoder.h"
#include "kubelet_core/container/helpers.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

// The JSON of a field of the only container of a pod, as the model's encoder writes it.
std::string ContainerFieldJson(const corev1::Container& container, absl::string_view field,
                               absl::string_view subfield) {
  corev1::Pod pod;
  pod.spec.containers.push_back(container);
  google::protobuf::Struct pod_struct = corev1::PodToStruct(pod);
  const auto& containers =
      pod_struct.fields().at("spec").struct_value().fields().at("containers").list_value();
  const auto& fields = containers.values(0).struct_value().fields();
  auto it = fields.find(std::string(field));
  if (it == fields.end()) return "";
  google::protobuf::Value value = it->second;
  if (!subfield.empty()) {
    auto sub = value.struct_value().fields().find(std::string(subfield));
    if (sub == value.struct_value().fields().end()) return "";
    google::protobuf::Value child = sub->second;  // copied first: it lives inside `value`
    value = std::move(child);
  }
  // StructToJson prints objects; wrap and strip to print any value with sorted keys.
  google::protobuf::Struct wrapper;
  (*wrapper.mutable_fields())["v"] = value;
  std::string json = corev1::StructToJson(wrapper);
  const std::string prefix = "{\"v\":";
  if (json.size() < prefix.size() + 1 || json.compare(0, prefix.size(), prefix) != 0) return "";
  return json.substr(prefix.size(), json.size() - prefix.size() - 1);
}

// Decodes `container_fields` (JSON members of a container) through the model's manifest decoder,
// so the annotation is read with the same rules it was written with.
std::optional<corev1::Container> DecodeContainer(absl::string_view container_fields) {
  std::string manifest =
      absl::StrCat(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"annotation"},)",
                   R"("spec":{"containers":[{"name":"c","image":"i",)", container_fields, "}]}}");
  absl::StatusOr<std::vector<corev1::Pod>> pods =
      corev1::DecodePodManifests(manifest, "annotation");
  if (!pods.ok() || pods->size() != 1 || (*pods)[0].spec.containers.size() != 1) {
    log::Warning("unreadable container annotation",
                 {{"error", pods.ok() ? absl::UnknownError("no container") : pods.status()}});
    return std::nullopt;
  }
  return (*pods)[0].spec.containers[0];
}

std::string Get(const CriLabels& labels, absl::string_view key) {
  const std::string* value = FindLabel(labels, key);
  return value == nullptr ? std::string() : *value;
}

}  // namespace

Labels NewPodLabels(const corev1::Pod& pod) {
  Labels labels = pod.metadata.labels;
  labels[std::string(kPodNameLabel)] = pod.metadata.name;
  labels[std::string(kPodNamespaceLabel)] = pod.metadata.namespace_;
  labels[std::string(kPodUIDLabel)] = pod.metadata.uid;
  return labels;
}

Labels NewPodAnnotations(const corev1::Pod& pod) { return pod.metadata.annotations; }

Labels NewContainerLabels(const corev1::Container& container, const corev1::Pod& pod) {
  return Labels{{std::string(kPodNameLabel), pod.metadata.name},
                {std::string(kPodNamespaceLabel), pod.metadata.namespace_},
                {std::string(kPodUIDLabel), pod.metadata.uid},
                {std::string(kContainerNameLabel), container.name}};
}

Labels NewContainerAnnotations(const corev1::Container& container, const corev1::Pod& pod,
                               int restart_count) {
  Labels annotations;
  annotations[std::string(kContainerHashLabel)] =
      container::FormatHash(container::HashContainer(container));
  annotations[std::string(kContainerRestartCountLabel)] = absl::StrCat(restart_count);
  annotations[std::string(kContainerTerminationMessagePathLabel)] =
      container.termination_message_path;
  annotations[std::string(kContainerTerminationMessagePolicyLabel)] =
      std::string(corev1::ToString(container.termination_message_policy));
  annotations[std::string(kPodTerminationGracePeriodLabel)] =
      absl::StrCat(pod.spec.termination_grace_period_seconds);
  if (container.lifecycle && container.lifecycle->pre_stop) {
    annotations[std::string(kContainerPreStopHandlerLabel)] =
        LifecycleHandlerToJson(*container.lifecycle->pre_stop);
  }
  if (!container.ports.empty()) {
    annotations[std::string(kContainerPortsLabel)] = ContainerPortsToJson(container.ports);
  }
  bool is_init = false;
  for (const corev1::Container& c : pod.spec.init_containers) {
    if (c.name == container.name) is_init = true;
  }
  annotations[std::string(kContainerTypeLabel)] =
      std::string(is_init ? kInitContainerType : kAppContainerType);
  return annotations;
}

LabeledPodSandboxInfo GetPodSandboxInfoFromLabels(const CriLabels& labels) {
  LabeledPodSandboxInfo info;
  info.pod_name = Get(labels, kPodNameLabel);
  info.pod_namespace = Get(labels, kPodNamespaceLabel);
  info.pod_uid = Get(labels, kPodUIDLabel);
  for (const auto& [key, value] : labels) {
    if (key != kPodNameLabel && key != kPodNamespaceLabel && key != kPodUIDLabel) {
      info.labels[key] = value;
    }
  }
  return info;
}

LabeledContainerInfo GetContainerInfoFromLabels(const CriLabels& labels) {
  LabeledContainerInfo info;
  info.container_name = Get(labels, kContainerNameLabel);
  info.pod_name = Get(labels, kPodNameLabel);
  info.pod_namespace = Get(labels, kPodNamespaceLabel);
  info.pod_uid = Get(labels, kPodUIDLabel);
  return info;
}

AnnotatedContainerInfo GetContainerInfoFromAnnotations(const CriLabels& annotations) {
  AnnotatedContainerInfo info;
  info.termination_message_path = Get(annotations, kContainerTerminationMessagePathLabel);
  corev1::ParseEnum(Get(annotations, kContainerTerminationMessagePolicyLabel),
                    &info.termination_message_policy);
  info.container_type = Get(annotations, kContainerTypeLabel);
  info.hash = GetContainerHashFromAnnotations(annotations);
  info.restart_count = GetContainerRestartCountFromAnnotations(annotations);
  if (std::string grace = Get(annotations, kPodTerminationGracePeriodLabel); !grace.empty()) {
    int64_t seconds = 0;
    if (absl::SimpleAtoi(grace, &seconds)) {
      info.pod_termination_grace_period = seconds;
    } else {
      log::Warning("malformed container annotation", {{"key", kPodTerminationGracePeriodLabel}});
    }
  }
  if (std::string json = Get(annotations, kContainerPreStopHandlerLabel); !json.empty()) {
    info.pre_stop = LifecycleHandlerFromJson(json);
  }
  if (std::string json = Get(annotations, kContainerPortsLabel); !json.empty()) {
    if (auto ports = ContainerPortsFromJson(json)) info.ports = std::move(*ports);
  }
  return info;
}

const std::string* FindLabel(const CriLabels& labels, absl::string_view key) {
  // The map's heterogeneous lookup takes a std::string_view: no temporary key string.
  auto it = labels.find(std::string_view(key.data(), key.size()));
  return it == labels.end() ? nullptr : &it->second;
}

uint64_t GetContainerHashFromAnnotations(const CriLabels& annotations) {
  uint64_t hash = 0;
  const std::string* value = FindLabel(annotations, kContainerHashLabel);
  if (value != nullptr && !value->empty() && !absl::SimpleHexAtoi(*value, &hash)) {
    log::Warning("malformed container annotation", {{"key", kContainerHashLabel}});
    hash = 0;  // SimpleHexAtoi leaves the digits it read before failing
  }
  return hash;
}

int GetContainerRestartCountFromAnnotations(const CriLabels& annotations) {
  int count = 0;
  const std::string* value = FindLabel(annotations, kContainerRestartCountLabel);
  if (value != nullptr && !value->empty() && !absl::SimpleAtoi(*value, &count)) {
    log::Warning("malformed container annotation", {{"key", kContainerRestartCountLabel}});
    count = 0;  // SimpleAtoi leaves a partial or clamped value
  }
  return count;
}

std::string LifecycleHandlerToJson(const corev1::LifecycleHandler& handler) {
  corev1::Container c;
  c.name = "c";
  c.image = "i";
  c.lifecycle.emplace().pre_stop = handler;
  return ContainerFieldJson(c, "lifecycle", "preStop");
}

std::optional<corev1::LifecycleHandler> LifecycleHandlerFromJson(absl::string_view json) {
  std::optional<corev1::Container> c =
      DecodeContainer(absl::StrCat(R"("lifecycle":{"preStop":)", json, "}"));
  if (!c || !c->lifecycle || !c->lifecycle->pre_stop) return std::nullopt;
  return c->lifecycle->pre_stop;
}

std::string ContainerPortsToJson(const std::vector<corev1::ContainerPort>& ports) {
  corev1::Container c;
  c.name = "c";
  c.image = "i";
  c.ports = ports;
  return ContainerFieldJson(c, "ports", "");
}

std::optional<std::vector<corev1::ContainerPort>> ContainerPortsFromJson(absl::string_view json) {
  std::optional<corev1::Container> c = DecodeContainer(absl::StrCat(R"("ports":)", json));
  if (!c) return std::nullopt;
  return c->ports;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
