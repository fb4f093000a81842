#include "runtime/remote/remote_runtime_service.h"

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/util/mutex.h"
#include "absl/time/clock.h"
#include "runtime/remote/remote_services.h"
#include "runtime/remote/scripted_cri_server.h"
#include "runtime/remote/test_socket_dir.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

using google::protobuf::util::MessageDifferencer;

// A scripted runtime on a socket in a private directory, and a client for it.
struct Fixture {
  TestSocketDir dir;
  std::unique_ptr<ScriptedCriServer> server =
      std::make_unique<ScriptedCriServer>(dir.Path("cri.sock"));
  testing::FakeClock clock;

  RemoteOptions Options(absl::Duration request_timeout = absl::Seconds(5)) {
    RemoteOptions options;
    options.runtime_endpoint = server->endpoint();
    options.connect_timeout = absl::Seconds(5);
    options.request_timeout = request_timeout;
    options.clock = &clock;
    return options;
  }

  std::unique_ptr<RemoteRuntimeService> Client(const RemoteOptions& options) {
    absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> client =
        RemoteRuntimeService::Create(options);
    INFO(client.status().ToString());
    REQUIRE(client.ok());
    return *std::move(client);
  }
  std::unique_ptr<RemoteRuntimeService> Client() { return Client(Options()); }
};

cri::PodSandboxMetadata PodMetadata(const std::string& name) {
  cri::PodSandboxMetadata metadata;
  metadata.set_name(name);
  metadata.set_namespace_("default");
  metadata.set_uid(name + "-uid");
  return metadata;
}

cri::PodSandbox Pod(const std::string& id) {
  cri::PodSandbox pod;
  pod.set_id(id);
  *pod.mutable_metadata() = PodMetadata("pod-" + id);
  pod.set_created_at(1700000000000000000);
  return pod;
}

cri::Container Container(const std::string& id) {
  cri::Container container;
  container.set_id(id);
  container.set_pod_sandbox_id("sandbox-1");
  container.mutable_metadata()->set_name("ctr-" + id);
  container.set_created_at(1700000000000000000);
  return container;
}

cri::PodSandboxStatusResponse GoodPodStatus(const std::string& id) {
  cri::PodSandboxStatusResponse response;
  response.mutable_status()->set_id(id);
  *response.mutable_status()->mutable_metadata() = PodMetadata("web");
  response.mutable_status()->set_created_at(1700000000000000000);
  return response;
}

cri::ContainerStatusResponse GoodContainerStatus(const std::string& id) {
  cri::ContainerStatusResponse response;
  response.mutable_status()->set_id(id);
  response.mutable_status()->mutable_metadata()->set_name("app");
  response.mutable_status()->set_created_at(1700000000000000000);
  return response;
}

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return MessageDifferencer::Equals(a, b);
}

// Scripts `response` for `rpc`, calls the client and checks both directions arrived intact.
template <typename Request, typename Response, typename Call>
void CheckRoundTrip(ScriptedCriServer& server, const std::string& rpc, const Request& request,
                    const Response& response, Call&& call) {
  INFO("rpc " << rpc);
  server.SetResponse(rpc, response);
  absl::StatusOr<Response> got = call(request);
  INFO(got.status().ToString());
  REQUIRE(got.ok());
  CHECK(Same(*got, response));
  CHECK(Same(server.LastRequest<Request>(rpc), request));
}

