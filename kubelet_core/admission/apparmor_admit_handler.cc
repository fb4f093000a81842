#include "kubelet_core/admission/apparmor_admit_handler.h"

#include <fstream>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/kuberuntime/security_context.h"

namespace krl {
namespace kubelet_core {
namespace admission {

absl::Status AppArmorAdmitHandler::HostStatus(absl::string_view module_parameter) {
  std::ifstream in{std::string(module_parameter)};
  std::string value;
  if (!in || !std::getline(in, value)) {
    return absl::FailedPreconditionError("AppArmor is not enabled on the host");
  }
  if (value.empty() || value[0] != 'Y') {
    return absl::FailedPreconditionError("AppArmor is disabled on the host");
  }
  return absl::OkStatus();
}

AdmitResult AppArmorAdmitHandler::Admit(const corev1::Pod& pod) const {
  bool required = false;
  for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
    for (const corev1::Container& container : *list) {
      absl::StatusOr<std::optional<corev1::AppArmorProfile>> profile =
          kuberuntime::AppArmorProfileFor(pod, container);
      if (!profile.ok()) {
        return AdmitResult::Refused(
            std::string(kAppArmorReason),
            absl::StrCat("Cannot enforce AppArmor: ", profile.status().message()));
      }
      if (*profile && (*profile)->type != corev1::AppArmorProfileType::kUnconfined) {
        required = true;
      }
    }
  }
  if (!required || host_.ok()) return AdmitResult::Admitted();
  return AdmitResult::Refused(std::string(kAppArmorReason),
                              absl::StrCat("Cannot enforce AppArmor: ", host_.message()));
}

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl
