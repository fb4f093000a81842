#include "kubelet_core/images/image_gc_manager.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/cri/v1/cri.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

// An image filesystem of 100 MiB, so a MiB is a percent.
struct Fixture {
  explicit Fixture(ImageGcManager::Policy policy = {}, std::string sandbox_image = "")
      : images(clock), runtime(clock, &images) {
    images.SetImageFsCapacity(100 * kMiB);
    ImageGcManager::Options options;
    options.policy = policy;
    options.sandbox_image = std::move(sandbox_image);
    options.capacity =
        [this](absl::string_view mountpoint) -> absl::StatusOr<ImageGcManager::FsCapacity> {
      mountpoints.push_back(std::string(mountpoint));
      ImageGcManager::FsCapacity capacity;
      capacity.capacity_bytes = images.ImageFsCapacity();
      capacity.available_bytes = available_override;
      return capacity;
    };
    auto created = ImageGcManager::Create(runtime, images, clock, std::move(options));
    REQUIRE(created.ok());
    gc = std::move(*created);
  }

  std::string Add(const std::string& ref, uint64_t mib, bool pinned = false) {
    testing::FakeImageService::Image image;
    image.ref = ref;
    image.size = mib * kMiB;
    image.pinned = pinned;
    absl::StatusOr<std::string> id = images.AddImage(image);
    REQUIRE(id.ok());
    return *id;
  }

  // A container of its own pod using `image`; started unless `start` is false.
  std::string UseImage(const std::string& image, bool start = true) {
    cri::RunPodSandboxRequest run;
    run.mutable_config()->mutable_metadata()->set_name(absl::StrCat("pod", ++pods));
    run.mutable_config()->mutable_metadata()->set_namespace_("default");
    run.mutable_config()->mutable_metadata()->set_uid(absl::StrCat("uid", pods));
    auto sandbox = runtime.RunPodSandbox(run);
    REQUIRE(sandbox.ok());
    cri::CreateContainerRequest create;
    create.set_pod_sandbox_id(sandbox->pod_sandbox_id());
    create.mutable_config()->mutable_metadata()->set_name("main");
    create.mutable_config()->mutable_image()->set_image(image);
    *create.mutable_sandbox_config() = run.config();
    auto container = runtime.CreateContainer(create);
    REQUIRE(container.ok());
    if (start) {
      cri::StartContainerRequest start_request;
      start_request.set_container_id(container->container_id());
      REQUIRE(runtime.StartContainer(start_request).ok());
    }
    return container->container_id();
  }

  void RemoveContainer(const std::string& id) {
    cri::RemoveContainerRequest request;
    request.set_container_id(id);
    REQUIRE(runtime.RemoveContainer(request).ok());
  }

  log::CaptureSink logs;  // keeps test output quiet
  testing::FakeClock clock;
  testing::FakeImageService images;
  testing::FakeRuntimeService runtime;
  std::unique_ptr<ImageGcManager> gc;
  std::optional<uint64_t> available_override;
  std::vector<std::string> mountpoints;
  int pods = 0;
};

TEST_CASE(
    "Above the high threshold GC frees down to the low threshold, least recently used first") {
  Fixture f;
  const std::string a = f.Add("a:1", 5);
  const std::string b = f.Add("b:1", 10);
  const std::string c = f.Add("c:1", 10);
  const std::string e = f.Add("e:1", 65);
  f.UseImage("e:1");
  REQUIRE(f.gc->DetectImages().ok());  // a, b, c, e first detected at t0

  // c is used until t0+1m, b until t0+2m; d appears at t0+1m and is never used.
  const std::string c_user = f.UseImage("c:1");
  f.clock.Advance(absl::Minutes(1));
  const std::string d = f.Add("d:1", 5);
  REQUIRE(f.gc->DetectImages().ok());
  f.RemoveContainer(c_user);
  const std::string b_user = f.UseImage("b:1");
  f.clock.Advance(absl::Minutes(1));
  REQUIRE(f.gc->DetectImages().ok());
  f.RemoveContainer(b_user);
  f.clock.Advance(absl::Minutes(3));

  // 95 MiB of 100: 95 % >= 85 %, so free 15 MiB to get to 80 %.
  ImageGcManager::Result result = f.gc->GarbageCollect();
  REQUIRE(result.status.ok());
  CHECK(result.usage_percent == 95);
  CHECK(result.capacity_bytes == 100 * kMiB);
  CHECK(result.bytes_to_free == 15 * kMiB);
  // Never-used images first, by detection time (a, then d), then the least recently used (c).
  CHECK(result.removed == std::vector<std::string>{a, d, c});
  CHECK(result.bytes_freed == 20 * kMiB);
  CHECK(f.images.UsedBytes() == 75 * kMiB);
  CHECK(f.images.HasImage("b:1"));
  CHECK(f.images.HasImage("e:1"));
  CHECK(f.mountpoints == std::vector<std::string>{"/var/lib/krl-fake/snapshots"});

  // Now below the high threshold: nothing to do.
  ImageGcManager::Result again = f.gc->GarbageCollect();
  REQUIRE(again.status.ok());
  CHECK(again.usage_percent == 75);
  CHECK(again.bytes_to_free == 0);
  CHECK(again.removed.empty());
}

