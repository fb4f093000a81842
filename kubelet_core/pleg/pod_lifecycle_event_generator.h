// PodLifecycleEventGenerator: what the agent's sync loop needs from a PLEG, whichever kind
// (GenericPLEG relisting, EventedPLEG on the CRI event stream; NewPLEG picks one).
//
//   auto pleg = NewPLEG(options, runtime, &runtime_service, cache, clock, &registry);
//   pleg->Start();
//   while (auto event = pleg->Watch().Pop(absl::Seconds(1))) HandleEvent(*event);
//
// A PLEG keeps the Cache it was given current (every status change it sees is read into it
// before the event is delivered) and delivers events on its EventChannel.
// Threads: Start, Stop and Healthy may be called from any thread; the PLEG runs its own threads.
#ifndef KRL_KUBELET_CORE_PLEG_POD_LIFECYCLE_EVENT_GENERATOR_H_
#define KRL_KUBELET_CORE_PLEG_POD_LIFECYCLE_EVENT_GENERATOR_H_

#include "absl/status/status.h"
#include "kubelet_core/pleg/event_channel.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

class PodLifecycleEventGenerator {
 public:
  virtual ~PodLifecycleEventGenerator() = default;

  // Starts the PLEG's threads; the first relist (or stream) starts at once. Call once.
  virtual void Start() = 0;
  // Stops and joins the threads; returns promptly. Idempotent; the destructor calls it.
  // The channel stays open (events queued before are still readable).
  virtual void Stop() = 0;
  // The channel events are delivered on. Owned by the PLEG; valid for its lifetime.
  virtual EventChannel& Watch() = 0;
  // OK when the PLEG works; otherwise Unavailable with a message saying why (e.g. "pleg was last
  // seen active 3m10s ago; threshold is 3m0s"), for /healthz and the node's readiness.
  [[nodiscard]] virtual absl::Status Healthy() const = 0;
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_POD_LIFECYCLE_EVENT_GENERATOR_H_
