#include "kubelet_core/kuberuntime/security_context.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

corev1::Pod OneContainerPod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "uid-1";
  pod.spec.containers.emplace_back().name = "app";
  return pod;
}

KubeRuntimeManagerOptions Options() {
  KubeRuntimeManagerOptions options;
  options.root_dir = "/var/lib/agent";
  return options;
}

cri::LinuxContainerSecurityContext ContainerContextOf(
    const corev1::Pod& pod, const ContainerContext& context = ContainerContext(),
    const KubeRuntimeManagerOptions& options = Options()) {
  absl::StatusOr<cri::LinuxContainerSecurityContext> sc =
      ContainerSecurityContext(pod, pod.spec.containers[0], context, options);
  REQUIRE(sc.ok());
  return *sc;
}

std::vector<std::string> List(const google::protobuf::RepeatedPtrField<std::string>& field) {
  return std::vector<std::string>(field.begin(), field.end());
}

TEST_CASE("a pod without a seccomp profile runs unconfined unless seccompDefault is on") {
  corev1::Pod pod = OneContainerPod();
  CHECK(ContainerContextOf(pod).seccomp().profile_type() == cri::SecurityProfile::Unconfined);
  KubeRuntimeManagerOptions options = Options();
  options.seccomp_default = true;
  CHECK(ContainerContextOf(pod, {}, options).seccomp().profile_type() ==
        cri::SecurityProfile::RuntimeDefault);
  absl::StatusOr<cri::LinuxSandboxSecurityContext> sandbox = SandboxSecurityContext(pod, options);
  REQUIRE(sandbox.ok());
  CHECK(sandbox->seccomp().profile_type() == cri::SecurityProfile::RuntimeDefault);
  // Set explicitly, even as Unconfined: the field's zero value would read as RuntimeDefault.
  CHECK(ContainerContextOf(pod).has_seccomp());
}

TEST_CASE("the pod's seccomp profile applies to the sandbox and to containers without their own") {
  corev1::Pod pod = OneContainerPod();
  pod.spec.security_context.seccomp_profile.emplace().type =
      corev1::SeccompProfileType::kRuntimeDefault;
  pod.spec.containers.emplace_back().name = "debug";
  pod.spec.containers[1].security_context.emplace().seccomp_profile.emplace().type =
      corev1::SeccompProfileType::kUnconfined;
  CHECK(ContainerContextOf(pod).seccomp().profile_type() == cri::SecurityProfile::RuntimeDefault);
  absl::StatusOr<cri::LinuxContainerSecurityContext> debug =
      ContainerSecurityContext(pod, pod.spec.containers[1], {}, Options());
  REQUIRE(debug.ok());
  CHECK(debug->seccomp().profile_type() == cri::SecurityProfile::Unconfined);
  absl::StatusOr<cri::LinuxSandboxSecurityContext> sandbox = SandboxSecurityContext(pod, Options());
  REQUIRE(sandbox.ok());
  CHECK(sandbox->seccomp().profile_type() == cri::SecurityProfile::RuntimeDefault);
}

TEST_CASE("a Localhost seccomp profile resolves under the seccomp root") {
  corev1::Pod pod = OneContainerPod();
  corev1::SeccompProfile& profile = pod.spec.security_context.seccomp_profile.emplace();
  profile.type = corev1::SeccompProfileType::kLocalhost;
  profile.localhost_profile = "profiles/audit.json";
  cri::SecurityProfile seccomp = ContainerContextOf(pod).seccomp();
  CHECK(seccomp.profile_type() == cri::SecurityProfile::Localhost);
  CHECK(seccomp.localhost_ref() == "/var/lib/agent/seccomp/profiles/audit.json");
  KubeRuntimeManagerOptions options = Options();
  options.seccomp_profile_root = "/etc/seccomp/";
  CHECK(ContainerContextOf(pod, {}, options).seccomp().localhost_ref() ==
        "/etc/seccomp/profiles/audit.json");
  profile.localhost_profile = "../../etc/shadow";
  CHECK_FALSE(ContainerSecurityContext(pod, pod.spec.containers[0], {}, Options()).ok());
}

TEST_CASE("the deprecated seccomp annotations are honoured when no field is set") {
  corev1::Pod pod = OneContainerPod();
  pod.metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"] = "runtime/default";
  CHECK(ContainerContextOf(pod).seccomp().profile_type() == cri::SecurityProfile::RuntimeDefault);
  pod.metadata.annotations["container.seccomp.security.alpha.kubernetes.io/app"] =
      "localhost/strict.json";
  CHECK(ContainerContextOf(pod).seccomp().localhost_ref() == "/var/lib/agent/seccomp/strict.json");
  pod.metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"] = "sometimes";
  CHECK_FALSE(SandboxSecurityContext(pod, Options()).ok());
}

