// NodeAgent: a kubelet-like node agent core to embed. Give it a CRI runtime and image service
// (any implementation: the remote gRPC client, the in-process fakes, your own) and a clock, feed
// it the pods that should run (SetPods, e.g. from config::StaticPodSource), and it keeps the
// runtime running them: pod workers, PLEG, probes, runtime health, garbage collection, and the
// status of every pod.
//
//   auto agent = NodeAgent::Create(NodeAgent::Options(), *runtime_service, *image_service,
//                                  RealClock::Get(), &registry);
//   (*agent)->Start();  (*agent)->SetPods(pods);   // later: (*agent)->Stop(); pods keep running
//
// What it wires together (every piece reaches the runtime only through the CRI interfaces):
//   runtime/instrumented decorators (CRI operation metrics)
//   -> images::ImagePullManager + kuberuntime::KubeRuntimeManager (the container::Runtime)
//   -> the PLEG (pleg::NewPLEG: CRI events or relisting every second) and its pod status cache
//   -> prober::ProbeManager (liveness, readiness, startup)
//   -> PodWorkers (one serialized worker per pod on a bounded pool)
//
// The sync loop, as the kubelet's syncLoop, reacts to:
// - pod snapshots (SetPods: SET semantics; added or changed pods are synced, removed ones killed);
// - PLEG events (the pod is synced);
// - probe result changes (the pod is synced: a liveness or startup failure makes the runtime
//   manager restart the container, a readiness change refreshes the Ready condition);
// - a tick every `tick_period` (1 s): due resyncs (every `sync_frequency`, 10 s here against the
//   kubelet's 1 minute: with no API server to push changes, the resync is what bounds how late a
//   crash-loop back-off expiry is acted on, and a resync of an unchanged pod costs no CRI call as
//   it reads the PLEG's cache) and retries after errors (`error_backoff`, the kubelet's 10 s);
// - housekeeping every `housekeeping_period` (2 s, the kubelet's): running pods the agent does
//   not want (left by a previous run) are killed, once the pod source delivered its first
//   snapshot; the running pods and containers gauges are refreshed. Both read the PLEG's pod
//   cache (every pod's status as of the last relist or CRI event) rather than listing the
//   runtime again;
// - the runtime's Status every `runtime_status_period` (5 s, the kubelet's), polled on a thread of
//   its own so that a hung runtime's Status call does not stall the loop: while RuntimeReady is
//   false nothing is synced (the kubelet skips its sync loop) and the node is not ready; while only
//   NetworkReady is false, host-network pods still run and the others wait with the pod status
//   reason NetworkNotReady (their sync fails "network is not ready" and is retried);
// - garbage collection on its own thread: containers every minute, images every 5 minutes (the
//   kubelet's periods).
//
// A pod's sync reads the pod's status from the PLEG cache (a status read after the pod's previous
// sync ended, so a sync never acts on a view from before its predecessor's changes; a direct
// GetPodStatus after `status_wait_timeout` when the PLEG is stuck), generates the API status,
// checks the network, then calls Runtime::SyncPod. A kill reads the status from the runtime and
// calls KillPod.
//
// Stop() stops every thread of the agent and leaves pods running (like stopping the kubelet). A
// new agent on the same runtime adopts them: the runtime's labels carry every pod's uid, spec
// hash and restart count, so an unchanged pod is not touched.
//
// Threads: every public method may be called from any thread. `mu_` guards the desired pods,
// their API statuses, the runtime state and the loop's schedule; it is never held during a
// runtime call. With Options::run_threads false nothing runs by itself: a test drives the loop
// with Tick() (which also relists) and RunGarbageCollection(), on a FakeClock.
#ifndef KRL_KUBELET_CORE_AGENT_NODE_AGENT_H_
#define KRL_KUBELET_CORE_AGENT_NODE_AGENT_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/admission/pod_admit_handler.h"
#include "kubelet_core/agent/pod_workers.h"
#include "kubelet_core/agent/probe_results_adapter.h"
#include "kubelet_core/container/gc_policy.h"
#include "kubelet_core/container/pod_state_provider.h"
#include "kubelet_core/images/image_gc_manager.h"
#include "kubelet_core/images/image_pull_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "kubelet_core/pleg/cache.h"
#include "kubelet_core/pleg/generic_pleg.h"
#include "kubelet_core/pleg/new_pleg.h"
#include "kubelet_core/pleg/pleg_metrics.h"
#include "kubelet_core/pleg/pod_lifecycle_event_generator.h"
#include "kubelet_core/prober/probe_manager.h"
#include "runtime/image_service.h"
#include "runtime/instrumented/instrumented_image_service.h"
#include "runtime/instrumented/instrumented_runtime_service.h"
#include "runtime/instrumented/runtime_operation_metrics.h"
#include "runtime/metrics/registry.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace kubelet_core {
namespace agent {

// The pod status reason (and sync error) of a pod waiting for the network, as the kubelet's.
inline constexpr absl::string_view kNetworkNotReadyReason = "NetworkNotReady";

class NodeAgent final : private container::PodStateProvider {
 public:
  // NewPLEG's defaults, except the evented PLEG's global cache update: every second instead of
  // the kubelet's 5 s. A sync waits for a status read after its predecessor ended, and the events
  // of its own changes are older than that: without a newer event, the pod's next sync (and its
  // status) waits for that update. It costs no CRI call.
  static pleg::PlegOptions DefaultPlegOptions() {
    pleg::PlegOptions options;
    options.evented.global_cache_update_period = absl::Seconds(1);
    return options;
  }

