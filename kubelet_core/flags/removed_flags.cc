#include "kubelet_core/flags/removed_flags.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace krl::kubelet_core::flags {
namespace {

// Histories, shared by several entries.
constexpr absl::string_view kWithTheShim =
    "removed from the kubelet in Kubernetes 1.24 with the dockershim";
constexpr absl::string_view kRemoteOnly =
    "deprecated in Kubernetes 1.24 and removed in 1.27: every runtime is a remote CRI runtime";
constexpr absl::string_view kCadvisor =
    "a cAdvisor flag the kubelet carried as deprecated; this agent has no cAdvisor";

// Replacements shared by the cAdvisor entries.
constexpr absl::string_view kStatsFromCri =
    "Container and image statistics come from the CRI runtime (ListContainerStats, ImageFsInfo); "
    "drop the flag.";
constexpr absl::string_view kNoEngineConnection =
    "This agent never connects to a container engine directly, only to the CRI endpoint; drop "
    "the flag.";

constexpr RemovedFlag kRemovedFlags[] = {
    {"--container-runtime", kRemoteOnly,
     "Drop it and set --container-runtime-endpoint to the runtime's CRI socket, for example "
     "unix:///run/containerd/containerd.sock."},
    {"--docker-endpoint", kWithTheShim,
     "Set --container-runtime-endpoint to a CRI socket instead: "
     "unix:///run/containerd/containerd.sock (containerd), unix:///var/run/crio/crio.sock "
     "(CRI-O), or unix:///var/run/cri-dockerd.sock to keep Docker Engine through cri-dockerd."},
    {"--image-pull-progress-deadline", kWithTheShim,
     "Image pulls are the runtime's job: set the pull timeout in the runtime's configuration "
     "(containerd 1.7 and later: image_pull_progress_timeout in the CRI plugin; cri-dockerd: "
     "its own flag of this name)."},
    {"--network-plugin", kWithTheShim,
     "Pod networking is set up by the runtime: configure CNI there (containerd: the CRI "
     "plugin's cni section; CRI-O: the [crio.network] table)."},
    {"--cni-conf-dir", kWithTheShim,
     "Set the CNI configuration folder in the runtime (containerd: conf_dir in the CRI plugin's "
     "cni section; CRI-O: network_dir)."},
    {"--cni-bin-dir", kWithTheShim,
     "Set the CNI plugin folder in the runtime (containerd: bin_dir in the CRI plugin's cni "
     "section; CRI-O: plugin_dirs)."},
    {"--cni-cache-dir", kWithTheShim,
     "The runtime's CNI library keeps its own cache (by default under /var/lib/cni); drop the "
     "flag."},
    {"--network-plugin-mtu", kWithTheShim,
     "Set the MTU in the CNI network configuration (for example the bridge plugin's \"mtu\")."},
    {"--non-masquerade-cidr", kWithTheShim,
     "Only kubenet used it: configure masquerading in the CNI plugin (for example the bridge "
     "plugin's \"ipMasq\") or run ip-masq-agent."},
    {"--experimental-dockershim-root-directory", kWithTheShim,
     "The runtime keeps its own state (containerd: root and state in its config; CRI-O: root); "
     "drop the flag."},
    {"--experimental-dockershim", "removed from the kubelet in Kubernetes 1.19",
     "Run a CRI runtime as its own service (containerd, CRI-O, or cri-dockerd for Docker "
     "Engine) and point --container-runtime-endpoint at it."},
    {"--docker-disable-shared-pid", "removed from the kubelet in Kubernetes 1.12",
     "Share a pod's process namespace per pod with spec.shareProcessNamespace: true."},
    {"--docker-exec-handler", "removed from the kubelet in Kubernetes 1.9",
     "Exec goes through the CRI runtime's Exec and ExecSync calls; drop the flag."},
    {"--docker", kCadvisor, kNoEngineConnection},
    {"--docker-only", kCadvisor, kStatsFromCri},
    {"--docker-root", kCadvisor, kStatsFromCri},
    {"--docker-env-metadata-whitelist", kCadvisor, kStatsFromCri},
    {"--docker-tls", kCadvisor, kNoEngineConnection},
    {"--docker-tls-ca", kCadvisor, kNoEngineConnection},
    {"--docker-tls-cert", kCadvisor, kNoEngineConnection},
    {"--docker-tls-key", kCadvisor, kNoEngineConnection},
};

}  // namespace

absl::Span<const RemovedFlag> RemovedFlags() { return kRemovedFlags; }

std::optional<RemovedFlag> FindRemovedFlag(absl::string_view arg) {
  if (!absl::ConsumePrefix(&arg, "-")) return std::nullopt;
  absl::ConsumePrefix(&arg, "-");
  arg = arg.substr(0, arg.find('='));
  if (arg.empty()) return std::nullopt;
  std::string name(arg);
  std::replace(name.begin(), name.end(), '_', '-');
  for (const RemovedFlag& flag : kRemovedFlags) {
    if (flag.name.substr(2) == name) return flag;
  }
  return std::nullopt;
}

std::string RefusalMessage(const RemovedFlag& flag) {
  return absl::StrCat("error: ", flag.name, " is not supported (", flag.history, "). ",
                      flag.replacement);
}

int RefuseRemovedFlags(int argc, char** argv, std::ostream& err) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;  // what follows is not flags
    if (std::optional<RemovedFlag> flag = FindRemovedFlag(arg)) {
      err << RefusalMessage(*flag) << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace krl::kubelet_core::flags
