#include "kubelet_core/prober/probe_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

// How often the timer re-reads a clock it cannot sleep on (any clock but RealClock).
constexpr absl::Duration kFakeClockPollSlice = absl::Milliseconds(1);

// "containerd://abc" -> "abc"; a bare id is taken as it is.
std::string RuntimeId(absl::string_view container_id) {
  const size_t separator = container_id.find("://");
  if (separator == absl::string_view::npos) return std::string(container_id);
  return std::string(container_id.substr(separator + 3));
}

const corev1::ContainerStatus* FindStatus(const std::vector<corev1::ContainerStatus>& statuses,
                                          const std::string& name) {
  for (const corev1::ContainerStatus& status : statuses) {
    if (status.name == name) return &status;
  }
  return nullptr;
}

// The worker's container in a pod status: a regular container, else a (sidecar) init container,
// as the kubelet's worker looks it up; only an entry with an id counts.
const corev1::ContainerStatus* FindContainer(const corev1::PodStatus& status,
                                             const std::string& name) {
  const corev1::ContainerStatus* found = FindStatus(status.container_statuses, name);
  if (found != nullptr && !found->container_id.empty()) return found;
  found = FindStatus(status.init_container_statuses, name);
  if (found != nullptr && !found->container_id.empty()) return found;
  return nullptr;
}

// What about a container's status wakes its workers when it changes (with the pod's phase).
std::string Observed(const corev1::ContainerStatus* status) {
  if (status == nullptr) return "none";
  std::string key = status->container_id;
  if (status->state.running) {
    absl::StrAppend(&key, "|running|",
                    status->state.running->started_at
                        ? absl::FormatTime(*status->state.running->started_at)
                        : "");
  } else if (status->state.terminated) {
    absl::StrAppend(&key, "|terminated");
  } else {
    absl::StrAppend(&key, "|waiting");
  }
  return key;
}

ProbeResult InitialResult(ProbeType type) {
  switch (type) {
    case ProbeType::kReadiness:
      return ProbeResult::kFailure;
    case ProbeType::kLiveness:
      return ProbeResult::kSuccess;
    case ProbeType::kStartup:
      return ProbeResult::kUnknown;
  }
  return ProbeResult::kUnknown;
}

}  // namespace

struct ProbeManager::Worker {
  // Fixed at creation. `container` points into `pod`, the spec the agent shares.
  std::string pod_uid;
  std::string pod_name;
  corev1::PodPtr pod;
  const corev1::Container* container = nullptr;
  corev1::Probe probe;
  ProbeType type = ProbeType::kLiveness;
  bool host_network = false;
  corev1::RestartPolicy restart_policy = corev1::RestartPolicy::kAlways;

  // Guarded by the manager's mu_.
  bool stopped = false;
  bool running = false;
  bool queued = false;            // in ready_
  bool wake_pending = false;      // woken while running: run again as soon as it is done
  std::optional<absl::Time> due;  // its key in timers_
  std::string observed = "";      // the container's id and state at the last ObservePodStatus
  // `observed` when the running (or last) run read the pod's status.
  std::string observed_at_run = "";

  // Touched only by the pool thread running this worker (running == true), or under mu_ when
  // it is not running.
  std::string container_id;
  absl::Time container_seen;  // when container_id was first seen: the start if none is reported
  ProbeResult last_result = ProbeResult::kUnknown;
  int result_run = 0;
  bool on_hold = false;
  std::string last_unknown;  // the last "could not run" reason logged
};

struct ProbeManager::View {
  bool known = false;  // the pod has a status
  corev1::PodPhase phase = corev1::PodPhase::kPending;
  std::string pod_ip;
  std::optional<corev1::ContainerStatus> container;
};

ProbeManager::ProbeManager(runtime::RuntimeService& runtime, Clock& clock, Options options)
    : clock_(clock),
      real_clock_(dynamic_cast<RealClock*>(&clock) != nullptr),
      options_(std::move(options)),
      prober_(runtime, options_.user_agent),
      results_(options_.on_update) {
  timer_ = std::thread([this] { TimerLoop(); });
  const int threads = std::max(1, options_.max_concurrent_probes);
  for (int i = 0; i < threads; ++i) pool_.emplace_back([this] { PoolLoop(); });
}

