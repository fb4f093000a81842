#include "kubelet_core/prober/results_cache.h"

#include <utility>

namespace krl {
namespace kubelet_core {
namespace prober {

ResultsCache::ResultsCache(Listener listener) : listener_(std::move(listener)) {}

bool ResultsCache::Set(const ProbeUpdate& update) {
  // Holding the listener lock across the store keeps delivery in the order of the stores.
  krl::MutexLock delivery(&listener_mu_);
  {
    krl::MutexLock lock(&mu_);
    auto [it, inserted] = results_.try_emplace({update.type, update.container_id}, update.result);
    if (!inserted) {
      if (it->second == update.result) return false;
      it->second = update.result;
    }
  }
  if (listener_) listener_(update);
  return true;
}

std::optional<ProbeResult> ResultsCache::Get(ProbeType type, absl::string_view container_id) const {
  krl::MutexLock lock(&mu_);
  auto it = results_.find({type, std::string(container_id)});
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

void ResultsCache::Remove(ProbeType type, absl::string_view container_id) {
  krl::MutexLock lock(&mu_);
  results_.erase({type, std::string(container_id)});
}

size_t ResultsCache::size() const {
  krl::MutexLock lock(&mu_);
  return results_.size();
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
