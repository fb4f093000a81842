#include "kubelet_core/images/image_puller.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace krl {
namespace kubelet_core {
namespace images {

absl::StatusOr<std::unique_ptr<ImagePuller>> ImagePuller::Create(
    runtime::ImageService& image_service, Options options) {
  if (options.max_parallel_image_pulls < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_parallel_image_pulls must not be negative, got ", options.max_parallel_image_pulls));
  }
  if (options.serialize_image_pulls && options.max_parallel_image_pulls > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_parallel_image_pulls (", options.max_parallel_image_pulls,
                     ") must be 0 or 1 when serialize_image_pulls is true"));
  }
  int limit = options.serialize_image_pulls ? 1 : options.max_parallel_image_pulls;
  return std::unique_ptr<ImagePuller>(new ImagePuller(image_service, std::move(options), limit));
}

ImagePuller::ImagePuller(runtime::ImageService& image_service, Options options, int limit)
    : image_service_(image_service), options_(std::move(options)), limit_(limit) {}

absl::StatusOr<std::string> ImagePuller::Pull(const cri::PullImageRequest& request) {
  const std::string key = request.image().image();
  std::shared_ptr<InFlight> flight;
  {
    krl::MutexLock lock(&mu_);
    auto existing = in_flight_.find(key);
    if (existing != in_flight_.end()) {
      // Someone already asked for this image: wait for that pull instead of starting another.
      flight = existing->second;
      ++stats_.joined;
      InFlight* f = flight.get();
      mu_.Await(absl::Condition(&f->done));
      return flight->result;
    }
    flight = std::make_shared<InFlight>();
    in_flight_.emplace(key, flight);
    const uint64_t ticket = next_ticket_++;
    ++stats_.queued;
    auto admitted = [this, ticket]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ticket == next_admitted_ && (limit_ == 0 || stats_.running < limit_);
    };
    mu_.Await(absl::Condition(&admitted));
    ++next_admitted_;
    --stats_.queued;
    ++stats_.running;
    ++stats_.started;
    stats_.max_running = std::max(stats_.max_running, stats_.running);
  }

  absl::StatusOr<std::string> result = PullWithCredentials(request);

  krl::MutexLock lock(&mu_);
  --stats_.running;
  ++stats_.finished;
  flight->result = result;
  flight->done = true;
  in_flight_.erase(key);
  return result;
}

absl::StatusOr<std::string> ImagePuller::PullWithCredentials(const cri::PullImageRequest& request) {
  std::vector<cri::AuthConfig> credentials;
  if (options_.credentials) credentials = options_.credentials(request.image().image());

  auto pull_once = [this](const cri::PullImageRequest& r) -> absl::StatusOr<std::string> {
    absl::StatusOr<cri::PullImageResponse> response = image_service_.PullImage(r);
    if (!response.ok()) return response.status();
    if (response->image_ref().empty()) {
      return absl::InternalError(absl::StrCat("PullImage of \"", r.image().image(),
                                              "\" returned an empty image reference"));
    }
    return response->image_ref();
  };
  if (credentials.empty()) return pull_once(request);

  // Each credential in turn, as the kubelet does with several matching pull secrets. The
  // messages never include the credentials themselves.
  std::vector<std::string> errors;
  absl::Status last;
  for (size_t i = 0; i < credentials.size(); ++i) {
    cri::PullImageRequest with_auth = request;
    *with_auth.mutable_auth() = credentials[i];
    absl::StatusOr<std::string> ref = pull_once(with_auth);
    if (ref.ok()) return ref;
    last = ref.status();
    errors.push_back(absl::StrCat("credential ", i + 1, ": ", last.message()));
  }
  return absl::Status(last.code(), absl::StrJoin(errors, "; "));
}

ImagePuller::Stats ImagePuller::stats() const {
  krl::MutexLock lock(&mu_);
  return stats_;
}

bool ImagePuller::AwaitStats(const std::function<bool(const Stats&)>& condition,
                             absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto holds = [this, &condition]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return condition(stats_); };
  return mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
}

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
