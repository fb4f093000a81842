#include "kubelet_core/agent/agent_test_env.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace agent {

corev1::Pod TestPod(const std::string& name, const std::string& uid, bool host_network,
                    const std::string& container) {
  corev1::Pod pod;
  pod.metadata.name = name;
  pod.metadata.uid = uid;
  pod.spec.host_network = host_network;
  pod.spec.termination_grace_period_seconds = 1;
  corev1::Container& c = pod.spec.containers.emplace_back();
  c.name = container;
  c.image = "krl.test/busybox:1";
  c.command = {"sleep", "3600"};
  return pod;
}

AgentTestEnv::AgentTestEnv(absl::string_view dir_prefix)
    : images_(clock_), runtime_(clock_, &images_) {
  std::string pattern = absl::StrCat("/tmp/", dir_prefix, "-XXXXXX");
  const char* dir = mkdtemp(pattern.data());
  REQUIRE(dir != nullptr);
  dir_ = dir;
}

AgentTestEnv::~AgentTestEnv() {
  agent_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

NodeAgent::Options AgentTestEnv::Options() const {
  NodeAgent::Options options;
  options.node_name = "node-1";
  options.run_threads = false;
  options.runtime_manager.pod_logs_root = dir_ + "/logs";
  options.runtime_manager.root_dir = dir_ + "/root";
  return options;
}

NodeAgent& AgentTestEnv::Start(NodeAgent::Options options) {
  absl::StatusOr<std::unique_ptr<NodeAgent>> agent =
      NodeAgent::Create(options, runtime_, images_, clock_, &registry_);
  REQUIRE(agent.ok());
  agent_ = *std::move(agent);
  agent_->Start();
  return *agent_;
}

void AgentTestEnv::Step(absl::Duration d) {
  clock_.Advance(d);
  agent_->Tick();
  Settle();
}

void AgentTestEnv::Steps(int n) {
  for (int i = 0; i < n; ++i) Step();
}

void AgentTestEnv::Settle() {
  for (int i = 0; i < 200; ++i) {
    if (agent_->WaitForWorkersIdle(absl::Milliseconds(20)) &&
        agent_->probe_manager().WaitForIdle() &&
        agent_->WaitForWorkersIdle(absl::Milliseconds(20))) {
      return;
    }
    clock_.Advance(absl::Milliseconds(1));
    agent_->Tick();
  }
  FAIL("the agent did not settle");
}

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
