// RemoteCaller: the call path shared by the remote runtime and image services.
//
// It sets each call's deadline, turns the gRPC status into an absl::Status (FromGrpcStatus) and
// is the one place that logs failed CRI calls, with repeated identical errors about the same
// object reduced to one line a minute.
//
//   RemoteCaller caller(clock);
//   absl::StatusOr<cri::StartContainerResponse> r = caller.Unary(
//       "StartContainer", id, stub, &cri::RuntimeService::Stub::StartContainer, request, timeout);
//
// Thread safe: calls run concurrently on the caller's threads; the only lock is the log
// reducer's, taken when a call fails (or when a stop or remove forgets an object that failed).
#ifndef KRL_RUNTIME_REMOTE_REMOTE_CALLER_H_
#define KRL_RUNTIME_REMOTE_REMOTE_CALLER_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>
#include <grpcpp/support/sync_stream.h>

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "runtime/grpc_status.h"
#include "runtime/remote/log_reducer.h"
#include "runtime/util/clock.h"

namespace krl {
namespace runtime {
namespace remote {

class RemoteCaller {
 public:
  // `clock` (time of log reduction) must outlive the caller.
  explicit RemoteCaller(Clock& clock) : reducer_(clock) {}

  // Gives the call a deadline `timeout` from now; an infinite timeout leaves it without one.
  static void SetTimeout(grpc::ClientContext& context, absl::Duration timeout) {
    if (timeout == absl::InfiniteDuration()) return;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  }

  // One unary call. On failure the error names `rpc` and `id` and is logged (reduced per id).
  // The response is parsed straight into the returned StatusOr: nothing is copied.
  template <typename Stub, typename Request, typename Response>
  [[nodiscard]] absl::StatusOr<Response> Unary(
      absl::string_view rpc, absl::string_view id, Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
      const Request& request, absl::Duration timeout) {
    grpc::ClientContext context;
    SetTimeout(context, timeout);
    absl::StatusOr<Response> response(absl::in_place);
    grpc::Status status = (stub.*method)(&context, request, &*response);
    if (!status.ok()) return Report(FromGrpcStatus(status, rpc, id), rpc, id);
    return response;
  }

  // One server-streaming call: `start(&context)` opens it, `sink(Message&&)` receives every
  // message in order and may stop the stream by returning an error (which is then returned).
  // Errors are returned, not logged: the caller decides (an Unimplemented stream is expected
  // from older runtimes and not worth a log line).
  template <typename Message, typename Start, typename Sink>
  [[nodiscard]] absl::Status ServerStream(absl::string_view rpc, absl::Duration timeout,
                                          Start&& start, Sink&& sink) {
    grpc::ClientContext context;
    SetTimeout(context, timeout);
    std::unique_ptr<grpc::ClientReader<Message>> reader = start(&context);
    Message message;
    absl::Status sink_status;
    while (reader->Read(&message)) {
      sink_status = sink(std::move(message));
      if (!sink_status.ok()) {
        context.TryCancel();
        // Drain so Finish can complete; messages after the cancel are dropped.
        while (reader->Read(&message)) {
        }
        break;
      }
    }
    grpc::Status status = reader->Finish();
    if (!sink_status.ok()) return sink_status;
    return FromGrpcStatus(status, rpc);
  }

  // Logs `status` unless the same error about the same object (`id`, or `rpc` for calls about
  // no object) was logged within the last minute; returns `status`.
  [[nodiscard]] absl::Status Report(absl::Status status, absl::string_view rpc,
                                    absl::string_view id);

  // Forgets the errors of `id` (after it was stopped or removed): its next error is logged.
  void Forget(absl::string_view id) { reducer_.Forget(id); }

 private:
  LogReducer reducer_;
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REMOTE_CALLER_H_
