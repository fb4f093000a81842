// PodWorkers: the agent's per-pod work, one pod at a time and a bounded pool across pods.
//
//   PodWorkers workers(handler, clock, PodWorkers::Options(), &registry);
//   workers.UpdatePod(PodUpdate::Sync(pod));              // queued; runs on a pool thread
//   workers.UpdatePod(PodUpdate::Kill(pod));              // supersedes anything pending
//
// What it guarantees, as the kubelet's pod workers do:
// - Serialized per pod: the handler never runs twice at once for one pod uid.
// - Coalesced: while a pod's work runs, later updates wait, and only the latest one is kept (a
//   pod edited three times during a slow sync is synced once more, with the last spec).
// - Bounded: at most Options::workers handler calls run at once across all pods.
// - Termination completes first: once a pod is being killed, sync updates for it wait until the
//   kill succeeded (then the pod may start again, as a new life); and a pod whose full name
//   (namespace/name) belongs to another uid that is running or being killed waits until that uid's
//   kill completed. That is how an edited static pod (new uid, same name) replaces the old one.
// - Retried: a failed kill stays pending and is retried after `error_backoff`; a failed sync is
//   re-run after `error_backoff`, a successful one after `resync_interval` (the kubelet's work
//   queue), both driven by EnqueueDueWork(), which the agent's loop calls every tick.
//
// Threads: UpdatePod, EnqueueDueWork and the inspection methods may be called from any thread;
// the handler runs on the pool threads and may call UpdatePod (not Stop). `mu_` guards every
// pod's state and the run queue; it is never held while the handler runs.
#ifndef KRL_KUBELET_CORE_AGENT_POD_WORKERS_H_
#define KRL_KUBELET_CORE_AGENT_POD_WORKERS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/container/pod.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace kubelet_core {
namespace agent {

enum class UpdateType { kSync, kKill };

// "sync" or "kill": the operation_type label of the duration metric.
absl::string_view UpdateTypeName(UpdateType type);

// One piece of work for one pod.
struct PodUpdate {
  UpdateType type = UpdateType::kSync;
  // The pod's spec (shared with the agent, never copied): always for kSync; for kKill when the
  // agent still has it (it gives the grace period and hooks); null otherwise.
  corev1::PodPtr pod;
  // kKill of a pod the agent has no spec for (found in the runtime, e.g. after a restart).
  std::optional<container::Pod> running_pod;
  std::optional<int64_t> grace_period_override;

  static PodUpdate Sync(corev1::PodPtr pod);
  static PodUpdate Kill(corev1::PodPtr pod);
  // The same for a pod given by value (copied once into a shared spec).
  static PodUpdate Sync(corev1::Pod pod);
  static PodUpdate Kill(corev1::Pod pod);
  static PodUpdate KillOrphan(container::Pod running_pod);

  // The pod's uid and "namespace/name", from `pod` or else `running_pod`.
  std::string Uid() const;
  std::string FullName() const;
};

// What the workers call. Implemented by the agent.
class PodWorkHandler {
 public:
  virtual ~PodWorkHandler() = default;
  // Makes the runtime run `update.pod` (kSync) or stop the pod (kKill). A kKill that returns OK
  // means the pod has no running container or sandbox left. Runs on a pool thread.
  [[nodiscard]] virtual absl::Status HandlePodWork(const PodUpdate& update) = 0;
};

class PodWorkers {
 public:
  // The pool size by default. The kubelet runs a goroutine per pod, unbounded; a thread costs
  // more (a stack, a malloc arena's worth of churn), and what a pod start waits on is the
  // runtime: a chain of about 17 CRI calls, each waiting for its answer. The pool bounds how many
  // chains are in flight: enough to keep a runtime that answers in milliseconds busy (containerd
  // takes tens of ms to start a container), few enough that a thousand new pods do not become a
  // thousand concurrent calls on it (containerd serializes parts of each pod's setup). With
  // 1,000 pods x 5 containers on the fake CRI server (2 cores): while its create and start took
  // about 7 ms, 4 workers needed 25.8 s and 16 needed 17 s; since its calls stopped growing with
  // the node the start is CPU-bound, and 4, 8, 16 and 32 workers took the same time within the
  // noise (9 to 11.5 s on a loaded machine, tools/agent_bench --agent-flag=--pod-workers=N).
  static constexpr int kDefaultWorkers = 16;