TEST_CASE("every unary runtime RPC round-trips its request and response") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;

  cri::VersionRequest version;
  version.set_version("v1");
  cri::VersionResponse version_response;
  version_response.set_runtime_name("scripted");
  version_response.set_runtime_api_version("v1");
  CheckRoundTrip(s, "Version", version, version_response,
                 [&](const auto& r) { return client->Version(r); });

  cri::RunPodSandboxRequest run;
  *run.mutable_config()->mutable_metadata() = PodMetadata("web");
  run.set_runtime_handler("runc");
  cri::RunPodSandboxResponse run_response;
  run_response.set_pod_sandbox_id("sandbox-1");
  CheckRoundTrip(s, "RunPodSandbox", run, run_response,
                 [&](const auto& r) { return client->RunPodSandbox(r); });

  cri::StopPodSandboxRequest stop_pod;
  stop_pod.set_pod_sandbox_id("sandbox-1");
  CheckRoundTrip(s, "StopPodSandbox", stop_pod, cri::StopPodSandboxResponse(),
                 [&](const auto& r) { return client->StopPodSandbox(r); });

  cri::RemovePodSandboxRequest remove_pod;
  remove_pod.set_pod_sandbox_id("sandbox-1");
  CheckRoundTrip(s, "RemovePodSandbox", remove_pod, cri::RemovePodSandboxResponse(),
                 [&](const auto& r) { return client->RemovePodSandbox(r); });

  cri::PodSandboxStatusRequest pod_status;
  pod_status.set_pod_sandbox_id("sandbox-1");
  pod_status.set_verbose(true);
  CheckRoundTrip(s, "PodSandboxStatus", pod_status, GoodPodStatus("sandbox-1"),
                 [&](const auto& r) { return client->PodSandboxStatus(r); });

  cri::ListPodSandboxRequest list_pods;
  list_pods.mutable_filter()->set_id("sandbox-1");
  cri::ListPodSandboxResponse list_pods_response;
  *list_pods_response.add_items() = Pod("sandbox-1");
  CheckRoundTrip(s, "ListPodSandbox", list_pods, list_pods_response,
                 [&](const auto& r) { return client->ListPodSandbox(r); });

  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id("sandbox-1");
  create.mutable_config()->mutable_metadata()->set_name("app");
  create.mutable_config()->mutable_image()->set_image("busybox:1.36");
  cri::CreateContainerResponse create_response;
  create_response.set_container_id("ctr-1");
  CheckRoundTrip(s, "CreateContainer", create, create_response,
                 [&](const auto& r) { return client->CreateContainer(r); });

  cri::StartContainerRequest start;
  start.set_container_id("ctr-1");
  CheckRoundTrip(s, "StartContainer", start, cri::StartContainerResponse(),
                 [&](const auto& r) { return client->StartContainer(r); });

  cri::StopContainerRequest stop;
  stop.set_container_id("ctr-1");
  stop.set_timeout(3);
  CheckRoundTrip(s, "StopContainer", stop, cri::StopContainerResponse(),
                 [&](const auto& r) { return client->StopContainer(r); });

  cri::RemoveContainerRequest remove;
  remove.set_container_id("ctr-1");
  CheckRoundTrip(s, "RemoveContainer", remove, cri::RemoveContainerResponse(),
                 [&](const auto& r) { return client->RemoveContainer(r); });

  cri::ListContainersRequest list;
  list.mutable_filter()->set_pod_sandbox_id("sandbox-1");
  cri::ListContainersResponse list_response;
  *list_response.add_containers() = Container("ctr-1");
  *list_response.add_containers() = Container("ctr-2");
  CheckRoundTrip(s, "ListContainers", list, list_response,
                 [&](const auto& r) { return client->ListContainers(r); });

  cri::ContainerStatusRequest status;
  status.set_container_id("ctr-1");
  CheckRoundTrip(s, "ContainerStatus", status, GoodContainerStatus("ctr-1"),
                 [&](const auto& r) { return client->ContainerStatus(r); });

  cri::UpdateContainerResourcesRequest update;
  update.set_container_id("ctr-1");
  update.mutable_linux()->set_memory_limit_in_bytes(64 << 20);
  CheckRoundTrip(s, "UpdateContainerResources", update, cri::UpdateContainerResourcesResponse(),
                 [&](const auto& r) { return client->UpdateContainerResources(r); });

  cri::ReopenContainerLogRequest reopen;
  reopen.set_container_id("ctr-1");
  CheckRoundTrip(s, "ReopenContainerLog", reopen, cri::ReopenContainerLogResponse(),
                 [&](const auto& r) { return client->ReopenContainerLog(r); });

  cri::ExecSyncRequest exec_sync;
  exec_sync.set_container_id("ctr-1");
  exec_sync.add_cmd("echo");
  exec_sync.add_cmd("hi");
  exec_sync.set_timeout(5);
  cri::ExecSyncResponse exec_sync_response;
  exec_sync_response.set_stdout("hi\n");
  exec_sync_response.set_exit_code(3);
  CheckRoundTrip(s, "ExecSync", exec_sync, exec_sync_response,
                 [&](const auto& r) { return client->ExecSync(r); });

  cri::ExecRequest exec;
  exec.set_container_id("ctr-1");
  exec.add_cmd("sh");
  exec.set_stdout(true);
  cri::ExecResponse exec_response;
  exec_response.set_url("http://127.0.0.1:10010/exec/abc");
  CheckRoundTrip(s, "Exec", exec, exec_response, [&](const auto& r) { return client->Exec(r); });

  cri::AttachRequest attach;
  attach.set_container_id("ctr-1");
  attach.set_stdout(true);
  cri::AttachResponse attach_response;
  attach_response.set_url("http://127.0.0.1:10010/attach/abc");
  CheckRoundTrip(s, "Attach", attach, attach_response,
                 [&](const auto& r) { return client->Attach(r); });

  cri::PortForwardRequest forward;
  forward.set_pod_sandbox_id("sandbox-1");
  forward.add_port(8080);
  cri::PortForwardResponse forward_response;
  forward_response.set_url("http://127.0.0.1:10010/portforward/abc");
  CheckRoundTrip(s, "PortForward", forward, forward_response,
                 [&](const auto& r) { return client->PortForward(r); });

  cri::ContainerStatsRequest stats;
  stats.set_container_id("ctr-1");
  cri::ContainerStatsResponse stats_response;
  stats_response.mutable_stats()->mutable_attributes()->set_id("ctr-1");
  CheckRoundTrip(s, "ContainerStats", stats, stats_response,
                 [&](const auto& r) { return client->ContainerStats(r); });

  cri::ListContainerStatsRequest list_stats;
  list_stats.mutable_filter()->set_id("ctr-1");
  cri::ListContainerStatsResponse list_stats_response;
  list_stats_response.add_stats()->mutable_attributes()->set_id("ctr-1");
  CheckRoundTrip(s, "ListContainerStats", list_stats, list_stats_response,
                 [&](const auto& r) { return client->ListContainerStats(r); });

  cri::PodSandboxStatsRequest pod_stats;
  pod_stats.set_pod_sandbox_id("sandbox-1");
  cri::PodSandboxStatsResponse pod_stats_response;
  pod_stats_response.mutable_stats()->mutable_attributes()->set_id("sandbox-1");
  CheckRoundTrip(s, "PodSandboxStats", pod_stats, pod_stats_response,
                 [&](const auto& r) { return client->PodSandboxStats(r); });

  cri::ListPodSandboxStatsRequest list_pod_stats;
  list_pod_stats.mutable_filter()->set_id("sandbox-1");
  cri::ListPodSandboxStatsResponse list_pod_stats_response;
  list_pod_stats_response.add_stats()->mutable_attributes()->set_id("sandbox-1");
  CheckRoundTrip(s, "ListPodSandboxStats", list_pod_stats, list_pod_stats_response,
                 [&](const auto& r) { return client->ListPodSandboxStats(r); });

  cri::ListMetricDescriptorsResponse descriptors;
  descriptors.add_descriptors()->set_name("container_cpu_usage_seconds_total");
  CheckRoundTrip(s, "ListMetricDescriptors", cri::ListMetricDescriptorsRequest(), descriptors,
                 [&](const auto& r) { return client->ListMetricDescriptors(r); });

  cri::ListPodSandboxMetricsResponse metrics;
  metrics.add_pod_metrics()->set_pod_sandbox_id("sandbox-1");
  CheckRoundTrip(s, "ListPodSandboxMetrics", cri::ListPodSandboxMetricsRequest(), metrics,
                 [&](const auto& r) { return client->ListPodSandboxMetrics(r); });

  cri::UpdateRuntimeConfigRequest runtime_config;
  runtime_config.mutable_runtime_config()->mutable_network_config()->set_pod_cidr("198.18.0.0/24");
  CheckRoundTrip(s, "UpdateRuntimeConfig", runtime_config, cri::UpdateRuntimeConfigResponse(),
                 [&](const auto& r) { return client->UpdateRuntimeConfig(r); });

  cri::StatusRequest status_request;
  status_request.set_verbose(true);
  cri::StatusResponse status_response;
  auto* condition = status_response.mutable_status()->add_conditions();
  condition->set_type("RuntimeReady");
  condition->set_status(true);
  CheckRoundTrip(s, "Status", status_request, status_response,
                 [&](const auto& r) { return client->Status(r); });

  cri::RuntimeConfigResponse config_response;
  config_response.mutable_linux()->set_cgroup_driver(cri::CGROUPFS);
  CheckRoundTrip(s, "RuntimeConfig", cri::RuntimeConfigRequest(), config_response,
                 [&](const auto& r) { return client->RuntimeConfig(r); });

  cri::UpdatePodSandboxResourcesRequest pod_resources;
  pod_resources.set_pod_sandbox_id("sandbox-1");
  pod_resources.mutable_resources()->set_cpu_shares(512);
  CheckRoundTrip(s, "UpdatePodSandboxResources", pod_resources,
                 cri::UpdatePodSandboxResourcesResponse(),
                 [&](const auto& r) { return client->UpdatePodSandboxResources(r); });

  cri::CheckpointContainerRequest checkpoint;
  checkpoint.set_container_id("ctr-1");
  checkpoint.set_location("/var/lib/checkpoints/ctr-1.tar");
  CheckRoundTrip(s, "CheckpointContainer", checkpoint, cri::CheckpointContainerResponse(),
                 [&](const auto& r) { return client->CheckpointContainer(r); });

  cri::CheckpointPodRequest checkpoint_pod;
  checkpoint_pod.set_pod_sandbox_id("sandbox-1");
  checkpoint_pod.set_output_path("/var/lib/checkpoints/pod");
  checkpoint_pod.add_container_ids("ctr-1");
  CheckRoundTrip(s, "CheckpointPod", checkpoint_pod, cri::CheckpointPodResponse(),
                 [&](const auto& r) { return client->CheckpointPod(r); });

  cri::RestorePodRequest restore;
  restore.set_checkpoint_path("/var/lib/checkpoints/pod");
  cri::RestorePodResponse restore_response;
  restore_response.set_pod_sandbox_id("sandbox-2");
  CheckRoundTrip(s, "RestorePod", restore, restore_response,
                 [&](const auto& r) { return client->RestorePod(r); });
}

