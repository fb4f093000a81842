#include "kubelet_core/pleg/cache.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

struct Cache::Waiter {
  absl::Time min_time;
  bool done = false;
  CacheEntry result;
  krl::CondVar cv;
};

CacheEntry Cache::GetLocked(const std::string& uid) const {
  auto it = entries_.find(uid);
  if (it != entries_.end()) return it->second;
  CacheEntry entry;
  entry.status.id = uid;
  if (global_time_) entry.modified = *global_time_;
  return entry;
}

std::optional<CacheEntry> Cache::FreshLocked(const std::string& uid, absl::Time min_time) const {
  const bool global_newer = global_time_.has_value() && *global_time_ > min_time;
  auto it = entries_.find(uid);
  if (it == entries_.end()) {
    if (!global_newer) return std::nullopt;
    return GetLocked(uid);
  }
  if (it->second.modified > min_time || global_newer) return it->second;
  return std::nullopt;
}

void Cache::NotifyLocked(const std::string& uid) const {
  auto it = waiters_.find(uid);
  if (it == waiters_.end()) return;
  std::vector<Waiter*>& list = it->second;
  for (auto w = list.begin(); w != list.end();) {
    std::optional<CacheEntry> fresh = FreshLocked(uid, (*w)->min_time);
    if (!fresh) {
      ++w;
      continue;
    }
    (*w)->result = std::move(*fresh);
    (*w)->done = true;
    (*w)->cv.Signal();
    w = list.erase(w);
  }
  if (list.empty()) waiters_.erase(it);
}

CacheEntry Cache::Get(absl::string_view uid) const {
  krl::MutexLock lock(&mu_);
  return GetLocked(std::string(uid));
}

absl::StatusOr<CacheEntry> Cache::GetNewerThan(absl::string_view uid_view, absl::Time min_time,
                                               absl::Duration timeout) const {
  const std::string uid(uid_view);
  const absl::Time deadline = absl::Now() + timeout;  // real time: a bound, not pod time
  krl::MutexLock lock(&mu_);
  if (std::optional<CacheEntry> fresh = FreshLocked(uid, min_time)) return std::move(*fresh);
  Waiter waiter;
  waiter.min_time = min_time;
  waiters_[uid].push_back(&waiter);
  while (!waiter.done) {
    if (waiter.cv.WaitWithDeadline(&mu_, deadline) && !waiter.done) break;
  }
  if (waiter.done) return std::move(waiter.result);
  // Timed out: unregister (NotifyLocked has not, or `done` would be set).
  auto it = waiters_.find(uid);
  if (it != waiters_.end()) {
    it->second.erase(std::remove(it->second.begin(), it->second.end(), &waiter), it->second.end());
    if (it->second.empty()) waiters_.erase(it);
  }
  return absl::DeadlineExceededError(absl::StrCat("no status of pod ", uid, " newer than ",
                                                  absl::FormatTime(min_time), " within ",
                                                  absl::FormatDuration(timeout)));
}

bool Cache::Set(absl::string_view uid_view, container::PodStatus status, absl::Status error,
                absl::Time timestamp) {
  const std::string uid(uid_view);
  krl::MutexLock lock(&mu_);
  auto it = entries_.find(uid);
  if (it != entries_.end() && it->second.modified > timestamp) return false;
  CacheEntry& entry = it != entries_.end() ? it->second : entries_[uid];
  entry.status = std::move(status);
  entry.error = std::move(error);
  entry.modified = timestamp;
  NotifyLocked(uid);
  return true;
}

void Cache::Delete(absl::string_view uid) {
  krl::MutexLock lock(&mu_);
  entries_.erase(std::string(uid));
}

void Cache::UpdateTime(absl::Time timestamp) {
  krl::MutexLock lock(&mu_);
  if (global_time_ && *global_time_ >= timestamp) return;
  global_time_ = timestamp;
  std::vector<std::string> uids;
  uids.reserve(waiters_.size());
  for (const auto& [uid, list] : waiters_) uids.push_back(uid);
  for (const std::string& uid : uids) NotifyLocked(uid);
}

std::optional<absl::Time> Cache::GlobalTime() const {
  krl::MutexLock lock(&mu_);
  return global_time_;
}

size_t Cache::size() const {
  krl::MutexLock lock(&mu_);
  return entries_.size();
}

std::vector<std::string> Cache::Uids() const {
  krl::MutexLock lock(&mu_);
  std::vector<std::string> uids;
  uids.reserve(entries_.size());
  for (const auto& [uid, entry] : entries_) uids.push_back(uid);
  std::sort(uids.begin(), uids.end());
  return uids;
}

void Cache::ForEach(
    const std::function<void(const std::string& uid, const CacheEntry& entry)>& visit) const {
  krl::MutexLock lock(&mu_);
  for (const auto& [uid, entry] : entries_) visit(uid, entry);
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
