#include "kubelet_core/container/sync_result.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace krl {
namespace kubelet_core {
namespace container {

absl::string_view ActionName(SyncAction action) {
  switch (action) {
    case SyncAction::kStartContainer:
      return "StartContainer";
    case SyncAction::kKillContainer:
      return "KillContainer";
    case SyncAction::kSetNetwork:
      return "SetNetwork";
    case SyncAction::kTeardownNetwork:
      return "TeardownNetwork";
    case SyncAction::kInitContainer:
      return "InitContainer";
    case SyncAction::kCreatePodSandbox:
      return "CreatePodSandbox";
    case SyncAction::kConfigPodSandbox:
      return "ConfigPodSandbox";
    case SyncAction::kKillPodSandbox:
      return "KillPodSandbox";
  }
  return "Unknown";
}

SyncResult& PodSyncResult::Add(SyncAction action, absl::string_view target) {
  SyncResult& step = steps.emplace_back();
  step.action = action;
  step.target = std::string(target);
  return step;
}

void PodSyncResult::Append(const PodSyncResult& other) {
  steps.insert(steps.end(), other.steps.begin(), other.steps.end());
  if (!other.sync_error.ok()) sync_error = other.sync_error;
}

absl::Status PodSyncResult::Error() const {
  std::vector<std::string> errors;
  if (!sync_error.ok()) errors.push_back(std::string(sync_error.message()));
  for (const SyncResult& step : steps) {
    if (step.ok()) continue;
    errors.push_back(absl::StrCat("failed to \"", ActionName(step.action), "\" for \"", step.target,
                                  "\" with ", step.error, ": \"", step.message, "\""));
  }
  if (errors.empty()) return absl::OkStatus();
  std::string message =
      errors.size() == 1 ? errors.front() : absl::StrCat("[", absl::StrJoin(errors, ", "), "]");
  absl::StatusCode code = sync_error.ok() ? absl::StatusCode::kUnknown : sync_error.code();
  return absl::Status(code, message);
}

std::vector<SyncResult> PodSyncResult::StepsOf(SyncAction action) const {
  std::vector<SyncResult> found;
  for (const SyncResult& step : steps) {
    if (step.action == action) found.push_back(step);
  }
  return found;
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
