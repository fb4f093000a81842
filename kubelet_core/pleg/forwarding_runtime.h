// ForwardingRuntime: a container::Runtime that hands every call to another Runtime, for PLEG tests
// and benchmarks that change one or two methods (GetPods, mostly) and keep the rest as they are:
// derive from it and override those.
//
//   class SlowList final : public ForwardingRuntime {
//    public:
//     using ForwardingRuntime::ForwardingRuntime;
//     absl::StatusOr<std::vector<container::Pod>> GetPods(bool all) override {
//       absl::SleepFor(absl::Seconds(1));
//       return ForwardingRuntime::GetPods(all);
//     }
//   };
//
// As thread safe as the Runtime it forwards to.
#ifndef KRL_KUBELET_CORE_PLEG_FORWARDING_RUNTIME_H_
#define KRL_KUBELET_CORE_PLEG_FORWARDING_RUNTIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kubelet_core/container/runtime.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

class ForwardingRuntime : public container::Runtime {
 public:
  // `inner` must outlive this.
  explicit ForwardingRuntime(container::Runtime& inner) : inner_(inner) {}

  std::string Type() const override { return inner_.Type(); }
  absl::StatusOr<std::vector<container::RuntimeCondition>> Status() override {
    return inner_.Status();
  }
  container::PodSyncResult SyncPod(const corev1::Pod& pod,
                                   const container::PodStatus& status) override {
    return inner_.SyncPod(pod, status);
  }
  absl::Status KillPod(const corev1::Pod* pod, const container::Pod& running_pod,
                       std::optional<int64_t> grace) override {
    return inner_.KillPod(pod, running_pod, grace);
  }
  absl::StatusOr<std::vector<container::Pod>> GetPods(bool all) override {
    return inner_.GetPods(all);
  }
  absl::StatusOr<container::PodStatus> GetPodStatus(absl::string_view uid, absl::string_view name,
                                                    absl::string_view ns) override {
    return inner_.GetPodStatus(uid, name, ns);
  }
  corev1::PodStatus GenerateAPIPodStatus(const corev1::Pod& pod,
                                         const container::PodStatus& status) override {
    return inner_.GenerateAPIPodStatus(pod, status);
  }
  absl::Status GarbageCollect(const container::GCPolicy& policy, bool ready, bool evict) override {
    return inner_.GarbageCollect(policy, ready, evict);
  }
  absl::Status DeleteContainer(const corev1::ContainerID& id) override {
    return inner_.DeleteContainer(id);
  }
  absl::StatusOr<std::string> PullImage(absl::string_view image, const cri::AuthConfig* auth,
                                        const cri::PodSandboxConfig* config) override {
    return inner_.PullImage(image, auth, config);
  }
  absl::StatusOr<std::string> GetImageRef(absl::string_view image) override {
    return inner_.GetImageRef(image);
  }
  absl::StatusOr<std::vector<container::Image>> ListImages() override {
    return inner_.ListImages();
  }
  absl::Status RemoveImage(absl::string_view image) override { return inner_.RemoveImage(image); }

 private:
  container::Runtime& inner_;
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_FORWARDING_RUNTIME_H_
