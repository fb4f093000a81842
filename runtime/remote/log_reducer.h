// LogReducer: decides whether an error about an object is worth logging again.
//
// A node agent polls the runtime every second or so; a container that keeps failing the same
// way would otherwise fill the log with identical lines. The same message for the same object is
// logged once per interval; a different message is logged at once. Several distinct messages per
// object are tracked, so two calls failing in turn about one object are each reduced.
//
//   LogReducer reducer(RealClock::Get());
//   if (reducer.ShouldLog(container_id, status.ToString())) log::Error("...", {...});
//   reducer.Forget(container_id);  // after the container was stopped or removed
//
// Thread safe. The mutex guards the per-object entries; Forget skips it while nothing is
// recorded, so the success path of the client takes no lock.
#ifndef KRL_RUNTIME_REMOTE_LOG_REDUCER_H_
#define KRL_RUNTIME_REMOTE_LOG_REDUCER_H_

#include <atomic>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "runtime/util/clock.h"

namespace krl {
namespace runtime {
namespace remote {

class LogReducer {
 public:
  // `clock` must outlive the reducer.
  explicit LogReducer(Clock& clock, absl::Duration interval = absl::Minutes(1));
  LogReducer(const LogReducer&) = delete;
  LogReducer& operator=(const LogReducer&) = delete;

  // True when `message` is new for `key` or was last logged at least one interval ago; records
  // that it is being logged now.
  [[nodiscard]] bool ShouldLog(absl::string_view key, absl::string_view message);

  // Drops what is recorded for `key`, so its next error is logged at once.
  void Forget(absl::string_view key);

 private:
  struct Logged {
    std::string message;
    absl::Time at;
  };
  // The last few distinct messages of one object, oldest first.
  using Entry = std::vector<Logged>;
  static constexpr size_t kMessagesPerKey = 8;

  // Entries older than the interval are dropped once the map grows past this, so objects that
  // vanish without a stop or remove cannot make it grow without bound.
  static constexpr size_t kPruneThreshold = 4096;

  Clock& clock_;
  const absl::Duration interval_;
  std::atomic<bool> has_entries_{false};
  krl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_LOG_REDUCER_H_
