#include "kubelet_core/admission/sysctl_admit_handler.h"

#include <sys/utsname.h>

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/kuberuntime/security_context.h"

namespace krl {
namespace kubelet_core {
namespace admission {
namespace {

// A sysctl name as Kubernetes validates it: dot- or slash-separated lowercase words of
// letters, digits, '_' and '-', at most 253 characters; a pattern may end in "*".
bool IsValidSysctlPattern(absl::string_view pattern) {
  if (pattern.empty() || pattern.size() > 253) return false;
  if (absl::EndsWith(pattern, "*")) pattern.remove_suffix(1);
  if (pattern.empty()) return false;
  bool word_start = true;
  for (char c : pattern) {
    if (c == '.' || c == '/') {
      if (word_start) return false;
      word_start = true;
      continue;
    }
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return false;
    }
    word_start = false;
  }
  return true;
}

}  // namespace

std::string SysctlAdmitHandler::NamespaceOf(absl::string_view sysctl) {
  if (sysctl == "kernel.sem" || absl::StartsWith(sysctl, "kernel.shm") ||
      absl::StartsWith(sysctl, "kernel.msg") || absl::StartsWith(sysctl, "fs.mqueue.")) {
    return "ipc";
  }
  if (absl::StartsWith(sysctl, "net.")) return "net";
  return "";
}

std::vector<std::string> SysctlAdmitHandler::SafeSysctls(std::pair<int, int> kernel_version) {
  struct Safe {
    const char* name;
    std::pair<int, int> since;  // the first kernel that namespaces it
  };
  static constexpr Safe kSafe[] = {
      {"kernel.shm_rmid_forced", {0, 0}},
      {"net.ipv4.ip_local_port_range", {0, 0}},
      {"net.ipv4.tcp_syncookies", {0, 0}},
      {"net.ipv4.ping_group_range", {0, 0}},
      {"net.ipv4.ip_unprivileged_port_start", {0, 0}},
      {"net.ipv4.ip_local_reserved_ports", {3, 16}},
      {"net.ipv4.tcp_keepalive_time", {4, 5}},
      {"net.ipv4.tcp_fin_timeout", {4, 6}},
      {"net.ipv4.tcp_keepalive_intvl", {4, 5}},
      {"net.ipv4.tcp_keepalive_probes", {4, 5}},
      {"net.ipv4.tcp_rmem", {4, 15}},
      {"net.ipv4.tcp_wmem", {4, 15}},
  };
  std::vector<std::string> out;
  for (const Safe& safe : kSafe) {
    if (kernel_version >= safe.since) out.emplace_back(safe.name);
  }
  return out;
}

std::pair<int, int> SysctlAdmitHandler::RunningKernelVersion() {
  struct utsname name;
  if (::uname(&name) != 0) return {0, 0};
  int major = 0;
  int minor = 0;
  if (std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

absl::StatusOr<std::unique_ptr<SysctlAdmitHandler>> SysctlAdmitHandler::Create(
    const std::vector<std::string>& allowed_unsafe_sysctls, std::pair<int, int> kernel_version) {
  std::unique_ptr<SysctlAdmitHandler> handler(new SysctlAdmitHandler());
  for (const std::string& name : SafeSysctls(kernel_version)) {
    handler->names_[name] = NamespaceOf(name);
  }
  for (const std::string& raw : allowed_unsafe_sysctls) {
    if (!IsValidSysctlPattern(raw)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--allowed-unsafe-sysctls: \"", raw,
          "\" is not a sysctl name or prefix (lowercase words separated by dots, optionally "
          "ending in *)"));
    }
    const std::string pattern = kuberuntime::NormalizeSysctlName(raw);
    const bool prefix = absl::EndsWith(pattern, "*");
    const std::string name = prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
    const std::string ns = NamespaceOf(name);
    if (ns.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--allowed-unsafe-sysctls: \"", raw,
          "\" is not known to be namespaced: it would change the node for every pod (only "
          "net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* can be allowed)"));
    }
    if (prefix) {
      handler->prefixes_[name] = ns;
    } else {
      handler->names_[name] = ns;
    }
  }
  return handler;
}

std::string SysctlAdmitHandler::Check(absl::string_view sysctl, bool host_network,
                                      bool host_ipc) const {
  const std::string name = kuberuntime::NormalizeSysctlName(sysctl);
  const std::string* ns = nullptr;
  if (auto it = names_.find(name); it != names_.end()) {
    ns = &it->second;
  } else {
    for (const auto& [prefix, prefix_ns] : prefixes_) {
      if (absl::StartsWith(name, prefix)) {
        ns = &prefix_ns;
        break;
      }
    }
  }
  if (ns == nullptr) return absl::StrCat("\"", name, "\" not allowlisted");
  if ((*ns == "ipc" && host_ipc) || (*ns == "net" && host_network)) {
    return absl::StrCat("\"", name, "\" not allowed with host ", *ns, " enabled");
  }
  return "";
}

AdmitResult SysctlAdmitHandler::Admit(const corev1::Pod& pod) const {
  for (const corev1::Sysctl& sysctl : pod.spec.security_context.sysctls) {
    std::string why = Check(sysctl.name, pod.spec.host_network, pod.spec.host_ipc);
    if (!why.empty()) {
      return AdmitResult::Refused(std::string(kSysctlForbiddenReason),
                                  absl::StrCat("forbidden sysctl: ", why));
    }
  }
  return AdmitResult::Admitted();
}

}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl
