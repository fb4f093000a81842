#include "api/core/v1/json_encoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core/v1/internal/utf8.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// A small builder over Struct that knows Kubernetes' omit-empty rules.
class Object {
 public:
  Struct& proto() { return proto_; }

  Value& Field(absl::string_view key) {
    return (*proto_.mutable_fields())[internal::SanitizeUtf8(key)];
  }

  void String(absl::string_view key, absl::string_view value) {
    Field(key).set_string_value(internal::SanitizeUtf8(value));
  }
  void StringIfSet(absl::string_view key, absl::string_view value) {
    if (!value.empty()) String(key, value);
  }
  void OptionalString(absl::string_view key, const std::optional<std::string>& value) {
    if (value) String(key, *value);
  }
  void Number(absl::string_view key, double value) { Field(key).set_number_value(value); }
  void NumberIfNonZero(absl::string_view key, double value) {
    if (value != 0) Number(key, value);
  }
  template <typename T>
  void NumberIfSet(absl::string_view key, const std::optional<T>& value) {
    if (value) Number(key, static_cast<double>(*value));
  }
  void Bool(absl::string_view key, bool value) { Field(key).set_bool_value(value); }
  void BoolIfTrue(absl::string_view key, bool value) {
    if (value) Bool(key, value);
  }
  void BoolIfSet(absl::string_view key, const std::optional<bool>& value) {
    if (value) Bool(key, *value);
  }
  void TimeIfSet(absl::string_view key, const std::optional<absl::Time>& value) {
    if (value) String(key, FormatRfc3339(*value));
  }
  void Child(absl::string_view key, Object child) {
    *Field(key).mutable_struct_value() = std::move(child.proto_);
  }
  void ChildIfNotEmpty(absl::string_view key, Object child) {
    if (child.proto_.fields_size() > 0) Child(key, std::move(child));
  }
  void StringsIfNotEmpty(absl::string_view key, const std::vector<std::string>& values) {
    if (values.empty()) return;
    ListValue* list = Field(key).mutable_list_value();
    for (const std::string& value : values) {
      list->add_values()->set_string_value(internal::SanitizeUtf8(value));
    }
  }
  template <typename T, typename Fn>
  void ListIfNotEmpty(absl::string_view key, const std::vector<T>& items, Fn encode) {
    if (items.empty()) return;
    List(key, items, encode);
  }
  template <typename T, typename Fn>
  void List(absl::string_view key, const std::vector<T>& items, Fn encode) {
    ListValue* list = Field(key).mutable_list_value();
    for (const T& item : items) *list->add_values()->mutable_struct_value() = encode(item).proto_;
  }

 private:
  Struct proto_;
};

Object Metadata(const ObjectMeta& meta) {
  Object o;
  o.StringIfSet("name", meta.name);
  o.StringIfSet("namespace", meta.namespace_);
  o.StringIfSet("uid", meta.uid);
  Object labels;
  for (const auto& [key, value] : meta.labels) labels.String(key, value);
  o.ChildIfNotEmpty("labels", std::move(labels));
  Object annotations;
  for (const auto& [key, value] : meta.annotations) annotations.String(key, value);
  o.ChildIfNotEmpty("annotations", std::move(annotations));
  return o;
}

void Port(Object* o, absl::string_view key, const IntOrString& port) {
  if (port.is_string()) {
    o->String(key, port.string_value);
  } else {
    o->Number(key, port.int_value);
  }
}

Object Exec(const ExecAction& exec) {
  Object o;
  o.StringsIfNotEmpty("command", exec.command);
  return o;
}

Object HTTPGet(const HTTPGetAction& http_get) {
  Object o;
  o.StringIfSet("path", http_get.path);
  Port(&o, "port", http_get.port);
  o.StringIfSet("host", http_get.host);
  o.String("scheme", ToString(http_get.scheme));
  o.ListIfNotEmpty("httpHeaders", http_get.http_headers, [](const HTTPHeader& header) {
    Object h;
    h.String("name", header.name);
    h.String("value", header.value);
    return h;
  });
  return o;
}

