#include "testing/fakes/call_recorder.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/cri/v1/cri.h"
#include "testing/fake_clock.h"

namespace krl {
namespace testing {
namespace {

// Exposes BeginCall the way a fake uses it.
class Recorder : public CallRecorder {
 public:
  using CallRecorder::BeginCall;
  using CallRecorder::CallRecorder;

  // A unary method whose effect counts `effects` and whose response carries `version`.
  absl::StatusOr<cri::VersionResponse> Version(int* effects) {
    return HandleCall<cri::VersionResponse>("Version", cri::VersionRequest(),
                                            [&]() -> absl::StatusOr<cri::VersionResponse> {
                                              ++*effects;
                                              cri::VersionResponse response;
                                              response.set_runtime_name("fake");
                                              response.set_version("0.1.0");
                                              return response;
                                            });
  }

  // A streaming method that sends `n` messages of one image each.
  absl::Status Stream(int n, std::vector<cri::StreamImagesResponse>* got) {
    std::function<void(cri::StreamImagesResponse &&)> on_message =
        [got](cri::StreamImagesResponse&& m) { got->push_back(std::move(m)); };
    return HandleStream("StreamImages", cri::StreamImagesRequest(), on_message,
                        [n](const std::function<void(cri::StreamImagesResponse &&)>& sink) {
                          for (int i = 0; i < n; ++i) {
                            cri::StreamImagesResponse m;
                            m.add_images()->set_id(absl::StrCat("sha256:", i));
                            sink(std::move(m));
                          }
                          return absl::OkStatus();
                        });
  }
};

TEST_CASE("AssertCalls explains the first difference") {
  FakeClock clock;
  Recorder recorder(clock);
  REQUIRE(recorder.BeginCall("A", cri::VersionRequest()).ok());
  REQUIRE(recorder.BeginCall("B", cri::VersionRequest()).ok());
  CHECK(recorder.AssertCalls({"A", "B"}).ok());
  CHECK(absl::StrContains(recorder.AssertCalls({"A"}).message(), "unexpected extra call 1: B"));
  CHECK(absl::StrContains(recorder.AssertCalls({"A", "B", "C"}).message(), "missing call 2: C"));
  CHECK(absl::StrContains(recorder.AssertCalls({"A", "X"}).message(), "call 1 is B, expected X"));
  CHECK(recorder.CallCount("A") == 1);
}

TEST_CASE("injections of one method are consumed in order and kForever never runs out") {
  FakeClock clock;
  Recorder recorder(clock);
  recorder.InjectError("A", absl::NotFoundError("1"), 1);
  recorder.InjectError("A", absl::InternalError("2"), CallRecorder::kForever);
  CHECK(absl::IsNotFound(recorder.BeginCall("A", cri::VersionRequest())));
  for (int i = 0; i < 5; ++i)
    CHECK(absl::IsInternal(recorder.BeginCall("A", cri::VersionRequest())));
  CHECK(recorder.BeginCall("B", cri::VersionRequest()).ok());
  recorder.ClearInjections();
  CHECK(recorder.BeginCall("A", cri::VersionRequest()).ok());
}

TEST_CASE("requests are copied and read back typed") {
  FakeClock clock;
  Recorder recorder(clock);
  cri::VersionRequest request;
  request.set_version("v1");
  REQUIRE(recorder.BeginCall("Version", request).ok());
  request.set_version("changed");
  auto requests = recorder.RequestsTo<cri::VersionRequest>("Version");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].version() == "v1");
}

TEST_CASE("an after-effect error lets the call take effect and loses its answer") {
  FakeClock clock;
  Recorder recorder(clock);
  int effects = 0;
  recorder.InjectErrorAfterEffect("Version", absl::DeadlineExceededError("lost"), 2);
  CHECK(absl::IsDeadlineExceeded(recorder.Version(&effects).status()));
  CHECK(absl::IsDeadlineExceeded(recorder.Version(&effects).status()));
  CHECK(effects == 2);
  CHECK(recorder.Version(&effects).ok());
  CHECK(effects == 3);
  // A before-effect error: no effect.
  recorder.InjectError("Version", absl::UnavailableError("down"));
  CHECK(absl::IsUnavailable(recorder.Version(&effects).status()));
  CHECK(effects == 3);
  CHECK(recorder.CallCount("Version") == 4);
}

TEST_CASE("an after-effect error waits for a call that succeeds") {
  FakeClock clock;
  Recorder recorder(clock);
  int effects = 0;
  recorder.InjectErrorAfterEffect("Version", absl::DeadlineExceededError("lost"));
  recorder.InjectError("Version", absl::UnavailableError("down"));
  // The first call fails before its effect: the after-effect error is not used up by it.
  CHECK(absl::IsUnavailable(recorder.Version(&effects).status()));
  CHECK(effects == 0);
  CHECK(absl::IsDeadlineExceeded(recorder.Version(&effects).status()));
  CHECK(effects == 1);
  CHECK(recorder.Version(&effects).ok());
}

TEST_CASE("an injected delay on the fake clock holds that many calls until the clock advances") {
  FakeClock clock;
  Recorder recorder(clock);
  recorder.InjectDelay("Version", absl::Seconds(30), 1);
  int effects = 0;
  std::atomic<bool> done{false};
  bool ok = false;  // checked after join: Catch2 assertions are not thread safe
  std::thread caller([&] {
    ok = recorder.Version(&effects).ok();
    done = true;
  });
  REQUIRE(clock.WaitForSleepers(1));
  clock.Advance(absl::Seconds(29));
  CHECK_FALSE(recorder.WaitForNoCallsInFlight(absl::Milliseconds(20)));
  CHECK(recorder.CallsInFlight() == 1);
  CHECK_FALSE(done);
  CHECK(effects == 0);  // the delay comes before the effect
  clock.Advance(absl::Seconds(1));
  CHECK(recorder.WaitForNoCallsInFlight());
  caller.join();
  CHECK(ok);
  CHECK(done);
  CHECK(effects == 1);
  CHECK(recorder.CallsInFlight() == 0);
  // Used up: the next call does not wait.
  CHECK(recorder.Version(&effects).ok());
}

TEST_CASE("a real-time delay takes real time even on a fake clock") {
  FakeClock clock;
  Recorder recorder(clock);
  recorder.InjectDelay("Version", absl::Milliseconds(150), 1, DelayClock::kRealTime);
  const absl::Time fake_start = clock.Now();
  const absl::Time start = absl::Now();
  int effects = 0;
  CHECK(recorder.Version(&effects).ok());
  CHECK(absl::Now() - start >= absl::Milliseconds(150));
  CHECK(clock.Now() == fake_start);
  CHECK(effects == 1);
}

TEST_CASE("response mutations change that many successful responses, in order") {
  FakeClock clock;
  Recorder recorder(clock);
  recorder.InjectResponseMutation(
      "Version",
      [](google::protobuf::Message& m) {
        m.GetReflection()->ClearField(&m, m.GetDescriptor()->FindFieldByName("runtime_name"));
      },
      1);
  recorder.InjectResponseMutation<cri::VersionResponse>(
      "Version", [](cri::VersionResponse& r) { r.set_version("bogus"); }, 2);
  int effects = 0;
  absl::StatusOr<cri::VersionResponse> first = recorder.Version(&effects);
  REQUIRE(first.ok());
  CHECK(first->runtime_name().empty());
  CHECK(first->version() == "0.1.0");
  // A failed call does not use a mutation up.
  recorder.InjectError("Version", absl::UnavailableError("down"));
  CHECK_FALSE(recorder.Version(&effects).ok());
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<cri::VersionResponse> r = recorder.Version(&effects);
    REQUIRE(r.ok());
    CHECK(r->runtime_name() == "fake");
    CHECK(r->version() == "bogus");
  }
  CHECK(recorder.Version(&effects)->version() == "0.1.0");
}

