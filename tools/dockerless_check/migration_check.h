// `dockerless_check`: what a node needs before its kubelet runs without the dockershim.
//
// It finds the CRI sockets that exist (containerd, CRI-O and cri-dockerd at their usual paths,
// plus any given with --endpoint), asks each one's Version over CRI v1, and says which
// --container-runtime-endpoint to use; it scans a manifest folder for pods that depend on Docker.
// Anything that needs attention makes the exit status 1; `-o json` is for scripts.
//
//   dockerless_check --pod-manifest-path=/etc/kubernetes/manifests
//   dockerless_check --endpoint=unix:///run/containerd/containerd.sock -o json
//   int code = MigrationCheckMain(argc, argv, std::cout, std::cerr);
#ifndef KRL_TOOLS_DOCKERLESS_CHECK_MIGRATION_CHECK_H_
#define KRL_TOOLS_DOCKERLESS_CHECK_MIGRATION_CHECK_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/dockerless_check/pod_scanner.h"
#include "tools/dockerless_check/runtime_probe.h"

namespace krl::tools::dockerless_check {

struct CheckOptions {
  std::vector<std::string> endpoints;  // normalized unix:///path, probed first, in this order
  bool well_known = true;              // also probe the usual socket paths
  std::string host_root = "/";         // where the node's / is (when run inside a container)
  std::string pod_manifest_path;       // empty: manifests are not scanned
  absl::Duration timeout = absl::Seconds(2);  // per Version call
  bool json = false;
};

// Parses the command line; `help` is set (and options are defaults) for -h/--help.
[[nodiscard]] absl::StatusOr<CheckOptions> ParseCheckArgs(int argc, char** argv, bool* help);
extern const char kCheckUsage[];

struct RuntimeStatus {
  std::string runtime;  // the runtime expected at a well-known path, or "--endpoint"
  RuntimeProbe probe;
};

struct CheckReport {
  std::vector<RuntimeStatus> runtimes;
  std::string container_runtime_endpoint;  // the one to use; empty when none answered
  std::optional<ManifestScan> manifests;
  std::vector<std::string> attention;  // each makes the exit status 1
  std::vector<std::string> notes;
  bool ok() const { return attention.empty(); }
};

// Probes and scans; blocks for at most one timeout per socket probed.
CheckReport RunMigrationCheck(const CheckOptions& options);

std::string RenderText(const CheckReport& report);
// One JSON object: runtimes, container_runtime_endpoint, manifests, pods, attention, notes, ok.
std::string RenderJson(const CheckReport& report);

// The whole program: 0 when nothing needs attention, 1 when something does, 2 on bad usage.
int MigrationCheckMain(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace krl::tools::dockerless_check

#endif  // KRL_TOOLS_DOCKERLESS_CHECK_MIGRATION_CHECK_H_
