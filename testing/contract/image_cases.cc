// Contract cases about the image service: list, status, remove and filesystem usage.
//
// No registry is reachable in tests, so pulls are not part of the contract; images a case
// removes are made present by the target (RuntimeTarget::AddImage) with content of their own.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "testing/contract/case_scope.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

std::vector<cri::Image> ListImages(CaseScope& scope, const cri::ListImagesRequest& request = {}) {
  absl::StatusOr<cri::ListImagesResponse> response = scope.is().ListImages(request);
  KRL_REQUIRE_OK(response.status());
  return {response->images().begin(), response->images().end()};
}

// The listed image that has `tag`, or an image without id.
cri::Image Tagged(const std::vector<cri::Image>& images, const std::string& tag) {
  for (const cri::Image& image : images) {
    for (const std::string& t : image.repo_tags()) {
      if (t == tag) return image;
    }
  }
  return cri::Image();
}

absl::StatusOr<cri::ImageStatusResponse> ImageStatus(CaseScope& scope, const std::string& ref) {
  cri::ImageStatusRequest request;
  request.mutable_image()->set_image(ref);
  return scope.is().ImageStatus(request);
}

absl::Status RemoveImage(CaseScope& scope, const std::string& ref) {
  cri::RemoveImageRequest request;
  request.mutable_image()->set_image(ref);
  return scope.is().RemoveImage(request).status();
}

void ListImagesListsPresentImages(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::vector<cri::Image> images = ListImages(scope);
  for (const std::string& tag : {target.image(), target.pause_image()}) {
    INFO("image " << tag);
    const cri::Image image = Tagged(images, tag);
    CHECK(absl::StartsWith(image.id(), "sha256:"));
    CHECK(image.id().size() == 7 + 64);
    CHECK(image.size() > 0);
  }
  CHECK(Tagged(images, target.image()).id() != Tagged(images, target.pause_image()).id());
}

void ImageStatusByTagAndById(RuntimeTarget& target) {
  CaseScope scope(target);
  absl::StatusOr<cri::ImageStatusResponse> by_tag = ImageStatus(scope, target.image());
  KRL_REQUIRE_OK(by_tag.status());
  REQUIRE(by_tag->has_image());
  const cri::Image& image = by_tag->image();
  CHECK(Tagged({image}, target.image()).id() == image.id());
  CHECK(image.size() > 0);
  absl::StatusOr<cri::ImageStatusResponse> by_id = ImageStatus(scope, image.id());
  KRL_REQUIRE_OK(by_id.status());
  REQUIRE(by_id->has_image());
  CHECK(by_id->image().id() == image.id());
  CHECK(Tagged(ListImages(scope), target.image()).id() == image.id());
}

void UnknownImageStatusIsEmpty(RuntimeTarget& target) {
  CaseScope scope(target);
  for (const std::string& ref :
       {std::string("krl.test/absent:1"), absl::StrCat("sha256:", std::string(64, 'e'))}) {
    absl::StatusOr<cri::ImageStatusResponse> status = ImageStatus(scope, ref);
    INFO(ref);
    KRL_REQUIRE_OK(status.status());
    CHECK_FALSE(status->has_image());
  }
}

void RemoveImageRemovesIt(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string ref = absl::StrCat("krl.test/", scope.Unique("removable"), ":1");
  KRL_REQUIRE_OK(target.AddImage(ref));
  absl::StatusOr<cri::ImageStatusResponse> present = ImageStatus(scope, ref);
  KRL_REQUIRE_OK(present.status());
  REQUIRE(present->has_image());
  CHECK(Tagged(ListImages(scope), ref).id() == present->image().id());

  KRL_REQUIRE_OK(RemoveImage(scope, ref));
  absl::StatusOr<cri::ImageStatusResponse> gone = ImageStatus(scope, ref);
  KRL_REQUIRE_OK(gone.status());
  CHECK_FALSE(gone->has_image());
  CHECK(Tagged(ListImages(scope), ref).id().empty());
  // The images the other cases run are untouched.
  CHECK_FALSE(Tagged(ListImages(scope), target.image()).id().empty());
  // Removing it again is removing an unknown image.
  KRL_CHECK_CODE(RemoveImage(scope, ref), absl::StatusCode::kOk);
}

