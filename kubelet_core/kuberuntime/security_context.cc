#include "kubelet_core/kuberuntime/security_context.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/container/helpers.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

std::string JoinPath(absl::string_view root, absl::string_view relative) {
  if (root.empty()) return std::string(relative);
  if (absl::EndsWith(root, "/")) return absl::StrCat(root, relative);
  return absl::StrCat(root, "/", relative);
}

std::string SeccompRoot(const KubeRuntimeManagerOptions& options) {
  if (!options.seccomp_profile_root.empty()) return options.seccomp_profile_root;
  return JoinPath(options.root_dir, "seccomp");
}

// A profile named by one of the old annotations: "runtime/default", "unconfined",
// "localhost/<path>". The engine-specific default's old name is refused like any other value.
absl::StatusOr<corev1::SeccompProfile> SeccompFromAnnotation(absl::string_view key,
                                                             absl::string_view value) {
  corev1::SeccompProfile profile;
  if (value == "runtime/default") {
    profile.type = corev1::SeccompProfileType::kRuntimeDefault;
  } else if (value == "unconfined") {
    profile.type = corev1::SeccompProfileType::kUnconfined;
  } else if (absl::StartsWith(value, "localhost/") && value.size() > 10) {
    profile.type = corev1::SeccompProfileType::kLocalhost;
    profile.localhost_profile = std::string(value.substr(10));
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("annotation ", key, ": unsupported seccomp profile \"", value,
                     "\" (supported: runtime/default, unconfined, localhost/<path>)"));
  }
  return profile;
}

absl::StatusOr<cri::SecurityProfile> ToCriSeccomp(const corev1::SeccompProfile& profile,
                                                  const KubeRuntimeManagerOptions& options) {
  cri::SecurityProfile out;
  switch (profile.type) {
    case corev1::SeccompProfileType::kRuntimeDefault:
      out.set_profile_type(cri::SecurityProfile::RuntimeDefault);
      break;
    case corev1::SeccompProfileType::kUnconfined:
      out.set_profile_type(cri::SecurityProfile::Unconfined);
      break;
    case corev1::SeccompProfileType::kLocalhost: {
      const std::string relative = profile.localhost_profile.value_or("");
      // The decoder refuses these; a pod built in code must not escape the profile root either.
      if (relative.empty() || absl::StartsWith(relative, "/") || relative == ".." ||
          absl::StartsWith(relative, "../") || absl::StrContains(relative, "/../") ||
          absl::EndsWith(relative, "/..")) {
        return absl::InvalidArgumentError(absl::StrCat(
            "seccompProfile.localhostProfile \"", relative,
            "\" must be a relative path inside the seccomp profile root, without \"..\""));
      }
      out.set_profile_type(cri::SecurityProfile::Localhost);
      out.set_localhost_ref(JoinPath(SeccompRoot(options), relative));
      break;
    }
  }
  return out;
}

cri::SecurityProfile ToCriAppArmor(const corev1::AppArmorProfile& profile) {
  cri::SecurityProfile out;
  switch (profile.type) {
    case corev1::AppArmorProfileType::kRuntimeDefault:
      out.set_profile_type(cri::SecurityProfile::RuntimeDefault);
      break;
    case corev1::AppArmorProfileType::kUnconfined:
      out.set_profile_type(cri::SecurityProfile::Unconfined);
      break;
    case corev1::AppArmorProfileType::kLocalhost:
      out.set_profile_type(cri::SecurityProfile::Localhost);
      out.set_localhost_ref(profile.localhost_profile.value_or(""));
      break;
  }
  return out;
}

// The legacy string runtimes before the `apparmor` field read ("runtime/default", ...).
std::string LegacyAppArmorName(const corev1::AppArmorProfile& profile) {
  switch (profile.type) {
    case corev1::AppArmorProfileType::kRuntimeDefault:
      return "runtime/default";
    case corev1::AppArmorProfileType::kUnconfined:
      return "unconfined";
    case corev1::AppArmorProfileType::kLocalhost:
      return absl::StrCat("localhost/", profile.localhost_profile.value_or(""));
  }
  return "";
}

cri::SELinuxOption ToCriSELinux(const corev1::SELinuxOptions& options) {
  cri::SELinuxOption out;
  out.set_user(options.user);
  out.set_role(options.role);
  out.set_type(options.type);
  out.set_level(options.level);
  return out;
}

// fsGroup first, then supplementalGroups: the kubelet's order for sandbox and container alike.
template <typename Context>
void AddSupplementalGroups(const corev1::PodSecurityContext& psc, Context* sc) {
  if (psc.fs_group) sc->add_supplemental_groups(*psc.fs_group);
  for (int64_t group : psc.supplemental_groups) sc->add_supplemental_groups(group);
}

// The container's setting where it has one, else the pod's.
template <typename T>
std::optional<T> Effective(const std::optional<T>& container, const std::optional<T>& pod) {
  return container ? container : pod;
}

