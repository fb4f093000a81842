#include "kubelet_core/pleg/internal/clock_wait.h"

#include <algorithm>

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace internal {

bool AwaitUntil(Clock& clock, krl::Mutex& mu, absl::Time deadline, const absl::Condition& wake,
                absl::Time* observed) {
  constexpr absl::Duration kPollInterval = absl::Milliseconds(1);
  const bool real_clock = dynamic_cast<RealClock*>(&clock) != nullptr;
  while (true) {
    if (wake.Eval()) return true;
    const absl::Time now = clock.Now();
    if (observed != nullptr) *observed = now;
    if (now >= deadline) return false;
    const absl::Duration wait = real_clock ? deadline - now : kPollInterval;
    if (mu.AwaitWithTimeout(wake, wait)) return true;
  }
}

}  // namespace internal
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
