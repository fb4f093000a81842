#include "api/core/v1/container_id.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

std::string ContainerID::ToString() const {
  if (id.empty()) return "";
  return absl::StrCat(type, "://", id);
}

absl::StatusOr<ContainerID> ParseContainerID(absl::string_view text) {
  size_t separator = text.find("://");
  if (separator == absl::string_view::npos || separator == 0 || separator + 3 == text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid container ID \"", absl::CHexEscape(text),
                     "\": want <runtime type>://<id>, e.g. containerd://4f2a9c"));
  }
  return ContainerID{std::string(text.substr(0, separator)),
                     std::string(text.substr(separator + 3))};
}

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
