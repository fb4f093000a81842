// CallRecorder: the call log, error injection and latency injection shared by the CRI fakes.
//
// FakeRuntimeService and FakeImageService inherit it, so a test reads and scripts calls on the
// fake itself:
//
//   fake.InjectError("StartContainer", absl::UnavailableError("runtime restarting"), 2);
//   ... run the code under test ...
//   REQUIRE(fake.AssertCalls({"RunPodSandbox", "CreateContainer", "StartContainer"}).ok());
//
// Thread safe: any thread may call any method. One mutex guards the log and the injections; it
// is never held while sleeping or while the fake does its work.
#ifndef KRL_TESTING_FAKES_CALL_RECORDER_H_
#define KRL_TESTING_FAKES_CALL_RECORDER_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "runtime/util/clock.h"

namespace krl {
namespace testing {

// One call a fake received, in arrival order.
struct RecordedCall {
  // The CRI method name, e.g. "StartContainer".
  std::string method;
  // A copy of the request message (never null).
  std::shared_ptr<const google::protobuf::Message> request;
  // When the call arrived, on the fake's clock.
  absl::Time time;
};

class CallRecorder {
 public:
  // `times` value for an injection that never runs out.
  static constexpr int kForever = -1;

  explicit CallRecorder(Clock& clock);
  virtual ~CallRecorder() = default;
  CallRecorder(const CallRecorder&) = delete;
  CallRecorder& operator=(const CallRecorder&) = delete;

  // Queues `error` as the answer of the next `times` calls to `method` (kForever: every call).
  // Injections for one method are consumed in the order they were queued. The call is still
  // recorded; the fake's state does not change.
  void InjectError(absl::string_view method, absl::Status error, int times = 1);

  // Every later call to `method` first sleeps `latency` on the fake's clock: with a FakeClock the
  // call blocks until the test advances it (FakeClock::WaitForSleepers tells when the call is
  // waiting); with the real clock it is a real delay, as the fake gRPC server needs.
  // Zero removes the latency.
  void SetLatency(absl::string_view method, absl::Duration latency);

  // Drops every queued error and latency.
  void ClearInjections();

  std::vector<RecordedCall> Calls() const;
  std::vector<RecordedCall> CallsTo(absl::string_view method) const;
  std::vector<std::string> CallNames() const;
  int CallCount(absl::string_view method) const;
  void ClearCalls();

  // The requests of every call to `method`, typed. Request must be the method's request type.
  template <typename Request>
  std::vector<Request> RequestsTo(absl::string_view method) const {
    std::vector<Request> requests;
    for (const RecordedCall& call : CallsTo(method)) {
      Request request;
      request.CopyFrom(*call.request);
      requests.push_back(std::move(request));
    }
    return requests;
  }

  // OK when the recorded method names are exactly `expected`, in order; otherwise
  // FailedPrecondition whose message shows both sequences and the first difference.
  [[nodiscard]] absl::Status AssertCalls(const std::vector<std::string>& expected) const;

  // OK when `expected` appears in the recorded names in order, other calls allowed in between.
  [[nodiscard]] absl::Status AssertCallsInclude(const std::vector<std::string>& expected) const;

 protected:
  // Called first by every fake method: records the call, sleeps the method's latency, then
  // returns the next injected error for it (OK when none is queued).
  [[nodiscard]] absl::Status BeginCall(absl::string_view method,
                                       const google::protobuf::Message& request);

  Clock& clock() const { return clock_; }

 private:
  struct Injection {
    absl::Status error;
    int remaining;  // kForever or > 0
  };

  Clock& clock_;
  mutable krl::Mutex mu_;
  std::vector<RecordedCall> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<Injection>, std::less<>> errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Duration, std::less<>> latencies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_CALL_RECORDER_H_
