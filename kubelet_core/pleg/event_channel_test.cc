#include "kubelet_core/pleg/event_channel.h"

#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

PodLifecycleEvent Event(int i) {
  return {absl::StrCat("uid-", i), PodLifecycleEventType::kContainerStarted, "c"};
}

TEST_CASE("Events come out in the order they went in") {
  EventChannel channel(10);
  REQUIRE(channel.TryPush(Event(1)));
  REQUIRE(channel.TryPush(Event(2)));
  CHECK(channel.size() == 2);
  CHECK(channel.Pop(absl::Seconds(1)) == Event(1));
  CHECK(channel.TryPop() == Event(2));
  CHECK_FALSE(channel.TryPop().has_value());
}

TEST_CASE("A full channel refuses events instead of blocking") {
  EventChannel channel(2);
  REQUIRE(channel.TryPush(Event(1)));
  REQUIRE(channel.TryPush(Event(2)));
  CHECK(channel.full());
  CHECK_FALSE(channel.TryPush(Event(3)));
  CHECK(channel.Drain() == std::vector<PodLifecycleEvent>{Event(1), Event(2)});
  CHECK(channel.TryPush(Event(3)));
}

TEST_CASE("Pop waits for an event for a bounded time") {
  EventChannel channel;
  CHECK_FALSE(channel.Pop(absl::Milliseconds(10)).has_value());
  std::thread producer([&] { channel.TryPush(Event(7)); });
  CHECK(channel.Pop(absl::Seconds(10)) == Event(7));
  producer.join();
}

TEST_CASE("Close wakes a waiting Pop and refuses new events, keeping queued ones") {
  EventChannel channel;
  REQUIRE(channel.TryPush(Event(1)));
  channel.Close();
  CHECK(channel.closed());
  CHECK_FALSE(channel.TryPush(Event(2)));
  CHECK(channel.Pop(absl::Seconds(10)) == Event(1));
  // Closed and empty: at once.
  CHECK_FALSE(channel.Pop(absl::Hours(1)).has_value());
}

TEST_CASE("Events print with their kubelet type names") {
  std::ostringstream out;
  out << PodLifecycleEvent{"u", PodLifecycleEventType::kContainerRemoved, "abc"};
  CHECK(out.str() == "ContainerRemoved pod=u container=abc");
  CHECK(EventTypeName(PodLifecycleEventType::kContainerChanged) == "ContainerChanged");
  CHECK(EventTypeName(PodLifecycleEventType::kPodSync) == "PodSync");
}

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
