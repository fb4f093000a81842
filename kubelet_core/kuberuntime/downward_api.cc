#include "kubelet_core/kuberuntime/downward_api.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

bool IsIPv6(absl::string_view ip) { return absl::StrContains(ip, ':'); }

std::string AddressString(const struct sockaddr* sa) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const struct sockaddr_in*>(sa)->sin_addr, buffer,
                sizeof(buffer));
  } else if (sa->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const struct sockaddr_in6*>(sa)->sin6_addr, buffer,
                sizeof(buffer));
  }
  return buffer;
}

bool IsLoopbackOrLinkLocal(const std::string& ip) {
  return absl::StartsWith(ip, "127.") || ip == "::1" || absl::StartsWith(ip, "fe80:") ||
         absl::StartsWith(ip, "169.254.");
}

// Go's strconv.Quote for the ASCII range; other bytes (UTF-8) are kept as they are.
std::string GoQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

// "metadata.labels['key']" -> key.
bool SubscriptOf(absl::string_view path, absl::string_view prefix, std::string* key) {
  if (!absl::ConsumePrefix(&path, prefix)) return false;
  if (!absl::ConsumePrefix(&path, "['") || !absl::ConsumeSuffix(&path, "']")) return false;
  *key = std::string(path);
  return true;
}

std::string Lookup(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// Integer ceil(a / b) for b > 0, as the kubelet's float ceil for the values it sees.
int64_t CeilDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a > 0) == (b > 0))) ++q;
  return q;
}

