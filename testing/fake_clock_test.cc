#include "testing/fake_clock.h"

#include <catch2/catch.hpp>
#include <thread>

namespace krl {
namespace testing {
namespace {

TEST_CASE("a fake clock stands still until advanced") {
  FakeClock clock;
  absl::Time start = clock.Now();
  CHECK(clock.Now() == start);
  clock.Advance(absl::Minutes(5));
  CHECK(clock.Now() - start == absl::Minutes(5));
}

TEST_CASE("a sleeper on the fake clock wakes only when time passes its deadline") {
  FakeClock clock;
  bool woke = false;
  std::thread sleeper([&] {
    clock.SleepFor(absl::Seconds(10));
    woke = true;
  });
  REQUIRE(clock.WaitForSleepers(1));
  clock.Advance(absl::Seconds(9));
  CHECK(clock.WaitForSleepers(1));  // still asleep
  clock.Advance(absl::Seconds(1));
  sleeper.join();
  CHECK(woke);
}

TEST_CASE("listeners see every advance with the new time") {
  FakeClock clock;
  std::vector<absl::Time> seen;
  int id = clock.AddListener([&](absl::Time now) { seen.push_back(now); });
  clock.Advance(absl::Seconds(1));
  clock.RemoveListener(id);
  clock.Advance(absl::Seconds(1));
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == clock.Now() - absl::Seconds(1));
}

}  // namespace
}  // namespace testing
}  // namespace krl