TEST_CASE("GC starts at exactly the high threshold and not below it") {
  Fixture f;
  f.Add("big:1", 80);
  f.Add("small:1", 4);
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(5));
  ImageGcManager::Result below = f.gc->GarbageCollect();  // 84 %
  REQUIRE(below.status.ok());
  CHECK(below.usage_percent == 84);
  CHECK(below.removed.empty());
  CHECK(f.images.CallCount("RemoveImage") == 0);

  f.Add("one-more:1", 1);
  f.clock.Advance(absl::Minutes(5));
  ImageGcManager::Result at = f.gc->GarbageCollect();  // 85 %: free 5 MiB
  REQUIRE(at.status.ok());
  CHECK(at.usage_percent == 85);
  CHECK(at.bytes_to_free == 5 * kMiB);
  CHECK(at.bytes_freed >= 5 * kMiB);
}

TEST_CASE("Images used by any container, running or not, are never removed") {
  Fixture f;
  const std::string running = f.Add("running:1", 30);
  const std::string exited = f.Add("exited:1", 30);
  const std::string created = f.Add("created:1", 30);
  f.UseImage("running:1");
  const std::string exited_container = f.UseImage("exited:1");
  REQUIRE(f.runtime.ExitContainer(exited_container, 1).ok());
  f.UseImage("created:1", /*start=*/false);
  f.clock.Advance(absl::Hours(1));

  ImageGcManager::Result result = f.gc->GarbageCollect();  // 90 %
  CHECK(result.removed.empty());
  CHECK(f.images.CallCount("RemoveImage") == 0);
  CHECK(result.status.code() == absl::StatusCode::kResourceExhausted);
  auto records = f.gc->Records();
  for (const std::string& id : {running, exited, created}) {
    REQUIRE(records.count(id) == 1);
    CHECK(records[id].last_used == f.clock.Now());
    CHECK(f.images.HasImage(id));
  }
}

TEST_CASE("Images younger than the minimum age are kept until they reach it") {
  Fixture f;
  f.Add("old:1", 5);
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(5));
  const std::string young = f.Add("young:1", 85);  // 90 %: 10 MiB to free
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(2) - absl::Seconds(1));

  ImageGcManager::Result early = f.gc->GarbageCollect();
  CHECK(early.status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(early.bytes_freed == 5 * kMiB);  // only old:1 was eligible, and it was not enough
  CHECK(f.images.HasImage(young));

  f.Add("filler:1", 10);
  f.clock.Advance(absl::Seconds(1));  // young:1 is now exactly 2 minutes old
  ImageGcManager::Result later = f.gc->GarbageCollect();
  REQUIRE(later.status.ok());
  CHECK(later.removed == std::vector<std::string>{young});
  CHECK(f.images.HasImage("filler:1"));  // first detected just now
}

TEST_CASE("Pinned images and the sandbox image are never removed") {
  Fixture f(ImageGcManager::Policy(), "registry.example/pause:3.9");
  const std::string pinned = f.Add("pinned:1", 40, /*pinned=*/true);
  const std::string pause = f.Add("registry.example/pause:3.9", 40);
  const std::string other = f.Add("other:1", 10);
  REQUIRE(f.gc->DetectImages().ok());
  CHECK(f.gc->Records()[pinned].pinned);
  CHECK(f.gc->Records()[pause].pinned);
  CHECK_FALSE(f.gc->Records()[other].pinned);
  f.clock.Advance(absl::Hours(24));

  ImageGcManager::Result result = f.gc->GarbageCollect();  // 90 %: 10 MiB to free
  REQUIRE(result.status.ok());
  CHECK(result.removed == std::vector<std::string>{other});

  f.Add("more:1", 5);
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Hours(1));
  f.Add("again:1", 5);  // 90 % again, only more:1 (5 MiB) eligible
  f.clock.Advance(absl::Minutes(1));
  ImageGcManager::Result short_of = f.gc->GarbageCollect();
  CHECK(short_of.status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(f.images.HasImage(pinned));
  CHECK(f.images.HasImage(pause));
  CHECK(f.images.CallCount("RemoveImage") == 2);
}

TEST_CASE("Not enough eligible images is an error that still reports what was freed") {
  Fixture f;
  const std::string used = f.Add("used:1", 85);
  f.Add("free1:1", 2);
  f.Add("free2:1", 3);
  f.UseImage("used:1");
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(10));

  ImageGcManager::Result result = f.gc->GarbageCollect();  // 90 %: 10 MiB to free, 5 eligible
  CHECK(result.usage_percent == 90);
  CHECK(result.bytes_to_free == 10 * kMiB);
  REQUIRE_FALSE(result.status.ok());
  CHECK(result.status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(absl::StrContains(result.status.message(), absl::StrCat("free ", 10 * kMiB, " bytes")));
  CHECK(absl::StrContains(result.status.message(), absl::StrCat("only ", 5 * kMiB, " bytes")));
  CHECK(result.bytes_freed == 5 * kMiB);
  CHECK(result.removed.size() == 2);
  CHECK(f.images.HasImage(used));
}

TEST_CASE("Free space measured on the filesystem takes precedence over image usage") {
  Fixture f;
  f.Add("used:1", 40);
  f.Add("free1:1", 10);
  f.Add("free2:1", 10);
  f.UseImage("used:1");
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(10));
  // Images hold 60 MiB, but other files leave only 10 MiB free: 90 %, 10 MiB to free.
  f.available_override = 10 * kMiB;
  ImageGcManager::Result result = f.gc->GarbageCollect();
  REQUIRE(result.status.ok());
  CHECK(result.usage_percent == 90);
  CHECK(result.available_bytes == 10 * kMiB);
  CHECK(result.bytes_to_free == 10 * kMiB);
  CHECK(result.removed.size() == 1);
}

TEST_CASE("Images idle longer than the maximum age are removed whatever the usage") {
  ImageGcManager::Policy policy;
  policy.max_age = absl::Hours(1);
  Fixture f(policy);
  const std::string idle = f.Add("idle:1", 1);
  const std::string busy = f.Add("busy:1", 1);
  const std::string busy_container = f.UseImage("busy:1");
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(30));
  REQUIRE(f.gc->DetectImages().ok());  // busy:1 last used at t0+30m
  f.RemoveContainer(busy_container);

  f.clock.Advance(absl::Minutes(31));  // idle: 61 m since detection; busy: 31 m since use
  ImageGcManager::Result first = f.gc->GarbageCollect();
  REQUIRE(first.status.ok());
  CHECK(first.usage_percent == 1);  // measured after the max-age removal
  CHECK(first.removed == std::vector<std::string>{idle});

  f.clock.Advance(absl::Minutes(30));  // busy: 61 m since use
  ImageGcManager::Result second = f.gc->GarbageCollect();
  REQUIRE(second.status.ok());
  CHECK(second.removed == std::vector<std::string>{busy});
}

TEST_CASE("DeleteUnusedImages removes every eligible image whatever the usage") {
  Fixture f;
  f.Add("a:1", 1);
  f.Add("b:1", 1);
  const std::string used = f.Add("used:1", 1);
  const std::string pinned = f.Add("pinned:1", 1, true);
  f.UseImage("used:1");
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(2));
  f.Add("young:1", 1);
  ImageGcManager::Result result = f.gc->DeleteUnusedImages();
  REQUIRE(result.status.ok());
  CHECK(result.removed.size() == 2);
  CHECK(result.bytes_freed == 2 * kMiB);
  CHECK(f.images.HasImage(used));
  CHECK(f.images.HasImage(pinned));
  CHECK(f.images.HasImage("young:1"));
}