TEST_CASE("AppArmor: the container's field, then the annotation, then the pod's field") {
  corev1::Pod pod = OneContainerPod();
  CHECK_FALSE(ContainerContextOf(pod).has_apparmor());  // none asked: the runtime's default

  pod.spec.security_context.app_armor_profile.emplace().type =
      corev1::AppArmorProfileType::kRuntimeDefault;
  CHECK(ContainerContextOf(pod).apparmor().profile_type() == cri::SecurityProfile::RuntimeDefault);

  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] =
      "localhost/k8s-nginx";
  cri::LinuxContainerSecurityContext sc = ContainerContextOf(pod);
  CHECK(sc.apparmor().profile_type() == cri::SecurityProfile::Localhost);
  CHECK(sc.apparmor().localhost_ref() == "k8s-nginx");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  CHECK(sc.apparmor_profile() == "localhost/k8s-nginx");
#pragma GCC diagnostic pop

  pod.spec.containers[0].security_context.emplace().app_armor_profile.emplace().type =
      corev1::AppArmorProfileType::kUnconfined;
  CHECK(ContainerContextOf(pod).apparmor().profile_type() == cri::SecurityProfile::Unconfined);
}

TEST_CASE("SELinux options: the container's replace the pod's whole") {
  corev1::Pod pod = OneContainerPod();
  pod.spec.security_context.se_linux_options = corev1::SELinuxOptions{"u", "r", "t", "s0:c1"};
  cri::LinuxContainerSecurityContext sc = ContainerContextOf(pod);
  CHECK(sc.selinux_options().user() == "u");
  CHECK(sc.selinux_options().level() == "s0:c1");
  pod.spec.containers[0].security_context.emplace().se_linux_options =
      corev1::SELinuxOptions{"", "", "", "s0:c2"};
  sc = ContainerContextOf(pod);
  CHECK(sc.selinux_options().user().empty());
  CHECK(sc.selinux_options().level() == "s0:c2");
  absl::StatusOr<cri::LinuxSandboxSecurityContext> sandbox = SandboxSecurityContext(pod, Options());
  REQUIRE(sandbox.ok());
  CHECK(sandbox->selinux_options().type() == "t");
}

TEST_CASE("procMount Default masks the kernel's paths and Unmasked sends no lists") {
  corev1::Pod pod = OneContainerPod();
  cri::LinuxContainerSecurityContext sc = ContainerContextOf(pod);
  CHECK(List(sc.masked_paths()) == DefaultMaskedPaths());
  CHECK(List(sc.readonly_paths()) == DefaultReadonlyPaths());
  CHECK(std::count(sc.masked_paths().begin(), sc.masked_paths().end(), "/proc/kcore") == 1);
  CHECK(std::count(sc.readonly_paths().begin(), sc.readonly_paths().end(), "/proc/sys") == 1);
  pod.spec.containers[0].security_context.emplace().proc_mount = corev1::ProcMountType::kUnmasked;
  sc = ContainerContextOf(pod);
  CHECK(sc.masked_paths().empty());
  CHECK(sc.readonly_paths().empty());
}

TEST_CASE("capabilities, privileged, read-only root and privilege escalation reach the runtime") {
  corev1::Pod pod = OneContainerPod();
  cri::LinuxContainerSecurityContext sc = ContainerContextOf(pod);
  CHECK_FALSE(sc.privileged());
  CHECK_FALSE(sc.readonly_rootfs());
  CHECK_FALSE(sc.no_new_privs());  // unset: escalation allowed, as in Kubernetes
  CHECK_FALSE(sc.has_capabilities());

  corev1::SecurityContext& csc = pod.spec.containers[0].security_context.emplace();
  csc.capabilities = corev1::Capabilities{{"NET_ADMIN", "SYS_TIME"}, {"ALL"}};
  csc.read_only_root_filesystem = true;
  csc.allow_privilege_escalation = false;
  sc = ContainerContextOf(pod);
  CHECK(List(sc.capabilities().add_capabilities()) ==
        std::vector<std::string>{"NET_ADMIN", "SYS_TIME"});
  CHECK(List(sc.capabilities().drop_capabilities()) == std::vector<std::string>{"ALL"});
  CHECK(sc.readonly_rootfs());
  CHECK(sc.no_new_privs());

  csc.allow_privilege_escalation = true;
  csc.privileged = true;
  sc = ContainerContextOf(pod);
  CHECK_FALSE(sc.no_new_privs());
  CHECK(sc.privileged());
  absl::StatusOr<cri::LinuxSandboxSecurityContext> sandbox = SandboxSecurityContext(pod, Options());
  REQUIRE(sandbox.ok());
  CHECK(sandbox->privileged());  // one privileged container makes the sandbox privileged
}

