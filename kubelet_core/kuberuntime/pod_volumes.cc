#include "kubelet_core/kuberuntime/pod_volumes.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "kubelet_core/kuberuntime/downward_api.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path, int error) {
  std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES || error == EPERM) return absl::PermissionDeniedError(message);
  return absl::UnknownError(message);
}

int64_t LimitOf(const corev1::Container& c) {
  if (!c.resources.limits.memory) return -1;
  absl::StatusOr<int64_t> v = c.resources.limits.memory->Value();
  return v.ok() ? *v : -1;
}

// /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo.
std::string UnescapeMountPath(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The kubelet's expansion, with a mapping callback: $(NAME) mapped, "$$" is '$', any other '$'
// is kept with the character after it.
template <typename Mapping>
std::string Expand(absl::string_view input, Mapping mapping) {
  std::string out;
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '$' || i + 1 >= input.size()) {
      out += input[i];
      continue;
    }
    const char next = input[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
    } else if (next == '(') {
      size_t close = input.find(')', i + 2);
      if (close == absl::string_view::npos) {
        out += "$(";
        ++i;
      } else {
        out += mapping(std::string(input.substr(i + 2, close - i - 2)));
        i = close;
      }
    } else {
      out += '$';
      out += next;
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string PodDirectory(const KubeRuntimeManagerOptions& options, absl::string_view uid) {
  std::string root = options.root_dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return absl::StrCat(root, "/pods/", uid);
}

std::string PodVolumeDirectory(const KubeRuntimeManagerOptions& options, absl::string_view uid,
                               absl::string_view plugin_dir, absl::string_view volume) {
  return absl::StrCat(PodDirectory(options, uid), "/volumes/", plugin_dir, "/", volume);
}

absl::Status MakeDirectories(const std::string& path, mode_t mode) {
  if (path.empty()) return absl::OkStatus();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a directory"));
  }
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (absl::Status parent = MakeDirectories(path.substr(0, slash), mode); !parent.ok()) {
      return parent;
    }
  }
  if (::mkdir(path.c_str(), mode) != 0) {
    if (errno == EEXIST) return absl::OkStatus();
    return ErrnoError("mkdir", path, errno);
  }
  if (::chmod(path.c_str(), mode) != 0) return ErrnoError("chmod", path, errno);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open", path, errno);
  std::string text;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return ErrnoError("read", path, error);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      ::close(fd);
      return absl::OutOfRangeError(absl::StrCat(path, " is longer than ", max_bytes, " bytes"));
    }
  }
  ::close(fd);
  return text;
}

absl::Status WriteWholeFile(const std::string& path, absl::string_view content, mode_t mode) {
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoError("open", path, errno);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return ErrnoError("write", path, error);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return ErrnoError("close", path, errno);
  if (::chmod(path.c_str(), mode) != 0) return ErrnoError("chmod", path, errno);
  return absl::OkStatus();
}

int64_t PodMemoryLimit(const corev1::Pod& pod) {
  int64_t apps = 0;
  for (const corev1::Container& c : pod.spec.containers) {
    int64_t limit = LimitOf(c);
    if (limit < 0) return 0;
    apps += limit;
  }
  int64_t sidecars = 0;
  int64_t init_max = 0;
  for (const corev1::Container& c : pod.spec.init_containers) {
    int64_t limit = LimitOf(c);
    if (limit < 0) return 0;
    int64_t now;
    if (corev1::IsSidecar(c)) {
      sidecars += limit;
      now = sidecars;
    } else {
      now = limit + sidecars;
    }
    init_max = std::max(init_max, now);
  }
  return std::max(apps + sidecars, init_max);
}

int64_t EmptyDirMemorySize(const corev1::EmptyDirVolumeSource& source, const corev1::Pod& pod,
                           int64_t node_allocatable_memory) {
  int64_t size = node_allocatable_memory;
  const int64_t pod_limit = PodMemoryLimit(pod);
  if (pod_limit > 0 && (size <= 0 || pod_limit <= size)) size = pod_limit;
  if (source.size_limit) {
    absl::StatusOr<int64_t> limit = source.size_limit->Value();
    if (limit.ok() && *limit > 0 && (size <= 0 || *limit <= size)) size = *limit;
  }
  return size;
}

