// ImageName: a container image reference checked against the image reference grammar that
// registries and CRI runtimes share (`[domain/]path[:tag][@digest]`).
//
// The pull manager parses every container's image with it before any CRI call: a malformed
// reference is the kubelet's InvalidImageName, and a reference without tag or digest gets the
// tag "latest" appended, as the kubelet does before asking the runtime about it.
//
//   absl::StatusOr<ImageName> name = ImageName::Parse("registry.example:5000/team/app");
//   if (!name.ok()) return name.status();          // InvalidArgument, says what is wrong
//   std::string image = name->WithDefaultTag();    // "registry.example:5000/team/app:latest"
//
// Unlike a runtime, it does not normalize: no default registry or "library/" is added, so the
// text the user wrote is what reaches the runtime. A value type; thread compatible.
#ifndef KRL_KUBELET_CORE_IMAGES_IMAGE_NAME_H_
#define KRL_KUBELET_CORE_IMAGES_IMAGE_NAME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace images {

class ImageName {
 public:
  // The longest repository name (domain and path, without tag or digest) the grammar allows.
  static constexpr size_t kMaxNameLength = 255;

  // Checks `reference`. InvalidArgument("invalid reference format: ...") when it is empty, has
  // white space or other stray characters, upper-case letters in the repository path, a bad
  // tag, domain or port, a malformed digest, a name over 255 bytes, or is a bare 64-hex id.
  static absl::StatusOr<ImageName> Parse(absl::string_view reference);

  // The registry host[:port], empty when the reference names none.
  const std::string& domain() const { return domain_; }
  // The repository path below the domain: "team/app".
  const std::string& path() const { return path_; }
  // Empty when the reference has no tag.
  const std::string& tag() const { return tag_; }
  // "algorithm:hex", empty when the reference has no digest.
  const std::string& digest() const { return digest_; }
  // Exactly the text that was parsed.
  const std::string& reference() const { return reference_; }

  // The reference as written, plus ":latest" when it has neither tag nor digest.
  std::string WithDefaultTag() const;

 private:
  std::string reference_;
  std::string domain_;
  std::string path_;
  std::string tag_;
  std::string digest_;
};

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_IMAGES_IMAGE_NAME_H_
