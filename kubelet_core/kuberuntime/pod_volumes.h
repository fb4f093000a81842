// A pod's folders on the node and the volumes the manager sets up in them, as the kubelet's
// volume plugins do: emptyDir (on disk, or a tmpfs for medium Memory, sized as the kubelet sizes
// it), fsGroup ownership (SetVolumeOwnership), subPath / subPathExpr checks, and the unmounting
// a pod's folder needs before it is removed.
//
//   absl::StatusOr<std::string> dir = SetUpEmptyDir(volume, pod, options);   // the host path
//   absl::StatusOr<std::string> sub = ExpandSubPathExpr("$(POD_NAME)/logs", env);
//   if (absl::Status ok = UnmountPodDirectory(PodDirectory(options, uid)); ok.ok()) remove it
//
// Layout: <root_dir>/pods/<uid>/ holds etc-hosts, containers/<name>/ (termination messages) and
// volumes/<plugin>/<volume>/ (kubernetes.io~empty-dir, kubernetes.io~downward-api).
// Functions touch only the paths they are given; thread safe for different pods.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_POD_VOLUMES_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_POD_VOLUMES_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

inline constexpr absl::string_view kEmptyDirPluginDir = "kubernetes.io~empty-dir";
inline constexpr absl::string_view kDownwardAPIPluginDir = "kubernetes.io~downward-api";

// <root_dir>/pods/<uid>
std::string PodDirectory(const KubeRuntimeManagerOptions& options, absl::string_view uid);
// <root_dir>/pods/<uid>/volumes/<plugin_dir>/<volume>
std::string PodVolumeDirectory(const KubeRuntimeManagerOptions& options, absl::string_view uid,
                               absl::string_view plugin_dir, absl::string_view volume);

// mkdir -p; the folders it creates get exactly `mode` (chmod after mkdir, past the umask).
absl::Status MakeDirectories(const std::string& path, mode_t mode);
// The whole file, refused (OutOfRange) past `max_bytes`.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes);
// Creates or truncates `path`, writes `content`, then chmods it to `mode`.
absl::Status WriteWholeFile(const std::string& path, absl::string_view content, mode_t mode);

// The memory limit of the pod's cgroup as the kubelet computes it (the larger of the sum of the
// app containers' and sidecars' limits and each init container's), or 0 when a container has
// no memory limit.
int64_t PodMemoryLimit(const corev1::Pod& pod);

// The size of a medium-Memory emptyDir's tmpfs: the node's allocatable memory, or the pod's
// memory limit when smaller, or sizeLimit when smaller still (values <= 0 are ignored).
int64_t EmptyDirMemorySize(const corev1::EmptyDirVolumeSource& source, const corev1::Pod& pod,
                           int64_t node_allocatable_memory);

// Mounts a tmpfs of `size_bytes` (0: the kernel's default, half of RAM) on `dir`.
absl::Status MountTmpfs(const std::string& dir, int64_t size_bytes);
// Whether `dir` is itself a mount point with a tmpfs on it.
absl::StatusOr<bool> IsTmpfsMountPoint(const std::string& dir);
// Unmounts every mount point at or below `dir` (deepest first, from /proc/self/mountinfo). A
// folder with mounts left must not be removed: std::filesystem::remove_all would empty them.
absl::Status UnmountPodDirectory(const std::string& dir);

// The kubelet's SetVolumeOwnership: every file and folder under `dir` gets group `fs_group`,
// files g+rw (g+r when `read_only`), folders also g+x and setgid. Symlinks only change group.
// With policy OnRootMismatch nothing is done when `dir` already has the group and bits.
absl::Status SetVolumeOwnership(const std::string& dir, int64_t fs_group, bool read_only,
                                std::optional<corev1::FSGroupChangePolicy> policy);

// The emptyDir's folder, set up on first use: created 0777; for medium Memory a tmpfs mounted on
// it (EmptyDirMemorySize); with the pod's fsGroup, SetVolumeOwnership. Unimplemented for medium
// HugePages. Returns the host path.
absl::StatusOr<std::string> SetUpEmptyDir(const corev1::Volume& volume, const corev1::Pod& pod,
                                          const KubeRuntimeManagerOptions& options);

// subPathExpr with $(VAR) expanded from the container's environment; InvalidArgument naming the
// variables that are missing or empty, as the kubelet.
absl::StatusOr<std::string> ExpandSubPathExpr(absl::string_view expr,
                                              const std::map<std::string, std::string>& env);
// A subPath must be relative and have no ".." element (InvalidArgument with the kubelet's text).
absl::Status ValidateSubPath(absl::string_view sub_path);

// <volume_root>/<sub_path>, walked one component at a time: a missing folder is created with
// `mode`; a component that is a symbolic link is refused, since a container that can write the
// volume could point it anywhere on the host (the kubelet's subPath escape, CVE-2017-1002101).
// The last component may be a file. A container could still swap a folder for a link between
// this check and the runtime's mount; the kubelet closes that window by mounting an open file
// descriptor, which this agent does not do yet.
absl::StatusOr<std::string> PrepareSubPath(const std::string& volume_root,
                                           absl::string_view sub_path, mode_t mode);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_POD_VOLUMES_H_
