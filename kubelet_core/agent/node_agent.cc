#include "kubelet_core/agent/node_agent.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kubelet_core/admission/apparmor_admit_handler.h"
#include "kubelet_core/admission/extended_resource_admit_handler.h"
#include "kubelet_core/admission/sysctl_admit_handler.h"
#include "kubelet_core/container/api_pod_status.h"
#include "kubelet_core/container/helpers.h"
#include "kubelet_core/container/pod_status.h"
#include "kubelet_core/pleg/pod_lifecycle_event.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

// How long the loop thread waits for a PLEG event at most before it re-checks its schedule and
// whether it must stop.
constexpr absl::Duration kMaxEventWait = absl::Milliseconds(200);
// How often the runtime status thread looks at its schedule (and at Stop()).
constexpr absl::Duration kStatusWaitSlice = absl::Milliseconds(200);

std::string FullName(const corev1::Pod& pod) {
  return absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name);
}

std::string ConditionText(const container::RuntimeCondition& c) {
  std::string text = c.reason.empty() ? "not ready" : c.reason;
  if (!c.message.empty()) absl::StrAppend(&text, ": ", c.message);
  return text;
}

}  // namespace

// Forwards the pod workers' calls to the agent.
class NodeAgent::WorkHandler final : public PodWorkHandler {
 public:
  explicit WorkHandler(NodeAgent& agent) : agent_(agent) {}
  absl::Status HandlePodWork(const PodUpdate& update) override {
    if (update.type == UpdateType::kKill) return agent_.KillPod(update);
    return agent_.SyncPod(update.pod);
  }

 private:
  NodeAgent& agent_;
};

NodeAgent::NodeAgent(Options options, Clock& clock, runtime::metrics::Registry* registry)
    : options_(std::move(options)), clock_(clock) {
  if (registry == nullptr) {
    own_registry_ = std::make_unique<runtime::metrics::Registry>();
    registry = own_registry_.get();
  }
  registry_ = registry;
}

