#include "kubelet_core/pleg/generic_pleg.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kubelet_core/pleg/internal/clock_wait.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

// The states the PLEG tells apart; created counts as unknown, as in the kubelet (nothing reacts
// to a created container until it runs or exits).
enum class PlegState { kRunning, kExited, kUnknown, kNonExistent };

PlegState Convert(container::State state) {
  switch (state) {
    case container::State::kRunning:
      return PlegState::kRunning;
    case container::State::kExited:
      return PlegState::kExited;
    case container::State::kCreated:
    case container::State::kUnknown:
      return PlegState::kUnknown;
  }
  return PlegState::kUnknown;
}

PlegState StateIn(const std::optional<container::Pod>& pod, const std::string& id) {
  if (!pod) return PlegState::kNonExistent;
  for (const container::Container& c : pod->containers) {
    if (c.id.id == id) return Convert(c.state);
  }
  for (const container::Container& s : pod->sandboxes) {
    if (s.id.id == id) return Convert(s.state);
  }
  return PlegState::kNonExistent;
}

void GenerateEvents(const std::string& uid, const std::string& id, PlegState old_state,
                    PlegState new_state, std::vector<PodLifecycleEvent>* events) {
  if (old_state == new_state) return;
  using Type = PodLifecycleEventType;
  switch (new_state) {
    case PlegState::kRunning:
      events->push_back({uid, Type::kContainerStarted, id});
      return;
    case PlegState::kExited:
      events->push_back({uid, Type::kContainerDied, id});
      return;
    case PlegState::kUnknown:
      events->push_back({uid, Type::kContainerChanged, id});
      return;
    case PlegState::kNonExistent:
      // A container seen exited already had its ContainerDied.
      if (old_state != PlegState::kExited) events->push_back({uid, Type::kContainerDied, id});
      events->push_back({uid, Type::kContainerRemoved, id});
      return;
  }
}

// Whether the two lists hold the same ids in the same order with the same PLEG states: the
// steady state, decided without building the union of ids.
bool SameStates(const std::vector<container::Container>& a,
                const std::vector<container::Container>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id.id != b[i].id.id || Convert(a[i].state) != Convert(b[i].state)) return false;
  }
  return true;
}

void ComputeEvents(const std::string& uid, const std::optional<container::Pod>& old_pod,
                   const std::optional<container::Pod>& new_pod,
                   std::vector<PodLifecycleEvent>* events) {
  if (old_pod && new_pod && SameStates(old_pod->containers, new_pod->containers) &&
      SameStates(old_pod->sandboxes, new_pod->sandboxes)) {
    return;
  }
  // Every container and sandbox of either list, once, old ones first.
  std::vector<const std::string*> ids;
  auto add = [&ids](const std::optional<container::Pod>& pod) {
    if (!pod) return;
    for (const auto* list : {&pod->containers, &pod->sandboxes}) {
      for (const container::Container& c : *list) {
        bool seen = false;
        for (const std::string* id : ids) seen = seen || *id == c.id.id;
        if (!seen) ids.push_back(&c.id.id);
      }
    }
  };
  add(old_pod);
  add(new_pod);
  for (const std::string* id : ids) {
    GenerateEvents(uid, *id, StateIn(old_pod, *id), StateIn(new_pod, *id), events);
  }
}

}  // namespace

GenericPLEG::GenericPLEG(container::Runtime& runtime, Cache& cache, Clock& clock,
                         runtime::metrics::Registry* registry)
    : GenericPLEG(runtime, cache, clock, registry, Options()) {}

GenericPLEG::GenericPLEG(container::Runtime& runtime, Cache& cache, Clock& clock,
                         runtime::metrics::Registry* registry, Options options)
    : runtime_(runtime),
      cache_(cache),
      clock_(clock),
      options_(std::move(options)),
      own_registry_(registry == nullptr ? std::make_unique<runtime::metrics::Registry>() : nullptr),
      metrics_(registry != nullptr ? *registry : *own_registry_),
      own_channel_(options_.channel == nullptr
                       ? std::make_unique<EventChannel>(options_.channel_capacity)
                       : nullptr),
      channel_(options_.channel != nullptr ? *options_.channel : *own_channel_),
      period_(options_.relist_period),
      threshold_(options_.relist_threshold) {}

