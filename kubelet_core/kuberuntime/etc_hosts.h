// The /etc/hosts file the kubelet manages for a pod (<root_dir>/pods/<uid>/etc-hosts), and the
// pod's hostname and domain it is written from.
//
//   absl::StatusOr<PodHostname> name = GeneratePodHostnameAndDomain(pod, options.cluster_domain);
//   absl::StatusOr<std::string> path = EnsureHostsFile(pod, pod_ips, options);
//   // mount *path at /etc/hosts in every container that does not mount its own
//
// On the pod network the file lists localhost, the IPv6 names and each pod IP with the pod's
// hostname (and, with a subdomain, its FQDN first); host-network pods get the node's hosts file
// (options.etc_hosts_path) under a header. Both end with the pod's hostAliases. Thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_ETC_HOSTS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_ETC_HOSTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// Where the container sees the file.
inline constexpr absl::string_view kEtcHostsPath = "/etc/hosts";

struct PodHostname {
  std::string hostname;  // spec.hostname, else the pod's name; at most 63 characters
  std::string domain;    // <subdomain>.<namespace>.svc.<cluster domain>, or empty
};

// The kubelet's GeneratePodHostNameAndDomain: a hostname over 63 characters is cut and loses its
// trailing '-' and '.'; InvalidArgument when nothing is left.
absl::StatusOr<PodHostname> GeneratePodHostnameAndDomain(const corev1::Pod& pod,
                                                         absl::string_view cluster_domain);

// The sandbox's hostname: the FQDN (<hostname>.<domain>) with setHostnameAsFQDN and a domain,
// else the hostname. InvalidArgument when the FQDN is longer than 64 characters (the kernel's
// nodename field), with the kubelet's message.
absl::StatusOr<std::string> NodenameForKernel(const PodHostname& name,
                                              std::optional<bool> set_hostname_as_fqdn);

// The managed file for a pod on the pod network.
std::string ManagedHostsFileContent(const std::vector<std::string>& pod_ips,
                                    const PodHostname& name,
                                    const std::vector<corev1::HostAlias>& host_aliases);

// The node's hosts file (read from `node_hosts_path`) under the host-network header, then the
// aliases.
absl::StatusOr<std::string> NodeHostsFileContent(
    const std::string& node_hosts_path, const std::vector<corev1::HostAlias>& host_aliases);

// The hostAliases section ("" without aliases).
std::string HostsEntriesFromHostAliases(const std::vector<corev1::HostAlias>& host_aliases);

// Whether the kubelet mounts the managed file into the pod's containers: once the pod has an IP,
// or always on the host network.
bool ShouldMountHostsFile(const corev1::Pod& pod, const std::vector<std::string>& pod_ips);

// Writes <root_dir>/pods/<uid>/etc-hosts (mode 0644) for the pod and returns its path.
// FailedPrecondition without options.root_dir.
absl::StatusOr<std::string> EnsureHostsFile(const corev1::Pod& pod,
                                            const std::vector<std::string>& pod_ips,
                                            const KubeRuntimeManagerOptions& options);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_ETC_HOSTS_H_
