// EventedPLEG: the pod lifecycle event generator on the runtime's CRI container event stream
// (GetContainerEvents), with relisting as its fallback and safety net, as the kubelet's
// EventedPLEG. Each event carries its pod's status, which goes straight into the Cache (no
// GetPodStatus), then becomes PLEG events:
//
//   CRI event            PLEG events                       cache
//   CONTAINER_CREATED    none (ContainerChanged if asked)  set from the event
//   CONTAINER_STARTED    ContainerStarted                  set from the event
//   CONTAINER_STOPPED    ContainerDied                     set from the event
//   CONTAINER_DELETED    ContainerDied, ContainerRemoved   set (deleted for a sandbox)
//
// Sandbox events are reported with the sandbox's id, as the kubelet does. A sandbox's DELETED
// event comes without a sandbox status (the runtime has already forgotten it); the pod is then
// found from the sandbox's earlier events. An event older than the cached status (a relist read
// the pod after it) changes nothing.
//
// Modes. kEvented: the stream is open; an inner GenericPLEG relists every 300 s as a safety net
// (health threshold 10 min), and the cache's global timestamp moves every 5 s (no event means no
// change). kRelisting: the stream failed to open (Unimplemented: the runtime has none) or broke
// (on_done with an error); the inner GenericPLEG relists every 1 s (threshold 3 min), exactly the
// generic PLEG, and the stream is retried with back-off (1 s doubling to 5 min; at once 5 min
// after Unimplemented). Every switch relists once at once, to catch what no event reported.
// Unlike the kubelet, which retries 5 times and then relists for good, this one falls back at the
// first failure and goes back to events when the stream is restored.
//
//   EventedPLEG pleg(runtime, runtime_service, cache, RealClock::Get(), &registry);
//   pleg.Start();
//   std::optional<PodLifecycleEvent> event = pleg.Watch().Pop(absl::Seconds(1));
//
// Threads: Start() runs the inner relist thread and one stream-manager thread (retries, global
// timestamp, failure handling); events are processed on the subscription's own thread. mu_
// guards the mode, the subscription and the counters; it is never held while calling the
// runtime, relisting or destroying a subscription. The event channel is shared with the inner
// GenericPLEG.
#ifndef KRL_KUBELET_CORE_PLEG_EVENTED_PLEG_H_
#define KRL_KUBELET_CORE_PLEG_EVENTED_PLEG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/pod_status.h"
#include "kubelet_core/container/runtime.h"
#include "kubelet_core/pleg/cache.h"
#include "kubelet_core/pleg/event_channel.h"
#include "kubelet_core/pleg/evented_pleg_metrics.h"
#include "kubelet_core/pleg/generic_pleg.h"
#include "kubelet_core/pleg/pleg_metrics.h"
#include "kubelet_core/pleg/pod_lifecycle_event_generator.h"
#include "runtime/metrics/registry.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

class EventedPLEG final : public PodLifecycleEventGenerator {
 public:
  // The kubelet's eventedPlegRelistPeriod, eventedPlegRelistThreshold, globalCacheUpdatePeriod.
  static constexpr absl::Duration kDefaultSafetyRelistPeriod = absl::Seconds(300);
  static constexpr absl::Duration kDefaultSafetyRelistThreshold = absl::Minutes(10);
  static constexpr absl::Duration kDefaultGlobalCacheUpdatePeriod = absl::Seconds(5);
  // Events discarded on a full channel are counted in kubelet_pleg_discard_events at once and
  // logged at most once per interval (the first discard at once), with the count since the last
  // line.
  static constexpr absl::Duration kDiscardLogInterval = absl::Seconds(10);

  // Reads the pod status an event carries. Default: kuberuntime::PodStatusFromEvent
  // (kubelet_core/kuberuntime/status_conversion.h) with runtime.Type().
  using EventConverter =
      std::function<absl::StatusOr<container::PodStatus>(const cri::ContainerEventResponse&)>;

  enum class Mode { kEvented, kRelisting };

  struct Options {
    // Relisting while the stream is down (the generic PLEG's).
    absl::Duration relist_period = GenericPLEG::kDefaultRelistPeriod;
    absl::Duration relist_threshold = GenericPLEG::kDefaultRelistThreshold;
    // Relisting while the stream is up.
    absl::Duration safety_relist_period = kDefaultSafetyRelistPeriod;
    absl::Duration safety_relist_threshold = kDefaultSafetyRelistThreshold;
    absl::Duration global_cache_update_period = kDefaultGlobalCacheUpdatePeriod;
    // Stream retries: initial delay, doubling up to max.
    absl::Duration stream_retry_initial = absl::Seconds(1);
    absl::Duration stream_retry_max = absl::Minutes(5);
    size_t channel_capacity = EventChannel::kDefaultCapacity;
    bool deliver_container_changed = false;
    EventConverter convert_event;
  };

