#include "tools/nodeagent/node_agent_runner.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/remote/remote_options.h"
#include "runtime/util/clock.h"
#include "runtime/util/log.h"

namespace krl {
namespace tools {
namespace nodeagent {

absl::StatusOr<std::unique_ptr<NodeAgentRunner>> NodeAgentRunner::Start(
    const NodeAgentConfig& config) {
  if (config.node_name.empty()) return absl::InvalidArgumentError("--node-name is empty");
  std::unique_ptr<NodeAgentRunner> runner(new NodeAgentRunner());
  Clock& clock = RealClock::Get();

  runtime::RuntimeService* runtime_service = nullptr;
  runtime::ImageService* image_service = nullptr;
  if (config.runtime_endpoint == kFakeEndpoint) {
    runner->fake_images_ = std::make_unique<testing::FakeImageService>(clock);
    runner->fake_runtime_ =
        std::make_unique<testing::FakeRuntimeService>(clock, runner->fake_images_.get());
    runtime_service = runner->fake_runtime_.get();
    image_service = runner->fake_images_.get();
    log::Info("using the in-process fake runtime (fake://): containers run no process");
  } else {
    runtime::remote::RemoteOptions remote;
    remote.runtime_endpoint = config.runtime_endpoint;
    remote.image_endpoint = config.image_endpoint;
    remote.request_timeout = config.runtime_request_timeout;
    absl::StatusOr<runtime::remote::RemoteServices> services =
        runtime::remote::CreateRemoteServices(remote);
    if (!services.ok()) {
      return absl::Status(services.status().code(),
                          absl::StrCat("cannot reach the container runtime at ",
                                       config.runtime_endpoint, ": ", services.status().message()));
    }
    runner->remote_ = *std::move(services);
    runtime_service = runner->remote_.runtime.get();
    image_service = runner->remote_.image.get();
  }

  kubelet_core::agent::NodeAgent::Options options;
  options.node_name = config.node_name;
  options.pod_workers = config.pod_workers;
  options.runtime_manager.pod_logs_root = config.pod_logs_dir;
  options.runtime_manager.root_dir = config.root_dir;
  options.runtime_manager.seccomp_default = config.seccomp_default;
  options.runtime_manager.resolv_conf = config.resolv_conf;
  options.runtime_manager.cluster_dns = config.cluster_dns;
  options.runtime_manager.cluster_domain = config.cluster_domain;
  options.runtime_manager.node_ips = config.node_ips;
  options.allowed_unsafe_sysctls = config.allowed_unsafe_sysctls;
  // Without a CRI event stream (containerd 1.6) the evented PLEG relists as the generic one.
  options.pleg.generic.relist_threshold = config.pleg_relist_threshold;
  options.pleg.evented.relist_threshold = config.pleg_relist_threshold;
  options.container_gc_period = config.container_gc_period;
  absl::StatusOr<std::unique_ptr<kubelet_core::agent::NodeAgent>> agent =
      kubelet_core::agent::NodeAgent::Create(options, *runtime_service, *image_service, clock,
                                             &runner->registry_);
  if (!agent.ok()) return agent.status();
  runner->agent_ = *std::move(agent);
  runner->agent_->Start();

  runner->server_ = std::make_unique<kubelet_core::agent::StatusServer>(
      *runner->agent_, kubelet_core::agent::StatusServer::Options{config.address, config.port});
  if (absl::Status started = runner->server_->Start(); !started.ok()) return started;

  if (config.pod_manifest_path.empty()) {
    log::Info("no --pod-manifest-path: no static pods");
    runner->agent_->SetPods(std::vector<corev1::PodPtr>());
    return runner;
  }
  kubelet_core::config::StaticPodSource::Options source_options;
  source_options.manifest_dir = config.pod_manifest_path;
  source_options.node_name = config.node_name;
  source_options.refuse_unknown_fields = config.refuse_unknown_fields;
  NodeAgentRunner* self = runner.get();
  runner->source_ = std::make_unique<kubelet_core::config::StaticPodSource>(
      source_options, clock, [self](const std::vector<corev1::PodPtr>& pods) {
        if (self->fake_runtime_ != nullptr) self->scripts_.Apply(pods, *self->fake_runtime_);
        self->agent_->SetPods(pods);
      });
  if (absl::Status started = runner->source_->Start(); !started.ok()) return started;
  return runner;
}

NodeAgentRunner::~NodeAgentRunner() { Stop(); }

void NodeAgentRunner::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (source_ != nullptr) source_->Stop();
  if (server_ != nullptr) server_->Stop();
  if (agent_ != nullptr) agent_->Stop();
}

}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
