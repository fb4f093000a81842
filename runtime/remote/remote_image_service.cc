#include "runtime/remote/remote_image_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "runtime/grpc_status.h"
#include "runtime/remote/cri_channel.h"
#include "runtime/remote/repeated_fields.h"
#include "runtime/remote/response_validation.h"
#include "runtime/remote/streamed_list_budget.h"
#include "runtime/util/log.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

using Stub = cri::ImageService::Stub;

// Replaces every secret of `auth` found in `text`. A runtime's error may quote what it sent to
// the registry; the node's log and the caller's error must not carry it on.
std::string Redact(std::string text, const cri::AuthConfig& auth) {
  std::vector<std::string> secrets = {auth.password(), auth.auth(), auth.identity_token(),
                                      auth.registry_token()};
  // `auth` is base64("user:password"): its decoded form and password are secrets too.
  std::string decoded;
  if (!auth.auth().empty() && absl::Base64Unescape(auth.auth(), &decoded)) {
    secrets.push_back(decoded);
    const size_t colon = decoded.find(':');
    if (colon != std::string::npos) secrets.push_back(decoded.substr(colon + 1));
  }
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    absl::StrReplaceAll({{secret, "[redacted]"}}, &text);
  }
  return text;
}

bool HasSecrets(const cri::PullImageRequest& request) {
  const cri::AuthConfig& auth = request.auth();
  return !auth.password().empty() || !auth.auth().empty() || !auth.identity_token().empty() ||
         !auth.registry_token().empty();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RemoteImageService>> RemoteImageService::Create(
    const RemoteOptions& options) {
  const std::string& endpoint =
      options.image_endpoint.empty() ? options.runtime_endpoint : options.image_endpoint;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenCriChannel(endpoint, options);
  if (!channel.ok()) return channel.status();
  return CreateWithChannel(options, *std::move(channel));
}

absl::StatusOr<std::unique_ptr<RemoteImageService>> RemoteImageService::CreateWithChannel(
    const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel) {
  if (absl::Status valid = CheckRemoteOptions(options); !valid.ok()) return valid;
  if (channel == nullptr) return absl::InvalidArgumentError("CRI client: no channel given");
  std::unique_ptr<RemoteImageService> service(new RemoteImageService(options, std::move(channel)));
  if (absl::Status connected =
          WaitForCriChannel(*service->channel_, service->endpoint(), options.connect_timeout);
      !connected.ok()) {
    return connected;
  }
  if (absl::Status verified = service->Verify(); !verified.ok()) return verified;
  return service;
}

RemoteImageService::RemoteImageService(const RemoteOptions& options,
                                       std::shared_ptr<grpc::Channel> channel)
    : options_(options),
      channel_(std::move(channel)),
      stub_(cri::ImageService::NewStub(channel_)),
      caller_(options.clock != nullptr ? *options.clock : RealClock::Get()) {}

RemoteImageService::~RemoteImageService() = default;

const std::string& RemoteImageService::endpoint() const {
  return options_.image_endpoint.empty() ? options_.runtime_endpoint : options_.image_endpoint;
}

absl::Status RemoteImageService::Verify() {
  grpc::ClientContext context;
  RemoteCaller::SetTimeout(context, options_.request_timeout);
  cri::ImageFsInfoResponse response;
  grpc::Status status = stub_->ImageFsInfo(&context, cri::ImageFsInfoRequest(), &response);
  if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    return absl::UnimplementedError(absl::StrCat(
        "the image service at \"", endpoint(),
        "\" does not serve CRI v1 (runtime.v1.ImageService answered Unimplemented: ",
        status.error_message(),
        "); CRI v1 is served by containerd 1.6 or later and CRI-O 1.21 or later: upgrade the "
        "runtime, or point --image-service-endpoint at a CRI v1 image service"));
  }
  if (!status.ok()) {
    // The service exists; a failing filesystem query must not keep the node agent from starting.
    log::Warning("image service answered its first call with an error",
                 {{"endpoint", endpoint()}, {"error", FromGrpcStatus(status, "ImageFsInfo")}});
  }
  return absl::OkStatus();
}

