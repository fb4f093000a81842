#include "runtime/remote/log_reducer.h"

#include <iterator>

namespace krl {
namespace runtime {
namespace remote {

LogReducer::LogReducer(Clock& clock, absl::Duration interval)
    : clock_(clock), interval_(interval) {}

bool LogReducer::ShouldLog(absl::string_view key, absl::string_view message) {
  const absl::Time now = clock_.Now();
  krl::MutexLock lock(&mu_);
  // std::unordered_map has no heterogeneous lookup in C++17; errors are the rare path.
  const std::string owned_key(key);
  auto it = entries_.find(owned_key);
  if (it == entries_.end()) {
    if (entries_.size() >= kPruneThreshold) {
      for (auto old = entries_.begin(); old != entries_.end();) {
        old = now - old->second.back().at >= interval_ ? entries_.erase(old) : std::next(old);
      }
    }
    it = entries_.emplace(owned_key, Entry()).first;
    has_entries_.store(true, std::memory_order_release);
  }
  Entry& entry = it->second;
  for (auto logged = entry.begin(); logged != entry.end(); ++logged) {
    if (logged->message != message) continue;
    if (now - logged->at < interval_) return false;
    // Move it to the back: the entry stays ordered by the time of logging.
    entry.erase(logged);
    break;
  }
  if (entry.size() >= kMessagesPerKey) entry.erase(entry.begin());
  entry.push_back(Logged{std::string(message), now});
  return true;
}

void LogReducer::Forget(absl::string_view key) {
  if (!has_entries_.load(std::memory_order_acquire)) return;
  krl::MutexLock lock(&mu_);
  entries_.erase(std::string(key));
  if (entries_.empty()) has_entries_.store(false, std::memory_order_release);
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
