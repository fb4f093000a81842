#include "runtime/grpc_status.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace runtime {
namespace {

// gRPC and absl share the canonical code numbering 0..16; anything else is not a real code.
absl::StatusCode ToAbslCode(grpc::StatusCode code) {
  int value = static_cast<int>(code);
  if (value < 0 || value > static_cast<int>(absl::StatusCode::kUnauthenticated)) {
    return absl::StatusCode::kUnknown;
  }
  return static_cast<absl::StatusCode>(value);
}

}  // namespace

absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view rpc,
                            absl::string_view object_id) {
  if (status.ok()) return absl::OkStatus();
  const absl::StatusCode code = ToAbslCode(status.error_code());
  std::string message(rpc);
  if (!object_id.empty()) absl::StrAppend(&message, " \"", object_id, "\"");
  absl::StrAppend(&message, ": rpc error: ");
  const std::string& detail = status.error_message();
  if (code == absl::StatusCode::kResourceExhausted &&
      absl::StrContains(absl::AsciiStrToLower(detail), "larger than max")) {
    // gRPC says "Received message larger than max (N vs. M)", which does not tell an operator
    // that the fix is on this side, nor how to apply it. The client sets no send limit, so a
    // "sent" / "trying to send" message comes from the runtime refusing to send its answer
    // (C++ servers say "Sent message larger than max", Go ones such as containerd "grpc: trying
    // to send message larger than max"), and Go's "grpc: received ..." from the runtime refusing
    // a request.
    if (absl::StartsWithIgnoreCase(detail, "sent") ||
        absl::StrContains(absl::AsciiStrToLower(detail), "trying to send")) {
      absl::StrAppend(&message,
                      "the runtime refused to send a response over its maximum send message size (",
                      detail, ")");
      if (absl::StartsWith(rpc, "List")) {
        absl::StrAppend(&message,
                        "; it holds too many objects for one unary answer: remove dead containers "
                        "and sandboxes, or use a runtime with the streaming list RPCs");
      }
      absl::StrAppend(&message, " (raising the client's max_receive_message_size does not help)");
    } else if (absl::StartsWith(detail, "grpc: received")) {
      absl::StrAppend(&message, "the request exceeded the runtime's maximum receive message size (",
                      detail, ")");
    } else {
      absl::StrAppend(&message, "the response exceeded the maximum receive message size (", detail,
                      "); raise max_receive_message_size of the CRI client (node agent flag "
                      "--max-receive-message-size)");
    }
  } else if (detail.empty()) {
    absl::StrAppend(&message, absl::StatusCodeToString(code));
  } else {
    absl::StrAppend(&message, detail);
  }
  return absl::Status(code, message);
}

}  // namespace runtime
}  // namespace krl
