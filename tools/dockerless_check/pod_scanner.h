// Finds pods that depend on Docker in a folder of manifests (the kubelet's --pod-manifest-path):
// hostPath volumes of Docker Engine's socket, state or data folders (and of the dockershim's),
// containers that run Docker's client programs or images, and containers pointed at an engine
// with DOCKER_HOST. YAML and JSON; several documents per file; Pods, pod templates of workload
// objects (Deployment, DaemonSet, Job, CronJob, ...) and Lists.
//
//   absl::StatusOr<ManifestScan> scan = ScanManifests("/etc/kubernetes/manifests");
//   for (const PodFinding& finding : scan->findings) std::cout << finding.file << "\n";
#ifndef KRL_TOOLS_DOCKERLESS_CHECK_POD_SCANNER_H_
#define KRL_TOOLS_DOCKERLESS_CHECK_POD_SCANNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl::tools::dockerless_check {

struct PodFinding {
  std::string file;
  std::string object;                // "Pod kube-system/log-agent"
  std::vector<std::string> reasons;  // one line each
};

struct ManifestScan {
  std::string path;
  int files = 0;                     // files read
  int objects = 0;                   // pods and pod templates looked at
  std::vector<PodFinding> findings;  // only objects with at least one reason
  std::vector<std::string> errors;   // "file: message" for files that could not be parsed
};

// `path` is a folder (every regular file not starting with '.', as the kubelet reads it, not
// recursive) or one file. NotFound when it does not exist; parse errors of single files go to
// `errors` and do not stop the scan.
[[nodiscard]] absl::StatusOr<ManifestScan> ScanManifests(const std::string& path);

// Scans the documents of one file's text into `scan` (counts, findings, errors).
void ScanManifestText(const std::string& file, absl::string_view text, ManifestScan& scan);

// "/var//run/./docker.sock/" -> "/var/run/docker.sock"; ".." pops a component.
std::string NormalizeHostPath(absl::string_view path);

}  // namespace krl::tools::dockerless_check

#endif  // KRL_TOOLS_DOCKERLESS_CHECK_POD_SCANNER_H_
