#include "testing/fake_clock.h"

#include <vector>

namespace krl {
namespace testing {

FakeClock::FakeClock() : FakeClock(absl::FromUnixSeconds(1767225600)) {}

FakeClock::FakeClock(absl::Time start) : now_(start) {}

absl::Time FakeClock::Now() const {
  krl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::SleepUntil(absl::Time deadline) {
  krl::MutexLock lock(&mu_);
  ++sleepers_;
  auto reached = [this, deadline]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return now_ >= deadline; };
  mu_.Await(absl::Condition(&reached));
  --sleepers_;
}

void FakeClock::Advance(absl::Duration duration) {
  absl::Time now;
  {
    krl::MutexLock lock(&mu_);
    if (duration > absl::ZeroDuration()) now_ += duration;
    now = now_;
  }
  std::vector<std::function<void(absl::Time)>> listeners;
  {
    krl::MutexLock lock(&mu_);
    for (const auto& [id, listener] : listeners_) listeners.push_back(listener);
  }
  for (const auto& listener : listeners) listener(now);
}

void FakeClock::SetTime(absl::Time time) {
  absl::Duration delta;
  {
    krl::MutexLock lock(&mu_);
    delta = time - now_;
  }
  Advance(delta);
}

bool FakeClock::WaitForSleepers(int count, absl::Duration timeout) {
  krl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return sleepers_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

int FakeClock::AddListener(std::function<void(absl::Time now)> listener) {
  krl::MutexLock lock(&mu_);
  int id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void FakeClock::RemoveListener(int id) {
  krl::MutexLock lock(&mu_);
  listeners_.erase(id);
}

}  // namespace testing
}  // namespace krl