absl::StatusOr<cri::ListImagesResponse> RemoteImageService::ListImages(
    const cri::ListImagesRequest& request) {
  if (stream_images_.load(std::memory_order_relaxed)) {
    cri::StreamImagesRequest stream_request;
    if (request.has_filter()) *stream_request.mutable_filter() = request.filter();
    absl::StatusOr<cri::ListImagesResponse> list(absl::in_place);
    StreamedListBudget budget("StreamImages", options_.max_streamed_list_bytes);
    absl::Status streamed = caller_.ServerStream<cri::StreamImagesResponse>(
        "StreamImages", options_.request_timeout,
        [&](grpc::ClientContext* context) { return stub_->StreamImages(context, stream_request); },
        [&](cri::StreamImagesResponse&& batch) {
          if (absl::Status fits = budget.Add(batch, batch.images_size()); !fits.ok()) return fits;
          absl::Status valid = ValidateImages("StreamImages", batch.images());
          if (valid.ok()) AppendMoved(batch.mutable_images(), list->mutable_images());
          return valid;
        });
    if (streamed.ok()) return list;
    if (streamed.code() != absl::StatusCode::kUnimplemented) {
      return caller_.Report(std::move(streamed), "StreamImages", "");
    }
    if (stream_images_.exchange(false, std::memory_order_relaxed)) {
      log::Info("the container runtime has no streaming list; using the unary RPC from now on",
                {{"rpc", "StreamImages"}, {"fallback", "ListImages"}});
    }
  }
  absl::StatusOr<cri::ListImagesResponse> list =
      caller_.Unary("ListImages", "", *stub_, &Stub::ListImages, request, options_.request_timeout);
  if (list.ok()) {
    absl::Status valid = ValidateImages("ListImages", list->images());
    if (!valid.ok()) return caller_.Report(std::move(valid), "ListImages", "");
  }
  return list;
}

absl::Status RemoteImageService::StreamImages(
    const cri::StreamImagesRequest& request,
    const std::function<void(cri::StreamImagesResponse&& message)>& on_message) {
  absl::Status status = caller_.ServerStream<cri::StreamImagesResponse>(
      "StreamImages", options_.request_timeout,
      [&](grpc::ClientContext* context) { return stub_->StreamImages(context, request); },
      [&](cri::StreamImagesResponse&& batch) {
        absl::Status valid = ValidateImages("StreamImages", batch.images());
        if (valid.ok()) on_message(std::move(batch));
        return valid;
      });
  return caller_.Report(std::move(status), "StreamImages", "");
}

absl::StatusOr<cri::ImageStatusResponse> RemoteImageService::ImageStatus(
    const cri::ImageStatusRequest& request) {
  return caller_.Unary("ImageStatus", request.image().image(), *stub_, &Stub::ImageStatus, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::PullImageResponse> RemoteImageService::PullImage(
    const cri::PullImageRequest& request) {
  const std::string& image = request.image().image();
  grpc::ClientContext context;
  RemoteCaller::SetTimeout(context, options_.pull_image_timeout);
  absl::StatusOr<cri::PullImageResponse> response(absl::in_place);
  grpc::Status status = stub_->PullImage(&context, request, &*response);
  if (status.ok()) return response;
  absl::Status failed = FromGrpcStatus(status, "PullImage", image);
  if (HasSecrets(request)) {
    failed = absl::Status(failed.code(), Redact(std::string(failed.message()), request.auth()));
  }
  return caller_.Report(std::move(failed), "PullImage", image);
}

absl::StatusOr<cri::RemoveImageResponse> RemoteImageService::RemoveImage(
    const cri::RemoveImageRequest& request) {
  return caller_.Unary("RemoveImage", request.image().image(), *stub_, &Stub::RemoveImage, request,
                       options_.request_timeout);
}

absl::StatusOr<cri::ImageFsInfoResponse> RemoteImageService::ImageFsInfo(
    const cri::ImageFsInfoRequest& request) {
  return caller_.Unary("ImageFsInfo", "", *stub_, &Stub::ImageFsInfo, request,
                       options_.request_timeout);
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