TEST_CASE("streamed messages are mutated one by one") {
  FakeClock clock;
  Recorder recorder(clock);
  recorder.InjectResponseMutation<cri::StreamImagesResponse>(
      "StreamImages", [](cri::StreamImagesResponse& m) { m.mutable_images(0)->clear_id(); }, 2);
  std::vector<cri::StreamImagesResponse> got;
  REQUIRE(recorder.Stream(3, &got).ok());
  REQUIRE(got.size() == 3);
  CHECK(got[0].images(0).id().empty());
  CHECK(got[1].images(0).id().empty());
  CHECK(got[2].images(0).id() == "sha256:2");
  recorder.InjectErrorAfterEffect("StreamImages", absl::UnavailableError("broken"));
  got.clear();
  CHECK(absl::IsUnavailable(recorder.Stream(2, &got)));
  CHECK(got.size() == 2);
}

TEST_CASE("the fault hook decides each call and wins over queued errors") {
  FakeClock clock;
  Recorder recorder(clock);
  int seen = 0;
  recorder.SetFaultHook([&](absl::string_view method, const google::protobuf::Message&) {
    Fault fault;
    if (method == "Version" && ++seen % 2 == 0) {
      fault.error = absl::InternalError("every second call");
      fault.after_effect = seen == 4;
    }
    return fault;
  });
  recorder.InjectError("Version", absl::NotFoundError("queued"), 1);
  int effects = 0;
  CHECK(absl::IsNotFound(recorder.Version(&effects).status()));  // the hook let it through
  CHECK(absl::IsInternal(recorder.Version(&effects).status()));  // before effect
  CHECK(effects == 0);
  CHECK(recorder.Version(&effects).ok());
  CHECK(absl::IsInternal(recorder.Version(&effects).status()));  // after effect
  CHECK(effects == 2);
  recorder.ClearInjections();
  CHECK(recorder.Version(&effects).ok());
  CHECK(recorder.Version(&effects).ok());
  CHECK(seen == 4);
}

TEST_CASE("ClearInjections drops delays, after-effect errors and mutations too") {
  FakeClock clock;
  Recorder recorder(clock);
  recorder.InjectDelay("Version", absl::Hours(1), CallRecorder::kForever);
  recorder.InjectErrorAfterEffect("Version", absl::InternalError("x"), CallRecorder::kForever);
  recorder.InjectResponseMutation<cri::VersionResponse>(
      "Version", [](cri::VersionResponse& r) { r.clear_version(); }, CallRecorder::kForever);
  recorder.ClearInjections();
  int effects = 0;
  absl::StatusOr<cri::VersionResponse> r = recorder.Version(&effects);  // would block otherwise
  REQUIRE(r.ok());
  CHECK(r->version() == "0.1.0");
}

}  // namespace
}  // namespace testing
}  // namespace krl