// Collects what a Stream* call hands on.
template <typename Message>
struct Collected {
  std::vector<Message> messages;
  std::function<void(Message&&)> Sink() {
    return [this](Message&& message) { messages.push_back(std::move(message)); };
  }
};

TEST_CASE("every streaming runtime RPC delivers its batches in order") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;

  SECTION("StreamPodSandboxes") {
    cri::StreamPodSandboxesResponse a, b;
    *a.add_pod_sandboxes() = Pod("p1");
    *b.add_pod_sandboxes() = Pod("p2");
    s.SetStream("StreamPodSandboxes", std::vector<cri::StreamPodSandboxesResponse>{a, b});
    cri::StreamPodSandboxesRequest request;
    request.mutable_filter()->set_id("p1");
    Collected<cri::StreamPodSandboxesResponse> got;
    REQUIRE(client->StreamPodSandboxes(request, got.Sink()).ok());
    REQUIRE(got.messages.size() == 2);
    CHECK(Same(got.messages[0], a));
    CHECK(Same(got.messages[1], b));
    CHECK(Same(s.LastRequest<cri::StreamPodSandboxesRequest>("StreamPodSandboxes"), request));
  }
  SECTION("StreamContainers") {
    cri::StreamContainersResponse a, b;
    *a.add_containers() = Container("c1");
    *b.add_containers() = Container("c2");
    s.SetStream("StreamContainers", std::vector<cri::StreamContainersResponse>{a, b});
    cri::StreamContainersRequest request;
    request.mutable_filter()->set_pod_sandbox_id("sandbox-1");
    Collected<cri::StreamContainersResponse> got;
    REQUIRE(client->StreamContainers(request, got.Sink()).ok());
    REQUIRE(got.messages.size() == 2);
    CHECK(Same(got.messages[1], b));
    CHECK(Same(s.LastRequest<cri::StreamContainersRequest>("StreamContainers"), request));
  }
  SECTION("StreamContainerStats") {
    cri::StreamContainerStatsResponse a;
    a.add_container_stats()->mutable_attributes()->set_id("c1");
    s.SetStream("StreamContainerStats", std::vector<cri::StreamContainerStatsResponse>{a});
    Collected<cri::StreamContainerStatsResponse> got;
    REQUIRE(client->StreamContainerStats(cri::StreamContainerStatsRequest(), got.Sink()).ok());
    REQUIRE(got.messages.size() == 1);
    CHECK(Same(got.messages[0], a));
  }
  SECTION("StreamPodSandboxStats") {
    cri::StreamPodSandboxStatsResponse a;
    a.add_pod_sandbox_stats()->mutable_attributes()->set_id("p1");
    s.SetStream("StreamPodSandboxStats", std::vector<cri::StreamPodSandboxStatsResponse>{a});
    Collected<cri::StreamPodSandboxStatsResponse> got;
    REQUIRE(client->StreamPodSandboxStats(cri::StreamPodSandboxStatsRequest(), got.Sink()).ok());
    REQUIRE(got.messages.size() == 1);
    CHECK(Same(got.messages[0], a));
  }
  SECTION("StreamPodSandboxMetrics") {
    cri::StreamPodSandboxMetricsResponse a;
    a.add_pod_sandbox_metrics()->set_pod_sandbox_id("p1");
    s.SetStream("StreamPodSandboxMetrics", std::vector<cri::StreamPodSandboxMetricsResponse>{a});
    Collected<cri::StreamPodSandboxMetricsResponse> got;
    REQUIRE(
        client->StreamPodSandboxMetrics(cri::StreamPodSandboxMetricsRequest(), got.Sink()).ok());
    REQUIRE(got.messages.size() == 1);
    CHECK(Same(got.messages[0], a));
  }
  SECTION("a failing stream reports the RPC and keeps the code") {
    s.SetStream("StreamContainers", std::vector<cri::StreamContainersResponse>{},
                grpc::Status(grpc::StatusCode::INTERNAL, "snapshotter broke"));
    Collected<cri::StreamContainersResponse> got;
    absl::Status status = client->StreamContainers(cri::StreamContainersRequest(), got.Sink());
    CHECK(status.code() == absl::StatusCode::kInternal);
    CHECK(status.message() == "StreamContainers: rpc error: snapshotter broke");
  }
}

