#include "kubelet_core/images/image_name.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid reference format: ", why));
}

bool IsLowerAlnum(char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z'); }
bool IsWordChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

// A repository path component: lower-case alphanumeric runs joined by ".", "_", "__" or a run
// of "-".
bool IsPathComponent(absl::string_view s) {
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && IsLowerAlnum(s[i])) ++i;
    if (i == start) return false;  // empty run: at the start, the end or between separators
    if (i == s.size()) return true;
    size_t sep = i;
    while (i < s.size() && !IsLowerAlnum(s[i])) ++i;
    absl::string_view separator = s.substr(sep, i - sep);
    bool dashes = std::all_of(separator.begin(), separator.end(), [](char c) { return c == '-'; });
    if (!(separator == "." || separator == "_" || separator == "__" || dashes)) return false;
  }
}

// A host name label: alphanumerics and inner dashes, either case.
bool IsDomainComponent(absl::string_view s) {
  if (s.empty() || !absl::ascii_isalnum(s.front()) || !absl::ascii_isalnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isalnum(c) || c == '-'; });
}

bool IsDigits(absl::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

absl::Status CheckDomain(absl::string_view domain) {
  absl::string_view host = domain;
  absl::string_view port;
  if (absl::StartsWith(domain, "[")) {
    // An IPv6 literal in brackets, optionally followed by ":port".
    size_t close = domain.find(']');
    if (close == absl::string_view::npos) return Invalid("unterminated IPv6 address in domain");
    absl::string_view address = domain.substr(1, close - 1);
    bool hex_or_colon = std::all_of(address.begin(), address.end(),
                                    [](char c) { return absl::ascii_isxdigit(c) || c == ':'; });
    if (address.empty() || !hex_or_colon) return Invalid("bad IPv6 address in domain");
    absl::string_view rest = domain.substr(close + 1);
    if (rest.empty()) return absl::OkStatus();
    if (rest.front() != ':' || !IsDigits(rest.substr(1))) return Invalid("bad port in domain");
    return absl::OkStatus();
  }
  size_t colon = domain.find(':');
  if (colon != absl::string_view::npos) {
    host = domain.substr(0, colon);
    port = domain.substr(colon + 1);
    if (!IsDigits(port)) return Invalid("bad port in domain");
  }
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (!IsDomainComponent(label)) return Invalid("bad domain");
  }
  return absl::OkStatus();
}

absl::Status CheckTag(absl::string_view tag) {
  if (tag.empty() || tag.size() > 128 || !IsWordChar(tag.front())) return Invalid("bad tag");
  bool ok = std::all_of(tag.begin(), tag.end(),
                        [](char c) { return IsWordChar(c) || c == '.' || c == '-'; });
  return ok ? absl::OkStatus() : Invalid("bad tag");
}

// Only the algorithms runtimes verify content with, each with its exact hex length.
absl::Status CheckDigest(absl::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == absl::string_view::npos) return Invalid("digest without algorithm");
  absl::string_view algorithm = digest.substr(0, colon);
  absl::string_view hex = digest.substr(colon + 1);
  size_t want = 0;
  if (algorithm == "sha256") want = 64;
  if (algorithm == "sha384") want = 96;
  if (algorithm == "sha512") want = 128;
  if (want == 0) return Invalid(absl::StrCat("unsupported digest algorithm \"", algorithm, "\""));
  bool lower_hex = std::all_of(hex.begin(), hex.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
  if (hex.size() != want || !lower_hex) return Invalid("bad digest");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImageName> ImageName::Parse(absl::string_view reference) {
  if (reference.empty()) return Invalid("empty image name");
  ImageName name;
  name.reference_ = std::string(reference);

  absl::string_view rest = reference;
  size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    name.digest_ = std::string(rest.substr(at + 1));
    if (absl::Status s = CheckDigest(name.digest_); !s.ok()) return s;
    rest = rest.substr(0, at);
  }
  // A tag follows the last ':' that comes after the last '/' (an earlier ':' is a port).
  size_t colon = rest.rfind(':');
  size_t slash = rest.rfind('/');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    name.tag_ = std::string(rest.substr(colon + 1));
    if (absl::Status s = CheckTag(name.tag_); !s.ok()) return s;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return Invalid("empty repository name");
  if (rest.size() > kMaxNameLength) {
    return Invalid(absl::StrCat("repository name longer than ", kMaxNameLength, " characters"));
  }

  // The first component is a registry when more follow and it looks like a host: a dot, a
  // port, "localhost", or upper-case letters (never valid in a repository path).
  absl::string_view path = rest;
  size_t first_slash = rest.find('/');
  if (first_slash != absl::string_view::npos) {
    absl::string_view first = rest.substr(0, first_slash);
    if (absl::StrContains(first, '.') || absl::StrContains(first, ':') || first == "localhost" ||
        absl::AsciiStrToLower(first) != first) {
      if (absl::Status s = CheckDomain(first); !s.ok()) return s;
      name.domain_ = std::string(first);
      path = rest.substr(first_slash + 1);
    }
  }
  for (absl::string_view component : absl::StrSplit(path, '/')) {
    if (IsPathComponent(component)) continue;
    if (IsPathComponent(absl::AsciiStrToLower(component))) {
      return Invalid("repository name must be lowercase");
    }
    return Invalid(absl::StrCat("bad repository path component \"", component, "\""));
  }
  name.path_ = std::string(path);

  // A bare image id is not a name; runtimes would take it as one and pull from a registry.
  if (name.domain_.empty() && name.tag_.empty() && name.digest_.empty() && path.size() == 64 &&
      std::all_of(path.begin(), path.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
    return Invalid("cannot specify 64-byte hexadecimal strings");
  }
  return name;
}

std::string ImageName::WithDefaultTag() const {
  if (tag_.empty() && digest_.empty()) return absl::StrCat(reference_, ":latest");
  return reference_;
}

}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
