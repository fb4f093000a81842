// StreamedListBudget: the bound on a list assembled from a streaming list RPC
// (RemoteOptions::max_streamed_list_bytes). Each streamed message is under the per-message limit;
// this bounds their sum, which is what the assembled list costs in memory.
//
//   StreamedListBudget budget("StreamContainers", options.max_streamed_list_bytes);
//   absl::Status fits = budget.Add(batch, batch.containers_size());  // before keeping the batch
//
// Not thread safe: one per list read.
#ifndef KRL_RUNTIME_REMOTE_STREAMED_LIST_BUDGET_H_
#define KRL_RUNTIME_REMOTE_STREAMED_LIST_BUDGET_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace runtime {
namespace remote {

class StreamedListBudget {
 public:
  StreamedListBudget(absl::string_view rpc, int64_t max_bytes) : rpc_(rpc), max_bytes_(max_bytes) {}

  // Counts `message` (holding `items` list items); ResourceExhausted, naming the RPC, the bound
  // and the option, once the messages together exceed the bound.
  [[nodiscard]] absl::Status Add(const google::protobuf::Message& message, int items) {
    bytes_ += static_cast<int64_t>(message.ByteSizeLong());
    items_ += items;
    if (bytes_ <= max_bytes_) return absl::OkStatus();
    return absl::ResourceExhaustedError(absl::StrCat(
        rpc_, ": rpc error: the streamed list exceeded max_streamed_list_bytes (", max_bytes_,
        " bytes) after ", items_, " items (", bytes_,
        " bytes); the runtime holds too many objects for one list: remove dead containers and "
        "sandboxes, or raise max_streamed_list_bytes of the CRI client"));
  }

  int64_t bytes() const { return bytes_; }
  int64_t items() const { return items_; }

 private:
  const std::string rpc_;
  const int64_t max_bytes_;
  int64_t bytes_ = 0;
  int64_t items_ = 0;
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_STREAMED_LIST_BUDGET_H_