TEST_CASE("list calls use the streaming RPC when the runtime has it, assembling the batches") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;
  cri::StreamContainersResponse a, b, empty;
  *a.add_containers() = Container("c1");
  *a.add_containers() = Container("c2");
  *b.add_containers() = Container("c3");
  s.SetStream("StreamContainers", std::vector<cri::StreamContainersResponse>{a, empty, b});
  cri::ListContainersRequest request;
  request.mutable_filter()->mutable_label_selector()->insert({"app", "web"});
  for (int round = 1; round <= 2; ++round) {
    absl::StatusOr<cri::ListContainersResponse> list = client->ListContainers(request);
    REQUIRE(list.ok());
    REQUIRE(list->containers_size() == 3);
    CHECK(list->containers(0).id() == "c1");
    CHECK(list->containers(1).id() == "c2");
    CHECK(list->containers(2).id() == "c3");
    CHECK(s.CallCount("StreamContainers") == round);
  }
  CHECK(s.CallCount("ListContainers") == 0);
  // The filter travels into the streaming request.
  CHECK(Same(s.LastRequest<cri::StreamContainersRequest>("StreamContainers").filter(),
             request.filter()));

  cri::StreamPodSandboxesResponse pods;
  *pods.add_pod_sandboxes() = Pod("p1");
  *pods.add_pod_sandboxes() = Pod("p2");
  s.SetStream("StreamPodSandboxes", std::vector<cri::StreamPodSandboxesResponse>{pods, pods});
  absl::StatusOr<cri::ListPodSandboxResponse> pod_list =
      client->ListPodSandbox(cri::ListPodSandboxRequest());
  REQUIRE(pod_list.ok());
  CHECK(pod_list->items_size() == 4);

  cri::StreamContainerStatsResponse stats;
  stats.add_container_stats()->mutable_attributes()->set_id("c1");
  s.SetStream("StreamContainerStats", std::vector<cri::StreamContainerStatsResponse>{stats, stats});
  CHECK(client->ListContainerStats(cri::ListContainerStatsRequest())->stats_size() == 2);

  cri::StreamPodSandboxStatsResponse pod_stats;
  pod_stats.add_pod_sandbox_stats()->mutable_attributes()->set_id("p1");
  s.SetStream("StreamPodSandboxStats", std::vector<cri::StreamPodSandboxStatsResponse>{pod_stats});
  CHECK(client->ListPodSandboxStats(cri::ListPodSandboxStatsRequest())->stats_size() == 1);

  cri::StreamPodSandboxMetricsResponse metrics;
  metrics.add_pod_sandbox_metrics()->set_pod_sandbox_id("p1");
  s.SetStream("StreamPodSandboxMetrics",
              std::vector<cri::StreamPodSandboxMetricsResponse>{metrics, metrics, metrics});
  CHECK(client->ListPodSandboxMetrics(cri::ListPodSandboxMetricsRequest())->pod_metrics_size() ==
        3);
  CHECK(s.CallCount("ListPodSandbox") + s.CallCount("ListContainerStats") +
            s.CallCount("ListPodSandboxStats") + s.CallCount("ListPodSandboxMetrics") ==
        0);
}

TEST_CASE("a runtime without streaming lists gets the unary RPC, asked once per list") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;
  cri::ListContainersResponse containers;
  *containers.add_containers() = Container("c1");
  s.SetResponse("ListContainers", containers);
  log::CaptureSink sink;
  for (int round = 1; round <= 3; ++round) {
    absl::StatusOr<cri::ListContainersResponse> list =
        client->ListContainers(cri::ListContainersRequest());
    REQUIRE(list.ok());
    CHECK(list->containers_size() == 1);
    CHECK(s.CallCount("ListContainers") == round);
  }
  CHECK(s.CallCount("StreamContainers") == 1);
  // The fallback is worth one info line, not an error per call.
  std::vector<std::string> lines = sink.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(absl::StrContains(lines[0], "StreamContainers"));
  CHECK_FALSE(absl::StrContains(lines[0], "failed"));
}

TEST_CASE("a streaming list failing for another reason is an error, not a fallback") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;
  s.SetError("StreamPodSandboxes", grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"));
  absl::StatusOr<cri::ListPodSandboxResponse> list =
      client->ListPodSandbox(cri::ListPodSandboxRequest());
  CHECK(list.status().code() == absl::StatusCode::kUnavailable);
  CHECK(s.CallCount("ListPodSandbox") == 0);
  // Streaming is still preferred afterwards.
  cri::StreamPodSandboxesResponse pods;
  *pods.add_pod_sandboxes() = Pod("p1");
  s.SetStream("StreamPodSandboxes", std::vector<cri::StreamPodSandboxesResponse>{pods});
  CHECK(client->ListPodSandbox(cri::ListPodSandboxRequest())->items_size() == 1);
  CHECK(s.CallCount("StreamPodSandboxes") == 2);
}

