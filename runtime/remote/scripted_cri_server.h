// ScriptedCriServer: an in-process CRI v1 gRPC server (RuntimeService and ImageService) on a unix
// socket, whose every answer a test scripts. For tests and benchmarks of the remote client.
//
//   ScriptedCriServer server(socket_path);            // serves at server.endpoint()
//   server.SetResponse("StartContainer", cri::StartContainerResponse());
//   server.SetError("StopContainer", grpc::Status(grpc::StatusCode::NOT_FOUND, "no such id"));
//
// Unscripted RPCs answer Unimplemented, except Version (a valid CRI v1 answer) and ImageFsInfo
// (an empty answer), so a client can connect without any script. Calls are recorded: their
// count, last request and the deadline budget the client gave them.
//
// Threads: scripting and inspection from any thread; handlers run on gRPC's server threads. One
// mutex guards the scripts, the records and the event queue.
#ifndef KRL_RUNTIME_REMOTE_SCRIPTED_CRI_SERVER_H_
#define KRL_RUNTIME_REMOTE_SCRIPTED_CRI_SERVER_H_

#include <grpcpp/server.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace runtime {
namespace remote {

class ScriptedCriServer {
 public:
  // Computes a unary answer; runs on a server thread without the server's lock.
  using Handler = std::function<grpc::Status(const google::protobuf::Message& request,
                                             google::protobuf::Message* response)>;

  // Listens on `socket_path` (an absolute path shorter than 108 bytes); aborts the test process
  // when the server cannot start, as nothing useful can follow.
  explicit ScriptedCriServer(const std::string& socket_path);
  // Shuts down: pending calls (blocked ones, event streams) are cancelled.
  ~ScriptedCriServer();
  ScriptedCriServer(const ScriptedCriServer&) = delete;
  ScriptedCriServer& operator=(const ScriptedCriServer&) = delete;

  // "unix:///path", what a client's runtime_endpoint should be.
  const std::string& endpoint() const { return endpoint_; }
  const std::string& socket_path() const { return socket_path_; }

  // Stops serving now (a runtime going away); idempotent.
  void Shutdown();

  // --- Scripting; each replaces what `rpc` (the method name, e.g. "ListContainers") did. ---
  void SetResponse(absl::string_view rpc, const google::protobuf::Message& response);
  void SetError(absl::string_view rpc, const grpc::Status& status);
  void SetHandler(absl::string_view rpc, Handler handler);
  // A server-streaming RPC (Stream*): sends `batches` in order, then ends with `status`.
  template <typename Message>
  void SetStream(absl::string_view rpc, const std::vector<Message>& batches,
                 const grpc::Status& status = grpc::Status::OK) {
    std::vector<std::unique_ptr<google::protobuf::Message>> copies;
    for (const Message& batch : batches) copies.push_back(std::make_unique<Message>(batch));
    SetStreamMessages(rpc, std::move(copies), status);
  }
  // Back to the unscripted answer.
  void Reset(absl::string_view rpc);

  // Calls of `rpc` from now on wait (after being recorded) until Release(rpc), the client's
  // cancellation or deadline, or the server's shutdown.
  void Block(absl::string_view rpc);
  void Release(absl::string_view rpc);

  // --- Records ---
  int CallCount(absl::string_view rpc) const;
  // Waits (real time, bounded) until `rpc` was called `count` times; false on timeout.
  [[nodiscard]] bool WaitForCalls(absl::string_view rpc, int count,
                                  absl::Duration timeout = absl::Seconds(10)) const;
  // The last request of `rpc` (a default message when there was none).
  template <typename Request>
  Request LastRequest(absl::string_view rpc) const {
    Request request;
    CopyLastRequest(rpc, &request);
    return request;
  }
  // Time from the last call's arrival to its deadline; nullopt when it had no deadline.
  std::optional<absl::Duration> LastDeadlineBudget(absl::string_view rpc) const;

  // --- GetContainerEvents ---
  // Every open event stream sends `event` (streams opened later send it too).
  void PushEvent(const cri::ContainerEventResponse& event);
  // Every open and future event stream ends with `status` after its pending events.
  void CloseEvents(const grpc::Status& status);
  // Waits (real time, bounded) until `count` event streams are open; false on timeout.
  [[nodiscard]] bool WaitForEventStreams(int count,
                                         absl::Duration timeout = absl::Seconds(10)) const;

  // Entry points of the gRPC service classes (public only for them).
  grpc::Status HandleUnary(grpc::ServerContext* context, absl::string_view rpc,
                           const google::protobuf::Message& request,
                           google::protobuf::Message* response);
  template <typename Message>
  grpc::Status HandleStream(grpc::ServerContext* context, absl::string_view rpc,
                            const google::protobuf::Message& request,
                            grpc::ServerWriter<Message>* writer) {
    std::vector<std::unique_ptr<google::protobuf::Message>> batches;
    grpc::Status status = BeginStream(context, rpc, request, &batches);
    if (!status.ok()) return status;
    for (const auto& batch : batches) {
      if (!writer->Write(static_cast<const Message&>(*batch))) break;
    }
    return EndStream(rpc);
  }
  grpc::Status HandleEvents(grpc::ServerContext* context,
                            grpc::ServerWriter<cri::ContainerEventResponse>* writer);

 private:
  class RuntimeImpl;
  class ImageImpl;

  enum class Kind { kDefault, kResponse, kError, kHandler, kStream };
  struct Script {
    Kind kind = Kind::kDefault;
    std::unique_ptr<google::protobuf::Message> response;
    grpc::Status status;
    Handler handler;
    std::vector<std::unique_ptr<google::protobuf::Message>> batches;
    bool blocked = false;
    int calls = 0;
    std::unique_ptr<google::protobuf::Message> last_request;
    std::optional<absl::Duration> last_budget;
  };

  void SetStreamMessages(absl::string_view rpc,
                         std::vector<std::unique_ptr<google::protobuf::Message>> batches,
                         const grpc::Status& status);
  void CopyLastRequest(absl::string_view rpc, google::protobuf::Message* out) const;
  // Records the call and waits while it is blocked; false when it was cancelled meanwhile.
  bool Arrive(grpc::ServerContext* context, absl::string_view rpc,
              const google::protobuf::Message& request) ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status BeginStream(grpc::ServerContext* context, absl::string_view rpc,
                           const google::protobuf::Message& request,
                           std::vector<std::unique_ptr<google::protobuf::Message>>* batches);
  grpc::Status EndStream(absl::string_view rpc);
  Script& ScriptOf(absl::string_view rpc) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string socket_path_;
  const std::string endpoint_;
  std::unique_ptr<RuntimeImpl> runtime_impl_;
  std::unique_ptr<ImageImpl> image_impl_;
  std::unique_ptr<grpc::Server> server_;

  mutable krl::Mutex mu_;
  std::map<std::string, Script, std::less<>> scripts_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<cri::ContainerEventResponse> events_ ABSL_GUARDED_BY(mu_);
  std::optional<grpc::Status> events_closed_ ABSL_GUARDED_BY(mu_);
  int event_streams_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_SCRIPTED_CRI_SERVER_H_
