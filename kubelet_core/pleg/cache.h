// Cache: the pod status cache the PLEG fills and the pod workers read, as the kubelet's
// kubecontainer.Cache. For each pod uid it holds the last status read from the runtime (or the
// error reading it) and when it was read; plus one global timestamp saying "every pod's entry is
// current as of this time" (each relist ends by raising it, since a pod whose containers did not
// change needs no new read to be current).
//
//   absl::StatusOr<CacheEntry> entry = cache.GetNewerThan(uid, last_sync_start, absl::Seconds(30));
//   if (!entry.ok()) return entry.status();            // DeadlineExceeded: no news in time
//   if (!entry->error.ok()) return entry->error;       // the runtime could not be inspected
//
// Why GetNewerThan: a pod worker that just acted on the runtime must not act again on a status
// read before its own changes; it waits for a status read strictly after it started.
//
// Thread safe: any thread may call any method. mu_ guards the entries, the global timestamp and
// the waiter lists; each waiter is woken through its own condition variable.
#ifndef KRL_KUBELET_CORE_PLEG_CACHE_H_
#define KRL_KUBELET_CORE_PLEG_CACHE_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kubelet_core/container/pod_status.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

// What the cache holds for one pod.
struct CacheEntry {
  // The status as read. When `error` is set it holds only the pod's id (and name and namespace
  // when known).
  container::PodStatus status;
  // Non-OK when GetPodStatus failed for the pod.
  absl::Status error;
  // When the status was read (or, for an entry made up for a pod the cache has no entry for, the
  // global timestamp; InfinitePast when there is none).
  absl::Time modified = absl::InfinitePast();
};

class Cache {
 public:
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // The entry of `uid`; for a pod the cache does not know, an empty status holding only the id:
  // the runtime had nothing for it when last asked.
  CacheEntry Get(absl::string_view uid) const;

  // The entry of `uid` once it is newer than `min_time`: its own read time, or the global
  // timestamp, is strictly after `min_time` (a pod without an entry then gets the empty status).
  // Blocks until then, at most `timeout` of real time; DeadlineExceeded when that passes.
  [[nodiscard]] absl::StatusOr<CacheEntry> GetNewerThan(absl::string_view uid, absl::Time min_time,
                                                        absl::Duration timeout) const;

  // Stores the status (or the error) of `uid` read at `timestamp`, unless the entry held is
  // already newer (a status from the event stream may overtake a slower relist). Returns whether
  // it was stored. Wakes the waiters of `uid` it satisfies.
  bool Set(absl::string_view uid, container::PodStatus status, absl::Status error,
           absl::Time timestamp);

  // Forgets `uid` (the runtime has nothing left of it).
  void Delete(absl::string_view uid);

  // Every entry is current as of `timestamp` (never lowers it). Wakes the waiters it satisfies.
  void UpdateTime(absl::Time timestamp);

  // The global timestamp, nullopt until the first UpdateTime.
  std::optional<absl::Time> GlobalTime() const;
  size_t size() const;
  // The uids with an entry.
  std::vector<std::string> Uids() const;
  // Calls `visit` for every entry, under the cache's lock (no copy): `visit` must not call the
  // cache. Order unspecified.
  void ForEach(
      const std::function<void(const std::string& uid, const CacheEntry& entry)>& visit) const;

 private:
  struct Waiter;

  // The entry that satisfies a wait for (uid, min_time) now, or nullopt.
  std::optional<CacheEntry> FreshLocked(const std::string& uid, absl::Time min_time) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  CacheEntry GetLocked(const std::string& uid) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void NotifyLocked(const std::string& uid) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable krl::Mutex mu_;
  absl::flat_hash_map<std::string, CacheEntry> entries_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> global_time_ ABSL_GUARDED_BY(mu_);
  // Blocked GetNewerThan calls by uid; each Waiter lives on its caller's stack and is removed
  // (under mu_) before that call returns.
  mutable absl::flat_hash_map<std::string, std::vector<Waiter*>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_CACHE_H_
