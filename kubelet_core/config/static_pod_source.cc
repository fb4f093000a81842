#include "kubelet_core/config/static_pod_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/core/v1/manifest_decoder.h"
#include "api/core/v1/validation.h"
#include "kubelet_core/config/static_pod.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace config {
namespace {

// Larger manifests are refused rather than read into memory (the kubelet's limit for manifest
// URLs; a pod manifest is a few KiB).
constexpr off_t kMaxManifestBytes = 10 << 20;

// How often the thread re-reads a clock it cannot sleep on (any clock but RealClock).
constexpr absl::Duration kFakeClockPollSlice = absl::Milliseconds(5);

constexpr uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

std::string TrimTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::string ErrnoText(int error) { return std::strerror(error); }

// The whole file, or an error naming it.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path, bool* gone) {
  *gone = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    *gone = error == ENOENT;
    return absl::UnavailableError(absl::StrCat(path, ": cannot open: ", ErrnoText(error)));
  }
  struct stat info;
  if (fstat(fd, &info) == 0 && info.st_size > kMaxManifestBytes) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 10 MiB, not a pod manifest"));
  }
  std::string content;
  char buffer[16384];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return absl::UnavailableError(absl::StrCat(path, ": cannot read: ", ErrnoText(error)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > static_cast<size_t>(kMaxManifestBytes)) {
      close(fd);
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than 10 MiB, not a pod manifest"));
    }
  }
  close(fd);
  return content;
}

int PollTimeoutMillis(absl::Duration wait) {
  if (wait <= absl::ZeroDuration()) return 0;
  if (wait > absl::Hours(1)) return 3600 * 1000;
  const int64_t micros = absl::ToInt64Microseconds(wait);
  return static_cast<int>((micros + 999) / 1000);
}

std::string PodKey(const corev1::Pod& pod) {
  return absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name);
}

// Whether two snapshots hold equal pods in the same order; an unchanged pod is the same object,
// so the deep comparison only runs for pods that were decoded again.
bool SameSnapshot(const std::vector<corev1::PodPtr>& a, const std::vector<corev1::PodPtr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && *a[i] != *b[i]) return false;
  }
  return true;
}

}  // namespace

StaticPodSource::StaticPodSource(Options options, Clock& clock, SnapshotCallback on_snapshot)
    : options_([&options] {
        options.manifest_dir = TrimTrailingSlashes(std::move(options.manifest_dir));
        return std::move(options);
      }()),
      clock_(clock),
      on_snapshot_(std::move(on_snapshot)),
      real_clock_(dynamic_cast<RealClock*>(&clock) != nullptr) {}

StaticPodSource::~StaticPodSource() {
  Stop();
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

absl::Status StaticPodSource::Start() {
  if (options_.manifest_dir.empty()) {
    return absl::InvalidArgumentError("the pod manifest folder must not be empty");
  }
  if (absl::Status node = ValidateNodeName(options_.node_name); !node.ok()) return node;
  if (options_.resync_period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the manifest re-scan period must be positive");
  }
  {
    krl::MutexLock lock(&scan_mu_);
    if (started_) return absl::FailedPreconditionError("the static pod source is already started");
    started_ = true;
    inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
      return absl::InternalError(absl::StrCat("inotify_init1: ", ErrnoText(errno)));
    }
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) return absl::InternalError(absl::StrCat("eventfd: ", ErrnoText(errno)));
    log::Info("watching the pod manifest folder",
              {{"path", options_.manifest_dir}, {"node", options_.node_name}});
    ScanLocked();
  }
  if (options_.watch_thread) thread_ = std::thread([this] { ThreadMain(); });
  return absl::OkStatus();
}

void StaticPodSource::Stop() {
  {
    krl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof(one));
    (void)ignored;
  }
  if (thread_.joinable()) thread_.join();
}

bool StaticPodSource::Rescan() {
  krl::MutexLock lock(&scan_mu_);
  return ScanLocked();
}

bool StaticPodSource::PollOnce(absl::Duration max_wait) { return PollOnceInternal(max_wait); }

std::vector<corev1::PodPtr> StaticPodSource::Pods() const {
  krl::MutexLock lock(&mu_);
  return pods_;
}

std::map<std::string, absl::Status> StaticPodSource::Errors() const {
  krl::MutexLock lock(&mu_);
  return errors_;
}

