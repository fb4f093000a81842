// Where container logs live, how they are read and how much of them a termination message may
// take. The kubelet's layout: <root>/<namespace>_<name>_<uid>/<container>/<restartCount>.log, in
// the CRI log format ("<RFC 3339 time> stdout|stderr P|F <text>", P for a partial line, F for a
// full one).
//
//   std::string dir = BuildPodLogsDirectory("/var/log/pods", "default", "web", uid);
//   std::string tail = ReadLastLogText(status.log_path(), kMaxTerminationMessageLogLines,
//                                      kMaxTerminationMessageLogLength);
//   LogReadOptions options;
//   options.tail_lines = 100;
//   auto stats = ReadContainerLogs(path, options, [&](LogStream s, absl::string_view data) {
//     (s == LogStream::kStdout ? out : err) << data;
//   });
//
// Every read is bounded (limits.h): a log of any size, or a line of any length, costs a fixed
// buffer. Pure functions or plain file reads; thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_CONTAINER_LOGS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_CONTAINER_LOGS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/kuberuntime/limits.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// <root>/<namespace>_<name>_<uid>
std::string BuildPodLogsDirectory(absl::string_view root, absl::string_view namespace_,
                                  absl::string_view name, absl::string_view uid);
// <root>/<namespace>_<name>_<uid>/<container>
std::string BuildContainerLogsDirectory(absl::string_view root, absl::string_view namespace_,
                                        absl::string_view name, absl::string_view uid,
                                        absl::string_view container);
// <container>/<restart count>.log: the CRI log_path, relative to the sandbox's log directory.
std::string BuildContainerLogsPath(absl::string_view container, int restart_count);
// The uid of a pod log directory's name (the text after the last '_').
std::string ParsePodUIDFromLogsDirectory(absl::string_view name);

// One more than the largest N of the "N.log" files in `dir` (0 when there are none or the folder
// does not exist): the restart count to use when the runtime lost a container's history.
int CalcRestartCountByLogDir(const std::string& dir);

// The last `max_bytes` bytes of the file at `path`. NotFound when it does not exist. When
// `truncated` is given, it says whether the file was longer.
absl::StatusOr<std::string> ReadAtMost(const std::string& path, size_t max_bytes,
                                       bool* truncated = nullptr);

// One parsed CRI log line.
struct CriLogLine {
  std::string time;
  std::string stream;  // "stdout" or "stderr"
  bool partial = false;
  std::string text;  // without the newline
};
// Parses "<time> <stream> <tags> <text>"; nullopt for a malformed line.
std::optional<CriLogLine> ParseCriLogLine(absl::string_view line);

// The same parse without copies: the views point into `line`.
struct CriLogLineView {
  absl::string_view time;
  absl::string_view stream;  // "stdout" or "stderr"
  bool partial = false;
  absl::string_view text;
};
std::optional<CriLogLineView> ParseCriLogLineView(absl::string_view line);

// The text of the last `max_lines` lines of the CRI log at `path` (a full line ends with '\n',
// a partial one does not), then its last `max_bytes` bytes. Reads at most the last
// kTerminationMessageLogWindow bytes of the file; a line that began before them is left out.
// Returns "Error on reading termination message from logs: ..." when unreadable, as the kubelet
// reports it. When `truncated` is given, it says whether `max_bytes` cut the text.
std::string ReadLastLogText(const std::string& path, int max_lines, size_t max_bytes,
                            bool* truncated = nullptr);

// Cuts the terminated-state messages (state and last_state) of every container status to the
// pod's share, kMaxPodTerminationMessageLength / (containers + init containers of `pod`),
// keeping their first bytes, as the kubelet's status manager does. Returns how many it cut.
int TruncatePodTerminationMessages(const corev1::Pod& pod, corev1::PodStatus* status);

enum class LogStream { kStdout, kStderr };

struct LogReadOptions {
  // Only the last N lines of the file (a line ends with '\n'); negative: every line.
  int64_t tail_lines = -1;
  // Stop once this many bytes were handed to the writer (the last piece is cut); negative: no
  // limit.
  int64_t limit_bytes = -1;
  // Each line is preceded by its time as written in the file and a space.
  bool timestamps = false;
};

struct LogReadStats {
  int64_t lines = 0;            // lines read, malformed ones included; a split line counts once
  int64_t split_lines = 0;      // lines longer than kMaxLogLineLength, handed on in pieces
  int64_t malformed_lines = 0;  // lines not in the CRI format, skipped
  int64_t bytes = 0;            // bytes handed to the writer
  bool limit_reached = false;   // limit_bytes ended the read
};

// Receives the output in order: the text of each line (with '\n' after a full line, none after
// a partial one), possibly in several pieces, each at most kMaxLogLineLength bytes.
using LogWriter = std::function<void(LogStream stream, absl::string_view data)>;

// Reads the CRI log at `path` as the kubelet serves `kubectl logs` (without --follow): the file
// as it is when the call starts, from the first of its last `tail_lines` lines, each line's text
// to `write` on its stream, until `limit_bytes`. Memory is bounded by kLogReadBufferSize whatever
// the file holds: a line longer than kMaxLogLineLength (no runtime writes one; a broken or
// hostile writer might) is handed on in pieces of that size, its prefix parsed once, and counted
// in split_lines; a line whose first kMaxLogLineLength bytes hold no CRI prefix is skipped whole.
// NotFound when the file does not exist; other errors name the path.
absl::StatusOr<LogReadStats> ReadContainerLogs(const std::string& path,
                                               const LogReadOptions& options,
                                               const LogWriter& write);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_CONTAINER_LOGS_H_
