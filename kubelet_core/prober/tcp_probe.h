// TcpProbe: the tcpSocket probe. Success when a TCP connection to host:port opens within the
// timeout (it is closed at once); failure otherwise, with the reason as the output.
//
//   ProbeOutcome outcome = TcpProbe("127.0.0.1", 8080, absl::Seconds(1));
//   if (outcome.result == ProbeResult::kFailure) Report(outcome.output);
//   // outcome.output: "dial tcp 127.0.0.1:8080: Connection refused"
//
// The host may be an IPv4 or IPv6 address or a name (resolved first; each address is tried in
// turn while time is left). A name that does not resolve is a failure, as in the kubelet.
// Thread safe; blocks up to `timeout` (real time: a network wait, not the agent's clock).
#ifndef KRL_KUBELET_CORE_PROBER_TCP_PROBE_H_
#define KRL_KUBELET_CORE_PROBER_TCP_PROBE_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kubelet_core/prober/probe_types.h"

namespace krl {
namespace kubelet_core {
namespace prober {

ProbeOutcome TcpProbe(absl::string_view host, int port, absl::Duration timeout);

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_TCP_PROBE_H_