uint64_t StaticPodSource::generation() const {
  krl::MutexLock lock(&mu_);
  return generation_;
}

bool StaticPodSource::WaitForGeneration(uint64_t generation, absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto reached = [this, generation]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return generation_ >= generation; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

void StaticPodSource::ThreadMain() {
  while (true) {
    {
      krl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    PollOnceInternal(real_clock_ ? absl::Hours(1) : kFakeClockPollSlice);
  }
}

bool StaticPodSource::PollOnceInternal(absl::Duration max_wait) {
  bool emitted = false;
  absl::Duration wait = max_wait;
  {
    krl::MutexLock lock(&scan_mu_);
    if (!started_ || inotify_fd_ < 0) return false;
    if (clock_.Now() >= next_rescan_) emitted |= ScanLocked();
    // Only the system clock can be slept on until the re-scan is due.
    if (real_clock_) wait = std::min(wait, next_rescan_ - clock_.Now());
  }
  struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int ready = poll(fds, 2, PollTimeoutMillis(wait));
  krl::MutexLock lock(&scan_mu_);
  if (ready > 0 && (fds[0].revents & POLLIN) != 0 && DrainEventsLocked()) {
    emitted |= ScanLocked();
  }
  if (clock_.Now() >= next_rescan_) emitted |= ScanLocked();
  return emitted;
}

void StaticPodSource::EnsureWatchLocked() {
  if (inotify_fd_ < 0 || watch_fd_ >= 0) return;
  int wd = inotify_add_watch(inotify_fd_, options_.manifest_dir.c_str(), kWatchMask);
  if (wd >= 0) {
    watch_fd_ = wd;
    return;
  }
  // A missing folder is reported by the scan; anything else here is worth one line.
  const int error = errno;
  if (error != ENOENT) {
    std::string message =
        absl::StrCat("cannot watch the pod manifest folder ", options_.manifest_dir, ": ",
                     ErrnoText(error), "; relying on the periodic re-scan");
    if (logged_.insert(message).second) log::Warning(message);
  }
}

bool StaticPodSource::DrainEventsLocked() {
  bool relevant = false;
  alignas(struct inotify_event) char buffer[8192];
  while (true) {
    ssize_t n = read(inotify_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(buffer + offset);
      offset += static_cast<ssize_t>(sizeof(struct inotify_event) + event->len);
      if ((event->mask & IN_Q_OVERFLOW) != 0) {
        relevant = true;
        continue;
      }
      if ((event->mask & IN_IGNORED) != 0) {
        // The folder went away (or was unmounted): watch it again once it is back.
        watch_fd_ = -1;
        relevant = true;
        continue;
      }
      if ((event->mask & IN_MOVE_SELF) != 0) {
        // The watch would follow the moved folder; the configured path is what counts.
        inotify_rm_watch(inotify_fd_, event->wd);
        watch_fd_ = -1;
        relevant = true;
        continue;
      }
      if ((event->mask & IN_DELETE_SELF) != 0) {
        relevant = true;
        continue;
      }
      if (event->len == 0) continue;
      const std::string name(event->name);
      if (name.empty() || name[0] == '.') continue;  // hidden and editor temp files
      if ((event->mask & IN_ISDIR) != 0) continue;   // sub-folders are not read
      if ((event->mask & IN_CREATE) != 0) {
        // A file being written is read when it is closed (IN_CLOSE_WRITE); a symlink or a hard
        // link appears complete and sends no close, so it is read now.
        struct stat info;
        const std::string path = absl::StrCat(options_.manifest_dir, "/", name);
        if (lstat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && info.st_nlink == 1) {
          continue;
        }
      }
      relevant = true;
    }
  }
  return relevant;
}

void StaticPodSource::ReadFileLocked(const std::string& path, FileState* state) {
  bool gone = false;
  absl::StatusOr<std::string> content = ReadWholeFile(path, &gone);
  if (!content.ok()) {
    if (state->read_ok || state->error.message() != content.status().message()) {
      log::Error("cannot read pod manifest",
                 {{"error", content.status().message()},
                  {"kept_pods", state->ever_good ? state->pods.size() : 0}});
    }
    state->read_ok = false;
    state->content_size = 0;
    state->content_hash = 0;
    state->error = content.status();
    return;
  }
  const size_t hash = absl::Hash<std::string>()(*content);
  if (state->read_ok && content->size() == state->content_size && hash == state->content_hash) {
    return;  // unchanged: nothing new to say
  }
  state->content_size = content->size();
  state->content_hash = hash;
  state->read_ok = true;

  std::vector<std::string> warnings;
  corev1::DecodeOptions decode_options;
  decode_options.refuse_unknown_fields = options_.refuse_unknown_fields;
  decode_options.warnings = &warnings;
  absl::StatusOr<std::vector<corev1::Pod>> decoded =
      corev1::DecodePodManifests(*content, path, decode_options);
  // Logged once per change of the file's content (an unchanged file is not decoded again).
  for (const std::string& warning : warnings) {
    log::Warning("pod manifest field ignored", {{"warning", warning}});
  }
  absl::Status error = decoded.status();
  if (decoded.ok()) {
    for (corev1::Pod& pod : *decoded) {
      const std::string manifest_name = pod.metadata.name;
      ApplyStaticPodDefaults(options_.node_name, path, &pod);
      // The suffix can push a valid name over the length limit.
      if (absl::Status valid = corev1::Validate(pod); !valid.ok()) {
        error = absl::InvalidArgumentError(absl::StrCat(
            path, ": pod \"", manifest_name, "\" with the node name suffix: ", valid.message()));
        break;
      }
    }
  }
  if (error.ok()) {
    state->pods.clear();
    state->pods.reserve(decoded->size());
    for (corev1::Pod& pod : *decoded) {
      state->pods.push_back(std::make_shared<const corev1::Pod>(std::move(pod)));
    }
    state->ever_good = true;
    state->error = absl::OkStatus();
    log::Info("pod manifest read", {{"file", path}, {"pods", state->pods.size()}});
    return;
  }
  state->error = error;
  if (state->ever_good) {
    log::Error("invalid pod manifest; the pods it last defined keep running",
               {{"error", error.message()}, {"kept_pods", state->pods.size()}});
  } else {
    log::Error("invalid pod manifest", {{"error", error.message()}});
  }
}

bool StaticPodSource::ScanLocked() {
  EnsureWatchLocked();
  next_rescan_ = clock_.Now() + options_.resync_period;
  const std::string& dir_path = options_.manifest_dir;
  // path -> the code of its first problem and every message.
  std::map<std::string, std::pair<absl::StatusCode, std::vector<std::string>>> problems;
  auto add_problem = [&problems](const std::string& key, absl::StatusCode code,
                                 absl::string_view message) {
    auto inserted = problems.try_emplace(key, code, std::vector<std::string>());
    inserted.first->second.second.emplace_back(message);
  };
  auto publish_errors = [this, &problems]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    errors_.clear();
    for (const auto& [key, problem] : problems) {
      errors_[key] = absl::Status(problem.first, absl::StrJoin(problem.second, "; "));
    }
  };
  std::set<std::string> logged_now;
  auto report_once = [&](const std::string& key, absl::StatusCode code, const std::string& message,
                         bool warning) {
    add_problem(key, code, message);
    logged_now.insert(message);
    if (logged_.count(message) != 0) return;
    if (warning) {
      log::Warning(message);
    } else {
      log::Error(message);
    }
  };

  DIR* dir = opendir(dir_path.c_str());
  if (dir == nullptr) {
    const int error = errno;
    if (error != ENOENT) {
      // Keep the previous snapshot: an unreadable folder says nothing about the pods.
      report_once(dir_path, absl::StatusCode::kUnavailable,
                  absl::StrCat("cannot read the pod manifest folder ", dir_path, ": ",
                               ErrnoText(error), "; keeping the current static pods"),
                  false);
      for (const auto& [path, state] : files_) {
        if (!state.error.ok()) add_problem(path, state.error.code(), state.error.message());
      }
      logged_ = std::move(logged_now);
      krl::MutexLock lock(&mu_);
      publish_errors();
      return false;
    }
    report_once(
        dir_path, absl::StatusCode::kNotFound,
        absl::StrCat("the pod manifest folder ", dir_path, " does not exist: no static pods"),
        true);
  }

  std::set<std::string> present;
  if (dir != nullptr) {
    std::set<std::string> names;
    while (struct dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') continue;  // hidden files, editor temp files, "." and ".."
      names.insert(entry->d_name);
    }
    closedir(dir);
    for (const std::string& name : names) {
      const std::string path = absl::StrCat(dir_path, "/", name);
      struct stat info;
      if (stat(path.c_str(), &info) != 0) {
        const int error = errno;
        if (error == ENOENT) continue;  // removed since the listing (or a dangling symlink)
        report_once(path, absl::StatusCode::kUnavailable,
                    absl::StrCat(path, ": cannot stat: ", ErrnoText(error)), false);
        // Unknown state: keep what the file defined.
        if (files_.count(path) != 0) present.insert(path);
        continue;
      }
      if (S_ISDIR(info.st_mode)) {
        if (logged_.count(path) == 0) log::Debug("not entering a sub-folder", {{"path", path}});
        logged_now.insert(path);
        continue;
      }
      if (!S_ISREG(info.st_mode)) {
        report_once(path, absl::StatusCode::kInvalidArgument,
                    absl::StrCat(path, ": not a regular file, ignored"), true);
        continue;
      }
      FileState& state = files_[path];
      ReadFileLocked(path, &state);
      present.insert(path);
    }
  }
  for (auto it = files_.begin(); it != files_.end();) {
    if (present.count(it->first) != 0) {
      ++it;
      continue;
    }
    log::Info("pod manifest removed",
              {{"file", it->first}, {"pods", it->second.ever_good ? it->second.pods.size() : 0}});
    it = files_.erase(it);
  }

  // Who owns each namespace/name: the previous owner when it still claims it, else the first file.
  std::map<std::string, std::vector<std::string>> claims;
  for (const auto& [path, state] : files_) {
    if (!state.error.ok()) add_problem(path, state.error.code(), state.error.message());
    if (!state.ever_good) continue;
    for (const corev1::PodPtr& pod : state.pods) claims[PodKey(*pod)].push_back(path);
  }
  std::map<std::string, std::string> owners;
  for (const auto& [key, paths] : claims) {
    auto previous = owners_.find(key);
    if (previous != owners_.end() &&
        std::find(paths.begin(), paths.end(), previous->second) != paths.end()) {
      owners[key] = previous->second;
    } else {
      owners[key] = paths.front();
    }
  }

  std::vector<corev1::PodPtr> snapshot;
  std::map<std::string, std::string> seen;
  const std::string now_text = FormatSeenTime(clock_.Now());
  for (auto& [path, state] : files_) {
    if (!state.ever_good) continue;
    for (corev1::PodPtr& pod : state.pods) {
      const std::string key = PodKey(*pod);
      const std::string& owner = owners[key];
      if (owner != path) {
        report_once(path, absl::StatusCode::kAlreadyExists,
                    absl::StrCat(path, ": pod \"", key, "\" is already defined in ", owner,
                                 "; this one is ignored (pod names must be unique)"),
                    false);
        continue;
      }
      auto known = seen_.find(pod->metadata.uid);
      const std::string& seen_text = known != seen_.end() ? known->second : now_text;
      auto annotation = pod->metadata.annotations.find(std::string(kConfigSeenAnnotation));
      if (annotation == pod->metadata.annotations.end() || annotation->second != seen_text) {
        // First publication (or a new seen time): the file keeps the published version.
        auto published = std::make_shared<corev1::Pod>(*pod);
        published->metadata.annotations[std::string(kConfigSeenAnnotation)] = seen_text;
        pod = std::move(published);
      }
      seen[pod->metadata.uid] = seen_text;
      snapshot.push_back(pod);
    }
  }
  seen_ = std::move(seen);
  owners_ = std::move(owners);
  logged_ = std::move(logged_now);

  const bool first = !emitted_once_;
  bool changed = false;
  {
    krl::MutexLock lock(&mu_);
    publish_errors();
    changed = first || !SameSnapshot(snapshot, pods_);
    if (changed) pods_ = snapshot;
  }
  if (!changed) return false;
  emitted_once_ = true;
  log::Info("static pods changed", {{"pods", snapshot.size()}});
  if (on_snapshot_) on_snapshot_(snapshot);
  // Counted after the callback: a waiter on generation N knows the N-th call has returned.
  krl::MutexLock lock(&mu_);
  ++generation_;
  return true;
}

}  // namespace config
}  // namespace kubelet_core
}  // namespace krl
