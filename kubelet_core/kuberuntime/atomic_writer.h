// Writes a set of files into a volume folder so that readers never see a half-updated set, as
// the kubelet's atomic writer does for downwardAPI (and secret, configMap) volumes.
//
//   std::map<std::string, FileProjection> payload = {{"labels", {"app=\"web\"", 0644}}};
//   absl::StatusOr<bool> written = WriteAtomically(dir, payload, nullptr);
//
// Layout of `dir`:
//   ..2026_12_08_01_30_00.123456789/   the files of one version (a timestamped data folder)
//   ..data -> ..2026_12_08_01_30_00.123456789
//   labels -> ..data/labels            one symlink per top-level name of the payload
// An update writes a new data folder, points `..data_tmp` at it and renames it over `..data`
// (atomic), adds the missing user-visible symlinks, removes those of names no longer in the
// payload, then the old data folder. Nothing is written when every file's content is unchanged.
// One writer per folder at a time (the pod worker serializes a pod's syncs).
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_ATOMIC_WRITER_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_ATOMIC_WRITER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

inline constexpr absl::string_view kAtomicWriterDataDir = "..data";
inline constexpr absl::string_view kAtomicWriterNewDataDir = "..data_tmp";

struct FileProjection {
  std::string data;
  int32_t mode = 0644;
};

// A payload path must be non-empty, relative, at most 4096 characters, with no ".." element,
// no element over 255 characters, and not start with ".." (InvalidArgument otherwise).
absl::Status ValidatePayloadPath(absl::string_view path);

// Writes `payload` (paths relative to `dir`, cleaned) into `dir`, which must exist. `set_perms`,
// when set, runs on the new data folder before it is published (e.g. fsGroup ownership).
// Returns whether a new version was published.
absl::StatusOr<bool> WriteAtomically(
    const std::string& dir, const std::map<std::string, FileProjection>& payload,
    const std::function<absl::Status(const std::string& data_dir)>& set_perms);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_ATOMIC_WRITER_H_
