// EventChannel: the bounded queue PLEG events travel on, from the PLEG's threads to the agent's
// sync loop (the kubelet's buffered Go channel of capacity 1000).
//
//   EventChannel& events = pleg.Watch();
//   std::optional<PodLifecycleEvent> event = events.Pop(absl::Seconds(1));
//   if (event && event->type != PodLifecycleEventType::kContainerRemoved) SyncPod(event->pod_id);
//
// Producers never block: TryPush refuses an event when the queue is full (the PLEG counts and
// logs the drop; the next relist or resync repairs what was missed). Consumers block in Pop for a
// bounded real time.
//
// Thread safe: any number of producers and consumers. mu_ guards the queue and the closed flag.
#ifndef KRL_KUBELET_CORE_PLEG_EVENT_CHANNEL_H_
#define KRL_KUBELET_CORE_PLEG_EVENT_CHANNEL_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "kubelet_core/pleg/pod_lifecycle_event.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

class EventChannel {
 public:
  // The kubelet's plegChannelCapacity.
  static constexpr size_t kDefaultCapacity = 1000;

  explicit EventChannel(size_t capacity = kDefaultCapacity);
  EventChannel(const EventChannel&) = delete;
  EventChannel& operator=(const EventChannel&) = delete;

  // Queues `event` unless the channel is full or closed; returns whether it was queued.
  bool TryPush(PodLifecycleEvent event);

  // The oldest event; waits (real time) at most `timeout` for one. nullopt on timeout, or at once
  // when the channel is closed and empty.
  std::optional<PodLifecycleEvent> Pop(absl::Duration timeout);
  // The oldest event, if any, without waiting.
  std::optional<PodLifecycleEvent> TryPop();
  // Every queued event, oldest first, without waiting.
  std::vector<PodLifecycleEvent> Drain();

  // Refuses further events and wakes every waiting Pop; queued events can still be popped.
  void Close();
  bool closed() const;

  size_t size() const;
  size_t capacity() const { return capacity_; }
  bool full() const;

 private:
  const size_t capacity_;
  mutable krl::Mutex mu_;
  std::deque<PodLifecycleEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_EVENT_CHANNEL_H_