  struct Options {
    // The node's name (for logs; the pod source applies it to static pods).
    std::string node_name = "node";
    // The runtime manager's options: log root, state folder, back-off, DNS, ... (probes and
    // pod_state are set by the agent).
    kuberuntime::KubeRuntimeManagerOptions runtime_manager;
    images::ImagePullManager::Options image_pull;
    images::ImageGcManager::Options image_gc;
    container::GCPolicy container_gc;
    // Pool size of the pod workers (see PodWorkers::Options for the default).
    int pod_workers = PodWorkers::kDefaultWorkers;
    int max_concurrent_probes = 4;

    absl::Duration tick_period = absl::Seconds(1);
    absl::Duration sync_frequency = absl::Seconds(10);
    absl::Duration error_backoff = absl::Seconds(10);
    absl::Duration housekeeping_period = absl::Seconds(2);
    absl::Duration runtime_status_period = absl::Seconds(5);
    absl::Duration container_gc_period = absl::Minutes(1);
    absl::Duration image_gc_period = absl::Minutes(5);
    absl::Duration status_wait_timeout = absl::Seconds(5);
    // The PLEG: evented (the CRI event stream, relisting every second while the runtime has
    // none, as containerd 1.6) by default; generic relisting (1 s, health threshold 3 minutes)
    // on request, and always when run_threads is false (Tick() relists). See DefaultPlegOptions.
    pleg::PlegOptions pleg = DefaultPlegOptions();
    // The sync loop is unhealthy (/healthz) when it has not ticked for this long.
    absl::Duration sync_loop_threshold = absl::Minutes(1);
    // The runtime check (/healthz) fails when no Status call succeeded for this long (a hung
    // runtime whose calls neither answer nor fail).
    absl::Duration runtime_status_threshold = absl::Seconds(30);

    // Admission, the kubelet's admit handlers: a new pod (or an edited spec) that fails one is
    // not run; its status is phase Failed with the handler's reason. Unsafe sysctls pods may set
    // (the kubelet's
    // --allowed-unsafe-sysctls: names, or prefixes ending in "*"); the safe ones always may.
    std::vector<std::string> allowed_unsafe_sysctls;
    // Whether the host enforces AppArmor (pods asking for a profile are refused otherwise);
    // unset: read from the kernel (admission::AppArmorAdmitHandler::HostStatus).
    std::optional<absl::Status> host_apparmor;
    // Checks of the embedder's own, run after the built-in ones. Admit is called with the agent's
    // lock held: it must be quick and must not call back into the NodeAgent.
    std::vector<std::shared_ptr<const admission::PodAdmitHandler>> admit_handlers;

    // Wrap the services in the instrumented decorators, recording CRI operation metrics in the
    // agent's registry. Turn off when the services given are instrumented already.
    bool instrument_cri = true;
    // false: no thread of the agent's own runs (tests drive Tick()); probes still run on the
    // ProbeManager's threads.
    bool run_threads = true;
  };

  // One /healthz check.
  struct HealthCheck {
    std::string name;  // "syncloop", "pleg", "runtime"
    absl::Status status;
  };