const corev1::Container* FindContainer(const corev1::Pod& pod, const std::string& name) {
  for (const corev1::Container& c : pod.spec.containers) {
    if (c.name == name) return &c;
  }
  for (const corev1::Container& c : pod.spec.init_containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

NodeAllocatable NodeAllocatableFor(const KubeRuntimeManagerOptions& options) {
  NodeAllocatable node;
  node.milli_cpu = options.node_cpu_capacity_millis;
  if (node.milli_cpu <= 0) {
    long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    node.milli_cpu = cpus > 0 ? static_cast<int64_t>(cpus) * 1000 : 0;
  }
  node.memory = options.node_memory_capacity_bytes;
  if (node.memory <= 0) {
    long pages = ::sysconf(_SC_PHYS_PAGES);
    long page_size = ::sysconf(_SC_PAGESIZE);
    node.memory = pages > 0 && page_size > 0 ? static_cast<int64_t>(pages) * page_size : 0;
  }
  node.ephemeral_storage = options.node_ephemeral_storage_capacity_bytes;
  if (node.ephemeral_storage <= 0) {
    struct statvfs fs;
    const std::string path = options.root_dir.empty() ? "/" : options.root_dir;
    if (::statvfs(path.c_str(), &fs) == 0 || ::statvfs("/", &fs) == 0) {
      node.ephemeral_storage = static_cast<int64_t>(fs.f_blocks) * fs.f_frsize;
    }
  }
  return node;
}

std::vector<std::string> NodeIPs(const KubeRuntimeManagerOptions& options) {
  if (!options.node_ips.empty()) return options.node_ips;
  std::vector<std::string> ips;
  std::set<std::string> seen;
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) == 0) {
    struct addrinfo hints = {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* result = nullptr;
    if (::getaddrinfo(host, nullptr, &hints, &result) == 0) {
      for (struct addrinfo* a = result; a != nullptr; a = a->ai_next) {
        std::string ip = AddressString(a->ai_addr);
        if (!ip.empty() && !IsLoopbackOrLinkLocal(ip) && seen.insert(ip).second) {
          ips.push_back(ip);
        }
      }
      ::freeaddrinfo(result);
    }
  }
  if (!ips.empty()) return ips;
  struct ifaddrs* addrs = nullptr;
  if (::getifaddrs(&addrs) == 0) {
    for (struct ifaddrs* a = addrs; a != nullptr; a = a->ifa_next) {
      if (a->ifa_addr == nullptr || (a->ifa_flags & IFF_UP) == 0 ||
          (a->ifa_flags & IFF_LOOPBACK) != 0) {
        continue;
      }
      std::string ip = AddressString(a->ifa_addr);
      if (!ip.empty() && !IsLoopbackOrLinkLocal(ip) && seen.insert(ip).second) ips.push_back(ip);
    }
    ::freeifaddrs(addrs);
  }
  return ips;
}

std::vector<std::string> HostNetworkPodIPs(const KubeRuntimeManagerOptions& options) {
  std::vector<std::string> node = NodeIPs(options);
  std::vector<std::string> out;
  if (node.empty()) return out;
  out.push_back(node[0]);
  for (size_t i = 1; i < node.size(); ++i) {
    if (IsIPv6(node[i]) != IsIPv6(node[0])) {
      out.push_back(node[i]);
      break;
    }
  }
  return out;
}

std::string FormatDownwardAPIMap(const std::map<std::string, std::string>& m) {
  std::vector<std::string> lines;
  for (const auto& [k, v] : m) lines.push_back(absl::StrCat(k, "=", GoQuote(v)));
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<std::string> PodFieldValue(const corev1::Pod& pod,
                                          const corev1::ObjectFieldSelector& selector,
                                          const DownwardAPIContext& context) {
  if (!selector.api_version.empty() && selector.api_version != "v1") {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported pod version: ", selector.api_version));
  }
  const std::string& path = selector.field_path;
  std::string key;
  if (path == "metadata.name") return pod.metadata.name;
  if (path == "metadata.namespace") return pod.metadata.namespace_;
  if (path == "metadata.uid") return pod.metadata.uid;
  if (path == "metadata.labels") return FormatDownwardAPIMap(pod.metadata.labels);
  if (path == "metadata.annotations") return FormatDownwardAPIMap(pod.metadata.annotations);
  if (SubscriptOf(path, "metadata.labels", &key)) return Lookup(pod.metadata.labels, key);
  if (SubscriptOf(path, "metadata.annotations", &key)) {
    return Lookup(pod.metadata.annotations, key);
  }
  if (path == "spec.nodeName") return pod.spec.node_name;
  if (path == "spec.serviceAccountName") return pod.spec.service_account_name;
  if (path == "status.hostIP" || path == "status.hostIPs") {
    if (context.node_ips.empty()) {
      return absl::FailedPreconditionError("the node's IP is not known (status.hostIP)");
    }
    if (path == "status.hostIP") return context.node_ips.front();
    return absl::StrJoin(context.node_ips, ",");
  }
  if (path == "status.podIP") return context.pod_ips.empty() ? "" : context.pod_ips.front();
  if (path == "status.podIPs") return absl::StrJoin(context.pod_ips, ",");
  return absl::InvalidArgumentError(absl::StrCat("unsupported fieldPath: ", path));
}

absl::StatusOr<std::string> ContainerResourceValue(const corev1::ResourceFieldSelector& selector,
                                                   const corev1::Pod& pod,
                                                   const corev1::Container* container,
                                                   const NodeAllocatable& allocatable) {
  if (!selector.container_name.empty()) {
    container = FindContainer(pod, selector.container_name);
    if (container == nullptr) {
      return absl::NotFoundError(absl::StrCat("container ", selector.container_name, " not found"));
    }
  }
  if (container == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("resourceFieldRef ", selector.resource, " names no container"));
  }
  const corev1::ResourceRequirements& res = container->resources;
  absl::string_view resource = selector.resource;
  const bool is_limit = absl::ConsumePrefix(&resource, "limits.");
  if (!is_limit && !absl::ConsumePrefix(&resource, "requests.")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported container resource : ", selector.resource));
  }
  const bool cpu = resource == "cpu";
  std::optional<corev1::Quantity> limit;
  std::optional<corev1::Quantity> request;
  int64_t node_value = 0;
  if (cpu) {
    limit = res.limits.cpu;
    request = res.requests.cpu;
    node_value = allocatable.milli_cpu;
  } else if (resource == "memory") {
    limit = res.limits.memory;
    request = res.requests.memory;
    node_value = allocatable.memory;
  } else if (resource == "ephemeral-storage") {
    limit = res.limits.ephemeral_storage;
    request = res.requests.ephemeral_storage;
    node_value = allocatable.ephemeral_storage;
  } else if (absl::StartsWith(resource, "hugepages-")) {
    const std::string name(resource);
    if (auto it = res.limits.other.find(name); it != res.limits.other.end()) limit = it->second;
    if (auto it = res.requests.other.find(name); it != res.requests.other.end()) {
      request = it->second;
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported container resource : ", selector.resource));
  }
  // In units (bytes) or, for cpu, millicores.
  auto units = [cpu](const corev1::Quantity& q) { return cpu ? q.MilliValue() : q.Value(); };
  int64_t value = 0;
  if (is_limit) {
    if (limit && !limit->IsZero()) {
      absl::StatusOr<int64_t> v = units(*limit);
      if (!v.ok()) return v.status();
      value = *v;
    } else {
      value = node_value;  // hugepages have no node default: 0
    }
  } else {
    // The API server defaults a missing request to the limit of the spec.
    const std::optional<corev1::Quantity>& q = request ? request : limit;
    if (q) {
      absl::StatusOr<int64_t> v = units(*q);
      if (!v.ok()) return v.status();
      value = *v;
    }
  }
  int64_t divisor = cpu ? 1000 : 1;
  if (selector.divisor && !selector.divisor->IsZero()) {
    absl::StatusOr<int64_t> d = units(*selector.divisor);
    if (!d.ok()) return d.status();
    divisor = *d;
  }
  if (divisor <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid divisor ", selector.divisor->ToString(), " for ", selector.resource));
  }
  return absl::StrCat(CeilDiv(value, divisor));
}

absl::StatusOr<std::map<std::string, FileProjection>> DownwardAPIVolumePayload(
    const corev1::DownwardAPIVolumeSource& source, const corev1::Pod& pod,
    const NodeAllocatable& allocatable) {
  std::map<std::string, FileProjection> payload;
  std::vector<std::string> errors;
  DownwardAPIContext context;
  context.allocatable = allocatable;
  for (const corev1::DownwardAPIVolumeFile& item : source.items) {
    FileProjection file;
    file.mode = item.mode.value_or(source.default_mode);
    if (item.field_ref) {
      absl::StatusOr<std::string> v = PodFieldValue(pod, *item.field_ref, context);
      if (v.ok()) {
        file.data = *std::move(v);
      } else {
        errors.emplace_back(v.status().message());
      }
    } else if (item.resource_field_ref) {
      absl::StatusOr<std::string> v =
          ContainerResourceValue(*item.resource_field_ref, pod, nullptr, allocatable);
      if (v.ok()) {
        file.data = *std::move(v);
      } else {
        errors.emplace_back(v.status().message());
      }
    }
    payload[item.path] = std::move(file);
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  return payload;
}

absl::StatusOr<std::string> SetUpDownwardAPIVolume(const corev1::Volume& volume,
                                                   const corev1::Pod& pod,
                                                   const KubeRuntimeManagerOptions& options) {
  if (!volume.downward_api) {
    return absl::InvalidArgumentError(absl::StrCat("volume ", volume.name, " is not downwardAPI"));
  }
  if (options.root_dir.empty()) {
    return absl::FailedPreconditionError("downwardAPI volumes need the manager's root_dir");
  }
  absl::StatusOr<std::map<std::string, FileProjection>> payload =
      DownwardAPIVolumePayload(*volume.downward_api, pod, NodeAllocatableFor(options));
  if (!payload.ok()) {
    return absl::Status(payload.status().code(), absl::StrCat("downwardAPI volume \"", volume.name,
                                                              "\": ", payload.status().message()));
  }
  const std::string dir =
      PodVolumeDirectory(options, pod.metadata.uid, kDownwardAPIPluginDir, volume.name);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (absl::Status made = MakeDirectories(dir, 0750); !made.ok()) return made;
    ::chmod(dir.c_str(), 0777);
  }
  std::function<absl::Status(const std::string&)> set_perms;
  if (std::optional<int64_t> group = pod.spec.security_context.fs_group) {
    // The whole volume, as the kubelet: new files may sit outside the data folder.
    set_perms = [dir, group](const std::string&) {
      return SetVolumeOwnership(dir, *group, true, std::nullopt);
    };
  }
  absl::StatusOr<bool> written = WriteAtomically(dir, *payload, set_perms);
  if (!written.ok()) {
    return absl::Status(written.status().code(), absl::StrCat("downwardAPI volume \"", volume.name,
                                                              "\": ", written.status().message()));
  }
  return dir;
}

absl::Status UpdateDownwardAPIVolumes(const corev1::Pod& pod,
                                      const KubeRuntimeManagerOptions& options) {
  if (options.root_dir.empty()) return absl::OkStatus();
  std::vector<std::string> errors;
  for (const corev1::Volume& volume : pod.spec.volumes) {
    if (!volume.downward_api) continue;
    const std::string data = absl::StrCat(
        PodVolumeDirectory(options, pod.metadata.uid, kDownwardAPIPluginDir, volume.name), "/",
        kAtomicWriterDataDir);
    struct stat st;
    if (::lstat(data.c_str(), &st) != 0) continue;  // not set up yet
    absl::StatusOr<std::string> done = SetUpDownwardAPIVolume(volume, pod, options);
    if (!done.ok()) errors.emplace_back(done.status().message());
  }
  if (!errors.empty()) return absl::UnknownError(absl::StrJoin(errors, "; "));
  return absl::OkStatus();
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
