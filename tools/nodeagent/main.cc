// nodeagent: a kubelet-like node agent that runs the pods of a manifest folder on any CRI runtime
// (containerd, CRI-O, ...) and keeps them as declared. See node_agent_runner.h and
// kubelet_core/agent/node_agent.h.
//
//   nodeagent --pod-manifest-path=/etc/krl/pods        # containerd's default socket
//   nodeagent --container-runtime-endpoint=fake:// --pod-manifest-path=examples/pods --port=0
//
// Prints one line on stdout once the status endpoints listen:
//   nodeagent: serving http://127.0.0.1:PORT (/healthz /pods /metrics)
// Log lines go to stderr. SIGTERM or SIGINT stops the agent (within 10 s, even when the runtime
// hangs) and leaves the pods running; a new nodeagent adopts them. Flag names may be written with
// dashes or underscores.
#include <arpa/inet.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kubelet_core/agent/pod_workers.h"
#include "kubelet_core/flags/removed_flags.h"
#include "runtime/util/log.h"
#include "runtime/util/mutex.h"
#include "tools/common/flag_names.h"
#include "tools/dockerless/build_info.h"
#include "tools/nodeagent/node_agent_runner.h"

namespace {

constexpr char kVersion[] = "nodeagent 0.1.0";
// The flags' defaults are NodeAgentConfig's.
const krl::tools::nodeagent::NodeAgentConfig kDefaults;
// What fake:// uses unless the folders are given: no root needed, nothing under /var.
constexpr char kFakeStateDir[] = "/tmp/krl-nodeagent-fake";
// How long a stop may take before the process exits without waiting (see Main).
constexpr absl::Duration kStopGrace = absl::Seconds(10);

}  // namespace

ABSL_FLAG(std::string, container_runtime_endpoint, kDefaults.runtime_endpoint,
          "The CRI runtime's endpoint (unix:///path), or fake:// for the in-process fake runtime.");
ABSL_FLAG(std::string, image_service_endpoint, "",
          "The CRI image service's endpoint; empty means --container-runtime-endpoint.");
ABSL_FLAG(std::string, pod_manifest_path, "",
          "Folder of static pod manifests (YAML or JSON), watched for changes.");
ABSL_FLAG(std::string, root_dir, kDefaults.root_dir,
          "The agent's state folder (termination messages, emptyDir volumes). With fake:// and "
          "no value given: /tmp/krl-nodeagent-fake/root.");
ABSL_FLAG(std::string, pod_logs_dir, kDefaults.pod_logs_dir,
          "Root of the container logs: <dir>/<namespace>_<pod>_<uid>/<container>/<n>.log. With "
          "fake:// and no value given: /tmp/krl-nodeagent-fake/logs.");
ABSL_FLAG(absl::Duration, runtime_request_timeout, kDefaults.runtime_request_timeout,
          "Deadline of every CRI call (pulls and stops get more).");
ABSL_FLAG(absl::Duration, pleg_relist_threshold, kDefaults.pleg_relist_threshold,
          "The node is unhealthy (/healthz) and not ready when the PLEG has not relisted "
          "successfully for this long, e.g. while the runtime hangs.");
ABSL_FLAG(absl::Duration, container_gc_period, kDefaults.container_gc_period,
          "How often dead containers and sandboxes are garbage collected.");
ABSL_FLAG(int, pod_workers, kDefaults.pod_workers,
          "Pods synced or killed at the same time (the pod workers' threads). Starting many pods "
          "is bound by the CRI calls in flight; more workers also load the runtime more.");
ABSL_FLAG(std::string, node_name, "", "The node's name; default: the host name, lower-cased.");
ABSL_FLAG(std::string, address, kDefaults.address,
          "Address of the read-only status endpoints (/healthz /pods /metrics).");
ABSL_FLAG(int, port, kDefaults.port, "Port of the status endpoints; 0 picks a free one (printed).");
ABSL_FLAG(bool, refuse_unknown_fields, kDefaults.refuse_unknown_fields,
          "Refuse a manifest with a key the agent does not know (a typo, or a newer Kubernetes "
          "field), as kubectl --validate=strict. false: such a key is logged and ignored, except "
          "under spec, containers, securityContext, resources and volumes, where it is always "
          "refused.");
ABSL_FLAG(bool, seccomp_default, kDefaults.seccomp_default,
          "Run containers whose pod sets no seccompProfile with the runtime's default profile "
          "(RuntimeDefault) instead of unconfined.");
ABSL_FLAG(std::vector<std::string>, allowed_unsafe_sysctls, kDefaults.allowed_unsafe_sysctls,
          "Comma-separated unsafe sysctls (names, or prefixes ending in *) pods may set besides "
          "the safe ones; only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem, "
          "fs.mqueue.*) can be allowed. A pod asking for any other is refused (SysctlForbidden).");
