// ExtendedResourceAdmitHandler: refuses a pod that requests a resource this node does not have,
// as the kubelet's resource admission does for a resource whose capacity is zero. Every name in
// a container's `resources` beyond cpu, memory, ephemeral-storage and huge pages (devices such
// as `example.com/gpu`) is one: the agent runs no device plugins, so nothing would back it and
// the container would run without what it asked for. The reason is "OutOf<resource>".
//
//   ExtendedResourceAdmitHandler handler;
//   AdmitResult result = handler.Admit(pod);
//
// Stateless; thread safe.
#ifndef KRL_KUBELET_CORE_ADMISSION_EXTENDED_RESOURCE_ADMIT_HANDLER_H_
#define KRL_KUBELET_CORE_ADMISSION_EXTENDED_RESOURCE_ADMIT_HANDLER_H_

#include "kubelet_core/admission/pod_admit_handler.h"

namespace krl {
namespace kubelet_core {
namespace admission {

class ExtendedResourceAdmitHandler final : public PodAdmitHandler {
 public:
  AdmitResult Admit(const corev1::Pod& pod) const override;
};

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_ADMISSION_EXTENDED_RESOURCE_ADMIT_HANDLER_H_
