#include "kubelet_core/kuberuntime/handler_runner.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kubelet_core/container/helpers.h"
#include "kubelet_core/kuberuntime/limits.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

std::string Quote(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

}  // namespace

absl::Status HandlerRunner::Run(absl::string_view container_id, const corev1::Pod& pod,
                                const corev1::Container& container,
                                const corev1::LifecycleHandler& handler, absl::string_view pod_ip,
                                absl::Duration timeout) {
  if (handler.exec) {
    cri::ExecSyncRequest request;
    request.set_container_id(std::string(container_id));
    for (const std::string& arg : handler.exec->command) request.add_cmd(arg);
    if (timeout > absl::ZeroDuration()) {
      request.set_timeout(std::max<int64_t>(1, absl::ToInt64Seconds(timeout)));
    }
    absl::StatusOr<cri::ExecSyncResponse> response = runtime_.ExecSync(request);
    std::string command = absl::StrCat("[", absl::StrJoin(handler.exec->command, " "), "]");
    std::string prefix =
        absl::StrCat("Exec lifecycle hook (", command, ") for Container ", Quote(container.name),
                     " in Pod ", Quote(container::PodFullName(pod)), " failed - error: ");
    if (!response.ok()) {
      return absl::Status(response.status().code(),
                          absl::StrCat(prefix, response.status().message(), ", message: \"\""));
    }
    if (response->exit_code() != 0) {
      std::string output = absl::StrCat(response->stdout(), response->stderr());
      if (output.size() > kMaxHookOutputLength) {
        output.resize(kMaxHookOutputLength);
        if (output_truncated_ != nullptr) output_truncated_->Increment();
      }
      return absl::UnknownError(absl::StrCat(prefix, "command '", command, "' exited with ",
                                             response->exit_code(), ": ", output,
                                             ", message: ", Quote(output)));
    }
    return absl::OkStatus();
  }
  if (handler.http_get) return RunHttpGet(pod, container, *handler.http_get, pod_ip, timeout);
  return absl::InvalidArgumentError(
      absl::StrCat("lifecycle hook of container ", container.name, " has no handler"));
}

absl::Status HandlerRunner::RunHttpGet(const corev1::Pod& pod, const corev1::Container& container,
                                       const corev1::HTTPGetAction& get, absl::string_view pod_ip,
                                       absl::Duration timeout) {
  std::string host = get.host;
  if (host.empty()) host = pod_ip.empty() ? "127.0.0.1" : std::string(pod_ip);
  int port = get.port.int_value;
  if (get.port.is_string()) {
    port = 0;
    for (const corev1::ContainerPort& p : container.ports) {
      if (p.name == get.port.string_value) port = p.container_port;
    }
    if (port == 0) {
      return absl::InvalidArgumentError(absl::StrCat("couldn't find port ", get.port.string_value,
                                                     " in container ", container.name));
    }
  }
  const bool https = get.scheme == corev1::URIScheme::kHTTPS;
  std::string path = get.path.empty() ? "/" : get.path;
  if (path.front() != '/') path = "/" + path;
  httplib::Client client(absl::StrCat(https ? "https" : "http", "://", host, ":", port));
  // The kubelet does not verify hook servers' certificates either.
  client.enable_server_certificate_verification(false);
  if (timeout > absl::ZeroDuration()) {
    const time_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(timeout));
    client.set_connection_timeout(seconds, 0);
    client.set_read_timeout(seconds, 0);
    client.set_write_timeout(seconds, 0);
  }
  httplib::Headers headers;
  for (const corev1::HTTPHeader& h : get.http_headers) headers.emplace(h.name, h.value);
  httplib::Result result = client.Get(path.c_str(), headers);
  std::string url = absl::StrCat(https ? "https" : "http", "://", host, ":", port, path);
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("HTTP lifecycle hook (", path, ") for Container ", Quote(container.name),
                     " in Pod ", Quote(container::PodFullName(pod)), " failed - error: Get ",
                     Quote(url), ": ", httplib::to_string(result.error())));
  }
  if (result->status < 200 || result->status >= 400) {
    return absl::UnknownError(absl::StrCat(
        "HTTP lifecycle hook (", path, ") for Container ", Quote(container.name), " in Pod ",
        Quote(container::PodFullName(pod)), " failed - error: HTTP status ", result->status));
  }
  return absl::OkStatus();
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
