#include "kubelet_core/container/image_manager.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

TEST_CASE("an image error carries its kubelet reason") {
  absl::Status status = ImageError(absl::StatusCode::kUnavailable, kImagePullBackOff, "back off");
  CHECK(ImageErrorReason(status) == "ImagePullBackOff");
  CHECK(status.message() == "back off");
  CHECK(status.code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("an error without a reason reads as ErrImagePull and OK as no reason") {
  CHECK(ImageErrorReason(absl::NotFoundError("x")) == "ErrImagePull");
  CHECK(ImageErrorReason(absl::OkStatus()).empty());
}

}  // namespace
}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
