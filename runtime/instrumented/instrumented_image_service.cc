#include "runtime/instrumented/instrumented_image_service.h"

#include <utility>

namespace krl {
namespace runtime {
namespace instrumented {

InstrumentedImageService::InstrumentedImageService(std::unique_ptr<ImageService> inner,
                                                   RuntimeOperationMetrics& metrics, Clock& clock)
    : InstrumentedImageService(*inner, metrics, clock) {
  owned_ = std::move(inner);
}

InstrumentedImageService::InstrumentedImageService(ImageService& inner,
                                                   RuntimeOperationMetrics& metrics, Clock& clock)
    : inner_(inner),
      clock_(clock),
      list_images_(metrics.ForOperation("list_images")),
      stream_images_(metrics.ForOperation("stream_images")),
      image_status_(metrics.ForOperation("image_status")),
      pull_image_(metrics.ForOperation("pull_image")),
      remove_image_(metrics.ForOperation("remove_image")),
      image_fs_info_(metrics.ForOperation("image_fs_info")) {}

absl::StatusOr<cri::ListImagesResponse> InstrumentedImageService::ListImages(
    const cri::ListImagesRequest& request) {
  return list_images_.Measure(clock_, [&] { return inner_.ListImages(request); });
}

absl::Status InstrumentedImageService::StreamImages(
    const cri::StreamImagesRequest& request,
    const std::function<void(cri::StreamImagesResponse&& message)>& on_message) {
  return stream_images_.Measure(clock_, [&] { return inner_.StreamImages(request, on_message); });
}

absl::StatusOr<cri::ImageStatusResponse> InstrumentedImageService::ImageStatus(
    const cri::ImageStatusRequest& request) {
  return image_status_.Measure(clock_, [&] { return inner_.ImageStatus(request); });
}

absl::StatusOr<cri::PullImageResponse> InstrumentedImageService::PullImage(
    const cri::PullImageRequest& request) {
  return pull_image_.Measure(clock_, [&] { return inner_.PullImage(request); });
}

absl::StatusOr<cri::RemoveImageResponse> InstrumentedImageService::RemoveImage(
    const cri::RemoveImageRequest& request) {
  return remove_image_.Measure(clock_, [&] { return inner_.RemoveImage(request); });
}

absl::StatusOr<cri::ImageFsInfoResponse> InstrumentedImageService::ImageFsInfo(
    const cri::ImageFsInfoRequest& request) {
  return image_fs_info_.Measure(clock_, [&] { return inner_.ImageFsInfo(request); });
}

}  // namespace instrumented
}  // namespace runtime
}  // namespace krl
