#include "kubelet_core/agent/pod_workers.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace agent {

absl::string_view UpdateTypeName(UpdateType type) {
  return type == UpdateType::kKill ? "kill" : "sync";
}

PodUpdate PodUpdate::Sync(corev1::PodPtr pod) {
  PodUpdate update;
  update.type = UpdateType::kSync;
  update.pod = std::move(pod);
  return update;
}

PodUpdate PodUpdate::Kill(corev1::PodPtr pod) {
  PodUpdate update;
  update.type = UpdateType::kKill;
  update.pod = std::move(pod);
  return update;
}

PodUpdate PodUpdate::Sync(corev1::Pod pod) {
  return Sync(std::make_shared<const corev1::Pod>(std::move(pod)));
}

PodUpdate PodUpdate::Kill(corev1::Pod pod) {
  return Kill(std::make_shared<const corev1::Pod>(std::move(pod)));
}

PodUpdate PodUpdate::KillOrphan(container::Pod running_pod) {
  PodUpdate update;
  update.type = UpdateType::kKill;
  update.running_pod = std::move(running_pod);
  return update;
}

std::string PodUpdate::Uid() const {
  if (pod != nullptr) return pod->metadata.uid;
  if (running_pod.has_value()) return running_pod->id;
  return "";
}

std::string PodUpdate::FullName() const {
  if (pod != nullptr) return absl::StrCat(pod->metadata.namespace_, "/", pod->metadata.name);
  if (running_pod.has_value()) {
    return absl::StrCat(running_pod->namespace_, "/", running_pod->name);
  }
  return "";
}

PodWorkers::PodWorkers(PodWorkHandler& handler, Clock& clock, Options options,
                       runtime::metrics::Registry* registry)
    : handler_(handler), clock_(clock), options_(options) {
  if (registry != nullptr) {
    durations_ = &registry->AddHistogramFamily(
        "kubelet_pod_worker_duration_seconds",
        "Duration in seconds to sync (or kill) a single pod, by operation type.",
        {"operation_type"}, runtime::metrics::DefaultBuckets());
  }
  const int n = std::max(1, options_.workers);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ThreadMain(); });
}

PodWorkers::~PodWorkers() { Stop(); }

void PodWorkers::UpdatePod(PodUpdate update) {
  krl::MutexLock lock(&mu_);
  UpdatePodLocked(std::move(update));
}

bool PodWorkers::ClaimNameLocked(Worker& worker) {
  auto [it, inserted] = name_owners_.emplace(worker.full_name, worker.uid);
  (void)inserted;
  return it->second == worker.uid;
}

void PodWorkers::UpdatePodLocked(PodUpdate update) {
  if (stopping_) return;
  const std::string uid = update.Uid();
  if (uid.empty()) {
    log::Warning("pod update without a uid ignored", {{"pod", update.FullName()}});
    return;
  }
  Worker& worker = workers_[uid];
  if (worker.uid.empty()) {
    worker.uid = uid;
    worker.full_name = update.FullName();
  }
  worker.next_due = absl::InfiniteFuture();
  if (update.type == UpdateType::kKill) {
    worker.terminating = true;
    // A later kill cancels a restart that was asked for during the termination.
    worker.after_termination.reset();
    // Kills are never blocked by the name; a killed pod holds its name until it is gone, so a
    // new pod with that name cannot start next to it.
    ClaimNameLocked(worker);
    worker.waiting_for_name = false;
    worker.last_kill = update;
    worker.pending = std::move(update);
  } else {
    if (worker.terminating) {
      worker.after_termination = std::move(update);
      return;
    }
    worker.last_pod = update.pod;
    worker.pending = std::move(update);
    worker.waiting_for_name = !ClaimNameLocked(worker);
  }
  MaybeQueueLocked(worker);
}

bool PodWorkers::RunnableLocked(const Worker& worker) const {
  return worker.pending.has_value() && !worker.working && !worker.waiting_for_name;
}

void PodWorkers::MaybeQueueLocked(Worker& worker) {
  if (worker.queued || !RunnableLocked(worker)) return;
  worker.queued = true;
  run_queue_.push_back(worker.uid);
}

void PodWorkers::EnqueueDueWork() {
  krl::MutexLock lock(&mu_);
  const absl::Time now = clock_.Now();
  for (auto& [uid, worker] : workers_) {
    if (worker.working || worker.pending.has_value() || worker.next_due > now) continue;
    worker.next_due = absl::InfiniteFuture();
    if (worker.terminating) {
      if (worker.last_kill.has_value()) worker.pending = *worker.last_kill;
    } else if (worker.last_pod != nullptr) {
      worker.pending = PodUpdate::Sync(worker.last_pod);
    }
    MaybeQueueLocked(worker);
  }
}

