// The CRI security contexts of a pod's sandbox and containers, as the kubelet derives them from
// the pod's and the container's securityContext: user and groups, privileged, capabilities,
// no_new_privs, read-only root, SELinux labels, the seccomp and AppArmor profiles, and the /proc
// paths masked or made read-only (procMount). A container's setting wins over the pod's.
//
//   absl::StatusOr<cri::LinuxContainerSecurityContext> sc =
//       ContainerSecurityContext(pod, pod.spec.containers[0], context, options);
//   if (absl::Status ok = VerifyRunAsNonRoot(pod, container, context); !ok.ok()) ...
//
// Profiles, in the kubelet's order of precedence:
// - seccomp: the container's seccompProfile, else the pod's, else the deprecated annotations
//   (`container.seccomp.security.alpha.kubernetes.io/<name>`, then
//   `seccomp.security.alpha.kubernetes.io/pod`), else RuntimeDefault with options.seccomp_default,
//   else Unconfined. Localhost profiles resolve under options.seccomp_profile_root.
// - AppArmor: the container's appArmorProfile, else the annotation
//   `container.apparmor.security.beta.kubernetes.io/<name>`, else the pod's appArmorProfile, else
//   none (the runtime's default).
// Pure functions of their arguments; thread safe.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_SECURITY_CONTEXT_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_SECURITY_CONTEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/kuberuntime/config_generation.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager_options.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// The annotation prefixes of the profiles the kubelet read before the fields existed.
inline constexpr absl::string_view kAppArmorAnnotationPrefix =
    "container.apparmor.security.beta.kubernetes.io/";
inline constexpr absl::string_view kSeccompPodAnnotation =
    "seccomp.security.alpha.kubernetes.io/pod";
inline constexpr absl::string_view kSeccompContainerAnnotationPrefix =
    "container.seccomp.security.alpha.kubernetes.io/";

// The paths a container's /proc and /sys hide (masked) or show read-only with procMount Default.
const std::vector<std::string>& DefaultMaskedPaths();
const std::vector<std::string>& DefaultReadonlyPaths();

// The container's security context. Namespace options are left for the caller.
absl::StatusOr<cri::LinuxContainerSecurityContext> ContainerSecurityContext(
    const corev1::Pod& pod, const corev1::Container& container, const ContainerContext& context,
    const KubeRuntimeManagerOptions& options);

// The sandbox's: the pod's user, groups (fsGroup first), SELinux labels and seccomp profile;
// privileged when any container is. Namespace options are left for the caller.
absl::StatusOr<cri::LinuxSandboxSecurityContext> SandboxSecurityContext(
    const corev1::Pod& pod, const KubeRuntimeManagerOptions& options);

// The seccomp profile the container (or, with `container` null, the sandbox) runs with.
absl::StatusOr<cri::SecurityProfile> SeccompProfileFor(const corev1::Pod& pod,
                                                       const corev1::Container* container,
                                                       const KubeRuntimeManagerOptions& options);

// The AppArmor profile the pod asks for `container`; nullopt when it asks none.
absl::StatusOr<std::optional<corev1::AppArmorProfile>> AppArmorProfileFor(
    const corev1::Pod& pod, const corev1::Container& container);

// runAsNonRoot checked against the effective runAsUser, else the image's user (`context`), with
// the kubelet's messages; FailedPrecondition when the container would run as root (the kubelet's
// CreateContainerConfigError).
absl::Status VerifyRunAsNonRoot(const corev1::Pod& pod, const corev1::Container& container,
                                const ContainerContext& context);

// A sysctl name with dots as separators ("net/ipv4/ip_forward" -> "net.ipv4.ip_forward"); in a
// slash-separated name, dots are part of a component and become slashes, as the kubelet reads it.
std::string NormalizeSysctlName(absl::string_view name);

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_SECURITY_CONTEXT_H_