Object EncodeProbe(const Probe& probe) {
  Object o;
  if (probe.exec) o.Child("exec", Exec(*probe.exec));
  if (probe.http_get) o.Child("httpGet", HTTPGet(*probe.http_get));
  if (probe.tcp_socket) {
    Object tcp;
    Port(&tcp, "port", probe.tcp_socket->port);
    tcp.StringIfSet("host", probe.tcp_socket->host);
    o.Child("tcpSocket", std::move(tcp));
  }
  if (probe.grpc) {
    Object grpc;
    grpc.Number("port", probe.grpc->port);
    grpc.OptionalString("service", probe.grpc->service);
    o.Child("grpc", std::move(grpc));
  }
  o.NumberIfNonZero("initialDelaySeconds", probe.initial_delay_seconds);
  o.Number("timeoutSeconds", probe.timeout_seconds);
  o.Number("periodSeconds", probe.period_seconds);
  o.Number("successThreshold", probe.success_threshold);
  o.Number("failureThreshold", probe.failure_threshold);
  o.NumberIfSet("terminationGracePeriodSeconds", probe.termination_grace_period_seconds);
  return o;
}

Object Hook(const LifecycleHandler& hook) {
  Object o;
  if (hook.exec) o.Child("exec", Exec(*hook.exec));
  if (hook.http_get) o.Child("httpGet", HTTPGet(*hook.http_get));
  return o;
}

Object Resources(const ResourceList& list) {
  Object o;
  if (list.cpu) o.String("cpu", list.cpu->ToString());
  if (list.memory) o.String("memory", list.memory->ToString());
  if (list.ephemeral_storage) o.String("ephemeral-storage", list.ephemeral_storage->ToString());
  for (const auto& [name, q] : list.other) o.String(name, q.ToString());
  return o;
}

Object FieldRef(const ObjectFieldSelector& ref) {
  Object o;
  o.String("apiVersion", ref.api_version);
  o.String("fieldPath", ref.field_path);
  return o;
}

Object ResourceFieldRef(const ResourceFieldSelector& ref) {
  Object o;
  o.StringIfSet("containerName", ref.container_name);
  o.String("resource", ref.resource);
  if (ref.divisor) o.String("divisor", ref.divisor->ToString());
  return o;
}

template <typename Profile>
void EncodeProfile(Object* o, absl::string_view key, const std::optional<Profile>& profile) {
  if (!profile) return;
  Object p;
  p.String("type", ToString(profile->type));
  p.OptionalString("localhostProfile", profile->localhost_profile);
  o->Child(key, std::move(p));
}

void EncodeSELinux(Object* o, const std::optional<SELinuxOptions>& options) {
  if (!options) return;
  Object se;
  se.StringIfSet("user", options->user);
  se.StringIfSet("role", options->role);
  se.StringIfSet("type", options->type);
  se.StringIfSet("level", options->level);
  o->Child("seLinuxOptions", std::move(se));
}