void PodWorkers::ReleaseNameLocked(const std::string& full_name) {
  name_owners_.erase(full_name);
  for (auto& [uid, worker] : workers_) {
    if (!worker.waiting_for_name || worker.full_name != full_name) continue;
    name_owners_[full_name] = uid;
    worker.waiting_for_name = false;
    MaybeQueueLocked(worker);
    return;
  }
}

void PodWorkers::CompleteLocked(const std::string& uid, UpdateType type,
                                const absl::Status& result) {
  auto it = workers_.find(uid);
  if (it == workers_.end()) return;
  Worker& worker = it->second;
  worker.working = false;
  --running_;
  ++worker.syncs;
  worker.last_result = result;
  const absl::Time now = clock_.Now();
  if (type == UpdateType::kKill && result.ok() && !worker.pending.has_value()) {
    // Terminated: the name is free, and a sync asked for meanwhile starts the pod anew.
    std::optional<PodUpdate> restart = std::move(worker.after_termination);
    const std::string full_name = worker.full_name;
    const bool owner = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto owner_it = name_owners_.find(full_name);
      return owner_it != name_owners_.end() && owner_it->second == uid;
    }();
    workers_.erase(it);
    if (owner) ReleaseNameLocked(full_name);
    if (restart.has_value()) UpdatePodLocked(std::move(*restart));
    return;
  }
  if (!worker.pending.has_value()) {
    worker.next_due = now + (result.ok() ? options_.resync_interval : options_.error_backoff);
  }
  MaybeQueueLocked(worker);
}

void PodWorkers::ThreadMain() {
  while (true) {
    std::string uid;
    PodUpdate update;
    {
      krl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !run_queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      uid = std::move(run_queue_.front());
      run_queue_.pop_front();
      auto it = workers_.find(uid);
      if (it == workers_.end()) continue;
      Worker& worker = it->second;
      worker.queued = false;
      if (!RunnableLocked(worker)) continue;
      update = std::move(*worker.pending);
      worker.pending.reset();
      worker.working = true;
      ++running_;
    }
    const absl::Time start = clock_.Now();
    absl::Status result = handler_.HandlePodWork(update);
    if (durations_ != nullptr) {
      durations_->WithLabels({std::string(UpdateTypeName(update.type))})
          .ObserveDuration(clock_.Now() - start);
    }
    if (!result.ok()) {
      log::Debug("pod work failed", {{"pod", update.FullName()},
                                     {"uid", uid},
                                     {"operation", UpdateTypeName(update.type)},
                                     {"error", result}});
    }
    krl::MutexLock lock(&mu_);
    CompleteLocked(uid, update.type, result);
  }
}

bool PodWorkers::WaitIdle(absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_) return running_ == 0;
    if (running_ != 0) return false;
    for (const std::string& uid : run_queue_) {
      auto it = workers_.find(uid);
      if (it != workers_.end() && RunnableLocked(it->second)) return false;
    }
    return true;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

void PodWorkers::Stop() {
  krl::MutexLock stop_lock(&stop_mu_);
  {
    krl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  krl::MutexLock lock(&mu_);
  run_queue_.clear();
}

PodWorkers::PodWorkState PodWorkers::ToState(const Worker& worker) {
  PodWorkState state;
  state.uid = worker.uid;
  state.full_name = worker.full_name;
  state.working = worker.working;
  state.pending = worker.pending.has_value() || worker.after_termination.has_value();
  state.terminating = worker.terminating;
  state.waiting_for_name = worker.waiting_for_name;
  state.syncs = worker.syncs;
  state.last_result = worker.last_result;
  state.next_due = worker.next_due;
  return state;
}

std::map<std::string, PodWorkers::PodWorkState> PodWorkers::States() const {
  krl::MutexLock lock(&mu_);
  std::map<std::string, PodWorkState> states;
  for (const auto& [uid, worker] : workers_) states.emplace(uid, ToState(worker));
  return states;
}

std::optional<PodWorkers::PodWorkState> PodWorkers::State(absl::string_view uid) const {
  krl::MutexLock lock(&mu_);
  auto it = workers_.find(std::string(uid));
  if (it == workers_.end()) return std::nullopt;
  return ToState(it->second);
}

bool PodWorkers::IsTerminating(absl::string_view uid) const {
  krl::MutexLock lock(&mu_);
  auto it = workers_.find(std::string(uid));
  return it != workers_.end() && it->second.terminating;
}

bool PodWorkers::stopping() const {
  krl::MutexLock lock(&mu_);
  return stopping_;
}

int PodWorkers::Running() const {
  krl::MutexLock lock(&mu_);
  return running_;
}

}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