absl::StatusOr<std::unique_ptr<NodeAgent>> NodeAgent::Create(
    Options options, runtime::RuntimeService& runtime_service, runtime::ImageService& image_service,
    Clock& clock, runtime::metrics::Registry* registry) {
  if (options.tick_period <= absl::ZeroDuration() ||
      options.sync_frequency <= absl::ZeroDuration() ||
      options.error_backoff <= absl::ZeroDuration() ||
      options.housekeeping_period <= absl::ZeroDuration() ||
      options.runtime_status_period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("node agent: every period must be positive");
  }
  if (options.pod_workers < 1) {
    return absl::InvalidArgumentError("node agent: pod_workers must be at least 1");
  }
  // Before anything is built: a bad option leaves nothing to stop.
  absl::StatusOr<std::unique_ptr<admission::SysctlAdmitHandler>> sysctls =
      admission::SysctlAdmitHandler::Create(options.allowed_unsafe_sysctls);
  if (!sysctls.ok()) return sysctls.status();
  std::unique_ptr<NodeAgent> agent(new NodeAgent(std::move(options), clock, registry));
  NodeAgent& a = *agent;
  const Options& o = a.options_;

  a.admit_handlers_.push_back(std::move(*sysctls));
  a.admit_handlers_.push_back(std::make_shared<admission::AppArmorAdmitHandler>(
      o.host_apparmor ? *o.host_apparmor : admission::AppArmorAdmitHandler::HostStatus()));
  a.admit_handlers_.push_back(std::make_shared<admission::ExtendedResourceAdmitHandler>());
  for (const auto& handler : o.admit_handlers) {
    if (handler != nullptr) a.admit_handlers_.push_back(handler);
  }

  if (o.instrument_cri) {
    a.cri_metrics_ = std::make_unique<runtime::instrumented::RuntimeOperationMetrics>(*a.registry_);
    a.instrumented_runtime_ = std::make_unique<runtime::instrumented::InstrumentedRuntimeService>(
        runtime_service, *a.cri_metrics_, clock);
    a.instrumented_images_ = std::make_unique<runtime::instrumented::InstrumentedImageService>(
        image_service, *a.cri_metrics_, clock);
    a.runtime_service_ = a.instrumented_runtime_.get();
    a.image_service_ = a.instrumented_images_.get();
  } else {
    a.runtime_service_ = &runtime_service;
    a.image_service_ = &image_service;
  }

  prober::ProbeManager::Options probe_options;
  probe_options.max_concurrent_probes = std::max(1, o.max_concurrent_probes);
  NodeAgent* self = agent.get();
  probe_options.on_update = [self](const prober::ProbeUpdate& update) {
    self->OnProbeUpdate(update);
  };
  a.probes_ = std::make_unique<prober::ProbeManager>(*a.runtime_service_, clock, probe_options);
  a.probe_results_ = std::make_unique<ProbeResultsAdapter>(a.probes_->results());

  absl::StatusOr<std::unique_ptr<images::ImagePullManager>> image_manager =
      images::ImagePullManager::Create(*a.image_service_, clock, o.image_pull);
  if (!image_manager.ok()) return image_manager.status();
  a.image_manager_ = *std::move(image_manager);

  absl::StatusOr<std::unique_ptr<images::ImageGcManager>> image_gc =
      images::ImageGcManager::Create(*a.runtime_service_, *a.image_service_, clock, o.image_gc);
  if (!image_gc.ok()) return image_gc.status();
  a.image_gc_ = *std::move(image_gc);

  kuberuntime::KubeRuntimeManagerOptions manager_options = o.runtime_manager;
  manager_options.probes = a.probe_results_.get();
  manager_options.pod_state = &a;
  manager_options.registry = a.registry_;
  absl::StatusOr<std::unique_ptr<kuberuntime::KubeRuntimeManager>> manager =
      kuberuntime::KubeRuntimeManager::Create(*a.runtime_service_, *a.image_service_,
                                              *a.image_manager_, clock, manager_options);
  if (!manager.ok()) return manager.status();
  a.manager_ = *std::move(manager);

  pleg::PlegOptions pleg_options = o.pleg;
  // Tick() relists by hand without threads; only the generic PLEG can be stepped that way.
  if (!o.run_threads) pleg_options.kind = pleg::PlegKind::kGeneric;
  a.pleg_ =
      pleg::NewPLEG(pleg_options, *a.manager_, a.runtime_service_, a.cache_, clock, a.registry_);
  if (auto* evented = dynamic_cast<pleg::EventedPLEG*>(a.pleg_.get())) {
    a.relister_ = &evented->relister();
  } else {
    a.relister_ = dynamic_cast<pleg::GenericPLEG*>(a.pleg_.get());
  }
  if (a.relister_ == nullptr) return absl::InternalError("node agent: unknown PLEG kind");

  a.handler_ = std::make_unique<WorkHandler>(a);
  PodWorkers::Options worker_options;
  worker_options.workers = o.pod_workers;
  worker_options.resync_interval = o.sync_frequency;
  worker_options.error_backoff = o.error_backoff;
  a.workers_ = std::make_unique<PodWorkers>(*a.handler_, clock, worker_options, a.registry_);

  a.pleg_metrics_ = std::make_unique<pleg::PlegMetrics>(*a.registry_);
  a.desired_pods_gauge_ = &a.registry_->AddGauge(
      "kubelet_desired_pods", "The number of pods the agent is asked to run (its pod source).");
  a.node_ready_gauge_ = &a.registry_->AddGauge(
      "krl_node_ready", "1 when the runtime and its network are ready and the PLEG is healthy.");
  return agent;
}

NodeAgent::~NodeAgent() {
  Stop();
  // The probe threads call back into the agent: end them before anything they reach.
  probes_.reset();
}