absl::Status MountTmpfs(const std::string& dir, int64_t size_bytes) {
  std::string data;
  if (size_bytes > 0) data = absl::StrCat("size=", size_bytes);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, data.empty() ? nullptr : data.c_str()) != 0) {
    return ErrnoError("mount tmpfs on", dir, errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> IsTmpfsMountPoint(const std::string& dir) {
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) != 0) return ErrnoError("statfs", dir, errno);
  if (static_cast<int64_t>(fs.f_type) != static_cast<int64_t>(TMPFS_MAGIC)) return false;
  struct stat self;
  struct stat parent;
  if (::stat(dir.c_str(), &self) != 0) return ErrnoError("stat", dir, errno);
  const std::string up = dir + "/..";
  if (::stat(up.c_str(), &parent) != 0) return ErrnoError("stat", up, errno);
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

absl::Status UnmountPodDirectory(const std::string& dir) {
  if (dir.empty() || dir == "/") {
    return absl::InvalidArgumentError("refusing to unmount below the root folder");
  }
  absl::StatusOr<std::string> mountinfo = ReadSmallFile("/proc/self/mountinfo", 64 << 20);
  if (!mountinfo.ok()) return mountinfo.status();
  std::string prefix = dir;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  std::vector<std::string> points;
  for (absl::string_view line : absl::StrSplit(*mountinfo, '\n')) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() < 5) continue;
    std::string point = UnescapeMountPath(fields[4]);
    if (point == prefix || absl::StartsWith(point, prefix + "/")) points.push_back(point);
  }
  // Deepest first; a path mounted twice is unmounted twice.
  std::sort(points.begin(), points.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::vector<std::string> errors;
  for (const std::string& point : points) {
    if (::umount2(point.c_str(), UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT) {
      errors.push_back(absl::StrCat("unmount ", point, ": ", std::strerror(errno)));
    }
  }
  if (!errors.empty()) return absl::UnknownError(absl::StrJoin(errors, "; "));
  return absl::OkStatus();
}

absl::Status SetVolumeOwnership(const std::string& dir, int64_t fs_group, bool read_only,
                                std::optional<corev1::FSGroupChangePolicy> policy) {
  const mode_t mask = read_only ? 0440 : 0660;
  const gid_t gid = static_cast<gid_t>(fs_group);
  if (policy == corev1::FSGroupChangePolicy::kOnRootMismatch) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && st.st_gid == gid && S_ISDIR(st.st_mode) &&
        (st.st_mode & (mask | 0110)) == (mask | 0110) && (st.st_mode & S_ISGID) != 0) {
      return absl::OkStatus();
    }
  }
  std::vector<std::string> errors;
  // Each entry is opened once without following links and changed through that descriptor: a
  // container writing the volume cannot swap a file for a link to a host file in between.
  auto change = [&](const std::string& path) {
    const int fd = ::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      errors.push_back(absl::StrCat("open ", path, ": ", std::strerror(errno)));
      return;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      errors.push_back(absl::StrCat("stat ", path, ": ", std::strerror(errno)));
    } else if (::fchownat(fd, "", static_cast<uid_t>(-1), gid, AT_EMPTY_PATH) != 0) {
      errors.push_back(absl::StrCat("chown ", path, ": ", std::strerror(errno)));
    } else if (!S_ISLNK(st.st_mode)) {  // a link's own mode means nothing
      mode_t mode = (st.st_mode & 07777) | mask;
      if (S_ISDIR(st.st_mode)) mode |= S_ISGID | 0110;
      // The descriptor's /proc entry names exactly the inode opened above.
      const std::string self = absl::StrCat("/proc/self/fd/", fd);
      if (::chmod(self.c_str(), mode) != 0) {
        errors.push_back(absl::StrCat("chmod ", path, ": ", std::strerror(errno)));
      }
    }
    ::close(fd);
  };
  change(dir);
  std::error_code error;
  std::filesystem::recursive_directory_iterator it(dir, std::filesystem::directory_options::none,
                                                   error);
  if (error) return absl::UnknownError(absl::StrCat("walk ", dir, ": ", error.message()));
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    change(it->path().string());
  }
  if (error) errors.push_back(absl::StrCat("walk ", dir, ": ", error.message()));
  if (!errors.empty()) {
    return absl::UnknownError(
        absl::StrCat("set volume ownership of ", dir, ": ", absl::StrJoin(errors, "; ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SetUpEmptyDir(const corev1::Volume& volume, const corev1::Pod& pod,
                                          const KubeRuntimeManagerOptions& options) {
  if (options.root_dir.empty()) {
    return absl::FailedPreconditionError("emptyDir volumes need the manager's root_dir");
  }
  const corev1::EmptyDirVolumeSource source =
      volume.empty_dir ? *volume.empty_dir : corev1::EmptyDirVolumeSource{};
  if (source.medium == corev1::StorageMedium::kHugePages) {
    return absl::UnimplementedError(
        absl::StrCat("emptyDir \"", volume.name, "\": medium HugePages is not supported"));
  }
  const std::string dir =
      PodVolumeDirectory(options, pod.metadata.uid, kEmptyDirPluginDir, volume.name);
  struct stat st;
  bool fresh = ::stat(dir.c_str(), &st) != 0;
  if (fresh) {
    if (absl::Status made = MakeDirectories(dir, 0750); !made.ok()) return made;
    if (::chmod(dir.c_str(), 0777) != 0) return ErrnoError("chmod", dir, errno);
  }
  if (source.medium == corev1::StorageMedium::kMemory) {
    absl::StatusOr<bool> mounted = IsTmpfsMountPoint(dir);
    if (!mounted.ok()) return mounted.status();
    if (!*mounted) {
      const int64_t size = EmptyDirMemorySize(source, pod, NodeAllocatableFor(options).memory);
      if (absl::Status m = MountTmpfs(dir, size); !m.ok()) {
        return absl::Status(m.code(), absl::StrCat("emptyDir \"", volume.name,
                                                   "\" (medium Memory): ", m.message()));
      }
      fresh = true;
    }
    // A tmpfs root is 1777; only a narrower mode is widened, as the kubelet.
    if (::stat(dir.c_str(), &st) == 0 && (st.st_mode & 0777) != 0777) ::chmod(dir.c_str(), 0777);
  }
  if (fresh && pod.spec.security_context.fs_group) {
    // The kubelet applies the emptyDir's ownership once, when it sets the volume up.
    if (absl::Status owned =
            SetVolumeOwnership(dir, *pod.spec.security_context.fs_group, false, std::nullopt);
        !owned.ok()) {
      return owned;
    }
  }
  return dir;
}

absl::StatusOr<std::string> ExpandSubPathExpr(absl::string_view expr,
                                              const std::map<std::string, std::string>& env) {
  std::set<std::string> missing;
  std::string expanded = Expand(expr, [&](const std::string& key) -> std::string {
    auto it = env.find(key);
    if (it == env.end() || it->second.empty()) {
      missing.insert(key);
      return "";
    }
    return it->second;
  });
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing value for ", absl::StrJoin(missing, ", ")));
  }
  return expanded;
}

absl::Status ValidateSubPath(absl::string_view sub_path) {
  if (absl::StartsWith(sub_path, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("error SubPath `", sub_path, "` must not be an absolute path"));
  }
  for (absl::string_view part : absl::StrSplit(sub_path, '/')) {
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to provision SubPath `", sub_path, "`: must not contain '..'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PrepareSubPath(const std::string& volume_root,
                                           absl::string_view sub_path, mode_t mode) {
  if (absl::Status valid = ValidateSubPath(sub_path); !valid.ok()) return valid;
  std::string path = volume_root;
  std::vector<absl::string_view> parts = absl::StrSplit(sub_path, '/', absl::SkipEmpty());
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] == ".") continue;
    absl::StrAppend(&path, "/", parts[i]);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno != ENOENT) return ErrnoError("lstat", path, errno);
      if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
        return ErrnoError("mkdir", path, errno);
      }
      ::chmod(path.c_str(), mode);  // past the umask, as the volume's own folder
      if (::lstat(path.c_str(), &st) != 0) return ErrnoError("lstat", path, errno);
    }
    if (S_ISLNK(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "subPath `", sub_path, "`: `", absl::StrJoin(parts.begin(), parts.begin() + i + 1, "/"),
          "` is a symbolic link, refused: it could point outside the volume"));
    }
    if (i + 1 < parts.size() && !S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat("subPath `", sub_path, "`: ", path, " is not a directory"));
    }
  }
  return path;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
