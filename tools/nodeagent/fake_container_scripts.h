// FakeContainerScripts: how `nodeagent --container-runtime-endpoint=fake://` makes the in-process
// fake runtime behave like the containers of the manifests, without running any process.
//
//   FakeContainerScripts scripts;
//   scripts.Apply(pods, fake_runtime);   // before agent.SetPods(pods), on every snapshot
//
// The fake runs no program, so it reads each container's command (command + args; for
// `sh -c SCRIPT` the script) and scripts the fake's containers of that name
// (FakeRuntimeService::ScriptContainer):
// - A command ending in `exit N` exits with N; `false` exits with 1 and `true` with 0; an init
//   container that is not a sidecar exits with 0 (its work is done). Such a container exits after
//   the first `sleep S` of the command (S seconds), or after 1 s without one.
// - Every other container runs until it is stopped.
// - The text of each `echo` in the command is written to the container's log when it starts.
// Exec commands (probes, hooks) succeed in the fake. Scripts are keyed by container name in the
// fake, so two pods with a same-named container but different commands share the script of the
// last one (a warning says so): give containers distinct names in fake mode.
//
// Not thread safe: call it from the pod source's callback only.
#ifndef KRL_TOOLS_NODEAGENT_FAKE_CONTAINER_SCRIPTS_H_
#define KRL_TOOLS_NODEAGENT_FAKE_CONTAINER_SCRIPTS_H_

#include <map>
#include <string>
#include <vector>

#include "api/core/v1/pod.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace tools {
namespace nodeagent {

class FakeContainerScripts {
 public:
  // The script for one container (`init`: it is a non-sidecar init container).
  static testing::FakeRuntimeService::ContainerScript ScriptFor(const corev1::Container& container,
                                                                bool init);

  // Scripts every container of `pods` on `runtime`.
  void Apply(const std::vector<corev1::PodPtr>& pods, testing::FakeRuntimeService& runtime);
  void Apply(const std::vector<corev1::Pod>& pods, testing::FakeRuntimeService& runtime);

 private:
  // container name -> the pod whose script it got, and a summary of that script.
  std::map<std::string, std::pair<std::string, std::string>> applied_;
};

}  // namespace nodeagent
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_NODEAGENT_FAKE_CONTAINER_SCRIPTS_H_
