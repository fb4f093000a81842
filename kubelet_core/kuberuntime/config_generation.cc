#include "kubelet_core/kuberuntime/config_generation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kubelet_core/container/helpers.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "kubelet_core/kuberuntime/dns_config.h"
#include "kubelet_core/kuberuntime/downward_api.h"
#include "kubelet_core/kuberuntime/etc_hosts.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "kubelet_core/kuberuntime/security_context.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

constexpr int64_t kMinShares = 2;
constexpr int64_t kMaxShares = 262144;
constexpr int64_t kMinQuotaPeriod = 1000;
constexpr int64_t kQuotaPeriod = 100000;  // 100 ms in microseconds
constexpr int64_t kGuaranteedOOMScoreAdj = -997;
constexpr int64_t kBestEffortOOMScoreAdj = 1000;

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (b.empty()) return std::string(a);
  if (absl::EndsWith(a, "/")) return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

int64_t MilliValue(const std::optional<corev1::Quantity>& q) {
  if (!q) return 0;
  absl::StatusOr<int64_t> v = q->MilliValue();
  return v.ok() ? *v : 0;
}

int64_t Value(const std::optional<corev1::Quantity>& q) {
  if (!q) return 0;
  absl::StatusOr<int64_t> v = q->Value();
  return v.ok() ? *v : 0;
}

int64_t NodeMemory(const KubeRuntimeManagerOptions& options) {
  if (options.node_memory_capacity_bytes > 0) return options.node_memory_capacity_bytes;
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<int64_t>(pages) * page_size;
}

cri::NamespaceOption NamespacesForPod(const corev1::Pod& pod) {
  cri::NamespaceOption ns;
  ns.set_network(pod.spec.host_network ? cri::NamespaceMode::NODE : cri::NamespaceMode::POD);
  ns.set_ipc(pod.spec.host_ipc ? cri::NamespaceMode::NODE : cri::NamespaceMode::POD);
  if (pod.spec.host_pid) {
    ns.set_pid(cri::NamespaceMode::NODE);
  } else if (pod.spec.share_process_namespace.value_or(false)) {
    ns.set_pid(cri::NamespaceMode::POD);
  } else {
    ns.set_pid(cri::NamespaceMode::CONTAINER);
  }
  return ns;
}

cri::Protocol ToRuntimeProtocol(corev1::Protocol p) {
  switch (p) {
    case corev1::Protocol::kUDP:
      return cri::Protocol::UDP;
    case corev1::Protocol::kSCTP:
      return cri::Protocol::SCTP;
    case corev1::Protocol::kTCP:
      break;
  }
  return cri::Protocol::TCP;
}

absl::StatusOr<std::string> VolumeHostPath(const corev1::Volume& volume, const corev1::Pod& pod,
                                           const KubeRuntimeManagerOptions& options) {
  if (volume.host_path) {
    const std::string& path = volume.host_path->path;
    struct stat st;
    const bool exists = ::stat(path.c_str(), &st) == 0;
    switch (volume.host_path->type) {
      case corev1::HostPathType::kDirectoryOrCreate:
        if (!exists) {
          if (absl::Status made = MakeDirectories(path, 0755); !made.ok()) return made;
        } else if (!S_ISDIR(st.st_mode)) {
          return absl::FailedPreconditionError(
              absl::StrCat("hostPath ", path, " is not a directory"));
        }
        break;
      case corev1::HostPathType::kFileOrCreate:
        if (!exists) {
          size_t slash = path.rfind('/');
          if (slash != std::string::npos && slash > 0) {
            if (absl::Status made = MakeDirectories(path.substr(0, slash), 0755); !made.ok())
              return made;
          }
          int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
          if (fd < 0) {
            return absl::UnknownError(absl::StrCat("create ", path, ": ", std::strerror(errno)));
          }
          ::close(fd);
        } else if (!S_ISREG(st.st_mode)) {
          return absl::FailedPreconditionError(absl::StrCat("hostPath ", path, " is not a file"));
        }
        break;
      case corev1::HostPathType::kDirectory:
        if (!exists || !S_ISDIR(st.st_mode)) {
          return absl::FailedPreconditionError(
              absl::StrCat("hostPath type check failed: ", path, " is not a directory"));
        }
        break;
      case corev1::HostPathType::kFile:
        if (!exists || !S_ISREG(st.st_mode)) {
          return absl::FailedPreconditionError(
              absl::StrCat("hostPath type check failed: ", path, " is not a file"));
        }
        break;
      case corev1::HostPathType::kSocket:
        if (!exists || !S_ISSOCK(st.st_mode)) {
          return absl::FailedPreconditionError(
              absl::StrCat("hostPath type check failed: ", path, " is not a socket file"));
        }
        break;
      case corev1::HostPathType::kCharDevice:
        if (!exists || !S_ISCHR(st.st_mode)) {
          return absl::FailedPreconditionError(
              absl::StrCat("hostPath type check failed: ", path, " is not a character device"));
        }
        break;
      case corev1::HostPathType::kBlockDevice:
        if (!exists || !S_ISBLK(st.st_mode)) {
          return absl::FailedPreconditionError(
              absl::StrCat("hostPath type check failed: ", path, " is not a block device"));
        }
        break;
      case corev1::HostPathType::kUnset:
        break;
    }
    return path;
  }
  if (volume.empty_dir) return SetUpEmptyDir(volume, pod, options);
  if (volume.downward_api) return SetUpDownwardAPIVolume(volume, pod, options);
  return absl::InvalidArgumentError(absl::StrCat("volume ", volume.name, " has no source"));
}

