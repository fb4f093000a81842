// Fuzzes the CRI log format (container_logs.h): the line parser, and the two readers of a log
// file built on it. Input: three option bytes, then the log file's content.
//   byte 0: tail_lines = byte % 17 - 1 (-1 means every line)
//   byte 1: bit 7 timestamps; bits 0-6 limit_bytes = 3 * value (127 means no limit)
//   byte 2: bit 7 a 16-byte max_bytes for ReadLastLogText (else 2048); bits 0-6 its max_lines
// Properties, else the process aborts:
// - ParseCriLogLine and ParseCriLogLineView agree; a parsed line is "<time> <stream> <tags>[ text]"
//   with stream stdout/stderr and first tag P or F, and its canonical form parses back the same;
// - ReadContainerLogs hands on exactly what parsing each line gives (tail and limit applied),
//   counts what it wrote, never exceeds limit_bytes and counts no more malformed than read lines;
// - ReadLastLogText gives the text of the last max_lines lines, cut to max_bytes.
// The content is written to a memfd and read back through /proc/self/fd, so nothing touches disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

int log_fd = -1;

void Require(bool ok, const char* property, absl::string_view detail = "") {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s %s\n", property, std::string(detail).c_str());
  std::abort();
}

// Checks the parser on one line; returns its parse.
std::optional<CriLogLine> CheckLine(absl::string_view line) {
  std::optional<CriLogLine> parsed = ParseCriLogLine(line);
  std::optional<CriLogLineView> view = ParseCriLogLineView(line);
  Require(parsed.has_value() == view.has_value(), "both parsers accept the same lines", line);
  if (!parsed) return parsed;
  Require(parsed->time == view->time && parsed->stream == view->stream &&
              parsed->partial == view->partial && parsed->text == view->text,
          "both parsers read the same fields", line);
  Require(parsed->stream == "stdout" || parsed->stream == "stderr", "stream is stdout or stderr",
          line);
  Require(parsed->time.find(' ') == std::string::npos, "the time has no space", line);
  const std::string prefix = absl::StrCat(parsed->time, " ", parsed->stream, " ");
  Require(line.substr(0, prefix.size()) == prefix, "the line starts with time and stream", line);
  const absl::string_view tags = line.substr(prefix.size());
  Require(tags.substr(0, 1) == (parsed->partial ? "P" : "F"), "the first tag is P or F", line);
  Require(line.size() >= parsed->text.size() &&
              line.substr(line.size() - parsed->text.size()) == parsed->text,
          "the text ends the line", line);
  const std::string canonical = absl::StrCat(parsed->time, " ", parsed->stream, " ",
                                             parsed->partial ? "P" : "F", " ", parsed->text);
  std::optional<CriLogLine> again = ParseCriLogLine(canonical);
  Require(again.has_value() && again->time == parsed->time && again->stream == parsed->stream &&
              again->partial == parsed->partial && again->text == parsed->text,
          "the canonical form parses back to the same line", line);
  return parsed;
}

struct Line {
  absl::string_view text;
  bool newline;
};

// The lines of a file: each ends with '\n', except a last one that does not.
std::vector<Line> Lines(absl::string_view content) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == absl::string_view::npos) {
      lines.push_back({content.substr(start), false});
      break;
    }
    lines.push_back({content.substr(start, end - start), true});
    start = end + 1;
  }
  return lines;
}

