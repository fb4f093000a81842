#include "kubelet_core/admission/extended_resource_admit_handler.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/kuberuntime/config_generation.h"

namespace krl {
namespace kubelet_core {
namespace admission {

AdmitResult ExtendedResourceAdmitHandler::Admit(const corev1::Pod& pod) const {
  // The pod's request of each extended resource: requests, else limits (they must be equal).
  std::map<std::string, int64_t> requested;
  for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
    for (const corev1::Container& container : *list) {
      for (const auto* resources :
           {&container.resources.limits.other, &container.resources.requests.other}) {
        for (const auto& [name, quantity] : *resources) {
          if (absl::StartsWith(name, kuberuntime::kHugePagesPrefix)) continue;
          absl::StatusOr<int64_t> value = quantity.Value();
          int64_t& total = requested[name];
          if (value.ok() && *value > total) total = *value;
        }
      }
    }
  }
  for (const auto& [name, amount] : requested) {
    return AdmitResult::Refused(absl::StrCat("OutOf", name),
                                absl::StrCat("Node didn't have enough resource: ", name,
                                             ", requested: ", amount, ", used: 0, capacity: 0"));
  }
  return AdmitResult::Admitted();
}

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl
