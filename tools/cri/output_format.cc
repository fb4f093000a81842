#include "tools/cri/output_format.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace krl {
namespace tools {
namespace cri_cli {

std::string TruncateId(absl::string_view id) {
  absl::ConsumePrefix(&id, "sha256:");
  return std::string(id.substr(0, kTruncatedIdLength));
}

std::string TimeAgo(absl::Time then, absl::Time now) {
  const absl::Duration age = now - then;
  if (age < absl::Seconds(1)) return "Less than a second ago";
  auto plural = [](int64_t n, absl::string_view unit) {
    return absl::StrCat(n, " ", unit, n == 1 ? "" : "s", " ago");
  };
  if (age < absl::Minutes(1)) return plural(absl::ToInt64Seconds(age), "second");
  if (age < absl::Hours(1)) return plural(absl::ToInt64Minutes(age), "minute");
  if (age < absl::Hours(48)) return plural(absl::ToInt64Hours(age), "hour");
  if (age < absl::Hours(24 * 14)) return plural(absl::ToInt64Hours(age) / 24, "day");
  return plural(absl::ToInt64Hours(age) / (24 * 7), "week");
}

absl::Time FromUnixNanos(int64_t nanos) { return absl::FromUnixNanos(nanos); }

std::string HumanSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < sizeof(kUnits) / sizeof(kUnits[0])) {
    value /= 1000;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", value, kUnits[unit]);
  return buf;
}

std::string ContainerStateName(krl::cri::ContainerState state) {
  switch (state) {
    case krl::cri::CONTAINER_CREATED:
      return "Created";
    case krl::cri::CONTAINER_RUNNING:
      return "Running";
    case krl::cri::CONTAINER_EXITED:
      return "Exited";
    default:
      return "Unknown";
  }
}

std::string PodStateName(krl::cri::PodSandboxState state) {
  return state == krl::cri::SANDBOX_READY ? "Ready" : "NotReady";
}

std::string EventTypeName(krl::cri::ContainerEventType type) {
  switch (type) {
    case krl::cri::CONTAINER_CREATED_EVENT:
      return "created";
    case krl::cri::CONTAINER_STARTED_EVENT:
      return "started";
    case krl::cri::CONTAINER_STOPPED_EVENT:
      return "stopped";
    case krl::cri::CONTAINER_DELETED_EVENT:
      return "deleted";
    default:
      return "unknown";
  }
}

std::pair<std::string, std::string> SplitRepoTag(absl::string_view ref) {
  const size_t at = ref.find('@');
  if (at != absl::string_view::npos) return {std::string(ref.substr(0, at)), "<none>"};
  const size_t colon = ref.rfind(':');
  const size_t slash = ref.rfind('/');
  if (colon == absl::string_view::npos || (slash != absl::string_view::npos && colon < slash)) {
    return {std::string(ref), "<none>"};
  }
  return {std::string(ref.substr(0, colon)), std::string(ref.substr(colon + 1))};
}

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
