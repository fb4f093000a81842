// AgentTestEnv: a NodeAgent on the in-process CRI fakes and a fake clock, driven by hand (no
// threads of its own: each Step advances the clock, ticks the agent and waits for its workers and
// probes), with its log and state folders in a fresh temporary folder removed at destruction.
//
//   AgentTestEnv env;
//   NodeAgent& agent = env.Start();
//   agent.SetPods({pod});
//   env.Step();  // one second, one relist, the syncs it caused
//
// Tests derive from it to add their checks. Failures end the test through Catch2, so it is for
// use inside a test case only. Not thread safe; one per test.
#ifndef KRL_KUBELET_CORE_AGENT_AGENT_TEST_ENV_H_
#define KRL_KUBELET_CORE_AGENT_AGENT_TEST_ENV_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/agent/node_agent.h"
#include "runtime/metrics/registry.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace agent {

// A pod of one container `container` (image krl.test/busybox:1, `sleep 3600`), with host
// networking unless `host_network` is false, and a 1 s termination grace period.
corev1::Pod TestPod(const std::string& name, const std::string& uid, bool host_network = true,
                    const std::string& container = "app");

class AgentTestEnv {
 public:
  // The temporary folder is /tmp/<dir_prefix>-XXXXXX.
  explicit AgentTestEnv(absl::string_view dir_prefix = "krl-agent");
  virtual ~AgentTestEnv();
  AgentTestEnv(const AgentTestEnv&) = delete;
  AgentTestEnv& operator=(const AgentTestEnv&) = delete;

  // Options for an agent driven by hand on node "node-1", its folders in the temporary folder.
  NodeAgent::Options Options() const;

  // Creates and starts the agent (REQUIREs that it is created).
  NodeAgent& Start(NodeAgent::Options options);
  NodeAgent& Start() { return Start(Options()); }

  // Time passes by `d`; the agent ticks (relists) and its workers and probes settle.
  void Step(absl::Duration d = absl::Seconds(1));
  void Steps(int n);
  // Waits until the workers and probes are idle. A sync triggered between relists (by a probe
  // result) waits for a relist newer than the pod's previous sync: tiny ticks provide it. FAILs
  // the test when they are not idle after 200 of them.
  void Settle();

  testing::FakeClock& clock() { return clock_; }
  testing::FakeImageService& images() { return images_; }
  testing::FakeRuntimeService& runtime() { return runtime_; }
  runtime::metrics::Registry& registry() { return registry_; }
  NodeAgent& agent() { return *agent_; }
  void ResetAgent() { agent_.reset(); }

 private:
  std::string dir_;
  testing::FakeClock clock_;
  testing::FakeImageService images_;
  testing::FakeRuntimeService runtime_;
  runtime::metrics::Registry registry_;
  std::unique_ptr<NodeAgent> agent_;
};

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_AGENT_AGENT_TEST_ENV_H_
