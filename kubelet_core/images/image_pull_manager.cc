#include "kubelet_core/images/image_pull_manager.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/images/image_name.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

bool ShouldPull(corev1::PullPolicy policy, bool present) {
  switch (policy) {
    case corev1::PullPolicy::kAlways:
      return true;
    case corev1::PullPolicy::kIfNotPresent:
      return !present;
    case corev1::PullPolicy::kNever:
      return false;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImagePullManager>> ImagePullManager::Create(
    runtime::ImageService& image_service, Clock& clock, Options options) {
  if (options.backoff_initial <= absl::ZeroDuration() ||
      options.backoff_max < options.backoff_initial) {
    return absl::InvalidArgumentError(
        absl::StrCat("pull back-off must satisfy 0 < initial <= max, got initial ",
                     absl::FormatDuration(options.backoff_initial), " and max ",
                     absl::FormatDuration(options.backoff_max)));
  }
  absl::StatusOr<std::unique_ptr<ImagePuller>> puller =
      ImagePuller::Create(image_service, options.puller);
  if (!puller.ok()) return puller.status();
  return std::unique_ptr<ImagePullManager>(
      new ImagePullManager(image_service, clock, std::move(options), std::move(*puller)));
}

ImagePullManager::ImagePullManager(runtime::ImageService& image_service, Clock& clock,
                                   Options options, std::unique_ptr<ImagePuller> puller)
    : image_service_(image_service),
      clock_(clock),
      backoff_(clock, options.backoff_initial, options.backoff_max),
      puller_(std::move(puller)) {}

std::string ImagePullManager::BackOffKey(const corev1::Pod& pod, absl::string_view image) {
  return absl::StrCat(pod.metadata.uid, "_", image);
}

absl::StatusOr<std::string> ImagePullManager::EnsureImageExists(
    const corev1::Pod& pod, const corev1::Container& container,
    const cri::PodSandboxConfig& sandbox_config) {
  absl::StatusOr<ImageName> name = ImageName::Parse(container.image);
  if (!name.ok()) {
    return container::ImageError(absl::StatusCode::kInvalidArgument,
                                 container::kErrInvalidImageName,
                                 absl::StrCat("Failed to apply default image tag \"",
                                              container.image, "\": ", name.status().message()));
  }
  const std::string image = name->WithDefaultTag();

  cri::ImageStatusRequest status_request;
  status_request.mutable_image()->set_image(image);
  absl::StatusOr<cri::ImageStatusResponse> status = image_service_.ImageStatus(status_request);
  if (!status.ok()) {
    return container::ImageError(status.status().code(), container::kErrImageInspect,
                                 absl::StrCat("Failed to inspect image \"", container.image,
                                              "\": ", status.status().message()));
  }
  const bool present = status->has_image() && !status->image().id().empty();

  const corev1::PullPolicy policy = corev1::EffectivePullPolicy(container);
  if (!ShouldPull(policy, present)) {
    if (present) return status->image().id();
    return container::ImageError(absl::StatusCode::kFailedPrecondition,
                                 container::kErrImageNeverPull,
                                 absl::StrCat("Container image \"", container.image,
                                              "\" is not present with pull policy of Never"));
  }

  const std::string key = BackOffKey(pod, image);
  if (backoff_.IsInBackOffSinceUpdate(key)) {
    return container::ImageError(absl::StatusCode::kUnavailable, container::kImagePullBackOff,
                                 absl::StrCat("Back-off pulling image \"", container.image, "\""));
  }

  cri::PullImageRequest request;
  request.mutable_image()->set_image(image);
  request.mutable_image()->set_user_specified_image(container.image);
  if (sandbox_config.ByteSizeLong() > 0) *request.mutable_sandbox_config() = sandbox_config;

  log::Info("Pulling image",
            {{"image", image},
             {"pod", absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name)},
             {"container", container.name}});
  const absl::Time start = clock_.Now();
  absl::StatusOr<std::string> ref = puller_->Pull(request);
  if (!ref.ok()) {
    absl::Duration delay = backoff_.Next(key, clock_.Now());
    log::Warning("Failed to pull image",
                 {{"image", image},
                  {"pod", absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name)},
                  {"error", ref.status()},
                  {"backoff", delay}});
    return container::ImageError(
        ref.status().code(), container::kErrImagePull,
        absl::StrCat("Failed to pull image \"", container.image, "\": ", ref.status().message()));
  }
  log::Info("Successfully pulled image",
            {{"image", image}, {"ref", *ref}, {"duration", clock_.Now() - start}});
  // Entries of pods that stopped failing long ago would otherwise accumulate.
  backoff_.GarbageCollect();
  return ref;
}

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
