// FakeImageService: an in-memory CRI ImageService that behaves like containerd's CRI plugin.
//
// Images have an id ("sha256:<64 hex>"), normalized repo tags and repo digests and a size.
// PullImage adds one (any reference pulls unless scripted otherwise), ImageStatus of an unknown
// image is an empty response, RemoveImage removes every reference of the image and succeeds for
// unknown ones, ImageFsInfo reports the sum of the image sizes. Calls are recorded and faults
// (errors, delays, corrupted responses) can be injected (see CallRecorder).
//
//   testing::FakeClock clock;
//   testing::FakeImageService images(clock);
//   images.MarkUnpullable("registry.example/missing:1.0");   // PullImage: NotFound
//
// Thread safe: one mutex guards the image store and scripts (CallRecorder has its own); it is
// never held while a pull sleeps on the clock.
#ifndef KRL_TESTING_FAKES_FAKE_IMAGE_SERVICE_H_
#define KRL_TESTING_FAKES_FAKE_IMAGE_SERVICE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/image_service.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"
#include "testing/fakes/call_recorder.h"

namespace krl {
namespace testing {

class FakeImageService final : public runtime::ImageService, public CallRecorder {
 public:
  struct Options {
    // Registry that domain-less names belong to (see ImageReference::Parse). Empty: such names
    // are kept as written, only ":latest" is added.
    std::string default_domain;
    // Size of a pulled image unless its pull is scripted with another.
    uint64_t default_image_size = 5 * 1024 * 1024;
    // Inodes each image adds to ImageFsInfo.
    uint64_t inodes_per_image = 100;
    // When false, only references scripted with ScriptPull (or added) can be pulled; others
    // fail like a registry without them.
    bool pull_unscripted = true;
    // Reported as the image filesystem's mountpoint.
    std::string image_fs_mountpoint = "/var/lib/krl-fake/snapshots";
    // Items per message of StreamImages.
    int stream_batch_size = 100;
  };

  // An image to add directly or to produce by a scripted pull.
  struct Image {
    // Reference (tag or digest form). Ignored in a PullScript (the pulled reference is used).
    std::string ref;
    // "sha256:<64 hex>"; empty derives one from the reference. Adding a second reference with
    // an existing id tags that image, as pulling another tag of the same content does.
    std::string id;
    // Bytes; 0 means Options::default_image_size.
    uint64_t size = 0;
    // The image's configured user: a numeric uid or a user name (CRI reports one of them).
    std::optional<int64_t> uid;
    std::string username;
    bool pinned = false;
  };

  struct PullScript {
    // Non-OK: the pull fails with this status and adds nothing.
    absl::Status error;
    // The pull sleeps this long on the clock first (a slow registry).
    absl::Duration latency = absl::ZeroDuration();
    // What the pull produces (ref ignored).
    Image image;
  };

  // What a reference or id resolves to (see Resolve).
  struct Resolved {
    std::string id;
    // First repo tag and first repo digest of the image; either may be empty.
    std::string repo_tag;
    std::string repo_digest;
  };

  explicit FakeImageService(Clock& clock);
  FakeImageService(Clock& clock, Options options);

  // --- runtime::ImageService ---
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

  // --- Test setup (not recorded as calls) ---
  // Makes an image present as if pulled; returns its id. InvalidArgument for a bad reference.
  absl::StatusOr<std::string> AddImage(const Image& image);
  // Scripts every later pull of `ref` (normalized first).
  void ScriptPull(absl::string_view ref, PullScript script);
  // Pulls of `ref` fail as containerd reports a reference the registry does not have:
  // NotFound `failed to pull and unpack image "<ref>": failed to resolve reference "<ref>":
  // <ref>: not found`.
  void MarkUnpullable(absl::string_view ref);
  // The image filesystem's size. CRI's ImageFsInfo carries no capacity (the kubelet measures
  // the mountpoint itself), so this is for fakes of that measurement in tests.
  void SetImageFsCapacity(uint64_t bytes);
  uint64_t ImageFsCapacity() const;

  // --- Inspection (not recorded) ---
  // Resolves a reference (normalized), a full image id or a unique prefix of an id's hex part,
  // as containerd resolves them. NotFound when nothing matches.
  absl::StatusOr<Resolved> Resolve(absl::string_view ref_or_id) const;
  bool HasImage(absl::string_view ref_or_id) const { return Resolve(ref_or_id).ok(); }
  // Every image, ordered by id.
  std::vector<cri::Image> Images() const;
  // Sum of the sizes of the images present: ImageFsInfo's used bytes.
  uint64_t UsedBytes() const;
  // The normalized form of `ref` under this fake's options; InvalidArgument when malformed.
  absl::StatusOr<std::string> Normalize(absl::string_view ref) const;

 private:
  struct StoredImage {
    std::string id;
    std::vector<std::string> refs;  // normalized tags and digests, in the order added
    uint64_t size = 0;
    std::optional<int64_t> uid;
    std::string username;
    bool pinned = false;
  };

  // Adds `ref` (normalized) to the image `image.id` (created if missing).
  std::string AddLocked(const std::string& normalized, const Image& image)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<const StoredImage*> ResolveLocked(absl::string_view ref_or_id) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  cri::Image ToCri(const StoredImage& image) const;
  uint64_t UsedBytesLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const Options options_;
  mutable krl::Mutex mu_;
  std::map<std::string, StoredImage> images_ ABSL_GUARDED_BY(mu_);       // by id
  std::map<std::string, std::string> refs_ ABSL_GUARDED_BY(mu_);         // normalized -> id
  std::map<std::string, PullScript> pull_scripts_ ABSL_GUARDED_BY(mu_);  // normalized ref
  uint64_t capacity_ ABSL_GUARDED_BY(mu_) = 100ull * 1024 * 1024 * 1024;
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_FAKE_IMAGE_SERVICE_H_
