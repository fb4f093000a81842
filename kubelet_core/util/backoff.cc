#include "kubelet_core/util/backoff.h"

#include <algorithm>

namespace krl {
namespace kubelet_core {

BackOff::BackOff(Clock& clock, absl::Duration initial, absl::Duration max)
    : clock_(clock), initial_(initial), max_(max) {}

bool BackOff::Expired(const Entry& entry, absl::Time now) const {
  return now - entry.last_update > 2 * max_;
}

absl::Duration BackOff::Next(absl::string_view key, absl::Time event_time) {
  krl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, event_time)) {
    Entry& entry = entries_[std::string(key)];
    entry.delay = initial_;
    entry.last_update = event_time;
    return entry.delay;
  }
  Entry& entry = it->second;
  entry.delay = std::min(entry.delay * 2, max_);
  entry.last_update = event_time;
  return entry.delay;
}

absl::Duration BackOff::Get(absl::string_view key) const {
  krl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? absl::ZeroDuration() : it->second.delay;
}

bool BackOff::IsInBackOffSince(absl::string_view key, absl::Time event_time) const {
  return Remaining(key, event_time) > absl::ZeroDuration();
}

absl::Duration BackOff::Remaining(absl::string_view key, absl::Time event_time) const {
  absl::Time now = clock_.Now();
  krl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  // Expiry is judged at the failure's time, as the kubelet does: a long clean run before this
  // failure does not shorten the wait that the failure itself earned.
  if (it == entries_.end() || Expired(it->second, event_time)) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(), event_time + it->second.delay - now);
}

bool BackOff::IsInBackOffSinceUpdate(absl::string_view key) const {
  absl::Time now = clock_.Now();
  krl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(it->second, now)) return false;
  return now < it->second.last_update + it->second.delay;
}

void BackOff::Reset(absl::string_view key) {
  krl::MutexLock lock(&mu_);
  entries_.erase(key);
}

void BackOff::GarbageCollect() {
  absl::Time now = clock_.Now();
  krl::MutexLock lock(&mu_);
  absl::erase_if(entries_, [&](const auto& item) { return Expired(item.second, now); });
}

size_t BackOff::size() const {
  krl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace kubelet_core
}  // namespace krl
