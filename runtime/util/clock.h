// Clock: the one source of time for the project, injectable so tests control it.
//
// Production code takes a `Clock&` and never reads the system time itself; unit tests pass a
// krl::testing::FakeClock and step it, so hours of back-off or garbage collection run in
// milliseconds with no sleeping.
//
//   Clock& clock = RealClock::Get();
//   absl::Time deadline = clock.Now() + absl::Seconds(10);
//   clock.SleepUntil(deadline);
#ifndef KRL_RUNTIME_UTIL_CLOCK_H_
#define KRL_RUNTIME_UTIL_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace krl {

class Clock {
 public:
  virtual ~Clock() = default;

  // Thread safe.
  virtual absl::Time Now() const = 0;

  // Blocks the calling thread until Now() >= deadline. Thread safe.
  virtual void SleepUntil(absl::Time deadline) = 0;

  void SleepFor(absl::Duration duration) { SleepUntil(Now() + duration); }
};

// The system's wall clock.
class RealClock final : public Clock {
 public:
  static RealClock& Get();

  absl::Time Now() const override { return absl::Now(); }
  void SleepUntil(absl::Time deadline) override { absl::SleepFor(deadline - absl::Now()); }
};

}  // namespace krl

#endif  // KRL_RUNTIME_UTIL_CLOCK_H_
