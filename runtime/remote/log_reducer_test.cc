#include "runtime/remote/log_reducer.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "testing/fake_clock.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

TEST_CASE("an identical error about one object is logged once per minute") {
  testing::FakeClock clock;
  LogReducer reducer(clock);
  CHECK(reducer.ShouldLog("c1", "not found"));
  CHECK_FALSE(reducer.ShouldLog("c1", "not found"));
  clock.Advance(absl::Seconds(59));
  CHECK_FALSE(reducer.ShouldLog("c1", "not found"));
  clock.Advance(absl::Seconds(1));
  CHECK(reducer.ShouldLog("c1", "not found"));
  CHECK_FALSE(reducer.ShouldLog("c1", "not found"));
}

TEST_CASE("a new message or another object is logged at once") {
  testing::FakeClock clock;
  LogReducer reducer(clock);
  CHECK(reducer.ShouldLog("c1", "not found"));
  CHECK(reducer.ShouldLog("c1", "timed out"));
  CHECK(reducer.ShouldLog("c2", "not found"));
  // Errors alternating between two messages are each still reduced.
  CHECK_FALSE(reducer.ShouldLog("c1", "not found"));
  CHECK_FALSE(reducer.ShouldLog("c1", "timed out"));
}

TEST_CASE("forgetting an object logs its next error at once") {
  testing::FakeClock clock;
  LogReducer reducer(clock);
  reducer.Forget("nothing recorded yet");
  CHECK(reducer.ShouldLog("c1", "not found"));
  CHECK(reducer.ShouldLog("c2", "not found"));
  reducer.Forget("c1");
  CHECK(reducer.ShouldLog("c1", "not found"));
  CHECK_FALSE(reducer.ShouldLog("c2", "not found"));
}

TEST_CASE("objects that vanish without being forgotten do not accumulate forever") {
  testing::FakeClock clock;
  LogReducer reducer(clock);
  for (int i = 0; i < 5000; ++i) REQUIRE(reducer.ShouldLog(absl::StrCat("c", i), "gone"));
  clock.Advance(absl::Minutes(2));
  // Recent entries survive the pruning that the next new object triggers.
  REQUIRE(reducer.ShouldLog("fresh", "gone"));
  CHECK_FALSE(reducer.ShouldLog("fresh", "gone"));
  CHECK(reducer.ShouldLog("c1", "gone"));
}

}  // namespace
}  // namespace remote
}  // namespace runtime
}  // namespace krl