GenericPLEG::~GenericPLEG() { Stop(); }

void GenericPLEG::Start() {
  krl::MutexLock lock(&mu_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void GenericPLEG::Stop() {
  {
    krl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void GenericPLEG::Loop() {
  while (true) {
    {
      krl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    Relist();
    krl::MutexLock lock(&mu_);
    auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || replan_; };
    while (true) {
      replan_ = false;
      idle_ = true;
      const bool by_signal = internal::AwaitUntil(clock_, mu_, last_relist_end_ + period_,
                                                  absl::Condition(&woken), &observed_);
      idle_ = false;
      if (!by_signal || stopping_) break;
      // replan_: loop to wait for the new deadline (which may have passed already).
    }
  }
}

void GenericPLEG::Relist() {
  krl::MutexLock lock(&relist_mu_);
  RelistLocked();
}

void GenericPLEG::RelistLocked() {
  const absl::Time start = clock_.Now();
  std::optional<absl::Time> previous = last_relist_time();
  if (previous) metrics_.relist_interval.ObserveDuration(start - *previous);

  absl::StatusOr<std::vector<container::Pod>> pods = runtime_.GetPods(/*all=*/true);
  if (!pods.ok()) {
    // Once a minute while the runtime keeps failing the same way (relists run every second).
    const std::string message = pods.status().ToString();
    if (message != last_list_error_ || start - last_list_error_logged_ >= absl::Minutes(1)) {
      log::Error("pleg: unable to retrieve pods", {{"error", pods.status()}});
      last_list_error_ = message;
      last_list_error_logged_ = start;
    }
    FinishRelist(start, /*succeeded=*/false);
    return;
  }
  last_list_error_.clear();
  metrics_.RecordRunning(*pods);
  for (auto& [uid, record] : records_) record.current.reset();
  for (container::Pod& pod : *pods) {
    std::string uid = pod.id;
    records_[uid].current = std::move(pod);
  }

  absl::flat_hash_set<std::string> reinspect_next;
  std::vector<PodLifecycleEvent> events;
  std::vector<std::string> gone;
  uint64_t dropped = 0;
  for (auto& [uid, record] : records_) {
    events.clear();
    ComputeEvents(uid, record.old_pod, record.current, &events);
    const bool reinspect = to_reinspect_.contains(uid);
    if (events.empty() && !reinspect) {
      // Unchanged: the old list stays the reference, no status read.
      record.current.reset();
      continue;
    }
    bool updated = true;
    absl::Status error = UpdateCache(uid, record.current ? &*record.current : nullptr, &updated);
    if (!error.ok()) {
      // Keep the old record so the same events come again on the next relist.
      // Warned once; while it keeps failing (every relist), only at debug level.
      log::Write(reinspect ? log::Level::kDebug : log::Level::kWarning,
                 "pleg: ignoring events of a pod whose status could not be read",
                 {{"pod", uid}, {"error", error}});
      reinspect_next.insert(uid);
      record.current.reset();
      continue;
    }
    record.old_pod = std::move(record.current);
    record.current.reset();
    if (!record.old_pod) gone.push_back(uid);
    // A newer status is already cached: the event stream reported this change first.
    if (!updated) continue;
    for (PodLifecycleEvent& event : events) {
      if (event.type == PodLifecycleEventType::kContainerChanged &&
          !options_.deliver_container_changed) {
        continue;
      }
      if (!channel_.TryPush(event)) ++dropped;
    }
  }
  for (const std::string& uid : gone) records_.erase(uid);
  to_reinspect_ = std::move(reinspect_next);
  // After all pods: every cached entry is now current as of `start`.
  cache_.UpdateTime(start);
  if (dropped > 0) {
    metrics_.discard_events.Increment(dropped);
    log::Error("pleg: event channel is full, events of this relist discarded",
               {{"discarded", dropped}, {"capacity", channel_.capacity()}});
  }
  FinishRelist(start, /*succeeded=*/true);
}

absl::Status GenericPLEG::UpdateCache(const std::string& uid, const container::Pod* pod,
                                      bool* updated) {
  *updated = true;
  if (pod == nullptr) {
    // Nothing of the pod is left in the runtime.
    cache_.Delete(uid);
    return absl::OkStatus();
  }
  // The read time is taken before the read: the status is at least this fresh.
  const absl::Time timestamp = clock_.Now();
  absl::StatusOr<container::PodStatus> status =
      runtime_.GetPodStatus(pod->id, pod->name, pod->namespace_);
  if (!status.ok()) {
    container::PodStatus empty;
    empty.id = pod->id;
    empty.name = pod->name;
    empty.namespace_ = pod->namespace_;
    *updated = cache_.Set(uid, std::move(empty), status.status(), timestamp);
    return status.status();
  }
  status->ips = PodIPs(uid, *status);
  *updated = cache_.Set(uid, *std::move(status), absl::OkStatus(), timestamp);
  return absl::OkStatus();
}

std::vector<std::string> GenericPLEG::PodIPs(const std::string& uid,
                                             const container::PodStatus& status) const {
  if (!status.ips.empty()) return status.ips;
  CacheEntry old = cache_.Get(uid);
  if (old.status.ips.empty()) return {};
  for (const cri::PodSandboxStatus& sandbox : status.sandbox_statuses) {
    if (sandbox.state() == cri::SANDBOX_READY) return status.ips;
  }
  return old.status.ips;
}

void GenericPLEG::FinishRelist(absl::Time start, bool succeeded) {
  const absl::Time end = clock_.Now();
  metrics_.relist_duration.ObserveDuration(end - start);
  if (succeeded) metrics_.last_seen.Set(absl::ToDoubleSeconds(start - absl::UnixEpoch()));
  krl::MutexLock lock(&mu_);
  if (succeeded) relist_time_ = start;
  last_relist_end_ = end;
  ++relist_count_;
}

absl::Status GenericPLEG::Healthy() const {
  std::optional<absl::Time> relist_time;
  absl::Duration threshold;
  {
    krl::MutexLock lock(&mu_);
    relist_time = relist_time_;
    threshold = threshold_;
  }
  if (!relist_time) return absl::UnavailableError("pleg has yet to be successful");
  const absl::Duration elapsed = clock_.Now() - *relist_time;
  if (elapsed > threshold) {
    return absl::UnavailableError(absl::StrCat("pleg was last seen active ",
                                               absl::FormatDuration(elapsed), " ago; threshold is ",
                                               absl::FormatDuration(threshold)));
  }
  return absl::OkStatus();
}

void GenericPLEG::SetRelistPeriod(absl::Duration period, absl::Duration threshold) {
  krl::MutexLock lock(&mu_);
  period_ = period;
  threshold_ = threshold;
  replan_ = true;
}

absl::Duration GenericPLEG::relist_period() const {
  krl::MutexLock lock(&mu_);
  return period_;
}

absl::Duration GenericPLEG::relist_threshold() const {
  krl::MutexLock lock(&mu_);
  return threshold_;
}

std::optional<absl::Time> GenericPLEG::last_relist_time() const {
  krl::MutexLock lock(&mu_);
  return relist_time_;
}

int64_t GenericPLEG::relist_count() const {
  krl::MutexLock lock(&mu_);
  return relist_count_;
}

bool GenericPLEG::WaitForRelistCount(int64_t count, absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto reached = [this, count]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return relist_count_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

bool GenericPLEG::WaitForIdleAt(absl::Time time, absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto idle = [this, time]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return idle_ && !replan_ && observed_ >= time;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
