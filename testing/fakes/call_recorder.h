// CallRecorder: the call log and the fault injection shared by the CRI fakes: errors (before or
// after the call takes effect), latency and one-off delays, corrupted responses, and a hook that
// decides the fate of every call.
//
// FakeRuntimeService and FakeImageService inherit it, so a test reads and scripts calls on the
// fake itself:
//
//   fake.InjectError("StartContainer", absl::UnavailableError("runtime restarting"), 2);
//   fake.InjectDelay("StopContainer", absl::Seconds(30));          // one slow call
//   fake.InjectResponseMutation<cri::ContainerStatusResponse>(      // one corrupt answer
//       "ContainerStatus", [](cri::ContainerStatusResponse& r) { r.clear_status(); });
//   ... run the code under test ...
//   REQUIRE(fake.AssertCalls({"RunPodSandbox", "CreateContainer", "StartContainer"}).ok());
//
// A call goes through these stages, in order: it is recorded; the fault hook (SetFaultHook) is
// asked; it sleeps its latency (SetLatency), queued delay (InjectDelay) and the hook's delay; it
// fails with the hook's or the next queued error (InjectError) without effect; the fake does its
// work; a successful call may then fail with an after-effect error (hook, InjectErrorAfterEffect)
// or have its response changed by the next queued mutation (InjectResponseMutation).
// Streaming list RPCs apply mutations to every message they send (each message counts as one).
//
// Thread safe: any thread may call any method. One mutex guards the log and the injections; it
// is never held while sleeping, while the fake does its work or while a hook or a mutation runs.
#ifndef KRL_TESTING_FAKES_CALL_RECORDER_H_
#define KRL_TESTING_FAKES_CALL_RECORDER_H_

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_field.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"

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

// Which clock an injected delay sleeps on.
enum class DelayClock {
  // The fake's clock: with a FakeClock the call blocks until the test advances it (a slow call
  // in fake time, e.g. past a timeout the code under test measures on the same clock).
  kFakeClock,
  // Real time, whatever the fake's clock: for deadlines that run in real time, e.g. the gRPC
  // deadline of a remote client talking to the fake through testing/fake_remote.
  kRealTime,
};

// What the fault hook decides for one call. The default value lets the call through untouched.
struct Fault {
  // Non-OK: the call fails with it.
  absl::Status error;
  // false: the call fails before it has any effect (the runtime refused it or never got it).
  // true: the fake does the work, then the caller gets `error` instead of the response (the
  // runtime did it but the answer was lost, as when a deadline expires meanwhile).
  bool after_effect = false;
  // The call first sleeps this long on `delay_clock`.
  absl::Duration delay = absl::ZeroDuration();
  DelayClock delay_clock = DelayClock::kFakeClock;
};

class CallRecorder {
 public:
  // `times` value for an injection that never runs out.
  static constexpr int kForever = -1;

  // Changes a successful response in place (strip or corrupt fields). `response` is the
  // method's response message (for streaming lists: one streamed message).
  using ResponseMutation = std::function<void(google::protobuf::Message& response)>;
  // Decides the fate of one call: `method` and its `request`. Runs on the calling thread,
  // possibly on several threads at once, with no lock of the fake held (it may call the fake's
  // inspection methods, not its CRI methods).
  using FaultHook =
      std::function<Fault(absl::string_view method, const google::protobuf::Message& request)>;

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

  // The next `times` successful calls to `method` take effect, then answer `error` instead of
  // their response (a lost answer: the sandbox exists, the caller saw DeadlineExceeded).
  void InjectErrorAfterEffect(absl::string_view method, absl::Status error, int times = 1);

  // The next `times` calls to `method` first sleep `delay` on `clock` (in addition to any
  // SetLatency). Queued like errors: consumed in order, one per call.
  void InjectDelay(absl::string_view method, absl::Duration delay, int times = 1,
                   DelayClock clock = DelayClock::kFakeClock);

  // The next `times` successful responses of `method` are passed to `mutation` before the
  // caller gets them. One mutation per response; queued mutations are consumed in order.
  void InjectResponseMutation(absl::string_view method, ResponseMutation mutation, int times = 1);
  // The same with the response typed:
  //   fake.InjectResponseMutation<cri::ListPodSandboxResponse>(
  //       "ListPodSandbox", [](cri::ListPodSandboxResponse& r) { r.mutable_items(0)->clear_id();
  //       });
  // A response of another type (a test bug) aborts with a message naming both types.
  template <typename Response, typename Mutation>
  void InjectResponseMutation(absl::string_view method, Mutation mutation, int times = 1) {
    InjectResponseMutation(
        method,
        [mutation = std::move(mutation)](google::protobuf::Message& message) mutable {
          auto* typed = dynamic_cast<Response*>(&message);
          if (typed == nullptr) {
            std::fprintf(stderr, "InjectResponseMutation: expected %s, got %s\n",
                         Response::descriptor()->full_name().c_str(),
                         message.GetDescriptor()->full_name().c_str());
            std::abort();
          }
          mutation(*typed);
        },
        times);
  }

  // Asks `hook` about every later call (null removes it). Its error wins over a queued one; its
  // delay adds to the queued ones. For fault schedules a queue cannot express: "the 7th mutating
  // call of the test fails", "10% of calls fail, seeded".
  void SetFaultHook(FaultHook hook);

