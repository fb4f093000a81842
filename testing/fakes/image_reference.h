// ImageReference: an image name as a CRI runtime normalizes it (`name[:tag][@digest]`).
//
// The fakes key images by the normalized form, as containerd does, so `app` and `app:latest`
// name the same image. The registry a domain-less name belongs to is the caller's choice
// (FakeImageService::Options::default_domain); by default no domain is added.
//
//   absl::StatusOr<ImageReference> ref = ImageReference::Parse("registry.example/app", "");
//   ref->String();      // "registry.example/app:latest"
//   ref->Name();        // "registry.example/app"
//
// A value type; thread compatible.
#ifndef KRL_TESTING_FAKES_IMAGE_REFERENCE_H_
#define KRL_TESTING_FAKES_IMAGE_REFERENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace testing {

class ImageReference {
 public:
  // Parses and normalizes `reference`:
  // - a name without a domain (its first path component has no '.' or ':' and is not
  //   "localhost") gets `default_domain/` in front when default_domain is not empty, plus
  //   `library/` when the name has a single component (the convention of public registries);
  // - a reference without tag and digest gets the tag "latest";
  // - a reference with both a tag and a digest keeps only the digest.
  // InvalidArgument("invalid reference format...") for empty names, upper-case letters in the
  // repository path, white space, or a malformed digest.
  static absl::StatusOr<ImageReference> Parse(absl::string_view reference,
                                              absl::string_view default_domain);

  // The repository, with domain: "registry.example/app".
  const std::string& Name() const { return name_; }
  // Empty when the reference is by digest.
  const std::string& Tag() const { return tag_; }
  // "sha256:<64 hex>", or empty.
  const std::string& Digest() const { return digest_; }

  // "name:tag" or "name@digest".
  std::string String() const;

 private:
  std::string name_;
  std::string tag_;
  std::string digest_;
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_IMAGE_REFERENCE_H_
