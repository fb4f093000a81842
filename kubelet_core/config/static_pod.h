// Static pod defaults: what the kubelet adds to a pod it reads from a manifest file.
//
// A static pod has no API server to give it a uid, so one is derived from the pod itself, the
// node and the file: identical content on the same node and path gives the same uid (a restarted
// agent adopts its running pods), and any edit gives a new uid (the old pod is replaced).
//
//   corev1::Pod pod = decoded.front();                        // from DecodePodManifests
//   ApplyStaticPodDefaults("node-1", "/etc/krl/pods/web.yaml", &pod);
//   // pod.metadata.name == "web-node-1", annotations["kubernetes.io/config.hash"] == uid
//
// The kubelet's facts mirrored (pkg/kubelet/config/common.go, applyDefaults):
// - uid: hex MD5 of the decoded pod, then "host:<node name>", then "file:<path>"; a uid given in
//   the manifest is kept. The kubelet hashes its Go object dump; this hashes the pod's canonical
//   JSON (json_encoder.h, sorted keys), so whitespace, comments and key order never change it.
// - name: "<name>-<lower-case node name>"; namespace "default" when empty; spec.nodeName = node.
// - annotations: kubernetes.io/config.hash = uid, kubernetes.io/config.source = "file".
//   kubernetes.io/config.seen (when the pod was first seen) is set by StaticPodSource, which keeps
//   it stable while the pod is unchanged. kubernetes.io/config.mirror marks mirror pods in an API
//   server; a node without one has none, so it is never set.
// Thread safe (pure functions).
#ifndef KRL_KUBELET_CORE_CONFIG_STATIC_POD_H_
#define KRL_KUBELET_CORE_CONFIG_STATIC_POD_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace kubelet_core {
namespace config {

inline constexpr absl::string_view kConfigSourceAnnotation = "kubernetes.io/config.source";
inline constexpr absl::string_view kConfigHashAnnotation = "kubernetes.io/config.hash";
inline constexpr absl::string_view kConfigSeenAnnotation = "kubernetes.io/config.seen";
inline constexpr absl::string_view kConfigMirrorAnnotation = "kubernetes.io/config.mirror";
// The value of kConfigSourceAnnotation for pods from manifest files.
inline constexpr absl::string_view kFileSource = "file";

// The uid the kubelet would give `decoded` (a pod as DecodePodManifests returns it, before
// ApplyStaticPodDefaults) read from `file_path` on `node_name`: 32 lower-case hex digits.
std::string StaticPodUid(const corev1::Pod& decoded, absl::string_view node_name,
                         absl::string_view file_path);

// Sets uid (unless the manifest set one), name suffix, namespace, spec.nodeName, the hash and
// source annotations, and phase Pending on a decoded pod.
void ApplyStaticPodDefaults(absl::string_view node_name, absl::string_view file_path,
                            corev1::Pod* pod);

// OK when `node_name`, lower-cased, is a DNS-1123 subdomain (as node names are), so that the
// suffixed pod names stay valid; InvalidArgument naming the problem otherwise.
[[nodiscard]] absl::Status ValidateNodeName(absl::string_view node_name);

// Go's RFC 3339 with nanoseconds (trailing zeros dropped), in UTC: the format of config.seen.
std::string FormatSeenTime(absl::Time time);

}  // namespace config
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONFIG_STATIC_POD_H_