  struct Options {
    // Pool threads: handler calls that may run at once across pods (see kDefaultWorkers).
    int workers = kDefaultWorkers;
    // A pod synced without error is synced again after this (the kubelet's syncFrequency is 1
    // minute; see agent.h for the agent's default).
    absl::Duration resync_interval = absl::Seconds(10);
    // A failed sync or kill is retried after this (the kubelet's backOffPeriod).
    absl::Duration error_backoff = absl::Seconds(10);
  };

  // What one pod's worker looks like now (for tests and /pods).
  struct PodWorkState {
    std::string uid;
    std::string full_name;
    bool working = false;           // the handler runs for it now
    bool pending = false;           // an update waits
    bool terminating = false;       // a kill was requested and has not succeeded yet
    bool waiting_for_name = false;  // blocked behind another uid with the same full name
    int syncs = 0;                  // handler calls completed
    absl::Status last_result;
    absl::Time next_due = absl::InfiniteFuture();
  };

  // `handler` and `clock` must outlive this; `registry` may be null (no metrics).
  PodWorkers(PodWorkHandler& handler, Clock& clock, Options options,
             runtime::metrics::Registry* registry);
  // Stops the pool (see Stop).
  ~PodWorkers();

  PodWorkers(const PodWorkers&) = delete;
  PodWorkers& operator=(const PodWorkers&) = delete;

  // Queues `update` for its pod (see the overview for coalescing and ordering). Ignored after
  // Stop(). A kSync of a uid whose kill completed starts that pod anew.
  void UpdatePod(PodUpdate update);

  // Queues a resync (the last spec) or a kill retry for every pod whose due time has come.
  void EnqueueDueWork();

  // Waits up to `timeout` (real time) until no handler call runs or is runnable; false on timeout.
  [[nodiscard]] bool WaitIdle(absl::Duration timeout) const;

  // Stops taking work, lets running handler calls finish and joins the threads. Pending work is
  // dropped: pods stay as they are in the runtime. Idempotent.
  void Stop();

  // The state of every pod the workers know, by uid.
  std::map<std::string, PodWorkState> States() const;
  std::optional<PodWorkState> State(absl::string_view uid) const;
  // Whether a kill of `uid` was requested and has not completed.
  bool IsTerminating(absl::string_view uid) const;
  // Handler calls running now.
  int Running() const;
  // Stop() was called: a long handler call may give up early.
  bool stopping() const;

 private:
  struct Worker {
    std::string uid;
    std::string full_name;
    std::optional<PodUpdate> pending;
    // A sync that arrived while the pod was terminating: it runs once the kill completed.
    std::optional<PodUpdate> after_termination;
    // The spec of the last sync and the last kill, replayed by EnqueueDueWork.
    corev1::PodPtr last_pod;
    std::optional<PodUpdate> last_kill;
    bool working = false;
    bool queued = false;
    bool terminating = false;
    bool waiting_for_name = false;
    int syncs = 0;
    absl::Status last_result;
    absl::Time next_due = absl::InfiniteFuture();
  };

  void ThreadMain();
  void UpdatePodLocked(PodUpdate update) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Puts the pod on the run queue when it has runnable work.
  void MaybeQueueLocked(Worker& worker) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool RunnableLocked(const Worker& worker) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the worker own its full name when nobody does; true when it owns it.
  bool ClaimNameLocked(Worker& worker) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CompleteLocked(const std::string& uid, UpdateType type, const absl::Status& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The uid left: pods waiting for its name may run.
  void ReleaseNameLocked(const std::string& full_name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static PodWorkState ToState(const Worker& worker);

  PodWorkHandler& handler_;
  Clock& clock_;
  const Options options_;
  runtime::metrics::HistogramFamily* durations_ = nullptr;

  mutable krl::Mutex mu_;
  std::map<std::string, Worker> workers_ ABSL_GUARDED_BY(mu_);  // by uid
  // full name -> the uid that owns it (started and not yet killed).
  std::map<std::string, std::string> name_owners_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> run_queue_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // written by the constructor and Stop() only
  krl::Mutex stop_mu_;                // serializes Stop()
};

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_AGENT_POD_WORKERS_H_
