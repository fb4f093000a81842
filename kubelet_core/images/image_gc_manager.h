// ImageGcManager: the kubelet's image garbage collector. When the image filesystem is fuller
// than the high threshold (85 %), it removes unused images, least recently used first, until
// usage is back at the low threshold (80 %).
//
//   auto gc = ImageGcManager::Create(runtime_service, image_service, clock, {});
//   ImageGcManager::Result result = (*gc)->GarbageCollect();   // every 5 minutes, say
//   if (!result.status.ok()) log::Warning("image GC", {{"error", result.status}});
//
// Usage is ImageFsInfo's used bytes of the image filesystem against its capacity, which CRI does
// not report: a CapacityProvider measures it (statvfs of ImageFsInfo's mountpoint by default).
// The collector remembers, per image id, when it first saw the image and when it last saw a
// container use it (DetectImages, also run by every collection). An image is never removed while
// any container (running or not) refers to it, while it is younger than min_age since first
// detected, when the runtime marks it pinned (the sandbox image), or when it is the configured
// sandbox image. With max_age set, images idle for longer are removed whatever the usage.
// Records live in memory: after a restart, images count as first detected at the first
// DetectImages, so min_age protects them once more.
//
// Threads: meant for one GC thread, but every method may be called from any thread. `run_mu_`
// serializes whole runs (it is held across their CRI calls); `mu_` guards the records and is
// never held during a CRI call, so Records() does not wait for a collection. Order: run_mu_, mu_.
#ifndef KRL_KUBELET_CORE_IMAGES_IMAGE_GC_MANAGER_H_
#define KRL_KUBELET_CORE_IMAGES_IMAGE_GC_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/image_service.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace images {

class ImageGcManager {
 public:
  // The kubelet's ImageGCPolicy and its defaults.
  struct Policy {
    // Usage at or above this starts a collection; 100 turns usage-based collection off.
    int high_threshold_percent = 85;
    // A collection frees space until usage is down to this.
    int low_threshold_percent = 80;
    // An image first seen less than this long ago is never removed (it may be about to be used).
    absl::Duration min_age = absl::Minutes(2);
    // Non-zero: images unused for longer than this are removed at every collection.
    absl::Duration max_age = absl::ZeroDuration();
  };

  // The size of the filesystem holding images.
  struct FsCapacity {
    uint64_t capacity_bytes = 0;
    // Free bytes, when measured (statvfs); unset means capacity minus ImageFsInfo's used bytes.
    std::optional<uint64_t> available_bytes;
  };
  // Measures the filesystem mounted at `mountpoint` (ImageFsInfo's fs_id.mountpoint).
  using CapacityProvider = std::function<absl::StatusOr<FsCapacity>(absl::string_view mountpoint)>;

  struct Options {
    Policy policy;
    // Unset: StatfsCapacity.
    CapacityProvider capacity;
    // The pod sandbox (pause) image; kept like a pinned image even where the runtime does not
    // pin it. Compared with the images' tags, digests and id as written (":latest" added when
    // untagged).
    std::string sandbox_image;
  };

  // What the collector knows of one image, keyed by image id.
  struct ImageRecord {
    absl::Time first_detected;
    // absl::InfinitePast() until a container is seen using the image.
    absl::Time last_used = absl::InfinitePast();
    uint64_t size = 0;
    // Pinned by the runtime, or the sandbox image.
    bool pinned = false;
  };

  // The outcome of a collection: it may have removed images and still failed.
  struct [[nodiscard]] Result {
    // OK, or why not enough space could be freed / a CRI call failed.
    absl::Status status;
    uint64_t bytes_freed = 0;
    // Ids of the removed images, in removal order.
    std::vector<std::string> removed;
    // The measurement the decision was based on (zero when collection stopped before it).
    uint64_t capacity_bytes = 0;
    uint64_t available_bytes = 0;
    int usage_percent = 0;
    // How much the usage threshold asked to free (0 when usage was below the high threshold).
    uint64_t bytes_to_free = 0;
  };

  // The runtime's services and `clock` are not owned and must outlive the manager.
  // InvalidArgument when a threshold is outside [0, 100], low is above high, or an age is
  // negative.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ImageGcManager>> Create(
      runtime::RuntimeService& runtime_service, runtime::ImageService& image_service, Clock& clock,
      Options options);

  // Capacity and free space of the filesystem at `mountpoint`, by statvfs.
  [[nodiscard]] static absl::StatusOr<FsCapacity> StatfsCapacity(absl::string_view mountpoint);

  ImageGcManager(const ImageGcManager&) = delete;
  ImageGcManager& operator=(const ImageGcManager&) = delete;

  // Lists images and containers and updates the records: new images are first detected now,
  // images some container refers to are last used now, records of gone images are dropped.
  // Calling it regularly (the kubelet: every 5 minutes) makes last-used times finer than the
  // collection period.
  [[nodiscard]] absl::Status DetectImages();

  // One collection: DetectImages, then images idle for more than max_age (when set), then, if
  // usage >= high threshold, unused images oldest first until (usage - low threshold) bytes are
  // freed. status is ResourceExhausted when the eligible images were not enough.
  Result GarbageCollect();

  // Removes every eligible image (unused, unpinned, older than min_age) whatever the usage, as
  // the kubelet does under disk pressure.
  Result DeleteUnusedImages();

  // A copy of the records, by image id.
  std::map<std::string, ImageRecord> Records() const;

  const Policy& policy() const { return options_.policy; }

 private:
  ImageGcManager(runtime::RuntimeService& runtime_service, runtime::ImageService& image_service,
                 Clock& clock, Options options);

  // DetectImages at `now`; returns the ids of the images in use.
  absl::StatusOr<absl::flat_hash_set<std::string>> DetectLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  // Removes unused, eligible images in eviction order until `bytes_to_free` are freed (or all
  // when `bytes_to_free` is max), keeping those `keep` rejects. Records removals in `result`;
  // returns the first removal error.
  absl::Status FreeSpaceLocked(uint64_t bytes_to_free, absl::Time now,
                               const absl::flat_hash_set<std::string>& in_use,
                               const std::function<bool(const ImageRecord&)>& keep, Result& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(run_mu_);
  bool IsSandboxImage(const cri::Image& image) const;

  runtime::RuntimeService& runtime_service_;
  runtime::ImageService& image_service_;
  Clock& clock_;
  const Options options_;

  // Serializes whole runs (detect, collect) so two never interleave their removals.
  krl::Mutex run_mu_;
  mutable krl::Mutex mu_ ABSL_ACQUIRED_AFTER(run_mu_);
  std::map<std::string, ImageRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_IMAGES_IMAGE_GC_MANAGER_H_
