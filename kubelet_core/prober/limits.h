// The prober's size bounds, in one place: what it keeps of a probe's output, so that a container
// answering with megabytes (an exec probe's stdout, an endless HTTP body) costs the agent a
// bounded amount of memory and time. A cut is flagged in ProbeOutcome::output_truncated and
// logged at debug level; README.md ("Limits") lists the bounds.
#ifndef KRL_KUBELET_CORE_PROBER_LIMITS_H_
#define KRL_KUBELET_CORE_PROBER_LIMITS_H_

#include <cstddef>

namespace krl {
namespace kubelet_core {
namespace prober {

// The kubelet's (maxReadLength of its exec prober): an exec probe keeps the first 10 KiB of its
// output (stdout, then stderr). The runtime may send more, up to the CRI client's
// max_receive_message_size (16 MiB); a larger answer fails the probe as unknown, naming ExecSync.
inline constexpr size_t kMaxExecProbeOutputLength = 10 * 1024;
// The kubelet's (maxRespBodyLength of its HTTP prober): an httpGet probe reads at most the first
// 10 KiB of the body, then closes the connection; the status code decides.
inline constexpr size_t kMaxHttpProbeBodyLength = 10 * 1024;

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_LIMITS_H_
