#include "api/core/v1/field_policy.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

constexpr FieldClass H = FieldClass::kHonoured;
constexpr FieldClass C = FieldClass::kClusterOnly;
constexpr FieldClass R = FieldClass::kRefused;

constexpr char kNoVolumePlugin[] =
    "this volume type needs an API server or a volume plugin; only hostPath, emptyDir and "
    "downwardAPI are supported";

// Grouped by object type, in the order of the Kubernetes types. Notes are short: the README
// shows them, and a refused field's note is the reason in its error.
constexpr FieldRule kRules[] = {
    // ---- Pod and PodList ----
    {"Pod", "apiVersion", H, "must be v1"},
    {"Pod", "kind", H, "must be Pod"},
    {"Pod", "metadata", H, "the pod's name, namespace, uid, labels and annotations"},
    {"Pod", "spec", H, "the desired pod"},
    {"Pod", "status", C, "ignored: the agent writes the status"},
    {"PodList", "apiVersion", H, "must be v1"},
    {"PodList", "kind", H, "must be PodList"},
    {"PodList", "items", H, "each item is decoded as a Pod"},
    {"PodList", "metadata", C, "list metadata of the API server"},

    // ---- ObjectMeta ----
    {"ObjectMeta", "name", H, "the pod name (the static pod source adds the node name)"},
    {"ObjectMeta", "namespace", H, "defaults to \"default\""},
    {"ObjectMeta", "uid", H, "kept; the static pod source derives its own"},
    {"ObjectMeta", "labels", H, "passed to the runtime as sandbox and container labels"},
    {"ObjectMeta", "annotations", H,
     "passed to the runtime; the AppArmor and the old seccomp annotations are applied"},
    {"ObjectMeta", "generateName", C, "the API server's name generation"},
    {"ObjectMeta", "selfLink", C, "API server bookkeeping"},
    {"ObjectMeta", "resourceVersion", C, "API server bookkeeping"},
    {"ObjectMeta", "generation", C, "API server bookkeeping"},
    {"ObjectMeta", "creationTimestamp", C, "API server bookkeeping"},
    {"ObjectMeta", "deletionTimestamp", C, "API server bookkeeping"},
    {"ObjectMeta", "deletionGracePeriodSeconds", C, "API server bookkeeping"},
    {"ObjectMeta", "ownerReferences", C, "garbage collection in the cluster"},
    {"ObjectMeta", "finalizers", C, "deletion in the cluster"},
    {"ObjectMeta", "managedFields", C, "server-side apply bookkeeping"},

    // ---- PodSpec ----
    {"PodSpec", "volumes", H, "hostPath, emptyDir and downwardAPI volumes"},
    {"PodSpec", "initContainers", H, "run in order before the containers; sidecars keep running"},
    {"PodSpec", "containers", H, "created and started through CRI"},
    {"PodSpec", "restartPolicy", H, "Always, OnFailure or Never"},
    {"PodSpec", "terminationGracePeriodSeconds", H, "time between SIGTERM and SIGKILL"},
    {"PodSpec", "activeDeadlineSeconds", H, "the pod is failed and killed after this long"},
    {"PodSpec", "dnsPolicy", H, "chooses the sandbox's resolv.conf"},
    {"PodSpec", "dnsConfig", H, "merged into the sandbox's resolv.conf"},
    {"PodSpec", "nodeName", H, "kept; the static pod source sets it to the node"},
    {"PodSpec", "hostNetwork", H, "the sandbox uses the node's network namespace"},
    {"PodSpec", "hostPID", H, "the sandbox uses the node's PID namespace"},
    {"PodSpec", "hostIPC", H, "the sandbox uses the node's IPC namespace"},
    {"PodSpec", "shareProcessNamespace", H, "one PID namespace for the pod's containers"},
    {"PodSpec", "securityContext", H, "pod-level security settings and container defaults"},
    {"PodSpec", "hostname", H, "the sandbox hostname"},
    {"PodSpec", "subdomain", H, "the sandbox's domain name"},
    {"PodSpec", "setHostnameAsFQDN", H, "the sandbox hostname is the fully qualified name"},
    {"PodSpec", "hostAliases", H, "extra /etc/hosts lines"},
    {"PodSpec", "serviceAccountName", H, "kept for the downward API (spec.serviceAccountName)"},
    {"PodSpec", "priority", H, "used by node admission and eviction ranking"},
    {"PodSpec", "runtimeClassName", H, "selects the CRI runtime handler"},
    {"PodSpec", "nodeSelector", C, "scheduling"},
    {"PodSpec", "serviceAccount", C, "deprecated alias of serviceAccountName"},
    {"PodSpec", "automountServiceAccountToken", C, "no API server tokens on this node"},
    {"PodSpec", "affinity", C, "scheduling"},
    {"PodSpec", "schedulerName", C, "scheduling"},
    {"PodSpec", "tolerations", C, "scheduling and taint eviction in the cluster"},
    {"PodSpec", "priorityClassName", C, "resolved to priority by the API server"},
    {"PodSpec", "readinessGates", C, "conditions set by cluster controllers"},
    {"PodSpec", "preemptionPolicy", C, "scheduling"},
    {"PodSpec", "topologySpreadConstraints", C, "scheduling"},
    {"PodSpec", "enableServiceLinks", C, "no Services without an API server"},
    {"PodSpec", "schedulingGates", C, "scheduling"},
    {"PodSpec", "os", C, "only os.name: linux is accepted, then ignored", {}, "PodOS"},
    {"PodSpec", "ephemeralContainers", R,
     "ephemeral containers are added through the API server, never in a manifest"},
    {"PodSpec", "imagePullSecrets", R,
     "pull secrets are read from the API server; use the runtime's registry credentials"},
    {"PodSpec", "overhead", R, "pod overhead accounting is not implemented"},
    {"PodSpec", "hostUsers", R, "user namespaces are not implemented; only hostUsers: true",
     "true"},
    {"PodSpec", "resourceClaims", R, "dynamic resource allocation is not implemented"},
    {"PodSpec", "resources", R,
     "pod-level resources are not implemented; set resources on each container"},
    {"PodSpec", "hostnameOverride", R, "hostname overrides are not implemented"},
    {"PodOS", "name", R, "this node runs Linux pods only; only name: linux", "linux"},

    // ---- Container ----
    {"Container", "name", H, "the container name"},
    {"Container", "image", H, "pulled through the CRI image service"},
    {"Container", "imagePullPolicy", H, "Always, IfNotPresent or Never"},
    {"Container", "command", H, "replaces the image's entrypoint"},
    {"Container", "args", H, "replaces the image's cmd"},
    {"Container", "env", H, "literal values and downward API values"},
    {"Container", "workingDir", H, "the process's working directory"},
    {"Container", "ports", H, "port mappings for the sandbox"},
    {"Container", "resources", H, "cgroup limits and requests through CRI"},
    {"Container", "volumeMounts", H, "mounts of the pod's volumes"},
    {"Container", "livenessProbe", H, "the container is restarted when it fails"},
    {"Container", "readinessProbe", H, "sets the Ready condition"},
    {"Container", "startupProbe", H, "holds the other probes until it succeeds"},
    {"Container", "lifecycle", H, "postStart and preStop hooks"},
    {"Container", "terminationMessagePath", H, "read when the container ends"},
    {"Container", "terminationMessagePolicy", H, "File or FallbackToLogsOnError"},
    {"Container", "restartPolicy", H, "init containers only: Always makes a sidecar"},
    {"Container", "securityContext", H, "container security settings"},
    {"Container", "stdin", H, "passed to the runtime"},
    {"Container", "stdinOnce", H, "passed to the runtime"},
    {"Container", "tty", H, "passed to the runtime"},
    {"Container", "envFrom", R,
     "config maps and secrets need an API server; use env with literal values"},
    {"Container", "volumeDevices", R, "raw block volumes are not implemented"},
    {"Container", "resizePolicy", R, "in-place resize is not implemented"},
    {"Container", "restartPolicyRules", R, "container restart rules are not implemented"},

    {"ContainerPort", "name", H, "a name probes can refer to"},
    {"ContainerPort", "containerPort", H, "the port in the container"},
    {"ContainerPort", "hostPort", H, "mapped on the node"},
    {"ContainerPort", "protocol", H, "TCP, UDP or SCTP"},
    {"ContainerPort", "hostIP", H, "the node address of the mapping"},

    {"EnvVar", "name", H, "the variable name"},
    {"EnvVar", "value", H, "a literal value, with $(VAR) expansion"},
    {"EnvVar", "valueFrom", H, "the downward API (fieldRef, resourceFieldRef)"},
    {"EnvVarSource", "fieldRef", H, "a pod field (downward API)"},
    {"EnvVarSource", "resourceFieldRef", H, "a container's limit or request (downward API)"},
    {"EnvVarSource", "configMapKeyRef", R, "config maps need an API server; use a literal value"},
    {"EnvVarSource", "secretKeyRef", R, "secrets need an API server; use a literal value"},
    {"EnvVarSource", "fileKeyRef", R, "env values from files are not implemented"},
    {"ObjectFieldSelector", "apiVersion", H, "must be v1"},
    {"ObjectFieldSelector", "fieldPath", H, "the pod field, e.g. metadata.name"},
    {"ResourceFieldSelector", "containerName", H, "the container whose resources are read"},
    {"ResourceFieldSelector", "resource", H, "e.g. limits.cpu, requests.memory"},
    {"ResourceFieldSelector", "divisor", H, "the unit of the value"},

    {"ResourceRequirements", "limits", H, "cgroup limits"},
    {"ResourceRequirements", "requests", H, "cgroup shares and admission"},
    {"ResourceRequirements", "claims", R, "dynamic resource allocation is not implemented"},

    {"VolumeMount", "name", H, "the pod volume"},
    {"VolumeMount", "mountPath", H, "where it is mounted in the container"},
    {"VolumeMount", "readOnly", H, "a read-only mount"},
    {"VolumeMount", "subPath", H, "mount a sub-path of the volume"},
    {"VolumeMount", "subPathExpr", H, "subPath with $(VAR) expansion"},
    {"VolumeMount", "mountPropagation", H, "None, HostToContainer or Bidirectional"},
    {"VolumeMount", "recursiveReadOnly", R,
     "recursive read-only mounts are not implemented; only recursiveReadOnly: Disabled",
     "Disabled"},

    // ---- Probes and hooks ----
    {"Probe", "exec", H, "a command in the container"},
    {"Probe", "httpGet", H, "an HTTP GET"},
    {"Probe", "tcpSocket", H, "a TCP connect"},
    {"Probe", "grpc", H, "a gRPC health check"},
    {"Probe", "initialDelaySeconds", H, "wait before the first probe"},
    {"Probe", "timeoutSeconds", H, "per-probe timeout"},
    {"Probe", "periodSeconds", H, "probe interval"},
    {"Probe", "successThreshold", H, "successes to pass"},
    {"Probe", "failureThreshold", H, "failures to fail"},
    {"Probe", "terminationGracePeriodSeconds", H, "grace period when a failure kills"},
    {"ExecAction", "command", H, "run without a shell"},
    {"HTTPGetAction", "path", H, "the request path"},
    {"HTTPGetAction", "port", H, "a number or a port name"},
    {"HTTPGetAction", "host", H, "defaults to the pod IP"},
    {"HTTPGetAction", "scheme", H, "HTTP or HTTPS"},
    {"HTTPGetAction", "httpHeaders", H, "extra request headers"},
    {"HTTPHeader", "name", H, "the header name"},
    {"HTTPHeader", "value", H, "the header value"},
    {"TCPSocketAction", "port", H, "a number or a port name"},
    {"TCPSocketAction", "host", H, "defaults to the pod IP"},
    {"GRPCAction", "port", H, "the gRPC port"},
    {"GRPCAction", "service", H, "the service name for the health check"},
    {"Lifecycle", "postStart", H, "run after the container starts"},
    {"Lifecycle", "preStop", H, "run before the container is stopped"},
    {"Lifecycle", "stopSignal", R, "custom stop signals are not implemented"},
    {"LifecycleHandler", "exec", H, "a command in the container"},
    {"LifecycleHandler", "httpGet", H, "an HTTP GET"},
    {"LifecycleHandler", "tcpSocket", R,
     "tcpSocket hooks are not implemented; use exec or httpGet"},
    {"LifecycleHandler", "sleep", R, "sleep hooks are not implemented; use exec or httpGet"},

    // ---- Security ----
    {"SecurityContext", "privileged", H, "a privileged container"},
    {"SecurityContext", "runAsUser", H, "the process's user"},
    {"SecurityContext", "runAsGroup", H, "the process's group"},
    {"SecurityContext", "runAsNonRoot", H, "refuses to start as root"},
    {"SecurityContext", "readOnlyRootFilesystem", H, "a read-only root filesystem"},
    {"SecurityContext", "allowPrivilegeEscalation", H, "false sets no_new_privs"},
    {"SecurityContext", "capabilities", H, "capabilities added and dropped"},
    {"SecurityContext", "seccompProfile", H, "the seccomp profile"},
    {"SecurityContext", "appArmorProfile", H, "the AppArmor profile"},
    {"SecurityContext", "seLinuxOptions", H, "the SELinux label"},
    {"SecurityContext", "procMount", H,
     "Default masks /proc paths; Unmasked is refused (it needs hostUsers: false)"},
    {"SecurityContext", "windowsOptions", C, "Windows only: ignored on Linux, as the kubelet does"},
    {"Capabilities", "add", H, "capabilities added"},
    {"Capabilities", "drop", H, "capabilities dropped"},
    {"SeccompProfile", "type", H, "RuntimeDefault, Unconfined or Localhost"},
    {"SeccompProfile", "localhostProfile", H, "Localhost: a profile file on the node"},
    {"AppArmorProfile", "type", H, "RuntimeDefault, Unconfined or Localhost"},
    {"AppArmorProfile", "localhostProfile", H, "Localhost: a profile loaded on the node"},
    {"SELinuxOptions", "user", H, "SELinux user"},
    {"SELinuxOptions", "role", H, "SELinux role"},
    {"SELinuxOptions", "type", H, "SELinux type"},
    {"SELinuxOptions", "level", H, "SELinux level"},
    {"PodSecurityContext", "runAsUser", H, "default user of the containers"},
    {"PodSecurityContext", "runAsGroup", H, "default group of the containers"},
    {"PodSecurityContext", "runAsNonRoot", H, "default for the containers"},
    {"PodSecurityContext", "fsGroup", H, "group owning the pod's volumes"},
    {"PodSecurityContext", "fsGroupChangePolicy", H, "Always or OnRootMismatch"},
    {"PodSecurityContext", "supplementalGroups", H, "extra groups of every container"},
    {"PodSecurityContext", "sysctls", H, "namespaced sysctls of the sandbox"},
    {"PodSecurityContext", "seccompProfile", H, "default seccomp profile"},
    {"PodSecurityContext", "appArmorProfile", H, "default AppArmor profile"},
    {"PodSecurityContext", "seLinuxOptions", H, "default SELinux label"},
    {"PodSecurityContext", "windowsOptions", C,
     "Windows only: ignored on Linux, as the kubelet does"},
    {"PodSecurityContext", "supplementalGroupsPolicy", R,
     "only supplementalGroupsPolicy: Merge (the image's groups are kept)", "Merge"},
    {"PodSecurityContext", "seLinuxChangePolicy", R,
     "SELinux relabelling policies are not implemented"},
    {"Sysctl", "name", H, "the sysctl name"},
    {"Sysctl", "value", H, "the sysctl value"},

    // ---- Volumes ----
    {"Volume", "name", H, "the volume name"},
    {"Volume", "hostPath", H, "a node path"},
    {"Volume", "emptyDir", H, "a pod-private folder or tmpfs"},
    {"Volume", "downwardAPI", H, "files holding pod fields"},
    {"Volume", "awsElasticBlockStore", R, kNoVolumePlugin},
    {"Volume", "azureDisk", R, kNoVolumePlugin},
    {"Volume", "azureFile", R, kNoVolumePlugin},
    {"Volume", "cephfs", R, kNoVolumePlugin},
    {"Volume", "cinder", R, kNoVolumePlugin},
    {"Volume", "configMap", R, kNoVolumePlugin},
    {"Volume", "csi", R, kNoVolumePlugin},
    {"Volume", "ephemeral", R, kNoVolumePlugin},
    {"Volume", "fc", R, kNoVolumePlugin},
    {"Volume", "flexVolume", R, kNoVolumePlugin},
    {"Volume", "flocker", R, kNoVolumePlugin},
    {"Volume", "gcePersistentDisk", R, kNoVolumePlugin},
    {"Volume", "gitRepo", R, kNoVolumePlugin},
    {"Volume", "glusterfs", R, kNoVolumePlugin},
    {"Volume", "image", R, kNoVolumePlugin},
    {"Volume", "iscsi", R, kNoVolumePlugin},
    {"Volume", "nfs", R, kNoVolumePlugin},
    {"Volume", "persistentVolumeClaim", R, kNoVolumePlugin},
    {"Volume", "photonPersistentDisk", R, kNoVolumePlugin},
    {"Volume", "portworxVolume", R, kNoVolumePlugin},
    {"Volume", "projected", R, kNoVolumePlugin},
    {"Volume", "quobyte", R, kNoVolumePlugin},
    {"Volume", "rbd", R, kNoVolumePlugin},
    {"Volume", "scaleIO", R, kNoVolumePlugin},
    {"Volume", "secret", R, kNoVolumePlugin},
    {"Volume", "storageos", R, kNoVolumePlugin},
    {"Volume", "vsphereVolume", R, kNoVolumePlugin},
    {"HostPathVolumeSource", "path", H, "the node path"},
    {"HostPathVolumeSource", "type", H, "checked before mounting"},
    {"EmptyDirVolumeSource", "medium", H, "disk or Memory (tmpfs); HugePages is refused"},
    {"EmptyDirVolumeSource", "sizeLimit", H,
     "tmpfs size; on disk kept for an eviction manager, not enforced yet"},
    {"DownwardAPIVolumeSource", "items", H, "the files"},
    {"DownwardAPIVolumeSource", "defaultMode", H, "file mode of items without a mode"},
    {"DownwardAPIVolumeFile", "path", H, "the file's relative path"},
    {"DownwardAPIVolumeFile", "fieldRef", H, "a metadata field"},
    {"DownwardAPIVolumeFile", "resourceFieldRef", H, "a container's limit or request"},
    {"DownwardAPIVolumeFile", "mode", H, "the file's mode"},

    // ---- DNS and hosts ----
    {"PodDNSConfig", "nameservers", H, "resolv.conf nameservers"},
    {"PodDNSConfig", "searches", H, "resolv.conf search domains"},
    {"PodDNSConfig", "options", H, "resolv.conf options"},
    {"PodDNSConfigOption", "name", H, "the option name"},
    {"PodDNSConfigOption", "value", H, "the option value"},
    {"HostAlias", "ip", H, "the address of the /etc/hosts line"},
    {"HostAlias", "hostnames", H, "the names of the /etc/hosts line"},
};