ProbeManager::~ProbeManager() {
  {
    krl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  timer_.join();
  for (std::thread& thread : pool_) thread.join();
}

void ProbeManager::AddPod(const corev1::Pod& pod) {
  {
    krl::MutexLock lock(&mu_);
    if (pods_.count(pod.metadata.uid) != 0) return;
  }
  AddPod(std::make_shared<const corev1::Pod>(pod));
}

void ProbeManager::AddPod(const corev1::PodPtr& shared) {
  const corev1::Pod& pod = *shared;
  krl::MutexLock lock(&mu_);
  if (pods_.count(pod.metadata.uid) != 0) return;
  PodEntry& entry = pods_[pod.metadata.uid];
  entry.pod_name = absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name);
  std::vector<const corev1::Container*> containers;
  for (const corev1::Container& c : pod.spec.init_containers) {
    if (corev1::IsSidecar(c)) {
      entry.sidecars.insert(c.name);
      containers.push_back(&c);
    }
  }
  for (const corev1::Container& c : pod.spec.containers) containers.push_back(&c);
  const absl::Time now = clock_.Now();
  for (const corev1::Container* c : containers) {
    const std::pair<ProbeType, const std::optional<corev1::Probe>*> probes[] = {
        {ProbeType::kStartup, &c->startup_probe},
        {ProbeType::kReadiness, &c->readiness_probe},
        {ProbeType::kLiveness, &c->liveness_probe},
    };
    for (const auto& [type, probe] : probes) {
      if (!probe->has_value()) continue;
      auto worker = std::make_shared<Worker>();
      worker->pod_uid = pod.metadata.uid;
      worker->pod_name = entry.pod_name;
      worker->pod = shared;
      worker->container = c;
      worker->probe = **probe;
      worker->type = type;
      worker->host_network = pod.spec.host_network;
      worker->restart_policy = pod.spec.restart_policy;
      entry.workers.push_back(worker);
      ScheduleLocked(worker, now);
    }
  }
}

void ProbeManager::RemovePod(absl::string_view pod_uid) {
  krl::MutexLock lock(&mu_);
  auto it = pods_.find(std::string(pod_uid));
  if (it == pods_.end()) return;
  for (const std::shared_ptr<Worker>& worker : it->second.workers) {
    worker->stopped = true;
    UnscheduleLocked(*worker);
    // A running worker cleans up its results when its probe returns.
    if (!worker->running && !worker->container_id.empty()) {
      results_.Remove(worker->type, worker->container_id);
    }
  }
  pods_.erase(it);
}

void ProbeManager::ObservePodStatus(absl::string_view pod_uid, const corev1::PodStatus& status) {
  krl::MutexLock lock(&mu_);
  auto it = pods_.find(std::string(pod_uid));
  if (it == pods_.end()) return;
  // Only the workers read it: a pod without probes keeps no copy.
  if (it->second.workers.empty()) return;
  it->second.status = status;
  for (const std::shared_ptr<Worker>& worker : it->second.workers) {
    // A phase change matters too: a finished pod ends its workers.
    std::string observed = absl::StrCat(corev1::ToString(status.phase), "|",
                                        Observed(FindContainer(status, worker->container->name)));
    if (observed == worker->observed) continue;
    worker->observed = std::move(observed);
    // A running worker may not have read the status yet: it compares when it ends (PoolLoop),
    // so a status its run already saw does not make it probe twice.
    if (!worker->running) WakeLocked(worker);
  }
}

bool ProbeManager::HasWorkerLocked(const PodEntry& entry, const std::string& container,
                                   ProbeType type) const {
  for (const std::shared_ptr<Worker>& worker : entry.workers) {
    if (worker->container->name == container && worker->type == type) return true;
  }
  return false;
}

void ProbeManager::ApplyProbeResults(absl::string_view pod_uid, corev1::PodStatus* status) const {
  krl::MutexLock lock(&mu_);
  static const PodEntry kNoPod;
  auto it = pods_.find(std::string(pod_uid));
  const PodEntry& entry = it != pods_.end() ? it->second : kNoPod;
  auto apply = [&](corev1::ContainerStatus& c) ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    const bool running = c.state.running.has_value();
    const std::string id = RuntimeId(c.container_id);
    bool started = false;
    if (running) {
      std::optional<ProbeResult> startup = results_.Get(ProbeType::kStartup, id);
      started = startup ? *startup == ProbeResult::kSuccess
                        : !HasWorkerLocked(entry, c.name, ProbeType::kStartup);
    }
    c.started = started;
    bool ready = false;
    if (started) {
      std::optional<ProbeResult> readiness = results_.Get(ProbeType::kReadiness, id);
      ready = (readiness && *readiness == ProbeResult::kSuccess) ||
              !HasWorkerLocked(entry, c.name, ProbeType::kReadiness);
    }
    c.ready = ready;
  };
  for (corev1::ContainerStatus& c : status->container_statuses) apply(c);
  for (corev1::ContainerStatus& c : status->init_container_statuses) {
    if (entry.sidecars.count(c.name) != 0) {
      apply(c);
    } else {
      c.ready = c.state.terminated.has_value() && c.state.terminated->exit_code == 0;
    }
  }
}