TEST_CASE("users and groups: the container's win, fsGroup comes first, the image's user fills in") {
  corev1::Pod pod = OneContainerPod();
  pod.spec.security_context.run_as_user = 1000;
  pod.spec.security_context.run_as_group = 3000;
  pod.spec.security_context.fs_group = 2000;
  pod.spec.security_context.supplemental_groups = {4000, 5000};
  cri::LinuxContainerSecurityContext sc = ContainerContextOf(pod);
  CHECK(sc.run_as_user().value() == 1000);
  CHECK(sc.run_as_group().value() == 3000);
  CHECK(std::vector<int64_t>(sc.supplemental_groups().begin(), sc.supplemental_groups().end()) ==
        std::vector<int64_t>{2000, 4000, 5000});
  absl::StatusOr<cri::LinuxSandboxSecurityContext> sandbox = SandboxSecurityContext(pod, Options());
  REQUIRE(sandbox.ok());
  CHECK(sandbox->run_as_user().value() == 1000);
  CHECK(std::vector<int64_t>(sandbox->supplemental_groups().begin(),
                             sandbox->supplemental_groups().end()) ==
        std::vector<int64_t>{2000, 4000, 5000});

  pod.spec.containers[0].security_context.emplace().run_as_user = 1001;
  CHECK(ContainerContextOf(pod).run_as_user().value() == 1001);

  // No user in the spec: the image's uid, else its user name.
  corev1::Pod plain = OneContainerPod();
  ContainerContext context;
  context.image_uid = 0;
  CHECK(ContainerContextOf(plain, context).run_as_user().value() == 0);
  context.image_uid.reset();
  context.image_username = "nginx";
  sc = ContainerContextOf(plain, context);
  CHECK_FALSE(sc.has_run_as_user());
  CHECK(sc.run_as_username() == "nginx");
}

TEST_CASE("runAsNonRoot refuses root from the spec or the image, as the kubelet words it") {
  corev1::Pod pod = OneContainerPod();
  pod.spec.security_context.run_as_non_root = true;
  const corev1::Container& app = pod.spec.containers[0];
  ContainerContext root;
  root.image_uid = 0;
  absl::Status status = VerifyRunAsNonRoot(pod, app, root);
  CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(status.message() ==
        "container has runAsNonRoot and image will run as root (pod: \"web_default(uid-1)\", "
        "container: app)");
  ContainerContext named;
  named.image_username = "nginx";
  CHECK_THAT(std::string(VerifyRunAsNonRoot(pod, app, named).message()),
             Catch::Contains("image has non-numeric user (nginx), cannot verify user is non-root"));
  ContainerContext user;
  user.image_uid = 65534;
  CHECK(VerifyRunAsNonRoot(pod, app, user).ok());

  pod.spec.security_context.run_as_user = 0;
  CHECK_THAT(std::string(VerifyRunAsNonRoot(pod, pod.spec.containers[0], user).message()),
             Catch::StartsWith("container's runAsUser breaks non-root policy"));
  pod.spec.containers[0].security_context.emplace().run_as_user = 1000;
  CHECK(VerifyRunAsNonRoot(pod, pod.spec.containers[0], root).ok());
  pod.spec.containers[0].security_context->run_as_non_root = false;
  pod.spec.containers[0].security_context->run_as_user.reset();
  CHECK(VerifyRunAsNonRoot(pod, pod.spec.containers[0], root).ok());
}

TEST_CASE("sysctl names with slashes are read with dots as separators") {
  CHECK(NormalizeSysctlName("net.ipv4.ip_forward") == "net.ipv4.ip_forward");
  CHECK(NormalizeSysctlName("net/ipv4/ip_forward") == "net.ipv4.ip_forward");
  CHECK(NormalizeSysctlName("net/ipv4/conf/eno2.100/rp_filter") ==
        "net.ipv4.conf.eno2/100.rp_filter");
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
