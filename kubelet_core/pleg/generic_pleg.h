// GenericPLEG: the relisting pod lifecycle event generator, as the kubelet's GenericPLEG.
// Every relist period (1 s) it lists all pods and containers (Runtime::GetPods(true)), compares
// each container's and sandbox's state with the previous list, and for each pod that changed
// reads its status (Runtime::GetPodStatus) into the Cache, then delivers the pod's events:
//
//   old state -> new state           events
//   any       -> running             ContainerStarted
//   any       -> exited              ContainerDied
//   any       -> created / unknown   ContainerChanged (not delivered by default, as the kubelet)
//   exited    -> gone                ContainerRemoved
//   other     -> gone                ContainerDied, ContainerRemoved
//
// Pods that did not change cost no GetPodStatus; a pod whose GetPodStatus failed keeps its
// events pending and is inspected again on the next relist. After the pods, the cache's global
// timestamp moves to the relist's start, so waiters on unchanged pods are released.
//
//   GenericPLEG pleg(runtime, cache, RealClock::Get(), &registry);
//   pleg.Start();
//   std::optional<PodLifecycleEvent> event = pleg.Watch().Pop(absl::Seconds(1));
//
// Threads: Start() runs one relist thread that sleeps on the Clock between relists (with a
// FakeClock it re-reads the clock every millisecond of real time; see internal/clock_wait.h).
// Relist() may also be called from any thread; relists are serialized by relist_mu_, which
// guards the pod records. mu_ guards the loop's schedule, the health data and the counters.
// Lock order: relist_mu_, then mu_.
#ifndef KRL_KUBELET_CORE_PLEG_GENERIC_PLEG_H_
#define KRL_KUBELET_CORE_PLEG_GENERIC_PLEG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "kubelet_core/container/pod.h"
#include "kubelet_core/container/runtime.h"
#include "kubelet_core/pleg/cache.h"
#include "kubelet_core/pleg/event_channel.h"
#include "kubelet_core/pleg/pleg_metrics.h"
#include "kubelet_core/pleg/pod_lifecycle_event_generator.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

class GenericPLEG final : public PodLifecycleEventGenerator {
 public:
  // The kubelet's genericPlegRelistPeriod and genericPlegRelistThreshold.
  static constexpr absl::Duration kDefaultRelistPeriod = absl::Seconds(1);
  static constexpr absl::Duration kDefaultRelistThreshold = absl::Minutes(3);

  struct Options {
    // Time from the end of one relist to the start of the next, on the Clock.
    absl::Duration relist_period = kDefaultRelistPeriod;
    // Healthy() fails when the last successful relist started longer ago than this.
    absl::Duration relist_threshold = kDefaultRelistThreshold;
    // Capacity of the PLEG's own channel (when `channel` is null).
    size_t channel_capacity = EventChannel::kDefaultCapacity;
    // Deliver events on this channel instead of an own one (not owned; must outlive the PLEG).
    EventChannel* channel = nullptr;
    // Deliver ContainerChanged events too (the kubelet drops them as unreliable and unused).
    bool deliver_container_changed = false;
  };

  // `registry` may be null: the metrics then go to a private registry. Everything passed by
  // reference must outlive the PLEG. Nothing runs before Start() (or Relist()).
  GenericPLEG(container::Runtime& runtime, Cache& cache, Clock& clock,
              runtime::metrics::Registry* registry);
  GenericPLEG(container::Runtime& runtime, Cache& cache, Clock& clock,
              runtime::metrics::Registry* registry, Options options);
  ~GenericPLEG() override;
  GenericPLEG(const GenericPLEG&) = delete;
  GenericPLEG& operator=(const GenericPLEG&) = delete;

  // --- PodLifecycleEventGenerator ---
  // Starts the relist thread: a relist at once, then one every period.
  void Start() override;
  void Stop() override;
  EventChannel& Watch() override { return channel_; }
  // Unavailable "pleg has yet to be successful" before the first successful relist, "pleg was
  // last seen active X ago; threshold is Y" when that relist started more than the threshold ago.
  absl::Status Healthy() const override;

  // One relist now, on the calling thread (waits for a relist in progress to end).
  void Relist();

  // Changes the period and the health threshold (the EventedPLEG switches between 1 s and its
  // slow safety period). The loop re-plans its next relist at once: when last end + new period
  // has passed, it relists now.
  void SetRelistPeriod(absl::Duration period, absl::Duration threshold);
  absl::Duration relist_period() const;
  absl::Duration relist_threshold() const;

  // Start of the last relist whose GetPods succeeded, nullopt before the first.
  std::optional<absl::Time> last_relist_time() const;
  // Relists finished so far, whether GetPods succeeded or not.
  int64_t relist_count() const;
  // Blocks (real time, at most `timeout`) until relist_count() >= count. False on timeout.
  [[nodiscard]] bool WaitForRelistCount(int64_t count,
                                        absl::Duration timeout = absl::Seconds(10)) const;
  // For tests with a FakeClock: blocks (real time, at most `timeout`) until the relist thread is
  // waiting between relists and has read the clock at or after `time`, so a relist due by `time`
  // would have started. False on timeout.
  [[nodiscard]] bool WaitForIdleAt(absl::Time time,
                                   absl::Duration timeout = absl::Seconds(10)) const;

  const PlegMetrics& metrics() const { return metrics_; }

 private:
  // What the last two relists saw of one pod. `current` is only set during a relist.
  struct PodRecord {
    std::optional<container::Pod> old_pod;
    std::optional<container::Pod> current;
  };

  void Loop();
  void RelistLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(relist_mu_);
  // Reads the status of `pod` (null: the pod is gone) into the cache. Returns the inspection
  // error; `*updated` says whether the cache took the status.
  absl::Status UpdateCache(const std::string& uid, const container::Pod* pod, bool* updated)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(relist_mu_);
  // The kubelet keeps a dead pod's IPs (the API wants them after teardown): a status without IPs
  // and without a ready sandbox inherits the cached IPs.
  std::vector<std::string> PodIPs(const std::string& uid, const container::PodStatus& status) const;
  void FinishRelist(absl::Time start, bool succeeded) ABSL_EXCLUSIVE_LOCKS_REQUIRED(relist_mu_);

  container::Runtime& runtime_;
  Cache& cache_;
  Clock& clock_;
  const Options options_;
  std::unique_ptr<runtime::metrics::Registry> own_registry_;
  PlegMetrics metrics_;
  std::unique_ptr<EventChannel> own_channel_;
  EventChannel& channel_;

  krl::Mutex relist_mu_;
  absl::flat_hash_map<std::string, PodRecord> records_ ABSL_GUARDED_BY(relist_mu_);
  absl::flat_hash_set<std::string> to_reinspect_ ABSL_GUARDED_BY(relist_mu_);
  // The last GetPods error logged, and when (repeated errors are logged once a minute).
  std::string last_list_error_ ABSL_GUARDED_BY(relist_mu_);
  absl::Time last_list_error_logged_ ABSL_GUARDED_BY(relist_mu_) = absl::InfinitePast();

  mutable krl::Mutex mu_;
  absl::Duration period_ ABSL_GUARDED_BY(mu_);
  absl::Duration threshold_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> relist_time_ ABSL_GUARDED_BY(mu_);
  absl::Time last_relist_end_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t relist_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool replan_ ABSL_GUARDED_BY(mu_) = false;  // the period changed: recompute the next relist
  bool idle_ ABSL_GUARDED_BY(mu_) = false;    // the loop waits between relists
  absl::Time observed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();  // its last clock reading
  std::thread thread_;
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_GENERIC_PLEG_H_
