// The downward API: what a pod learns about itself, through env (valueFrom.fieldRef /
// resourceFieldRef) and downwardAPI volumes, as the kubelet computes it.
//
//   DownwardAPIContext ctx{pod_ips, NodeIPs(options), NodeAllocatableFor(options)};
//   absl::StatusOr<std::string> v = PodFieldValue(pod, {"v1", "metadata.labels['app']"}, ctx);
//   absl::Status ok = UpdateDownwardAPIVolumes(pod, options);  // on every sync
//
// Fields: metadata.name, .namespace, .uid, .labels, .annotations (the whole map, one
// `key="value"` line each, sorted), .labels['k'], .annotations['k'], spec.nodeName,
// spec.serviceAccountName, status.hostIP(s), status.podIP(s) (the plural comma-joined).
// Resources: limits.cpu / requests.cpu in units of the divisor (default 1 core), memory,
// ephemeral-storage and hugepages-<size> in units of the divisor (default 1 byte), rounded up;
// an unset limit is the node's allocatable amount, an unset request the limit from the spec or 0.
// Thread safe; the volume functions write under <root_dir>/pods/<uid>/volumes.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_DOWNWARD_API_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_DOWNWARD_API_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/kuberuntime/atomic_writer.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// What the node offers pods (limits default to it).
struct NodeAllocatable {
  int64_t milli_cpu = 0;
  int64_t memory = 0;
  int64_t ephemeral_storage = 0;
};

// options.node_*_capacity, else the machine's: online CPUs, physical memory, the size of the
// file system holding options.root_dir.
NodeAllocatable NodeAllocatableFor(const KubeRuntimeManagerOptions& options);

// options.node_ips, else the addresses the host name resolves to (loopback skipped), else the
// first address of each family on an up, non-loopback interface. Empty when none is found.
std::vector<std::string> NodeIPs(const KubeRuntimeManagerOptions& options);

// The IPs a host-network pod has, as the kubelet reports them: the node's first IP, and the first
// of the other family when there is one.
std::vector<std::string> HostNetworkPodIPs(const KubeRuntimeManagerOptions& options);

struct DownwardAPIContext {
  std::vector<std::string> pod_ips;   // primary first
  std::vector<std::string> node_ips;  // primary first
  NodeAllocatable allocatable;
};

// A map as the downward API writes it: sorted `key="value"` lines (Go-quoted), no final newline.
std::string FormatDownwardAPIMap(const std::map<std::string, std::string>& m);

// The value of a fieldRef. InvalidArgument for an unsupported apiVersion or path;
// FailedPrecondition for status.hostIP(s) when the node has no IP.
absl::StatusOr<std::string> PodFieldValue(const corev1::Pod& pod,
                                          const corev1::ObjectFieldSelector& selector,
                                          const DownwardAPIContext& context);

// The value of a resourceFieldRef: of `container` when selector.container_name is empty, else of
// the pod's container (app or init) of that name (NotFound if none).
absl::StatusOr<std::string> ContainerResourceValue(const corev1::ResourceFieldSelector& selector,
                                                   const corev1::Pod& pod,
                                                   const corev1::Container* container,
                                                   const NodeAllocatable& allocatable);

// The files of a downwardAPI volume (path -> content and mode).
absl::StatusOr<std::map<std::string, FileProjection>> DownwardAPIVolumePayload(
    const corev1::DownwardAPIVolumeSource& source, const corev1::Pod& pod,
    const NodeAllocatable& allocatable);

// Writes the volume's files under <root_dir>/pods/<uid>/volumes/kubernetes.io~downward-api/<name>
// (atomically; with the pod's fsGroup, group-owned and group-readable) and returns that folder.
absl::StatusOr<std::string> SetUpDownwardAPIVolume(const corev1::Volume& volume,
                                                   const corev1::Pod& pod,
                                                   const KubeRuntimeManagerOptions& options);

// Rewrites the files of every downwardAPI volume of the pod whose folder exists and whose content
// changed (labels and annotations can change without restarting containers). Called on each
// sync; volumes not set up yet are left to container creation.
absl::Status UpdateDownwardAPIVolumes(const corev1::Pod& pod,
                                      const KubeRuntimeManagerOptions& options);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_DOWNWARD_API_H_
