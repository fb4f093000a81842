// PodStateProvider: what garbage collection asks the agent about pods it finds in the runtime.
//
//   class Pods : public container::PodStateProvider { ... };  // the agent's pod manager
//   bool gone = provider.ShouldPodContentBeRemoved(uid);        // deleted: remove everything
//
// Called from the garbage collection thread; implementations are thread safe.
#ifndef KRL_KUBELET_CORE_CONTAINER_POD_STATE_PROVIDER_H_
#define KRL_KUBELET_CORE_CONTAINER_POD_STATE_PROVIDER_H_

#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace container {

class PodStateProvider {
 public:
  virtual ~PodStateProvider() = default;

  // The pod was deleted (or is unknown to the agent): its dead containers, sandboxes and log
  // folders may all go.
  virtual bool ShouldPodContentBeRemoved(absl::string_view uid) const = 0;
  // The pod is terminated but not deleted: its runtime objects may go when GC is asked to
  // evict non-deleted pods.
  virtual bool ShouldPodRuntimeBeRemoved(absl::string_view uid) const = 0;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_POD_STATE_PROVIDER_H_
