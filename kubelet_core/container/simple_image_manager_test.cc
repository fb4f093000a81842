#include "kubelet_core/container/simple_image_manager.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

corev1::Container WithPolicy(std::optional<corev1::PullPolicy> policy,
                             const std::string& image = "registry.test/app:1") {
  corev1::Container c;
  c.name = "app";
  c.image = image;
  c.image_pull_policy = policy;
  return c;
}

TEST_CASE("IfNotPresent pulls once, then uses the image that is there") {
  testing::FakeClock clock;
  testing::FakeImageService images(clock);
  SimpleImageManager manager(images);
  corev1::Pod pod;
  auto c = WithPolicy(corev1::PullPolicy::kIfNotPresent);
  absl::StatusOr<std::string> first = manager.EnsureImageExists(pod, c, cri::PodSandboxConfig());
  REQUIRE(first.ok());
  CHECK(absl::StartsWith(*first, "sha256:"));
  absl::StatusOr<std::string> second = manager.EnsureImageExists(pod, c, cri::PodSandboxConfig());
  REQUIRE(second.ok());
  CHECK(*second == *first);
  CHECK(images.CallCount("PullImage") == 1);
}

TEST_CASE("Always pulls every time, Never never does") {
  testing::FakeClock clock;
  testing::FakeImageService images(clock);
  SimpleImageManager manager(images);
  corev1::Pod pod;
  absl::StatusOr<std::string> never =
      manager.EnsureImageExists(pod, WithPolicy(corev1::PullPolicy::kNever), {});
  CHECK(ImageErrorReason(never.status()) == "ErrImageNeverPull");
  CHECK(images.CallCount("PullImage") == 0);
  auto always = WithPolicy(corev1::PullPolicy::kAlways);
  REQUIRE(manager.EnsureImageExists(pod, always, {}).ok());
  REQUIRE(manager.EnsureImageExists(pod, always, {}).ok());
  CHECK(images.CallCount("PullImage") == 2);
  // ":latest" defaults to Always.
  REQUIRE(
      manager.EnsureImageExists(pod, WithPolicy(std::nullopt, "registry.test/x:latest"), {}).ok());
  REQUIRE(
      manager.EnsureImageExists(pod, WithPolicy(std::nullopt, "registry.test/x:latest"), {}).ok());
  CHECK(images.CallCount("PullImage") == 4);
}

TEST_CASE("a failed pull is ErrImagePull") {
  testing::FakeClock clock;
  testing::FakeImageService images(clock);
  images.MarkUnpullable("registry.test/app:1");
  SimpleImageManager manager(images);
  absl::StatusOr<std::string> ref =
      manager.EnsureImageExists(corev1::Pod(), WithPolicy(corev1::PullPolicy::kIfNotPresent), {});
  REQUIRE_FALSE(ref.ok());
  CHECK(ImageErrorReason(ref.status()) == "ErrImagePull");
  CHECK(ref.status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
