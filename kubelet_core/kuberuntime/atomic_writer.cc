#include "kubelet_core/kuberuntime/atomic_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

constexpr size_t kMaxPathLength = 4096;
constexpr size_t kMaxFileNameLength = 255;
constexpr size_t kMaxFileBytes = 64 << 20;

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnknownError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Path cleaning for relative paths that ValidatePayloadPath accepted: no empty or "." parts.
std::string CleanPath(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    parts.push_back(part);
  }
  if (parts.empty()) return ".";
  return absl::StrJoin(parts, "/");
}

std::string TopLevel(absl::string_view path) { return std::string(path.substr(0, path.find('/'))); }

// Every path under `root` (files and folders), relative to it.
std::set<std::string> ListTree(const std::string& root) {
  std::set<std::string> out;
  std::error_code error;
  std::filesystem::recursive_directory_iterator it(root, error);
  if (error) return out;
  for (; it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    out.insert(std::filesystem::relative(it->path(), root, error).string());
  }
  return out;
}

std::string NewDataDirName() {
  static thread_local std::mt19937 rng(std::random_device{}());
  const std::string stamp = absl::FormatTime("%Y_%m_%d_%H_%M_%S", absl::Now(), absl::UTCTimeZone());
  return absl::StrCat("..", stamp, ".", static_cast<uint32_t>(rng()) % 1000000000u);
}

}  // namespace