  // `registry` may be null (a private one is used). Everything passed by reference must outlive
  // the PLEG. Nothing runs before Start().
  EventedPLEG(container::Runtime& runtime, runtime::RuntimeService& runtime_service, Cache& cache,
              Clock& clock, runtime::metrics::Registry* registry);
  EventedPLEG(container::Runtime& runtime, runtime::RuntimeService& runtime_service, Cache& cache,
              Clock& clock, runtime::metrics::Registry* registry, Options options);
  ~EventedPLEG() override;
  EventedPLEG(const EventedPLEG&) = delete;
  EventedPLEG& operator=(const EventedPLEG&) = delete;

  // --- PodLifecycleEventGenerator ---
  // Opens the stream (on the calling thread), then starts relisting (a relist at once) at the
  // period of the resulting mode, and the stream-manager thread.
  void Start() override;
  void Stop() override;
  EventChannel& Watch() override { return channel_; }
  // Unavailable when the event channel is full ("pleg event channel is out of capacity"), else
  // the inner GenericPLEG's health (its threshold follows the mode).
  absl::Status Healthy() const override;

  Mode mode() const;
  // Blocks (real time, at most `timeout`) until mode() == mode. False on timeout.
  [[nodiscard]] bool WaitForMode(Mode mode, absl::Duration timeout = absl::Seconds(10)) const;
  // Stream events taken so far (whatever became of them), and a bounded wait for a count.
  int64_t events_processed() const;
  [[nodiscard]] bool WaitForEventsProcessed(int64_t count,
                                            absl::Duration timeout = absl::Seconds(10)) const;
  // Streams opened, and stream failures (failed opens and breaks), so far.
  int64_t stream_connects() const;
  int64_t stream_failures() const;
  // When the next stream retry is due (InfiniteFuture while the stream is up).
  absl::Time next_stream_retry() const;
  // For tests with a FakeClock: both the relist thread and the stream-manager thread are waiting
  // and have read the clock at or after `time`. False on timeout.
  [[nodiscard]] bool WaitForIdleAt(absl::Time time,
                                   absl::Duration timeout = absl::Seconds(10)) const;

  // The inner relisting PLEG (shares this PLEG's channel, cache and metrics).
  GenericPLEG& relister() { return relister_; }

 private:
  // Opens a stream; on success the subscription is stored and the mode is kEvented. Called with
  // mu_ not held.
  absl::Status Connect();
  void Loop();
  // The stream of `generation` ended with `status` (subscription thread).
  void OnDone(uint64_t generation, const absl::Status& status);
  void OnEvent(uint64_t generation, const cri::ContainerEventResponse& event);
  // Back to relisting after a failure: drops the subscription, schedules a retry.
  void FallBack(const absl::Status& why);
  void ScheduleRetryLocked(const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  container::Runtime& runtime_;
  runtime::RuntimeService& runtime_service_;
  std::string runtime_type_;  // Runtime::Type(), read once at Start()
  Cache& cache_;
  Clock& clock_;
  const Options options_;
  std::unique_ptr<runtime::metrics::Registry> own_registry_;
  runtime::metrics::Registry& registry_;
  EventedPlegMetrics stream_metrics_;
  PlegMetrics metrics_;
  EventChannel channel_;
  GenericPLEG relister_;

  mutable krl::Mutex mu_;
  Mode mode_ ABSL_GUARDED_BY(mu_) = Mode::kRelisting;
  std::unique_ptr<runtime::ContainerEventSubscription> subscription_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // of the newest subscription attempt
  // Set by OnDone for the current generation; handled by the manager thread.
  bool stream_failed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  absl::Duration retry_delay_ ABSL_GUARDED_BY(mu_);
  absl::Time next_retry_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  absl::Time next_cache_update_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  // Sandbox id -> pod uid, from events that carried the sandbox: the DELETED event of a removed
  // sandbox carries no sandbox status (containerd sends none), yet must delete the pod's entry.
  absl::flat_hash_map<std::string, std::string> sandbox_pods_ ABSL_GUARDED_BY(mu_);
  int64_t events_processed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unlogged_discards_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_discard_log_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t connects_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool idle_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time observed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread thread_;
};

absl::string_view ModeName(EventedPLEG::Mode mode);  // "evented", "relisting"

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_EVENTED_PLEG_H_
