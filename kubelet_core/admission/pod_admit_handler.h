// PodAdmitHandler: a check a new pod must pass before the node runs it, as the kubelet's admit
// handlers (sysctls, AppArmor, and resources once the node tracks them). A pod refused by any
// handler is never started: its status is phase Failed with the handler's reason and the message
// "Pod was rejected: <message>".
//
//   std::vector<std::unique_ptr<PodAdmitHandler>> handlers = ...;
//   AdmitResult result = handlers[0]->Admit(pod);
//   if (!result.admit) Reject(pod, result.reason, result.message);
//
// Admit is called by the agent's thread that receives pod snapshots, one pod at a time; an
// implementation holding state guards it itself.
#ifndef KRL_KUBELET_CORE_ADMISSION_POD_ADMIT_HANDLER_H_
#define KRL_KUBELET_CORE_ADMISSION_POD_ADMIT_HANDLER_H_

#include <string>

#include "api/core/v1/pod.h"

namespace krl {
namespace kubelet_core {
namespace admission {

struct AdmitResult {
  bool admit = true;
  std::string reason;   // a CamelCase word: SysctlForbidden, AppArmor, OutOfcpu, ...
  std::string message;  // for a person

  static AdmitResult Admitted() { return AdmitResult(); }
  static AdmitResult Refused(std::string reason, std::string message) {
    return AdmitResult{false, std::move(reason), std::move(message)};
  }
};

class PodAdmitHandler {
 public:
  virtual ~PodAdmitHandler() = default;
  // Whether the node may run `pod`; no side effects.
  virtual AdmitResult Admit(const corev1::Pod& pod) const = 0;
};

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_ADMISSION_POD_ADMIT_HANDLER_H_
