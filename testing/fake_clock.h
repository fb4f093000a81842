// FakeClock: a Clock that moves only when a test says so.
//
//   testing::FakeClock clock;                 // starts at a fixed, realistic instant
//   BackOff backoff(clock);
//   clock.Advance(absl::Seconds(10));         // no sleeping; waiters and listeners run now
//
// Thread safe. SleepUntil blocks until another thread advances the clock past the deadline.
#ifndef KRL_TESTING_FAKE_CLOCK_H_
#define KRL_TESTING_FAKE_CLOCK_H_

#include <functional>
#include <map>

#include "runtime/util/mutex.h"
#include "runtime/util/clock.h"

namespace krl {
namespace testing {

class FakeClock final : public Clock {
 public:
  // 2026-01-01T00:00:00Z: a fixed start keeps test output reproducible.
  FakeClock();
  explicit FakeClock(absl::Time start);

  absl::Time Now() const override;
  void SleepUntil(absl::Time deadline) override;

  // Moves time forward (never backward), wakes sleepers whose deadline passed, then calls every
  // listener with the new time on the calling thread (outside the clock's lock).
  void Advance(absl::Duration duration);
  void SetTime(absl::Time time);

  // Blocks (in real time, bounded by `timeout`) until `count` threads sleep on this clock.
  // Returns false on timeout; lets a test step a worker thread deterministically.
  [[nodiscard]] bool WaitForSleepers(int count, absl::Duration timeout = absl::Seconds(10));

  // Listeners let fakes act on time (a scripted container exit fires when its time comes).
  int AddListener(std::function<void(absl::Time now)> listener);
  void RemoveListener(int id);

 private:
  mutable krl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  int sleepers_ ABSL_GUARDED_BY(mu_) = 0;
  int next_listener_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int, std::function<void(absl::Time)>> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKE_CLOCK_H_
