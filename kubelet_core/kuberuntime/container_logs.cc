#include "kubelet_core/kuberuntime/container_logs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

std::string JoinPath(absl::string_view a, absl::string_view b) {
  if (absl::EndsWith(a, "/")) return absl::StrCat(a, b);
  return absl::StrCat(a, "/", b);
}

absl::Status OpenError(const std::string& path, int error) {
  std::string message = absl::StrCat("open ", path, ": ", std::strerror(error));
  return error == ENOENT ? absl::NotFoundError(message) : absl::UnknownError(message);
}

// Reads exactly `length` bytes at `offset` unless the file ends first; the count read.
absl::StatusOr<size_t> ReadFully(int fd, const std::string& path, char* data, size_t length,
                                 off_t offset) {
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, data + got, length - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return absl::UnknownError(absl::StrCat("read ", path, ": ", std::strerror(errno)));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  ~FileCloser() { ::close(fd_); }
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;

 private:
  int fd_;
};

// Where the last `lines` lines of the first `size` bytes begin: after the lines-th '\n' counted
// backwards, not counting one that ends the data. Reads backwards in blocks of `buffer_size`, so
// finding the start of a line of any length costs no memory (only the time to scan it).
absl::StatusOr<off_t> FindTailStart(int fd, const std::string& path, off_t size, int64_t lines,
                                    char* buffer, size_t buffer_size) {
  if (lines < 0 || size == 0) return 0;
  if (lines == 0) return size;
  off_t end = size;
  char last = 0;
  absl::StatusOr<size_t> got = ReadFully(fd, path, &last, 1, size - 1);
  if (!got.ok()) return got.status();
  if (*got == 1 && last == '\n') --end;
  int64_t seen = 0;
  while (end > 0) {
    const size_t length = static_cast<size_t>(std::min<off_t>(end, buffer_size));
    const off_t from = end - static_cast<off_t>(length);
    got = ReadFully(fd, path, buffer, length, from);
    if (!got.ok()) return got.status();
    size_t scan = *got;
    while (scan > 0) {
      const void* found = ::memrchr(buffer, '\n', scan);
      if (found == nullptr) break;
      const size_t at = static_cast<size_t>(static_cast<const char*>(found) - buffer);
      if (++seen == lines) return from + static_cast<off_t>(at) + 1;
      scan = at;
    }
    end = from;
  }
  return 0;
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

absl::StatusOr<std::string> ReadAtMost(const std::string& path, size_t max_bytes, bool* truncated) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  FileCloser closer(fd);
  struct stat st;
  off_t offset = 0;
  if (::fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) > max_bytes) {
    offset = st.st_size - static_cast<off_t>(max_bytes);
  }
  if (truncated != nullptr) *truncated = offset > 0;
  std::string data;
  data.resize(max_bytes);
  absl::StatusOr<size_t> got = ReadFully(fd, path, data.data(), max_bytes, offset);
  if (!got.ok()) return got.status();
  data.resize(*got);
  return data;
}

std::optional<CriLogLineView> ParseCriLogLineView(absl::string_view line) {
  const size_t time_end = line.find(' ');
  if (time_end == absl::string_view::npos) return std::nullopt;
  const size_t stream_end = line.find(' ', time_end + 1);
  if (stream_end == absl::string_view::npos) return std::nullopt;
  CriLogLineView parsed;
  parsed.time = line.substr(0, time_end);
  parsed.stream = line.substr(time_end + 1, stream_end - time_end - 1);
  if (parsed.stream != "stdout" && parsed.stream != "stderr") return std::nullopt;
  const size_t tags_end = line.find(' ', stream_end + 1);
  absl::string_view tags = tags_end == absl::string_view::npos
                               ? line.substr(stream_end + 1)
                               : line.substr(stream_end + 1, tags_end - stream_end - 1);
  // Tags are ':'-separated; the first says whether the line is partial.
  absl::string_view tag = tags.substr(0, tags.find(':'));
  if (tag == "P") {
    parsed.partial = true;
  } else if (tag != "F") {
    return std::nullopt;
  }
  if (tags_end != absl::string_view::npos) parsed.text = line.substr(tags_end + 1);
  return parsed;
}

