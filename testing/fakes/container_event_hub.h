// ContainerEventHub: fans CRI container events out to GetContainerEvents subscribers.
//
// Each subscription gets its own thread and unbounded queue, so a slow subscriber never blocks
// the fake that publishes, and callbacks run exactly as runtime_service.h promises (in order,
// never concurrently, on_done exactly once: OK after Cancel, the hub's status when it ends).
//
//   ContainerEventHub hub;
//   auto subscription = hub.Subscribe({[](cri::ContainerEventResponse e) { ... }, on_done});
//   hub.Publish(event);  // delivered on the subscription's thread
//
// Thread safe. Publish never blocks on a subscriber. Lock order: the hub's lock, then a
// subscriber's queue lock; callbacks run with neither held.
#ifndef KRL_TESTING_FAKES_CONTAINER_EVENT_HUB_H_
#define KRL_TESTING_FAKES_CONTAINER_EVENT_HUB_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/runtime_service.h"

namespace krl {
namespace testing {
namespace internal {
class EventHubCore;
}  // namespace internal

class ContainerEventHub {
 public:
  ContainerEventHub();
  // Ends every open subscription with Unavailable ("runtime shut down").
  ~ContainerEventHub();
  ContainerEventHub(const ContainerEventHub&) = delete;
  ContainerEventHub& operator=(const ContainerEventHub&) = delete;

  // Starts a subscription that receives every event published from now on.
  std::unique_ptr<runtime::ContainerEventSubscription> Subscribe(
      runtime::ContainerEventHandlers handlers);

  // Queues `event` for every open subscription.
  void Publish(const cri::ContainerEventResponse& event);

  // Ends every open subscription: queued events are still delivered, then on_done(status).
  // `status` must not be OK. Later subscriptions are unaffected.
  void EndAll(const absl::Status& status);

  // Open subscriptions (not cancelled, not ended).
  int SubscriberCount() const;

  // Blocks (real time, at most `timeout`) until at least `count` subscriptions are open.
  [[nodiscard]] bool WaitForSubscribers(int count,
                                        absl::Duration timeout = absl::Seconds(10)) const;

 private:
  // Shared with the subscriptions, which may outlive the hub.
  std::shared_ptr<internal::EventHubCore> core_;
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_CONTAINER_EVENT_HUB_H_
