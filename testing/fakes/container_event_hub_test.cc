#include "testing/fakes/container_event_hub.h"

#include <catch2/catch.hpp>
#include <vector>

#include "runtime/util/mutex.h"

namespace krl {
namespace testing {
namespace {

cri::ContainerEventResponse Event(const std::string& id) {
  cri::ContainerEventResponse event;
  event.set_container_id(id);
  return event;
}

struct Log {
  krl::Mutex mu;
  std::vector<std::string> ids ABSL_GUARDED_BY(mu);
  std::vector<absl::Status> done ABSL_GUARDED_BY(mu);
  krl::Notification finished;

  runtime::ContainerEventHandlers Handlers() {
    return {[this](cri::ContainerEventResponse e) {
              krl::MutexLock lock(&mu);
              ids.push_back(e.container_id());
            },
            [this](const absl::Status& s) {
              {
                krl::MutexLock lock(&mu);
                done.push_back(s);
              }
              finished.Notify();
            }};
  }
};

TEST_CASE("an ended hub delivers queued events before reporting its status once") {
  ContainerEventHub hub;
  Log log;
  auto subscription = hub.Subscribe(log.Handlers());
  REQUIRE(hub.WaitForSubscribers(1));
  hub.Publish(Event("a"));
  hub.Publish(Event("b"));
  hub.EndAll(absl::UnavailableError("gone"));
  hub.Publish(Event("c"));
  REQUIRE(log.finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
  subscription->Cancel();  // after the end: no second on_done
  subscription.reset();
  krl::MutexLock lock(&log.mu);
  CHECK(log.ids == std::vector<std::string>{"a", "b"});
  REQUIRE(log.done.size() == 1);
  CHECK(absl::IsUnavailable(log.done[0]));
}

TEST_CASE("a subscription may be destroyed from its own callback") {
  ContainerEventHub hub;
  krl::Notification done;
  std::unique_ptr<runtime::ContainerEventSubscription> subscription;
  krl::Notification ready;
  subscription = hub.Subscribe({[&](cri::ContainerEventResponse) {
                                  ready.WaitForNotification();
                                  subscription.reset();
                                },
                                [&](const absl::Status&) { done.Notify(); }});
  ready.Notify();
  hub.Publish(Event("x"));
  CHECK(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  CHECK(hub.SubscriberCount() == 0);
}

TEST_CASE("destroying the hub ends open subscriptions with Unavailable") {
  Log log;
  std::unique_ptr<runtime::ContainerEventSubscription> subscription;
  {
    ContainerEventHub hub;
    subscription = hub.Subscribe(log.Handlers());
  }
  REQUIRE(log.finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
  krl::MutexLock lock(&log.mu);
  CHECK(absl::IsUnavailable(log.done[0]));
}

}  // namespace
}  // namespace testing
}  // namespace krl
