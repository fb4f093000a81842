#include "kubelet_core/images/image_gc_manager.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/images/image_name.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

constexpr uint64_t kFreeEverything = std::numeric_limits<uint64_t>::max();

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImageGcManager>> ImageGcManager::Create(
    runtime::RuntimeService& runtime_service, runtime::ImageService& image_service, Clock& clock,
    Options options) {
  const Policy& p = options.policy;
  if (p.high_threshold_percent < 0 || p.high_threshold_percent > 100) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid high_threshold_percent ", p.high_threshold_percent, ": must be in [0, 100]"));
  }
  if (p.low_threshold_percent < 0 || p.low_threshold_percent > 100) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid low_threshold_percent ", p.low_threshold_percent, ": must be in [0, 100]"));
  }
  if (p.low_threshold_percent > p.high_threshold_percent) {
    return absl::InvalidArgumentError(
        absl::StrCat("low_threshold_percent ", p.low_threshold_percent,
                     " must not be above high_threshold_percent ", p.high_threshold_percent));
  }
  if (p.min_age < absl::ZeroDuration() || p.max_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("min_age and max_age must not be negative");
  }
  if (p.max_age > absl::ZeroDuration() && p.max_age < p.min_age) {
    return absl::InvalidArgumentError(absl::StrCat("max_age ", absl::FormatDuration(p.max_age),
                                                   " must not be below min_age ",
                                                   absl::FormatDuration(p.min_age)));
  }
  if (!options.capacity) options.capacity = &ImageGcManager::StatfsCapacity;
  return std::unique_ptr<ImageGcManager>(
      new ImageGcManager(runtime_service, image_service, clock, std::move(options)));
}

ImageGcManager::ImageGcManager(runtime::RuntimeService& runtime_service,
                               runtime::ImageService& image_service, Clock& clock, Options options)
    : runtime_service_(runtime_service),
      image_service_(image_service),
      clock_(clock),
      options_(std::move(options)) {}

absl::StatusOr<ImageGcManager::FsCapacity> ImageGcManager::StatfsCapacity(
    absl::string_view mountpoint) {
  if (mountpoint.empty()) {
    return absl::FailedPreconditionError("the runtime reported no image filesystem mountpoint");
  }
  struct statvfs fs;
  if (statvfs(std::string(mountpoint).c_str(), &fs) != 0) {
    int error = errno;
    return absl::ErrnoToStatus(error, absl::StrCat("statvfs ", mountpoint));
  }
  FsCapacity capacity;
  capacity.capacity_bytes = static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize;
  capacity.available_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  return capacity;
}

bool ImageGcManager::IsSandboxImage(const cri::Image& image) const {
  if (options_.sandbox_image.empty()) return false;
  std::vector<std::string> names = {options_.sandbox_image};
  absl::StatusOr<ImageName> parsed = ImageName::Parse(options_.sandbox_image);
  if (parsed.ok()) names.push_back(parsed->WithDefaultTag());
  for (const std::string& name : names) {
    if (image.id() == name) return true;
    for (const std::string& tag : image.repo_tags()) {
      if (tag == name) return true;
    }
    for (const std::string& digest : image.repo_digests()) {
      if (digest == name) return true;
    }
  }
  return false;
}

absl::Status ImageGcManager::DetectImages() {
  krl::MutexLock run(&run_mu_);
  return DetectLocked(clock_.Now()).status();
}

