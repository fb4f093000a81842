#include "testing/memory_usage.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <optional>

#include "absl/time/time.h"

namespace krl {
namespace testing {
namespace {

TEST_CASE("this process's status fields and CPU time are read from /proc") {
  const int64_t rss = ProcStatusBytes(getpid(), "VmRSS");
  CHECK(rss > 0);
  CHECK(rss % kKiB == 0);
  CHECK(ResidentBytes() > 0);
  CHECK(PeakResidentBytes() >= rss / 2);
  CHECK(ProcStatusBytes(getpid(), "NoSuchField") == -1);
  // Spend some CPU so the figure is above zero at the kernel's tick resolution.
  volatile uint64_t sink = 0;
  for (uint64_t i = 0; i < 200'000'000; ++i) sink = sink + i;
  std::optional<absl::Duration> cpu = ProcessCpuTime(getpid());
  REQUIRE(cpu.has_value());
  CHECK(*cpu > absl::ZeroDuration());
  CHECK_FALSE(ProcessCpuTime(-1).has_value());
}

}  // namespace
}  // namespace testing
}  // namespace krl
