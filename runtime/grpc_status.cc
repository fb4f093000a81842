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
    // that the fix is on this side, nor how to apply it.
    if (absl::StartsWithIgnoreCase(detail, "sent")) {
      absl::StrAppend(&message, "the request exceeded the maximum message size (", detail, ")");
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
