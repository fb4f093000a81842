// RemoteImageService: the CRI v1 ImageService of a runtime on a unix socket, over gRPC.
//
// Same machinery as RemoteRuntimeService (deadlines, error mapping, reduced error logs,
// validation, streamed ListImages with fallback). PullImage has its own deadline
// (RemoteOptions::pull_image_timeout), and the credentials of its AuthConfig never reach a log
// line or an error message: errors name the image only, and secrets a runtime echoes back in its
// error text are replaced by "[redacted]".
//
//   auto images = RemoteImageService::Create(options);  // StatusOr<unique_ptr<...>>
//   cri::PullImageRequest pull;
//   pull.mutable_image()->set_image("registry.example/app:1.0");  // (*images)->PullImage(pull)
//
// Threads: every method may be called from any thread; no lock on the success path.
#ifndef KRL_RUNTIME_REMOTE_REMOTE_IMAGE_SERVICE_H_
#define KRL_RUNTIME_REMOTE_REMOTE_IMAGE_SERVICE_H_

#include <grpcpp/channel.h>

#include <atomic>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/cri/v1/cri.h"
#include "runtime/image_service.h"
#include "runtime/remote/remote_caller.h"
#include "runtime/remote/remote_options.h"

namespace krl {
namespace runtime {
namespace remote {

class RemoteImageService final : public ImageService {
 public:
  // Connects to options.image_endpoint (options.runtime_endpoint when empty), waiting up to
  // options.connect_timeout, and checks that the runtime serves the CRI v1 ImageService (an
  // ImageFsInfo answered Unimplemented fails; other errors are only logged).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RemoteImageService>> Create(
      const RemoteOptions& options);

  // The same on an existing channel, e.g. RemoteRuntimeService::channel() when both services
  // share one socket.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RemoteImageService>> CreateWithChannel(
      const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel);

  RemoteImageService(const RemoteImageService&) = delete;
  RemoteImageService& operator=(const RemoteImageService&) = delete;
  ~RemoteImageService() override;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  [[nodiscard]] absl::StatusOr<cri::ListImagesResponse> ListImages(
      const cri::ListImagesRequest& request) override;
  [[nodiscard]] absl::Status StreamImages(
      const cri::StreamImagesRequest& request,
      const std::function<void(cri::StreamImagesResponse&& message)>& on_message) override;
  [[nodiscard]] absl::StatusOr<cri::ImageStatusResponse> ImageStatus(
      const cri::ImageStatusRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::PullImageResponse> PullImage(
      const cri::PullImageRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::RemoveImageResponse> RemoveImage(
      const cri::RemoveImageRequest& request) override;
  [[nodiscard]] absl::StatusOr<cri::ImageFsInfoResponse> ImageFsInfo(
      const cri::ImageFsInfoRequest& request) override;

 private:
  RemoteImageService(const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel);
  absl::Status Verify();
  const std::string& endpoint() const;

  const RemoteOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<cri::ImageService::Stub> stub_;
  RemoteCaller caller_;
  // Whether ListImages still tries StreamImages; cleared for good on Unimplemented.
  std::atomic<bool> stream_images_{true};
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REMOTE_IMAGE_SERVICE_H_
