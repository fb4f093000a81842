#include "runtime/grpc_status.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"

namespace krl {
namespace runtime {
namespace {

TEST_CASE("an OK gRPC status is an OK absl status") {
  CHECK(FromGrpcStatus(grpc::Status::OK, "Version").ok());
}

TEST_CASE("every gRPC code is kept and the message names the RPC and the object") {
  struct Row {
    grpc::StatusCode grpc_code;
    absl::StatusCode absl_code;
  };
  const std::vector<Row> rows = {
      {grpc::StatusCode::CANCELLED, absl::StatusCode::kCancelled},
      {grpc::StatusCode::UNKNOWN, absl::StatusCode::kUnknown},
      {grpc::StatusCode::INVALID_ARGUMENT, absl::StatusCode::kInvalidArgument},
      {grpc::StatusCode::DEADLINE_EXCEEDED, absl::StatusCode::kDeadlineExceeded},
      {grpc::StatusCode::NOT_FOUND, absl::StatusCode::kNotFound},
      {grpc::StatusCode::ALREADY_EXISTS, absl::StatusCode::kAlreadyExists},
      {grpc::StatusCode::PERMISSION_DENIED, absl::StatusCode::kPermissionDenied},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, absl::StatusCode::kResourceExhausted},
      {grpc::StatusCode::FAILED_PRECONDITION, absl::StatusCode::kFailedPrecondition},
      {grpc::StatusCode::ABORTED, absl::StatusCode::kAborted},
      {grpc::StatusCode::OUT_OF_RANGE, absl::StatusCode::kOutOfRange},
      {grpc::StatusCode::UNIMPLEMENTED, absl::StatusCode::kUnimplemented},
      {grpc::StatusCode::INTERNAL, absl::StatusCode::kInternal},
      {grpc::StatusCode::UNAVAILABLE, absl::StatusCode::kUnavailable},
      {grpc::StatusCode::DATA_LOSS, absl::StatusCode::kDataLoss},
      {grpc::StatusCode::UNAUTHENTICATED, absl::StatusCode::kUnauthenticated},
  };
  for (const Row& row : rows) {
    INFO("grpc code " << static_cast<int>(row.grpc_code));
    absl::Status status = FromGrpcStatus(grpc::Status(row.grpc_code, "container not found"),
                                         "StopContainer", "abc123");
    CHECK(status.code() == row.absl_code);
    CHECK(status.message() == "StopContainer \"abc123\": rpc error: container not found");
  }
}

TEST_CASE("a call about no object names only the RPC") {
  absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused"), "Version");
  CHECK(status.code() == absl::StatusCode::kUnavailable);
  CHECK(status.message() == "Version: rpc error: connection refused");
}

TEST_CASE("an empty gRPC message is replaced by the code's name") {
  absl::Status status = FromGrpcStatus(grpc::Status(grpc::StatusCode::INTERNAL, ""), "Status");
  CHECK(status.message() == "Status: rpc error: INTERNAL");
}

TEST_CASE("a response over the receive limit says so and names the option that raises it") {
  absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "Received message larger than max (20000000 vs. 16777216)"),
                     "ListContainers");
  CHECK(status.code() == absl::StatusCode::kResourceExhausted);
  const std::string message(status.message());
  CHECK(absl::StartsWith(message, "ListContainers: rpc error: "));
  CHECK(absl::StrContains(message, "exceeded the maximum receive message size"));
  CHECK(absl::StrContains(message, "20000000 vs. 16777216"));
  CHECK(absl::StrContains(message, "max_receive_message_size"));
  CHECK(absl::StrContains(message, "--max-receive-message-size"));
}

TEST_CASE("a response over the runtime's send limit is told apart from one over the client's") {
  for (const char* detail :
       {"Sent message larger than max (50658000 vs. 16777216)",
        "grpc: trying to send message larger than max (50658000 vs. 16777216)"}) {
    absl::Status status = FromGrpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, detail),
                                         "ListContainers");
    CHECK(status.code() == absl::StatusCode::kResourceExhausted);
    const std::string message(status.message());
    CHECK(absl::StartsWith(message, "ListContainers: rpc error: the runtime refused to send"));
    CHECK(absl::StrContains(message, "50658000 vs. 16777216"));
    CHECK(absl::StrContains(message, "streaming list"));
    CHECK(absl::StrContains(message, "does not help"));
  }
  absl::Status exec =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "Sent message larger than max (20971525 vs. 16777216)"),
                     "ExecSync", "abc");
  CHECK(exec.message() ==
        "ExecSync \"abc\": rpc error: the runtime refused to send a response over its maximum "
        "send message size (Sent message larger than max (20971525 vs. 16777216)) (raising the "
        "client's max_receive_message_size does not help)");
  absl::Status request =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "grpc: received message larger than max (20000000 vs. 16777216)"),
                     "CreateContainer");
  CHECK(absl::StrContains(request.message(), "the request exceeded the runtime's maximum"));
}

TEST_CASE("other resource exhaustion keeps the runtime's message") {
  absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "no space left on device"),
                     "PullImage", "busybox:1.36");
  CHECK(status.message() == "PullImage \"busybox:1.36\": rpc error: no space left on device");
}

}  // namespace
}  // namespace runtime
}  // namespace krl