TEST_CASE("calls that outlive the request timeout fail DeadlineExceeded") {
  Fixture f;
  auto client = f.Client(f.Options(absl::Milliseconds(200)));
  f.server->Block("StartContainer");
  cri::StartContainerRequest request;
  request.set_container_id("ctr-slow");
  const absl::Time start = absl::Now();
  absl::StatusOr<cri::StartContainerResponse> response = client->StartContainer(request);
  const absl::Duration took = absl::Now() - start;
  f.server->Release("StartContainer");
  CHECK(response.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(absl::StartsWith(response.status().message(), "StartContainer \"ctr-slow\": rpc error: "));
  CHECK(took >= absl::Milliseconds(180));
  CHECK(took < absl::Seconds(3));
}

TEST_CASE("deadlines follow the kubelet's rules per RPC") {
  Fixture f;
  const absl::Duration t = absl::Seconds(20);
  auto client = f.Client(f.Options(t));
  ScriptedCriServer& s = *f.server;
  // The budget the server sees differs from the client's by transit time and by gRPC rounding
  // the timeout it sends; a second either way tells the rules apart.
  auto near = [](std::optional<absl::Duration> budget, absl::Duration expected) {
    INFO("budget " << (budget ? absl::FormatDuration(*budget) : std::string("none")) << " expected "
                   << absl::FormatDuration(expected));
    REQUIRE(budget.has_value());
    CHECK(absl::AbsDuration(*budget - expected) < absl::Seconds(1));
  };

  s.SetResponse("StartContainer", cri::StartContainerResponse());
  REQUIRE(client->StartContainer(cri::StartContainerRequest()).ok());
  near(s.LastDeadlineBudget("StartContainer"), t);

  cri::RunPodSandboxResponse run;
  run.set_pod_sandbox_id("sandbox-1");
  s.SetResponse("RunPodSandbox", run);
  REQUIRE(client->RunPodSandbox(cri::RunPodSandboxRequest()).ok());
  near(s.LastDeadlineBudget("RunPodSandbox"), 2 * t);

  s.SetResponse("StopContainer", cri::StopContainerResponse());
  cri::StopContainerRequest stop;
  stop.set_container_id("c1");
  stop.set_timeout(30);
  REQUIRE(client->StopContainer(stop).ok());
  near(s.LastDeadlineBudget("StopContainer"), absl::Seconds(30) + t);

  s.SetResponse("ExecSync", cri::ExecSyncResponse());
  cri::ExecSyncRequest exec;
  exec.set_container_id("c1");
  exec.set_timeout(7);
  REQUIRE(client->ExecSync(exec).ok());
  near(s.LastDeadlineBudget("ExecSync"), absl::Seconds(7) + t);
  exec.set_timeout(0);
  REQUIRE(client->ExecSync(exec).ok());
  CHECK_FALSE(s.LastDeadlineBudget("ExecSync").has_value());

  s.SetResponse("CheckpointContainer", cri::CheckpointContainerResponse());
  cri::CheckpointContainerRequest checkpoint;
  checkpoint.set_timeout(90);
  REQUIRE(client->CheckpointContainer(checkpoint).ok());
  near(s.LastDeadlineBudget("CheckpointContainer"), absl::Seconds(90));
  checkpoint.set_timeout(1);
  REQUIRE(client->CheckpointContainer(checkpoint).ok());
  near(s.LastDeadlineBudget("CheckpointContainer"), t);

  s.SetStream("StreamContainers", std::vector<cri::StreamContainersResponse>{});
  REQUIRE(client->ListContainers(cri::ListContainersRequest()).ok());
  near(s.LastDeadlineBudget("StreamContainers"), t);
}

TEST_CASE("an ExecSync deadline is reported as the command timing out") {
  Fixture f;
  auto client = f.Client();
  f.server->SetError("ExecSync",
                     grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "context deadline"));
  cri::ExecSyncRequest request;
  request.set_container_id("ctr-1");
  request.add_cmd("sleep");
  request.add_cmd("10");
  request.set_timeout(1);
  absl::StatusOr<cri::ExecSyncResponse> response = client->ExecSync(request);
  CHECK(response.status().code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(response.status().message() ==
        "ExecSync \"ctr-1\": command \"sleep 10\" timed out after 1s");
}

TEST_CASE("a non-zero exit code of ExecSync is an answer, not an error") {
  Fixture f;
  auto client = f.Client();
  cri::ExecSyncResponse failed;
  failed.set_exit_code(2);
  failed.set_stderr("no such file");
  f.server->SetResponse("ExecSync", failed);
  absl::StatusOr<cri::ExecSyncResponse> response = client->ExecSync(cri::ExecSyncRequest());
  REQUIRE(response.ok());
  CHECK(response->exit_code() == 2);
}

TEST_CASE("responses over the receive limit fail until the limit is raised") {
  Fixture f;
  cri::ListContainersResponse big;
  for (int i = 0; i < 2; ++i) {
    cri::Container* container = big.add_containers();
    *container = Container(absl::StrCat("c", i));
    (*container->mutable_annotations())["blob"] = std::string(9 << 20, 'x');
  }
  f.server->SetResponse("ListContainers", big);

  // Moving 18 MiB takes a while on a loaded machine or under a sanitizer.
  auto client = f.Client(f.Options(absl::Seconds(60)));
  absl::StatusOr<cri::ListContainersResponse> list =
      client->ListContainers(cri::ListContainersRequest());
  CHECK(list.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(absl::StartsWith(list.status().message(), "ListContainers: "));
  CHECK(absl::StrContains(list.status().message(), "exceeded the maximum receive message size"));
  CHECK(absl::StrContains(list.status().message(), "max_receive_message_size"));

  RemoteOptions options = f.Options(absl::Seconds(60));
  options.max_receive_message_size = 64 << 20;
  auto roomy = f.Client(options);
  list = roomy->ListContainers(cri::ListContainersRequest());
  REQUIRE(list.ok());
  CHECK(list->containers_size() == 2);
}

TEST_CASE("a runtime without CRI v1 is refused at creation, naming the versions that have it") {
  Fixture f;
  f.server->SetError("Version", grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                             "unknown service runtime.v1.RuntimeService"));
  absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> client =
      RemoteRuntimeService::Create(f.Options());
  REQUIRE_FALSE(client.ok());
  CHECK(client.status().code() == absl::StatusCode::kUnimplemented);
  const std::string message(client.status().message());
  CHECK(absl::StrContains(message, f.server->endpoint()));
  CHECK(absl::StrContains(message, "does not serve CRI v1"));
  CHECK(absl::StrContains(message, "unknown service runtime.v1.RuntimeService"));
  CHECK(absl::StrContains(message, "containerd 1.6 or later"));
  CHECK(absl::StrContains(message, "CRI-O 1.21 or later"));
}

TEST_CASE("a runtime reporting another CRI version is refused") {
  Fixture f;
  cri::VersionResponse old;
  old.set_runtime_name("oldruntime");
  old.set_runtime_version("1.4.0");
  old.set_runtime_api_version("v1alpha2");
  f.server->SetResponse("Version", old);
  absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> client =
      RemoteRuntimeService::Create(f.Options());
  CHECK(client.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(client.status().message(), "\"v1alpha2\""));
  CHECK(absl::StrContains(client.status().message(), "oldruntime 1.4.0"));
}

TEST_CASE("creation verifies the version once and remembers the answer") {
  Fixture f;
  auto client = f.Client();
  CHECK(f.server->CallCount("Version") == 1);
  CHECK(client->verified_version().runtime_api_version() == "v1");
  CHECK(client->verified_version().runtime_name() == "scripted");
}

TEST_CASE("creation fails fast and clearly when no runtime listens") {
  TestSocketDir dir;
  RemoteOptions options;
  options.runtime_endpoint = "unix://" + dir.Path("absent.sock");
  options.connect_timeout = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<RemoteRuntimeService>> client =
      RemoteRuntimeService::Create(options);
  CHECK(absl::Now() - start < absl::Seconds(3));
  REQUIRE_FALSE(client.ok());
  CHECK(client.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(client.status().message(), options.runtime_endpoint));
  CHECK(absl::StrContains(client.status().message(), "--container-runtime-endpoint"));
}

TEST_CASE("bad endpoints and options are refused before connecting") {
  RemoteOptions options;
  options.runtime_endpoint = "tcp://127.0.0.1:10010";
  CHECK(RemoteRuntimeService::Create(options).status().code() ==
        absl::StatusCode::kInvalidArgument);
  options.runtime_endpoint = "unix:///run/x.sock";
  options.request_timeout = absl::ZeroDuration();
  CHECK(RemoteRuntimeService::Create(options).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a bare socket path works as endpoint, with a deprecation warning") {
  Fixture f;
  log::CaptureSink sink;
  RemoteOptions options = f.Options();
  options.runtime_endpoint = f.server->socket_path();
  auto client = f.Client(options);
  CHECK(client->Version(cri::VersionRequest()).ok());
  bool warned = false;
  for (const std::string& line : sink.Lines()) warned |= absl::StrContains(line, "deprecated");
  CHECK(warned);
}

TEST_CASE("the client survives a runtime restart without being recreated") {
  Fixture f;
  auto client = f.Client();
  const std::string path = f.server->socket_path();
  f.server.reset();
  absl::StatusOr<cri::VersionResponse> version = client->Version(cri::VersionRequest());
  CHECK(version.status().code() == absl::StatusCode::kUnavailable);
  f.server = std::make_unique<ScriptedCriServer>(path);
  // The channel reconnects on its own; wait for it (bounded), then calls succeed again.
  REQUIRE(client->channel()->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(10))));
  CHECK(client->Version(cri::VersionRequest()).ok());
}

