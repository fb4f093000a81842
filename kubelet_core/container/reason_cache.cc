#include "kubelet_core/container/reason_cache.h"

namespace krl {
namespace kubelet_core {
namespace container {

void ReasonCache::Update(absl::string_view pod_uid, const PodSyncResult& result) {
  for (const SyncResult& step : result.steps) {
    if (step.action != SyncAction::kStartContainer) continue;
    if (step.ok()) {
      Remove(pod_uid, step.target);
    } else {
      Add(pod_uid, step.target, Reason{step.error, step.message});
    }
  }
}

void ReasonCache::Add(absl::string_view pod_uid, absl::string_view container, Reason reason) {
  krl::MutexLock lock(&mu_);
  reasons_[{std::string(pod_uid), std::string(container)}] = std::move(reason);
}

void ReasonCache::Remove(absl::string_view pod_uid, absl::string_view container) {
  krl::MutexLock lock(&mu_);
  reasons_.erase({std::string(pod_uid), std::string(container)});
}

void ReasonCache::RemovePod(absl::string_view pod_uid) {
  krl::MutexLock lock(&mu_);
  auto it = reasons_.lower_bound({std::string(pod_uid), std::string()});
  while (it != reasons_.end() && it->first.first == pod_uid) it = reasons_.erase(it);
}

std::optional<ReasonCache::Reason> ReasonCache::Get(absl::string_view pod_uid,
                                                    absl::string_view container) const {
  krl::MutexLock lock(&mu_);
  auto it = reasons_.find({std::string(pod_uid), std::string(container)});
  if (it == reasons_.end()) return std::nullopt;
  return it->second;
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
