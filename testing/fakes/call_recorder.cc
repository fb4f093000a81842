#include "testing/fakes/call_recorder.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace krl {
namespace testing {

CallRecorder::CallRecorder(Clock& clock) : clock_(clock) {}

void CallRecorder::InjectError(absl::string_view method, absl::Status error, int times) {
  if (times == 0 || error.ok()) return;
  krl::MutexLock lock(&mu_);
  errors_[std::string(method)].push_back({std::move(error), times < 0 ? kForever : times});
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
  latencies_.clear();
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

absl::Status CallRecorder::BeginCall(absl::string_view method,
                                     const google::protobuf::Message& request) {
  std::shared_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  absl::Duration latency = absl::ZeroDuration();
  absl::Status injected;
  {
    krl::MutexLock lock(&mu_);
    calls_.push_back({std::string(method), std::move(copy), clock_.Now()});
    auto latency_it = latencies_.find(method);
    if (latency_it != latencies_.end()) latency = latency_it->second;
    auto error_it = errors_.find(method);
    if (error_it != errors_.end() && !error_it->second.empty()) {
      Injection& front = error_it->second.front();
      injected = front.error;
      if (front.remaining != kForever && --front.remaining == 0) error_it->second.pop_front();
    }
  }
  // Sleep outside the lock so other calls (and the test) proceed meanwhile.
  if (latency > absl::ZeroDuration()) clock_.SleepFor(latency);
  return injected;
}

}  // namespace testing
}  // namespace krl
