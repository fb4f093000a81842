#include "kubelet_core/container/sync_result.h"

#include <catch2/catch.hpp>

#include "kubelet_core/container/reason_cache.h"

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

TEST_CASE("a sync result is ok until a step fails, and then says which step and why") {
  PodSyncResult result;
  result.Add(SyncAction::kCreatePodSandbox, "p_ns(u)");
  CHECK(result.ok());
  result.Add(SyncAction::kStartContainer, "web").Fail(kErrCrashLoopBackOff, "back-off 10s");
  absl::Status error = result.Error();
  CHECK(error.code() == absl::StatusCode::kUnknown);
  CHECK(error.message() ==
        "failed to \"StartContainer\" for \"web\" with CrashLoopBackOff: \"back-off 10s\"");
  result.Add(SyncAction::kKillContainer, "db").Fail(kErrKillContainer, "timeout");
  CHECK(result.Error().message() ==
        "[failed to \"StartContainer\" for \"web\" with CrashLoopBackOff: \"back-off 10s\", "
        "failed to \"KillContainer\" for \"db\" with KillContainerError: \"timeout\"]");
  CHECK(result.StepsOf(SyncAction::kKillContainer).size() == 1);
}

TEST_CASE("a sync error keeps its code") {
  PodSyncResult result;
  result.Fail(absl::UnavailableError("runtime down"));
  CHECK(result.Error().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("the reason cache records failed starts and forgets them on success") {
  ReasonCache reasons;
  PodSyncResult failed;
  failed.Add(SyncAction::kStartContainer, "web").Fail("ErrImagePull", "not found");
  failed.Add(SyncAction::kKillContainer, "db").Fail(kErrKillContainer, "x");  // not a start
  reasons.Update("u", failed);
  REQUIRE(reasons.Get("u", "web").has_value());
  CHECK(reasons.Get("u", "web")->reason == "ErrImagePull");
  CHECK_FALSE(reasons.Get("u", "db").has_value());
  PodSyncResult ok;
  ok.Add(SyncAction::kStartContainer, "web");
  reasons.Update("u", ok);
  CHECK_FALSE(reasons.Get("u", "web").has_value());
  reasons.Add("u", "a", {"CrashLoopBackOff", ""});
  reasons.Add("v", "a", {"CrashLoopBackOff", ""});
  reasons.RemovePod("u");
  CHECK_FALSE(reasons.Get("u", "a").has_value());
  CHECK(reasons.Get("v", "a").has_value());
}

}  // namespace
}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