void NodeAgent::Start() {
  {
    krl::MutexLock lock(&mu_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  UpdateRuntimeStatus();
  // One relist before anything else, so the first syncs find the cache current and adopt what
  // already runs.
  relister_->Relist();
  log::Info("node agent started", {{"node", options_.node_name},
                                   {"runtime", manager_->Type()},
                                   {"workers", options_.pod_workers}});
  if (!options_.run_threads) return;
  pleg_->Start();
  loop_thread_ = std::thread([this] { LoopMain(); });
  status_thread_ = std::thread([this] { RuntimeStatusMain(); });
  gc_thread_ = std::thread([this] { GcMain(); });
}

void NodeAgent::Stop() {
  krl::MutexLock stop_lock(&stop_mu_);
  bool was_started;
  {
    krl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    was_started = started_;
  }
  if (loop_thread_.joinable()) loop_thread_.join();
  if (status_thread_.joinable()) status_thread_.join();
  if (gc_thread_.joinable()) gc_thread_.join();
  pleg_->Stop();
  workers_->Stop();
  if (was_started)
    log::Info("node agent stopped; pods keep running", {{"node", options_.node_name}});
}

// ---------------------------------------------------------------------------------------------
// Pods in

void NodeAgent::SetPods(const std::vector<corev1::Pod>& pods) {
  std::vector<corev1::PodPtr> shared;
  shared.reserve(pods.size());
  for (const corev1::Pod& pod : pods) shared.push_back(std::make_shared<const corev1::Pod>(pod));
  SetPods(shared);
}

void NodeAgent::SetPods(const std::vector<corev1::PodPtr>& pods) {
  std::vector<PodUpdate> kills;
  std::vector<corev1::PodPtr> syncs;
  bool first = false;
  bool runtime_ready = false;
  {
    krl::MutexLock lock(&mu_);
    if (stopping_) return;
    first = !sources_ready_;
    sources_ready_ = true;
    std::map<std::string, DesiredPod> next;
    for (const corev1::PodPtr& pod : pods) {
      if (pod == nullptr) continue;
      if (pod->metadata.uid.empty()) {
        log::Warning("pod without a uid ignored", {{"pod", FullName(*pod)}});
        continue;
      }
      if (next.count(pod->metadata.uid) != 0) continue;  // a repeated uid: the first one counts
      auto old = pods_.find(pod->metadata.uid);
      if (old != pods_.end()) {
        DesiredPod& desired = next[pod->metadata.uid];
        desired.status = std::move(old->second.status);
        desired.rejected = old->second.rejected;
        // An unchanged spec keeps the object the workers already hold.
        if (old->second.spec == pod || corev1::SpecEquals(*old->second.spec, *pod)) {
          desired.spec = std::move(old->second.spec);
          continue;
        }
        desired.spec = pod;
        // An edited spec under the same uid (a manifest that sets metadata.uid, an embedder's
        // source) is admitted again: what it asks now may be what the node refuses.
        const bool was_rejected = desired.rejected;
        desired.rejected = false;
        if (was_rejected) {
          desired.status = container::GenerateAPIPodStatus(*pod, container::PodStatus(), nullptr,
                                                           nullptr, clock_.Now());
        }
        if (RejectIfRefused(pod, &desired)) {
          // Running as admitted before: it stops now rather than go on under a spec refused.
          if (!was_rejected) kills.push_back(PodUpdate::Kill(old->second.spec));
          continue;
        }
      } else {
        DesiredPod& desired = next[pod->metadata.uid];
        desired.spec = pod;
        // Until its first sync: Pending, containers waiting ContainerCreating.
        desired.status = container::GenerateAPIPodStatus(*pod, container::PodStatus(), nullptr,
                                                         nullptr, clock_.Now());
        log::Info("pod added", {{"pod", FullName(*pod)}, {"uid", pod->metadata.uid}});
        if (RejectIfRefused(pod, &desired)) continue;
      }
      syncs.push_back(pod);
    }
    for (auto& [uid, pod] : pods_) {
      if (next.count(uid) != 0) continue;
      log::Info("pod removed", {{"pod", FullName(*pod.spec)}, {"uid", uid}});
      kills.push_back(PodUpdate::Kill(pod.spec));
      last_sync_end_.erase(uid);
    }
    pods_ = std::move(next);
    desired_pods_gauge_->Set(static_cast<double>(pods_.size()));
    runtime_ready = runtime_.runtime_ready;
    if (!runtime_ready) resync_all_ = true;
  }
  for (PodUpdate& kill : kills) workers_->UpdatePod(std::move(kill));
  // The first snapshot says which running pods are not wanted: kill them before new pods start,
  // so an edited pod's successor never runs next to it.
  if (first) HandlePodCleanups();
  if (!runtime_ready) return;
  for (corev1::PodPtr& pod : syncs) workers_->UpdatePod(PodUpdate::Sync(std::move(pod)));
}

admission::AdmitResult NodeAgent::Admit(const corev1::Pod& pod) const {
  for (const auto& handler : admit_handlers_) {
    admission::AdmitResult result = handler->Admit(pod);
    if (!result.admit) return result;
  }
  return admission::AdmitResult::Admitted();
}

bool NodeAgent::RejectIfRefused(const corev1::PodPtr& pod, DesiredPod* desired) {
  admission::AdmitResult result = Admit(*pod);
  if (result.admit) return false;
  log::Warning("pod rejected at admission", {{"pod", FullName(*pod)},
                                             {"uid", pod->metadata.uid},
                                             {"reason", result.reason},
                                             {"message", result.message}});
  desired->rejected = true;
  desired->status = corev1::PodStatus();
  desired->status.phase = corev1::PodPhase::kFailed;
  desired->status.reason = result.reason;
  desired->status.message = absl::StrCat("Pod was rejected: ", result.message);
  return true;
}

std::vector<corev1::Pod> NodeAgent::Pods() const {
  std::vector<corev1::Pod> out;
  {
    krl::MutexLock lock(&mu_);
    out.reserve(pods_.size());
    for (const auto& [uid, desired] : pods_) {
      out.push_back(*desired.spec);
      out.back().status = desired.status;
    }
  }
  std::sort(out.begin(), out.end(), [](const corev1::Pod& a, const corev1::Pod& b) {
    return std::tie(a.metadata.namespace_, a.metadata.name, a.metadata.uid) <
           std::tie(b.metadata.namespace_, b.metadata.name, b.metadata.uid);
  });
  return out;
}

std::optional<corev1::Pod> NodeAgent::GetPod(absl::string_view uid) const {
  krl::MutexLock lock(&mu_);
  auto it = pods_.find(std::string(uid));
  if (it == pods_.end()) return std::nullopt;
  corev1::Pod pod = *it->second.spec;
  pod.status = it->second.status;
  return pod;
}

std::vector<corev1::PodPtr> NodeAgent::PodSpecs() const {
  std::vector<corev1::PodPtr> out;
  {
    krl::MutexLock lock(&mu_);
    out.reserve(pods_.size());
    for (const auto& [uid, desired] : pods_) out.push_back(desired.spec);
  }
  std::sort(out.begin(), out.end(), [](const corev1::PodPtr& a, const corev1::PodPtr& b) {
    return std::tie(a->metadata.namespace_, a->metadata.name, a->metadata.uid) <
           std::tie(b->metadata.namespace_, b->metadata.name, b->metadata.uid);
  });
  return out;
}

std::optional<corev1::PodStatus> NodeAgent::GetPodStatus(absl::string_view uid) const {
  krl::MutexLock lock(&mu_);
  auto it = pods_.find(std::string(uid));
  if (it == pods_.end()) return std::nullopt;
  return it->second.status;
}

// ---------------------------------------------------------------------------------------------
// The loop

void NodeAgent::LoopMain() {
  absl::Time next_tick = clock_.Now();
  while (true) {
    {
      krl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (clock_.Now() >= next_tick) {
      Tick();
      next_tick = clock_.Now() + options_.tick_period;
    }
    // Events are handled as they come, not only on ticks.
    absl::Duration wait = std::min(kMaxEventWait, next_tick - clock_.Now());
    if (wait < absl::ZeroDuration()) wait = absl::ZeroDuration();
    std::optional<pleg::PodLifecycleEvent> event = pleg_->Watch().Pop(wait);
    if (!event.has_value()) continue;
    bool runtime_ready;
    {
      krl::MutexLock lock(&mu_);
      runtime_ready = runtime_.runtime_ready;
    }
    if (runtime_ready && event->type != pleg::PodLifecycleEventType::kContainerRemoved) {
      SyncPodByUid(event->pod_id);
    }
    HandlePlegEvents();
  }
}

void NodeAgent::Tick() {
  if (!options_.run_threads) relister_->Relist();
  const absl::Time now = clock_.Now();
  bool status_due;
  bool housekeeping_due;
  {
    krl::MutexLock lock(&mu_);
    last_tick_ = now;
    // With threads, the runtime's status has a thread of its own (as the kubelet's
    // updateRuntimeUp): a Status call hung until its deadline must not stall the loop.
    status_due = !options_.run_threads && now >= next_runtime_status_;
    housekeeping_due = now >= next_housekeeping_;
    if (housekeeping_due) next_housekeeping_ = now + options_.housekeeping_period;
  }
  if (status_due) UpdateRuntimeStatus();
  HandlePlegEvents();

  bool runtime_ready;
  bool resync_all;
  {
    krl::MutexLock lock(&mu_);
    runtime_ready = runtime_.runtime_ready;
    resync_all = runtime_ready && resync_all_;
    if (resync_all) resync_all_ = false;
  }
  if (!runtime_ready) {
    log::Debug("skipping pod synchronization: container runtime is not ready");
    return;
  }
  if (resync_all) SyncAllDesired();
  workers_->EnqueueDueWork();
  if (housekeeping_due) HandlePodCleanups();
}

void NodeAgent::HandlePlegEvents() {
  std::vector<pleg::PodLifecycleEvent> events = pleg_->Watch().Drain();
  if (events.empty()) return;
  bool runtime_ready;
  {
    krl::MutexLock lock(&mu_);
    runtime_ready = runtime_.runtime_ready;
  }
  if (!runtime_ready) return;  // every pod is synced once the runtime is back
  std::set<std::string> uids;
  for (const pleg::PodLifecycleEvent& event : events) {
    log::Debug("pleg event", {{"type", pleg::EventTypeName(event.type)},
                              {"pod", event.pod_id},
                              {"container", event.container_id}});
    // A removed container needs no sync (the kubelet skips it too).
    if (event.type == pleg::PodLifecycleEventType::kContainerRemoved) continue;
    uids.insert(event.pod_id);
  }
  for (const std::string& uid : uids) SyncPodByUid(uid);
}

void NodeAgent::SyncPodByUid(const std::string& uid) {
  corev1::PodPtr pod;
  {
    krl::MutexLock lock(&mu_);
    if (stopping_) return;
    auto it = pods_.find(uid);
    if (it == pods_.end()) return;  // not ours (housekeeping kills it) or being killed
    if (it->second.rejected) return;
    pod = it->second.spec;
  }
  workers_->UpdatePod(PodUpdate::Sync(std::move(pod)));
}

void NodeAgent::SyncAllDesired() {
  std::vector<corev1::PodPtr> pods;
  {
    krl::MutexLock lock(&mu_);
    pods.reserve(pods_.size());
    for (const auto& [uid, desired] : pods_) {
      if (!desired.rejected) pods.push_back(desired.spec);
    }
  }
  for (corev1::PodPtr& pod : pods) workers_->UpdatePod(PodUpdate::Sync(std::move(pod)));
}

void NodeAgent::OnProbeUpdate(const prober::ProbeUpdate& update) {
  log::Info("probe result changed", {{"pod", update.pod_name},
                                     {"container", update.container_name},
                                     {"probe", prober::ToString(update.type)},
                                     {"result", prober::ToString(update.result)}});
  // The sync restarts a container that failed liveness or startup (the runtime manager reads
  // the results), and refreshes readiness in the status.
  SyncPodByUid(update.pod_uid);
}

void NodeAgent::HandlePodCleanups() {
  {
    krl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
  // Every pod the runtime has, dead ones too, as the PLEG's cache holds them (from its relists,
  // and from CRI events as they come): listing the runtime again every 2 s would cost as much as
  // a relist. The PLEG sets the gauges at each relist as well, but the evented PLEG relists only
  // every few minutes.
  pleg::RunningCounts counts;
  std::vector<container::Pod> orphans;
  bool sources_ready;
  {
    krl::MutexLock lock(&mu_);
    sources_ready = sources_ready_;
    cache_.ForEach([&](const std::string& uid,
                       const pleg::CacheEntry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      counts.Add(entry.status);
      // Until the source spoke, every running pod may still be wanted.
      if (!sources_ready) return;
      // A refused pod never runs: one running under its uid (an earlier agent's) is killed.
      if (auto it = pods_.find(uid); it != pods_.end() && !it->second.rejected) return;
      if (!pleg::RunningCounts::Runs(entry.status)) return;
      orphans.push_back(container::ConvertPodStatusToRunningPod(manager_->Type(), entry.status));
    });
  }
  pleg_metrics_->Record(counts);
  for (container::Pod& pod : orphans) {
    if (workers_->IsTerminating(pod.id)) continue;  // its kill is pending or retried
    log::Info("killing a running pod the agent does not want",
              {{"pod", absl::StrCat(pod.namespace_, "/", pod.name)}, {"uid", pod.id}});
    workers_->UpdatePod(PodUpdate::KillOrphan(std::move(pod)));
  }
}

void NodeAgent::UpdateRuntimeStatus() {
  absl::StatusOr<std::vector<container::RuntimeCondition>> conditions = manager_->Status();
  const absl::Time now = clock_.Now();
  RuntimeState next;
  next.checked = true;
  if (!conditions.ok()) {
    next.error = conditions.status();
    next.runtime_reason = std::string(conditions.status().message());
  } else {
    bool saw_runtime = false;
    bool saw_network = false;
    for (const container::RuntimeCondition& c : *conditions) {
      if (c.type == "RuntimeReady") {
        saw_runtime = true;
        next.runtime_ready = c.status;
        if (!c.status) next.runtime_reason = ConditionText(c);
      } else if (c.type == "NetworkReady") {
        saw_network = true;
        next.network_ready = c.status;
        if (!c.status) next.network_reason = ConditionText(c);
      }
    }
    if (!saw_runtime) next.runtime_reason = "the runtime reports no RuntimeReady condition";
    if (!saw_network) next.network_reason = "the runtime reports no NetworkReady condition";
    next.last_success = now;
  }
  bool runtime_changed;
  bool network_changed;
  {
    krl::MutexLock lock(&mu_);
    if (!conditions.ok()) next.last_success = runtime_.last_success;
    runtime_changed = !runtime_.checked || runtime_.runtime_ready != next.runtime_ready;
    network_changed = !runtime_.checked || runtime_.network_ready != next.network_ready;
    if (runtime_.runtime_ready && !next.runtime_ready) resync_all_ = true;
    runtime_ = next;
    next_runtime_status_ = now + options_.runtime_status_period;
  }
  if (runtime_changed) {
    if (next.runtime_ready) {
      log::Info("container runtime is ready");
    } else {
      log::Warning("container runtime is not ready: node not ready",
                   {{"reason", next.runtime_reason}});
    }
  }
  if (network_changed) {
    if (next.network_ready) {
      log::Info("container runtime network is ready");
    } else {
      log::Warning(
          "container runtime network is not ready: node not ready; only host-network "
          "pods run",
          {{"reason", next.network_reason}});
    }
  }
  node_ready_gauge_->Set(NodeReady().ok() ? 1 : 0);
}

bool NodeAgent::StopsWithin(absl::Duration slice) {
  krl::MutexLock lock(&mu_);
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  return mu_.AwaitWithTimeout(absl::Condition(&stopping), slice);
}

void NodeAgent::RuntimeStatusMain() {
  while (!StopsWithin(kStatusWaitSlice)) {
    bool due;
    {
      krl::MutexLock lock(&mu_);
      due = clock_.Now() >= next_runtime_status_;
    }
    if (due) UpdateRuntimeStatus();
  }
}

// ---------------------------------------------------------------------------------------------
// Garbage collection

void NodeAgent::GcMain() {
  absl::Time next_container_gc = clock_.Now() + options_.container_gc_period;
  absl::Time next_image_gc = clock_.Now() + options_.image_gc_period;
  while (!StopsWithin(absl::Seconds(1))) {
    const absl::Time now = clock_.Now();
    if (now < next_container_gc) continue;
    const bool images = now >= next_image_gc;
    RunGarbageCollection(images);
    next_container_gc = clock_.Now() + options_.container_gc_period;
    if (images) next_image_gc = clock_.Now() + options_.image_gc_period;
  }
}

void NodeAgent::RunGarbageCollection(bool images) {
  bool sources_ready;
  {
    krl::MutexLock lock(&mu_);
    sources_ready = sources_ready_;
  }
  absl::Status gc = manager_->GarbageCollect(options_.container_gc, sources_ready,
                                             /*evict_non_deleted_pods=*/false);
  if (!gc.ok()) log::Warning("container garbage collection failed", {{"error", gc}});
  if (!images) return;
  images::ImageGcManager::Result result = image_gc_->GarbageCollect();
  if (!result.status.ok()) {
    log::Warning("image garbage collection failed", {{"error", result.status}});
  } else if (!result.removed.empty()) {
    log::Info("image garbage collection",
              {{"removed", result.removed.size()}, {"bytes_freed", result.bytes_freed}});
  }
}

// ---------------------------------------------------------------------------------------------
// Pod work

absl::StatusOr<container::PodStatus> NodeAgent::ReadPodStatus(const corev1::Pod& pod,
                                                              absl::Time after) {
  absl::StatusOr<pleg::CacheEntry> entry =
      cache_.GetNewerThan(pod.metadata.uid, after, options_.status_wait_timeout);
  if (entry.ok()) {
    if (!entry->error.ok()) return entry->error;
    return std::move(entry->status);
  }
  // The PLEG did not relist in time: read the runtime directly rather than wait forever.
  log::Debug("pod cache not fresh in time; reading the runtime",
             {{"pod", FullName(pod)}, {"error", entry.status()}});
  return manager_->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
}

void NodeAgent::StoreStatus(const std::string& uid, corev1::PodStatus status) {
  // Kept for every pod until its next sync: no spare capacity (a status of 5 containers is
  // built by push_back, with room for 8).
  status.container_statuses.shrink_to_fit();
  status.init_container_statuses.shrink_to_fit();
  status.conditions.shrink_to_fit();
  krl::MutexLock lock(&mu_);
  auto it = pods_.find(uid);
  // A pod refused meanwhile (its spec edited) keeps its Failed status.
  if (it == pods_.end() || it->second.rejected) return;
  it->second.status = std::move(status);
}

absl::Status NodeAgent::SyncPod(const corev1::PodPtr& desired) {
  const std::string& uid = desired->metadata.uid;
  absl::Time after;
  // The spec with the previous API status, which GenerateAPIPodStatus reads (transition times):
  // one copy for the length of the sync.
  corev1::Pod pod = *desired;
  bool network_ready;
  std::string network_reason;
  {
    krl::MutexLock lock(&mu_);
    auto it = pods_.find(uid);
    if (it == pods_.end() || it->second.rejected) {
      return absl::OkStatus();  // removed or refused meanwhile; a kill follows
    }
    pod.status = it->second.status;  // the previous status (transition times)
    auto last = last_sync_end_.find(uid);
    after = last == last_sync_end_.end() ? absl::InfinitePast() : last->second;
    network_ready = runtime_.network_ready;
    network_reason = runtime_.network_reason;
  }
  // As the kubelet's pod workers: the next sync needs a status read after this one ended, so it
  // never acts again on a view from before its own changes (a container seen "created" while
  // this sync was starting it would be started twice).
  auto mark_synced = [&] {
    krl::MutexLock lock(&mu_);
    if (pods_.count(uid) != 0) last_sync_end_[uid] = clock_.Now();
  };
  probes_->AddPod(desired);

  absl::StatusOr<container::PodStatus> status = ReadPodStatus(pod, after);
  if (!status.ok()) {
    return absl::Status(
        status.status().code(),
        absl::StrCat("reading the status of pod ", FullName(pod), ": ", status.status().message()));
  }
  corev1::PodStatus api = manager_->GenerateAPIPodStatus(pod, *status);

  if (!network_ready && !pod.spec.host_network) {
    api.reason = std::string(kNetworkNotReadyReason);
    api.message = absl::StrCat("network is not ready: ", network_reason);
    StoreStatus(uid, api);
    mark_synced();
    return absl::UnavailableError(absl::StrCat("network is not ready: ", network_reason));
  }
  probes_->ObservePodStatus(uid, api);
  StoreStatus(uid, api);

  container::PodSyncResult result = manager_->SyncPod(pod, *status);
  mark_synced();
  // The sync's failures (CrashLoopBackOff, ErrImagePull, ...) show at once, not at the next sync.
  // What it started shows after the PLEG saw it (within a second): re-reading the pod here would
  // double the CRI calls of every pod start.
  pod.status = api;
  StoreStatus(uid, manager_->GenerateAPIPodStatus(pod, *status));
  absl::Status error = result.Error();
  if (!error.ok()) {
    log::Debug("pod sync failed", {{"pod", FullName(pod)}, {"error", error}});
  }
  return error;
}

absl::Status NodeAgent::KillPod(const PodUpdate& update) {
  const std::string uid = update.Uid();
  std::string name;
  std::string namespace_;
  if (update.pod != nullptr) {
    name = update.pod->metadata.name;
    namespace_ = update.pod->metadata.namespace_;
  } else if (update.running_pod.has_value()) {
    name = update.running_pod->name;
    namespace_ = update.running_pod->namespace_;
  }
  // Fresh from the runtime: the kill must see every container, including one started a moment
  // ago by a sync the cache has not caught up with.
  absl::StatusOr<container::PodStatus> status = manager_->GetPodStatus(uid, name, namespace_);
  container::Pod running;
  if (status.ok()) {
    running = container::ConvertPodStatusToRunningPod(manager_->Type(), *status);
  } else {
    // A status the runtime answers badly (a container without its spec hash, say) must not make
    // the pod unkillable: stop what the runtime's lists show, as the kubelet's cleanup does.
    absl::StatusOr<std::vector<container::Pod>> listed = manager_->GetPods(/*all=*/true);
    if (!listed.ok()) return status.status();
    log::Warning("pod status unreadable; killing what the runtime lists for it",
                 {{"pod", update.FullName()}, {"uid", uid}, {"error", status.status()}});
    running.id = uid;
    for (container::Pod& pod : *listed) {
      if (pod.id == uid) running = std::move(pod);
    }
  }
  absl::Status killed = manager_->KillPod(update.pod.get(), running, update.grace_period_override);
  if (!killed.ok()) return killed;
  probes_->RemovePod(uid);
  log::Info("pod killed", {{"pod", update.FullName()}, {"uid", uid}});
  return absl::OkStatus();
}

bool NodeAgent::WaitForWorkersIdle(absl::Duration timeout) const {
  return workers_->WaitIdle(timeout);
}

// ---------------------------------------------------------------------------------------------
// Health

NodeAgent::RuntimeState NodeAgent::runtime_state() const {
  krl::MutexLock lock(&mu_);
  return runtime_;
}

std::vector<NodeAgent::HealthCheck> NodeAgent::HealthChecks() const {
  std::vector<HealthCheck> checks;
  const absl::Time now = clock_.Now();
  absl::Time last_tick;
  RuntimeState state;
  bool started;
  {
    krl::MutexLock lock(&mu_);
    last_tick = last_tick_;
    state = runtime_;
    started = started_;
  }
  if (!started) {
    checks.push_back({"syncloop", absl::UnavailableError("the sync loop has not started")});
  } else if (last_tick != absl::InfinitePast() && now - last_tick > options_.sync_loop_threshold) {
    checks.push_back({"syncloop", absl::UnavailableError(absl::StrCat(
                                      "sync loop last ran ", absl::FormatDuration(now - last_tick),
                                      " ago; threshold is ",
                                      absl::FormatDuration(options_.sync_loop_threshold)))});
  } else {
    checks.push_back({"syncloop", absl::OkStatus()});
  }
  checks.push_back({"pleg", pleg_->Healthy()});
  if (!state.checked) {
    checks.push_back({"runtime", absl::UnavailableError("runtime status not checked yet")});
  } else if (!state.error.ok()) {
    checks.push_back(
        {"runtime", absl::UnavailableError(absl::StrCat("container runtime status check failed: ",
                                                        state.error.message()))});
  } else if (!state.runtime_ready) {
    checks.push_back({"runtime", absl::UnavailableError(absl::StrCat(
                                     "container runtime is not ready: ", state.runtime_reason))});
  } else if (now - state.last_success > options_.runtime_status_threshold) {
    checks.push_back({"runtime", absl::UnavailableError(absl::StrCat(
                                     "container runtime status last answered ",
                                     absl::FormatDuration(now - state.last_success), " ago"))});
  } else {
    checks.push_back({"runtime", absl::OkStatus()});
  }
  return checks;
}

absl::Status NodeAgent::NodeReady() const {
  for (const HealthCheck& check : HealthChecks()) {
    if (check.name == "syncloop") continue;  // the agent's own loop, not the node's state
    if (!check.status.ok()) return check.status;
  }
  RuntimeState state = runtime_state();
  if (!state.network_ready) {
    return absl::UnavailableError(
        absl::StrCat("container runtime network not ready: ", state.network_reason));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// PodStateProvider

bool NodeAgent::ShouldPodContentBeRemoved(absl::string_view uid) const {
  {
    krl::MutexLock lock(&mu_);
    // Until the source spoke, every pod may still be wanted.
    if (!sources_ready_) return false;
    if (pods_.count(std::string(uid)) != 0) return false;
  }
  return !workers_->IsTerminating(uid);
}

bool NodeAgent::ShouldPodRuntimeBeRemoved(absl::string_view uid) const {
  return ShouldPodContentBeRemoved(uid);
}

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