  // Drops every queued error, delay, latency and mutation, and the fault hook.
  void ClearInjections();

  // Calls that arrived and have not returned yet (sleeping a delay, or doing their work).
  int CallsInFlight() const;
  // Waits (real time, bounded by `timeout`) until no call is in flight; false on timeout. After a
  // client gave up on a slow call (a gRPC deadline), this tells when the fake has finished it.
  [[nodiscard]] bool WaitForNoCallsInFlight(absl::Duration timeout = absl::Seconds(10)) const;

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
  // What StartCall decided for one call.
  struct CallFaults {
    absl::Status before;  // fail now, without effect
    absl::Status after;   // the hook's: fail once the fake did the work
  };
  // What a call that succeeded gets afterwards: the next queued after-effect error, or else
  // (when asked for) the next queued response mutation.
  struct AfterEffect {
    absl::Status error;
    ResponseMutation mutation;
  };

  // Records the call, takes its queued delay and before-effect error, asks the hook and sleeps
  // the delays. The call is in flight until the matching EndCall.
  [[nodiscard]] CallFaults StartCall(absl::string_view method,
                                     const google::protobuf::Message& request);
  void EndCall();
  // Only for a call that succeeded: queued after-effect errors and mutations are for those.
  AfterEffect TakeAfterEffect(absl::string_view method, bool with_mutation);

  // For methods without a message response: StartCall's before-effect error (OK when none).
  // An after-effect error is returned as well, before the effect (there is no answer to lose).
  [[nodiscard]] absl::Status BeginCall(absl::string_view method,
                                       const google::protobuf::Message& request);

  // A unary method: StartCall, then `body` (the fake's work, returning the response), then the
  // after-effect error or the response mutation.
  template <typename Response, typename Body>
  absl::StatusOr<Response> HandleCall(absl::string_view method,
                                      const google::protobuf::Message& request, Body&& body) {
    CallFaults faults = StartCall(method, request);
    InFlight in_flight{this};
    if (!faults.before.ok()) return faults.before;
    absl::StatusOr<Response> response = std::forward<Body>(body)();
    if (!response.ok()) return response;
    if (!faults.after.ok()) return faults.after;
    AfterEffect after = TakeAfterEffect(method, /*with_mutation=*/true);
    if (!after.error.ok()) return after.error;
    // Outside the lock: the mutation is the test's code.
    if (after.mutation != nullptr) after.mutation(*response);
    return response;
  }

  // A streaming list method: `body(sink)` sends every message through `sink`, which applies
  // the queued mutations before `on_message` gets it.
  template <typename StreamMessage, typename Body>
  absl::Status HandleStream(absl::string_view method, const google::protobuf::Message& request,
                            const std::function<void(StreamMessage&&)>& on_message, Body&& body) {
    CallFaults faults = StartCall(method, request);
    InFlight in_flight{this};
    if (!faults.before.ok()) return faults.before;
    std::function<void(StreamMessage &&)> sink = [this, method,
                                                  &on_message](StreamMessage&& message) {
      MutateResponse(method, message);
      on_message(std::move(message));
    };
    absl::Status status = std::forward<Body>(body)(sink);
    if (!status.ok()) return status;
    if (!faults.after.ok()) return faults.after;
    return TakeAfterEffect(method, /*with_mutation=*/false).error;
  }

  // Splits `items` into stream messages of at most `batch` items (at least 1) in `field`; no
  // message for an empty list.
  template <typename Item, typename Message>
  static void SendBatches(std::vector<Item> items, int batch,
                          google::protobuf::RepeatedPtrField<Item>* (Message::*field)(),
                          const std::function<void(Message&&)>& on_message) {
    const size_t size = static_cast<size_t>(std::max(1, batch));
    for (size_t i = 0; i < items.size(); i += size) {
      Message message;
      for (size_t j = i; j < std::min(items.size(), i + size); ++j) {
        *(message.*field)()->Add() = std::move(items[j]);
      }
      on_message(std::move(message));
    }
  }

  // Applies the next queued mutation of `method` (if any) to `response`.
  void MutateResponse(absl::string_view method, google::protobuf::Message& response);

  Clock& clock() const { return clock_; }

 private:
  // Ends the call when the fake's method returns.
  struct InFlight {
    CallRecorder* recorder;
    ~InFlight() { recorder->EndCall(); }
  };
  struct Injection {
    absl::Status error;
    int remaining;  // kForever or > 0
  };
  struct DelayInjection {
    absl::Duration delay;
    DelayClock clock;
    int remaining;  // kForever or > 0
  };
  struct MutationInjection {
    ResponseMutation mutation;
    int remaining;  // kForever or > 0
  };

  void Sleep(absl::Duration delay, DelayClock clock);

  Clock& clock_;
  mutable krl::Mutex mu_;
  std::vector<RecordedCall> calls_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::deque<Injection>, std::less<>> errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<Injection>, std::less<>> errors_after_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<DelayInjection>, std::less<>> delays_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::deque<MutationInjection>, std::less<>> mutations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Duration, std::less<>> latencies_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const FaultHook> hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_CALL_RECORDER_H_
