// CriGrpcServer: serves any runtime::RuntimeService and runtime::ImageService as the CRI v1 gRPC
// services on a unix socket, so the remote client, crictl or a node agent can talk to a fake
// (or to any other implementation, e.g. a decorator) exactly as to containerd.
//
//   testing::CriGrpcServer server(&fake_runtime, &fake_images);
//   REQUIRE(server.Start("unix:///tmp/krl-x/cri.sock").ok());
//   ... connect to server.endpoint() ...
//
// absl codes become the gRPC codes of the same number with the same message, so NotFound stays
// NotFound end to end. Server-streaming list RPCs forward every message of the service.
// GetContainerEvents is a server stream that lasts until the client cancels it (the stream then
// ends CANCELLED), the service ends it (its status), or the server shuts down (UNAVAILABLE).
//
// Threads: gRPC's sync server threads call the services concurrently (they must be thread safe,
// as the interfaces require). Start and Shutdown may be called from any thread; a mutex
// serializes them. The services are not owned and must outlive the server.
#ifndef KRL_TESTING_FAKE_REMOTE_CRI_GRPC_SERVER_H_
#define KRL_TESTING_FAKE_REMOTE_CRI_GRPC_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "runtime/image_service.h"
#include "runtime/runtime_service.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace krl {
namespace testing {

class CriGrpcServer {
 public:
  // `images` may be null: then only the RuntimeService is served (as a runtime whose images are
  // served on another endpoint).
  CriGrpcServer(runtime::RuntimeService* runtime, runtime::ImageService* images);
  // Shuts down (1 s deadline) if still running.
  ~CriGrpcServer();
  CriGrpcServer(const CriGrpcServer&) = delete;
  CriGrpcServer& operator=(const CriGrpcServer&) = delete;

  // Listens on `endpoint`: "unix:///absolute/path" or "/absolute/path" (under 108 bytes). A stale
  // socket file at that path is replaced. InvalidArgument for other endpoints,
  // FailedPrecondition when already started, Unavailable when gRPC cannot listen there.
  [[nodiscard]] absl::Status Start(absl::string_view endpoint);

  // Stops accepting calls, ends open event streams (UNAVAILABLE), waits for calls in flight up
  // to `deadline` (then cancels them), and removes the socket file. Idempotent.
  void Shutdown(absl::Duration deadline = absl::Seconds(5));

  // "unix:///path" once started.
  std::string endpoint() const;
  // The socket's path once started.
  std::string socket_path() const;
  // GetContainerEvents streams currently open.
  int open_event_streams() const { return open_event_streams_.load(); }

 private:
  runtime::RuntimeService* const runtime_;
  runtime::ImageService* const images_;
  // Read by stream handlers without the mutex so Shutdown can end them while it holds it.
  std::atomic<bool> stopping_{false};
  std::atomic<int> open_event_streams_{0};

  mutable krl::Mutex mu_;
  std::string socket_path_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::Service> runtime_service_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::Service> image_service_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKE_REMOTE_CRI_GRPC_SERVER_H_