ABSL_FLAG(std::string, resolv_conf, kDefaults.resolv_conf,
          "The resolver configuration pods with dnsPolicy Default inherit (nameservers, search "
          "domains, options); empty: nameserver 127.0.0.1 and search \".\", as the kubelet.");
ABSL_FLAG(std::vector<std::string>, cluster_dns, kDefaults.cluster_dns,
          "Comma-separated DNS server IPs for pods with dnsPolicy ClusterFirst; none: they get "
          "the node's resolver, as with dnsPolicy Default.");
ABSL_FLAG(std::string, cluster_domain, kDefaults.cluster_domain,
          "The cluster's DNS domain: ClusterFirst pods search <namespace>.svc.<domain>, "
          "svc.<domain> and <domain>.");
ABSL_FLAG(std::vector<std::string>, node_ip, kDefaults.node_ips,
          "Comma-separated IPs of the node (status.hostIP(s) in the downward API, the pod IPs of "
          "host-network pods); default: the host name's addresses.");
ABSL_FLAG(int, v, 0, "Log verbosity: 0 info and above, 2 or more adds debug lines.");

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

// Tunes glibc's allocator for a long-running agent whose live heap is a few tens of MB (about
// 29 MB at 1,000 pods of 5 containers) but sees bursts of short-lived allocations: a pod start
// parses and builds a dozen CRI messages, a /pods answer is megabytes. Called first, before any
// thread starts. Measured with tools/agent_bench at 1,000 pods: 90-110 MiB resident with glibc's
// defaults, 66 MiB with 2 arenas, 55 MiB with the fixed thresholds and the periodic trim
// (kMallocTrimSeconds) as well.
void ConfigureMalloc() {
  // glibc gives threads their own arenas, up to 8 per core, and an arena keeps what was freed in
  // it. The agent runs about 45 threads (pod workers, gRPC, probes, HTTP), mostly waiting on CRI
  // calls, so more arenas buy no speed, only copies of the same free memory.
  mallopt(M_ARENA_MAX, 2);
  // Fixed thresholds: glibc raises both after a large block is freed, after which multi-MB
  // temporaries are carved from the heap and stay resident.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
#ifdef NDEBUG
  // Abseil's lock-order checking, on in Debian's build, takes a process-wide lock in every mutex
  // acquisition; the tests keep it, an optimized agent does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

// How often the main thread hands free memory back to the kernel while it waits for a stop signal:
// malloc_trim releases the free pages inside the heap, which the top-of-heap trim cannot (about
// 10 MiB after 1,000 pods started). It walks the heap's free chunks once per period.
constexpr int kMallocTrimSeconds = 10;

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "node";
  return absl::AsciiStrToLower(name);
}

