// nodeagent: a kubelet-like node agent that runs the pods of a manifest folder on any CRI runtime
// (containerd, CRI-O, ...) and keeps them as declared. See node_agent_runner.h and
// kubelet_core/agent/node_agent.h.
//
//   nodeagent --pod-manifest-path=/etc/krl/pods        # containerd's default socket
//   nodeagent --container-runtime-endpoint=fake:// --pod-manifest-path=examples/pods --port=0
//
// Prints one line on stdout once the status endpoints listen:
//   nodeagent: serving http://127.0.0.1:PORT (/healthz /pods /metrics)
// Log lines go to stderr. SIGTERM or SIGINT stops the agent and leaves the pods running; a new
// nodeagent adopts them. Flag names may be written with dashes or underscores.
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kubelet_core/flags/removed_flags.h"
#include "runtime/util/log.h"
#include "tools/common/flag_names.h"
#include "tools/dockerless/build_info.h"
#include "tools/nodeagent/node_agent_runner.h"

namespace {

constexpr char kVersion[] = "nodeagent 0.1.0";
constexpr char kDefaultRootDir[] = "/var/lib/krl-nodeagent";
constexpr char kDefaultPodLogsDir[] = "/var/log/pods";
// What fake:// uses unless the folders are given: no root needed, nothing under /var.
constexpr char kFakeStateDir[] = "/tmp/krl-nodeagent-fake";

}  // namespace

ABSL_FLAG(std::string, container_runtime_endpoint, "unix:///run/containerd/containerd.sock",
          "The CRI runtime's endpoint (unix:///path), or fake:// for the in-process fake runtime.");
ABSL_FLAG(std::string, image_service_endpoint, "",
          "The CRI image service's endpoint; empty means --container-runtime-endpoint.");
ABSL_FLAG(std::string, pod_manifest_path, "",
          "Folder of static pod manifests (YAML or JSON), watched for changes.");
ABSL_FLAG(std::string, root_dir, kDefaultRootDir,
          "The agent's state folder (termination messages, emptyDir volumes). With fake:// and "
          "no value given: /tmp/krl-nodeagent-fake/root.");
ABSL_FLAG(std::string, pod_logs_dir, kDefaultPodLogsDir,
          "Root of the container logs: <dir>/<namespace>_<pod>_<uid>/<container>/<n>.log. With "
          "fake:// and no value given: /tmp/krl-nodeagent-fake/logs.");
ABSL_FLAG(absl::Duration, runtime_request_timeout, absl::Minutes(2),
          "Deadline of every CRI call (pulls and stops get more).");
ABSL_FLAG(std::string, node_name, "", "The node's name; default: the host name, lower-cased.");
ABSL_FLAG(std::string, address, "127.0.0.1",
          "Address of the read-only status endpoints (/healthz /pods /metrics).");
ABSL_FLAG(int, port, 10255, "Port of the status endpoints; 0 picks a free one (printed).");
ABSL_FLAG(int, v, 0, "Log verbosity: 0 info and above, 2 or more adds debug lines.");

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "node";
  return absl::AsciiStrToLower(name);
}

int Main(int argc, char** argv) {
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
  config.node_name = absl::GetFlag(FLAGS_node_name);
  if (config.node_name.empty()) config.node_name = HostName();
  config.address = absl::GetFlag(FLAGS_address);
  config.port = absl::GetFlag(FLAGS_port);
  if (config.port < 0 || config.port > 65535) {
    std::cerr << "nodeagent: --port must be between 0 and 65535\n";
    return 2;
  }
  if (config.runtime_request_timeout <= absl::ZeroDuration()) {
    std::cerr << "nodeagent: --runtime-request-timeout must be positive\n";
    return 2;
  }
  if (config.runtime_endpoint == kFakeEndpoint) {
    if (config.root_dir == kDefaultRootDir) config.root_dir = absl::StrCat(kFakeStateDir, "/root");
    if (config.pod_logs_dir == kDefaultPodLogsDir) {
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

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info("stopping; pods keep running",
            {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*runner)->Stop();
  log::Info("nodeagent stopped");
  return 0;
}

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl

int main(int argc, char** argv) { return krl::tools::nodeagent::Main(argc, argv); }
