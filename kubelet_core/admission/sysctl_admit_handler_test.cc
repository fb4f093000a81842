#include "kubelet_core/admission/sysctl_admit_handler.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace admission {
namespace {

corev1::Pod PodWithSysctl(const std::string& name) {
  corev1::Pod pod;
  pod.metadata.name = "p";
  pod.spec.security_context.sysctls.push_back({name, "1"});
  return pod;
}

std::unique_ptr<SysctlAdmitHandler> Handler(const std::vector<std::string>& unsafe = {}) {
  absl::StatusOr<std::unique_ptr<SysctlAdmitHandler>> handler =
      SysctlAdmitHandler::Create(unsafe, {6, 1});
  REQUIRE(handler.ok());
  return *std::move(handler);
}

TEST_CASE("a pod with only safe sysctls is admitted") {
  corev1::Pod pod = PodWithSysctl("net.ipv4.ip_local_port_range");
  pod.spec.security_context.sysctls.push_back({"kernel.shm_rmid_forced", "1"});
  pod.spec.security_context.sysctls.push_back({"net/ipv4/tcp_syncookies", "1"});  // slashes
  CHECK(Handler()->Admit(pod).admit);
}

TEST_CASE("a pod without sysctls is admitted") { CHECK(Handler()->Admit(corev1::Pod()).admit); }

TEST_CASE("an unsafe sysctl is refused with the kubelet's reason and message") {
  AdmitResult result = Handler()->Admit(PodWithSysctl("net.core.somaxconn"));
  CHECK_FALSE(result.admit);
  CHECK(result.reason == "SysctlForbidden");
  CHECK(result.message == "forbidden sysctl: \"net.core.somaxconn\" not allowlisted");
}

TEST_CASE("an unsafe sysctl allowed by name or by prefix is admitted") {
  auto handler = Handler({"net.core.somaxconn", "kernel.msg*"});
  CHECK(handler->Admit(PodWithSysctl("net.core.somaxconn")).admit);
  CHECK(handler->Admit(PodWithSysctl("kernel.msgmax")).admit);
  CHECK_FALSE(handler->Admit(PodWithSysctl("net.core.rmem_max")).admit);
}

TEST_CASE("a net sysctl is refused for a host-network pod and an ipc one for a host-IPC pod") {
  corev1::Pod net = PodWithSysctl("net.ipv4.ip_local_port_range");
  net.spec.host_network = true;
  AdmitResult result = Handler()->Admit(net);
  CHECK_FALSE(result.admit);
  CHECK(result.message ==
        "forbidden sysctl: \"net.ipv4.ip_local_port_range\" not allowed with host net enabled");

  corev1::Pod ipc = PodWithSysctl("kernel.shm_rmid_forced");
  ipc.spec.host_ipc = true;
  CHECK(Handler()->Admit(ipc).message ==
        "forbidden sysctl: \"kernel.shm_rmid_forced\" not allowed with host ipc enabled");
  ipc.spec.host_ipc = false;
  ipc.spec.host_network = true;
  CHECK(Handler()->Admit(ipc).admit);
}

TEST_CASE("allowing a sysctl that is not namespaced is refused at start") {
  absl::StatusOr<std::unique_ptr<SysctlAdmitHandler>> handler =
      SysctlAdmitHandler::Create({"kernel.panic"}, {6, 1});
  REQUIRE_FALSE(handler.ok());
  CHECK_THAT(std::string(handler.status().message()),
             Catch::Contains("\"kernel.panic\" is not known to be namespaced"));
  CHECK_FALSE(SysctlAdmitHandler::Create({"Net.Core"}, {6, 1}).ok());
  CHECK_FALSE(SysctlAdmitHandler::Create({"*"}, {6, 1}).ok());
}

TEST_CASE("safe sysctls that an older kernel does not namespace are not safe there") {
  std::vector<std::string> old_kernel = SysctlAdmitHandler::SafeSysctls({4, 4});
  CHECK(std::count(old_kernel.begin(), old_kernel.end(), "net.ipv4.tcp_keepalive_time") == 0);
  CHECK(std::count(old_kernel.begin(), old_kernel.end(), "net.ipv4.ip_local_reserved_ports") == 1);
  std::vector<std::string> new_kernel = SysctlAdmitHandler::SafeSysctls({6, 1});
  CHECK(new_kernel.size() == 12);
  auto on_old = SysctlAdmitHandler::Create({}, {4, 4});
  REQUIRE(on_old.ok());
  CHECK_FALSE((*on_old)->Admit(PodWithSysctl("net.ipv4.tcp_rmem")).admit);
}

TEST_CASE("the running kernel's version is read") {
  std::pair<int, int> version = SysctlAdmitHandler::RunningKernelVersion();
  CHECK(version.first >= 3);
}

}  // namespace
}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl
