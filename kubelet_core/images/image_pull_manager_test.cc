#include "kubelet_core/images/image_pull_manager.h"

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/container/image_manager.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

using corev1::PullPolicy;

constexpr absl::Duration kTimeout = absl::Seconds(10);
const std::string kDigest = "sha256:" + std::string(64, 'c');

corev1::Pod MakePod(const std::string& uid) {
  corev1::Pod pod;
  pod.metadata.name = "web-" + uid;
  pod.metadata.uid = uid;
  return pod;
}

corev1::Container MakeContainer(const std::string& image,
                                std::optional<PullPolicy> policy = std::nullopt) {
  corev1::Container container;
  container.name = "main";
  container.image = image;
  container.image_pull_policy = policy;
  return container;
}

struct Fixture {
  explicit Fixture(ImagePullManager::Options options = {}) : images(clock) {
    auto created = ImagePullManager::Create(images, clock, std::move(options));
    REQUIRE(created.ok());
    manager = std::move(*created);
  }

  absl::StatusOr<std::string> Ensure(const corev1::Pod& pod, const corev1::Container& c) {
    return manager->EnsureImageExists(pod, c, cri::PodSandboxConfig());
  }

  std::string Id(const std::string& ref) const {
    auto resolved = images.Resolve(ref);
    REQUIRE(resolved.ok());
    return resolved->id;
  }

  log::CaptureSink logs;  // keeps test output quiet
  testing::FakeClock clock;
  testing::FakeImageService images;
  std::unique_ptr<ImagePullManager> manager;
};

std::string Reason(const absl::StatusOr<std::string>& result) {
  return container::ImageErrorReason(result.status());
}

TEST_CASE("Without a pull policy the default comes from the tag") {
  struct Case {
    std::string image;
    bool pulls_when_present;
  };
  const Case cases[] = {
      {"app", true},                        // no tag: latest, Always
      {"app:latest", true},                 //
      {"registry.example:5000/app", true},  // a port is not a tag
      {"registry.example:5000/app:latest", true},
      {"app:1.0", false},                      // IfNotPresent
      {"registry.example:5000/app:2", false},  //
      {"app@" + kDigest, false},               // a digest: IfNotPresent
      {"app:1.0@" + kDigest, false},           //
  };
  for (const Case& c : cases) {
    CAPTURE(c.image);
    Fixture f;
    REQUIRE(f.images.AddImage({c.image}).ok());
    const corev1::Container container = MakeContainer(c.image);
    CHECK((corev1::EffectivePullPolicy(container) == PullPolicy::kAlways) == c.pulls_when_present);
    absl::StatusOr<std::string> ref = f.Ensure(MakePod("uid-1"), container);
    REQUIRE(ref.ok());
    CHECK(*ref == f.Id(c.image));
    CHECK(f.images.CallCount("PullImage") == (c.pulls_when_present ? 1 : 0));
  }
}

TEST_CASE("Always pulls even when the image is present") {
  Fixture f;
  REQUIRE(f.images.AddImage({"app:1"}).ok());
  absl::StatusOr<std::string> ref =
      f.Ensure(MakePod("u"), MakeContainer("app:1", PullPolicy::kAlways));
  REQUIRE(ref.ok());
  CHECK(*ref == f.Id("app:1"));
  CHECK(f.images.AssertCalls({"ImageStatus", "PullImage"}).ok());
}

TEST_CASE("IfNotPresent pulls only an absent image") {
  Fixture f;
  const corev1::Container container = MakeContainer("app:1", PullPolicy::kIfNotPresent);
  absl::StatusOr<std::string> first = f.Ensure(MakePod("u"), container);
  REQUIRE(first.ok());
  CHECK(f.images.CallCount("PullImage") == 1);
  absl::StatusOr<std::string> second = f.Ensure(MakePod("u"), container);
  REQUIRE(second.ok());
  CHECK(*second == *first);
  CHECK(f.images.CallCount("PullImage") == 1);
  CHECK(f.images.CallCount("ImageStatus") == 2);
}

TEST_CASE("Never uses a present image and fails with ErrImageNeverPull for an absent one") {
  Fixture f;
  REQUIRE(f.images.AddImage({"here:1"}).ok());
  absl::StatusOr<std::string> present =
      f.Ensure(MakePod("u"), MakeContainer("here:1", PullPolicy::kNever));
  REQUIRE(present.ok());
  CHECK(*present == f.Id("here:1"));

  absl::StatusOr<std::string> absent =
      f.Ensure(MakePod("u"), MakeContainer("gone:1", PullPolicy::kNever));
  REQUIRE_FALSE(absent.ok());
  CHECK(Reason(absent) == container::kErrImageNeverPull);
  CHECK(absent.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absent.status().message() ==
        "Container image \"gone:1\" is not present with pull policy of Never");
  CHECK(f.images.CallCount("PullImage") == 0);
}

TEST_CASE("A malformed image name is InvalidImageName before any CRI call") {
  Fixture f;
  for (const std::string image : {"", "App:1", "app:bad tag", "app@sha256:123"}) {
    CAPTURE(image);
    absl::StatusOr<std::string> result = f.Ensure(MakePod("u"), MakeContainer(image));
    REQUIRE_FALSE(result.ok());
    CHECK(Reason(result) == container::kErrInvalidImageName);
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StartsWith(result.status().message(), "Failed to apply default image tag"));
  }
  CHECK(f.images.Calls().empty());
}

TEST_CASE("A failing ImageStatus is ImageInspectError and nothing is pulled") {
  Fixture f;
  f.images.InjectError("ImageStatus", absl::UnavailableError("runtime restarting"));
  absl::StatusOr<std::string> result = f.Ensure(MakePod("u"), MakeContainer("app:1"));
  REQUIRE_FALSE(result.ok());
  CHECK(Reason(result) == container::kErrImageInspect);
  CHECK(result.status().code() == absl::StatusCode::kUnavailable);
  CHECK(f.images.CallCount("PullImage") == 0);
}

TEST_CASE("The pull request carries the defaulted tag, the image as written and the sandbox") {
  Fixture f;
  cri::PodSandboxConfig sandbox;
  sandbox.mutable_metadata()->set_name("web");
  sandbox.mutable_metadata()->set_uid("u");
  REQUIRE(f.manager->EnsureImageExists(MakePod("u"), MakeContainer("app"), sandbox).ok());
  REQUIRE(f.Ensure(MakePod("u"), MakeContainer("other:1")).ok());

  auto pulls = f.images.RequestsTo<cri::PullImageRequest>("PullImage");
  REQUIRE(pulls.size() == 2);
  CHECK(pulls[0].image().image() == "app:latest");
  CHECK(pulls[0].image().user_specified_image() == "app");
  CHECK(pulls[0].sandbox_config().metadata().name() == "web");
  CHECK_FALSE(pulls[1].has_sandbox_config());
  auto statuses = f.images.RequestsTo<cri::ImageStatusRequest>("ImageStatus");
  CHECK(statuses[0].image().image() == "app:latest");
}

TEST_CASE("Failed pulls back off per pod and image: 10 s doubling to 300 s") {
  Fixture f;
  f.images.MarkUnpullable("gone:1");
  const corev1::Pod pod = MakePod("pod-a");
  const corev1::Container container = MakeContainer("gone:1");

  absl::StatusOr<std::string> first = f.Ensure(pod, container);
  REQUIRE_FALSE(first.ok());
  CHECK(Reason(first) == container::kErrImagePull);
  CHECK(first.status().code() == absl::StatusCode::kNotFound);
  CHECK(absl::StartsWith(first.status().message(), "Failed to pull image \"gone:1\": "));
  CHECK(f.images.CallCount("PullImage") == 1);

  int pulls = 1;
  const absl::Duration expected[] = {absl::Seconds(10), absl::Seconds(20),  absl::Seconds(40),
                                     absl::Seconds(80), absl::Seconds(160), absl::Seconds(300),
                                     absl::Seconds(300)};
  for (absl::Duration delay : expected) {
    CAPTURE(absl::FormatDuration(delay));
    CHECK(f.manager->backoff().Get(ImagePullManager::BackOffKey(pod, "gone:1")) == delay);
    // Right after the failure and just before the delay ends: back-off, no pull.
    absl::StatusOr<std::string> during = f.Ensure(pod, container);
    CHECK(Reason(during) == container::kImagePullBackOff);
    CHECK(during.status().message() == "Back-off pulling image \"gone:1\"");
    f.clock.Advance(delay - absl::Milliseconds(1));
    CHECK(Reason(f.Ensure(pod, container)) == container::kImagePullBackOff);
    CHECK(f.images.CallCount("PullImage") == pulls);
    // When it ends, the next call pulls again, fails again, and the delay grows.
    f.clock.Advance(absl::Milliseconds(1));
    CHECK(Reason(f.Ensure(pod, container)) == container::kErrImagePull);
    CHECK(f.images.CallCount("PullImage") == ++pulls);
  }

  // Another pod is not held back by this pod's failures.
  CHECK(Reason(f.Ensure(MakePod("pod-b"), container)) == container::kErrImagePull);
  CHECK(f.images.CallCount("PullImage") == pulls + 1);

  // Once the registry has the image, the first pull after the delay succeeds.
  f.images.ScriptPull("gone:1", testing::FakeImageService::PullScript());
  CHECK(Reason(f.Ensure(pod, container)) == container::kImagePullBackOff);
  f.clock.Advance(absl::Seconds(300));
  CHECK(f.Ensure(pod, container).ok());
}

