// Where container logs live and how much of them a termination message may take, as the kubelet
// lays them out: <root>/<namespace>_<name>_<uid>/<container>/<restartCount>.log, in the CRI log
// format ("<RFC 3339 time> stdout|stderr P|F <text>", P for a partial line, F for a full one).
//
//   std::string dir = BuildPodLogsDirectory("/var/log/pods", "default", "web", uid);
//   std::string tail = ReadLastLogText(status.log_path(), kMaxTerminationMessageLogLines,
//                                      kMaxTerminationMessageLogLength);
//
// Pure functions or plain file reads; thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_CONTAINER_LOGS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_CONTAINER_LOGS_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// The kubelet's bounds: a termination message file is read up to 4096 bytes (its last ones);
// one taken from the log (FallbackToLogsOnError) is its last 80 lines, at most 2048 bytes.
inline constexpr size_t kMaxTerminationMessageLength = 4096;
inline constexpr size_t kMaxTerminationMessageLogLength = 2048;
inline constexpr int kMaxTerminationMessageLogLines = 80;

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

// The last `max_bytes` bytes of the file at `path`. NotFound when it does not exist.
absl::StatusOr<std::string> ReadAtMost(const std::string& path, size_t max_bytes);

// One parsed CRI log line.
struct CriLogLine {
  std::string time;
  std::string stream;  // "stdout" or "stderr"
  bool partial = false;
  std::string text;  // without the newline
};
// Parses "<time> <stream> <tags> <text>"; nullopt for a malformed line.
std::optional<CriLogLine> ParseCriLogLine(absl::string_view line);

// The text of the last `max_lines` lines of the CRI log at `path` (a full line ends with '\n',
// a partial one does not), then its last `max_bytes` bytes. Reads at most a bounded tail of the
// file. Returns "Error on reading termination message from logs: ..." when unreadable, as the
// kubelet reports it.
std::string ReadLastLogText(const std::string& path, int max_lines, size_t max_bytes);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_CONTAINER_LOGS_H_
