#include "runtime/remote/remote_caller.h"

#include "runtime/util/log.h"

namespace krl {
namespace runtime {
namespace remote {

absl::Status RemoteCaller::Report(absl::Status status, absl::string_view rpc,
                                  absl::string_view id) {
  if (status.ok()) return status;
  if (reducer_.ShouldLog(id.empty() ? rpc : id, status.message())) {
    log::Error("CRI call failed", {{"rpc", rpc}, {"error", status}});
  }
  return status;
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
