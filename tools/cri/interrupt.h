// Interrupt: tells a long-running cri command (events) that the user asked it to stop.
//
//   Interrupt interrupt;                 // main's signal thread calls interrupt.Trigger()
//   CliContext context{&clock, &interrupt};
//   RunCli({"events"}, runtime, images, std::cout, std::cerr, context);
//
// A waiter can wait on the interrupt and its own condition at once, under one lock, so nothing
// polls.
#ifndef KRL_TOOLS_CRI_INTERRUPT_H_
#define KRL_TOOLS_CRI_INTERRUPT_H_

#include "runtime/util/mutex.h"

namespace krl {
namespace tools {
namespace cri_cli {

// Any thread may call any method. mu() guards triggered_ and whatever state a waiter combines
// with it (see WaitUntil).
class Interrupt {
 public:
  void Trigger() {
    krl::MutexLock lock(&mu_);
    triggered_ = true;
  }
  bool triggered() const {
    krl::MutexLock lock(&mu_);
    return triggered_;
  }

  // Blocks until Trigger() or until `done()` is true. `done` runs with mu() held, so the state
  // it reads must be written under mu() too. Returns true when interrupted.
  template <typename Predicate>
  bool WaitUntil(Predicate done) {
    krl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return triggered_ || done(); };
    mu_.Await(absl::Condition(&ready));
    return triggered_;
  }

  krl::Mutex& mu() const ABSL_LOCK_RETURNED(mu_) { return mu_; }

 private:
  mutable krl::Mutex mu_;
  bool triggered_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_CRI_INTERRUPT_H_
