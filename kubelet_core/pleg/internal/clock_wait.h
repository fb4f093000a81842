// AwaitUntil: waits on a mutex condition or until a deadline on an injected Clock, whichever
// comes first. For the PLEG's own threads, whose waits must end at once on Stop().
//
//   krl::MutexLock lock(&mu_);
//   bool woken = internal::AwaitUntil(clock_, mu_, next_relist, absl::Condition(&stopping_));
//   if (!woken) Relist();  // the deadline passed
//
// A Clock cannot wake a waiter, so with RealClock the wait sleeps exactly until the deadline,
// and with any other clock (a FakeClock) it re-reads the clock every millisecond of real time.
// Called with `mu` held; `observed`, when given, receives each clock reading (under `mu`), which
// lets tests know the waiter has seen a time.
#ifndef KRL_KUBELET_CORE_PLEG_INTERNAL_CLOCK_WAIT_H_
#define KRL_KUBELET_CORE_PLEG_INTERNAL_CLOCK_WAIT_H_

#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace internal {

// Returns true when `wake` became true, false when the clock reached `deadline` first.
bool AwaitUntil(Clock& clock, krl::Mutex& mu, absl::Time deadline, const absl::Condition& wake,
                absl::Time* observed = nullptr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);

}  // namespace internal
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_INTERNAL_CLOCK_WAIT_H_
