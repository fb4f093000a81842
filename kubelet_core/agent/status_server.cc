#include "kubelet_core/agent/status_server.h"

#include <httplib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "api/core/v1/json_encoder.h"
#include "runtime/metrics/exposition.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

void Reply(StatusServer::Response response, httplib::Response& res) {
  res.status = response.status;
  // set_content copies the body; a /pods of a thousand pods is megabytes: move it in instead.
  res.set_content("", 0, response.content_type);
  res.body = std::move(response.body);
}

}  // namespace

StatusServer::StatusServer(NodeAgent& agent, Options options)
    : agent_(agent), options_(std::move(options)) {}

StatusServer::~StatusServer() { Stop(); }

StatusServer::Response StatusServer::Healthz(const NodeAgent& agent, bool verbose) {
  Response response;
  std::vector<NodeAgent::HealthCheck> checks = agent.HealthChecks();
  bool healthy = true;
  std::string lines;
  for (const NodeAgent::HealthCheck& check : checks) {
    if (check.status.ok()) {
      absl::StrAppend(&lines, "[+]", check.name, " ok\n");
    } else {
      healthy = false;
      absl::StrAppend(&lines, "[-]", check.name, " failed: ", check.status.message(), "\n");
    }
  }
  if (healthy && !verbose) {
    response.body = "ok";
    return response;
  }
  response.body = lines;
  if (verbose) {
    absl::Status ready = agent.NodeReady();
    absl::StrAppend(
        &response.body, "node ready: ",
        ready.ok() ? std::string("true") : absl::StrCat("false (", ready.message(), ")"), "\n");
  }
  if (healthy) {
    absl::StrAppend(&response.body, "healthz check passed\n");
  } else {
    response.status = 500;
    absl::StrAppend(&response.body, "healthz check failed\n");
  }
  return response;
}

StatusServer::Response StatusServer::PodList(const NodeAgent& agent) {
  Response response;
  response.content_type = "application/json";
  // PodListToJson's indented output, built one pod at a time: converting a thousand pods at once
  // held them all, and their JSON trees, in memory together (tens of MB for one request).
  std::string& body = response.body;
  body = "{\n \"apiVersion\": \"v1\",\n \"items\": [";
  bool first = true;
  const std::vector<corev1::PodPtr> specs = agent.PodSpecs();
  for (const corev1::PodPtr& spec : specs) {
    std::optional<corev1::PodStatus> status = agent.GetPodStatus(spec->metadata.uid);
    if (!status.has_value()) continue;  // removed meanwhile
    corev1::Pod pod = *spec;
    pod.status = *std::move(status);
    const std::string json = corev1::PodToJson(pod, corev1::JsonStyle::kIndented);
    // Room for the whole list at the size of the first pod, rather than doubling as it grows.
    if (first) body.reserve(body.size() + (json.size() + json.size() / 8) * specs.size() + 64);
    body.append(first ? "\n" : ",\n");
    first = false;
    // Nested two levels deeper: each line gets two more spaces.
    absl::string_view rest = absl::StripTrailingAsciiWhitespace(json);
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      body.append("  ");
      body.append(rest.data(), end == absl::string_view::npos ? rest.size() : end + 1);
      rest.remove_prefix(end == absl::string_view::npos ? rest.size() : end + 1);
    }
  }
  body.append(first ? "]" : "\n ]");
  body.append(",\n \"kind\": \"PodList\"\n}\n\n");
  return response;
}

StatusServer::Response StatusServer::Metrics(NodeAgent& agent) {
  Response response;
  response.content_type = runtime::metrics::kExpositionContentType;
  response.body = agent.registry().Render();
  return response;
}

absl::Status StatusServer::Start() {
  if (server_ != nullptr) return absl::FailedPreconditionError("status server already started");
  server_ = std::make_unique<httplib::Server>();
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second agent bind
  // the same port silently instead of failing.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
  });
  // Read-only: every method but GET and HEAD is refused before routing.
  server_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD")
      return httplib::Server::HandlerResponse::Unhandled;
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("method not allowed: the status endpoints are read-only\n",
                    "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  NodeAgent& agent = agent_;
  server_->Get("/healthz", [&agent](const httplib::Request& req, httplib::Response& res) {
    Reply(Healthz(agent, req.has_param("verbose")), res);
  });
  server_->Get("/pods", [&agent](const httplib::Request&, httplib::Response& res) {
    Reply(PodList(agent), res);
  });
  server_->Get("/metrics", [&agent](const httplib::Request&, httplib::Response& res) {
    Reply(Metrics(agent), res);
  });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      res.set_content("not found: try /healthz, /pods or /metrics\n", "text/plain; charset=utf-8");
    }
  });
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.address);
  } else if (!server_->bind_to_port(options_.address, port)) {
    port = -1;
  }
  if (port <= 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("status server: cannot listen on ", options_.address, ":", options_.port));
  }
  port_ = port;
  httplib::Server* server = server_.get();
  thread_ = std::thread([server] { server->listen_after_bind(); });
  // stop() only interrupts a server that is listening: wait until it is, so a Stop() right after
  // Start() cannot miss it.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!server->is_running() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  log::Info("status server listening", {{"address", options_.address}, {"port", port_}});
  return absl::OkStatus();
}

void StatusServer::Stop() {
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
