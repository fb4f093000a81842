#include "kubelet_core/pleg/evented_pleg.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "kubelet_core/kuberuntime/status_conversion.h"
#include "kubelet_core/pleg/internal/clock_wait.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

GenericPLEG::Options RelisterOptions(const EventedPLEG::Options& options, EventChannel* channel) {
  GenericPLEG::Options relister;
  relister.relist_period = options.relist_period;
  relister.relist_threshold = options.relist_threshold;
  relister.channel = channel;
  relister.deliver_container_changed = options.deliver_container_changed;
  return relister;
}

}  // namespace

absl::string_view ModeName(EventedPLEG::Mode mode) {
  return mode == EventedPLEG::Mode::kEvented ? "evented" : "relisting";
}

EventedPLEG::EventedPLEG(container::Runtime& runtime, runtime::RuntimeService& runtime_service,
                         Cache& cache, Clock& clock, runtime::metrics::Registry* registry)
    : EventedPLEG(runtime, runtime_service, cache, clock, registry, Options()) {}

EventedPLEG::EventedPLEG(container::Runtime& runtime, runtime::RuntimeService& runtime_service,
                         Cache& cache, Clock& clock, runtime::metrics::Registry* registry,
                         Options options)
    : runtime_(runtime),
      runtime_service_(runtime_service),
      cache_(cache),
      clock_(clock),
      options_(std::move(options)),
      own_registry_(registry == nullptr ? std::make_unique<runtime::metrics::Registry>() : nullptr),
      registry_(registry != nullptr ? *registry : *own_registry_),
      stream_metrics_(registry_),
      metrics_(registry_),
      channel_(options_.channel_capacity),
      relister_(runtime, cache, clock, &registry_, RelisterOptions(options_, &channel_)),
      retry_delay_(options_.stream_retry_initial) {}

EventedPLEG::~EventedPLEG() { Stop(); }

void EventedPLEG::Start() {
  {
    krl::MutexLock lock(&mu_);
    if (started_) return;
    started_ = true;
  }
  runtime_type_ = runtime_.Type();
  absl::Status connected = Connect();
  if (!connected.ok()) {
    log::Warning("pleg: no container event stream; relisting until it is available",
                 {{"error", connected}});
    krl::MutexLock lock(&mu_);
    ScheduleRetryLocked(connected);
  }
  relister_.Start();
  thread_ = std::thread([this] { Loop(); });
}

