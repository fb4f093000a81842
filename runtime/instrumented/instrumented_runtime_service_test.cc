#include "runtime/instrumented/instrumented_runtime_service.h"

#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "runtime/metrics/registry.h"
#include "testing/fake_clock.h"

namespace krl {
namespace runtime {
namespace instrumented {
namespace {

class StubSubscription : public ContainerEventSubscription {
 public:
  void Cancel() override {}
};

// Answers every call with an empty response (or `error`), after moving the fake clock forward by
// `latency`: that is the call's duration as the decorator sees it.
class StubRuntimeService : public RuntimeService {
 public:
  explicit StubRuntimeService(krl::testing::FakeClock& clock, bool* destroyed = nullptr)
      : clock_(clock), destroyed_(destroyed) {}
  ~StubRuntimeService() override {
    if (destroyed_ != nullptr) *destroyed_ = true;
  }

  absl::Duration latency = absl::ZeroDuration();
  absl::Status error;
  ContainerEventHandlers event_handlers;  // what GetContainerEvents received

  absl::StatusOr<cri::VersionResponse> Version(const cri::VersionRequest&) override {
    absl::StatusOr<cri::VersionResponse> response = Answer<cri::VersionResponse>();
    if (response.ok()) response->set_runtime_name("stub");
    return response;
  }

#define KRL_STUB_UNARY(Method, Name)                                               \
  absl::StatusOr<cri::Name##Response> Method(const cri::Name##Request&) override { \
    return Answer<cri::Name##Response>();                                          \
  }
#define KRL_STUB_STREAM(Method)                                                                   \
  absl::Status Method(const cri::Method##Request&,                                                \
                      const std::function<void(cri::Method##Response &&)>& on_message) override { \
    clock_.Advance(latency);                                                                      \
    on_message(cri::Method##Response());                                                          \
    on_message(cri::Method##Response());                                                          \
    return error;                                                                                 \
  }

  KRL_STUB_UNARY(RunPodSandbox, RunPodSandbox)
  KRL_STUB_UNARY(StopPodSandbox, StopPodSandbox)
  KRL_STUB_UNARY(RemovePodSandbox, RemovePodSandbox)
  KRL_STUB_UNARY(PodSandboxStatus, PodSandboxStatus)
  KRL_STUB_UNARY(ListPodSandbox, ListPodSandbox)
  KRL_STUB_STREAM(StreamPodSandboxes)
  KRL_STUB_UNARY(CreateContainer, CreateContainer)
  KRL_STUB_UNARY(StartContainer, StartContainer)
  KRL_STUB_UNARY(StopContainer, StopContainer)
  KRL_STUB_UNARY(RemoveContainer, RemoveContainer)
  KRL_STUB_UNARY(ListContainers, ListContainers)
  KRL_STUB_STREAM(StreamContainers)
  KRL_STUB_UNARY(ContainerStatus, ContainerStatus)
  KRL_STUB_UNARY(UpdateContainerResources, UpdateContainerResources)
  KRL_STUB_UNARY(ReopenContainerLog, ReopenContainerLog)
  KRL_STUB_UNARY(ExecSync, ExecSync)
  KRL_STUB_UNARY(Exec, Exec)
  KRL_STUB_UNARY(Attach, Attach)
  KRL_STUB_UNARY(PortForward, PortForward)
  KRL_STUB_UNARY(ContainerStats, ContainerStats)
  KRL_STUB_UNARY(ListContainerStats, ListContainerStats)
  KRL_STUB_STREAM(StreamContainerStats)
  KRL_STUB_UNARY(PodSandboxStats, PodSandboxStats)
  KRL_STUB_UNARY(ListPodSandboxStats, ListPodSandboxStats)
  KRL_STUB_STREAM(StreamPodSandboxStats)
  KRL_STUB_UNARY(ListMetricDescriptors, ListMetricDescriptors)
  KRL_STUB_UNARY(ListPodSandboxMetrics, ListPodSandboxMetrics)
  KRL_STUB_STREAM(StreamPodSandboxMetrics)
  KRL_STUB_UNARY(UpdateRuntimeConfig, UpdateRuntimeConfig)
  KRL_STUB_UNARY(Status, Status)
  KRL_STUB_UNARY(RuntimeConfig, RuntimeConfig)
  KRL_STUB_UNARY(UpdatePodSandboxResources, UpdatePodSandboxResources)
  KRL_STUB_UNARY(CheckpointContainer, CheckpointContainer)
  KRL_STUB_UNARY(CheckpointPod, CheckpointPod)
  KRL_STUB_UNARY(RestorePod, RestorePod)
#undef KRL_STUB_UNARY
#undef KRL_STUB_STREAM

  absl::StatusOr<std::unique_ptr<ContainerEventSubscription>> GetContainerEvents(
      const cri::GetEventsRequest&, ContainerEventHandlers handlers) override {
    clock_.Advance(latency);
    if (!error.ok()) return error;
    event_handlers = std::move(handlers);
    return std::unique_ptr<ContainerEventSubscription>(new StubSubscription());
  }

 private:
  template <typename Response>
  absl::StatusOr<Response> Answer() {
    clock_.Advance(latency);
    if (!error.ok()) return error;
    return Response();
  }

  krl::testing::FakeClock& clock_;
  bool* destroyed_;
};

struct Fixture {
  krl::testing::FakeClock clock;
  metrics::Registry registry;
  RuntimeOperationMetrics op_metrics{registry};
  StubRuntimeService stub{clock};
  InstrumentedRuntimeService service{stub, op_metrics, clock};
};

// Every RuntimeService method, called once through the decorator, with the operation_type it
// must be recorded under.
std::vector<std::pair<std::string, std::function<void(RuntimeService&)>>> EveryMethod() {
  auto ignore = [](auto&&) {};
  auto on = [](auto&&) {};
  std::vector<std::pair<std::string, std::function<void(RuntimeService&)>>> calls = {
      {"version", [=](RuntimeService& s) { ignore(s.Version({})); }},
      {"run_podsandbox", [=](RuntimeService& s) { ignore(s.RunPodSandbox({})); }},
      {"stop_podsandbox", [=](RuntimeService& s) { ignore(s.StopPodSandbox({})); }},
      {"remove_podsandbox", [=](RuntimeService& s) { ignore(s.RemovePodSandbox({})); }},
      {"podsandbox_status", [=](RuntimeService& s) { ignore(s.PodSandboxStatus({})); }},
      {"list_podsandbox", [=](RuntimeService& s) { ignore(s.ListPodSandbox({})); }},
      {"stream_podsandboxes", [=](RuntimeService& s) { ignore(s.StreamPodSandboxes({}, on)); }},
      {"create_container", [=](RuntimeService& s) { ignore(s.CreateContainer({})); }},
      {"start_container", [=](RuntimeService& s) { ignore(s.StartContainer({})); }},
      {"stop_container", [=](RuntimeService& s) { ignore(s.StopContainer({})); }},
      {"remove_container", [=](RuntimeService& s) { ignore(s.RemoveContainer({})); }},
      {"list_containers", [=](RuntimeService& s) { ignore(s.ListContainers({})); }},
      {"stream_containers", [=](RuntimeService& s) { ignore(s.StreamContainers({}, on)); }},
      {"container_status", [=](RuntimeService& s) { ignore(s.ContainerStatus({})); }},
      {"update_container", [=](RuntimeService& s) { ignore(s.UpdateContainerResources({})); }},
      {"reopen_container_log", [=](RuntimeService& s) { ignore(s.ReopenContainerLog({})); }},
      {"exec_sync", [=](RuntimeService& s) { ignore(s.ExecSync({})); }},
      {"exec", [=](RuntimeService& s) { ignore(s.Exec({})); }},
      {"attach", [=](RuntimeService& s) { ignore(s.Attach({})); }},
      {"port_forward", [=](RuntimeService& s) { ignore(s.PortForward({})); }},
      {"container_stats", [=](RuntimeService& s) { ignore(s.ContainerStats({})); }},
      {"list_container_stats", [=](RuntimeService& s) { ignore(s.ListContainerStats({})); }},
      {"stream_container_stats",
       [=](RuntimeService& s) { ignore(s.StreamContainerStats({}, on)); }},
      {"podsandbox_stats", [=](RuntimeService& s) { ignore(s.PodSandboxStats({})); }},
      {"list_podsandbox_stats", [=](RuntimeService& s) { ignore(s.ListPodSandboxStats({})); }},
      {"stream_podsandbox_stats",
       [=](RuntimeService& s) { ignore(s.StreamPodSandboxStats({}, on)); }},
      {"list_metric_descriptors", [=](RuntimeService& s) { ignore(s.ListMetricDescriptors({})); }},
      {"list_podsandbox_metrics", [=](RuntimeService& s) { ignore(s.ListPodSandboxMetrics({})); }},
      {"stream_podsandbox_metrics",
       [=](RuntimeService& s) { ignore(s.StreamPodSandboxMetrics({}, on)); }},
      {"update_runtime_config", [=](RuntimeService& s) { ignore(s.UpdateRuntimeConfig({})); }},
      {"status", [=](RuntimeService& s) { ignore(s.Status({})); }},
      {"runtime_config", [=](RuntimeService& s) { ignore(s.RuntimeConfig({})); }},
      {"update_podsandbox_resources",
       [=](RuntimeService& s) { ignore(s.UpdatePodSandboxResources({})); }},
      {"checkpoint_container", [=](RuntimeService& s) { ignore(s.CheckpointContainer({})); }},
      {"checkpoint_pod", [=](RuntimeService& s) { ignore(s.CheckpointPod({})); }},
      {"restore_pod", [=](RuntimeService& s) { ignore(s.RestorePod({})); }},
      {"get_container_events",
       [=](RuntimeService& s) { ignore(s.GetContainerEvents({}, ContainerEventHandlers())); }},
  };
  return calls;
}

TEST_CASE("every RuntimeService method is recorded under the kubelet's operation_type") {
  Fixture f;
  const auto calls = EveryMethod();
  REQUIRE(calls.size() == 37);
  std::set<std::string> seen;
  for (const auto& call : calls) {
    call.second(f.service);
    seen.insert(call.first);
    std::map<std::string, OperationSnapshot> snapshot = f.op_metrics.Snapshot();
    INFO("operation " << call.first);
    REQUIRE(snapshot.size() == seen.size());  // exactly one new operation per method
    CHECK(snapshot[call.first].calls == 1);
    CHECK(snapshot[call.first].errors == 0);
    CHECK(snapshot[call.first].latency_count == 1);
  }
  const std::vector<const char*>& names = InstrumentedRuntimeService::OperationNames();
  CHECK(std::set<std::string>(names.begin(), names.end()) == seen);
}

TEST_CASE("responses and errors pass through the decorator unchanged") {
  Fixture f;
  absl::StatusOr<cri::VersionResponse> version = f.service.Version({});
  REQUIRE(version.ok());
  CHECK(version->runtime_name() == "stub");
  f.stub.error = absl::NotFoundError("ContainerStatus: container \"abc\" not found");
  absl::StatusOr<cri::ContainerStatusResponse> status = f.service.ContainerStatus({});
  CHECK(status.status() == f.stub.error);
}

TEST_CASE("errors are counted per operation and per gRPC code") {
  Fixture f;
  f.stub.error = absl::NotFoundError("gone");
  (void)f.service.ContainerStatus({});
  (void)f.service.ContainerStatus({});
  f.stub.error = absl::UnavailableError("runtime down");
  (void)f.service.ContainerStatus({});
  f.stub.error = absl::OkStatus();
  (void)f.service.ContainerStatus({});

  OperationSnapshot s = f.op_metrics.Snapshot("container_status");
  CHECK(s.calls == 4);
  CHECK(s.errors == 3);
  CHECK(s.errors_by_code ==
        std::map<absl::StatusCode, uint64_t>{{absl::StatusCode::kNotFound, 2},
                                             {absl::StatusCode::kUnavailable, 1}});
  CHECK(s.latency_count == 4);  // failed calls are timed too
  CHECK(f.op_metrics.Snapshot("list_containers").calls == 0);
}

TEST_CASE("latency from the injected clock lands in the kubelet's buckets") {
  Fixture f;
  const std::vector<std::pair<absl::Duration, size_t>> cases = {
      {absl::ZeroDuration(), 0},    // le=0.005
      {absl::Milliseconds(5), 0},   // exactly on a bound: that bucket
      {absl::Milliseconds(10), 1},  // le=0.0125
      {absl::Seconds(2), 7},        // le=3.0517578125
      {absl::Seconds(300), 13},     // le=745.0580596923828
      {absl::Seconds(1000), 14},    // +Inf
  };
  std::vector<uint64_t> expected(15, 0);
  double expected_sum = 0;
  for (const auto& c : cases) {
    f.stub.latency = c.first;
    (void)f.service.StopContainer({});
    expected[c.second]++;
    expected_sum += absl::ToDoubleSeconds(c.first);
  }
  OperationSnapshot s = f.op_metrics.Snapshot("stop_container");
  CHECK(s.latency.upper_bounds == RuntimeOperationMetrics::LatencyBuckets());
  CHECK(s.latency.bucket_counts == expected);
  CHECK(s.latency_count == cases.size());
  CHECK(s.latency_sum_seconds == Approx(expected_sum));
}

TEST_CASE("the registry renders the operation metrics as the expected exposition text") {
  Fixture f;
  f.stub.latency = absl::Milliseconds(10);
  (void)f.service.ListContainers({});
  f.stub.latency = absl::Seconds(4);
  f.stub.error = absl::UnavailableError("connection refused");
  (void)f.service.ListContainers({});

  const std::string h = "kubelet_runtime_operations_duration_seconds";
  const std::string labels = "{operation_type=\"list_containers\",le=\"";
  std::string expected = "# HELP " + h +
                         " Duration in seconds of CRI runtime operations, by operation type.\n" +
                         "# TYPE " + h + " histogram\n";
  const std::vector<std::pair<std::string, int>> buckets = {{"0.005", 0},
                                                            {"0.0125", 1},
                                                            {"0.03125", 1},
                                                            {"0.078125", 1},
                                                            {"0.1953125", 1},
                                                            {"0.48828125", 1},
                                                            {"1.220703125", 1},
                                                            {"3.0517578125", 1},
                                                            {"7.62939453125", 2},
                                                            {"19.073486328125", 2},
                                                            {"47.6837158203125", 2},
                                                            {"119.20928955078125", 2},
                                                            {"298.0232238769531", 2},
                                                            {"745.0580596923828", 2},
                                                            {"+Inf", 2}};
  for (const auto& b : buckets) {
    expected += h + "_bucket" + labels + b.first + "\"} " + std::to_string(b.second) + "\n";
  }
  expected += h + "_sum{operation_type=\"list_containers\"} 4.01\n";
  expected += h + "_count{operation_type=\"list_containers\"} 2\n";
  expected +=
      "# HELP kubelet_runtime_operations_errors_by_code_total Cumulative number of failed CRI "
      "runtime operations, by operation type and gRPC code.\n"
      "# TYPE kubelet_runtime_operations_errors_by_code_total counter\n"
      "kubelet_runtime_operations_errors_by_code_total{operation_type=\"list_containers\","
      "code=\"Unavailable\"} 1\n"
      "# HELP kubelet_runtime_operations_errors_total Cumulative number of failed CRI runtime "
      "operations, by operation type.\n"
      "# TYPE kubelet_runtime_operations_errors_total counter\n"
      "kubelet_runtime_operations_errors_total{operation_type=\"list_containers\"} 1\n"
      "# HELP kubelet_runtime_operations_total Cumulative number of CRI runtime operations, by "
      "operation type.\n"
      "# TYPE kubelet_runtime_operations_total counter\n"
      "kubelet_runtime_operations_total{operation_type=\"list_containers\"} 2\n";
  CHECK(f.registry.Render() == expected);
}

TEST_CASE("a stream is timed until its last message was handled") {
  Fixture f;
  int messages = 0;
  f.stub.latency = absl::Milliseconds(1);
  absl::Status status = f.service.StreamContainers({}, [&](cri::StreamContainersResponse&&) {
    ++messages;
    f.clock.Advance(absl::Seconds(1));  // a slow consumer makes the stream last longer
  });
  CHECK(status.ok());
  CHECK(messages == 2);
  OperationSnapshot s = f.op_metrics.Snapshot("stream_containers");
  CHECK(s.calls == 1);
  CHECK(s.latency_sum_seconds == Approx(2.001));
}

TEST_CASE("an event subscription counts its opening, and a broken stream as an error") {
  Fixture f;
  std::vector<absl::Status> done;
  ContainerEventHandlers handlers;
  handlers.on_done = [&](const absl::Status& status) { done.push_back(status); };
  absl::StatusOr<std::unique_ptr<ContainerEventSubscription>> sub =
      f.service.GetContainerEvents({}, handlers);
  REQUIRE(sub.ok());
  OperationSnapshot opened = f.op_metrics.Snapshot("get_container_events");
  CHECK(opened.calls == 1);
  CHECK(opened.errors == 0);

  f.stub.event_handlers.on_done(absl::UnavailableError("runtime went away"));
  REQUIRE(done.size() == 1);  // the caller's handler still runs
  CHECK(done[0].code() == absl::StatusCode::kUnavailable);
  OperationSnapshot broken = f.op_metrics.Snapshot("get_container_events");
  CHECK(broken.calls == 1);  // the stream's end is not another call
  CHECK(broken.errors == 1);
  CHECK(broken.errors_by_code[absl::StatusCode::kUnavailable] == 1);

  // A second subscription ends by Cancel (OK): no error.
  REQUIRE(f.service.GetContainerEvents({}, handlers).ok());
  f.stub.event_handlers.on_done(absl::OkStatus());
  CHECK(f.op_metrics.Snapshot("get_container_events").errors == 1);
  CHECK(f.op_metrics.Snapshot("get_container_events").calls == 2);

  // A runtime without an event stream fails the opening itself.
  f.stub.error = absl::UnimplementedError("no events");
  CHECK(f.service.GetContainerEvents({}, handlers).status().code() ==
        absl::StatusCode::kUnimplemented);
  OperationSnapshot refused = f.op_metrics.Snapshot("get_container_events");
  CHECK(refused.calls == 3);
  CHECK(refused.errors_by_code[absl::StatusCode::kUnimplemented] == 1);
}

TEST_CASE("the owning constructor destroys the wrapped service with the decorator") {
  krl::testing::FakeClock clock;
  metrics::Registry registry;
  RuntimeOperationMetrics op_metrics(registry);
  bool destroyed = false;
  {
    InstrumentedRuntimeService service(std::make_unique<StubRuntimeService>(clock, &destroyed),
                                       op_metrics, clock);
    CHECK(service.Version({}).ok());
  }
  CHECK(destroyed);
  CHECK(op_metrics.Snapshot("version").calls == 1);
}

TEST_CASE("two decorators on one metrics object add up in the same series") {
  Fixture f;
  InstrumentedRuntimeService second(f.stub, f.op_metrics, f.clock);
  (void)f.service.Status({});
  (void)second.Status({});
  CHECK(f.op_metrics.Snapshot("status").calls == 2);
}

}  // namespace
}  // namespace instrumented
}  // namespace runtime
}  // namespace krl
