#include "kubelet_core/admission/apparmor_admit_handler.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

namespace krl {
namespace kubelet_core {
namespace admission {
namespace {

corev1::Pod TwoContainerPod() {
  corev1::Pod pod;
  pod.metadata.name = "p";
  pod.spec.containers.emplace_back().name = "app";
  pod.spec.containers.emplace_back().name = "sidecar";
  return pod;
}

const absl::Status kNoAppArmor =
    absl::FailedPreconditionError("AppArmor is not enabled on the host");

TEST_CASE("a pod that asks for no AppArmor profile is admitted on a host without AppArmor") {
  CHECK(AppArmorAdmitHandler(kNoAppArmor).Admit(TwoContainerPod()).admit);
}

TEST_CASE("a pod that asks for an AppArmor profile by field is refused on a host without it") {
  corev1::Pod pod = TwoContainerPod();
  pod.spec.security_context.app_armor_profile.emplace().type =
      corev1::AppArmorProfileType::kRuntimeDefault;
  AdmitResult result = AppArmorAdmitHandler(kNoAppArmor).Admit(pod);
  CHECK_FALSE(result.admit);
  CHECK(result.reason == "AppArmor");
  CHECK(result.message == "Cannot enforce AppArmor: AppArmor is not enabled on the host");
  CHECK(AppArmorAdmitHandler(absl::OkStatus()).Admit(pod).admit);
}

TEST_CASE("a pod that asks for an AppArmor profile by annotation is refused on a host without it") {
  corev1::Pod pod = TwoContainerPod();
  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/sidecar"] =
      "localhost/k8s-nginx";
  CHECK_FALSE(AppArmorAdmitHandler(kNoAppArmor).Admit(pod).admit);
}

TEST_CASE("an unconfined AppArmor profile needs nothing from the host") {
  corev1::Pod pod = TwoContainerPod();
  pod.spec.security_context.app_armor_profile.emplace().type =
      corev1::AppArmorProfileType::kUnconfined;
  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] = "unconfined";
  CHECK(AppArmorAdmitHandler(kNoAppArmor).Admit(pod).admit);
  // One container confined is enough to need AppArmor.
  pod.spec.containers[1].security_context.emplace().app_armor_profile.emplace().type =
      corev1::AppArmorProfileType::kRuntimeDefault;
  CHECK_FALSE(AppArmorAdmitHandler(kNoAppArmor).Admit(pod).admit);
}

TEST_CASE("an AppArmor annotation with an unknown value refuses the pod") {
  corev1::Pod pod = TwoContainerPod();
  pod.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] = "enforce";
  AdmitResult result = AppArmorAdmitHandler(absl::OkStatus()).Admit(pod);
  CHECK_FALSE(result.admit);
  CHECK_THAT(result.message, Catch::Contains("unsupported AppArmor profile \"enforce\""));
}

TEST_CASE("the host's AppArmor state is read from the kernel module's parameter") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  const std::string file = dir + "/apparmor_enabled";
  std::ofstream(file) << "Y\n";
  CHECK(AppArmorAdmitHandler::HostStatus(file).ok());
  std::ofstream(file) << "N\n";
  CHECK_FALSE(AppArmorAdmitHandler::HostStatus(file).ok());
  ::unlink(file.c_str());
  CHECK(AppArmorAdmitHandler::HostStatus(file).message() == "AppArmor is not enabled on the host");
}

}  // namespace
}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl
