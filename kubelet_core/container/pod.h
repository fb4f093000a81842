// Pod and Container: the runtime's view of what is there (GetPods), grouped by pod, as recovered
// from the runtime's labels. Not the API object: a Pod here is only ids, names, states and the
// sandboxes and containers the runtime holds for one pod uid.
//
//   absl::StatusOr<std::vector<container::Pod>> pods = runtime.GetPods(/*all=*/false);
//   for (const container::Pod& pod : *pods)
//     for (const container::Container& c : pod.containers) log::Info("running", {{"c", c.name}});
//
// Plain value types; not thread safe, copy them.
#ifndef KRL_KUBELET_CORE_CONTAINER_POD_H_
#define KRL_KUBELET_CORE_CONTAINER_POD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/container_id.h"
#include "api/core/v1/pod.h"  // the corev1 alias

namespace krl {
namespace kubelet_core {
namespace container {

// The runtime-agnostic container (and sandbox) state, as the kubelet's.
enum class State { kCreated, kRunning, kExited, kUnknown };

absl::string_view StateName(State state);  // "created", "running", "exited", "unknown"

// One container or sandbox as the runtime lists it.
struct Container {
  corev1::ContainerID id;  // {runtime name, runtime id}
  std::string name;        // the container's name in the pod spec; the pod name for a sandbox
  std::string image;       // what the container was created from (empty for a sandbox)
  std::string image_id;
  std::string image_ref;
  uint64_t hash = 0;  // the spec hash recorded when the container was created
  State state = State::kUnknown;
  absl::Time created_at = absl::UnixEpoch();
};

// All the runtime holds for one pod uid.
struct Pod {
  std::string id;  // the pod uid
  std::string name;
  std::string namespace_;
  absl::Time created_at = absl::UnixEpoch();  // of the newest sandbox
  std::vector<Container> containers;
  std::vector<Container> sandboxes;  // newest first

  // The container named `name`, or nullptr.
  const Container* FindContainerByName(absl::string_view name) const;
  const Container* FindContainerById(absl::string_view id) const;
  bool empty() const { return containers.empty() && sandboxes.empty(); }
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_POD_H_
