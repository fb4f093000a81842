// UTF-8 checks shared by the manifest decoder (which refuses invalid text, as Kubernetes' YAML
// reader does) and the JSON encoder (which must print any status text, e.g. a termination
// message read from a container's file).
//
//   size_t bad = FindInvalidUtf8(text);
//   if (bad != absl::string_view::npos) return Error(bad);
//   std::string printable = SanitizeUtf8(termination_message);
#ifndef KRL_API_CORE_V1_INTERNAL_UTF8_H_
#define KRL_API_CORE_V1_INTERNAL_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace internal {

// The offset of the first byte that does not start a well-formed UTF-8 sequence (overlong forms,
// surrogates and values above U+10FFFF are not well formed), or npos if `text` is valid.
size_t FindInvalidUtf8(absl::string_view text);

// `text` with every ill-formed byte replaced by U+FFFD, as Go's JSON encoder does.
std::string SanitizeUtf8(absl::string_view text);

}  // namespace internal
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_INTERNAL_UTF8_H_
