// ContainerID: the "<runtime type>://<id>" form Kubernetes uses in containerStatuses[].containerID
// (for example "containerd://4f2a..."): the CRI runtime's name from its Version response, then the
// runtime's own container id.
//
//   ContainerID id{"containerd", "4f2a9c"};
//   status.container_id = id.ToString();                       // "containerd://4f2a9c"
//   absl::StatusOr<ContainerID> parsed = ParseContainerID(status.container_id);
#ifndef KRL_API_CORE_V1_CONTAINER_ID_H_
#define KRL_API_CORE_V1_CONTAINER_ID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

struct ContainerID {
  std::string type;  // the runtime type, e.g. "containerd" or "cri-o"
  std::string id;    // the runtime's container id

  // "<type>://<id>"; "" for an empty id, as Kubernetes leaves the field out then.
  std::string ToString() const;
  bool empty() const { return id.empty(); }

  friend bool operator==(const ContainerID& a, const ContainerID& b) {
    return a.type == b.type && a.id == b.id;
  }
  friend bool operator!=(const ContainerID& a, const ContainerID& b) { return !(a == b); }
};

// Splits "<type>://<id>". InvalidArgument, naming the text, when the separator is missing or the
// type or the id is empty. Thread safe.
[[nodiscard]] absl::StatusOr<ContainerID> ParseContainerID(absl::string_view text);

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_CONTAINER_ID_H_
