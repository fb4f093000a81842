// InstrumentedImageService: an ImageService decorator recording the kubelet's runtime operation
// metrics (list_images, image_status, pull_image, remove_image, image_fs_info, stream_images).
//
//   instrumented::RuntimeOperationMetrics op_metrics(registry);  // shared with the runtime side
//   instrumented::InstrumentedImageService is(std::move(remote_images), op_metrics);
//   absl::StatusOr<cri::PullImageResponse> pulled = is.PullImage(request);  // counted and timed
//
// Requests, responses and statuses pass through unchanged; PullImage's credentials are never
// looked at.
#ifndef KRL_RUNTIME_INSTRUMENTED_INSTRUMENTED_IMAGE_SERVICE_H_
#define KRL_RUNTIME_INSTRUMENTED_INSTRUMENTED_IMAGE_SERVICE_H_

#include <memory>
#include <vector>

#include "runtime/image_service.h"
#include "runtime/instrumented/runtime_operation_metrics.h"
#include "runtime/util/clock.h"

namespace krl {
namespace runtime {
namespace instrumented {

// Thread safe as the wrapped service is: no lock of its own, metrics are lock-free.
class InstrumentedImageService final : public ImageService {
 public:
  // Owns `inner`.
  InstrumentedImageService(std::unique_ptr<ImageService> inner, RuntimeOperationMetrics& metrics,
                           Clock& clock = RealClock::Get());
  // Borrows `inner`, which must outlive this object.
  InstrumentedImageService(ImageService& inner, RuntimeOperationMetrics& metrics,
                           Clock& clock = RealClock::Get());

  absl::StatusOr<cri::ListImagesResponse> ListImages(
      const cri::ListImagesRequest& request) override;
  absl::Status StreamImages(
      const cri::StreamImagesRequest& request,
      const std::function<void(cri::StreamImagesResponse&& message)>& on_message) override;
  absl::StatusOr<cri::ImageStatusResponse> ImageStatus(
      const cri::ImageStatusRequest& request) override;
  absl::StatusOr<cri::PullImageResponse> PullImage(const cri::PullImageRequest& request) override;
  absl::StatusOr<cri::RemoveImageResponse> RemoveImage(
      const cri::RemoveImageRequest& request) override;
  absl::StatusOr<cri::ImageFsInfoResponse> ImageFsInfo(
      const cri::ImageFsInfoRequest& request) override;

 private:
  using Operation = RuntimeOperationMetrics::Operation;

  std::unique_ptr<ImageService> owned_;
  ImageService& inner_;
  Clock& clock_;
  const Operation& list_images_;
  const Operation& stream_images_;
  const Operation& image_status_;
  const Operation& pull_image_;
  const Operation& remove_image_;
  const Operation& image_fs_info_;
};

}  // namespace instrumented
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_INSTRUMENTED_INSTRUMENTED_IMAGE_SERVICE_H_