void EventedPLEG::Stop() {
  {
    krl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  std::unique_ptr<runtime::ContainerEventSubscription> subscription;
  {
    krl::MutexLock lock(&mu_);
    subscription = std::move(subscription_);
  }
  // Cancels the stream and waits for its callbacks (they see stopping_ and return).
  subscription.reset();
  relister_.Stop();
}

absl::Status EventedPLEG::Connect() {
  uint64_t generation;
  {
    krl::MutexLock lock(&mu_);
    generation = ++generation_;
    stream_failed_ = false;
  }
  runtime::ContainerEventHandlers handlers;
  handlers.on_event = [this, generation](cri::ContainerEventResponse event) {
    OnEvent(generation, event);
  };
  handlers.on_done = [this, generation](const absl::Status& status) { OnDone(generation, status); };
  absl::StatusOr<std::unique_ptr<runtime::ContainerEventSubscription>> subscription =
      runtime_service_.GetContainerEvents(cri::GetEventsRequest(), std::move(handlers));
  if (!subscription.ok()) {
    stream_metrics_.connection_errors.Increment();
    krl::MutexLock lock(&mu_);
    ++failures_;
    return subscription.status();
  }
  stream_metrics_.connection_success.Increment();
  // The slow safety period before the mode says evented, so a caller seeing kEvented sees it.
  relister_.SetRelistPeriod(options_.safety_relist_period, options_.safety_relist_threshold);
  krl::MutexLock lock(&mu_);
  ++connects_;
  subscription_ = *std::move(subscription);
  mode_ = Mode::kEvented;
  retry_delay_ = options_.stream_retry_initial;
  next_retry_ = absl::InfiniteFuture();
  next_cache_update_ = clock_.Now() + options_.global_cache_update_period;
  return absl::OkStatus();
}

void EventedPLEG::ScheduleRetryLocked(const absl::Status& why) {
  // A runtime without the RPC will not grow one soon: look again only at the longest delay.
  if (absl::IsUnimplemented(why)) retry_delay_ = options_.stream_retry_max;
  next_retry_ = clock_.Now() + retry_delay_;
  retry_delay_ = std::min(retry_delay_ * 2, options_.stream_retry_max);
}

void EventedPLEG::OnDone(uint64_t generation, const absl::Status& status) {
  krl::MutexLock lock(&mu_);
  if (status.ok() || stopping_ || generation != generation_) return;
  stream_failed_ = true;
  failure_ = status;
}

void EventedPLEG::FallBack(const absl::Status& why) {
  stream_metrics_.connection_errors.Increment();
  log::Warning("pleg: container event stream failed; relisting until it is back", {{"error", why}});
  relister_.SetRelistPeriod(options_.relist_period, options_.relist_threshold);
  // What the stream did not deliver before it broke.
  relister_.Relist();
}

void EventedPLEG::Loop() {
  mu_.Lock();
  auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || stream_failed_; };
  while (!stopping_) {
    if (stream_failed_) {
      stream_failed_ = false;
      const absl::Status why = failure_;
      std::unique_ptr<runtime::ContainerEventSubscription> dead = std::move(subscription_);
      mode_ = Mode::kRelisting;
      ++failures_;
      next_cache_update_ = absl::InfiniteFuture();
      ScheduleRetryLocked(why);
      mu_.Unlock();
      dead.reset();  // its on_done has run; this joins its thread
      FallBack(why);
      mu_.Lock();
      continue;
    }
    const absl::Time deadline = mode_ == Mode::kEvented ? next_cache_update_ : next_retry_;
    idle_ = true;
    const bool by_signal =
        internal::AwaitUntil(clock_, mu_, deadline, absl::Condition(&woken), &observed_);
    idle_ = false;
    if (by_signal) continue;
    const absl::Time now = clock_.Now();
    if (mode_ == Mode::kEvented) {
      // No event since means no change: every entry is current as of now.
      next_cache_update_ = now + options_.global_cache_update_period;
      mu_.Unlock();
      cache_.UpdateTime(now);
      mu_.Lock();
      continue;
    }
    mu_.Unlock();
    absl::Status connected = Connect();
    if (connected.ok()) {
      log::Info("pleg: container event stream restored; relisting only as a safety net");
      relister_.Relist();  // what changed while the stream was down
    } else {
      log::Debug("pleg: container event stream still unavailable", {{"error", connected}});
    }
    mu_.Lock();
    if (!connected.ok()) ScheduleRetryLocked(connected);
  }
  mu_.Unlock();
}

