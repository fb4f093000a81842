#include "kubelet_core/prober/results_cache.h"

#include <catch2/catch.hpp>
#include <vector>

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

ProbeUpdate Update(ProbeType type, const std::string& id, ProbeResult result) {
  ProbeUpdate update;
  update.pod_uid = "uid-1";
  update.container_name = "app";
  update.container_id = id;
  update.type = type;
  update.result = result;
  return update;
}

TEST_CASE("the results cache stores one result per probe type and container") {
  ResultsCache cache;
  CHECK_FALSE(cache.Get(ProbeType::kLiveness, "c1").has_value());
  CHECK(cache.Set(Update(ProbeType::kLiveness, "c1", ProbeResult::kSuccess)));
  CHECK(cache.Set(Update(ProbeType::kReadiness, "c1", ProbeResult::kFailure)));
  CHECK(cache.Get(ProbeType::kLiveness, "c1") == ProbeResult::kSuccess);
  CHECK(cache.Get(ProbeType::kReadiness, "c1") == ProbeResult::kFailure);
  CHECK_FALSE(cache.Get(ProbeType::kLiveness, "c2").has_value());
  CHECK(cache.size() == 2);
  cache.Remove(ProbeType::kLiveness, "c1");
  CHECK_FALSE(cache.Get(ProbeType::kLiveness, "c1").has_value());
  CHECK(cache.size() == 1);
}

TEST_CASE("the listener hears every change and only changes") {
  std::vector<ProbeUpdate> heard;
  ResultsCache cache([&heard](const ProbeUpdate& update) { heard.push_back(update); });
  CHECK(cache.Set(Update(ProbeType::kReadiness, "c1", ProbeResult::kFailure)));  // first value
  CHECK_FALSE(cache.Set(Update(ProbeType::kReadiness, "c1", ProbeResult::kFailure)));
  CHECK(cache.Set(Update(ProbeType::kReadiness, "c1", ProbeResult::kSuccess)));
  cache.Remove(ProbeType::kReadiness, "c1");                                     // silent
  CHECK(cache.Set(Update(ProbeType::kReadiness, "c1", ProbeResult::kSuccess)));  // new again
  REQUIRE(heard.size() == 3);
  CHECK(heard[0].result == ProbeResult::kFailure);
  CHECK(heard[1].result == ProbeResult::kSuccess);
  CHECK(heard[2].container_id == "c1");
  CHECK(heard[2].pod_uid == "uid-1");
}

TEST_CASE("probe types and results have the kubelet's names") {
  CHECK(ToString(ProbeType::kLiveness) == "liveness");
  CHECK(ToString(ProbeType::kReadiness) == "readiness");
  CHECK(ToString(ProbeType::kStartup) == "startup");
  CHECK(ToString(ProbeResult::kSuccess) == "success");
  CHECK(ToString(ProbeResult::kFailure) == "failure");
  CHECK(ToString(ProbeResult::kUnknown) == "unknown");
}

}  // namespace
}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
