// NodeAgentRunner: everything the `nodeagent` binary runs, built from its flags: the CRI services
// (remote, or the in-process fakes for `fake://`), the NodeAgent, the manifest folder watch and
// the status endpoints.
//
//   NodeAgentConfig config;
//   config.runtime_endpoint = "fake://";  config.pod_manifest_path = "examples/pods";
//   auto runner = NodeAgentRunner::Start(config);   // ... (*runner)->Stop(); pods keep running
//
// Threads: Start and Stop from one thread (main); the pieces run their own threads.
#ifndef KRL_TOOLS_NODEAGENT_NODE_AGENT_RUNNER_H_
#define KRL_TOOLS_NODEAGENT_NODE_AGENT_RUNNER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kubelet_core/agent/node_agent.h"
#include "kubelet_core/agent/status_server.h"
#include "kubelet_core/config/static_pod_source.h"
#include "runtime/metrics/registry.h"
#include "runtime/remote/remote_services.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"
#include "tools/nodeagent/fake_container_scripts.h"

namespace krl {
namespace tools {
namespace nodeagent {

// The endpoint that selects the in-process fake runtime.
inline constexpr absl::string_view kFakeEndpoint = "fake://";

// The agent's flags, with the kubelet's defaults where it has them.
struct NodeAgentConfig {
  std::string runtime_endpoint = "unix:///run/containerd/containerd.sock";
  std::string image_endpoint;     // empty: runtime_endpoint
  std::string pod_manifest_path;  // empty: no static pods
  // false: an unknown manifest key outside the security and resource paths is logged, not refused.
  bool refuse_unknown_fields = true;
  std::string root_dir = "/var/lib/krl-nodeagent";
  std::string pod_logs_dir = "/var/log/pods";
  absl::Duration runtime_request_timeout = absl::Minutes(2);
  // The PLEG is unhealthy (/healthz, node not ready) when no relist succeeded for this long.
  absl::Duration pleg_relist_threshold = kubelet_core::pleg::GenericPLEG::kDefaultRelistThreshold;
  // How often dead containers and sandboxes are garbage collected (the kubelet's 1 minute).
  absl::Duration container_gc_period = absl::Minutes(1);
  int pod_workers = kubelet_core::agent::PodWorkers::kDefaultWorkers;
  std::string node_name;  // required
  std::string address = "127.0.0.1";
  int port = 10255;  // 0: any free port

  // What pods may ask of the node (the kubelet's flags of the same names).
  bool seccomp_default = false;
  std::vector<std::string> allowed_unsafe_sysctls;
  std::string resolv_conf = "/etc/resolv.conf";
  std::vector<std::string> cluster_dns;
  std::string cluster_domain = "cluster.local";
  std::vector<std::string> node_ips;  // empty: the host name's addresses
};

class NodeAgentRunner {
 public:
  // Connects to the runtime (fails after 10 s when it does not answer), starts the agent, the
  // status server and the manifest watch. Errors name what failed.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<NodeAgentRunner>> Start(
      const NodeAgentConfig& config);

  // Stop()s.
  ~NodeAgentRunner();
  NodeAgentRunner(const NodeAgentRunner&) = delete;
  NodeAgentRunner& operator=(const NodeAgentRunner&) = delete;

  // Stops the manifest watch, the status server and the agent; pods keep running. Idempotent.
  void Stop();

  // The status server's port.
  int port() const { return server_ == nullptr ? 0 : server_->port(); }
  kubelet_core::agent::NodeAgent& agent() { return *agent_; }
  bool fake() const { return fake_runtime_ != nullptr; }

 private:
  NodeAgentRunner() = default;

  runtime::metrics::Registry registry_;
  std::unique_ptr<testing::FakeImageService> fake_images_;
  std::unique_ptr<testing::FakeRuntimeService> fake_runtime_;
  runtime::remote::RemoteServices remote_;
  std::unique_ptr<kubelet_core::agent::NodeAgent> agent_;
  std::unique_ptr<kubelet_core::agent::StatusServer> server_;
  FakeContainerScripts scripts_;
  std::unique_ptr<kubelet_core::config::StaticPodSource> source_;
  bool stopped_ = false;
};

}  // namespace nodeagent
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_NODEAGENT_NODE_AGENT_RUNNER_H_
