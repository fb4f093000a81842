#include "api/core/v1/pod.h"

#include <tuple>

namespace krl {
namespace api {
namespace core {
namespace v1 {

#define KRL_COREV1_ENUM_VALUES(Type, ...)                                          \
  template <>                                                                      \
  absl::Span<const std::pair<Type, absl::string_view>> EnumValues<Type>() {        \
    static constexpr std::pair<Type, absl::string_view> kValues[] = {__VA_ARGS__}; \
    return kValues;                                                                \
  }

KRL_COREV1_ENUM_VALUES(RestartPolicy, {RestartPolicy::kAlways, "Always"},
                       {RestartPolicy::kOnFailure, "OnFailure"}, {RestartPolicy::kNever, "Never"})
KRL_COREV1_ENUM_VALUES(ContainerRestartPolicy, {ContainerRestartPolicy::kAlways, "Always"})
KRL_COREV1_ENUM_VALUES(DNSPolicy, {DNSPolicy::kClusterFirst, "ClusterFirst"},
                       {DNSPolicy::kClusterFirstWithHostNet, "ClusterFirstWithHostNet"},
                       {DNSPolicy::kDefault, "Default"}, {DNSPolicy::kNone, "None"})
KRL_COREV1_ENUM_VALUES(PullPolicy, {PullPolicy::kAlways, "Always"},
                       {PullPolicy::kIfNotPresent, "IfNotPresent"}, {PullPolicy::kNever, "Never"})
KRL_COREV1_ENUM_VALUES(Protocol, {Protocol::kTCP, "TCP"}, {Protocol::kUDP, "UDP"},
                       {Protocol::kSCTP, "SCTP"})
KRL_COREV1_ENUM_VALUES(URIScheme, {URIScheme::kHTTP, "HTTP"}, {URIScheme::kHTTPS, "HTTPS"})
KRL_COREV1_ENUM_VALUES(TerminationMessagePolicy, {TerminationMessagePolicy::kFile, "File"},
                       {TerminationMessagePolicy::kFallbackToLogsOnError, "FallbackToLogsOnError"})
KRL_COREV1_ENUM_VALUES(HostPathType, {HostPathType::kUnset, ""},
                       {HostPathType::kDirectoryOrCreate, "DirectoryOrCreate"},
                       {HostPathType::kDirectory, "Directory"},
                       {HostPathType::kFileOrCreate, "FileOrCreate"}, {HostPathType::kFile, "File"},
                       {HostPathType::kSocket, "Socket"}, {HostPathType::kCharDevice, "CharDevice"},
                       {HostPathType::kBlockDevice, "BlockDevice"})
KRL_COREV1_ENUM_VALUES(StorageMedium, {StorageMedium::kDefault, ""},
                       {StorageMedium::kMemory, "Memory"}, {StorageMedium::kHugePages, "HugePages"})
KRL_COREV1_ENUM_VALUES(SeccompProfileType, {SeccompProfileType::kRuntimeDefault, "RuntimeDefault"},
                       {SeccompProfileType::kUnconfined, "Unconfined"},
                       {SeccompProfileType::kLocalhost, "Localhost"})
KRL_COREV1_ENUM_VALUES(AppArmorProfileType,
                       {AppArmorProfileType::kRuntimeDefault, "RuntimeDefault"},
                       {AppArmorProfileType::kUnconfined, "Unconfined"},
                       {AppArmorProfileType::kLocalhost, "Localhost"})
KRL_COREV1_ENUM_VALUES(ProcMountType, {ProcMountType::kDefault, "Default"},
                       {ProcMountType::kUnmasked, "Unmasked"})
KRL_COREV1_ENUM_VALUES(MountPropagationMode, {MountPropagationMode::kNone, "None"},
                       {MountPropagationMode::kHostToContainer, "HostToContainer"},
                       {MountPropagationMode::kBidirectional, "Bidirectional"})
KRL_COREV1_ENUM_VALUES(FSGroupChangePolicy, {FSGroupChangePolicy::kAlways, "Always"},
                       {FSGroupChangePolicy::kOnRootMismatch, "OnRootMismatch"})
KRL_COREV1_ENUM_VALUES(PodPhase, {PodPhase::kPending, "Pending"}, {PodPhase::kRunning, "Running"},
                       {PodPhase::kSucceeded, "Succeeded"}, {PodPhase::kFailed, "Failed"},
                       {PodPhase::kUnknown, "Unknown"})
KRL_COREV1_ENUM_VALUES(ConditionStatus, {ConditionStatus::kTrue, "True"},
                       {ConditionStatus::kFalse, "False"}, {ConditionStatus::kUnknown, "Unknown"})
#undef KRL_COREV1_ENUM_VALUES

PullPolicy DefaultPullPolicy(absl::string_view image) {
  // A digest pins the content; the tag, if any, sits between the last '/' and the '@'.
  size_t at = image.find('@');
  bool has_digest = at != absl::string_view::npos;
  absl::string_view name = image.substr(0, at);
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  absl::string_view tag;
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
  }
  if (tag == "latest" || (tag.empty() && !has_digest)) return PullPolicy::kAlways;
  return PullPolicy::kIfNotPresent;
}

PullPolicy EffectivePullPolicy(const Container& container) {
  return container.image_pull_policy ? *container.image_pull_policy
                                     : DefaultPullPolicy(container.image);
}

bool IsSidecar(const Container& container) {
  return container.restart_policy == ContainerRestartPolicy::kAlways;
}

// Each operator compares a std::tie of every field, in declaration order.
#define KRL_COREV1_EQUALITY(Type, ...)                                 \
  bool operator==(const Type& a, const Type& b) {                      \
    auto fields = [](const Type& x) { return std::tie(__VA_ARGS__); }; \
    return fields(a) == fields(b);                                     \
  }

KRL_COREV1_EQUALITY(ObjectMeta, x.name, x.namespace_, x.uid, x.labels, x.annotations)
KRL_COREV1_EQUALITY(IntOrString, x.type, x.int_value, x.string_value)
KRL_COREV1_EQUALITY(ObjectFieldSelector, x.api_version, x.field_path)
KRL_COREV1_EQUALITY(ResourceFieldSelector, x.container_name, x.resource, x.divisor)
KRL_COREV1_EQUALITY(EnvVarSource, x.field_ref, x.resource_field_ref)
KRL_COREV1_EQUALITY(EnvVar, x.name, x.value, x.value_from)
KRL_COREV1_EQUALITY(ContainerPort, x.name, x.container_port, x.host_port, x.protocol, x.host_ip)
KRL_COREV1_EQUALITY(ResourceList, x.cpu, x.memory, x.ephemeral_storage, x.other)
KRL_COREV1_EQUALITY(ResourceRequirements, x.limits, x.requests)
KRL_COREV1_EQUALITY(VolumeMount, x.name, x.mount_path, x.read_only, x.sub_path, x.sub_path_expr,
                    x.mount_propagation)
KRL_COREV1_EQUALITY(ExecAction, x.command)
KRL_COREV1_EQUALITY(HTTPHeader, x.name, x.value)
KRL_COREV1_EQUALITY(HTTPGetAction, x.path, x.port, x.host, x.scheme, x.http_headers)
KRL_COREV1_EQUALITY(TCPSocketAction, x.port, x.host)
KRL_COREV1_EQUALITY(GRPCAction, x.port, x.service)
KRL_COREV1_EQUALITY(Probe, x.exec, x.http_get, x.tcp_socket, x.grpc, x.initial_delay_seconds,
                    x.timeout_seconds, x.period_seconds, x.success_threshold, x.failure_threshold,
                    x.termination_grace_period_seconds)
KRL_COREV1_EQUALITY(LifecycleHandler, x.exec, x.http_get)
KRL_COREV1_EQUALITY(Lifecycle, x.post_start, x.pre_stop)
KRL_COREV1_EQUALITY(Capabilities, x.add, x.drop)
KRL_COREV1_EQUALITY(SeccompProfile, x.type, x.localhost_profile)
KRL_COREV1_EQUALITY(AppArmorProfile, x.type, x.localhost_profile)
KRL_COREV1_EQUALITY(SELinuxOptions, x.user, x.role, x.type, x.level)
KRL_COREV1_EQUALITY(SecurityContext, x.privileged, x.run_as_user, x.run_as_group, x.run_as_non_root,
                    x.read_only_root_filesystem, x.allow_privilege_escalation, x.capabilities,
                    x.seccomp_profile, x.app_armor_profile, x.se_linux_options, x.proc_mount)
KRL_COREV1_EQUALITY(Container, x.name, x.image, x.image_pull_policy, x.command, x.args, x.env,
                    x.working_dir, x.ports, x.resources, x.volume_mounts, x.liveness_probe,
                    x.readiness_probe, x.startup_probe, x.lifecycle, x.termination_message_path,
                    x.termination_message_policy, x.restart_policy, x.security_context,
                    x.stdin_open, x.stdin_once, x.tty)
KRL_COREV1_EQUALITY(HostPathVolumeSource, x.path, x.type)
KRL_COREV1_EQUALITY(EmptyDirVolumeSource, x.medium, x.size_limit)
KRL_COREV1_EQUALITY(DownwardAPIVolumeFile, x.path, x.field_ref, x.resource_field_ref, x.mode)
KRL_COREV1_EQUALITY(DownwardAPIVolumeSource, x.items, x.default_mode)
KRL_COREV1_EQUALITY(Volume, x.name, x.host_path, x.empty_dir, x.downward_api)
KRL_COREV1_EQUALITY(Sysctl, x.name, x.value)
KRL_COREV1_EQUALITY(PodSecurityContext, x.run_as_user, x.run_as_group, x.run_as_non_root,
                    x.fs_group, x.fs_group_change_policy, x.supplemental_groups, x.sysctls,
                    x.seccomp_profile, x.app_armor_profile, x.se_linux_options)
KRL_COREV1_EQUALITY(HostAlias, x.ip, x.hostnames)
KRL_COREV1_EQUALITY(PodDNSConfigOption, x.name, x.value)
KRL_COREV1_EQUALITY(PodDNSConfig, x.nameservers, x.searches, x.options)
KRL_COREV1_EQUALITY(PodSpec, x.volumes, x.init_containers, x.containers, x.restart_policy,
                    x.termination_grace_period_seconds, x.active_deadline_seconds, x.dns_policy,
                    x.dns_config, x.node_name, x.host_network, x.host_pid, x.host_ipc,
                    x.share_process_namespace, x.security_context, x.hostname, x.subdomain,
                    x.set_hostname_as_fqdn, x.host_aliases, x.service_account_name, x.priority,
                    x.runtime_class_name)
KRL_COREV1_EQUALITY(PodCondition, x.type, x.status, x.last_probe_time, x.last_transition_time,
                    x.reason, x.message)
KRL_COREV1_EQUALITY(ContainerStateWaiting, x.reason, x.message)
KRL_COREV1_EQUALITY(ContainerStateRunning, x.started_at)
KRL_COREV1_EQUALITY(ContainerStateTerminated, x.exit_code, x.signal, x.reason, x.message,
                    x.started_at, x.finished_at, x.container_id)
KRL_COREV1_EQUALITY(ContainerState, x.waiting, x.running, x.terminated)
KRL_COREV1_EQUALITY(ContainerStatus, x.name, x.state, x.last_state, x.ready, x.restart_count,
                    x.image, x.image_id, x.container_id, x.started)
KRL_COREV1_EQUALITY(PodStatus, x.phase, x.conditions, x.message, x.reason, x.host_ip, x.pod_ip,
                    x.pod_ips, x.start_time, x.init_container_statuses, x.container_statuses)
KRL_COREV1_EQUALITY(Pod, x.metadata, x.spec, x.status)
#undef KRL_COREV1_EQUALITY

bool SpecEquals(const Pod& a, const Pod& b) { return a.metadata == b.metadata && a.spec == b.spec; }

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
