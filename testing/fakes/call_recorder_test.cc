#include "testing/fakes/call_recorder.h"

#include <catch2/catch.hpp>

#include "absl/strings/match.h"
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

}  // namespace
}  // namespace testing
}  // namespace krl
