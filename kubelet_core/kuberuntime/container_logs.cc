#include "kubelet_core/kuberuntime/container_logs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

// How much of a log file's end ReadLastLogText looks at: enough for 80 ordinary lines, bounded
// so a huge log cannot make a status read slow.
constexpr size_t kLogTailWindow = 256 * 1024;

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (absl::EndsWith(a, "/")) return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

}  // namespace

std::string BuildPodLogsDirectory(absl::string_view root, absl::string_view namespace_,
                                  absl::string_view name, absl::string_view uid) {
  return JoinPath(root, absl::StrCat(namespace_, "_", name, "_", uid));
}

std::string BuildContainerLogsDirectory(absl::string_view root, absl::string_view namespace_,
                                        absl::string_view name, absl::string_view uid,
                                        absl::string_view container) {
  return JoinPath(BuildPodLogsDirectory(root, namespace_, name, uid), container);
}

std::string BuildContainerLogsPath(absl::string_view container, int restart_count) {
  return absl::StrCat(container, "/", restart_count, ".log");
}

std::string ParsePodUIDFromLogsDirectory(absl::string_view name) {
  size_t at = name.rfind('_');
  if (at == absl::string_view::npos) return "";
  return std::string(name.substr(at + 1));
}

int CalcRestartCountByLogDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  int restart_count = 0;
  while (struct dirent* entry = ::readdir(d)) {
    absl::string_view name = entry->d_name;
    // "N.log" or a rotated "N.log.<suffix>".
    size_t dot = name.find(".log");
    if (dot == absl::string_view::npos || dot == 0) continue;
    if (dot + 4 != name.size() && name[dot + 4] != '.') continue;
    int count = 0;
    if (!absl::SimpleAtoi(name.substr(0, dot), &count) || count < 0) continue;
    restart_count = std::max(restart_count, count + 1);
  }
  ::closedir(d);
  return restart_count;
}

absl::StatusOr<std::string> ReadAtMost(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    std::string message = absl::StrCat("open ", path, ": ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message) : absl::UnknownError(message);
  }
  struct stat st;
  off_t offset = 0;
  if (::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) > max_bytes) {
    offset = st.st_size - static_cast<off_t>(max_bytes);
  }
  std::string data;
  data.resize(max_bytes);
  size_t got = 0;
  while (got < max_bytes) {
    ssize_t n = ::pread(fd, data.data() + got, max_bytes - got, offset + got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return absl::UnknownError(absl::StrCat("read ", path, ": ", std::strerror(error)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

std::optional<CriLogLine> ParseCriLogLine(absl::string_view line) {
  std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
  if (parts.size() < 3) return std::nullopt;
  CriLogLine parsed;
  parsed.time = std::string(parts[0]);
  if (parts[1] != "stdout" && parts[1] != "stderr") return std::nullopt;
  parsed.stream = std::string(parts[1]);
  // Tags are ':'-separated; the first says whether the line is partial.
  absl::string_view tag = parts[2].substr(0, parts[2].find(':'));
  if (tag == "P") {
    parsed.partial = true;
  } else if (tag != "F") {
    return std::nullopt;
  }
  if (parts.size() == 4) parsed.text = std::string(parts[3]);
  return parsed;
}

std::string ReadLastLogText(const std::string& path, int max_lines, size_t max_bytes) {
  absl::StatusOr<std::string> tail = ReadAtMost(path, kLogTailWindow);
  if (!tail.ok()) {
    return absl::StrCat("Error on reading termination message from logs: ",
                        tail.status().message());
  }
  std::vector<absl::string_view> lines = absl::StrSplit(*tail, '\n', absl::SkipEmpty());
  // A window that starts mid-file starts mid-line: drop that first fragment.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) > kLogTailWindow &&
      !lines.empty()) {
    lines.erase(lines.begin());
  }
  size_t first = lines.size() > static_cast<size_t>(max_lines) ? lines.size() - max_lines : 0;
  std::string text;
  for (size_t i = first; i < lines.size(); ++i) {
    std::optional<CriLogLine> parsed = ParseCriLogLine(lines[i]);
    if (!parsed) continue;
    text += parsed->text;
    if (!parsed->partial) text += '\n';
  }
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
