#include "testing/fakes/image_reference.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace testing {
namespace {

absl::Status InvalidFormat(absl::string_view detail) {
  return absl::InvalidArgumentError(detail.empty()
                                        ? "invalid reference format"
                                        : absl::StrCat("invalid reference format: ", detail));
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<ImageReference> ImageReference::Parse(absl::string_view reference,
                                                     absl::string_view default_domain) {
  if (reference.empty()) return InvalidFormat("");
  for (char c : reference) {
    if (absl::ascii_isspace(c)) return InvalidFormat("");
  }
  ImageReference ref;
  absl::string_view rest = reference;
  size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    absl::string_view digest = rest.substr(at + 1);
    if (!absl::StartsWith(digest, "sha256:") || digest.size() != 7 + 64 ||
        !IsHex(digest.substr(7))) {
      return InvalidFormat("");
    }
    ref.digest_ = std::string(digest);
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' after the last '/' (a ':' before it belongs to a host port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    ref.tag_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (ref.tag_.empty()) return InvalidFormat("");
  }
  if (rest.empty()) return InvalidFormat("");
  size_t first_slash = rest.find('/');
  absl::string_view first = rest.substr(0, first_slash);
  bool has_domain =
      first_slash != absl::string_view::npos &&
      (absl::StrContains(first, '.') || absl::StrContains(first, ':') || first == "localhost");
  absl::string_view path = has_domain ? rest.substr(first_slash + 1) : rest;
  if (path.empty()) return InvalidFormat("");
  for (char c : path) {
    if (absl::ascii_isupper(c)) return InvalidFormat("repository name must be lowercase");
  }
  if (has_domain || default_domain.empty()) {
    ref.name_ = std::string(rest);
  } else if (absl::StrContains(path, '/')) {
    ref.name_ = absl::StrCat(default_domain, "/", path);
  } else {
    ref.name_ = absl::StrCat(default_domain, "/library/", path);
  }
  if (!ref.digest_.empty()) {
    ref.tag_.clear();
  } else if (ref.tag_.empty()) {
    ref.tag_ = "latest";
  }
  return ref;
}

std::string ImageReference::String() const {
  if (!digest_.empty()) return absl::StrCat(name_, "@", digest_);
  return absl::StrCat(name_, ":", tag_);
}

}  // namespace testing
}  // namespace krl