void EventedPLEG::OnEvent(uint64_t generation, const cri::ContainerEventResponse& event) {
  {
    krl::MutexLock lock(&mu_);
    if (stopping_ || generation != generation_) return;
  }
  std::vector<PodLifecycleEvent> events;
  const std::string& id = event.container_id();
  const cri::ContainerEventType type = event.container_event_type();
  if (!event.has_pod_sandbox_status() || !event.pod_sandbox_status().has_metadata()) {
    if (type == cri::CONTAINER_DELETED_EVENT) {
      // A removed sandbox: its pod is known from its earlier events, if any.
      std::string uid;
      {
        krl::MutexLock lock(&mu_);
        auto it = sandbox_pods_.find(id);
        if (it != sandbox_pods_.end()) {
          uid = it->second;
          sandbox_pods_.erase(it);
        }
      }
      if (!uid.empty()) {
        cache_.Delete(uid);
        events.push_back({uid, PodLifecycleEventType::kContainerDied, id});
        events.push_back({uid, PodLifecycleEventType::kContainerRemoved, id});
      }
    }
  } else {
    absl::StatusOr<container::PodStatus> status =
        options_.convert_event ? options_.convert_event(event)
                               : kuberuntime::PodStatusFromEvent(runtime_type_, event);
    if (!status.ok()) {
      log::Debug("pleg: ignoring a container event", {{"error", status.status()}});
    } else {
      const std::string uid = status->id;
      const std::string& sandbox_id = event.pod_sandbox_status().id();
      const bool sandbox_deleted = type == cri::CONTAINER_DELETED_EVENT && id == sandbox_id;
      {
        krl::MutexLock lock(&mu_);
        if (sandbox_deleted) {
          sandbox_pods_.erase(sandbox_id);
        } else if (!sandbox_id.empty()) {
          sandbox_pods_[sandbox_id] = uid;
        }
      }
      const absl::Time created = absl::FromUnixNanos(event.created_at());
      stream_metrics_.connection_latency.ObserveDuration(
          std::max(absl::ZeroDuration(), clock_.Now() - created));
      bool changed;
      if (sandbox_deleted) {
        // The runtime removed the sandbox: nothing of the pod is left to cache.
        cache_.Delete(uid);
        changed = true;
      } else {
        changed = cache_.Set(uid, *std::move(status), absl::OkStatus(), created);
      }
      if (changed) {
        switch (type) {
          case cri::CONTAINER_CREATED_EVENT:
            if (options_.deliver_container_changed) {
              events.push_back({uid, PodLifecycleEventType::kContainerChanged, id});
            }
            break;
          case cri::CONTAINER_STARTED_EVENT:
            events.push_back({uid, PodLifecycleEventType::kContainerStarted, id});
            break;
          case cri::CONTAINER_STOPPED_EVENT:
            events.push_back({uid, PodLifecycleEventType::kContainerDied, id});
            break;
          case cri::CONTAINER_DELETED_EVENT:
            events.push_back({uid, PodLifecycleEventType::kContainerDied, id});
            events.push_back({uid, PodLifecycleEventType::kContainerRemoved, id});
            break;
          default:
            break;
        }
      }
    }
  }
  uint64_t dropped = 0;
  for (PodLifecycleEvent& e : events) {
    if (!channel_.TryPush(std::move(e))) ++dropped;
  }
  // Counted before events_processed_ moves, so a waiter for the count sees the metric too.
  if (dropped > 0) metrics_.discard_events.Increment(dropped);
  uint64_t unlogged = 0;
  {
    krl::MutexLock lock(&mu_);
    ++events_processed_;
    if (dropped > 0) {
      // A burst drops events by the thousand: one log line per interval, with the count.
      unlogged_discards_ += dropped;
      const absl::Time now = clock_.Now();
      if (now >= next_discard_log_) {
        unlogged = std::exchange(unlogged_discards_, 0);
        next_discard_log_ = now + kDiscardLogInterval;
      }
    }
  }
  if (unlogged > 0) {
    log::Error("pleg: event channel is full, container events discarded",
               {{"discarded", unlogged},
                {"capacity", channel_.capacity()},
                {"next_report_after", kDiscardLogInterval}});
  }
}

absl::Status EventedPLEG::Healthy() const {
  if (channel_.full()) {
    return absl::UnavailableError("pleg event channel is out of capacity");
  }
  return relister_.Healthy();
}

EventedPLEG::Mode EventedPLEG::mode() const {
  krl::MutexLock lock(&mu_);
  return mode_;
}

bool EventedPLEG::WaitForMode(Mode mode, absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto reached = [this, mode]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return mode_ == mode; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int64_t EventedPLEG::events_processed() const {
  krl::MutexLock lock(&mu_);
  return events_processed_;
}

bool EventedPLEG::WaitForEventsProcessed(int64_t count, absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto reached = [this, count]()
                     ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return events_processed_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int64_t EventedPLEG::stream_connects() const {
  krl::MutexLock lock(&mu_);
  return connects_;
}

int64_t EventedPLEG::stream_failures() const {
  krl::MutexLock lock(&mu_);
  return failures_;
}

absl::Time EventedPLEG::next_stream_retry() const {
  krl::MutexLock lock(&mu_);
  return next_retry_;
}

bool EventedPLEG::WaitForIdleAt(absl::Time time, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  if (!relister_.WaitForIdleAt(time, timeout)) return false;
  krl::MutexLock lock(&mu_);
  auto idle = [this, time]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return idle_ && !stream_failed_ && observed_ >= time;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
