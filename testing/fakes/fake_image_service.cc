#include "testing/fakes/fake_image_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "testing/fakes/id_generator.h"
#include "testing/fakes/image_reference.h"

namespace krl {
namespace testing {
namespace {

constexpr absl::string_view kIdPrefix = "sha256:";

bool IsLowerHex(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

// containerd's answer for a manifest the registry does not have.
absl::Status UnpullableError(const std::string& ref) {
  return absl::NotFoundError(absl::StrCat("failed to pull and unpack image \"", ref,
                                          "\": failed to resolve reference \"", ref, "\": ", ref,
                                          ": not found"));
}

}  // namespace

FakeImageService::FakeImageService(Clock& clock) : FakeImageService(clock, Options()) {}

FakeImageService::FakeImageService(Clock& clock, Options options)
    : CallRecorder(clock), options_(std::move(options)) {}

absl::StatusOr<std::string> FakeImageService::Normalize(absl::string_view ref) const {
  absl::StatusOr<ImageReference> parsed = ImageReference::Parse(ref, options_.default_domain);
  if (!parsed.ok()) return parsed.status();
  return parsed->String();
}

std::string FakeImageService::AddLocked(const std::string& normalized, const Image& image) {
  std::string id = image.id;
  if (id.empty()) id = absl::StrCat(kIdPrefix, IdGenerator::Sha256Hex("config:" + normalized));
  StoredImage& stored = images_[id];
  if (stored.id.empty()) {
    stored.id = id;
    stored.size = image.size != 0 ? image.size : options_.default_image_size;
  }
  if (image.uid.has_value()) stored.uid = image.uid;
  if (!image.username.empty()) stored.username = image.username;
  stored.pinned = stored.pinned || image.pinned;

  std::vector<std::string> refs = {normalized};
  if (!absl::StrContains(normalized, '@')) {
    // A tag also gets the repo digest a registry would report for it.
    absl::StatusOr<ImageReference> parsed = ImageReference::Parse(normalized, "");
    refs.push_back(absl::StrCat(parsed->Name(), "@", kIdPrefix,
                                IdGenerator::Sha256Hex("manifest:" + normalized)));
  }
  for (const std::string& ref : refs) {
    auto existing = refs_.find(ref);
    if (existing != refs_.end() && existing->second != id) {
      // The reference moves to the new content; the old image stays, reachable by id.
      auto old = images_.find(existing->second);
      if (old != images_.end()) {
        auto& old_refs = old->second.refs;
        old_refs.erase(std::remove(old_refs.begin(), old_refs.end(), ref), old_refs.end());
      }
    }
    refs_[ref] = id;
    if (std::find(stored.refs.begin(), stored.refs.end(), ref) == stored.refs.end()) {
      stored.refs.push_back(ref);
    }
  }
  return id;
}

absl::StatusOr<const FakeImageService::StoredImage*> FakeImageService::ResolveLocked(
    absl::string_view ref_or_id) const {
  absl::StatusOr<ImageReference> parsed = ImageReference::Parse(ref_or_id, options_.default_domain);
  if (parsed.ok()) {
    auto ref = refs_.find(parsed->String());
    if (ref != refs_.end()) {
      auto image = images_.find(ref->second);
      if (image != images_.end()) return &image->second;
    }
  }
  // Not a known reference: try it as an image id or a unique prefix of one, as containerd does.
  absl::string_view hex = ref_or_id;
  absl::ConsumePrefix(&hex, kIdPrefix);
  if (IsLowerHex(hex) && hex.size() <= 64) {
    const StoredImage* match = nullptr;
    for (const auto& [id, image] : images_) {
      if (absl::StartsWith(absl::string_view(id).substr(kIdPrefix.size()), hex)) {
        if (match != nullptr) return absl::UnknownError("ambiguous digest string");
        match = &image;
      }
    }
    if (match != nullptr) return match;
  }
  return absl::NotFoundError("not found");
}

absl::StatusOr<FakeImageService::Resolved> FakeImageService::Resolve(
    absl::string_view ref_or_id) const {
  krl::MutexLock lock(&mu_);
  absl::StatusOr<const StoredImage*> image = ResolveLocked(ref_or_id);
  if (!image.ok()) return image.status();
  Resolved resolved;
  resolved.id = (*image)->id;
  for (const std::string& ref : (*image)->refs) {
    bool digest = absl::StrContains(ref, '@');
    if (digest && resolved.repo_digest.empty()) resolved.repo_digest = ref;
    if (!digest && resolved.repo_tag.empty()) resolved.repo_tag = ref;
  }
  return resolved;
}

cri::Image FakeImageService::ToCri(const StoredImage& stored) const {
  cri::Image image;
  image.set_id(stored.id);
  for (const std::string& ref : stored.refs) {
    if (absl::StrContains(ref, '@')) {
      image.add_repo_digests(ref);
    } else {
      image.add_repo_tags(ref);
    }
  }
  image.set_size(stored.size);
  if (stored.uid.has_value()) image.mutable_uid()->set_value(*stored.uid);
  image.set_username(stored.username);
  image.set_pinned(stored.pinned);
  return image;
}

uint64_t FakeImageService::UsedBytesLocked() const {
  uint64_t used = 0;
  for (const auto& [id, image] : images_) used += image.size;
  return used;
}

absl::StatusOr<cri::ListImagesResponse> FakeImageService::ListImages(
    const cri::ListImagesRequest& request) {
  return HandleCall<cri::ListImagesResponse>("ListImages", request,
                                             [&]() -> absl::StatusOr<cri::ListImagesResponse> {
                                               // containerd ignores the filter and lists every
                                               // image; so does the fake.
                                               cri::ListImagesResponse response;
                                               krl::MutexLock lock(&mu_);
                                               for (const auto& [id, image] : images_)
                                                 *response.add_images() = ToCri(image);
                                               return response;
                                             });
}

absl::Status FakeImageService::StreamImages(
    const cri::StreamImagesRequest& request,
    const std::function<void(cri::StreamImagesResponse&& message)>& on_message) {
  return HandleStream(
      "StreamImages", request, on_message,
      [&](const std::function<void(cri::StreamImagesResponse &&)>& sink) -> absl::Status {
        SendBatches(Images(), options_.stream_batch_size,
                    &cri::StreamImagesResponse::mutable_images, sink);
        return absl::OkStatus();
      });
}

absl::StatusOr<cri::ImageStatusResponse> FakeImageService::ImageStatus(
    const cri::ImageStatusRequest& request) {
  return HandleCall<cri::ImageStatusResponse>(
      "ImageStatus", request, [&]() -> absl::StatusOr<cri::ImageStatusResponse> {
        const std::string& ref = request.image().image();
        krl::MutexLock lock(&mu_);
        absl::StatusOr<const StoredImage*> image = ResolveLocked(ref);
        if (!image.ok()) {
          // An absent image is an empty answer, not an error.
          if (absl::IsNotFound(image.status())) return cri::ImageStatusResponse();
          return absl::UnknownError(
              absl::StrCat("can not resolve \"", ref, "\" locally: ", image.status().message()));
        }
        cri::ImageStatusResponse response;
        *response.mutable_image() = ToCri(**image);
        if (request.verbose()) {
          (*response.mutable_info())["info"] =
              absl::StrCat("{\"chainID\":\"", kIdPrefix,
                           IdGenerator::Sha256Hex("chain:" + (*image)->id), "\",\"imageSpec\":{}}");
        }
        return response;
      });
}

absl::StatusOr<cri::PullImageResponse> FakeImageService::PullImage(
    const cri::PullImageRequest& request) {
  return HandleCall<cri::PullImageResponse>(
      "PullImage", request, [&]() -> absl::StatusOr<cri::PullImageResponse> {
        const std::string& ref = request.image().image();
        absl::StatusOr<std::string> normalized = Normalize(ref);
        if (!normalized.ok()) {
          return absl::UnknownError(absl::StrCat("failed to parse image reference \"", ref,
                                                 "\": ", normalized.status().message()));
        }
        std::optional<PullScript> script;
        {
          krl::MutexLock lock(&mu_);
          auto it = pull_scripts_.find(*normalized);
          if (it != pull_scripts_.end()) script = it->second;
        }
        if (!script.has_value()) {
          if (!options_.pull_unscripted) return UnpullableError(*normalized);
          script = PullScript();
        }
        if (script->latency > absl::ZeroDuration()) clock().SleepFor(script->latency);
        if (!script->error.ok()) return script->error;
        cri::PullImageResponse response;
        krl::MutexLock lock(&mu_);
        response.set_image_ref(AddLocked(*normalized, script->image));
        return response;
      });
}

absl::StatusOr<cri::RemoveImageResponse> FakeImageService::RemoveImage(
    const cri::RemoveImageRequest& request) {
  return HandleCall<cri::RemoveImageResponse>(
      "RemoveImage", request, [&]() -> absl::StatusOr<cri::RemoveImageResponse> {
        const std::string& ref = request.image().image();
        krl::MutexLock lock(&mu_);
        absl::StatusOr<const StoredImage*> image = ResolveLocked(ref);
        if (!image.ok()) {
          if (absl::IsNotFound(image.status())) return cri::RemoveImageResponse();
          return absl::UnknownError(
              absl::StrCat("can not resolve \"", ref, "\" locally: ", image.status().message()));
        }
        // Every reference of the image goes, as containerd deletes the whole image.
        std::string id = (*image)->id;
        for (const std::string& r : (*image)->refs) refs_.erase(r);
        images_.erase(id);
        return cri::RemoveImageResponse();
      });
}

absl::StatusOr<cri::ImageFsInfoResponse> FakeImageService::ImageFsInfo(
    const cri::ImageFsInfoRequest& request) {
  return HandleCall<cri::ImageFsInfoResponse>(
      "ImageFsInfo", request, [&]() -> absl::StatusOr<cri::ImageFsInfoResponse> {
        cri::ImageFsInfoResponse response;
        cri::FilesystemUsage* usage = response.add_image_filesystems();
        usage->set_timestamp(absl::ToUnixNanos(clock().Now()));
        usage->mutable_fs_id()->set_mountpoint(options_.image_fs_mountpoint);
        krl::MutexLock lock(&mu_);
        usage->mutable_used_bytes()->set_value(UsedBytesLocked());
        usage->mutable_inodes_used()->set_value(images_.size() * options_.inodes_per_image);
        return response;
      });
}

absl::StatusOr<std::string> FakeImageService::AddImage(const Image& image) {
  absl::StatusOr<std::string> normalized = Normalize(image.ref);
  if (!normalized.ok()) return normalized.status();
  krl::MutexLock lock(&mu_);
  return AddLocked(*normalized, image);
}

void FakeImageService::ScriptPull(absl::string_view ref, PullScript script) {
  absl::StatusOr<std::string> normalized = Normalize(ref);
  krl::MutexLock lock(&mu_);
  pull_scripts_[normalized.ok() ? *normalized : std::string(ref)] = std::move(script);
}

void FakeImageService::MarkUnpullable(absl::string_view ref) {
  absl::StatusOr<std::string> normalized = Normalize(ref);
  std::string key = normalized.ok() ? *normalized : std::string(ref);
  PullScript script;
  script.error = UnpullableError(key);
  krl::MutexLock lock(&mu_);
  pull_scripts_[key] = std::move(script);
}

void FakeImageService::SetImageFsCapacity(uint64_t bytes) {
  krl::MutexLock lock(&mu_);
  capacity_ = bytes;
}

uint64_t FakeImageService::ImageFsCapacity() const {
  krl::MutexLock lock(&mu_);
  return capacity_;
}

std::vector<cri::Image> FakeImageService::Images() const {
  krl::MutexLock lock(&mu_);
  std::vector<cri::Image> images;
  for (const auto& [id, image] : images_) images.push_back(ToCri(image));
  return images;
}

uint64_t FakeImageService::UsedBytes() const {
  krl::MutexLock lock(&mu_);
  return UsedBytesLocked();
}

}  // namespace testing
}  // namespace krl
