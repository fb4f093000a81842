// SysctlAdmitHandler: refuses a pod whose securityContext.sysctls the node does not allow, as the
// kubelet's sysctl allowlist: the safe sysctls (namespaced, isolated per pod, and present in the
// running kernel), plus the unsafe ones an operator allows with --allowed-unsafe-sysctls (exact
// names or prefixes ending in "*"). A net.* sysctl is refused for a host-network pod and an IPC
// sysctl (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) for a host-IPC pod, since setting
// it would change the node's own value. The refusal's reason is "SysctlForbidden".
//
//   absl::StatusOr<std::unique_ptr<SysctlAdmitHandler>> handler =
//       SysctlAdmitHandler::Create({"net.core.somaxconn", "kernel.msg*"});
//   AdmitResult result = (*handler)->Admit(pod);
//
// Immutable after Create; thread safe.
#ifndef KRL_KUBELET_CORE_ADMISSION_SYSCTL_ADMIT_HANDLER_H_
#define KRL_KUBELET_CORE_ADMISSION_SYSCTL_ADMIT_HANDLER_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kubelet_core/admission/pod_admit_handler.h"

namespace krl {
namespace kubelet_core {
namespace admission {

inline constexpr absl::string_view kSysctlForbiddenReason = "SysctlForbidden";

class SysctlAdmitHandler final : public PodAdmitHandler {
 public:
  // The kernel namespace a sysctl belongs to: "ipc", "net", or "" when it is node-wide (then no
  // pod may set it).
  static std::string NamespaceOf(absl::string_view sysctl);

  // The safe sysctls available in a kernel of this version (major, minor): some need a newer
  // kernel than others.
  static std::vector<std::string> SafeSysctls(std::pair<int, int> kernel_version);

  // The running kernel's version from uname; {0, 0} when it cannot be read.
  static std::pair<int, int> RunningKernelVersion();

  // Refuses a pattern that is not namespaced ("kernel.panic" would change the node for every
  // pod) or is malformed, naming it. `kernel_version` defaults to the running kernel's.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SysctlAdmitHandler>> Create(
      const std::vector<std::string>& allowed_unsafe_sysctls,
      std::pair<int, int> kernel_version = RunningKernelVersion());

  AdmitResult Admit(const corev1::Pod& pod) const override;

 private:
  SysctlAdmitHandler() = default;

  // Empty when allowed, else why not ("\"net.x\" not allowlisted").
  std::string Check(absl::string_view sysctl, bool host_network, bool host_ipc) const;

  std::map<std::string, std::string> names_;     // exact name -> namespace
  std::map<std::string, std::string> prefixes_;  // "kernel.msg" (from "kernel.msg*") -> namespace
};

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_ADMISSION_SYSCTL_ADMIT_HANDLER_H_