absl::StatusOr<absl::flat_hash_set<std::string>> ImageGcManager::DetectLocked(absl::Time now) {
  absl::StatusOr<cri::ListImagesResponse> images =
      image_service_.ListImages(cri::ListImagesRequest());
  if (!images.ok()) return Annotate(images.status(), "image GC: ListImages");
  // Every container counts, whatever its state: an exited container may be restarted from it.
  absl::StatusOr<cri::ListContainersResponse> containers =
      runtime_service_.ListContainers(cri::ListContainersRequest());
  if (!containers.ok()) return Annotate(containers.status(), "image GC: ListContainers");

  // Containers name their image by id, digest or tag depending on the runtime; map all to ids.
  absl::flat_hash_map<std::string, std::string> id_of;
  for (const cri::Image& image : images->images()) {
    id_of[image.id()] = image.id();
    for (const std::string& tag : image.repo_tags()) id_of[tag] = image.id();
    for (const std::string& digest : image.repo_digests()) id_of[digest] = image.id();
  }
  absl::flat_hash_set<std::string> in_use;
  for (const cri::Container& c : containers->containers()) {
    for (const std::string* ref : {&c.image_id(), &c.image_ref(), &c.image().image()}) {
      if (ref->empty()) continue;
      auto it = id_of.find(*ref);
      if (it != id_of.end()) in_use.insert(it->second);
    }
  }

  krl::MutexLock lock(&mu_);
  absl::flat_hash_set<std::string> present;
  for (const cri::Image& image : images->images()) {
    present.insert(image.id());
    auto [it, added] = records_.try_emplace(image.id());
    ImageRecord& record = it->second;
    if (added) record.first_detected = now;
    if (in_use.contains(image.id())) record.last_used = now;
    record.size = image.size();
    record.pinned = image.pinned() || IsSandboxImage(image);
  }
  for (auto it = records_.begin(); it != records_.end();) {
    it = present.contains(it->first) ? std::next(it) : records_.erase(it);
  }
  return in_use;
}

absl::Status ImageGcManager::FreeSpaceLocked(uint64_t bytes_to_free, absl::Time now,
                                             const absl::flat_hash_set<std::string>& in_use,
                                             const std::function<bool(const ImageRecord&)>& keep,
                                             Result& result) {
  struct Candidate {
    std::string id;
    ImageRecord record;
  };
  std::vector<Candidate> candidates;
  {
    krl::MutexLock lock(&mu_);
    for (const auto& [id, record] : records_) {
      if (in_use.contains(id) || record.pinned) continue;
      // Young images may be about to be used by a container being created.
      if (now - record.first_detected < options_.policy.min_age) continue;
      if (keep && keep(record)) continue;
      candidates.push_back({id, record});
    }
  }
  // Least recently used first; never-used images (last_used infinitely past) lead, the ones
  // detected first among them first. The id makes the order total.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.record.last_used, a.record.first_detected, a.id) <
           std::tie(b.record.last_used, b.record.first_detected, b.id);
  });

  absl::Status first_error;
  int errors = 0;
  uint64_t freed = 0;
  for (const Candidate& candidate : candidates) {
    if (freed >= bytes_to_free) break;
    cri::RemoveImageRequest request;
    request.mutable_image()->set_image(candidate.id);
    absl::StatusOr<cri::RemoveImageResponse> removed = image_service_.RemoveImage(request);
    if (!removed.ok()) {
      // Keep going: another image may free the space.
      log::Warning("Image garbage collection failed to remove an image",
                   {{"image", candidate.id}, {"error", removed.status()}});
      if (errors++ == 0) first_error = removed.status();
      continue;
    }
    log::Info("Image garbage collection removed an image",
              {{"image", candidate.id}, {"size", candidate.record.size}});
    freed += candidate.record.size;
    result.bytes_freed += candidate.record.size;
    result.removed.push_back(candidate.id);
    krl::MutexLock lock(&mu_);
    records_.erase(candidate.id);
  }
  if (errors == 0) return absl::OkStatus();
  return Annotate(first_error,
                  absl::StrCat("image GC: RemoveImage failed for ", errors, " image(s), first"));
}

