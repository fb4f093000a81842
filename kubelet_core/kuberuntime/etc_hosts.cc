#include "kubelet_core/kuberuntime/etc_hosts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

constexpr size_t kMaxHostnameLength = 63;
constexpr size_t kMaxFQDNLength = 64;
constexpr absl::string_view kManagedHostsHeader = "# Kubernetes-managed hosts file.\n";
constexpr absl::string_view kManagedHostsHeaderWithHostNetwork =
    "# Kubernetes-managed hosts file (host network).\n";

}  // namespace

absl::StatusOr<PodHostname> GeneratePodHostnameAndDomain(const corev1::Pod& pod,
                                                         absl::string_view cluster_domain) {
  PodHostname name;
  name.hostname = pod.spec.hostname.empty() ? pod.metadata.name : pod.spec.hostname;
  if (name.hostname.size() > kMaxHostnameLength) {
    name.hostname.resize(kMaxHostnameLength);
    while (!name.hostname.empty() && (name.hostname.back() == '-' || name.hostname.back() == '.')) {
      name.hostname.pop_back();
    }
    if (name.hostname.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("hostname for pod \"", pod.metadata.name, "\" was invalid"));
    }
  }
  if (!pod.spec.subdomain.empty()) {
    name.domain =
        absl::StrCat(pod.spec.subdomain, ".", pod.metadata.namespace_, ".svc.", cluster_domain);
  }
  return name;
}

absl::StatusOr<std::string> NodenameForKernel(const PodHostname& name,
                                              std::optional<bool> set_hostname_as_fqdn) {
  if (name.domain.empty() || !set_hostname_as_fqdn.value_or(false)) return name.hostname;
  std::string fqdn = absl::StrCat(name.hostname, ".", name.domain);
  if (fqdn.size() > kMaxFQDNLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to construct FQDN from pod hostname and cluster domain, FQDN ", fqdn,
                     " is too long (", kMaxFQDNLength, " characters is the max, ", fqdn.size(),
                     " characters requested)"));
  }
  return fqdn;
}

std::string HostsEntriesFromHostAliases(const std::vector<corev1::HostAlias>& host_aliases) {
  if (host_aliases.empty()) return "";
  std::string out = "\n# Entries added by HostAliases.\n";
  for (const corev1::HostAlias& alias : host_aliases) {
    absl::StrAppend(&out, alias.ip, "\t", absl::StrJoin(alias.hostnames, "\t"), "\n");
  }
  return out;
}

std::string ManagedHostsFileContent(const std::vector<std::string>& pod_ips,
                                    const PodHostname& name,
                                    const std::vector<corev1::HostAlias>& host_aliases) {
  std::string out(kManagedHostsHeader);
  out +=
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  for (const std::string& ip : pod_ips) {
    if (name.domain.empty()) {
      absl::StrAppend(&out, ip, "\t", name.hostname, "\n");
    } else {
      absl::StrAppend(&out, ip, "\t", name.hostname, ".", name.domain, "\t", name.hostname, "\n");
    }
  }
  out += HostsEntriesFromHostAliases(host_aliases);
  return out;
}

absl::StatusOr<std::string> NodeHostsFileContent(
    const std::string& node_hosts_path, const std::vector<corev1::HostAlias>& host_aliases) {
  absl::StatusOr<std::string> node = ReadSmallFile(node_hosts_path, 16 << 20);
  if (!node.ok()) return node.status();
  return absl::StrCat(kManagedHostsHeaderWithHostNetwork, *node,
                      HostsEntriesFromHostAliases(host_aliases));
}

bool ShouldMountHostsFile(const corev1::Pod& pod, const std::vector<std::string>& pod_ips) {
  return !pod_ips.empty() || pod.spec.host_network;
}

absl::StatusOr<std::string> EnsureHostsFile(const corev1::Pod& pod,
                                            const std::vector<std::string>& pod_ips,
                                            const KubeRuntimeManagerOptions& options) {
  if (options.root_dir.empty()) {
    return absl::FailedPreconditionError("the managed /etc/hosts needs the manager's root_dir");
  }
  std::string content;
  if (pod.spec.host_network) {
    absl::StatusOr<std::string> node =
        NodeHostsFileContent(options.etc_hosts_path, pod.spec.host_aliases);
    if (!node.ok()) return node.status();
    content = *std::move(node);
  } else {
    absl::StatusOr<PodHostname> name = GeneratePodHostnameAndDomain(pod, options.cluster_domain);
    if (!name.ok()) return name.status();
    content = ManagedHostsFileContent(pod_ips, *name, pod.spec.host_aliases);
  }
  const std::string dir = PodDirectory(options, pod.metadata.uid);
  if (absl::Status made = MakeDirectories(dir, 0750); !made.ok()) return made;
  const std::string path = dir + "/etc-hosts";
  if (absl::Status written = WriteWholeFile(path, content, 0644); !written.ok()) return written;
  return path;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