TEST_CASE("bad responses are rejected with Unknown naming the RPC and the field") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;

  s.SetResponse("RunPodSandbox", cri::RunPodSandboxResponse());
  cri::RunPodSandboxRequest run;
  *run.mutable_config()->mutable_metadata() = PodMetadata("web");
  absl::Status status = client->RunPodSandbox(run).status();
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(
      status.message() ==
      "RunPodSandbox \"default/web\": invalid response from the runtime: pod_sandbox_id is empty");

  s.SetResponse("CreateContainer", cri::CreateContainerResponse());
  status = client->CreateContainer(cri::CreateContainerRequest()).status();
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(status.message(), "container_id is empty"));

  s.SetResponse("RestorePod", cri::RestorePodResponse());
  CHECK(client->RestorePod(cri::RestorePodRequest()).status().code() == absl::StatusCode::kUnknown);

  struct Row {
    std::string what;
    std::function<void(cri::PodSandboxStatusResponse&)> pod_damage;
    std::function<void(cri::ContainerStatusResponse&)> container_damage;
  };
  const std::vector<Row> rows = {
      {"status is not set", [](auto& r) { r.clear_status(); }, [](auto& r) { r.clear_status(); }},
      {"status.id is empty", [](auto& r) { r.mutable_status()->clear_id(); },
       [](auto& r) { r.mutable_status()->clear_id(); }},
      {"status.metadata is not set", [](auto& r) { r.mutable_status()->clear_metadata(); },
       [](auto& r) { r.mutable_status()->clear_metadata(); }},
      {"status.metadata.name is empty",
       [](auto& r) { r.mutable_status()->mutable_metadata()->clear_name(); },
       [](auto& r) { r.mutable_status()->mutable_metadata()->clear_name(); }},
      {"status.created_at is 0", [](auto& r) { r.mutable_status()->set_created_at(0); },
       [](auto& r) { r.mutable_status()->set_created_at(0); }},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    cri::PodSandboxStatusResponse pod = GoodPodStatus("p1");
    row.pod_damage(pod);
    s.SetResponse("PodSandboxStatus", pod);
    cri::PodSandboxStatusRequest pod_request;
    pod_request.set_pod_sandbox_id("p1");
    status = client->PodSandboxStatus(pod_request).status();
    CHECK(status.code() == absl::StatusCode::kUnknown);
    CHECK(status.message() ==
          "PodSandboxStatus \"p1\": invalid response from the runtime: " + row.what);

    cri::ContainerStatusResponse container = GoodContainerStatus("c1");
    row.container_damage(container);
    s.SetResponse("ContainerStatus", container);
    cri::ContainerStatusRequest container_request;
    container_request.set_container_id("c1");
    status = client->ContainerStatus(container_request).status();
    CHECK(status.code() == absl::StatusCode::kUnknown);
    CHECK(status.message() ==
          "ContainerStatus \"c1\": invalid response from the runtime: " + row.what);
  }

  cri::ListContainersResponse containers;
  *containers.add_containers() = Container("c1");
  containers.add_containers()->mutable_metadata()->set_name("no-id");
  s.SetResponse("ListContainers", containers);
  status = client->ListContainers(cri::ListContainersRequest()).status();
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(status.message() ==
        "ListContainers: invalid response from the runtime: entry 1 has an empty id");

  cri::ListPodSandboxResponse pods;
  pods.add_items()->set_id("p-without-metadata");
  s.SetResponse("ListPodSandbox", pods);
  status = client->ListPodSandbox(cri::ListPodSandboxRequest()).status();
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(status.message(), "entry 0 (\"p-without-metadata\") has no metadata"));

  cri::StreamContainersResponse batch;
  batch.add_containers()->set_id("c-without-metadata");
  s.SetStream("StreamContainers", std::vector<cri::StreamContainersResponse>{batch});
  Collected<cri::StreamContainersResponse> got;
  status = client->StreamContainers(cri::StreamContainersRequest(), got.Sink());
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(absl::StartsWith(status.message(), "StreamContainers: invalid response"));
  CHECK(got.messages.empty());
}

