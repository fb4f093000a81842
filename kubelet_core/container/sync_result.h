// SyncResult and PodSyncResult: what SyncPod (and KillPod) did, step by step, so a caller sees
// which step failed and why: the action, its target (a container name, a pod), the kubelet's
// error reason (CrashLoopBackOff, ErrImagePull, CreateContainerError, ...) and a message.
//
//   container::PodSyncResult result = runtime.SyncPod(pod, status);
//   for (const container::SyncResult& step : result.steps)
//     if (!step.ok()) log::Warning("step failed", {{"action", ActionName(step.action)}});
//
// Plain value types; not thread safe.
#ifndef KRL_KUBELET_CORE_CONTAINER_SYNC_RESULT_H_
#define KRL_KUBELET_CORE_CONTAINER_SYNC_RESULT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace kubelet_core {
namespace container {

// The kubelet's sync actions.
enum class SyncAction {
  kStartContainer,
  kKillContainer,
  kSetNetwork,
  kTeardownNetwork,
  kInitContainer,
  kCreatePodSandbox,
  kConfigPodSandbox,
  kKillPodSandbox,
};

// "StartContainer", "KillContainer", ... as the kubelet spells them.
absl::string_view ActionName(SyncAction action);

// The kubelet's error reasons of failed steps (its kubecontainer errors). Image failures use the
// reasons of image_manager.h.
inline constexpr absl::string_view kErrRunContainer = "RunContainerError";
inline constexpr absl::string_view kErrKillContainer = "KillContainerError";
inline constexpr absl::string_view kErrCrashLoopBackOff = "CrashLoopBackOff";
inline constexpr absl::string_view kErrCreatePodSandbox = "CreatePodSandboxError";
inline constexpr absl::string_view kErrConfigPodSandbox = "ConfigPodSandboxError";
inline constexpr absl::string_view kErrKillPodSandbox = "KillPodSandboxError";
inline constexpr absl::string_view kErrCreateContainerConfig = "CreateContainerConfigError";
inline constexpr absl::string_view kErrCreateContainer = "CreateContainerError";
inline constexpr absl::string_view kErrPostStartHook = "PostStartHookError";

struct SyncResult {
  SyncAction action = SyncAction::kStartContainer;
  std::string target;  // container name for container steps; "name_namespace(uid)" for pods
  std::string error;   // empty: the step succeeded; else the kubelet reason, e.g. CrashLoopBackOff
  std::string message;

  bool ok() const { return error.empty(); }
  void Fail(absl::string_view reason, absl::string_view msg) {
    error = std::string(reason);
    message = std::string(msg);
  }
};

struct PodSyncResult {
  std::vector<SyncResult> steps;
  // A failure that is not one step's (reading the new sandbox's status failed, ...).
  absl::Status sync_error;

  SyncResult& Add(SyncAction action, absl::string_view target);
  void Append(const PodSyncResult& other);
  void Fail(absl::Status error) { sync_error = std::move(error); }

  // OK when every step and the sync succeeded; else Unknown (or sync_error's code) whose message
  // lists each failure as the kubelet formats them:
  //   failed to "StartContainer" for "web" with CrashLoopBackOff: "back-off 10s ..."
  absl::Status Error() const;
  bool ok() const { return Error().ok(); }

  // The steps of `action`, for tests and logs.
  std::vector<SyncResult> StepsOf(SyncAction action) const;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_SYNC_RESULT_H_
