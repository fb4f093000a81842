// Every size bound of the runtime manager, in one place: what it keeps of termination messages,
// container logs and lifecycle hook output, so that a container writing without limit (a 1 GiB
// log line, a huge termination message file, megabytes of hook output) costs the agent a bounded
// amount of memory and time. Each bound is counted when it cuts something
// (KubeRuntimeMetrics, krl_* counters) and documented in README.md ("Limits").
//
//   std::string message = ReadLastLogText(path, kMaxTerminationMessageLogLines,
//                                         kMaxTerminationMessageLogLength);
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_LIMITS_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_LIMITS_H_

#include <cstddef>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// The kubelet's: a termination message file is read up to its last 4096 bytes.
inline constexpr size_t kMaxTerminationMessageLength = 4096;
// The kubelet's: a message taken from the log (FallbackToLogsOnError) is the text of its last 80
// lines, then at most the last 2048 bytes of that.
inline constexpr size_t kMaxTerminationMessageLogLength = 2048;
inline constexpr int kMaxTerminationMessageLogLines = 80;
// The kubelet's: the termination messages of one pod's API status take at most 12 KiB together,
// split evenly between its containers and init containers (each message keeps its first
// 12 KiB / count bytes).
inline constexpr size_t kMaxPodTerminationMessageLength = 12 * 1024;
// Ours: the fallback reads at most this much of the log's end, so a log of any size (or one huge
// line) costs one bounded read per status; a line that began before this window is left out.
inline constexpr size_t kTerminationMessageLogWindow = 256 * 1024;

// Ours: ReadContainerLogs hands a log line on in pieces of at most this many bytes (prefix
// included), so a line of any length costs a bounded buffer. 16 KiB is containerd's and CRI-O's
// default max_container_log_line_size: what they write is never split again. The kubelet reads
// whole lines and trusts the runtime to have split them.
inline constexpr size_t kMaxLogLineLength = 16 * 1024;
// Ours: ReadContainerLogs reads the file in blocks of this size (forwards and, for tailLines,
// backwards). Must exceed kMaxLogLineLength.
inline constexpr size_t kLogReadBufferSize = 64 * 1024;
static_assert(kLogReadBufferSize > kMaxLogLineLength, "a whole line piece must fit the buffer");

// Ours (as the prober's limit): a failed exec lifecycle hook's error message keeps at most the
// first 10 KiB of the command's output.
inline constexpr size_t kMaxHookOutputLength = 10 * 1024;

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_LIMITS_H_
