#include "testing/fakes/container_event_hub.h"

#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "runtime/util/mutex.h"

namespace krl {
namespace testing {
namespace {

// One subscriber's queue and delivery thread state. Shared by the hub (to publish), the
// subscription handle (to cancel) and the delivery thread (which keeps it alive while running).
class Subscriber {
 public:
  explicit Subscriber(runtime::ContainerEventHandlers handlers) : handlers_(std::move(handlers)) {}

  void Push(const cri::ContainerEventResponse& event) {
    krl::MutexLock lock(&mu_);
    if (cancelled_ || end_status_.has_value()) return;
    queue_.push_back(event);
  }

  // Ends delivery after the queued events; false when already cancelled or ended.
  bool End(const absl::Status& status) {
    krl::MutexLock lock(&mu_);
    if (cancelled_ || end_status_.has_value()) return false;
    end_status_ = status;
    return true;
  }

  // Stops delivery now; queued events are dropped.
  void Cancel() {
    krl::MutexLock lock(&mu_);
    cancelled_ = true;
  }

  bool Open() const {
    krl::MutexLock lock(&mu_);
    return !cancelled_ && !end_status_.has_value();
  }

  // The delivery loop; runs on the subscription's own thread.
  void Run() {
    while (true) {
      cri::ContainerEventResponse event;
      {
        krl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return cancelled_ || end_status_.has_value() || !queue_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (cancelled_) break;
        if (queue_.empty()) break;  // ended and drained
        event = std::move(queue_.front());
        queue_.pop_front();
      }
      if (handlers_.on_event) handlers_.on_event(std::move(event));
    }
    absl::Status done;
    {
      krl::MutexLock lock(&mu_);
      // A Cancel that raced with an end still reports OK, as the contract promises.
      done = cancelled_ ? absl::OkStatus() : *end_status_;
    }
    if (handlers_.on_done) handlers_.on_done(done);
  }

 private:
  const runtime::ContainerEventHandlers handlers_;
  mutable krl::Mutex mu_;
  std::deque<cri::ContainerEventResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> end_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

namespace internal {

class EventHubCore {
 public:
  int Add(std::shared_ptr<Subscriber> subscriber) {
    krl::MutexLock lock(&mu_);
    int id = next_id_++;
    subscribers_.emplace(id, std::move(subscriber));
    return id;
  }

  void Remove(int id) {
    krl::MutexLock lock(&mu_);
    subscribers_.erase(id);
  }

  void Publish(const cri::ContainerEventResponse& event) {
    krl::MutexLock lock(&mu_);
    for (auto& [id, subscriber] : subscribers_) subscriber->Push(event);
  }

  void EndAll(const absl::Status& status) {
    krl::MutexLock lock(&mu_);
    for (auto& [id, subscriber] : subscribers_) subscriber->End(status);
    subscribers_.clear();
  }

  int Count() const {
    krl::MutexLock lock(&mu_);
    int open = 0;
    for (const auto& [id, subscriber] : subscribers_) open += subscriber->Open() ? 1 : 0;
    return open;
  }

  bool WaitFor(int count, absl::Duration timeout) const {
    krl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return static_cast<int>(subscribers_.size()) >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  mutable krl::Mutex mu_;
  int next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int, std::shared_ptr<Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal

namespace {

class HubSubscription final : public runtime::ContainerEventSubscription {
 public:
  HubSubscription(std::shared_ptr<internal::EventHubCore> core,
                  std::shared_ptr<Subscriber> subscriber)
      : core_(std::move(core)), subscriber_(std::move(subscriber)) {
    id_ = core_->Add(subscriber_);
    thread_ = std::thread([s = subscriber_] { s->Run(); });
  }

  ~HubSubscription() override {
    Cancel();
    // A callback that destroys its own subscription cannot wait for itself.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

  void Cancel() override {
    subscriber_->Cancel();
    core_->Remove(id_);
  }

 private:
  std::shared_ptr<internal::EventHubCore> core_;
  std::shared_ptr<Subscriber> subscriber_;
  int id_ = 0;
  std::thread thread_;
};

}  // namespace

ContainerEventHub::ContainerEventHub() : core_(std::make_shared<internal::EventHubCore>()) {}

ContainerEventHub::~ContainerEventHub() {
  core_->EndAll(absl::UnavailableError("runtime shut down"));
}

std::unique_ptr<runtime::ContainerEventSubscription> ContainerEventHub::Subscribe(
    runtime::ContainerEventHandlers handlers) {
  return std::make_unique<HubSubscription>(core_,
                                           std::make_shared<Subscriber>(std::move(handlers)));
}

void ContainerEventHub::Publish(const cri::ContainerEventResponse& event) { core_->Publish(event); }

void ContainerEventHub::EndAll(const absl::Status& status) {
  core_->EndAll(status.ok() ? absl::UnknownError("event stream ended") : status);
}

int ContainerEventHub::SubscriberCount() const { return core_->Count(); }

bool ContainerEventHub::WaitForSubscribers(int count, absl::Duration timeout) const {
  return core_->WaitFor(count, timeout);
}

}  // namespace testing
}  // namespace krl