int ProbeManager::worker_count() const {
  krl::MutexLock lock(&mu_);
  int count = 0;
  for (const auto& [uid, entry] : pods_) count += static_cast<int>(entry.workers.size());
  return count;
}

bool ProbeManager::IdleLocked() const {
  return ready_.empty() && running_ == 0 &&
         (timers_.empty() || timers_.begin()->first.first > clock_.Now());
}

bool ProbeManager::WaitForIdle(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  krl::MutexLock lock(&mu_);
  while (true) {
    if (IdleLocked()) return true;
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    // The clock may move without touching mu_: re-check it in short slices.
    mu_.AwaitWithTimeout(absl::Condition(this, &ProbeManager::IdleLocked),
                         std::min(left, kFakeClockPollSlice));
  }
}

void ProbeManager::ScheduleLocked(const std::shared_ptr<Worker>& worker, absl::Time at) {
  UnscheduleLocked(*worker);
  if (worker->stopped) return;
  timers_.emplace(std::make_pair(at, worker.get()), worker);
  worker->due = at;
  ++timer_changes_;
}

void ProbeManager::UnscheduleLocked(Worker& worker) {
  if (worker.due) {
    timers_.erase({*worker.due, &worker});
    worker.due.reset();
    ++timer_changes_;
  }
  if (worker.queued) {
    ready_.erase(
        std::remove_if(ready_.begin(), ready_.end(),
                       [&worker](const std::shared_ptr<Worker>& w) { return w.get() == &worker; }),
        ready_.end());
    worker.queued = false;
  }
}

void ProbeManager::WakeLocked(const std::shared_ptr<Worker>& worker) {
  if (worker->stopped || worker->queued) return;
  if (worker->running) {
    worker->wake_pending = true;
    return;
  }
  UnscheduleLocked(*worker);
  worker->queued = true;
  ready_.push_back(worker);
}

void ProbeManager::TimerLoop() {
  krl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = clock_.Now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
      std::shared_ptr<Worker> worker = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
      worker->due.reset();
      worker->queued = true;
      ready_.push_back(std::move(worker));
    }
    const uint64_t seen = timer_changes_;
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || timer_changes_ != seen;
    };
    if (!real_clock_) {
      mu_.AwaitWithTimeout(absl::Condition(&changed), kFakeClockPollSlice);
    } else if (timers_.empty()) {
      mu_.Await(absl::Condition(&changed));
    } else {
      mu_.AwaitWithDeadline(absl::Condition(&changed), timers_.begin()->first.first);
    }
  }
}

void ProbeManager::PoolLoop() {
  krl::MutexLock lock(&mu_);
  while (true) {
    auto work = [this]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !ready_.empty(); };
    mu_.Await(absl::Condition(&work));
    if (stopping_) return;
    std::shared_ptr<Worker> worker = std::move(ready_.front());
    ready_.pop_front();
    worker->queued = false;
    worker->running = true;
    ++running_;

    mu_.Unlock();
    const Next next = RunWorker(*worker);
    mu_.Lock();

    worker->running = false;
    --running_;
    if (worker->stopped || !next.keep_going) {
      if (!worker->container_id.empty()) results_.Remove(worker->type, worker->container_id);
      if (!worker->stopped) {
        worker->stopped = true;
        auto pod = pods_.find(worker->pod_uid);
        if (pod != pods_.end()) {
          auto& workers = pod->second.workers;
          workers.erase(std::remove(workers.begin(), workers.end(), worker), workers.end());
        }
      }
      continue;
    }
    // A status observed after the run read its own one: run again now.
    if (worker->wake_pending || worker->observed_at_run != worker->observed) {
      worker->wake_pending = false;
      worker->queued = true;
      ready_.push_back(worker);
    } else {
      ScheduleLocked(worker, next.at);
    }
    if (next.startup_succeeded) {
      // The container just started: readiness need not wait for its next period.
      auto pod = pods_.find(worker->pod_uid);
      if (pod != pods_.end()) {
        for (const std::shared_ptr<Worker>& other : pod->second.workers) {
          if (other->container->name == worker->container->name &&
              other->type == ProbeType::kReadiness) {
            WakeLocked(other);
          }
        }
      }
    }
  }
}

void ProbeManager::SetResult(Worker& worker, ProbeResult result, const std::string& output) {
  ProbeUpdate update;
  update.pod_uid = worker.pod_uid;
  update.pod_name = worker.pod_name;
  update.container_name = worker.container->name;
  update.container_id = worker.container_id;
  update.type = worker.type;
  update.result = result;
  update.output = output;
  results_.Set(update);
}

