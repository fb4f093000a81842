// KubeRuntimeManagerOptions: how a KubeRuntimeManager lays out pods on the node and which
// defaults it applies. Every field has a working default (the kubelet's where it has one).
//
//   KubeRuntimeManagerOptions options;
//   options.pod_logs_root = "/var/log/pods";
//   options.crash_loop_backoff_initial = absl::Seconds(1);   // tests
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_MANAGER_OPTIONS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_MANAGER_OPTIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kubelet_core/container/pod_state_provider.h"
#include "kubelet_core/container/probe_results.h"
#include "runtime/metrics/registry.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

struct KubeRuntimeManagerOptions {
  // Container logs: <pod_logs_root>/<namespace>_<name>_<uid>/<container>/<restartCount>.log.
  std::string pod_logs_root = "/var/log/pods";
  // The agent's state folder: termination message files
  // (<root_dir>/pods/<uid>/containers/<name>/<random>), the managed hosts file
  // (<root_dir>/pods/<uid>/etc-hosts), emptyDir and downwardAPI volumes
  // (<root_dir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>, .../kubernetes.io~downward-api/
  // <name>). Empty: no termination message files and no /etc/hosts (volumes are refused).
  std::string root_dir = "/var/lib/kubelet";

  // The CRI runtime handler of pods without runtimeClassName ("" is the runtime's default).
  std::string runtime_handler;
  // runtimeClassName -> runtime handler. A class not listed is used as the handler name.
  std::map<std::string, std::string> runtime_class_handlers;
  // The cgroup parent of every sandbox (empty: the runtime's default).
  std::string cgroup_parent;
  // Enforce cpu limits with CFS quota (the kubelet's --cpu-cfs-quota, default true).
  bool cpu_cfs_quota = true;
  // Memory of the node, for the oom_score_adj of burstable containers, the downward API's
  // default memory limit and the size of medium-Memory emptyDirs; 0 reads the system's.
  int64_t node_memory_capacity_bytes = 0;
  // The node's cpu (millicores) and ephemeral storage (bytes), the downward API's defaults for
  // unset limits; 0: the online CPUs, the size of the file system holding root_dir.
  int64_t node_cpu_capacity_millis = 0;
  int64_t node_ephemeral_storage_capacity_bytes = 0;

  // Security profiles (the kubelet's --seccomp-default, off by default): containers and sandboxes
  // whose pod sets no seccompProfile run with the runtime's default profile instead of none.
  bool seccomp_default = false;
  // Where `seccompProfile.localhostProfile` paths are resolved; empty: <root_dir>/seccomp, the
  // kubelet's default.
  std::string seccomp_profile_root;

  // DNS for dnsPolicy ClusterFirst (the kubelet's --cluster-dns / --cluster-domain). With no
  // cluster DNS, ClusterFirst pods get the node's resolver like dnsPolicy Default.
  std::vector<std::string> cluster_dns;
  std::string cluster_domain = "cluster.local";
  // The node's resolver configuration, read for dnsPolicy Default (and ClusterFirst without
  // cluster DNS; its search domains also follow the cluster's) as the kubelet's --resolv-conf;
  // empty: nameserver 127.0.0.1 (::1 for an IPv6 node IP) and search ".", as the kubelet.
  std::string resolv_conf = "/etc/resolv.conf";
  // The node's hosts file, copied (with the pod's hostAliases) into host-network pods'
  // <root_dir>/pods/<uid>/etc-hosts.
  std::string etc_hosts_path = "/etc/hosts";
  // The node's IPs (the downward API's status.hostIP(s), and the pod IPs of host-network pods);
  // empty: KubeRuntimeManager::Create looks them up once (the host name's addresses, else the
  // interfaces').
  std::vector<std::string> node_ips;

  // CrashLoopBackOff: 10 s doubling to 300 s; reset after a container ran cleanly for twice the
  // maximum (10 minutes). Shorter values are for tests.
  absl::Duration crash_loop_backoff_initial = absl::Seconds(10);
  absl::Duration crash_loop_backoff_max = absl::Seconds(300);

  // The least grace a container gets in StopContainer, after its preStop hook (the kubelet: 2 s).
  int64_t minimum_grace_period_seconds = 2;
  // Bound of a postStart exec hook; zero means none, as the kubelet (a hung hook then blocks the
  // pod's sync until it ends).
  absl::Duration post_start_hook_timeout = absl::ZeroDuration();

  // Probe results (liveness/startup failures restart containers; readiness feeds the status).
  // Null: no prober; every probe counts as passed. Not owned.
  const container::ProbeResults* probes = nullptr;
  // Which pods the agent no longer has, for garbage collection. Null: no pod is ever considered
  // gone, so only the GC policy removes dead containers. Not owned.
  const container::PodStateProvider* pod_state = nullptr;
  // Where the manager's counters go (what its bounds cut, see limits.h). Null: a private
  // registry. Not owned.
  runtime::metrics::Registry* registry = nullptr;
};

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_KUBE_RUNTIME_MANAGER_OPTIONS_H_