absl::Status ValidatePayloadPath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("invalid path: must not be empty");
  if (absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("invalid path: must be relative path: ", path));
  }
  if (path.size() > kMaxPathLength) {
    return absl::InvalidArgumentError(absl::StrCat("invalid path: must be less than or equal to ",
                                                   kMaxPathLength, " characters"));
  }
  std::vector<absl::string_view> items = absl::StrSplit(path, '/');
  for (absl::string_view item : items) {
    if (item == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid path: must not contain '..': ", path));
    }
    if (item.size() > kMaxFileNameLength) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid path: filenames must be less than or equal to ", kMaxFileNameLength,
                       " characters"));
    }
  }
  if (absl::StartsWith(items[0], "..") && items[0].size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid path: must not start with '..': ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> WriteAtomically(
    const std::string& dir, const std::map<std::string, FileProjection>& payload,
    const std::function<absl::Status(const std::string& data_dir)>& set_perms) {
  // (1) The payload, validated and cleaned.
  std::map<std::string, FileProjection> clean;
  for (const auto& [path, file] : payload) {
    if (absl::Status valid = ValidatePayloadPath(path); !valid.ok()) return valid;
    std::string cleaned = CleanPath(path);
    if (cleaned == ".") {
      return absl::InvalidArgumentError(absl::StrCat("invalid path: ", path));
    }
    clean[cleaned] = file;
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("target folder ", dir, " does not exist"));
  }

  // (2) The version published now, if any.
  const std::string data_link = absl::StrCat(dir, "/", kAtomicWriterDataDir);
  std::string old_name;
  {
    char target[4096];
    ssize_t n = ::readlink(data_link.c_str(), target, sizeof(target) - 1);
    if (n >= 0) {
      old_name.assign(target, static_cast<size_t>(n));
    } else if (errno != ENOENT) {
      return ErrnoError("readlink", data_link);
    }
  }
  // Only a version folder this writer made ("..<timestamp>", a real folder right here) is read
  // or removed later: anything else in ..data was not written by it and is never followed.
  if (!old_name.empty()) {
    struct stat old_st;
    const std::string candidate = absl::StrCat(dir, "/", old_name);
    if (!absl::StartsWith(old_name, "..") || old_name == ".." ||
        old_name.find('/') != std::string::npos || ::lstat(candidate.c_str(), &old_st) != 0 ||
        !S_ISDIR(old_st.st_mode)) {
      log::Warning("downwardAPI volume: ignoring a ..data link this writer did not make",
                   {{"dir", dir}, {"target", old_name}});
      old_name.clear();
    }
  }
  const std::string old_dir = old_name.empty() ? "" : absl::StrCat(dir, "/", old_name);

  // (3) Names of the old version that the new one no longer has.
  std::set<std::string> to_remove;
  if (!old_dir.empty()) {
    to_remove = ListTree(old_dir);
    for (const auto& [path, file] : clean) {
      std::string p = path;
      while (true) {
        to_remove.erase(p);
        size_t slash = p.rfind('/');
        if (slash == std::string::npos) break;
        p.resize(slash);
      }
    }
  }

  // (4) Whether any content changed.
  // A removed name is a change too: the new version holds exactly the payload.
  bool should_write = old_dir.empty() || !to_remove.empty();
  for (auto it = clean.begin(); !should_write && it != clean.end(); ++it) {
    absl::StatusOr<std::string> current =
        ReadSmallFile(absl::StrCat(old_dir, "/", it->first), kMaxFileBytes);
    if (!current.ok() || *current != it->second.data) should_write = true;
  }

  if (should_write) {
    // (5) A new data folder with every file.
    std::string name;
    std::string data_dir;
    for (int attempt = 0;; ++attempt) {
      name = NewDataDirName();
      data_dir = absl::StrCat(dir, "/", name);
      if (::mkdir(data_dir.c_str(), 0755) == 0) break;
      if (errno != EEXIST || attempt > 16) return ErrnoError("mkdir", data_dir);
    }
    if (::chmod(data_dir.c_str(), 0755) != 0) return ErrnoError("chmod", data_dir);
    auto fail = [&data_dir](absl::Status status) {
      std::error_code ignored;
      std::filesystem::remove_all(data_dir, ignored);
      return status;
    };
    for (const auto& [path, file] : clean) {
      const std::string full = absl::StrCat(data_dir, "/", path);
      const size_t slash = full.rfind('/');
      if (absl::Status made = MakeDirectories(full.substr(0, slash), 0755); !made.ok()) {
        return fail(made);
      }
      if (absl::Status written =
              WriteWholeFile(full, file.data, static_cast<mode_t>(file.mode) & 07777);
          !written.ok()) {
        return fail(written);
      }
    }
    if (set_perms) {
      if (absl::Status perms = set_perms(data_dir); !perms.ok()) return fail(perms);
    }
    // (6) Publish: ..data_tmp -> new folder, renamed over ..data.
    const std::string tmp_link = absl::StrCat(dir, "/", kAtomicWriterNewDataDir);
    ::unlink(tmp_link.c_str());
    if (::symlink(name.c_str(), tmp_link.c_str()) != 0) {
      return fail(ErrnoError("symlink", tmp_link));
    }
    if (::rename(tmp_link.c_str(), data_link.c_str()) != 0) {
      absl::Status renamed = ErrnoError("rename", tmp_link);
      ::unlink(tmp_link.c_str());
      return fail(renamed);
    }
  }

  // (7) User-visible names: a symlink into ..data for each top-level name.
  std::set<std::string> tops;
  for (const auto& [path, file] : clean) tops.insert(TopLevel(path));
  for (const std::string& top : tops) {
    const std::string link = absl::StrCat(dir, "/", top);
    if (::lstat(link.c_str(), &st) == 0) continue;
    const std::string target = absl::StrCat(kAtomicWriterDataDir, "/", top);
    if (::symlink(target.c_str(), link.c_str()) != 0) return ErrnoError("symlink", link);
  }
  // (8) Names that went away (only top-level entries are user-visible symlinks).
  for (const std::string& path : to_remove) {
    if (absl::StrContains(path, '/') || tops.count(path) > 0) continue;
    ::unlink(absl::StrCat(dir, "/", path).c_str());
  }
  // (9) The old version.
  if (should_write && !old_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(old_dir, ignored);
  }
  return should_write;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
