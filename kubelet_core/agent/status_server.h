// StatusServer: the agent's read-only HTTP endpoints, on loopback by default (the kubelet's
// read-only port serves the same kind of data).
//
//   StatusServer server(*agent, {"127.0.0.1", 0});           // port 0: any free port
//   if (absl::Status s = server.Start(); !s.ok()) return s;
//   std::cout << "status on port " << server.port() << "\n";
//
// Endpoints (GET or HEAD; any other method answers 405 with "Allow: GET, HEAD"):
//   /healthz   200 "ok" when the sync loop, the PLEG and the runtime are healthy, else 500 with one
//              line per check ("[+]pleg ok", "[-]runtime failed: ...") and "healthz check failed".
//              ?verbose lists the checks on success too, plus whether the node is ready.
//   /pods      the desired pods with their status, as a Kubernetes PodList in JSON.
//   /metrics   every metric of the agent's registry in the Prometheus text format: CRI operations,
//              PLEG relists, pod worker durations, running pods and containers.
// Anything else is 404.
//
// Threads: Start and Stop from one thread; the handlers run on the server's own threads and
// only read the agent (its accessors are thread safe).
#ifndef KRL_KUBELET_CORE_AGENT_STATUS_SERVER_H_
#define KRL_KUBELET_CORE_AGENT_STATUS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "kubelet_core/agent/node_agent.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace krl {
namespace kubelet_core {
namespace agent {

class StatusServer {
 public:
  struct Options {
    // Loopback by default: the endpoints have no authentication.
    std::string address = "127.0.0.1";
    // 0 picks a free port (see port()).
    int port = 10255;
  };

  // One response, for the handler functions below (tested without a socket).
  struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };

  // `agent` must outlive the server.
  StatusServer(NodeAgent& agent, Options options);
  // Stop()s.
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Binds the address and port (Unavailable naming them when that fails) and serves on a thread
  // of its own. Call once.
  [[nodiscard]] absl::Status Start();
  // Stops serving and joins the thread. Idempotent.
  void Stop();
  // The port bound (the chosen one when Options::port was 0); 0 before Start().
  int port() const { return port_; }

  // The endpoints' answers.
  static Response Healthz(const NodeAgent& agent, bool verbose);
  static Response PodList(const NodeAgent& agent);
  static Response Metrics(NodeAgent& agent);

 private:
  NodeAgent& agent_;
  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_AGENT_STATUS_SERVER_H_
