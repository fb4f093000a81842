#include "kubelet_core/util/backoff.h"

#include <catch2/catch.hpp>

#include "testing/fake_clock.h"

namespace krl {
namespace kubelet_core {
namespace {

TEST_CASE("the back-off doubles from 10 seconds and stops at 5 minutes") {
  testing::FakeClock clock;
  BackOff backoff(clock);
  const absl::Duration expected[] = {absl::Seconds(10),  absl::Seconds(20),  absl::Seconds(40),
                                     absl::Seconds(80),  absl::Seconds(160), absl::Seconds(300),
                                     absl::Seconds(300), absl::Seconds(300)};
  for (absl::Duration want : expected) {
    CHECK(backoff.Next("pod/c", clock.Now()) == want);
    clock.Advance(backoff.Get("pod/c"));
  }
}

TEST_CASE("a key is in back-off until its delay has passed since the failure") {
  testing::FakeClock clock;
  BackOff backoff(clock);
  const absl::Time failed = clock.Now();
  backoff.Next("k", failed);
  CHECK(backoff.IsInBackOffSince("k", failed));
  clock.Advance(absl::Seconds(9));
  CHECK(backoff.IsInBackOffSince("k", failed));
  CHECK(backoff.Remaining("k", failed) == absl::Seconds(1));
  clock.Advance(absl::Seconds(1));
  CHECK_FALSE(backoff.IsInBackOffSince("k", failed));
  CHECK_FALSE(backoff.IsInBackOffSince("unknown", failed));
}

TEST_CASE("ten quiet minutes reset a key to the initial delay") {
  testing::FakeClock clock;
  BackOff backoff(clock);
  for (int i = 0; i < 4; ++i) backoff.Next("k", clock.Now());
  CHECK(backoff.Get("k") == absl::Seconds(80));
  clock.Advance(absl::Minutes(10) + absl::Seconds(1));
  CHECK_FALSE(backoff.IsInBackOffSince("k", clock.Now()));
  CHECK(backoff.Next("k", clock.Now()) == absl::Seconds(10));
}

TEST_CASE("keys back off independently and expired ones are collected") {
  testing::FakeClock clock;
  BackOff backoff(clock, absl::Seconds(1), absl::Seconds(4));
  backoff.Next("a", clock.Now());
  backoff.Next("a", clock.Now());
  backoff.Next("b", clock.Now());
  CHECK(backoff.Get("a") == absl::Seconds(2));
  CHECK(backoff.Get("b") == absl::Seconds(1));
  clock.Advance(absl::Seconds(9));
  backoff.GarbageCollect();
  CHECK(backoff.size() == 0);
}

TEST_CASE("the update view of back-off counts from the last failure") {
  testing::FakeClock clock;
  BackOff backoff(clock);
  backoff.Next("img", clock.Now());
  CHECK(backoff.IsInBackOffSinceUpdate("img"));
  clock.Advance(absl::Seconds(10));
  CHECK_FALSE(backoff.IsInBackOffSinceUpdate("img"));
  backoff.Reset("img");
  CHECK(backoff.Get("img") == absl::ZeroDuration());
}

}  // namespace
}  // namespace kubelet_core
}  // namespace krl