TEST_CASE("Concurrent pods needing the same image share one pull") {
  Fixture f;
  f.images.SetLatency("PullImage", absl::Seconds(20));
  const corev1::Container container = MakeContainer("shared:1");
  absl::StatusOr<std::string> a, b;
  std::thread first([&] { a = f.Ensure(MakePod("a"), container); });
  REQUIRE(f.clock.WaitForSleepers(1, kTimeout));
  std::thread second([&] { b = f.Ensure(MakePod("b"), container); });
  REQUIRE(f.manager->puller().AwaitStats([](const ImagePuller::Stats& s) { return s.joined == 1; },
                                         kTimeout));
  f.clock.Advance(absl::Seconds(20));
  first.join();
  second.join();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  CHECK(f.images.CallCount("PullImage") == 1);
}

TEST_CASE("The manager pulls with the configured parallelism") {
  ImagePullManager::Options options;
  options.puller.serialize_image_pulls = false;
  options.puller.max_parallel_image_pulls = 2;
  Fixture f(options);
  f.images.SetLatency("PullImage", absl::Seconds(20));
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<std::string>> results(3);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&f, &results, i] {
      results[i] =
          f.Ensure(MakePod(absl::StrCat("p", i)), MakeContainer(absl::StrCat("img", i, ":1")));
    });
  }
  REQUIRE(f.manager->puller().AwaitStats(
      [](const ImagePuller::Stats& s) { return s.running == 2 && s.queued == 1; }, kTimeout));
  REQUIRE(f.clock.WaitForSleepers(2, kTimeout));
  CHECK(f.images.CallCount("PullImage") == 2);
  f.clock.Advance(absl::Seconds(20));
  REQUIRE(f.manager->puller().AwaitStats(
      [](const ImagePuller::Stats& s) { return s.finished == 2 && s.running == 1; }, kTimeout));
  REQUIRE(f.clock.WaitForSleepers(1, kTimeout));
  f.clock.Advance(absl::Seconds(20));
  for (std::thread& t : threads) t.join();
  for (const auto& r : results) CHECK(r.ok());
  CHECK(f.manager->puller().stats().max_running == 2);
}

TEST_CASE("Bad pull manager options are rejected") {
  testing::FakeClock clock;
  testing::FakeImageService images(clock);
  ImagePullManager::Options zero;
  zero.backoff_initial = absl::ZeroDuration();
  CHECK(ImagePullManager::Create(images, clock, zero).status().code() ==
        absl::StatusCode::kInvalidArgument);
  ImagePullManager::Options inverted;
  inverted.backoff_initial = absl::Minutes(10);
  CHECK(ImagePullManager::Create(images, clock, inverted).status().code() ==
        absl::StatusCode::kInvalidArgument);
  ImagePullManager::Options puller;
  puller.puller.max_parallel_image_pulls = 4;  // with serialized pulls
  CHECK(ImagePullManager::Create(images, clock, puller).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