void RemoveUnknownImageSucceeds(RuntimeTarget& target) {
  CaseScope scope(target);
  KRL_CHECK_CODE(RemoveImage(scope, "krl.test/absent:1"), absl::StatusCode::kOk);
  KRL_CHECK_CODE(RemoveImage(scope, absl::StrCat("sha256:", std::string(64, 'e'))),
                 absl::StatusCode::kOk);
}

void RemoveImageByOneTagRemovesEveryTag(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string first = absl::StrCat("krl.test/", scope.Unique("tagged"), ":1");
  const std::string second = absl::StrCat("krl.test/", scope.Unique("tagged"), ":2");
  KRL_REQUIRE_OK(target.AddImage(first));
  KRL_REQUIRE_OK(target.TagImage(first, second));
  absl::StatusOr<cri::ImageStatusResponse> status = ImageStatus(scope, second);
  KRL_REQUIRE_OK(status.status());
  REQUIRE(status->has_image());
  const std::vector<std::string> tags(status->image().repo_tags().begin(),
                                      status->image().repo_tags().end());
  CHECK(Contains(tags, first));
  CHECK(Contains(tags, second));
  // CRI removes an image, not a tag: every reference of the image goes.
  KRL_REQUIRE_OK(RemoveImage(scope, first));
  for (const std::string& ref : {first, second}) {
    absl::StatusOr<cri::ImageStatusResponse> gone = ImageStatus(scope, ref);
    KRL_REQUIRE_OK(gone.status());
    INFO(ref);
    CHECK_FALSE(gone->has_image());
  }
}

void ListImagesIgnoresItsFilter(RuntimeTarget& target) {
  CaseScope scope(target);
  cri::ListImagesRequest filtered;
  filtered.mutable_filter()->mutable_image()->set_image(target.pause_image());
  // CRI defines the filter loosely and the kubelet never sets it; containerd ignores it.
  const std::vector<cri::Image> images = ListImages(scope, filtered);
  CHECK_FALSE(Tagged(images, target.image()).id().empty());
  CHECK_FALSE(Tagged(images, target.pause_image()).id().empty());
}

void ImageFsInfoReportsUsage(RuntimeTarget& target) {
  CaseScope scope(target);
  absl::StatusOr<cri::ImageFsInfoResponse> info = scope.is().ImageFsInfo(cri::ImageFsInfoRequest());
  KRL_REQUIRE_OK(info.status());
  REQUIRE(info->image_filesystems_size() >= 1);
  const cri::FilesystemUsage& fs = info->image_filesystems(0);
  CHECK_FALSE(fs.fs_id().mountpoint().empty());
  CHECK(fs.has_used_bytes());
  CHECK(fs.has_inodes_used());
  CHECK(fs.timestamp() > 0);
}

}  // namespace

std::vector<ContractCase> ImageCases() {
  return {
      {"ListImages lists the present images with sha256 ids and sizes",
       &ListImagesListsPresentImages},
      {"ImageStatus finds an image by tag and by id", &ImageStatusByTagAndById},
      {"ImageStatus of an unknown image is an empty answer, not an error",
       &UnknownImageStatusIsEmpty},
      {"RemoveImage removes an image from ImageStatus and ListImages and a second removal "
       "succeeds",
       &RemoveImageRemovesIt},
      {"RemoveImage of an unknown image succeeds", &RemoveUnknownImageSucceeds},
      {"RemoveImage by one tag removes the image with all its tags",
       &RemoveImageByOneTagRemovesEveryTag},
      {"ListImages ignores its filter", &ListImagesIgnoresItsFilter},
      {"ImageFsInfo reports the image filesystem's mountpoint and usage", &ImageFsInfoReportsUsage},
  };
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