int Main(int argc, char** argv) {
  ConfigureMalloc();
  // First: a flag the kubelet removed with the dockershim gets its migration message.
  if (int code = kubelet_core::flags::RefuseRemovedFlags(argc, argv, std::cerr)) return code;

  absl::FlagsUsageConfig usage;
  usage.version_string = [] {
    return absl::StrCat(kVersion, "\n", tools::dockerless::BuildInfoLine(), "\n");
  };
  usage.normalize_filename = [](absl::string_view f) { return std::string(f); };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "Runs the pods of a manifest folder on a CRI runtime and keeps them as declared.\n"
      "  nodeagent --pod-manifest-path=DIR [--container-runtime-endpoint=unix:///...|fake://]");
  std::vector<std::string> args = ::krl::tools::NormalizeFlagNames(argc, argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(arg_pointers.size()), arg_pointers.data());
  if (rest.size() > 1) {
    std::cerr << "nodeagent: unexpected argument '" << rest[1] << "' (see --help)\n";
    return 2;
  }

  log::SetVerbosity(absl::GetFlag(FLAGS_v));

  NodeAgentConfig config;
  config.runtime_endpoint = absl::GetFlag(FLAGS_container_runtime_endpoint);
  config.image_endpoint = absl::GetFlag(FLAGS_image_service_endpoint);
  config.pod_manifest_path = absl::GetFlag(FLAGS_pod_manifest_path);
  config.root_dir = absl::GetFlag(FLAGS_root_dir);
  config.pod_logs_dir = absl::GetFlag(FLAGS_pod_logs_dir);
  config.runtime_request_timeout = absl::GetFlag(FLAGS_runtime_request_timeout);
  config.pleg_relist_threshold = absl::GetFlag(FLAGS_pleg_relist_threshold);
  config.container_gc_period = absl::GetFlag(FLAGS_container_gc_period);
  config.pod_workers = absl::GetFlag(FLAGS_pod_workers);
  config.node_name = absl::GetFlag(FLAGS_node_name);
  if (config.node_name.empty()) config.node_name = HostName();
  config.address = absl::GetFlag(FLAGS_address);
  config.refuse_unknown_fields = absl::GetFlag(FLAGS_refuse_unknown_fields);
  config.seccomp_default = absl::GetFlag(FLAGS_seccomp_default);
  config.allowed_unsafe_sysctls = absl::GetFlag(FLAGS_allowed_unsafe_sysctls);
  config.resolv_conf = absl::GetFlag(FLAGS_resolv_conf);
  config.cluster_dns = absl::GetFlag(FLAGS_cluster_dns);
  config.cluster_domain = absl::GetFlag(FLAGS_cluster_domain);
  config.node_ips = absl::GetFlag(FLAGS_node_ip);
  config.port = absl::GetFlag(FLAGS_port);
  for (const auto& [flag, ips] : {std::make_pair("--node-ip", &config.node_ips),
                                  std::make_pair("--cluster-dns", &config.cluster_dns)}) {
    for (const std::string& ip : *ips) {
      in6_addr address;
      if (inet_pton(AF_INET, ip.c_str(), &address) != 1 &&
          inet_pton(AF_INET6, ip.c_str(), &address) != 1) {
        std::cerr << "nodeagent: " << flag << ": \"" << ip << "\" is not an IP address\n";
        return 2;
      }
    }
  }
  if (config.port < 0 || config.port > 65535) {
    std::cerr << "nodeagent: --port must be between 0 and 65535\n";
    return 2;
  }
  if (config.pod_workers < 1 || config.pod_workers > 1024) {
    std::cerr << "nodeagent: --pod-workers must be between 1 and 1024\n";
    return 2;
  }
  if (config.runtime_request_timeout <= absl::ZeroDuration()) {
    std::cerr << "nodeagent: --runtime-request-timeout must be positive\n";
    return 2;
  }
  if (config.pleg_relist_threshold <= absl::ZeroDuration() ||
      config.container_gc_period <= absl::ZeroDuration()) {
    std::cerr << "nodeagent: --pleg-relist-threshold and --container-gc-period must be positive\n";
    return 2;
  }
  if (config.runtime_endpoint == kFakeEndpoint) {
    if (config.root_dir == kDefaults.root_dir)
      config.root_dir = absl::StrCat(kFakeStateDir, "/root");
    if (config.pod_logs_dir == kDefaults.pod_logs_dir) {
      config.pod_logs_dir = absl::StrCat(kFakeStateDir, "/logs");
    }
  }

  // The stop signals are blocked before any thread starts (every thread inherits the mask), so
  // only the sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  log::Info("nodeagent starting", {{"version", kVersion},
                                   {"runtime", config.runtime_endpoint},
                                   {"manifests", config.pod_manifest_path},
                                   {"node", config.node_name},
                                   {"pod_logs_dir", config.pod_logs_dir}});
  absl::StatusOr<std::unique_ptr<NodeAgentRunner>> runner = NodeAgentRunner::Start(config);
  if (!runner.ok()) {
    std::cerr << "nodeagent: " << runner.status().message() << "\n";
    return 1;
  }
  std::printf("nodeagent: serving http://%s:%d (/healthz /pods /metrics)\n", config.address.c_str(),
              (*runner)->port());
  std::fflush(stdout);

  int signal_number = -1;
  const timespec trim_period = {kMallocTrimSeconds, 0};
  while (signal_number < 0) {
    signal_number = sigtimedwait(&stop_signals, nullptr, &trim_period);
    if (signal_number < 0 && errno == EAGAIN) malloc_trim(0);
  }
  log::Info("stopping; pods keep running",
            {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  // A hung runtime holds every CRI call until its deadline (--runtime-request-timeout), and the
  // agent's threads (sync loop, PLEG, pod workers, probes) each finish their call before they end:
  // a clean stop could take many minutes. Nothing of the pods lives in this process (the next
  // agent adopts them, as after a crash), so the stop gets kStopGrace and then the process exits.
  krl::Notification stopped;
  std::thread stopper([&runner, &stopped] {
    runner->reset();  // Stop(), then every piece's destructor (they join their threads)
    stopped.Notify();
  });
  if (!stopped.WaitForNotificationWithTimeout(kStopGrace)) {
    log::Warning(
        "the agent did not stop in time (does the container runtime answer?); exiting "
        "without waiting; pods keep running",
        {{"waited", absl::FormatDuration(kStopGrace)}});
    std::fflush(nullptr);
    _exit(0);
  }
  stopper.join();
  log::Info("nodeagent stopped");
  return 0;
}

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl

int main(int argc, char** argv) { return krl::tools::nodeagent::Main(argc, argv); }