std::optional<CriLogLine> ParseCriLogLine(absl::string_view line) {
  std::optional<CriLogLineView> view = ParseCriLogLineView(line);
  if (!view) return std::nullopt;
  CriLogLine parsed;
  parsed.time = std::string(view->time);
  parsed.stream = std::string(view->stream);
  parsed.partial = view->partial;
  parsed.text = std::string(view->text);
  return parsed;
}

std::string ReadLastLogText(const std::string& path, int max_lines, size_t max_bytes,
                            bool* truncated) {
  if (truncated != nullptr) *truncated = false;
  bool window_cut = false;
  absl::StatusOr<std::string> tail = ReadAtMost(path, kTerminationMessageLogWindow, &window_cut);
  if (!tail.ok()) {
    return absl::StrCat("Error on reading termination message from logs: ",
                        tail.status().message());
  }
  std::vector<absl::string_view> lines = absl::StrSplit(*tail, '\n', absl::SkipEmpty());
  // A window that starts mid-file starts mid-line: drop that first fragment.
  if (window_cut && !lines.empty()) lines.erase(lines.begin());
  size_t first = lines.size() > static_cast<size_t>(max_lines) ? lines.size() - max_lines : 0;
  std::string text;
  for (size_t i = first; i < lines.size(); ++i) {
    std::optional<CriLogLineView> parsed = ParseCriLogLineView(lines[i]);
    if (!parsed) continue;
    absl::StrAppend(&text, parsed->text);
    if (!parsed->partial) text += '\n';
  }
  if (text.size() > max_bytes) {
    text.erase(0, text.size() - max_bytes);
    if (truncated != nullptr) *truncated = true;
  }
  return text;
}

int TruncatePodTerminationMessages(const corev1::Pod& pod, corev1::PodStatus* status) {
  size_t share = kMaxPodTerminationMessageLength;
  const size_t containers = pod.spec.containers.size() + pod.spec.init_containers.size();
  if (containers > 0) share /= containers;
  int cut = 0;
  auto truncate = [&](corev1::ContainerState& state) {
    if (state.terminated && state.terminated->message.size() > share) {
      state.terminated->message.resize(share);
      ++cut;
    }
  };
  for (std::vector<corev1::ContainerStatus>* statuses :
       {&status->container_statuses, &status->init_container_statuses}) {
    for (corev1::ContainerStatus& s : *statuses) {
      truncate(s.state);
      truncate(s.last_state);
    }
  }
  return cut;
}

namespace {

// Hands output to the writer until limit_bytes; counts what it handed on.
class LimitedWriter {
 public:
  LimitedWriter(const LogWriter& write, int64_t limit, LogReadStats& stats)
      : write_(write),
        remaining_(limit < 0 ? std::numeric_limits<int64_t>::max() : limit),
        stats_(stats) {}

  // False once the limit is reached: nothing more is to be written.
  bool Write(LogStream stream, absl::string_view data) {
    if (data.empty()) return remaining_ > 0;
    if (remaining_ <= 0) return false;
    if (static_cast<int64_t>(data.size()) > remaining_) {
      data = data.substr(0, static_cast<size_t>(remaining_));
    }
    write_(stream, data);
    remaining_ -= static_cast<int64_t>(data.size());
    stats_.bytes += static_cast<int64_t>(data.size());
    if (remaining_ > 0) return true;
    stats_.limit_reached = true;
    return false;
  }

  bool done() const { return remaining_ <= 0; }

 private:
  const LogWriter& write_;
  int64_t remaining_;
  LogReadStats& stats_;
};

LogStream StreamOf(absl::string_view name) {
  return name == "stderr" ? LogStream::kStderr : LogStream::kStdout;
}

}  // namespace

