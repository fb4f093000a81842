// FakeRuntime: an in-memory container::Runtime for testing the layers above the runtime manager
// (the agent's pod workers, the PLEG, status reporting) without CRI.
//
// It records every call, answers from its own state and can be scripted:
// - SyncPod "runs" the pod: a ready sandbox, init containers exited 0, sidecars and app
//   containers running with their spec hash (restarting those whose hash changed); KillPod stops
//   them (exit code 143, a SIGTERM death) and the sandbox. Options::simulate = false makes it a
//   pure recorder.
// - SetPodStatus / SetPods replace what GetPodStatus / GetPods answer for a pod; ExitContainer
//   makes a running container exit; SetSyncResult scripts SyncPod's answer; InjectError fails the
//   next call of a method.
//
//   testing::FakeClock clock;
//   container::FakeRuntime runtime(clock);
//   runtime.SyncPod(pod, *runtime.GetPodStatus(uid, name, ns));
//   REQUIRE(runtime.CallNames() == std::vector<std::string>{"GetPodStatus", "SyncPod"});
//
// Thread safe: one mutex guards all state and the call log.
#ifndef KRL_KUBELET_CORE_CONTAINER_FAKE_RUNTIME_H_
#define KRL_KUBELET_CORE_CONTAINER_FAKE_RUNTIME_H_

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/util/mutex.h"
#include "kubelet_core/container/probe_results.h"
#include "kubelet_core/container/reason_cache.h"
#include "kubelet_core/container/runtime.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace container {

class FakeRuntime final : public Runtime {
 public:
  struct Options {
    std::string type = "krl-fake";
    // SyncPod and KillPod change the fake's state as a runtime would.
    bool simulate = true;
  };

  // One recorded call.
  struct Call {
    std::string method;   // "SyncPod", "KillPod", "GetPodStatus", ...
    std::string pod_uid;  // the pod concerned, if any
    std::string detail;   // e.g. the image of PullImage
  };

  explicit FakeRuntime(Clock& clock);
  FakeRuntime(Clock& clock, Options options);

  // --- Runtime ---
  std::string Type() const override;
  absl::StatusOr<std::vector<RuntimeCondition>> Status() override;
  PodSyncResult SyncPod(const corev1::Pod& pod, const PodStatus& status) override;
  absl::Status KillPod(const corev1::Pod* pod, const Pod& running_pod,
                       std::optional<int64_t> grace_period_override) override;
  absl::StatusOr<std::vector<Pod>> GetPods(bool all) override;
  absl::StatusOr<PodStatus> GetPodStatus(absl::string_view uid, absl::string_view name,
                                         absl::string_view namespace_) override;
  corev1::PodStatus GenerateAPIPodStatus(const corev1::Pod& pod, const PodStatus& status) override;
  absl::Status GarbageCollect(const GCPolicy& policy, bool all_sources_ready,
                              bool evict_non_deleted_pods) override;
  absl::Status DeleteContainer(const corev1::ContainerID& id) override;
  absl::StatusOr<std::string> PullImage(absl::string_view image, const cri::AuthConfig* auth,
                                        const cri::PodSandboxConfig* sandbox_config) override;
  absl::StatusOr<std::string> GetImageRef(absl::string_view image) override;
  absl::StatusOr<std::vector<Image>> ListImages() override;
  absl::Status RemoveImage(absl::string_view image) override;

  // --- Scripting ---
  // GetPodStatus answers `status` for status.id from now on (and GetPods derives from it).
  void SetPodStatus(PodStatus status);
  // Forgets everything about the pod `uid`.
  void RemovePod(absl::string_view uid);
  // The running container named `container` of pod `uid` exits now with `exit_code`.
  absl::Status ExitContainer(absl::string_view uid, absl::string_view container, int exit_code);
  // The next SyncPod answers `result` (its steps also feed the reason cache).
  void SetSyncResult(PodSyncResult result);
  // The next call of `method` fails with `error` (SyncPod: as its sync_error).
  void InjectError(absl::string_view method, absl::Status error);
  void SetConditions(std::vector<RuntimeCondition> conditions);
  void SetProbeResults(const ProbeResults* probes);

  // --- Inspection ---
  std::vector<Call> Calls() const;
  std::vector<std::string> CallNames() const;
  int CallCount(absl::string_view method) const;
  void ClearCalls();
  // The pods SyncPod was given, in order.
  std::vector<corev1::Pod> SyncedPods() const;
  // The images present (pulled), by reference.
  std::vector<std::string> ImageRefs() const;
  const ReasonCache& reasons() const { return reasons_; }

 private:
  absl::Status Record(absl::string_view method, absl::string_view uid, absl::string_view detail)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NextId(absl::string_view prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SimulateSync(const corev1::Pod& pod, PodSyncResult* result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ContainerStatus NewContainer(const corev1::Container& c, const PodStatus& status, State state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  const Options options_;
  ReasonCache reasons_;

  mutable krl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<corev1::Pod> synced_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PodStatus> pods_ ABSL_GUARDED_BY(mu_);  // by uid
  std::map<std::string, std::deque<absl::Status>> errors_ ABSL_GUARDED_BY(mu_);
  std::deque<PodSyncResult> sync_results_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> images_ ABSL_GUARDED_BY(mu_);  // ref -> id
  std::vector<RuntimeCondition> conditions_ ABSL_GUARDED_BY(mu_);
  const ProbeResults* probes_ ABSL_GUARDED_BY(mu_) = nullptr;
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_CONTAINER_FAKE_RUNTIME_H_
