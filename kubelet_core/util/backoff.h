// BackOff: per-key exponential back-off, as the kubelet applies it to crashing containers
// (CrashLoopBackOff) and failing image pulls (ImagePullBackOff).
//
//   BackOff backoff(clock, absl::Seconds(10), absl::Minutes(5));
//   if (backoff.IsInBackOffSince(key, last_failure)) return "CrashLoopBackOff";
//   backoff.Next(key, clock.Now());   // 10 s, 20 s, 40 s ... capped at 5 min
//
// A key's delay starts at `initial` and doubles on every Next() up to `max`. A key that has
// seen no Next() for 2 x max (10 minutes with the kubelet's 5 minute cap) starts over at
// `initial`: a container that ran cleanly that long is no longer crash looping.
//
// Thread safe: one mutex guards the table; every method may be called from any thread.
#ifndef KRL_KUBELET_CORE_UTIL_BACKOFF_H_
#define KRL_KUBELET_CORE_UTIL_BACKOFF_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {

class BackOff {
 public:
  // The kubelet's container restart back-off: 10 s doubling to 300 s.
  static constexpr absl::Duration kDefaultInitial = absl::Seconds(10);
  static constexpr absl::Duration kDefaultMax = absl::Seconds(300);

  explicit BackOff(Clock& clock, absl::Duration initial = kDefaultInitial,
                   absl::Duration max = kDefaultMax);

  // Records a failure of `key` at `event_time` and grows its delay (or starts it at `initial`
  // when the key is new or expired). Returns the delay now in force.
  absl::Duration Next(absl::string_view key, absl::Time event_time);

  // The delay in force for `key`, zero when it has none.
  absl::Duration Get(absl::string_view key) const;

  // Whether `key` must still wait: the clock has not yet passed `event_time` + its delay.
  // `event_time` is when the failure happened (a container's finish time).
  bool IsInBackOffSince(absl::string_view key, absl::Time event_time) const;

  // Whether Now() is before the key's last update + delay: the "backing off" view that ignores
  // when the failure happened (used for pulls).
  bool IsInBackOffSinceUpdate(absl::string_view key) const;

  // How long until `key` may be retried, counted from `event_time` (zero when it may now).
  absl::Duration Remaining(absl::string_view key, absl::Time event_time) const;

  void Reset(absl::string_view key);

  // Drops entries not updated for 2 x max, so keys of gone pods do not accumulate.
  void GarbageCollect();

  size_t size() const;

 private:
  struct Entry {
    absl::Duration delay;
    absl::Time last_update;
  };

  bool Expired(const Entry& entry, absl::Time now) const;

  Clock& clock_;
  const absl::Duration initial_;
  const absl::Duration max_;
  mutable krl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_UTIL_BACKOFF_H_