absl::StatusOr<LogReadStats> ReadContainerLogs(const std::string& path,
                                               const LogReadOptions& options,
                                               const LogWriter& write) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return OpenError(path, errno);
  FileCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::UnknownError(absl::StrCat("stat ", path, ": ", std::strerror(errno)));
  }
  // What the file holds now; lines written during the read are for the next one.
  const off_t size = st.st_size;
  std::unique_ptr<char[]> buffer(new char[kLogReadBufferSize]);
  absl::StatusOr<off_t> start =
      FindTailStart(fd, path, size, options.tail_lines, buffer.get(), kLogReadBufferSize);
  if (!start.ok()) return start.status();

  LogReadStats stats;
  LimitedWriter out(write, options.limit_bytes, stats);
  // A line's output: time, text and newline together, so that one piece is one write.
  std::string line_out;
  line_out.reserve(kMaxLogLineLength + 1);

  enum class State { kLineStart, kLongLine, kSkipLine };
  State state = State::kLineStart;
  LogStream long_stream = LogStream::kStdout;
  bool long_partial = false;

  char* const data = buffer.get();
  size_t lo = 0;  // the unread bytes are data[lo, hi)
  size_t hi = 0;
  off_t position = *start;  // file offset of data[hi]
  bool eof = position >= size;
  while (!out.done()) {
    const size_t available = hi - lo;
    // A line of up to kMaxLogLineLength bytes plus its newline is one piece.
    const void* found = ::memchr(data + lo, '\n', std::min(available, kMaxLogLineLength + 1));
    size_t length;
    bool ends_line;
    bool newline = false;
    if (found != nullptr) {
      length = static_cast<size_t>(static_cast<const char*>(found) - (data + lo));
      ends_line = true;
      newline = true;
    } else if (available > kMaxLogLineLength) {
      length = kMaxLogLineLength;
      ends_line = false;
    } else if (!eof) {
      std::memmove(data, data + lo, available);
      lo = 0;
      hi = available;
      const size_t want =
          static_cast<size_t>(std::min<off_t>(kLogReadBufferSize - hi, size - position));
      absl::StatusOr<size_t> got = ReadFully(fd, path, data + hi, want, position);
      if (!got.ok()) return got.status();
      hi += *got;
      position += static_cast<off_t>(*got);
      if (*got < want || position >= size) eof = true;
      continue;
    } else if (available > 0) {
      length = available;  // a last line without its newline
      ends_line = true;
    } else {
      break;
    }
    const absl::string_view piece(data + lo, length);
    lo += length + (newline ? 1 : 0);

    if (state == State::kLongLine) {
      bool more = out.Write(long_stream, piece);
      if (more && ends_line && newline && !long_partial) more = out.Write(long_stream, "\n");
      if (ends_line) {
        ++stats.lines;
        state = State::kLineStart;
      }
      if (!more) break;
      continue;
    }
    if (state == State::kSkipLine) {
      if (ends_line) {
        ++stats.lines;
        state = State::kLineStart;
      }
      continue;
    }
    std::optional<CriLogLineView> parsed = ParseCriLogLineView(piece);
    if (!parsed) {
      ++stats.malformed_lines;
      if (ends_line) {
        ++stats.lines;
      } else {
        state = State::kSkipLine;
      }
      continue;
    }
    const LogStream stream = StreamOf(parsed->stream);
    line_out.clear();
    if (options.timestamps) absl::StrAppend(&line_out, parsed->time, " ");
    if (ends_line) {
      ++stats.lines;
      absl::StrAppend(&line_out, parsed->text);
      if (newline && !parsed->partial) line_out += '\n';
      if (!out.Write(stream, line_out)) break;
      continue;
    }
    // The first piece of a line longer than kMaxLogLineLength: the rest follows raw.
    ++stats.split_lines;
    state = State::kLongLine;
    long_stream = stream;
    long_partial = parsed->partial;
    if (!out.Write(stream, line_out) || !out.Write(stream, parsed->text)) break;
  }
  if (stats.split_lines > 0 || stats.malformed_lines > 0) {
    log::Warning("container log has over-long or malformed lines",
                 {{"path", path},
                  {"split_lines", stats.split_lines},
                  {"max_line_bytes", kMaxLogLineLength},
                  {"malformed_lines", stats.malformed_lines}});
  }
  return stats;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
