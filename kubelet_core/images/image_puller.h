// ImagePuller: runs PullImage calls through a runtime::ImageService with the kubelet's
// concurrency rules: one pull at a time by default (serializeImagePulls), or up to N at once
// (maxParallelImagePulls), and never two pulls of the same image at the same time.
//
//   auto puller = ImagePuller::Create(image_service, ImagePuller::Options());  // serialized
//   cri::PullImageRequest request;  request.mutable_image()->set_image("app:1.0");
//   absl::StatusOr<std::string> image_ref = (*puller)->Pull(request);
//
// Pulls run on the calling thread, which blocks until its turn comes (first come, first served)
// and the pull ends. A Pull for an image whose pull is already queued or running does not call
// PullImage again: it waits for that pull and gets its result. Pulls are keyed by the image
// reference alone, so the credentials of the first request are the ones used; credentials come
// from a node-wide provider (see Options), so every request for one image carries the same.
//
// Threads: any thread may call any method; pod workers call Pull concurrently. One mutex guards
// the admission queue, the in-flight table and the statistics; it is never held during a
// PullImage call. The puller must outlive every Pull call in progress.
#ifndef KRL_KUBELET_CORE_IMAGES_IMAGE_PULLER_H_
#define KRL_KUBELET_CORE_IMAGES_IMAGE_PULLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/image_service.h"

namespace krl {
namespace kubelet_core {
namespace images {

class ImagePuller {
 public:
  // Registry credentials for an image, tried in order until a pull succeeds; an empty list
  // pulls without credentials. Called on the pulling thread; must be thread safe.
  using CredentialProvider = std::function<std::vector<cri::AuthConfig>(absl::string_view image)>;

  struct Options {
    // The kubelet's serializeImagePulls: one pull at a time, node-wide.
    bool serialize_image_pulls = true;
    // The kubelet's maxParallelImagePulls, used when serialize_image_pulls is false: at most this
    // many pulls at once; 0 means no limit. Must be 0 or 1 when pulls are serialized.
    int max_parallel_image_pulls = 0;
    // Unset: every pull goes without credentials.
    CredentialProvider credentials;
  };

  // What the puller has done, for tests and metrics.
  struct Stats {
    int running = 0;      // PullImage work admitted and not finished
    int queued = 0;       // distinct images waiting for a pull slot
    int max_running = 0;  // the most ever running at once
    int64_t started = 0;  // pulls admitted (each may try several credentials)
    int64_t finished = 0;
    int64_t joined = 0;  // Pull calls that shared another call's pull
  };

  // InvalidArgument for a negative limit, or a limit above 1 with serialized pulls (the kubelet
  // refuses that combination too).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ImagePuller>> Create(
      runtime::ImageService& image_service, Options options);

  ImagePuller(const ImagePuller&) = delete;
  ImagePuller& operator=(const ImagePuller&) = delete;

  // Pulls request.image().image() (joining a pull of the same image already queued or running)
  // and returns the PullImageResponse's image_ref. The request's auth is replaced by the
  // provider's credentials when a provider is set. Errors are the runtime's, with the gRPC code
  // kept; an empty image_ref in a successful response is Internal.
  [[nodiscard]] absl::StatusOr<std::string> Pull(const cri::PullImageRequest& request);

  // The concurrency limit in force; 0 means none.
  int limit() const { return limit_; }

  Stats stats() const;

  // Blocks (in real time, bounded by `timeout`) until `condition` holds for the statistics;
  // false on timeout. Lets a test act once pulls are queued or running, without sleeping.
  [[nodiscard]] bool AwaitStats(const std::function<bool(const Stats&)>& condition,
                                absl::Duration timeout) const;

 private:
  // One pull of one image, shared by every caller that asks for the image while it is pending.
  // Both fields are read and written under mu_ (set once, by the caller that pulls).
  struct InFlight {
    bool done = false;
    absl::StatusOr<std::string> result = absl::UnknownError("pull pending");
  };

  ImagePuller(runtime::ImageService& image_service, Options options, int limit);

  absl::StatusOr<std::string> PullWithCredentials(const cri::PullImageRequest& request);

  runtime::ImageService& image_service_;
  const Options options_;
  const int limit_;

  mutable krl::Mutex mu_;
  // Admission is first come, first served: a pull may start when its ticket is the next one to
  // admit and a slot is free.
  uint64_t next_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_admitted_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::shared_ptr<InFlight>> in_flight_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_IMAGES_IMAGE_PULLER_H_
