// How the cri command prints ids, ages, sizes and states in its tables.
//
//   TruncateId("9f1c2b3a4d5e6f708192a3b4c5d6e7f8");              // "9f1c2b3a4d5e6"
//   TimeAgo(created, now);                                       // "42 seconds ago"
//   HumanSize(5242880);                                          // "5.24MB"
#ifndef KRL_TOOLS_CRI_OUTPUT_FORMAT_H_
#define KRL_TOOLS_CRI_OUTPUT_FORMAT_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace tools {
namespace cri_cli {

// Ids in tables: the first 13 characters (after a "sha256:" prefix for image ids), enough to be
// unique on a node and short enough for a terminal.
inline constexpr size_t kTruncatedIdLength = 13;
std::string TruncateId(absl::string_view id);

// "Less than a second ago", "1 second ago", "N seconds ago", "N minutes ago", "N hours ago",
// "N days ago", "N weeks ago"; a time in the future counts as now.
std::string TimeAgo(absl::Time then, absl::Time now);
// CRI timestamps are nanoseconds since the Unix epoch.
absl::Time FromUnixNanos(int64_t nanos);

// Decimal units with three significant digits, as image tools print sizes: "512B", "5.24MB".
std::string HumanSize(uint64_t bytes);

// "Created", "Running", "Exited", "Unknown"; "Ready", "NotReady".
std::string ContainerStateName(krl::cri::ContainerState state);
std::string PodStateName(krl::cri::PodSandboxState state);
// "created", "started", "stopped", "deleted".
std::string EventTypeName(krl::cri::ContainerEventType type);

// Splits "registry.example/app:1.0" into {"registry.example/app", "1.0"} and
// "registry.example/app@sha256:..." into {"registry.example/app", "<none>"}; a colon inside the
// registry's host:port is not a tag separator.
std::pair<std::string, std::string> SplitRepoTag(absl::string_view ref);

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_CRI_OUTPUT_FORMAT_H_