constexpr absl::string_view kStrictObjects[] = {
    "PodSpec",
    "PodOS",
    "Container",
    "SecurityContext",
    "PodSecurityContext",
    "Capabilities",
    "SeccompProfile",
    "AppArmorProfile",
    "SELinuxOptions",
    "Sysctl",
    "ResourceRequirements",
    "VolumeMount",
    "Volume",
    "HostPathVolumeSource",
    "EmptyDirVolumeSource",
    "DownwardAPIVolumeSource",
    "DownwardAPIVolumeFile",
    "ObjectFieldSelector",
    "ResourceFieldSelector",
};

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbours ("lables" is one edit from "labels") each cost one.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

absl::string_view ToString(FieldClass field_class) {
  switch (field_class) {
    case FieldClass::kHonoured:
      return "honoured";
    case FieldClass::kClusterOnly:
      return "cluster-only";
    case FieldClass::kRefused:
      return "not supported";
  }
  return "<invalid>";
}

absl::Span<const FieldRule> FieldPolicy() { return kRules; }

const FieldRule* FindFieldRule(absl::string_view object, absl::string_view field) {
  for (const FieldRule& rule : kRules) {
    if (rule.object == object && rule.field == field) return &rule;
  }
  return nullptr;
}

bool UnknownFieldsAlwaysRefused(absl::string_view object) {
  return std::find(std::begin(kStrictObjects), std::end(kStrictObjects), object) !=
         std::end(kStrictObjects);
}

std::optional<std::string> SuggestField(absl::string_view object, absl::string_view unknown) {
  const FieldRule* best = nullptr;
  size_t best_distance = 0;
  for (const FieldRule& rule : kRules) {
    if (rule.object != object) continue;
    if (absl::EqualsIgnoreCase(rule.field, unknown)) return std::string(rule.field);
    size_t distance = EditDistance(rule.field, unknown);
    if (best == nullptr || distance < best_distance) {
      best = &rule;
      best_distance = distance;
    }
  }
  // A typo: about one edit in four characters, at least one.
  if (best == nullptr || best_distance > std::max<size_t>(1, unknown.size() / 4)) {
    return std::nullopt;
  }
  return std::string(best->field);
}

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
