// AppArmorAdmitHandler: refuses a pod that asks for an AppArmor profile (RuntimeDefault or
// Localhost, by field or by the `container.apparmor.security.beta.kubernetes.io/<name>`
// annotation) on a host where AppArmor is not enabled, as the kubelet's admission does: running it
// unconfined would drop the restriction silently. Unconfined needs nothing from the host. The
// refusal's reason is "AppArmor", its message "Cannot enforce AppArmor: ...".
//
//   AppArmorAdmitHandler handler(AppArmorAdmitHandler::HostStatus());
//   AdmitResult result = handler.Admit(pod);
//
// Immutable; thread safe.
#ifndef KRL_KUBELET_CORE_ADMISSION_APPARMOR_ADMIT_HANDLER_H_
#define KRL_KUBELET_CORE_ADMISSION_APPARMOR_ADMIT_HANDLER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kubelet_core/admission/pod_admit_handler.h"

namespace krl {
namespace kubelet_core {
namespace admission {

inline constexpr absl::string_view kAppArmorReason = "AppArmor";

class AppArmorAdmitHandler final : public PodAdmitHandler {
 public:
  // OK when this host enforces AppArmor (its kernel module reports it enabled), else why not.
  // `module_parameter` is the file to read, a parameter for tests.
  static absl::Status HostStatus(
      absl::string_view module_parameter = "/sys/module/apparmor/parameters/enabled");

  // `host` is what HostStatus said.
  explicit AppArmorAdmitHandler(absl::Status host) : host_(std::move(host)) {}

  AdmitResult Admit(const corev1::Pod& pod) const override;

 private:
  absl::Status host_;
};

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_ADMISSION_APPARMOR_ADMIT_HANDLER_H_