Object EncodeContainer(const Container& c) {
  Object o;
  o.String("name", c.name);
  o.String("image", c.image);
  if (c.image_pull_policy) o.String("imagePullPolicy", ToString(*c.image_pull_policy));
  o.StringsIfNotEmpty("command", c.command);
  o.StringsIfNotEmpty("args", c.args);
  o.ListIfNotEmpty("env", c.env, [](const EnvVar& env) {
    Object e;
    e.String("name", env.name);
    e.StringIfSet("value", env.value);
    if (env.value_from) {
      Object from;
      if (env.value_from->field_ref) from.Child("fieldRef", FieldRef(*env.value_from->field_ref));
      if (env.value_from->resource_field_ref) {
        from.Child("resourceFieldRef", ResourceFieldRef(*env.value_from->resource_field_ref));
      }
      e.Child("valueFrom", std::move(from));
    }
    return e;
  });
  o.StringIfSet("workingDir", c.working_dir);
  o.ListIfNotEmpty("ports", c.ports, [](const ContainerPort& port) {
    Object p;
    p.StringIfSet("name", port.name);
    p.Number("containerPort", port.container_port);
    p.NumberIfNonZero("hostPort", port.host_port);
    p.String("protocol", ToString(port.protocol));
    p.StringIfSet("hostIP", port.host_ip);
    return p;
  });
  Object resources;
  resources.ChildIfNotEmpty("limits", Resources(c.resources.limits));
  resources.ChildIfNotEmpty("requests", Resources(c.resources.requests));
  o.Child("resources", std::move(resources));
  o.ListIfNotEmpty("volumeMounts", c.volume_mounts, [](const VolumeMount& mount) {
    Object m;
    m.String("name", mount.name);
    m.String("mountPath", mount.mount_path);
    m.BoolIfTrue("readOnly", mount.read_only);
    m.StringIfSet("subPath", mount.sub_path);
    m.StringIfSet("subPathExpr", mount.sub_path_expr);
    if (mount.mount_propagation) {
      m.String("mountPropagation", ToString(*mount.mount_propagation));
    }
    return m;
  });
  if (c.liveness_probe) o.Child("livenessProbe", EncodeProbe(*c.liveness_probe));
  if (c.readiness_probe) o.Child("readinessProbe", EncodeProbe(*c.readiness_probe));
  if (c.startup_probe) o.Child("startupProbe", EncodeProbe(*c.startup_probe));
  if (c.lifecycle) {
    Object lifecycle;
    if (c.lifecycle->post_start) lifecycle.Child("postStart", Hook(*c.lifecycle->post_start));
    if (c.lifecycle->pre_stop) lifecycle.Child("preStop", Hook(*c.lifecycle->pre_stop));
    o.Child("lifecycle", std::move(lifecycle));
  }
  o.StringIfSet("terminationMessagePath", c.termination_message_path);
  o.String("terminationMessagePolicy", ToString(c.termination_message_policy));
  if (c.restart_policy) o.String("restartPolicy", ToString(*c.restart_policy));
  if (c.security_context) {
    const SecurityContext& sc = *c.security_context;
    Object s;
    s.BoolIfSet("privileged", sc.privileged);
    s.NumberIfSet("runAsUser", sc.run_as_user);
    s.NumberIfSet("runAsGroup", sc.run_as_group);
    s.BoolIfSet("runAsNonRoot", sc.run_as_non_root);
    s.BoolIfSet("readOnlyRootFilesystem", sc.read_only_root_filesystem);
    s.BoolIfSet("allowPrivilegeEscalation", sc.allow_privilege_escalation);
    if (sc.capabilities) {
      Object caps;
      caps.StringsIfNotEmpty("add", sc.capabilities->add);
      caps.StringsIfNotEmpty("drop", sc.capabilities->drop);
      s.Child("capabilities", std::move(caps));
    }
    EncodeProfile(&s, "seccompProfile", sc.seccomp_profile);
    EncodeProfile(&s, "appArmorProfile", sc.app_armor_profile);
    EncodeSELinux(&s, sc.se_linux_options);
    if (sc.proc_mount) s.String("procMount", ToString(*sc.proc_mount));
    o.Child("securityContext", std::move(s));
  }
  o.BoolIfTrue("stdin", c.stdin_open);
  o.BoolIfTrue("stdinOnce", c.stdin_once);
  o.BoolIfTrue("tty", c.tty);
  return o;
}

Object Spec(const PodSpec& spec) {
  Object o;
  o.ListIfNotEmpty("volumes", spec.volumes, [](const Volume& volume) {
    Object v;
    v.String("name", volume.name);
    if (volume.host_path) {
      Object host_path;
      host_path.String("path", volume.host_path->path);
      host_path.StringIfSet("type", ToString(volume.host_path->type));
      v.Child("hostPath", std::move(host_path));
    }
    if (volume.empty_dir) {
      Object empty_dir;
      empty_dir.StringIfSet("medium", ToString(volume.empty_dir->medium));
      if (volume.empty_dir->size_limit) {
        empty_dir.String("sizeLimit", volume.empty_dir->size_limit->ToString());
      }
      v.Child("emptyDir", std::move(empty_dir));
    }
    if (volume.downward_api) {
      Object downward;
      downward.ListIfNotEmpty(
          "items", volume.downward_api->items, [](const DownwardAPIVolumeFile& item) {
            Object f;
            f.String("path", item.path);
            if (item.field_ref) f.Child("fieldRef", FieldRef(*item.field_ref));
            if (item.resource_field_ref) {
              f.Child("resourceFieldRef", ResourceFieldRef(*item.resource_field_ref));
            }
            f.NumberIfSet("mode", item.mode);
            return f;
          });
      downward.Number("defaultMode", volume.downward_api->default_mode);
      v.Child("downwardAPI", std::move(downward));
    }
    return v;
  });
  o.ListIfNotEmpty("initContainers", spec.init_containers, EncodeContainer);
  o.List("containers", spec.containers, EncodeContainer);
  o.String("restartPolicy", ToString(spec.restart_policy));
  o.Number("terminationGracePeriodSeconds",
           static_cast<double>(spec.termination_grace_period_seconds));
  o.NumberIfSet("activeDeadlineSeconds", spec.active_deadline_seconds);
  o.String("dnsPolicy", ToString(spec.dns_policy));
  if (spec.dns_config) {
    Object dns;
    dns.StringsIfNotEmpty("nameservers", spec.dns_config->nameservers);
    dns.StringsIfNotEmpty("searches", spec.dns_config->searches);
    dns.ListIfNotEmpty("options", spec.dns_config->options, [](const PodDNSConfigOption& option) {
      Object opt;
      opt.String("name", option.name);
      opt.OptionalString("value", option.value);
      return opt;
    });
    o.Child("dnsConfig", std::move(dns));
  }
  o.StringIfSet("nodeName", spec.node_name);
  o.BoolIfTrue("hostNetwork", spec.host_network);
  o.BoolIfTrue("hostPID", spec.host_pid);
  o.BoolIfTrue("hostIPC", spec.host_ipc);
  o.BoolIfSet("shareProcessNamespace", spec.share_process_namespace);
  const PodSecurityContext& sc = spec.security_context;
  Object security;
  security.NumberIfSet("runAsUser", sc.run_as_user);
  security.NumberIfSet("runAsGroup", sc.run_as_group);
  security.BoolIfSet("runAsNonRoot", sc.run_as_non_root);
  security.NumberIfSet("fsGroup", sc.fs_group);
  if (sc.fs_group_change_policy) {
    security.String("fsGroupChangePolicy", ToString(*sc.fs_group_change_policy));
  }
  if (!sc.supplemental_groups.empty()) {
    ListValue* groups = security.Field("supplementalGroups").mutable_list_value();
    for (int64_t group : sc.supplemental_groups) {
      groups->add_values()->set_number_value(static_cast<double>(group));
    }
  }
  security.ListIfNotEmpty("sysctls", sc.sysctls, [](const Sysctl& sysctl) {
    Object s;
    s.String("name", sysctl.name);
    s.String("value", sysctl.value);
    return s;
  });
  EncodeProfile(&security, "seccompProfile", sc.seccomp_profile);
  EncodeProfile(&security, "appArmorProfile", sc.app_armor_profile);
  EncodeSELinux(&security, sc.se_linux_options);
  o.Child("securityContext", std::move(security));
  o.StringIfSet("hostname", spec.hostname);
  o.StringIfSet("subdomain", spec.subdomain);
  o.BoolIfSet("setHostnameAsFQDN", spec.set_hostname_as_fqdn);
  o.ListIfNotEmpty("hostAliases", spec.host_aliases, [](const HostAlias& alias) {
    Object a;
    a.String("ip", alias.ip);
    a.StringsIfNotEmpty("hostnames", alias.hostnames);
    return a;
  });
  o.StringIfSet("serviceAccountName", spec.service_account_name);
  o.NumberIfSet("priority", spec.priority);
  o.OptionalString("runtimeClassName", spec.runtime_class_name);
  return o;
}