cri::MountPropagation MountPropagationFor(std::optional<corev1::MountPropagationMode> mode) {
  if (!mode) return cri::MountPropagation::PROPAGATION_PRIVATE;
  switch (*mode) {
    case corev1::MountPropagationMode::kHostToContainer:
      return cri::MountPropagation::PROPAGATION_HOST_TO_CONTAINER;
    case corev1::MountPropagationMode::kBidirectional:
      return cri::MountPropagation::PROPAGATION_BIDIRECTIONAL;
    case corev1::MountPropagationMode::kNone:
      break;
  }
  return cri::MountPropagation::PROPAGATION_PRIVATE;
}

// An 8-hex-digit random name, as the kubelet names termination message files.
std::string RandomName() {
  static thread_local std::mt19937 rng(std::random_device{}());
  return absl::StrFormat("%08x", static_cast<uint32_t>(rng()));
}

}  // namespace

std::string RuntimeHandlerForPod(const corev1::Pod& pod, const KubeRuntimeManagerOptions& options) {
  if (!pod.spec.runtime_class_name || pod.spec.runtime_class_name->empty()) {
    return options.runtime_handler;
  }
  auto it = options.runtime_class_handlers.find(*pod.spec.runtime_class_name);
  return it == options.runtime_class_handlers.end() ? *pod.spec.runtime_class_name : it->second;
}