int CountLines(const log::CaptureSink& sink, absl::string_view text) {
  int count = 0;
  for (const std::string& line : sink.Lines()) count += absl::StrContains(line, text) ? 1 : 0;
  return count;
}

TEST_CASE("repeated identical errors about an object are logged once a minute") {
  Fixture f;
  auto client = f.Client();
  ScriptedCriServer& s = *f.server;
  s.SetError("ContainerStatus", grpc::Status(grpc::StatusCode::NOT_FOUND, "no such container"));
  s.SetResponse("StopContainer", cri::StopContainerResponse());
  s.SetResponse("RemoveContainer", cri::RemoveContainerResponse());
  cri::ContainerStatusRequest request;
  request.set_container_id("ctr-gone");
  log::CaptureSink sink;
  auto fail = [&] {
    CHECK(client->ContainerStatus(request).status().code() == absl::StatusCode::kNotFound);
  };

  fail();
  CHECK(CountLines(sink, "ctr-gone") == 1);
  fail();
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 1);
  f.clock.Advance(absl::Seconds(30));
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 1);
  f.clock.Advance(absl::Seconds(31));
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 2);
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 2);

  // Another object is not held back by the first one's errors.
  cri::ContainerStatusRequest other;
  other.set_container_id("ctr-other");
  CHECK_FALSE(client->ContainerStatus(other).ok());
  CHECK(CountLines(sink, "ctr-other") == 1);

  // A successful stop clears the record: the next error is logged at once.
  cri::StopContainerRequest stop;
  stop.set_container_id("ctr-gone");
  REQUIRE(client->StopContainer(stop).ok());
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 3);
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 3);
  cri::RemoveContainerRequest remove;
  remove.set_container_id("ctr-gone");
  REQUIRE(client->RemoveContainer(remove).ok());
  fail();
  CHECK(CountLines(sink, "ctr-gone") == 4);

  // Errors of calls about no object are reduced per RPC.
  s.SetError("Status", grpc::Status(grpc::StatusCode::INTERNAL, "broken"));
  CHECK_FALSE(client->Status(cri::StatusRequest()).ok());
  CHECK_FALSE(client->Status(cri::StatusRequest()).ok());
  CHECK(CountLines(sink, "Status: rpc error: broken") == 1);
}

// Records what a subscription hands its handlers; waits are bounded and return a result.
struct EventRecorder {
  krl::Mutex mu;
  std::vector<cri::ContainerEventResponse> events ABSL_GUARDED_BY(mu);
  std::vector<absl::Status> done ABSL_GUARDED_BY(mu);

  ContainerEventHandlers Handlers() {
    ContainerEventHandlers handlers;
    handlers.on_event = [this](cri::ContainerEventResponse event) {
      krl::MutexLock lock(&mu);
      events.push_back(std::move(event));
    };
    handlers.on_done = [this](const absl::Status& status) {
      krl::MutexLock lock(&mu);
      done.push_back(status);
    };
    return handlers;
  }
  bool WaitForEvents(size_t count) {
    krl::MutexLock lock(&mu);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return events.size() >= count; };
    return mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
  }
  bool WaitForDone() {
    krl::MutexLock lock(&mu);
    auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return !done.empty(); };
    return mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
  }
  std::vector<absl::Status> Done() {
    krl::MutexLock lock(&mu);
    return done;
  }
};

cri::ContainerEventResponse Event(const std::string& id, cri::ContainerEventType type) {
  cri::ContainerEventResponse event;
  event.set_container_id(id);
  event.set_container_event_type(type);
  event.set_created_at(1700000000000000000);
  return event;
}