bool HasPrivilegedContainer(const corev1::Pod& pod) {
  for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
    for (const corev1::Container& c : *list) {
      if (c.security_context && c.security_context->privileged.value_or(false)) return true;
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string>& DefaultMaskedPaths() {
  static const std::vector<std::string>* const kPaths =
      new std::vector<std::string>{"/proc/asound",
                                   "/proc/acpi",
                                   "/proc/kcore",
                                   "/proc/keys",
                                   "/proc/latency_stats",
                                   "/proc/timer_list",
                                   "/proc/timer_stats",
                                   "/proc/sched_debug",
                                   "/proc/scsi",
                                   "/sys/firmware",
                                   "/sys/devices/virtual/powercap"};
  return *kPaths;
}

const std::vector<std::string>& DefaultReadonlyPaths() {
  static const std::vector<std::string>* const kPaths = new std::vector<std::string>{
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  return *kPaths;
}

absl::StatusOr<cri::SecurityProfile> SeccompProfileFor(const corev1::Pod& pod,
                                                       const corev1::Container* container,
                                                       const KubeRuntimeManagerOptions& options) {
  if (container != nullptr && container->security_context &&
      container->security_context->seccomp_profile) {
    return ToCriSeccomp(*container->security_context->seccomp_profile, options);
  }
  if (pod.spec.security_context.seccomp_profile) {
    return ToCriSeccomp(*pod.spec.security_context.seccomp_profile, options);
  }
  // Pods written before the field existed: the annotations, container first.
  const std::map<std::string, std::string>& annotations = pod.metadata.annotations;
  if (container != nullptr) {
    const std::string key = absl::StrCat(kSeccompContainerAnnotationPrefix, container->name);
    if (auto it = annotations.find(key); it != annotations.end()) {
      absl::StatusOr<corev1::SeccompProfile> profile = SeccompFromAnnotation(key, it->second);
      if (!profile.ok()) return profile.status();
      return ToCriSeccomp(*profile, options);
    }
  }
  if (auto it = annotations.find(std::string(kSeccompPodAnnotation)); it != annotations.end()) {
    absl::StatusOr<corev1::SeccompProfile> profile =
        SeccompFromAnnotation(kSeccompPodAnnotation, it->second);
    if (!profile.ok()) return profile.status();
    return ToCriSeccomp(*profile, options);
  }
  cri::SecurityProfile out;
  out.set_profile_type(options.seccomp_default ? cri::SecurityProfile::RuntimeDefault
                                               : cri::SecurityProfile::Unconfined);
  return out;
}

absl::StatusOr<std::optional<corev1::AppArmorProfile>> AppArmorProfileFor(
    const corev1::Pod& pod, const corev1::Container& container) {
  if (container.security_context && container.security_context->app_armor_profile) {
    return container.security_context->app_armor_profile;
  }
  // Before the pod-level field: static pods may carry only the annotation.
  const std::string key = absl::StrCat(kAppArmorAnnotationPrefix, container.name);
  if (auto it = pod.metadata.annotations.find(key); it != pod.metadata.annotations.end()) {
    const std::string& value = it->second;
    corev1::AppArmorProfile profile;
    if (value == "runtime/default") {
      profile.type = corev1::AppArmorProfileType::kRuntimeDefault;
    } else if (value == "unconfined") {
      profile.type = corev1::AppArmorProfileType::kUnconfined;
    } else if (absl::StartsWith(value, "localhost/") && value.size() > 10) {
      profile.type = corev1::AppArmorProfileType::kLocalhost;
      profile.localhost_profile = value.substr(10);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("annotation ", key, ": unsupported AppArmor profile \"", value,
                       "\" (supported: runtime/default, unconfined, localhost/<name>)"));
    }
    return std::optional<corev1::AppArmorProfile>(profile);
  }
  return pod.spec.security_context.app_armor_profile;
}

absl::StatusOr<cri::LinuxContainerSecurityContext> ContainerSecurityContext(
    const corev1::Pod& pod, const corev1::Container& container, const ContainerContext& context,
    const KubeRuntimeManagerOptions& options) {
  static const corev1::SecurityContext kNone;
  const corev1::PodSecurityContext& psc = pod.spec.security_context;
  const corev1::SecurityContext& csc =
      container.security_context ? *container.security_context : kNone;
  cri::LinuxContainerSecurityContext sc;

  // The user: the spec's, else the image's (a uid, or a name the runtime resolves).
  if (std::optional<int64_t> user = Effective(csc.run_as_user, psc.run_as_user)) {
    sc.mutable_run_as_user()->set_value(*user);
  } else if (context.image_uid) {
    sc.mutable_run_as_user()->set_value(*context.image_uid);
  } else if (!context.image_username.empty()) {
    sc.set_run_as_username(context.image_username);
  }
  if (std::optional<int64_t> group = Effective(csc.run_as_group, psc.run_as_group)) {
    sc.mutable_run_as_group()->set_value(*group);
  }
  AddSupplementalGroups(psc, &sc);

  const bool privileged = csc.privileged.value_or(false);
  sc.set_privileged(privileged);
  sc.set_readonly_rootfs(csc.read_only_root_filesystem.value_or(false));
  // Unset means the process may gain privileges (setuid binaries, file capabilities), as in
  // Kubernetes; validation refuses false together with privileged or CAP_SYS_ADMIN.
  sc.set_no_new_privs(csc.allow_privilege_escalation.has_value() &&
                      !*csc.allow_privilege_escalation);
  if (csc.capabilities) {
    for (const std::string& cap : csc.capabilities->add) {
      sc.mutable_capabilities()->add_add_capabilities(cap);
    }
    for (const std::string& cap : csc.capabilities->drop) {
      sc.mutable_capabilities()->add_drop_capabilities(cap);
    }
  }
  if (std::optional<corev1::SELinuxOptions> selinux =
          Effective(csc.se_linux_options, psc.se_linux_options)) {
    *sc.mutable_selinux_options() = ToCriSELinux(*selinux);
  }

  // procMount Default (or unset) hides the kernel's sensitive files; Unmasked sends no lists.
  if (csc.proc_mount.value_or(corev1::ProcMountType::kDefault) == corev1::ProcMountType::kDefault) {
    for (const std::string& path : DefaultMaskedPaths()) sc.add_masked_paths(path);
    for (const std::string& path : DefaultReadonlyPaths()) sc.add_readonly_paths(path);
  }

  absl::StatusOr<cri::SecurityProfile> seccomp = SeccompProfileFor(pod, &container, options);
  if (!seccomp.ok()) return seccomp.status();
  *sc.mutable_seccomp() = *std::move(seccomp);

  absl::StatusOr<std::optional<corev1::AppArmorProfile>> apparmor =
      AppArmorProfileFor(pod, container);
  if (!apparmor.ok()) return apparmor.status();
  if (*apparmor) {
    *sc.mutable_apparmor() = ToCriAppArmor(**apparmor);
    // Also the legacy string, for runtimes that predate the field (as the kubelet sends both).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    sc.set_apparmor_profile(LegacyAppArmorName(**apparmor));
#pragma GCC diagnostic pop
  }
  return sc;
}

absl::StatusOr<cri::LinuxSandboxSecurityContext> SandboxSecurityContext(
    const corev1::Pod& pod, const KubeRuntimeManagerOptions& options) {
  const corev1::PodSecurityContext& psc = pod.spec.security_context;
  cri::LinuxSandboxSecurityContext sc;
  if (psc.run_as_user) sc.mutable_run_as_user()->set_value(*psc.run_as_user);
  if (psc.run_as_group) sc.mutable_run_as_group()->set_value(*psc.run_as_group);
  AddSupplementalGroups(psc, &sc);
  if (psc.se_linux_options) *sc.mutable_selinux_options() = ToCriSELinux(*psc.se_linux_options);
  sc.set_privileged(HasPrivilegedContainer(pod));
  absl::StatusOr<cri::SecurityProfile> seccomp = SeccompProfileFor(pod, nullptr, options);
  if (!seccomp.ok()) return seccomp.status();
  *sc.mutable_seccomp() = *std::move(seccomp);
  return sc;
}

absl::Status VerifyRunAsNonRoot(const corev1::Pod& pod, const corev1::Container& container,
                                const ContainerContext& context) {
  const corev1::PodSecurityContext& psc = pod.spec.security_context;
  static const corev1::SecurityContext kNone;
  const corev1::SecurityContext& csc =
      container.security_context ? *container.security_context : kNone;
  if (!Effective(csc.run_as_non_root, psc.run_as_non_root).value_or(false)) {
    return absl::OkStatus();
  }
  const std::string where =
      absl::StrCat("(pod: \"", container::PodFullName(pod), "\", container: ", container.name, ")");
  if (std::optional<int64_t> user = Effective(csc.run_as_user, psc.run_as_user)) {
    if (*user == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("container's runAsUser breaks non-root policy ", where));
    }
    return absl::OkStatus();
  }
  if (context.image_uid && *context.image_uid == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("container has runAsNonRoot and image will run as root ", where));
  }
  if (!context.image_uid && !context.image_username.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("container has runAsNonRoot and image has non-numeric user (",
                     context.image_username, "), cannot verify user is non-root ", where));
  }
  return absl::OkStatus();
}

std::string NormalizeSysctlName(absl::string_view name) {
  std::string out(name);
  const size_t first = out.find_first_of("./");
  if (first == std::string::npos || out[first] == '.') return out;
  for (char& c : out) {
    if (c == '/') {
      c = '.';
    } else if (c == '.') {
      c = '/';
    }
  }
  return out;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