absl::StatusOr<cri::PodSandboxConfig> GeneratePodSandboxConfig(
    const corev1::Pod& pod, uint32_t attempt, const KubeRuntimeManagerOptions& options) {
  cri::PodSandboxConfig config;
  cri::PodSandboxMetadata* meta = config.mutable_metadata();
  meta->set_name(pod.metadata.name);
  meta->set_namespace_(pod.metadata.namespace_);
  meta->set_uid(pod.metadata.uid);
  meta->set_attempt(attempt);
  for (const auto& [k, v] : NewPodLabels(pod)) (*config.mutable_labels())[k] = v;
  for (const auto& [k, v] : NewPodAnnotations(pod)) (*config.mutable_annotations())[k] = v;

  if (!pod.spec.host_network) {
    absl::StatusOr<PodHostname> name = GeneratePodHostnameAndDomain(pod, options.cluster_domain);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> hostname = NodenameForKernel(*name, pod.spec.set_hostname_as_fqdn);
    if (!hostname.ok()) return hostname.status();
    config.set_hostname(*hostname);
  }
  config.set_log_directory(BuildPodLogsDirectory(options.pod_logs_root, pod.metadata.namespace_,
                                                 pod.metadata.name, pod.metadata.uid));
  absl::StatusOr<cri::DNSConfig> dns = PodDNSConfig(pod, options);
  if (!dns.ok()) return dns.status();
  *config.mutable_dns_config() = *std::move(dns);
  for (const corev1::Container& c : pod.spec.containers) {
    for (const corev1::ContainerPort& port : c.ports) {
      cri::PortMapping* mapping = config.add_port_mappings();
      mapping->set_protocol(ToRuntimeProtocol(port.protocol));
      mapping->set_container_port(port.container_port);
      mapping->set_host_port(port.host_port);
      mapping->set_host_ip(port.host_ip);
    }
  }

  cri::LinuxPodSandboxConfig* linux = config.mutable_linux();
  linux->set_cgroup_parent(options.cgroup_parent);
  absl::StatusOr<cri::LinuxSandboxSecurityContext> security = SandboxSecurityContext(pod, options);
  if (!security.ok()) return security.status();
  *linux->mutable_security_context() = *std::move(security);
  *linux->mutable_security_context()->mutable_namespace_options() = NamespacesForPod(pod);
  for (const corev1::Sysctl& s : pod.spec.security_context.sysctls) {
    (*linux->mutable_sysctls())[NormalizeSysctlName(s.name)] = s.value;
  }
  return config;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> MakeEnvironmentVariables(
    const corev1::Container& container, const corev1::Pod& pod,
    const KubeRuntimeManagerOptions& options, const ContainerContext& context) {
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, size_t> index;  // name -> position in `out`
  std::map<std::string, std::string> env;
  std::optional<DownwardAPIContext> downward;  // computed on first use (IPs, node capacity)
  auto downward_context = [&]() -> const DownwardAPIContext& {
    if (!downward) {
      downward.emplace();
      downward->pod_ips = context.pod_ips;
      downward->node_ips = NodeIPs(options);
      downward->allocatable = NodeAllocatableFor(options);
    }
    return *downward;
  };
  for (const corev1::EnvVar& e : container.env) {
    std::string value = e.value;
    if (!value.empty()) {
      value = ExpandEnv(value, env);
    } else if (e.value_from && e.value_from->field_ref) {
      absl::StatusOr<std::string> v =
          PodFieldValue(pod, *e.value_from->field_ref, downward_context());
      if (!v.ok()) {
        return absl::Status(v.status().code(),
                            absl::StrCat("env ", e.name, ": ", v.status().message()));
      }
      value = *std::move(v);
    } else if (e.value_from && e.value_from->resource_field_ref) {
      absl::StatusOr<std::string> v = ContainerResourceValue(
          *e.value_from->resource_field_ref, pod, &container, downward_context().allocatable);
      if (!v.ok()) {
        return absl::Status(v.status().code(),
                            absl::StrCat("env ", e.name, ": ", v.status().message()));
      }
      value = *std::move(v);
    }
    env[e.name] = value;
    auto [it, added] = index.emplace(e.name, out.size());
    if (added) {
      out.emplace_back(e.name, value);
    } else {
      out[it->second].second = value;  // a later definition wins, as the kubelet's map
    }
  }
  return out;
}

std::string ExpandEnv(absl::string_view text, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {  // "$$" is a literal '$'
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] == '(') {
      size_t close = text.find(')', i + 2);
      if (close != absl::string_view::npos) {
        std::string name(text.substr(i + 2, close - i - 2));
        auto it = env.find(name);
        if (it != env.end()) {
          out += it->second;
        } else {
          absl::StrAppend(&out, text.substr(i, close - i + 1));
        }
        i = close;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

QOSClass GetPodQOS(const corev1::Pod& pod) {
  bool any = false;
  bool guaranteed = true;
  for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
    for (const corev1::Container& c : *list) {
      const corev1::ResourceList& req = c.resources.requests;
      const corev1::ResourceList& lim = c.resources.limits;
      if (req.cpu || req.memory || lim.cpu || lim.memory) any = true;
      if (!lim.cpu || !lim.memory) {
        guaranteed = false;
        continue;
      }
      // Requests default to limits; any that differ make the pod burstable.
      if ((req.cpu && *req.cpu != *lim.cpu) || (req.memory && *req.memory != *lim.memory)) {
        guaranteed = false;
      }
    }
  }
  if (!any) return QOSClass::kBestEffort;
  return guaranteed ? QOSClass::kGuaranteed : QOSClass::kBurstable;
}

int64_t ContainerOOMScoreAdjust(const corev1::Pod& pod, const corev1::Container& container,
                                int64_t memory_capacity) {
  switch (GetPodQOS(pod)) {
    case QOSClass::kGuaranteed:
      return kGuaranteedOOMScoreAdj;
    case QOSClass::kBestEffort:
      return kBestEffortOOMScoreAdj;
    case QOSClass::kBurstable:
      break;
  }
  int64_t request = Value(container.resources.requests.memory);
  if (!container.resources.requests.memory) request = Value(container.resources.limits.memory);
  int64_t adjust = 1000;
  if (memory_capacity > 0) {
    adjust = 1000 - static_cast<int64_t>((static_cast<__int128>(1000) * request) / memory_capacity);
  }
  // Burstable stays above guaranteed and below best effort.
  if (adjust < 1000 + kGuaranteedOOMScoreAdj) return 1000 + kGuaranteedOOMScoreAdj;
  if (adjust >= kBestEffortOOMScoreAdj) return kBestEffortOOMScoreAdj - 1;
  return adjust;
}

int64_t MilliCPUToShares(int64_t milli_cpu) {
  if (milli_cpu == 0) return kMinShares;
  int64_t shares = milli_cpu * 1024 / 1000;
  return std::clamp(shares, kMinShares, kMaxShares);
}

int64_t MilliCPUToQuota(int64_t milli_cpu, int64_t period) {
  if (milli_cpu == 0) return 0;
  return std::max(milli_cpu * period / 1000, kMinQuotaPeriod);
}

absl::StatusOr<std::string> HugePageSizeName(absl::string_view resource) {
  absl::StatusOr<corev1::Quantity> size =
      corev1::ParseQuantity(resource.substr(std::min(resource.size(), kHugePagesPrefix.size())));
  absl::StatusOr<int64_t> bytes =
      size.ok() ? size->Value() : absl::StatusOr<int64_t>(size.status());
  if (!absl::StartsWith(resource, kHugePagesPrefix) || !bytes.ok() || *bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("resource ", resource, ": not a huge page size such as hugepages-2Mi"));
  }
  // The runtime's spelling: the size in the largest binary unit that keeps it whole ("2MB").
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  int64_t value = *bytes;
  size_t unit = 0;
  while (value % 1024 == 0 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1024;
    ++unit;
  }
  return absl::StrCat(value, kUnits[unit]);
}

absl::StatusOr<cri::ContainerConfig> GenerateContainerConfig(
    const corev1::Container& container, const corev1::Pod& pod, int restart_count,
    absl::string_view image_ref, const KubeRuntimeManagerOptions& options,
    const ContainerContext& context) {
  cri::ContainerConfig config;
  config.mutable_metadata()->set_name(container.name);
  config.mutable_metadata()->set_attempt(static_cast<uint32_t>(restart_count));
  config.mutable_image()->set_image(std::string(image_ref));
  config.mutable_image()->set_user_specified_image(container.image);
  config.mutable_image()->set_runtime_handler(RuntimeHandlerForPod(pod, options));

  // Environment first: values may refer to variables defined before them.
  std::map<std::string, std::string> env;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> envs =
      MakeEnvironmentVariables(container, pod, options, context);
  if (!envs.ok()) return envs.status();
  for (const auto& [name, value] : *envs) {
    env[name] = value;
    cri::KeyValue* kv = config.add_envs();
    kv->set_key(name);
    kv->set_value(value);
  }
  for (const std::string& c : container.command) config.add_command(ExpandEnv(c, env));
  for (const std::string& a : container.args) config.add_args(ExpandEnv(a, env));
  config.set_working_dir(container.working_dir);

  for (const auto& [k, v] : NewContainerLabels(container, pod)) {
    (*config.mutable_labels())[k] = v;
  }
  for (const auto& [k, v] : NewContainerAnnotations(container, pod, restart_count)) {
    (*config.mutable_annotations())[k] = v;
  }

  const std::string log_dir =
      BuildContainerLogsDirectory(options.pod_logs_root, pod.metadata.namespace_, pod.metadata.name,
                                  pod.metadata.uid, container.name);
  if (absl::Status made = MakeDirectories(log_dir, 0755); !made.ok()) {
    return absl::Status(made.code(), absl::StrCat("create container log directory for container ",
                                                  container.name, " failed: ", made.message()));
  }
  config.set_log_path(BuildContainerLogsPath(container.name, restart_count));
  config.set_stdin(container.stdin_open);
  config.set_stdin_once(container.stdin_once);
  config.set_tty(container.tty);

  // Volume mounts, then the managed /etc/hosts unless the container mounts its own.
  bool mount_etc_hosts = ShouldMountHostsFile(pod, context.pod_ips);
  for (const corev1::VolumeMount& m : container.volume_mounts) {
    if (m.mount_path == kEtcHostsPath) mount_etc_hosts = false;
    const corev1::Volume* volume = nullptr;
    for (const corev1::Volume& v : pod.spec.volumes) {
      if (v.name == m.name) volume = &v;
    }
    if (volume == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot find volume \"", m.name, "\" to mount into container \"", container.name, "\""));
    }
    std::string sub_path = m.sub_path;
    if (!m.sub_path_expr.empty()) {
      absl::StatusOr<std::string> expanded = ExpandSubPathExpr(m.sub_path_expr, env);
      if (!expanded.ok()) return expanded.status();
      sub_path = *std::move(expanded);
    }
    if (!sub_path.empty()) {
      if (absl::Status valid = ValidateSubPath(sub_path); !valid.ok()) return valid;
    }
    absl::StatusOr<std::string> host = VolumeHostPath(*volume, pod, options);
    if (!host.ok()) return host.status();
    std::string host_path = *host;
    if (!sub_path.empty()) {
      // Missing folders are created with the volume's mode (so fsGroup's g+rwx and setgid carry
      // over); links inside the volume are refused.
      struct stat volume_st;
      mode_t mode = 0755;
      if (::stat(host->c_str(), &volume_st) == 0) mode = volume_st.st_mode & 07777;
      absl::StatusOr<std::string> prepared = PrepareSubPath(*host, sub_path, mode);
      if (!prepared.ok()) {
        return absl::Status(prepared.status().code(),
                            absl::StrCat("volumeMount \"", m.name, "\" of container \"",
                                         container.name, "\": ", prepared.status().message()));
      }
      host_path = *std::move(prepared);
    }
    cri::Mount* mount = config.add_mounts();
    mount->set_host_path(host_path);
    mount->set_container_path(m.mount_path);
    // The kubelet mounts downwardAPI volumes read-only whatever the pod says: the agent rewrites
    // them, and must never follow what a container could put there.
    mount->set_readonly(m.read_only || volume->downward_api.has_value());
    mount->set_propagation(MountPropagationFor(m.mount_propagation));
  }
  if (mount_etc_hosts) {
    absl::StatusOr<std::string> hosts = EnsureHostsFile(pod, context.pod_ips, options);
    if (!hosts.ok()) return hosts.status();
    cri::Mount* mount = config.add_mounts();
    mount->set_host_path(*hosts);
    mount->set_container_path(std::string(kEtcHostsPath));
    mount->set_readonly(false);
    mount->set_selinux_relabel(true);
  }

  // The termination message file, mounted where the container writes its last words.
  if (!options.root_dir.empty() && !container.termination_message_path.empty()) {
    const std::string dir = JoinPath(
        options.root_dir, absl::StrCat("pods/", pod.metadata.uid, "/containers/", container.name));
    if (absl::Status made = MakeDirectories(dir, 0750); !made.ok()) return made;
    const std::string file = JoinPath(dir, RandomName());
    int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
      return absl::UnknownError(absl::StrCat("error on creating termination-log file ", file, ": ",
                                             std::strerror(errno)));
    }
    ::close(fd);
    ::chmod(file.c_str(), 0666);  // the container may run as any user
    cri::Mount* mount = config.add_mounts();
    mount->set_host_path(file);
    mount->set_container_path(container.termination_message_path);
  }

  // Resources.
  cri::LinuxContainerConfig* linux = config.mutable_linux();
  cri::LinuxContainerResources* res = linux->mutable_resources();
  int64_t cpu_request = MilliCPUToShares(0);
  const int64_t milli_request = MilliValue(container.resources.requests.cpu);
  const int64_t milli_limit = MilliValue(container.resources.limits.cpu);
  cpu_request =
      MilliCPUToShares(milli_request == 0 && milli_limit != 0 ? milli_limit : milli_request);
  res->set_cpu_shares(cpu_request);
  if (int64_t memory = Value(container.resources.limits.memory); memory != 0) {
    res->set_memory_limit_in_bytes(memory);
  }
  if (options.cpu_cfs_quota) {
    res->set_cpu_period(kQuotaPeriod);
    res->set_cpu_quota(MilliCPUToQuota(milli_limit, kQuotaPeriod));
  }
  res->set_oom_score_adj(ContainerOOMScoreAdjust(pod, container, NodeMemory(options)));
  for (const auto& [name, quantity] : container.resources.limits.other) {
    if (!absl::StartsWith(name, kHugePagesPrefix)) continue;
    absl::StatusOr<std::string> page_size = HugePageSizeName(name);
    absl::StatusOr<int64_t> limit = quantity.Value();
    if (!page_size.ok()) return page_size.status();
    if (!limit.ok()) return limit.status();
    cri::HugepageLimit* hugepages = res->add_hugepage_limits();
    hugepages->set_page_size(*page_size);
    hugepages->set_limit(*limit);
  }

  // Security context: the container's settings win over the pod's (security_context.h).
  absl::StatusOr<cri::LinuxContainerSecurityContext> security =
      ContainerSecurityContext(pod, container, context, options);
  if (!security.ok()) return security.status();
  *linux->mutable_security_context() = *std::move(security);
  *linux->mutable_security_context()->mutable_namespace_options() = NamespacesForPod(pod);
  return config;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
