// ResultsCache: the latest probe result of every container, per probe type, with a listener that
// hears about every change.
//
//   ResultsCache cache([&](const ProbeUpdate& u) { agent.OnProbeUpdate(u); });
//   cache.Set(update);                                        // listener runs if the value changed
//   std::optional<ProbeResult> live = cache.Get(ProbeType::kLiveness, container_id);
//
// Like the kubelet's results manager (one per probe type there): Set reports an update only when
// the stored result of (type, container id) changes, including the first value of a new container.
// Remove forgets a container silently.
//
// Threads: any thread may call any method. `mu_` guards the table; `listener_mu_` is held while
// the listener runs, so listener calls never overlap and the updates of one (type, container) are
// delivered in the order they were set. The listener may call Get() but must not call Set().
#ifndef KRL_KUBELET_CORE_PROBER_RESULTS_CACHE_H_
#define KRL_KUBELET_CORE_PROBER_RESULTS_CACHE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "kubelet_core/prober/probe_types.h"

namespace krl {
namespace kubelet_core {
namespace prober {

class ResultsCache {
 public:
  using Listener = std::function<void(const ProbeUpdate& update)>;

  // `listener` may be empty.
  explicit ResultsCache(Listener listener = nullptr);

  // Stores update.result for (update.type, update.container_id); returns true and tells the
  // listener (on this thread) when that changed the stored value.
  bool Set(const ProbeUpdate& update);

  // nullopt when the container has no result of that type.
  std::optional<ProbeResult> Get(ProbeType type, absl::string_view container_id) const;

  void Remove(ProbeType type, absl::string_view container_id);

  size_t size() const;

 private:
  const Listener listener_;
  mutable krl::Mutex mu_ ABSL_ACQUIRED_AFTER(listener_mu_);
  std::map<std::pair<ProbeType, std::string>, ProbeResult> results_ ABSL_GUARDED_BY(mu_);
  krl::Mutex listener_mu_;
};

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_RESULTS_CACHE_H_
