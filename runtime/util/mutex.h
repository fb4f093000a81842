// The project's lock types: Abseil's Mutex, CondVar and Notification, made visible to
// ThreadSanitizer.
//
// Debian ships Abseil built without -fsanitize=thread, so its lock and unlock are invisible to
// TSan and every access guarded by an absl::Mutex looks like a race. These wrappers tell TSan
// about each hand-over (release before a lock is given up, acquire after it is taken) and compile
// to the bare Abseil calls in every other build.
#ifndef KRL_RUNTIME_UTIL_MUTEX_H_
#define KRL_RUNTIME_UTIL_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#if defined(__SANITIZE_THREAD__)
#define KRL_TSAN_ANNOTATIONS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KRL_TSAN_ANNOTATIONS 1
#endif
#endif

#ifdef KRL_TSAN_ANNOTATIONS
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace krl {
namespace sync_internal {

inline void Acquired(const void* addr) {
#ifdef KRL_TSAN_ANNOTATIONS
  __tsan_acquire(const_cast<void*>(addr));
#else
  (void)addr;
#endif
}

inline void Releasing(const void* addr) {
#ifdef KRL_TSAN_ANNOTATIONS
  __tsan_release(const_cast<void*>(addr));
#else
  (void)addr;
#endif
}

}  // namespace sync_internal

class CondVar;

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mu_.Lock();
    sync_internal::Acquired(this);
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    sync_internal::Releasing(this);
    mu_.Unlock();
  }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() {
    mu_.ReaderLock();
    sync_internal::Acquired(this);
  }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() {
    // Readers publish nothing, but TSan must still order their reads before the next writer.
    sync_internal::Releasing(this);
    mu_.ReaderUnlock();
  }

  // Await* give the lock up while waiting and take it back before returning. Abseil evaluates
  // the condition with the lock held, on this thread or on the thread that unlocks, so under
  // TSan each evaluation is its own annotated critical section.
  void Await(const absl::Condition& cond) {
    sync_internal::Releasing(this);
    Visible visible{this, &cond};
    mu_.Await(visible.condition());
    sync_internal::Acquired(this);
  }
  bool AwaitWithTimeout(const absl::Condition& cond, absl::Duration timeout) {
    sync_internal::Releasing(this);
    Visible visible{this, &cond};
    const bool met = mu_.AwaitWithTimeout(visible.condition(), timeout);
    sync_internal::Acquired(this);
    return met;
  }
  bool AwaitWithDeadline(const absl::Condition& cond, absl::Time deadline) {
    sync_internal::Releasing(this);
    Visible visible{this, &cond};
    const bool met = mu_.AwaitWithDeadline(visible.condition(), deadline);
    sync_internal::Acquired(this);
    return met;
  }

  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() { mu_.AssertHeld(); }

 private:
  friend class CondVar;

  // The caller's condition, or under TSan a wrapper that brackets each evaluation.
  struct Visible {
    Mutex* mu;
    const absl::Condition* inner;

#ifdef KRL_TSAN_ANNOTATIONS
    static bool Evaluate(Visible* self) {
      sync_internal::Acquired(self->mu);
      const bool met = self->inner->Eval();
      sync_internal::Releasing(self->mu);
      return met;
    }
    absl::Condition condition() { return absl::Condition(&Evaluate, this); }
#else
    const absl::Condition& condition() const { return *inner; }
#endif
  };

  absl::Mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }

 private:
  Mutex* const mu_;
};

class ABSL_SCOPED_LOCKABLE ReaderMutexLock {
 public:
  explicit ReaderMutexLock(Mutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->ReaderLock();
  }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;
  ~ReaderMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }

 private:
  Mutex* const mu_;
};

class CondVar {
 public:
  void Wait(Mutex* mu) {
    sync_internal::Releasing(mu);
    cv_.Wait(&mu->mu_);
    sync_internal::Acquired(mu);
  }
  bool WaitWithTimeout(Mutex* mu, absl::Duration timeout) {
    sync_internal::Releasing(mu);
    const bool timed_out = cv_.WaitWithTimeout(&mu->mu_, timeout);
    sync_internal::Acquired(mu);
    return timed_out;
  }
  bool WaitWithDeadline(Mutex* mu, absl::Time deadline) {
    sync_internal::Releasing(mu);
    const bool timed_out = cv_.WaitWithDeadline(&mu->mu_, deadline);
    sync_internal::Acquired(mu);
    return timed_out;
  }
  void Signal() { cv_.Signal(); }
  void SignalAll() { cv_.SignalAll(); }

 private:
  absl::CondVar cv_;
};

class Notification {
 public:
  Notification() = default;
  Notification(const Notification&) = delete;
  Notification& operator=(const Notification&) = delete;

  void Notify() {
    sync_internal::Releasing(this);
    notification_.Notify();
  }
  bool HasBeenNotified() const {
    const bool notified = notification_.HasBeenNotified();
    if (notified) sync_internal::Acquired(this);
    return notified;
  }
  void WaitForNotification() const {
    notification_.WaitForNotification();
    sync_internal::Acquired(this);
  }
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    const bool notified = notification_.WaitForNotificationWithTimeout(timeout);
    if (notified) sync_internal::Acquired(this);
    return notified;
  }

 private:
  absl::Notification notification_;
};

}  // namespace krl

#endif  // KRL_RUNTIME_UTIL_MUTEX_H_