Object State(const ContainerState& state) {
  Object o;
  if (state.waiting) {
    Object waiting;
    waiting.StringIfSet("reason", state.waiting->reason);
    waiting.StringIfSet("message", state.waiting->message);
    o.Child("waiting", std::move(waiting));
  }
  if (state.running) {
    Object running;
    running.TimeIfSet("startedAt", state.running->started_at);
    o.Child("running", std::move(running));
  }
  if (state.terminated) {
    const ContainerStateTerminated& t = *state.terminated;
    Object terminated;
    terminated.Number("exitCode", t.exit_code);
    terminated.NumberIfNonZero("signal", t.signal);
    terminated.StringIfSet("reason", t.reason);
    terminated.StringIfSet("message", t.message);
    terminated.TimeIfSet("startedAt", t.started_at);
    terminated.TimeIfSet("finishedAt", t.finished_at);
    terminated.StringIfSet("containerID", t.container_id);
    o.Child("terminated", std::move(terminated));
  }
  return o;
}

Object EncodeContainerStatus(const ContainerStatus& status) {
  Object o;
  o.String("name", status.name);
  o.Child("state", State(status.state));
  o.Child("lastState", State(status.last_state));
  o.Bool("ready", status.ready);
  o.Number("restartCount", status.restart_count);
  o.String("image", status.image);
  o.String("imageID", status.image_id);
  o.StringIfSet("containerID", status.container_id);
  o.BoolIfSet("started", status.started);
  return o;
}

Object Status(const PodStatus& status) {
  Object o;
  o.String("phase", ToString(status.phase));
  o.ListIfNotEmpty("conditions", status.conditions, [](const PodCondition& condition) {
    Object c;
    c.String("type", condition.type);
    c.String("status", ToString(condition.status));
    c.TimeIfSet("lastProbeTime", condition.last_probe_time);
    c.TimeIfSet("lastTransitionTime", condition.last_transition_time);
    c.StringIfSet("reason", condition.reason);
    c.StringIfSet("message", condition.message);
    return c;
  });
  o.StringIfSet("message", status.message);
  o.StringIfSet("reason", status.reason);
  o.StringIfSet("hostIP", status.host_ip);
  o.StringIfSet("podIP", status.pod_ip);
  if (!status.pod_ips.empty()) {
    ListValue* ips = o.Field("podIPs").mutable_list_value();
    for (const std::string& ip : status.pod_ips) {
      Struct* entry = ips->add_values()->mutable_struct_value();
      (*entry->mutable_fields())["ip"].set_string_value(internal::SanitizeUtf8(ip));
    }
  }
  o.TimeIfSet("startTime", status.start_time);
  o.ListIfNotEmpty("initContainerStatuses", status.init_container_statuses, EncodeContainerStatus);
  o.ListIfNotEmpty("containerStatuses", status.container_statuses, EncodeContainerStatus);
  return o;
}

}  // namespace

std::string FormatRfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

Struct PodToStruct(const Pod& pod) {
  Object o;
  o.String("apiVersion", "v1");
  o.String("kind", "Pod");
  o.Child("metadata", Metadata(pod.metadata));
  o.Child("spec", Spec(pod.spec));
  o.Child("status", Status(pod.status));
  return std::move(o.proto());
}

std::string StructToJson(const Struct& object, JsonStyle style) {
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool());
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);  // sorts map keys
    object.SerializeToCodedStream(&coded);
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = style == JsonStyle::kIndented;
  std::string json;
  auto status = google::protobuf::util::BinaryToJsonString(
      resolver, "type.googleapis.com/google.protobuf.Struct", binary, &json, options);
  // Cannot fail for a Struct whose strings are valid UTF-8, which the builders above ensure.
  if (!status.ok()) return "{}";
  return json;
}

std::string PodToJson(const Pod& pod, JsonStyle style) {
  return StructToJson(PodToStruct(pod), style);
}

std::string PodListToJson(const std::vector<Pod>& pods, JsonStyle style) {
  Struct list;
  (*list.mutable_fields())["apiVersion"].set_string_value("v1");
  (*list.mutable_fields())["kind"].set_string_value("PodList");
  ListValue* items = (*list.mutable_fields())["items"].mutable_list_value();
  for (const Pod& pod : pods) *items->add_values()->mutable_struct_value() = PodToStruct(pod);
  return StructToJson(list, style);
}

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