ImageGcManager::Result ImageGcManager::GarbageCollect() {
  krl::MutexLock run(&run_mu_);
  const absl::Time now = clock_.Now();
  Result result;
  absl::StatusOr<absl::flat_hash_set<std::string>> in_use = DetectLocked(now);
  if (!in_use.ok()) {
    result.status = in_use.status();
    return result;
  }

  const Policy& policy = options_.policy;
  if (policy.max_age > absl::ZeroDuration()) {
    // Idle time counts from the last use, or from detection for an image never used.
    auto recently_active = [&](const ImageRecord& record) {
      return now - std::max(record.last_used, record.first_detected) <= policy.max_age;
    };
    result.status = FreeSpaceLocked(kFreeEverything, now, *in_use, recently_active, result);
  }

  // Measured after the max-age pass, which may already have freed enough.
  absl::StatusOr<cri::ImageFsInfoResponse> fs =
      image_service_.ImageFsInfo(cri::ImageFsInfoRequest());
  if (!fs.ok()) {
    result.status.Update(Annotate(fs.status(), "image GC: ImageFsInfo"));
    return result;
  }
  if (fs->image_filesystems().empty()) {
    result.status.Update(
        absl::FailedPreconditionError("image GC: ImageFsInfo reported no image filesystem"));
    return result;
  }
  const cri::FilesystemUsage& usage = fs->image_filesystems(0);
  const uint64_t used = usage.used_bytes().value();
  absl::StatusOr<FsCapacity> capacity = options_.capacity(usage.fs_id().mountpoint());
  if (!capacity.ok()) {
    result.status.Update(Annotate(capacity.status(), "image GC: measuring the image filesystem"));
    return result;
  }
  if (capacity->capacity_bytes == 0) {
    result.status.Update(absl::FailedPreconditionError(absl::StrCat(
        "image GC: image filesystem ", usage.fs_id().mountpoint(), " reports zero capacity")));
    return result;
  }
  result.capacity_bytes = capacity->capacity_bytes;
  result.available_bytes = capacity->available_bytes.value_or(
      capacity->capacity_bytes - std::min(used, capacity->capacity_bytes));
  result.available_bytes = std::min(result.available_bytes, result.capacity_bytes);
  // Rounded up, as 100 minus the rounded-down free percentage.
  result.usage_percent =
      100 - static_cast<int>(result.available_bytes * 100 / result.capacity_bytes);

  if (policy.high_threshold_percent >= 100 ||
      result.usage_percent < policy.high_threshold_percent) {
    return result;
  }
  const uint64_t low_mark_free =
      result.capacity_bytes / 100 * (100 - policy.low_threshold_percent) +
      result.capacity_bytes % 100 * (100 - policy.low_threshold_percent) / 100;
  if (low_mark_free <= result.available_bytes) return result;
  result.bytes_to_free = low_mark_free - result.available_bytes;
  log::Info("Image filesystem above the high threshold; collecting images",
            {{"usage_percent", result.usage_percent},
             {"high_threshold_percent", policy.high_threshold_percent},
             {"bytes_to_free", result.bytes_to_free}});

  const uint64_t freed_before = result.bytes_freed;
  result.status.Update(FreeSpaceLocked(result.bytes_to_free, now, *in_use, nullptr, result));
  const uint64_t freed = result.bytes_freed - freed_before;
  if (freed < result.bytes_to_free) {
    absl::Status shortfall = absl::ResourceExhaustedError(absl::StrCat(
        "image GC needed to free ", result.bytes_to_free,
        " bytes to reach the low threshold, but the images eligible for removal held only ", freed,
        " bytes"));
    log::Warning("Image garbage collection could not free enough space", {{"error", shortfall}});
    // The shortfall is what a caller must act on; a removal error is in the log.
    result.status = shortfall;
  }
  return result;
}

ImageGcManager::Result ImageGcManager::DeleteUnusedImages() {
  krl::MutexLock run(&run_mu_);
  const absl::Time now = clock_.Now();
  Result result;
  absl::StatusOr<absl::flat_hash_set<std::string>> in_use = DetectLocked(now);
  if (!in_use.ok()) {
    result.status = in_use.status();
    return result;
  }
  result.status = FreeSpaceLocked(kFreeEverything, now, *in_use, nullptr, result);
  return result;
}

std::map<std::string, ImageGcManager::ImageRecord> ImageGcManager::Records() const {
  krl::MutexLock lock(&mu_);
  return records_;
}

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
