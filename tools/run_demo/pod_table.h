// PodTable: `kubectl get pods`-style rows from the agent's /pods JSON (a Kubernetes PodList).
//
//   absl::StatusOr<std::vector<PodRow>> rows = ParsePodList(body, absl::Now());
//   std::cout << FormatPodTable(*rows);
//   // NAME         READY   STATUS             RESTARTS   AGE
//   // crash-node   0/1     CrashLoopBackOff   2          31s
//
// STATUS follows kubectl's rules: the pod's reason when set (NetworkNotReady), "Init:N/M" or
// "Init:<reason>" while init containers run, else the reason of the last container that is
// waiting or terminated ("CrashLoopBackOff", "Completed", "Error"), else the phase. AGE counts
// from the kubernetes.io/config.seen annotation (when the agent first saw the pod), else from
// status.startTime.
//
// Pure functions; thread safe.
#ifndef KRL_TOOLS_RUN_DEMO_POD_TABLE_H_
#define KRL_TOOLS_RUN_DEMO_POD_TABLE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace krl {
namespace tools {
namespace run_demo {

struct PodRow {
  std::string name;
  std::string uid;
  std::string ready;  // "1/1"
  std::string status;
  int restarts = 0;
  std::string age;  // "12s", "3m4s", "-" when unknown
  // Whether every container is ready.
  bool all_ready = false;
};

// InvalidArgument when `json` is not a PodList.
[[nodiscard]] absl::StatusOr<std::vector<PodRow>> ParsePodList(absl::string_view json,
                                                               absl::Time now);

// The header and one line per row, columns aligned, each line ending in '\n'.
std::string FormatPodTable(const std::vector<PodRow>& rows);

// "45s", "3m4s", "2h5m", "3d4h" as kubectl prints ages.
std::string HumanAge(absl::Duration age);

}  // namespace run_demo
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_RUN_DEMO_POD_TABLE_H_