  // What the last runtime Status call said.
  struct RuntimeState {
    bool checked = false;  // a Status call completed at least once
    absl::Status error;    // the last call's error (the runtime cannot be reached)
    bool runtime_ready = false;
    bool network_ready = false;
    std::string runtime_reason;  // "reason: message" of a false RuntimeReady
    std::string network_reason;  // "reason: message" of a false NetworkReady
    absl::Time last_success = absl::InfinitePast();
  };

  // Builds every component; nothing runs before Start(). The services and `clock` are not owned
  // and must outlive the agent; `registry` may be null (the agent then owns one). Errors: bad
  // options, or the runtime does not answer Version (KubeRuntimeManager::Create).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<NodeAgent>> Create(
      Options options, runtime::RuntimeService& runtime_service,
      runtime::ImageService& image_service, Clock& clock,
      runtime::metrics::Registry* registry = nullptr);

  // Stop()s.
  ~NodeAgent() override;
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  // Checks the runtime's status once, relists once (so the pod cache is current), then starts the
  // threads (with run_threads). Call once.
  void Start();

  // Stops the loop, garbage collection, the PLEG, the pod workers (running syncs finish; nothing
  // new starts) and the probes. Pods keep running in the runtime. Idempotent.
  void Stop();

  // The full set of pods that should run (the kubelet's SET operation from a source). Pods are
  // keyed by uid: new uids are started, changed specs synced, missing uids killed. The first call
  // marks the source ready: from then on, running pods the agent does not want are killed (the
  // first snapshot kills them before any new pod starts, so a replaced pod never runs next to its
  // successor). Any thread, e.g. StaticPodSource's callback. The specs are shared, not copied:
  // the agent, its pod workers and the probes hold the same objects.
  void SetPods(const std::vector<corev1::PodPtr>& pods);
  // The same with pods given by value (each is copied once into a shared spec).
  void SetPods(const std::vector<corev1::Pod>& pods);

  // Every desired pod with its latest status, ordered by namespace/name (a copy of each).
  std::vector<corev1::Pod> Pods() const;
  // The latest status of one pod, nullopt when the agent does not have it.
  std::optional<corev1::Pod> GetPod(absl::string_view uid) const;
  // Every desired pod's shared spec, ordered by namespace/name, without copying any; with
  // GetPodStatus, what a reader of a thousand pods uses to take one at a time.
  std::vector<corev1::PodPtr> PodSpecs() const;
  // The latest API status of one pod, nullopt when the agent does not have it.
  std::optional<corev1::PodStatus> GetPodStatus(absl::string_view uid) const;

  // The /healthz checks: sync loop, PLEG, runtime. All OK means healthy.
  std::vector<HealthCheck> HealthChecks() const;
  // OK when the runtime and the network are ready and the PLEG is healthy; else why the node
  // is not ready.
  absl::Status NodeReady() const;
  RuntimeState runtime_state() const;

  // The registry every metric of the agent goes to (/metrics renders it).
  runtime::metrics::Registry& registry() { return *registry_; }

  // --- Driving the loop by hand (Options::run_threads = false) ---
  // One loop iteration: relist (without run_threads), runtime status when due, PLEG events, due
  // resyncs, housekeeping when due.
  void Tick();
  // Container and image garbage collection now (normally on the GC thread).
  void RunGarbageCollection(bool images);
  // Waits (real time) until the pod workers are idle; false on timeout.
  [[nodiscard]] bool WaitForWorkersIdle(absl::Duration timeout = absl::Seconds(10)) const;

  // The components, for tests and embedders that want more.
  kuberuntime::KubeRuntimeManager& runtime_manager() { return *manager_; }
  PodWorkers& pod_workers() { return *workers_; }
  pleg::PodLifecycleEventGenerator& pleg() { return *pleg_; }
  // The relisting part of the PLEG (the generic PLEG itself, or the evented one's fallback).
  pleg::GenericPLEG& relister() { return *relister_; }
  pleg::Cache& pod_cache() { return cache_; }
  prober::ProbeManager& probe_manager() { return *probes_; }

 private:
  class WorkHandler;

  NodeAgent(Options options, Clock& clock, runtime::metrics::Registry* registry);

