// ProbeManager: runs every liveness, readiness and startup probe of the node's pods, on time, and
// keeps their results for the agent.
//
//   ProbeManager::Options options;
//   options.on_update = [&](const ProbeUpdate& u) { agent.OnProbeUpdate(u); };
//   ProbeManager probes(runtime, clock, options);
//   probes.AddPod(pod);                                  // when the pod is admitted
//   probes.ObservePodStatus(pod.metadata.uid, status);   // after every sync: ids, states, pod IP
//
// One worker per (pod, container, probe type), as in the kubelet; it follows the kubelet's rules
// (pkg/kubelet/prober/worker.go):
// - A worker waits until the container has an id and runs; a new container id (a restart) resets
//   the worker: readiness starts at Failure, liveness at Success, startup at Unknown.
// - No probe before initialDelaySeconds have passed since the container started. The first probe
//   runs when the delay ends (the kubelet waits for its next periodic tick), then every
//   periodSeconds.
// - successThreshold / failureThreshold consecutive results are needed to change the stored
//   result: with failureThreshold 3 the 3rd failure in a row flips it.
// - Startup gates the others: until the startup probe succeeds, liveness and readiness do not run
//   and the container is neither started nor ready. After it succeeded it is not run again for
//   that container; readiness is probed at once.
// - A liveness or startup failure holds the worker until the container is replaced (a new id).
//   The agent restarts the container (and applies the restart policy) when it sees the liveness
//   (or startup) Failure update: the update is the only signal; the manager kills nothing.
// - A container that is not running has readiness and startup Failure. (The kubelet also records
//   liveness Failure then; this manager does not, so a liveness Failure update always means "this
//   running container failed its liveness probe".)
// - A pod whose phase is Succeeded or Failed, or a container that terminated under restartPolicy
//   Never, ends its workers.
// Defaults (period 10 s, timeout 1 s, thresholds 1 and 3, no initial delay) come from the pod
// model, which applies them when decoding.
//
// Results live in a ResultsCache keyed by container id; on_update hears every change (see
// results_cache.h for the guarantees). ApplyProbeResults fills a status' ready/started fields as
// the kubelet's prober manager does; the agent derives the pod's Ready condition from them.
//
// Threads: all public methods may be called from any thread. Probes run on a pool of
// `max_concurrent_probes` threads, started by the constructor; one timer thread schedules them on
// the injected Clock. With RealClock the timer sleeps until the next probe is due; with any other
// clock (a FakeClock) it re-reads the clock every millisecond (a Clock cannot wake a waiter), and
// WaitForIdle() lets a test step the workers deterministically. One worker never runs on two
// threads at once. `mu_` guards the pods, the workers' schedule and the pool's queue; a worker's
// probing state (container id, result run, hold) is touched only by the pool thread running it.
// Probes run without `mu_` held. on_update runs on a pool thread and may call any method of this
// class except the destructor.
#ifndef KRL_KUBELET_CORE_PROBER_PROBE_MANAGER_H_
#define KRL_KUBELET_CORE_PROBER_PROBE_MANAGER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/prober/probe_types.h"
#include "kubelet_core/prober/prober.h"
#include "kubelet_core/prober/results_cache.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace kubelet_core {
namespace prober {

class ProbeManager {
 public:
  struct Options {
    // Probes that may run at the same time (exec probes block a thread for up to their timeout).
    int max_concurrent_probes = 4;
    std::string user_agent = std::string(kDefaultUserAgent);
    // Every change of a stored result (see ResultsCache). May be empty.
    std::function<void(const ProbeUpdate& update)> on_update;
  };

  // `runtime` and `clock` must outlive this. Starts the threads.
  ProbeManager(runtime::RuntimeService& runtime, Clock& clock, Options options);
  // Stops the threads; waits for probes in flight (each bounded by its timeout).
  ~ProbeManager();

  ProbeManager(const ProbeManager&) = delete;
  ProbeManager& operator=(const ProbeManager&) = delete;

  // Creates the workers of every probe of the pod's containers and sidecar init containers.
  // A pod already known (same uid) is left as it is. Idempotent. The workers keep the shared spec
  // (no copy of it); the first form copies `pod` once into a shared spec.
  void AddPod(const corev1::PodPtr& pod);
  void AddPod(const corev1::Pod& pod);

  // Stops the pod's workers and forgets their results (no updates are sent for that; one already
  // in flight may still arrive). Idempotent.
  void RemovePod(absl::string_view pod_uid);

  // The agent's latest view of the pod: phase, pod IP, and for each container its containerID
  // ("<type>://<id>" or a bare id), state and start time. Workers whose container appeared,
  // changed id or changed state are woken now. Ignored for a pod not added.
  void ObservePodStatus(absl::string_view pod_uid, const corev1::PodStatus& status);

  // Sets `started` and `ready` of each container status (and of sidecar init containers; other
  // init containers are ready when they exited 0), as the kubelet's prober manager does:
  // started = running and (startup succeeded, or no startup probe); ready = started and
  // (readiness succeeded, or no readiness probe).
  void ApplyProbeResults(absl::string_view pod_uid, corev1::PodStatus* status) const;

  const ResultsCache& results() const { return results_; }

  // Workers alive (all pods).
  int worker_count() const;

  // For tests with a FakeClock: blocks (real time, at most `timeout`) until no probe runs or is
  // queued and no worker is due at the clock's current time. Returns false on timeout.
  [[nodiscard]] bool WaitForIdle(absl::Duration timeout = absl::Seconds(10)) const;

 private:
  struct Worker;
  struct PodEntry {
    std::string pod_name;  // namespace/name
    std::vector<std::shared_ptr<Worker>> workers;
    std::set<std::string> sidecars;  // names of init containers with restartPolicy Always
    std::optional<corev1::PodStatus> status;
  };
  // What a worker reads of the pod under the lock before it probes.
  struct View;
  // What a probe run decided about the worker's next run.
  struct Next {
    bool keep_going = true;
    absl::Time at;
    bool startup_succeeded = false;
  };

  void TimerLoop();
  void PoolLoop();
  Next RunWorker(Worker& worker);
  void ScheduleLocked(const std::shared_ptr<Worker>& worker, absl::Time at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnscheduleLocked(Worker& worker) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WakeLocked(const std::shared_ptr<Worker>& worker) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IdleLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool HasWorkerLocked(const PodEntry& entry, const std::string& container, ProbeType type) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void SetResult(Worker& worker, ProbeResult result, const std::string& output);

  Clock& clock_;
  const bool real_clock_;
  const Options options_;
  const Prober prober_;
  ResultsCache results_;

  mutable krl::Mutex mu_;
  std::map<std::string, PodEntry> pods_ ABSL_GUARDED_BY(mu_);
  // (due time, worker) -> worker, ordered by due time; a worker is in here at most once.
  std::map<std::pair<absl::Time, Worker*>, std::shared_ptr<Worker>> timers_ ABSL_GUARDED_BY(mu_);
  // Workers due now, waiting for a pool thread.
  std::deque<std::shared_ptr<Worker>> ready_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t timer_changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread timer_;
  std::vector<std::thread> pool_;
};

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_PROBE_MANAGER_H_
