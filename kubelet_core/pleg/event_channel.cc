#include "kubelet_core/pleg/event_channel.h"

#include <utility>

namespace krl {
namespace kubelet_core {
namespace pleg {

EventChannel::EventChannel(size_t capacity) : capacity_(capacity) {}

bool EventChannel::TryPush(PodLifecycleEvent event) {
  krl::MutexLock lock(&mu_);
  if (closed_ || queue_.size() >= capacity_) return false;
  queue_.push_back(std::move(event));
  return true;
}

std::optional<PodLifecycleEvent> EventChannel::Pop(absl::Duration timeout) {
  krl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closed_; };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (queue_.empty()) return std::nullopt;
  PodLifecycleEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

std::optional<PodLifecycleEvent> EventChannel::TryPop() {
  krl::MutexLock lock(&mu_);
  if (queue_.empty()) return std::nullopt;
  PodLifecycleEvent event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

std::vector<PodLifecycleEvent> EventChannel::Drain() {
  krl::MutexLock lock(&mu_);
  std::vector<PodLifecycleEvent> events(std::make_move_iterator(queue_.begin()),
                                        std::make_move_iterator(queue_.end()));
  queue_.clear();
  return events;
}

void EventChannel::Close() {
  krl::MutexLock lock(&mu_);
  closed_ = true;
}

bool EventChannel::closed() const {
  krl::MutexLock lock(&mu_);
  return closed_;
}

size_t EventChannel::size() const {
  krl::MutexLock lock(&mu_);
  return queue_.size();
}

bool EventChannel::full() const {
  krl::MutexLock lock(&mu_);
  return queue_.size() >= capacity_;
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
