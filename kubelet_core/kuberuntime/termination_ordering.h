// TerminationOrdering: the order KillPod stops a pod with sidecars in: app containers first (all
// at once), then the sidecars, the last-declared first, each once every container it waits for
// has stopped; nobody waits longer than its remaining grace period.
//
//   TerminationOrdering ordering(pod, running_names);
//   absl::Duration waited = ordering.WaitForTurn("proxy", absl::Seconds(grace));
//   ... StopContainer ...; ordering.ContainerTerminated("proxy");
//
// Thread safe: one mutex guards the terminated set; each container's kill runs on its own thread.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_TERMINATION_ORDERING_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_TERMINATION_ORDERING_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

class TerminationOrdering {
 public:
  // `running` names the containers being stopped; the others count as already stopped.
  TerminationOrdering(const corev1::Pod& pod, const std::vector<std::string>& running);

  // Blocks until every container `name` waits for has terminated, or `max_wait` (real time) has
  // passed. Returns how long it waited.
  absl::Duration WaitForTurn(absl::string_view name, absl::Duration max_wait);

  // `name` has stopped: containers waiting for it may go.
  void ContainerTerminated(absl::string_view name);

  // Who `name` waits for (for tests).
  std::vector<std::string> Prerequisites(absl::string_view name) const;

 private:
  mutable krl::Mutex mu_;
  std::map<std::string, std::vector<std::string>> prereqs_;  // written only in the constructor
  std::set<std::string> terminated_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_TERMINATION_ORDERING_H_
