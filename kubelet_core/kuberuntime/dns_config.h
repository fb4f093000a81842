// The DNS configuration of a pod's sandbox (CRI DNSConfig), as the kubelet forms it from the
// pod's dnsPolicy and dnsConfig, the node's resolv.conf and the cluster DNS settings.
//
//   ResolvConf host = ParseResolvConf(ReadFile("/etc/resolv.conf"));
//   absl::StatusOr<cri::DNSConfig> dns = PodDNSConfig(pod, options);
//   if (dns.ok()) *sandbox_config.mutable_dns_config() = *dns;
//
// Policies: None starts from nothing; ClusterFirst (ClusterFirstWithHostNet for host-network pods)
// uses options.cluster_dns as the only servers, the cluster's search domains before the node's
// and `ndots:5`; without cluster DNS, and for Default (and ClusterFirst on the host network), the
// node's resolv.conf (options.resolv_conf; empty: 127.0.0.1 and the search "." as the kubelet).
// The pod's dnsConfig is then merged (duplicates dropped, options by name, the pod's win) and the
// result cut to the kubelet's limits (3 servers; 32 searches, each at most 253 characters,
// 2048 characters in all), with a warning logged when something was cut. Pure functions apart
// from reading options.resolv_conf; thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_DNS_CONFIG_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_DNS_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// The kubelet's limits on what a pod's resolv.conf may hold.
inline constexpr size_t kMaxDNSNameservers = 3;
inline constexpr size_t kMaxDNSSearchPaths = 32;
inline constexpr size_t kMaxDNSSearchListChars = 2048;
inline constexpr size_t kMaxDNSSearchPathLength = 253;  // a DNS-1123 subdomain
// resolv.conf files longer than this are refused (the kubelet's bound).
inline constexpr size_t kMaxResolvConfLength = 10 << 20;

struct ResolvConf {
  std::vector<std::string> nameservers;  // every `nameserver` line, in order
  std::vector<std::string> searches;     // the last `search` line, trailing dots removed
  std::vector<std::string> options;      // the last `options` line
};

// Parses resolv.conf text as the kubelet does: `#` comment lines skipped, fields split on
// whitespace. InvalidArgument for a `nameserver` line without an address (what it parsed is
// still returned through `parsed` when not null).
absl::StatusOr<ResolvConf> ParseResolvConf(absl::string_view text, ResolvConf* parsed = nullptr);

// Reads and parses `path` (at most kMaxResolvConfLength bytes).
absl::StatusOr<ResolvConf> ReadResolvConf(const std::string& path);

// The search list cut to the kubelet's limits; `cut` (if not null) says whether anything was.
std::vector<std::string> FitDNSSearches(std::vector<std::string> searches, bool* cut = nullptr);
// The first kMaxDNSNameservers servers; `cut` as above.
std::vector<std::string> FitDNSNameservers(std::vector<std::string> servers, bool* cut = nullptr);

// The sandbox's DNS config for `pod`. Fails when options.resolv_conf cannot be read or parsed.
absl::StatusOr<cri::DNSConfig> PodDNSConfig(const corev1::Pod& pod,
                                            const KubeRuntimeManagerOptions& options);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_DNS_CONFIG_H_
