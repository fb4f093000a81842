#include "testing/fakes/fake_image_service.h"

#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "testing/fake_clock.h"
#include "testing/fakes/image_reference.h"

namespace krl {
namespace testing {
namespace {

cri::PullImageRequest Pull(const std::string& ref) {
  cri::PullImageRequest request;
  request.mutable_image()->set_image(ref);
  return request;
}

cri::ImageStatusRequest StatusOf(const std::string& ref) {
  cri::ImageStatusRequest request;
  request.mutable_image()->set_image(ref);
  return request;
}

cri::RemoveImageRequest RemoveOf(const std::string& ref) {
  cri::RemoveImageRequest request;
  request.mutable_image()->set_image(ref);
  return request;
}

TEST_CASE("references are normalized with a latest tag and an optional default domain") {
  CHECK(ImageReference::Parse("registry.example/app", "")->String() ==
        "registry.example/app:latest");
  CHECK(ImageReference::Parse("localhost:5000/app:1", "")->String() == "localhost:5000/app:1");
  CHECK(ImageReference::Parse("app", "")->String() == "app:latest");
  CHECK(ImageReference::Parse("app", "registry.example")->String() ==
        "registry.example/library/app:latest");
  CHECK(ImageReference::Parse("team/app:2", "registry.example")->String() ==
        "registry.example/team/app:2");
  const std::string digest = "sha256:" + std::string(64, 'a');
  CHECK(ImageReference::Parse("registry.example/app:1@" + digest, "")->String() ==
        "registry.example/app@" + digest);
  CHECK(absl::IsInvalidArgument(ImageReference::Parse("", "").status()));
  CHECK(absl::IsInvalidArgument(ImageReference::Parse("Registry.example/App", "").status()));
  CHECK(absl::IsInvalidArgument(ImageReference::Parse("app@sha256:short", "").status()));
}

TEST_CASE("a pulled image has a sha256 id, its repo tag and a repo digest") {
  FakeClock clock;
  FakeImageService images(clock);
  auto pulled = images.PullImage(Pull("registry.example/app"));
  REQUIRE(pulled.ok());
  CHECK(absl::StartsWith(pulled->image_ref(), "sha256:"));
  CHECK(pulled->image_ref().size() == 7 + 64);
  auto status = images.ImageStatus(StatusOf("registry.example/app:latest"));
  REQUIRE(status.ok());
  REQUIRE(status->has_image());
  CHECK(status->image().id() == pulled->image_ref());
  CHECK(status->image().repo_tags(0) == "registry.example/app:latest");
  CHECK(absl::StartsWith(status->image().repo_digests(0), "registry.example/app@sha256:"));
  CHECK(status->image().size() == 5 * 1024 * 1024);
  // Pulling again gives the same image.
  CHECK(images.PullImage(Pull("registry.example/app:latest"))->image_ref() == pulled->image_ref());
  CHECK(images.Images().size() == 1);
}

TEST_CASE("an image is found by reference, full id or unique id prefix") {
  FakeClock clock;
  FakeImageService images(clock);
  auto id = images.AddImage({"registry.example/app:1.0"});
  REQUIRE(id.ok());
  CHECK(images.ImageStatus(StatusOf(*id))->image().id() == *id);
  CHECK(images.ImageStatus(StatusOf(id->substr(7, 12)))->image().id() == *id);
  CHECK(images.ImageStatus(StatusOf(id->substr(0, 19)))->image().id() == *id);
  CHECK(images.HasImage("registry.example/app:1.0"));
  CHECK_FALSE(images.HasImage("registry.example/app:2.0"));
}

TEST_CASE("ImageStatus of an unknown image is an empty answer and RemoveImage of it succeeds") {
  FakeClock clock;
  FakeImageService images(clock);
  auto status = images.ImageStatus(StatusOf("registry.example/none:1"));
  REQUIRE(status.ok());
  CHECK_FALSE(status->has_image());
  CHECK(images.RemoveImage(RemoveOf("registry.example/none:1")).ok());
}

TEST_CASE("RemoveImage by one tag removes the image with all its references") {
  FakeClock clock;
  FakeImageService images(clock);
  auto id = images.AddImage({"registry.example/app:1.0"});
  FakeImageService::Image alias;
  alias.ref = "registry.example/app:stable";
  alias.id = *id;
  REQUIRE(images.AddImage(alias) == id);
  REQUIRE(images.Images().size() == 1);
  CHECK(images.Images()[0].repo_tags_size() == 2);
  REQUIRE(images.RemoveImage(RemoveOf("registry.example/app:stable")).ok());
  CHECK(images.Images().empty());
  CHECK_FALSE(images.HasImage("registry.example/app:1.0"));
  CHECK_FALSE(images.HasImage(*id));
}

TEST_CASE("an unpullable image fails with containerd's NotFound and adds nothing") {
  FakeClock clock;
  FakeImageService images(clock);
  images.MarkUnpullable("registry.example/missing:1");
  auto pulled = images.PullImage(Pull("registry.example/missing:1"));
  CHECK(pulled.status().code() == absl::StatusCode::kNotFound);
  CHECK(pulled.status().message() ==
        "failed to pull and unpack image \"registry.example/missing:1\": failed to resolve "
        "reference \"registry.example/missing:1\": registry.example/missing:1: not found");
  CHECK(images.Images().empty());
  auto bad = images.PullImage(Pull("Bad Ref"));
  CHECK(bad.status().code() == absl::StatusCode::kUnknown);
  CHECK(absl::StartsWith(bad.status().message(), "failed to parse image reference \"Bad Ref\""));
}

TEST_CASE("only scripted images pull when unscripted pulls are off") {
  FakeClock clock;
  FakeImageService::Options options;
  options.pull_unscripted = false;
  FakeImageService images(clock, options);
  CHECK(absl::IsNotFound(images.PullImage(Pull("registry.example/a:1")).status()));
  FakeImageService::PullScript script;
  script.image.size = 42;
  script.image.uid = 1000;
  images.ScriptPull("registry.example/a:1", script);
  REQUIRE(images.PullImage(Pull("registry.example/a:1")).ok());
  auto status = images.ImageStatus(StatusOf("registry.example/a:1"));
  CHECK(status->image().size() == 42);
  CHECK(status->image().uid().value() == 1000);
}

TEST_CASE("a slow pull waits its latency on the fake clock") {
  FakeClock clock;
  FakeImageService images(clock);
  FakeImageService::PullScript script;
  script.latency = absl::Minutes(2);
  images.ScriptPull("registry.example/big:1", script);
  absl::Status result = absl::UnknownError("not done");
  std::thread puller([&] { result = images.PullImage(Pull("registry.example/big:1")).status(); });
  REQUIRE(clock.WaitForSleepers(1));
  CHECK_FALSE(images.HasImage("registry.example/big:1"));
  clock.Advance(absl::Minutes(2));
  puller.join();
  CHECK(result.ok());
  CHECK(images.HasImage("registry.example/big:1"));
}

TEST_CASE("ImageFsInfo follows the images present") {
  FakeClock clock;
  FakeImageService images(clock);
  auto usage = [&] {
    auto info = images.ImageFsInfo({});
    REQUIRE(info.ok());
    REQUIRE(info->image_filesystems_size() == 1);
    CHECK(info->image_filesystems(0).timestamp() == absl::ToUnixNanos(clock.Now()));
    CHECK(!info->image_filesystems(0).fs_id().mountpoint().empty());
    return info->image_filesystems(0).used_bytes().value();
  };
  CHECK(usage() == 0);
  FakeImageService::Image a{"registry.example/a:1"};
  a.size = 100;
  FakeImageService::Image b{"registry.example/b:1"};
  b.size = 250;
  REQUIRE(images.AddImage(a).ok());
  REQUIRE(images.AddImage(b).ok());
  CHECK(usage() == 350);
  CHECK(images.UsedBytes() == 350);
  REQUIRE(images.RemoveImage(RemoveOf("registry.example/a:1")).ok());
  CHECK(usage() == 250);
  images.SetImageFsCapacity(1000);
  CHECK(images.ImageFsCapacity() == 1000);
}

TEST_CASE("ListImages lists every image, ignoring the filter as containerd does") {
  FakeClock clock;
  FakeImageService::Options options;
  options.stream_batch_size = 1;
  FakeImageService images(clock, options);
  REQUIRE(images.AddImage({"registry.example/a:1"}).ok());
  REQUIRE(images.AddImage({"registry.example/b:1"}).ok());
  cri::ListImagesRequest request;
  request.mutable_filter()->mutable_image()->set_image("registry.example/a:1");
  CHECK(images.ListImages(request)->images_size() == 2);
  int messages = 0;
  REQUIRE(images
              .StreamImages({},
                            [&](cri::StreamImagesResponse&& m) {
                              CHECK(m.images_size() == 1);
                              ++messages;
                            })
              .ok());
  CHECK(messages == 2);
}

TEST_CASE("image calls are recorded and take injected errors") {
  FakeClock clock;
  FakeImageService images(clock);
  images.InjectError("PullImage", absl::UnavailableError("registry down"));
  CHECK(absl::IsUnavailable(images.PullImage(Pull("registry.example/a:1")).status()));
  CHECK(images.PullImage(Pull("registry.example/a:1")).ok());
  CHECK(images.AssertCalls({"PullImage", "PullImage"}).ok());
  CHECK(images.RequestsTo<cri::PullImageRequest>("PullImage")[1].image().image() ==
        "registry.example/a:1");
}

TEST_CASE("a pull whose answer is lost leaves the image; a mutated answer has no image ref") {
  FakeClock clock;
  FakeImageService images(clock);
  images.InjectErrorAfterEffect("PullImage", absl::DeadlineExceededError("lost"));
  CHECK(absl::IsDeadlineExceeded(images.PullImage(Pull("registry.example/a:1")).status()));
  CHECK(images.HasImage("registry.example/a:1"));
  images.InjectResponseMutation<cri::PullImageResponse>(
      "PullImage", [](cri::PullImageResponse& r) { r.clear_image_ref(); });
  absl::StatusOr<cri::PullImageResponse> pulled = images.PullImage(Pull("registry.example/b:1"));
  REQUIRE(pulled.ok());
  CHECK(pulled->image_ref().empty());
  CHECK(images.HasImage("registry.example/b:1"));
  CHECK_FALSE(images.PullImage(Pull("registry.example/c:1"))->image_ref().empty());
}

}  // namespace
}  // namespace testing
}  // namespace krl
