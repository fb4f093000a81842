#include "kubelet_core/prober/prober.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/prober/http_probe.h"
#include "kubelet_core/prober/limits.h"
#include "kubelet_core/prober/tcp_probe.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace prober {

Prober::Prober(runtime::RuntimeService& runtime, std::string user_agent)
    : runtime_(runtime), user_agent_(std::move(user_agent)) {}

ProbeOutcome Prober::Run(const corev1::Probe& probe, const corev1::Container& container,
                         const ProbeTarget& target) const {
  ProbeOutcome outcome;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    outcome = RunOnce(probe, container, target);
    if (outcome.result != ProbeResult::kUnknown) break;
  }
  return outcome;
}

absl::StatusOr<int> Prober::ResolvePort(const corev1::IntOrString& port,
                                        const corev1::Container& container) {
  int number = port.int_value;
  if (port.is_string()) {
    bool found = false;
    for (const corev1::ContainerPort& p : container.ports) {
      if (p.name == port.string_value) {
        number = p.container_port;
        found = true;
        break;
      }
    }
    if (!found && !absl::SimpleAtoi(port.string_value, &number)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "container \"", container.name, "\" has no port named \"", port.string_value, "\""));
    }
  }
  if (number <= 0 || number >= 65536) {
    return absl::InvalidArgumentError(absl::StrCat("invalid port number: ", number));
  }
  return number;
}

ProbeOutcome Prober::RunOnce(const corev1::Probe& probe, const corev1::Container& container,
                             const ProbeTarget& target) const {
  const absl::Duration timeout = absl::Seconds(probe.timeout_seconds);
  if (probe.exec) return Exec(*probe.exec, probe.timeout_seconds, target);
  if (probe.grpc) {
    return {ProbeResult::kUnknown, "gRPC probes are not supported by this agent"};
  }
  if (!probe.http_get && !probe.tcp_socket) {
    return {ProbeResult::kUnknown, "the probe has no handler"};
  }
  const corev1::IntOrString& port_spec =
      probe.http_get ? probe.http_get->port : probe.tcp_socket->port;
  const std::string& host_spec = probe.http_get ? probe.http_get->host : probe.tcp_socket->host;
  absl::StatusOr<int> port = ResolvePort(port_spec, container);
  if (!port.ok()) return {ProbeResult::kUnknown, std::string(port.status().message())};
  std::string host = host_spec;
  if (host.empty()) host = target.host_network ? "127.0.0.1" : target.pod_ip;
  if (host.empty()) return {ProbeResult::kUnknown, "the pod has no IP address yet"};

  if (probe.tcp_socket) return TcpProbe(host, *port, timeout);
  HttpProbeRequest request;
  request.scheme = probe.http_get->scheme;
  request.host = host;
  request.port = *port;
  request.path = probe.http_get->path;
  request.headers = probe.http_get->http_headers;
  request.user_agent = user_agent_;
  return HttpProbe(request, timeout);
}

ProbeOutcome Prober::Exec(const corev1::ExecAction& exec, int32_t timeout_seconds,
                          const ProbeTarget& target) const {
  cri::ExecSyncRequest request;
  request.set_container_id(target.container_id);
  for (const std::string& arg : exec.command) request.add_cmd(arg);
  request.set_timeout(timeout_seconds);
  absl::StatusOr<cri::ExecSyncResponse> response = runtime_.ExecSync(request);
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kDeadlineExceeded) {
      return {ProbeResult::kFailure,
              absl::StrCat("command timed out: \"", absl::StrJoin(exec.command, " "),
                           "\" did not finish within ", timeout_seconds, "s")};
    }
    return {ProbeResult::kUnknown, response.status().ToString()};
  }
  ProbeOutcome outcome;
  // Only what is kept is copied: the runtime may have answered with megabytes.
  const std::string& out = response->stdout();
  const std::string& err = response->stderr();
  outcome.output = out.substr(0, kMaxExecProbeOutputLength);
  if (outcome.output.size() < kMaxExecProbeOutputLength) {
    outcome.output += err.substr(0, kMaxExecProbeOutputLength - outcome.output.size());
  }
  outcome.output_truncated = out.size() + err.size() > kMaxExecProbeOutputLength;
  if (outcome.output_truncated) {
    log::Debug("exec probe output truncated", {{"container", target.container_id},
                                               {"bytes", out.size() + err.size()},
                                               {"kept", kMaxExecProbeOutputLength}});
  }
  if (response->exit_code() == 0) {
    outcome.result = ProbeResult::kSuccess;
    return outcome;
  }
  outcome.result = ProbeResult::kFailure;
  if (outcome.output.empty()) {
    outcome.output = absl::StrCat("command exited with code ", response->exit_code());
  }
  return outcome;
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