ProbeManager::Next ProbeManager::RunWorker(Worker& worker) {
  const absl::Time now = clock_.Now();
  Next next;
  next.at = now + absl::Seconds(worker.probe.period_seconds);

  View view;
  {
    krl::MutexLock lock(&mu_);
    worker.observed_at_run = worker.observed;
    auto pod = pods_.find(worker.pod_uid);
    if (pod != pods_.end() && pod->second.status) {
      const corev1::PodStatus& status = *pod->second.status;
      view.known = true;
      view.phase = status.phase;
      view.pod_ip = status.pod_ip;
      const corev1::ContainerStatus* c = FindContainer(status, worker.container->name);
      if (c != nullptr) view.container = *c;
    }
  }
  // No status yet (the pod is being created) or no container yet: wait for more information.
  if (!view.known) return next;
  if (view.phase == corev1::PodPhase::kSucceeded || view.phase == corev1::PodPhase::kFailed) {
    next.keep_going = false;
    return next;
  }
  if (!view.container) return next;
  const corev1::ContainerStatus& c = *view.container;

  const std::string id = RuntimeId(c.container_id);
  if (id != worker.container_id) {
    if (!worker.container_id.empty()) results_.Remove(worker.type, worker.container_id);
    worker.container_id = id;
    worker.container_seen = now;
    worker.last_result = ProbeResult::kUnknown;
    worker.result_run = 0;
    worker.on_hold = false;
    worker.last_unknown.clear();
    SetResult(worker, InitialResult(worker.type), "");
  }
  if (worker.on_hold) return next;  // until the container is replaced

  if (!c.state.running) {
    if (worker.type != ProbeType::kLiveness) {
      SetResult(worker, ProbeResult::kFailure, "the container is not running");
    }
    next.keep_going =
        !(c.state.terminated && worker.restart_policy == corev1::RestartPolicy::kNever);
    return next;
  }

  const absl::Time started_at = c.state.running->started_at.value_or(worker.container_seen);
  const absl::Time delay_end = started_at + absl::Seconds(worker.probe.initial_delay_seconds);
  if (now < delay_end) {
    next.at = delay_end;
    return next;
  }

  bool started = !worker.container->startup_probe.has_value();
  if (!started) {
    std::optional<ProbeResult> startup = results_.Get(ProbeType::kStartup, id);
    started = startup && *startup == ProbeResult::kSuccess;
  }
  if (started == (worker.type == ProbeType::kStartup)) {
    // Startup is done for this container, or the others wait for it.
    return next;
  }

  ProbeTarget target;
  target.container_id = id;
  target.pod_ip = view.pod_ip;
  target.host_network = worker.host_network;
  const ProbeOutcome outcome = prober_.Run(worker.probe, *worker.container, target);

  const log::Fields fields = {{"probe", ToString(worker.type)},
                              {"pod", worker.pod_name},
                              {"container", worker.container->name},
                              {"output", outcome.output}};
  if (outcome.result == ProbeResult::kUnknown) {
    // The probe could not run: the result is thrown away, as the kubelet does.
    if (outcome.output != worker.last_unknown) {
      log::Warning("probe could not run", fields);
      worker.last_unknown = outcome.output;
    }
    return next;
  }
  worker.last_unknown.clear();

  if (outcome.result == worker.last_result) {
    ++worker.result_run;
  } else {
    worker.last_result = outcome.result;
    worker.result_run = 1;
  }
  if ((outcome.result == ProbeResult::kFailure &&
       worker.result_run < worker.probe.failure_threshold) ||
      (outcome.result == ProbeResult::kSuccess &&
       worker.result_run < worker.probe.success_threshold)) {
    return next;  // below the threshold: the stored result stays
  }

  const std::optional<ProbeResult> before = results_.Get(worker.type, id);
  SetResult(worker, outcome.result, outcome.output);
  const bool changed = !before || *before != outcome.result;
  if (changed && outcome.result == ProbeResult::kFailure) {
    log::Warning("probe failed", fields);
  } else if (changed) {
    log::Info("probe succeeded", {{"probe", ToString(worker.type)},
                                  {"pod", worker.pod_name},
                                  {"container", worker.container->name}});
  }

  if (outcome.result == ProbeResult::kFailure &&
      (worker.type == ProbeType::kLiveness || worker.type == ProbeType::kStartup)) {
    // The container must be restarted; probing it further only adds noise.
    worker.on_hold = true;
    worker.result_run = 0;
  }
  if (worker.type == ProbeType::kStartup && outcome.result == ProbeResult::kSuccess && changed) {
    next.startup_succeeded = true;
  }
  return next;
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
