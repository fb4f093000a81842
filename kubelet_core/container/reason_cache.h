// ReasonCache: why each container last failed to start (CrashLoopBackOff, ErrImagePull, ...),
// by pod uid and container name, so the API status can show it as the container's waiting
// reason. SyncPod's results update it: a failed StartContainer step records its reason, a
// successful one clears it.
//
//   container::ReasonCache reasons;
//   reasons.Update(pod_uid, sync_result);
//   std::optional<container::ReasonCache::Reason> why = reasons.Get(pod_uid, "web");
//
// Thread safe: one mutex guards the table.
#ifndef KRL_KUBELET_CORE_CONTAINER_REASON_CACHE_H_
#define KRL_KUBELET_CORE_CONTAINER_REASON_CACHE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "kubelet_core/container/sync_result.h"

namespace krl {
namespace kubelet_core {
namespace container {

class ReasonCache {
 public:
  struct Reason {
    std::string reason;  // CrashLoopBackOff, ErrImagePull, CreateContainerError, ...
    std::string message;
  };

  void Update(absl::string_view pod_uid, const PodSyncResult& result);
  void Add(absl::string_view pod_uid, absl::string_view container, Reason reason);
  void Remove(absl::string_view pod_uid, absl::string_view container);
  // Drops every entry of a pod (it is gone).
  void RemovePod(absl::string_view pod_uid);
  std::optional<Reason> Get(absl::string_view pod_uid, absl::string_view container) const;

 private:
  mutable krl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, Reason> reasons_ ABSL_GUARDED_BY(mu_);
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_REASON_CACHE_H_
