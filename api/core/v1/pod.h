// The Kubernetes core/v1 Pod, reduced to what a node agent reads and reports.
//
// Plain structs with value semantics, named like the Go types; each field's comment gives its
// Kubernetes JSON name where it differs from the C++ name. Defaults are the member initializers
// and equal the values Kubernetes defaulting assigns, so a default-constructed struct and a decoded
// manifest that leaves the field out compare equal. Decoding is in manifest_decoder.h, checks in
// validation.h, JSON output in json_encoder.h.
//
//   corev1::Pod pod;
//   pod.metadata.name = "web";
//   pod.spec.containers.emplace_back().image = "nginx:1.25";
//
// operator== compares every field (Quantity by value); the runtime manager uses it to detect a
// changed spec. Structs are not thread safe; share them const or copy them.
#ifndef KRL_API_CORE_V1_POD_H_
#define KRL_API_CORE_V1_POD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "api/core/v1/quantity.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

// ---- Enumerations (Kubernetes spells them as strings; see EnumValues below) ----

enum class RestartPolicy { kAlways, kOnFailure, kNever };
// A container's own restart policy: only "Always", only on init containers (sidecars).
enum class ContainerRestartPolicy { kAlways };
enum class DNSPolicy { kClusterFirst, kClusterFirstWithHostNet, kDefault, kNone };
enum class PullPolicy { kAlways, kIfNotPresent, kNever };
enum class Protocol { kTCP, kUDP, kSCTP };
enum class URIScheme { kHTTP, kHTTPS };
enum class TerminationMessagePolicy { kFile, kFallbackToLogsOnError };
// kUnset ("") means no check before mounting.
enum class HostPathType {
  kUnset,
  kDirectoryOrCreate,
  kDirectory,
  kFileOrCreate,
  kFile,
  kSocket,
  kCharDevice,
  kBlockDevice,
};
// kDefault ("") is the node's disk.
enum class StorageMedium { kDefault, kMemory, kHugePages };
// Seccomp and AppArmor profile kinds (securityContext.seccompProfile.type, appArmorProfile.type).
enum class SeccompProfileType { kRuntimeDefault, kUnconfined, kLocalhost };
enum class AppArmorProfileType { kRuntimeDefault, kUnconfined, kLocalhost };
// securityContext.procMount: kDefault masks and makes read-only the kernel's sensitive /proc and
// /sys paths; kUnmasked leaves them as they are.
enum class ProcMountType { kDefault, kUnmasked };
// volumeMounts[].mountPropagation.
enum class MountPropagationMode { kNone, kHostToContainer, kBidirectional };
// podSecurityContext.fsGroupChangePolicy.
enum class FSGroupChangePolicy { kAlways, kOnRootMismatch };
enum class PodPhase { kPending, kRunning, kSucceeded, kFailed, kUnknown };
enum class ConditionStatus { kTrue, kFalse, kUnknown };

// Every value of enum E with its Kubernetes spelling, in declaration order.
template <typename E>
absl::Span<const std::pair<E, absl::string_view>> EnumValues();

// The Kubernetes spelling of an enum value ("OnFailure"); "<invalid>" for a value out of range.
template <typename E, typename = std::enable_if_t<std::is_enum<E>::value>>
absl::string_view ToString(E value) {
  for (const auto& entry : EnumValues<E>()) {
    if (entry.first == value) return entry.second;
  }
  return "<invalid>";
}

// Parses the exact (case-sensitive, as in Kubernetes) spelling; false if `text` is not one.
template <typename E, typename = std::enable_if_t<std::is_enum<E>::value>>
bool ParseEnum(absl::string_view text, E* value) {
  for (const auto& entry : EnumValues<E>()) {
    if (entry.second == text) {
      *value = entry.first;
      return true;
    }
  }
  return false;
}

// Condition types the kubelet reports (PodCondition::type is open-ended, so a string).
inline constexpr absl::string_view kPodScheduled = "PodScheduled";
inline constexpr absl::string_view kPodReadyToStartContainers = "PodReadyToStartContainers";
inline constexpr absl::string_view kPodInitialized = "Initialized";
inline constexpr absl::string_view kContainersReady = "ContainersReady";
inline constexpr absl::string_view kPodReady = "Ready";