void CheckReadContainerLogs(const std::string& path, absl::string_view content,
                            const LogReadOptions& options) {
  std::vector<Line> lines = Lines(content);
  for (const Line& line : lines) {
    // The readers split longer lines into pieces: beyond what this oracle models.
    if (line.text.size() > kMaxLogLineLength) return;
  }
  if (options.tail_lines >= 0 && static_cast<size_t>(options.tail_lines) < lines.size()) {
    lines.erase(lines.begin(), lines.end() - options.tail_lines);
  }
  std::string want;
  int64_t malformed = 0;
  for (const Line& line : lines) {
    std::optional<CriLogLine> parsed = CheckLine(line.text);
    if (!parsed) {
      ++malformed;
      continue;
    }
    if (options.timestamps) absl::StrAppend(&want, parsed->time, " ");
    absl::StrAppend(&want, parsed->text, line.newline && !parsed->partial ? "\n" : "");
  }
  // Reading stops once the limit is reached: later lines are neither read nor counted.
  const bool limited =
      options.limit_bytes >= 0 && want.size() >= static_cast<size_t>(options.limit_bytes);
  if (limited) want.resize(static_cast<size_t>(options.limit_bytes));

  std::string got;
  absl::StatusOr<LogReadStats> stats =
      ReadContainerLogs(path, options, [&](LogStream, absl::string_view data) {
        Require(!data.empty(), "no empty writes");
        Require(data.size() <= kMaxLogLineLength + 1, "a write is one bounded piece");
        got.append(data.data(), data.size());
      });
  Require(stats.ok(), "a readable log reads", stats.status().ToString());
  Require(got == want, "the output is the text of each parsed line", got);
  Require(stats->bytes == static_cast<int64_t>(got.size()), "bytes counts what was written");
  Require(options.limit_bytes < 0 || stats->bytes <= options.limit_bytes, "the limit holds");
  Require(stats->malformed_lines <= stats->lines, "malformed lines are among the lines read");
  if (!limited) {
    Require(stats->lines == static_cast<int64_t>(lines.size()), "every line is read");
    Require(stats->malformed_lines == malformed, "every malformed line is counted");
  }
}

void CheckReadLastLogText(const std::string& path, absl::string_view content, int max_lines,
                          size_t max_bytes) {
  if (content.size() > kTerminationMessageLogWindow) return;  // the window drops the first line
  std::vector<absl::string_view> lines = absl::StrSplit(content, '\n', absl::SkipEmpty());
  if (lines.size() > static_cast<size_t>(max_lines)) {
    lines.erase(lines.begin(), lines.end() - max_lines);
  }
  std::string want;
  for (absl::string_view line : lines) {
    std::optional<CriLogLine> parsed = CheckLine(line);
    if (parsed) absl::StrAppend(&want, parsed->text, parsed->partial ? "" : "\n");
  }
  if (want.size() > max_bytes) want.erase(0, want.size() - max_bytes);
  bool truncated = false;
  const std::string got = ReadLastLogText(path, max_lines, max_bytes, &truncated);
  Require(got == want, "the termination message is the last lines' text", got);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Malformed lines are logged; a line per input would only slow the fuzzer down.
  krl::log::SetMinimumLevel(krl::log::Level::kError);
  krl::kubelet_core::kuberuntime::log_fd = memfd_create("cri-log", MFD_CLOEXEC);
  if (krl::kubelet_core::kuberuntime::log_fd < 0) {
    std::perror("memfd_create");
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace kr = krl::kubelet_core::kuberuntime;
  if (size < 3) return 0;
  kr::LogReadOptions options;
  options.tail_lines = data[0] % 17 - 1;
  options.timestamps = (data[1] & 0x80) != 0;
  options.limit_bytes = (data[1] & 0x7f) == 0x7f ? -1 : 3 * (data[1] & 0x7f);
  const size_t max_bytes = (data[2] & 0x80) != 0 ? 16 : kr::kMaxTerminationMessageLogLength;
  const int max_lines = data[2] & 0x7f;
  const absl::string_view content(reinterpret_cast<const char*>(data + 3), size - 3);

  if (ftruncate(kr::log_fd, 0) != 0 || pwrite(kr::log_fd, content.data(), content.size(), 0) !=
                                           static_cast<ssize_t>(content.size())) {
    std::perror("writing the memfd");
    std::abort();
  }
  const std::string path = absl::StrCat("/proc/self/fd/", kr::log_fd);
  kr::CheckReadContainerLogs(path, content, options);
  kr::CheckReadLastLogText(path, content, max_lines, max_bytes);
  return 0;
}
