// HandlerRunner: runs a container's lifecycle hook (postStart, preStop): an exec hook through
// CRI ExecSync in the container, an httpGet hook as an HTTP(S) GET to the pod (or the hook's
// host). A hook fails when the command exits non-zero or the request fails or answers outside
// 200-399, with the kubelet's messages. A failed exec hook's error quotes at most the first
// kMaxHookOutputLength bytes of its output (the runtime may return up to its message limit).
//
//   HandlerRunner runner(runtime_service);
//   absl::Status hook = runner.Run(container_id, pod, container, *container.lifecycle->pre_stop,
//                                  pod_ip, absl::Seconds(30));
//
// Thread safe (stateless apart from the runtime service, which is thread safe).
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_HANDLER_RUNNER_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_HANDLER_RUNNER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "runtime/metrics/counter.h"
#include "runtime/runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

class HandlerRunner {
 public:
  // `runtime` is not owned and must outlive this; so must `output_truncated` (counts hook
  // errors whose output was cut; may be null).
  explicit HandlerRunner(runtime::RuntimeService& runtime,
                         runtime::metrics::Counter* output_truncated = nullptr)
      : runtime_(runtime), output_truncated_(output_truncated) {}

  // Runs `handler` for the runtime container `container_id`. `pod_ip` is the host of an httpGet
  // hook without one (127.0.0.1 when empty). `timeout` bounds the hook; zero means no bound.
  [[nodiscard]] absl::Status Run(absl::string_view container_id, const corev1::Pod& pod,
                                 const corev1::Container& container,
                                 const corev1::LifecycleHandler& handler, absl::string_view pod_ip,
                                 absl::Duration timeout);

 private:
  absl::Status RunHttpGet(const corev1::Pod& pod, const corev1::Container& container,
                          const corev1::HTTPGetAction& get, absl::string_view pod_ip,
                          absl::Duration timeout);

  runtime::RuntimeService& runtime_;
  runtime::metrics::Counter* const output_truncated_;
};

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_HANDLER_RUNNER_H_