// ---- Metadata ----

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";  // JSON: namespace
  std::string uid;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// ---- Container parts ----

// A port (containerPort, hostPort) or a port name, as a probe's `port` is.
struct IntOrString {
  enum class Type { kInt, kString };
  Type type = Type::kInt;
  int32_t int_value = 0;
  std::string string_value;

  static IntOrString FromInt(int32_t value) { return {Type::kInt, value, ""}; }
  static IntOrString FromString(std::string value) { return {Type::kString, 0, std::move(value)}; }
  bool is_string() const { return type == Type::kString; }
};

// The downward API: a field of the pod ("metadata.name", "metadata.labels['app']",
// "status.podIP", ...).
struct ObjectFieldSelector {
  std::string api_version = "v1";  // JSON: apiVersion
  std::string field_path;
};

// The downward API: a container's resource ("limits.cpu", "requests.memory", ...) in units of
// `divisor` (1 when unset), rounded up.
struct ResourceFieldSelector {
  std::string container_name;  // empty in env: the container itself
  std::string resource;
  std::optional<Quantity> divisor;
};

// Where an env value comes from when it is not literal. Only the downward API is possible on a
// node without an API server (config maps and secrets are refused by the decoder).
struct EnvVarSource {
  std::optional<ObjectFieldSelector> field_ref;
  std::optional<ResourceFieldSelector> resource_field_ref;
};

// `value` (with $(VAR) expansion) or `value_from`; validation.h refuses both at once.
struct EnvVar {
  std::string name;
  std::string value;
  std::optional<EnvVarSource> value_from;
};

struct ContainerPort {
  std::string name;  // IANA service name, optional; probes may refer to it
  int32_t container_port = 0;
  int32_t host_port = 0;  // 0: not exposed on the host
  Protocol protocol = Protocol::kTCP;
  std::string host_ip;  // JSON: hostIP
};

// cpu in cores, memory and ephemeral-storage in bytes; other names are kept in `other`: huge
// pages (hugepages-2Mi) become the runtime's huge page limits, and a node agent refuses any
// other (a device) at admission unless something on the node provides it.
struct ResourceList {
  std::optional<Quantity> cpu;
  std::optional<Quantity> memory;
  std::optional<Quantity> ephemeral_storage;  // JSON: ephemeral-storage
  std::map<std::string, Quantity> other;

  bool empty() const { return !cpu && !memory && !ephemeral_storage && other.empty(); }
};

struct ResourceRequirements {
  ResourceList limits;
  ResourceList requests;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool read_only = false;
  std::string sub_path;
  // Like sub_path, with $(VAR) expanded from the container's environment; not with sub_path.
  std::string sub_path_expr;
  // Unset is None (private).
  std::optional<MountPropagationMode> mount_propagation;
};

struct ExecAction {
  std::vector<std::string> command;  // run without a shell
};

struct HTTPHeader {
  std::string name;
  std::string value;
};

struct HTTPGetAction {
  std::string path;
  IntOrString port;
  std::string host;  // empty: the pod IP
  URIScheme scheme = URIScheme::kHTTP;
  std::vector<HTTPHeader> http_headers;
};

struct TCPSocketAction {
  IntOrString port;
  std::string host;  // empty: the pod IP
};

struct GRPCAction {
  int32_t port = 0;
  std::optional<std::string> service;
};

// Exactly one handler is set in a valid probe (validation.h).
struct Probe {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
  std::optional<TCPSocketAction> tcp_socket;
  std::optional<GRPCAction> grpc;
  int32_t initial_delay_seconds = 0;
  int32_t timeout_seconds = 1;
  int32_t period_seconds = 10;
  int32_t success_threshold = 1;
  int32_t failure_threshold = 3;
  // Overrides the pod's grace period when this probe's failure kills the container.
  std::optional<int64_t> termination_grace_period_seconds;
};

// Exactly one handler is set in a valid hook (validation.h).
struct LifecycleHandler {
  std::optional<ExecAction> exec;
  std::optional<HTTPGetAction> http_get;
};

struct Lifecycle {
  std::optional<LifecycleHandler> post_start;
  std::optional<LifecycleHandler> pre_stop;
};

