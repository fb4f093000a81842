#include "kubelet_core/pleg/cache.h"

#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1767225600);

container::PodStatus StatusOf(const std::string& uid, const std::string& name) {
  container::PodStatus status;
  status.id = uid;
  status.name = name;
  status.namespace_ = "default";
  return status;
}

TEST_CASE("Get of an unknown pod gives an empty status holding only its id") {
  Cache cache;
  CacheEntry entry = cache.Get("uid-1");
  CHECK(entry.status.id == "uid-1");
  CHECK(entry.status.container_statuses.empty());
  CHECK(entry.error.ok());
  CHECK(cache.size() == 0);
}

TEST_CASE("Set stores the status with its error and time, and Delete forgets it") {
  Cache cache;
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "web"), absl::UnavailableError("down"), kT0));
  CacheEntry entry = cache.Get("uid-1");
  CHECK(entry.status.name == "web");
  CHECK(absl::IsUnavailable(entry.error));
  CHECK(entry.modified == kT0);
  CHECK(cache.Uids() == std::vector<std::string>{"uid-1"});
  cache.Delete("uid-1");
  CHECK(cache.size() == 0);
}

TEST_CASE("Set refuses a status older than the one cached") {
  Cache cache;
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "new"), absl::OkStatus(), kT0 + absl::Seconds(2)));
  CHECK_FALSE(cache.Set("uid-1", StatusOf("uid-1", "old"), absl::OkStatus(), kT0));
  CHECK(cache.Get("uid-1").status.name == "new");
  CHECK(
      cache.Set("uid-1", StatusOf("uid-1", "same time"), absl::OkStatus(), kT0 + absl::Seconds(2)));
}

TEST_CASE("GetNewerThan answers at once when the entry is strictly newer") {
  Cache cache;
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "web"), absl::OkStatus(), kT0));
  absl::StatusOr<CacheEntry> entry =
      cache.GetNewerThan("uid-1", kT0 - absl::Seconds(1), absl::Seconds(10));
  REQUIRE(entry.ok());
  CHECK(entry->status.name == "web");
}

TEST_CASE("GetNewerThan times out with DeadlineExceeded when nothing newer arrives") {
  Cache cache;
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "web"), absl::OkStatus(), kT0));
  // Same time is not newer.
  absl::StatusOr<CacheEntry> entry = cache.GetNewerThan("uid-1", kT0, absl::Milliseconds(20));
  CHECK(absl::IsDeadlineExceeded(entry.status()));
}

TEST_CASE("GetNewerThan blocks until a newer Set of that pod") {
  Cache cache;
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "old"), absl::OkStatus(), kT0));
  absl::StatusOr<CacheEntry> result = absl::UnknownError("not run");
  krl::Notification done;
  std::thread waiter([&] {
    result = cache.GetNewerThan("uid-1", kT0, absl::Seconds(10));
    done.Notify();
  });
  // Another pod's update does not release it.
  REQUIRE(cache.Set("uid-2", StatusOf("uid-2", "other"), absl::OkStatus(), kT0 + absl::Seconds(1)));
  CHECK_FALSE(done.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "new"), absl::OkStatus(), kT0 + absl::Seconds(1)));
  waiter.join();
  REQUIRE(result.ok());
  CHECK(result->status.name == "new");
}

TEST_CASE("UpdateTime releases waiters with the cached entry, or an empty one for unknown pods") {
  Cache cache;
  REQUIRE(cache.Set("uid-1", StatusOf("uid-1", "web"), absl::OkStatus(), kT0));
  absl::StatusOr<CacheEntry> known = absl::UnknownError("not run");
  absl::StatusOr<CacheEntry> unknown = absl::UnknownError("not run");
  std::thread a([&] { known = cache.GetNewerThan("uid-1", kT0, absl::Seconds(10)); });
  std::thread b([&] { unknown = cache.GetNewerThan("uid-9", kT0, absl::Seconds(10)); });
  cache.UpdateTime(kT0 + absl::Seconds(1));
  a.join();
  b.join();
  REQUIRE(known.ok());
  CHECK(known->status.name == "web");
  REQUIRE(unknown.ok());
  CHECK(unknown->status.id == "uid-9");
  CHECK(unknown->status.name.empty());
  CHECK(cache.GlobalTime() == kT0 + absl::Seconds(1));
}

TEST_CASE("The global timestamp never goes back") {
  Cache cache;
  cache.UpdateTime(kT0 + absl::Seconds(5));
  cache.UpdateTime(kT0);
  CHECK(cache.GlobalTime() == kT0 + absl::Seconds(5));
  // And a wait for a time before it is answered at once.
  CHECK(cache.GetNewerThan("uid-1", kT0, absl::Milliseconds(1)).ok());
}

TEST_CASE("Many waiters on many pods are each released by their own update") {
  Cache cache;
  constexpr int kPods = 50;
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<CacheEntry>> results(kPods, absl::UnknownError("not run"));
  for (int i = 0; i < kPods; ++i) {
    threads.emplace_back([&, i] {
      results[i] = cache.GetNewerThan(absl::StrCat("uid-", i), kT0, absl::Seconds(10));
    });
  }
  for (int i = 0; i < kPods; ++i) {
    const std::string uid = absl::StrCat("uid-", i);
    cache.Set(uid, StatusOf(uid, absl::StrCat("pod-", i)), absl::OkStatus(),
              kT0 + absl::Seconds(1));
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kPods; ++i) {
    REQUIRE(results[i].ok());
    CHECK(results[i]->status.name == absl::StrCat("pod-", i));
  }
}

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
