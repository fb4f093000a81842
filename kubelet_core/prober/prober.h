// Prober: runs one probe of one container once: exec through the CRI runtime, tcpSocket, httpGet.
//
//   Prober prober(runtime_service);
//   ProbeOutcome outcome = prober.Run(*container.liveness_probe, container,
//                                     {container_id, pod_ip, /*host_network=*/false});
//
// How each handler decides, as the kubelet's prober does:
// - exec: ExecSync in the container with the probe's timeoutSeconds as the request timeout. Exit
//   code 0 is success, any other exit code failure (output: stdout then stderr); a command that
//   outlives the timeout (DeadlineExceeded) is a failure ("command timed out"); any other runtime
//   error means the probe could not run (kUnknown).
// - tcpSocket / httpGet: host is the probe's `host`, else 127.0.0.1 for a host-network pod (its
//   ports are on the node's loopback too), else the pod IP (kUnknown when there is none yet). The
//   port is a number, or the name of one of the container's ports (kUnknown when no port has that
//   name; a name made of digits is read as the number, as the kubelet does). See tcp_probe.h and
//   http_probe.h.
// - grpc: not supported by this agent: kUnknown, saying so (the container never becomes ready
//   through it, and liveness is never failed by it).
// An attempt that gives kUnknown is retried, up to 3 attempts in all (the kubelet's
// maxProbeRetries); failures are not retried.
//
// Thread safe: holds no state besides the runtime reference; many probes may run at once.
#ifndef KRL_KUBELET_CORE_PROBER_PROBER_H_
#define KRL_KUBELET_CORE_PROBER_PROBER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/prober/probe_types.h"
#include "runtime/runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace prober {

// Where a probe goes: the running container and its pod's address.
struct ProbeTarget {
  std::string container_id;  // the runtime's id (no "<type>://" prefix)
  std::string pod_ip;        // empty until the sandbox has one
  bool host_network = false;
};

class Prober {
 public:
  static constexpr int kMaxAttempts = 3;

  // `runtime` must outlive this.
  explicit Prober(runtime::RuntimeService& runtime,
                  std::string user_agent = std::string(kDefaultUserAgent));

  ProbeOutcome Run(const corev1::Probe& probe, const corev1::Container& container,
                   const ProbeTarget& target) const;

  // The port a probe names: the number itself, or the containerPort of the container's port with
  // that name (a name made of digits falls back to the number). InvalidArgument otherwise, or
  // when the result is outside 1-65535.
  [[nodiscard]] static absl::StatusOr<int> ResolvePort(const corev1::IntOrString& port,
                                                       const corev1::Container& container);

 private:
  ProbeOutcome RunOnce(const corev1::Probe& probe, const corev1::Container& container,
                       const ProbeTarget& target) const;
  ProbeOutcome Exec(const corev1::ExecAction& exec, int32_t timeout_seconds,
                    const ProbeTarget& target) const;

  runtime::RuntimeService& runtime_;
  const std::string user_agent_;
};

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_PROBER_H_