struct Capabilities {
  std::vector<std::string> add;   // e.g. "NET_ADMIN"
  std::vector<std::string> drop;  // e.g. "ALL"
};

struct SeccompProfile {
  SeccompProfileType type = SeccompProfileType::kRuntimeDefault;
  // Localhost only: a path relative to the agent's seccomp profile root.
  std::optional<std::string> localhost_profile;
};

struct AppArmorProfile {
  AppArmorProfileType type = AppArmorProfileType::kRuntimeDefault;
  // Localhost only: the name of a profile loaded on the node.
  std::optional<std::string> localhost_profile;
};

struct SELinuxOptions {
  std::string user;
  std::string role;
  std::string type;
  std::string level;
};

struct SecurityContext {
  std::optional<bool> privileged;
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<bool> read_only_root_filesystem;
  std::optional<bool> allow_privilege_escalation;
  std::optional<Capabilities> capabilities;
  std::optional<SeccompProfile> seccomp_profile;
  std::optional<AppArmorProfile> app_armor_profile;
  std::optional<SELinuxOptions> se_linux_options;  // JSON: seLinuxOptions
  std::optional<ProcMountType> proc_mount;
};

struct Container {
  std::string name;
  std::string image;
  // Unset means "decide from the image": use EffectivePullPolicy().
  std::optional<PullPolicy> image_pull_policy;
  std::vector<std::string> command;  // replaces the image's entrypoint
  std::vector<std::string> args;     // replaces the image's cmd
  std::vector<EnvVar> env;
  std::string working_dir;
  std::vector<ContainerPort> ports;
  ResourceRequirements resources;
  std::vector<VolumeMount> volume_mounts;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> startup_probe;
  std::optional<Lifecycle> lifecycle;
  std::string termination_message_path = "/dev/termination-log";
  TerminationMessagePolicy termination_message_policy = TerminationMessagePolicy::kFile;
  // Init containers only: kAlways makes the init container a sidecar that keeps running.
  std::optional<ContainerRestartPolicy> restart_policy;
  std::optional<SecurityContext> security_context;
  bool stdin_open = false;  // JSON: stdin (a macro name in C, hence the suffix)
  bool stdin_once = false;
  bool tty = false;
};

// ---- Volumes ----

struct HostPathVolumeSource {
  std::string path;
  HostPathType type = HostPathType::kUnset;
};

// kMemory is a tmpfs sized by size_limit (else the pod's memory limit); on disk, size_limit is
// kept for the eviction manager.
struct EmptyDirVolumeSource {
  StorageMedium medium = StorageMedium::kDefault;
  std::optional<Quantity> size_limit;
};

// One file of a downwardAPI volume: exactly one of field_ref (metadata only) and
// resource_field_ref (container_name required).
struct DownwardAPIVolumeFile {
  std::string path;
  std::optional<ObjectFieldSelector> field_ref;
  std::optional<ResourceFieldSelector> resource_field_ref;
  std::optional<int32_t> mode;  // file mode bits; unset: the volume's default_mode
};

struct DownwardAPIVolumeSource {
  std::vector<DownwardAPIVolumeFile> items;
  int32_t default_mode = 0644;
};

// Exactly one source is set in a valid volume (validation.h).
struct Volume {
  std::string name;
  std::optional<HostPathVolumeSource> host_path;
  std::optional<EmptyDirVolumeSource> empty_dir;
  std::optional<DownwardAPIVolumeSource> downward_api;  // JSON: downwardAPI
};

// ---- Pod spec ----

struct Sysctl {
  std::string name;
  std::string value;
};

// Container securityContext fields given here are the default of every container.
struct PodSecurityContext {
  std::optional<int64_t> run_as_user;
  std::optional<int64_t> run_as_group;
  std::optional<bool> run_as_non_root;
  std::optional<int64_t> fs_group;
  std::optional<FSGroupChangePolicy> fs_group_change_policy;
  std::vector<int64_t> supplemental_groups;
  std::vector<Sysctl> sysctls;
  std::optional<SeccompProfile> seccomp_profile;
  std::optional<AppArmorProfile> app_armor_profile;
  std::optional<SELinuxOptions> se_linux_options;  // JSON: seLinuxOptions
};

// An extra /etc/hosts line: `ip` followed by `hostnames`.
struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
};

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
};