  // --- Sync loop ---
  void LoopMain();
  void GcMain();
  // Polls the runtime's Status every runtime_status_period (with run_threads).
  void RuntimeStatusMain();
  // Waits up to `slice` (real time) for Stop(); true when stopping. The background loops wait in
  // real-time slices to stop promptly, while their schedules run on the agent's clock.
  bool StopsWithin(absl::Duration slice);
  void UpdateRuntimeStatus();
  void HandlePlegEvents();
  // Kills running pods the agent does not want (orphans); needs the source to be ready.
  void HandlePodCleanups();
  // Sends a sync for every desired pod (after the runtime came back).
  void SyncAllDesired();
  void OnProbeUpdate(const prober::ProbeUpdate& update);
  void SyncPodByUid(const std::string& uid);

  // --- Pod work (on pod worker threads) ---
  absl::Status SyncPod(const corev1::PodPtr& desired);
  absl::Status KillPod(const PodUpdate& update);
  // The pod's status newer than `after` from the cache, or from the runtime.
  absl::StatusOr<container::PodStatus> ReadPodStatus(const corev1::Pod& pod, absl::Time after);
  void StoreStatus(const std::string& uid, corev1::PodStatus status);

  // --- PodStateProvider (garbage collection) ---
  bool ShouldPodContentBeRemoved(absl::string_view uid) const override;
  bool ShouldPodRuntimeBeRemoved(absl::string_view uid) const override;

  const Options options_;
  Clock& clock_;

  std::unique_ptr<runtime::metrics::Registry> own_registry_;
  runtime::metrics::Registry* registry_ = nullptr;
  std::unique_ptr<runtime::instrumented::RuntimeOperationMetrics> cri_metrics_;
  std::unique_ptr<runtime::RuntimeService> instrumented_runtime_;
  std::unique_ptr<runtime::ImageService> instrumented_images_;
  runtime::RuntimeService* runtime_service_ = nullptr;  // instrumented or the caller's
  runtime::ImageService* image_service_ = nullptr;

  std::unique_ptr<prober::ProbeManager> probes_;
  std::unique_ptr<ProbeResultsAdapter> probe_results_;
  std::unique_ptr<images::ImagePullManager> image_manager_;
  std::unique_ptr<images::ImageGcManager> image_gc_;
  std::unique_ptr<kuberuntime::KubeRuntimeManager> manager_;
  pleg::Cache cache_;
  std::unique_ptr<pleg::PodLifecycleEventGenerator> pleg_;
  pleg::GenericPLEG* relister_ = nullptr;
  std::unique_ptr<WorkHandler> handler_;
  std::unique_ptr<PodWorkers> workers_;
  // The PLEG's running pods and containers gauges, also set by housekeeping.
  std::unique_ptr<pleg::PlegMetrics> pleg_metrics_;
  runtime::metrics::Gauge* desired_pods_gauge_ = nullptr;
  runtime::metrics::Gauge* node_ready_gauge_ = nullptr;

  // A pod the agent runs: its shared spec and its latest API status.
  struct DesiredPod {
    corev1::PodPtr spec;
    corev1::PodStatus status;
    // Refused at admission: kept for its status, never run.
    bool rejected = false;
  };

  // The first admit handler that refuses `pod`, or an admitting result.
  admission::AdmitResult Admit(const corev1::Pod& pod) const;
  // Runs admission for a pod new to the agent or whose spec changed; when refused, marks
  // `desired` rejected with the kubelet's Failed status and returns true.
  bool RejectIfRefused(const corev1::PodPtr& pod, DesiredPod* desired);

  mutable krl::Mutex mu_;
  // Desired pods by uid.
  // Built-in admit handlers first, then Options::admit_handlers. Immutable after Create.
  std::vector<std::shared_ptr<const admission::PodAdmitHandler>> admit_handlers_;
  std::map<std::string, DesiredPod> pods_ ABSL_GUARDED_BY(mu_);
  // When each pod's last sync ended (GetNewerThan's bound).
  std::map<std::string, absl::Time> last_sync_end_ ABSL_GUARDED_BY(mu_);
  bool sources_ready_ ABSL_GUARDED_BY(mu_) = false;
  RuntimeState runtime_ ABSL_GUARDED_BY(mu_);
  // The runtime was down: every desired pod is synced once it is back.
  bool resync_all_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_tick_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_runtime_status_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_housekeeping_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  krl::Mutex stop_mu_;  // serializes Stop()
  std::thread loop_thread_;
  std::thread status_thread_;
  std::thread gc_thread_;
};

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_AGENT_NODE_AGENT_H_
