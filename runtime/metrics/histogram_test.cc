#include "runtime/metrics/histogram.h"

#include <catch2/catch.hpp>
#include <limits>

namespace krl {
namespace runtime {
namespace metrics {
namespace {

TEST_CASE("a value equal to a bound lands in that bound's bucket (le is inclusive)") {
  Histogram h({1, 2, 5});
  h.Observe(1);
  h.Observe(1.5);
  h.Observe(5);
  h.Observe(7);
  HistogramSnapshot s = h.Snapshot();
  CHECK(s.bucket_counts == std::vector<uint64_t>{1, 1, 1, 1});
  CHECK(s.count == 4);
  CHECK(s.sum == 14.5);
  CHECK(s.CumulativeCount(0) == 1);
  CHECK(s.CumulativeCount(2) == 3);
  CHECK(s.CumulativeCount(3) == 4);
}

TEST_CASE("values below the first bound and NaN go to the first and the +Inf bucket") {
  Histogram h({1});
  h.Observe(-3);
  h.Observe(std::numeric_limits<double>::quiet_NaN());
  CHECK(h.Snapshot().bucket_counts == std::vector<uint64_t>{1, 1});
}

TEST_CASE("durations are observed in seconds") {
  Histogram h({0.01, 0.1});
  h.ObserveDuration(absl::Milliseconds(50));
  HistogramSnapshot s = h.Snapshot();
  CHECK(s.bucket_counts == std::vector<uint64_t>{0, 1, 0});
  CHECK(s.sum == Approx(0.05));
}

TEST_CASE("a trailing +Inf bound is dropped because +Inf is always implicit") {
  Histogram h({1, 2, std::numeric_limits<double>::infinity()});
  CHECK(h.upper_bounds() == std::vector<double>{1, 2});
}

TEST_CASE("bucket helpers build default, exponential and linear bounds") {
  CHECK(DefaultBuckets() == std::vector<double>{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10});
  CHECK(ExponentialBuckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  CHECK(LinearBuckets(0, 5, 3) == std::vector<double>{0, 5, 10});
  CHECK(ExponentialBuckets(1, 2, 0).empty());
}

}  // namespace
}  // namespace metrics
}  // namespace runtime
}  // namespace krl