// Merged into (or, with dnsPolicy None, replaces) the resolv.conf the policy gives.
struct PodDNSConfig {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<PodDNSConfigOption> options;
};

struct PodSpec {
  std::vector<Volume> volumes;
  // Run one at a time, in order, before `containers`; restart_policy Always marks a sidecar.
  std::vector<Container> init_containers;
  std::vector<Container> containers;
  RestartPolicy restart_policy = RestartPolicy::kAlways;
  int64_t termination_grace_period_seconds = 30;
  std::optional<int64_t> active_deadline_seconds;
  DNSPolicy dns_policy = DNSPolicy::kClusterFirst;
  std::optional<PodDNSConfig> dns_config;
  std::string node_name;
  bool host_network = false;
  bool host_pid = false;  // JSON: hostPID
  bool host_ipc = false;  // JSON: hostIPC
  std::optional<bool> share_process_namespace;
  PodSecurityContext security_context;
  std::string hostname;
  std::string subdomain;
  // The sandbox's hostname is <hostname>.<subdomain>.<namespace>.svc.<cluster domain>.
  std::optional<bool> set_hostname_as_fqdn;  // JSON: setHostnameAsFQDN
  std::vector<HostAlias> host_aliases;
  // Scheduling and API-server accounting have no meaning here; the name is kept for the
  // downward API (spec.serviceAccountName).
  std::string service_account_name;
  std::optional<int32_t> priority;
  std::optional<std::string> runtime_class_name;  // selects the CRI runtime handler
};

// ---- Pod status (written by the agent, never decoded from manifests) ----

struct PodCondition {
  std::string type;  // kPodReady, kContainersReady, ...
  ConditionStatus status = ConditionStatus::kUnknown;
  std::optional<absl::Time> last_probe_time;
  std::optional<absl::Time> last_transition_time;
  std::string reason;
  std::string message;
};

struct ContainerStateWaiting {
  std::string reason;  // ContainerCreating, CrashLoopBackOff, ErrImagePull, ...
  std::string message;
};

struct ContainerStateRunning {
  std::optional<absl::Time> started_at;
};

struct ContainerStateTerminated {
  int32_t exit_code = 0;
  int32_t signal = 0;
  std::string reason;  // Completed, Error, OOMKilled, ...
  std::string message;
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> finished_at;
  std::string container_id;  // JSON: containerID; "<runtime type>://<id>", see container_id.h
};

// At most one of the three is set; none means the state is not known.
struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
};

struct ContainerStatus {
  std::string name;
  ContainerState state;
  ContainerState last_state;  // the previous run's termination, after a restart
  bool ready = false;
  int32_t restart_count = 0;
  std::string image;
  std::string image_id;      // JSON: imageID
  std::string container_id;  // JSON: containerID; "containerd://<id>" style, see container_id.h
  std::optional<bool> started;
};

struct PodStatus {
  PodPhase phase = PodPhase::kPending;
  std::vector<PodCondition> conditions;
  std::string message;
  std::string reason;
  std::string host_ip;               // JSON: hostIP
  std::string pod_ip;                // JSON: podIP
  std::vector<std::string> pod_ips;  // JSON: podIPs, as [{"ip": ...}]
  std::optional<absl::Time> start_time;
  std::vector<ContainerStatus> init_container_statuses;
  std::vector<ContainerStatus> container_statuses;
};

struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
};

// A pod spec shared, read-only, by everything that holds it (the pod source, the agent, the pod
// workers, the probes): a pod of 5 containers is 15-20 KB, and a node holds a thousand.
using PodPtr = std::shared_ptr<const Pod>;

// ---- Helpers ----

// The pull policy Kubernetes defaults to for `image`: Always for the tag "latest" or no tag (and
// no digest), IfNotPresent for any other tag or a digest ("repo@sha256:..."). A registry port
// ("host:5000/repo") is not a tag.
PullPolicy DefaultPullPolicy(absl::string_view image);

// The container's imagePullPolicy, or DefaultPullPolicy(image) when the manifest left it out.
PullPolicy EffectivePullPolicy(const Container& container);

// An init container with restartPolicy Always: started in order like an init container, then kept
// running (and restarted) alongside the app containers.
bool IsSidecar(const Container& container);

