#include "testing/fakes/call_recorder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace krl {
namespace testing {

CallRecorder::CallRecorder(Clock& clock) : clock_(clock) {}

void CallRecorder::InjectError(absl::string_view method, absl::Status error, int times) {
  if (times == 0 || error.ok()) return;
  krl::MutexLock lock(&mu_);
  errors_[std::string(method)].push_back({std::move(error), times < 0 ? kForever : times});
}

void CallRecorder::InjectErrorAfterEffect(absl::string_view method, absl::Status error, int times) {
  if (times == 0 || error.ok()) return;
  krl::MutexLock lock(&mu_);
  errors_after_[std::string(method)].push_back({std::move(error), times < 0 ? kForever : times});
}

void CallRecorder::InjectDelay(absl::string_view method, absl::Duration delay, int times,
                               DelayClock clock) {
  if (times == 0 || delay <= absl::ZeroDuration()) return;
  krl::MutexLock lock(&mu_);
  delays_[std::string(method)].push_back({delay, clock, times < 0 ? kForever : times});
}

void CallRecorder::InjectResponseMutation(absl::string_view method, ResponseMutation mutation,
                                          int times) {
  if (times == 0 || !mutation) return;
  krl::MutexLock lock(&mu_);
  mutations_[std::string(method)].push_back({std::move(mutation), times < 0 ? kForever : times});
}

void CallRecorder::SetFaultHook(FaultHook hook) {
  krl::MutexLock lock(&mu_);
  hook_ = hook ? std::make_shared<const FaultHook>(std::move(hook)) : nullptr;
}

void CallRecorder::SetLatency(absl::string_view method, absl::Duration latency) {
  krl::MutexLock lock(&mu_);
  if (latency <= absl::ZeroDuration()) {
    auto it = latencies_.find(method);
    if (it != latencies_.end()) latencies_.erase(it);
    return;
  }
  latencies_[std::string(method)] = latency;
}

void CallRecorder::ClearInjections() {
  krl::MutexLock lock(&mu_);
  errors_.clear();
  errors_after_.clear();
  delays_.clear();
  mutations_.clear();
  latencies_.clear();
  hook_ = nullptr;
}

int CallRecorder::CallsInFlight() const {
  krl::MutexLock lock(&mu_);
  return in_flight_;
}

bool CallRecorder::WaitForNoCallsInFlight(absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

std::vector<RecordedCall> CallRecorder::Calls() const {
  krl::MutexLock lock(&mu_);
  return calls_;
}

std::vector<RecordedCall> CallRecorder::CallsTo(absl::string_view method) const {
  krl::MutexLock lock(&mu_);
  std::vector<RecordedCall> matching;
  for (const RecordedCall& call : calls_) {
    if (call.method == method) matching.push_back(call);
  }
  return matching;
}

std::vector<std::string> CallRecorder::CallNames() const {
  krl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  names.reserve(calls_.size());
  for (const RecordedCall& call : calls_) names.push_back(call.method);
  return names;
}

int CallRecorder::CallCount(absl::string_view method) const {
  krl::MutexLock lock(&mu_);
  return static_cast<int>(std::count_if(calls_.begin(), calls_.end(),
                                        [&](const RecordedCall& c) { return c.method == method; }));
}

void CallRecorder::ClearCalls() {
  krl::MutexLock lock(&mu_);
  calls_.clear();
}

absl::Status CallRecorder::AssertCalls(const std::vector<std::string>& expected) const {
  std::vector<std::string> actual = CallNames();
  if (actual == expected) return absl::OkStatus();
  size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  std::string difference =
      i < actual.size() && i < expected.size()
          ? absl::StrCat("call ", i, " is ", actual[i], ", expected ", expected[i])
      : i < actual.size() ? absl::StrCat("unexpected extra call ", i, ": ", actual[i])
                          : absl::StrCat("missing call ", i, ": ", expected[i]);
  return absl::FailedPreconditionError(
      absl::StrCat("calls differ: ", difference, "\n  expected: [", absl::StrJoin(expected, ", "),
                   "]\n  actual:   [", absl::StrJoin(actual, ", "), "]"));
}

absl::Status CallRecorder::AssertCallsInclude(const std::vector<std::string>& expected) const {
  std::vector<std::string> actual = CallNames();
  size_t next = 0;
  for (const std::string& name : actual) {
    if (next < expected.size() && name == expected[next]) ++next;
  }
  if (next == expected.size()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("calls do not include ", expected[next], " (expected item ", next,
                   ") in order\n  expected: [", absl::StrJoin(expected, ", "), "]\n  actual:   [",
                   absl::StrJoin(actual, ", "), "]"));
}

namespace {

// Takes one use of the front injection of `method`'s queue; false when none is queued.
template <typename Queues, typename Item>
bool TakeFront(Queues& queues, absl::string_view method, Item* item) {
  auto it = queues.find(method);
  if (it == queues.end() || it->second.empty()) return false;
  auto& front = it->second.front();
  *item = front;
  if (front.remaining != CallRecorder::kForever && --front.remaining == 0) it->second.pop_front();
  return true;
}

}  // namespace

void CallRecorder::Sleep(absl::Duration delay, DelayClock clock) {
  if (delay <= absl::ZeroDuration()) return;
  if (clock == DelayClock::kRealTime) {
    absl::SleepFor(delay);
  } else {
    clock_.SleepFor(delay);
  }
}

CallRecorder::CallFaults CallRecorder::StartCall(absl::string_view method,
                                                 const google::protobuf::Message& request) {
  std::shared_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  absl::Duration latency = absl::ZeroDuration();
  std::shared_ptr<const FaultHook> hook;
  DelayInjection delay{absl::ZeroDuration(), DelayClock::kFakeClock, 0};
  Injection before{absl::OkStatus(), 0};
  {
    krl::MutexLock lock(&mu_);
    calls_.push_back({std::string(method), std::move(copy), clock_.Now()});
    ++in_flight_;
    auto latency_it = latencies_.find(method);
    if (latency_it != latencies_.end()) latency = latency_it->second;
    hook = hook_;
    TakeFront(delays_, method, &delay);
    TakeFront(errors_, method, &before);
  }
  // The hook runs without the lock: it may read the call log.
  Fault decided = hook != nullptr ? (*hook)(method, request) : Fault();
  // Sleep outside the lock so other calls (and the test) proceed meanwhile.
  Sleep(latency, DelayClock::kFakeClock);
  Sleep(delay.delay, delay.clock);
  Sleep(decided.delay, decided.delay_clock);
  if (!decided.error.ok()) {
    // The hook's decision replaces a queued error before the effect (used up all the same).
    if (decided.after_effect) return {absl::OkStatus(), std::move(decided.error)};
    return {std::move(decided.error), absl::OkStatus()};
  }
  return {std::move(before.error), absl::OkStatus()};
}

CallRecorder::AfterEffect CallRecorder::TakeAfterEffect(absl::string_view method,
                                                        bool with_mutation) {
  Injection error{absl::OkStatus(), 0};
  MutationInjection mutation{nullptr, 0};
  krl::MutexLock lock(&mu_);
  if (TakeFront(errors_after_, method, &error)) return {std::move(error.error), nullptr};
  if (with_mutation) TakeFront(mutations_, method, &mutation);
  return {absl::OkStatus(), std::move(mutation.mutation)};
}

void CallRecorder::EndCall() {
  krl::MutexLock lock(&mu_);
  --in_flight_;
}

absl::Status CallRecorder::BeginCall(absl::string_view method,
                                     const google::protobuf::Message& request) {
  CallFaults faults = StartCall(method, request);
  InFlight in_flight{this};
  if (!faults.before.ok()) return faults.before;
  if (!faults.after.ok()) return faults.after;
  return TakeAfterEffect(method, /*with_mutation=*/false).error;
}

void CallRecorder::MutateResponse(absl::string_view method, google::protobuf::Message& response) {
  MutationInjection mutation{nullptr, 0};
  {
    krl::MutexLock lock(&mu_);
    if (!TakeFront(mutations_, method, &mutation)) return;
  }
  // Outside the lock: the mutation is the test's code.
  mutation.mutation(response);
}

}  // namespace testing
}  // namespace krl