TEST_CASE("Records follow the images present and their use") {
  Fixture f;
  const absl::Time t0 = f.clock.Now();
  const std::string a = f.Add("a:1", 1);
  const std::string b = f.Add("b:1", 1);
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(1));
  f.UseImage("b:1");
  REQUIRE(f.gc->DetectImages().ok());

  auto records = f.gc->Records();
  CHECK(records[a].first_detected == t0);
  CHECK(records[a].last_used == absl::InfinitePast());
  CHECK(records[a].size == kMiB);
  CHECK(records[b].first_detected == t0);
  CHECK(records[b].last_used == t0 + absl::Minutes(1));

  cri::RemoveImageRequest remove;
  remove.mutable_image()->set_image(a);
  REQUIRE(f.images.RemoveImage(remove).ok());
  REQUIRE(f.gc->DetectImages().ok());
  CHECK(f.gc->Records().count(a) == 0);
}

TEST_CASE("A failing RemoveImage is reported and GC moves on to the next image") {
  Fixture f;
  f.Add("a:1", 10);
  const std::string b = f.Add("b:1", 10);
  f.Add("rest:1", 70);  // 90 %: 10 MiB to free
  f.UseImage("rest:1");
  REQUIRE(f.gc->DetectImages().ok());
  f.clock.Advance(absl::Minutes(5));
  f.images.InjectError("RemoveImage", absl::UnavailableError("runtime busy"));
  ImageGcManager::Result result = f.gc->GarbageCollect();
  // The first candidate failed, the second freed enough: the goal was met, the error is kept.
  CHECK(result.bytes_freed == 10 * kMiB);
  CHECK(result.removed.size() == 1);
  CHECK(result.status.code() == absl::StatusCode::kUnavailable);
  CHECK(f.images.CallCount("RemoveImage") == 2);
}

TEST_CASE("A high threshold of 100 turns usage-based GC off") {
  ImageGcManager::Policy policy;
  policy.high_threshold_percent = 100;
  Fixture f(policy);
  f.Add("a:1", 99);
  f.clock.Advance(absl::Hours(1));
  ImageGcManager::Result result = f.gc->GarbageCollect();
  REQUIRE(result.status.ok());
  CHECK(result.usage_percent == 99);
  CHECK(result.removed.empty());
}

TEST_CASE("CRI and measurement failures stop the collection with context") {
  Fixture f;
  f.runtime.InjectError("ListContainers", absl::UnavailableError("down"));
  ImageGcManager::Result listed = f.gc->GarbageCollect();
  CHECK(listed.status.code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(listed.status.message(), "ListContainers"));

  f.images.InjectError("ImageFsInfo", absl::DeadlineExceededError("slow"));
  ImageGcManager::Result fs = f.gc->GarbageCollect();
  CHECK(fs.status.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(absl::StrContains(fs.status.message(), "ImageFsInfo"));

  f.images.SetImageFsCapacity(0);
  CHECK(f.gc->GarbageCollect().status.code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("Policies the kubelet refuses are rejected") {
  testing::FakeClock clock;
  testing::FakeImageService images(clock);
  testing::FakeRuntimeService runtime(clock, &images);
  auto create = [&](ImageGcManager::Policy policy) {
    ImageGcManager::Options options;
    options.policy = policy;
    return ImageGcManager::Create(runtime, images, clock, options).status().code();
  };
  ImageGcManager::Policy p;
  CHECK(create(p) == absl::StatusCode::kOk);
  p.high_threshold_percent = 101;
  CHECK(create(p) == absl::StatusCode::kInvalidArgument);
  p = {};
  p.low_threshold_percent = -1;
  CHECK(create(p) == absl::StatusCode::kInvalidArgument);
  p = {};
  p.low_threshold_percent = 90;
  CHECK(create(p) == absl::StatusCode::kInvalidArgument);
  p = {};
  p.min_age = -absl::Seconds(1);
  CHECK(create(p) == absl::StatusCode::kInvalidArgument);
  p = {};
  p.max_age = absl::Minutes(1);  // below min_age
  CHECK(create(p) == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("StatfsCapacity measures a real filesystem and reports a missing one") {
  char dir_template[] = "/tmp/krl-gc-XXXXXX";
  char* dir = mkdtemp(dir_template);
  REQUIRE(dir != nullptr);
  absl::StatusOr<ImageGcManager::FsCapacity> fs = ImageGcManager::StatfsCapacity(dir);
  REQUIRE(fs.ok());
  CHECK(fs->capacity_bytes > 0);
  REQUIRE(fs->available_bytes.has_value());
  CHECK(*fs->available_bytes <= fs->capacity_bytes);
  rmdir(dir);
  CHECK(ImageGcManager::StatfsCapacity(dir).status().code() == absl::StatusCode::kNotFound);
  CHECK(ImageGcManager::StatfsCapacity("").status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