// Equality of every field. Quantities compare by value ("1Gi" == "1024Mi"). Written by hand for
// C++17; pod_test.cc checks that changing any field breaks equality.
#define KRL_COREV1_DECLARE_EQUALITY(Type)        \
  bool operator==(const Type& a, const Type& b); \
  inline bool operator!=(const Type& a, const Type& b) { return !(a == b); }
KRL_COREV1_DECLARE_EQUALITY(ObjectMeta)
KRL_COREV1_DECLARE_EQUALITY(IntOrString)
KRL_COREV1_DECLARE_EQUALITY(ObjectFieldSelector)
KRL_COREV1_DECLARE_EQUALITY(ResourceFieldSelector)
KRL_COREV1_DECLARE_EQUALITY(EnvVarSource)
KRL_COREV1_DECLARE_EQUALITY(EnvVar)
KRL_COREV1_DECLARE_EQUALITY(ContainerPort)
KRL_COREV1_DECLARE_EQUALITY(ResourceList)
KRL_COREV1_DECLARE_EQUALITY(ResourceRequirements)
KRL_COREV1_DECLARE_EQUALITY(VolumeMount)
KRL_COREV1_DECLARE_EQUALITY(ExecAction)
KRL_COREV1_DECLARE_EQUALITY(HTTPHeader)
KRL_COREV1_DECLARE_EQUALITY(HTTPGetAction)
KRL_COREV1_DECLARE_EQUALITY(TCPSocketAction)
KRL_COREV1_DECLARE_EQUALITY(GRPCAction)
KRL_COREV1_DECLARE_EQUALITY(Probe)
KRL_COREV1_DECLARE_EQUALITY(LifecycleHandler)
KRL_COREV1_DECLARE_EQUALITY(Lifecycle)
KRL_COREV1_DECLARE_EQUALITY(Capabilities)
KRL_COREV1_DECLARE_EQUALITY(SeccompProfile)
KRL_COREV1_DECLARE_EQUALITY(AppArmorProfile)
KRL_COREV1_DECLARE_EQUALITY(SELinuxOptions)
KRL_COREV1_DECLARE_EQUALITY(SecurityContext)
KRL_COREV1_DECLARE_EQUALITY(Container)
KRL_COREV1_DECLARE_EQUALITY(HostPathVolumeSource)
KRL_COREV1_DECLARE_EQUALITY(EmptyDirVolumeSource)
KRL_COREV1_DECLARE_EQUALITY(DownwardAPIVolumeFile)
KRL_COREV1_DECLARE_EQUALITY(DownwardAPIVolumeSource)
KRL_COREV1_DECLARE_EQUALITY(Volume)
KRL_COREV1_DECLARE_EQUALITY(Sysctl)
KRL_COREV1_DECLARE_EQUALITY(PodSecurityContext)
KRL_COREV1_DECLARE_EQUALITY(HostAlias)
KRL_COREV1_DECLARE_EQUALITY(PodDNSConfigOption)
KRL_COREV1_DECLARE_EQUALITY(PodDNSConfig)
KRL_COREV1_DECLARE_EQUALITY(PodSpec)
KRL_COREV1_DECLARE_EQUALITY(PodCondition)
KRL_COREV1_DECLARE_EQUALITY(ContainerStateWaiting)
KRL_COREV1_DECLARE_EQUALITY(ContainerStateRunning)
KRL_COREV1_DECLARE_EQUALITY(ContainerStateTerminated)
KRL_COREV1_DECLARE_EQUALITY(ContainerState)
KRL_COREV1_DECLARE_EQUALITY(ContainerStatus)
KRL_COREV1_DECLARE_EQUALITY(PodStatus)
KRL_COREV1_DECLARE_EQUALITY(Pod)
#undef KRL_COREV1_DECLARE_EQUALITY

// True when the desired state (metadata and spec) is the same; status is ignored.
bool SpecEquals(const Pod& a, const Pod& b);

}  // namespace v1
}  // namespace core
}  // namespace api

// The short name the rest of the project uses: krl::corev1::Pod.
namespace corev1 = api::core::v1;

}  // namespace krl

#endif  // KRL_API_CORE_V1_POD_H_