TEST_CASE("container events arrive in order and Cancel ends the stream with OK once") {
  Fixture f;
  auto client = f.Client();
  EventRecorder recorder;
  absl::StatusOr<std::unique_ptr<ContainerEventSubscription>> subscription =
      client->GetContainerEvents(cri::GetEventsRequest(), recorder.Handlers());
  REQUIRE(subscription.ok());
  REQUIRE(f.server->WaitForEventStreams(1));
  f.server->PushEvent(Event("c1", cri::CONTAINER_CREATED_EVENT));
  f.server->PushEvent(Event("c1", cri::CONTAINER_STARTED_EVENT));
  REQUIRE(recorder.WaitForEvents(2));
  {
    krl::MutexLock lock(&recorder.mu);
    CHECK(Same(recorder.events[0], Event("c1", cri::CONTAINER_CREATED_EVENT)));
    CHECK(recorder.events[1].container_event_type() == cri::CONTAINER_STARTED_EVENT);
  }
  (*subscription)->Cancel();
  REQUIRE(recorder.WaitForDone());
  (*subscription)->Cancel();  // idempotent
  subscription->reset();
  std::vector<absl::Status> done = recorder.Done();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ok());
}

TEST_CASE("an event stream the runtime ends reports the error to on_done") {
  Fixture f;
  auto client = f.Client();
  EventRecorder recorder;
  auto subscription = client->GetContainerEvents(cri::GetEventsRequest(), recorder.Handlers());
  REQUIRE(subscription.ok());
  REQUIRE(f.server->WaitForEventStreams(1));
  f.server->PushEvent(Event("c1", cri::CONTAINER_STOPPED_EVENT));
  f.server->CloseEvents(grpc::Status(grpc::StatusCode::UNAVAILABLE, "runtime shutting down"));
  REQUIRE(recorder.WaitForDone());
  CHECK(recorder.WaitForEvents(1));
  subscription->reset();
  std::vector<absl::Status> done = recorder.Done();
  REQUIRE(done.size() == 1);
  CHECK(done[0].code() == absl::StatusCode::kUnavailable);
  CHECK(done[0].message() == "GetContainerEvents: rpc error: runtime shutting down");
}

TEST_CASE("an event stream closed cleanly by the runtime still counts as unavailable") {
  Fixture f;
  auto client = f.Client();
  f.server->CloseEvents(grpc::Status::OK);
  EventRecorder recorder;
  auto subscription = client->GetContainerEvents(cri::GetEventsRequest(), recorder.Handlers());
  REQUIRE(subscription.ok());
  REQUIRE(recorder.WaitForDone());
  CHECK(recorder.Done()[0].code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("a runtime without an event stream reports Unimplemented to on_done") {
  Fixture f;
  auto client = f.Client();
  f.server->CloseEvents(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no events here"));
  EventRecorder recorder;
  auto subscription = client->GetContainerEvents(cri::GetEventsRequest(), recorder.Handlers());
  REQUIRE(recorder.WaitForDone());
  CHECK(recorder.Done()[0].code() == absl::StatusCode::kUnimplemented);
}

TEST_CASE("destroying a live subscription cancels it and joins, on_done running once") {
  Fixture f;
  auto client = f.Client();
  EventRecorder recorder;
  auto subscription = client->GetContainerEvents(cri::GetEventsRequest(), recorder.Handlers());
  REQUIRE(subscription.ok());
  REQUIRE(f.server->WaitForEventStreams(1));
  subscription->reset();
  std::vector<absl::Status> done = recorder.Done();
  REQUIRE(done.size() == 1);
  CHECK(done[0].ok());
}

TEST_CASE("a subscription may outlive the client that opened it") {
  Fixture f;
  auto client = f.Client();
  EventRecorder recorder;
  auto subscription = client->GetContainerEvents(cri::GetEventsRequest(), recorder.Handlers());
  REQUIRE(subscription.ok());
  REQUIRE(f.server->WaitForEventStreams(1));
  client.reset();
  f.server->PushEvent(Event("c9", cri::CONTAINER_DELETED_EVENT));
  CHECK(recorder.WaitForEvents(1));
  subscription->reset();
  CHECK(recorder.Done().size() == 1);
}

TEST_CASE("a subscription without on_done is refused") {
  Fixture f;
  auto client = f.Client();
  ContainerEventHandlers handlers;
  handlers.on_event = [](cri::ContainerEventResponse) {};
  CHECK(client->GetContainerEvents(cri::GetEventsRequest(), handlers).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("eight threads share one client") {
  Fixture f;
  auto client = f.Client();
  cri::ListContainersResponse containers;
  for (int i = 0; i < 20; ++i) *containers.add_containers() = Container(absl::StrCat("c", i));
  f.server->SetResponse("ListContainers", containers);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!client->Version(cri::VersionRequest()).ok()) ++failures;
        absl::StatusOr<cri::ListContainersResponse> list =
            client->ListContainers(cri::ListContainersRequest());
        if (!list.ok() || list->containers_size() != 20) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(f.server->CallCount("ListContainers") == 800);
  // Racing threads may each have tried the stream once before the first Unimplemented landed.
  CHECK(f.server->CallCount("StreamContainers") <= 8);
}

TEST_CASE("CreateRemoteServices shares one channel when the endpoints agree") {
  Fixture f;
  RemoteOptions options = f.Options();
  absl::StatusOr<RemoteServices> services = CreateRemoteServices(options);
  REQUIRE(services.ok());
  CHECK(services->runtime->channel() == services->image->channel());
  f.server->SetResponse("ImageFsInfo", cri::ImageFsInfoResponse());
  CHECK(services->image->ImageFsInfo(cri::ImageFsInfoRequest()).ok());

  // A separate image endpoint gets its own channel, to its own server.
  ScriptedCriServer images(f.dir.Path("img.sock"));
  options.image_endpoint = images.endpoint();
  services = CreateRemoteServices(options);
  REQUIRE(services.ok());
  CHECK(services->runtime->channel() != services->image->channel());
  images.SetResponse("RemoveImage", cri::RemoveImageResponse());
  CHECK(services->image->RemoveImage(cri::RemoveImageRequest()).ok());
  CHECK(images.CallCount("RemoveImage") == 1);
  CHECK(f.server->CallCount("RemoveImage") == 0);
}

}  // namespace
}  // namespace remote
}  // namespace runtime
}  // namespace krl
