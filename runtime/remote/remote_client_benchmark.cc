// The remote CRI client against a bare generated stub on the same channel and in-process server:
// what the client's deadlines, error mapping, validation and list assembly cost per call.
//
//   bazel build --config=opt //runtime/remote:remote_client_benchmark
//   bazel-bin/runtime/remote/remote_client_benchmark
//
// Both sides set the same deadline (a careful caller of the bare stub would too). The server
// answers from a prepared message outside any lock, so 8 threads measure the client side.
#include <benchmark/benchmark.h>
#include <grpcpp/client_context.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "api/cri/v1/cri.h"
#include "runtime/remote/remote_runtime_service.h"
#include "runtime/remote/repeated_fields.h"
#include "runtime/remote/scripted_cri_server.h"
#include "runtime/remote/test_socket_dir.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

constexpr int kContainers = 5000;
constexpr int kBatch = 500;

cri::Container MakeContainer(int i) {
  cri::Container c;
  c.set_id(absl::StrCat("4f2d3c1b0a99887766554433221100ffeeddccbbaa", 100000 + i));
  c.set_pod_sandbox_id(absl::StrCat("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b", i / 4));
  c.mutable_metadata()->set_name(absl::StrCat("app-", i % 4));
  c.mutable_metadata()->set_attempt(1);
  c.mutable_image()->set_image("registry.example/team/app:1.2.3");
  c.set_image_ref("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  c.set_state(cri::CONTAINER_RUNNING);
  c.set_created_at(1700000000000000000 + i);
  (*c.mutable_labels())["io.kubernetes.pod.name"] = absl::StrCat("web-", i / 4);
  (*c.mutable_labels())["io.kubernetes.pod.namespace"] = "default";
  (*c.mutable_labels())["io.kubernetes.container.name"] = absl::StrCat("app-", i % 4);
  (*c.mutable_annotations())["io.kubernetes.container.restartCount"] = "1";
  return c;
}

struct World {
  TestSocketDir dir;
  std::unique_ptr<ScriptedCriServer> server;
  std::unique_ptr<RemoteRuntimeService> client;         // the server has no stream lists
  std::unique_ptr<RemoteRuntimeService> stream_client;  // a second server with stream lists
  std::unique_ptr<ScriptedCriServer> stream_server;
  std::unique_ptr<cri::RuntimeService::Stub> bare;
  std::unique_ptr<cri::RuntimeService::Stub> stream_bare;
  cri::ListContainersResponse list;
};

// Built on first use; torn down at exit so the socket directory does not outlive the run.
std::unique_ptr<World>& WorldSlot() {
  static std::unique_ptr<World> world;
  return world;
}

World& GetWorld() {
  std::unique_ptr<World>& slot = WorldSlot();
  if (slot == nullptr) {
    slot = std::make_unique<World>();
    World* w = slot.get();
    for (int i = 0; i < kContainers; ++i) *w->list.add_containers() = MakeContainer(i);
    auto answer = [w](const google::protobuf::Message&, google::protobuf::Message* response) {
      response->CopyFrom(w->list);
      return grpc::Status::OK;
    };
    w->server = std::make_unique<ScriptedCriServer>(w->dir.Path("cri.sock"));
    w->server->SetHandler("ListContainers", answer);

    std::vector<cri::StreamContainersResponse> batches(kContainers / kBatch);
    for (int i = 0; i < kContainers; ++i) {
      *batches[i / kBatch].add_containers() = w->list.containers(i);
    }
    w->stream_server = std::make_unique<ScriptedCriServer>(w->dir.Path("stream.sock"));
    w->stream_server->SetStream("StreamContainers", batches);

    RemoteOptions options;
    options.runtime_endpoint = w->server->endpoint();
    auto client = RemoteRuntimeService::Create(options);
    options.runtime_endpoint = w->stream_server->endpoint();
    auto stream_client = RemoteRuntimeService::Create(options);
    if (!client.ok() || !stream_client.ok()) {
      std::fprintf(stderr, "cannot create clients: %s %s\n", client.status().ToString().c_str(),
                   stream_client.status().ToString().c_str());
      std::abort();
    }
    w->client = *std::move(client);
    w->stream_client = *std::move(stream_client);
    w->bare = cri::RuntimeService::NewStub(w->client->channel());
    w->stream_bare = cri::RuntimeService::NewStub(w->stream_client->channel());
    // Learn that the first server has no stream lists before measuring.
    if (!w->client->ListContainers(cri::ListContainersRequest()).ok()) std::abort();
    std::atexit([] { WorldSlot().reset(); });
  }
  return *slot;
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(2)));
}

void BM_Version_Client(benchmark::State& state) {
  World& w = GetWorld();
  cri::VersionRequest request;
  for (auto _ : state) {
    absl::StatusOr<cri::VersionResponse> response = w.client->Version(request);
    if (!response.ok()) state.SkipWithError("Version failed");
    benchmark::DoNotOptimize(response);
  }
}

void BM_Version_BareStub(benchmark::State& state) {
  World& w = GetWorld();
  cri::VersionRequest request;
  for (auto _ : state) {
    grpc::ClientContext context;
    SetDeadline(context);
    cri::VersionResponse response;
    if (!w.bare->Version(&context, request, &response).ok()) state.SkipWithError("Version failed");
    benchmark::DoNotOptimize(response);
  }
}

void BM_ListContainers_Client(benchmark::State& state) {
  World& w = GetWorld();
  cri::ListContainersRequest request;
  for (auto _ : state) {
    absl::StatusOr<cri::ListContainersResponse> response = w.client->ListContainers(request);
    if (!response.ok() || response->containers_size() != kContainers) {
      state.SkipWithError("ListContainers failed");
    }
    benchmark::DoNotOptimize(response);
  }
}

void BM_ListContainers_BareStub(benchmark::State& state) {
  World& w = GetWorld();
  cri::ListContainersRequest request;
  for (auto _ : state) {
    grpc::ClientContext context;
    SetDeadline(context);
    cri::ListContainersResponse response;
    if (!w.bare->ListContainers(&context, request, &response).ok() ||
        response.containers_size() != kContainers) {
      state.SkipWithError("ListContainers failed");
    }
    benchmark::DoNotOptimize(response);
  }
}

// The same list streamed in 10 batches of 500: the client assembles it by moving.
void BM_ListContainersStreamed_Client(benchmark::State& state) {
  World& w = GetWorld();
  cri::ListContainersRequest request;
  for (auto _ : state) {
    absl::StatusOr<cri::ListContainersResponse> response = w.stream_client->ListContainers(request);
    if (!response.ok() || response->containers_size() != kContainers) {
      state.SkipWithError("ListContainers failed");
    }
    benchmark::DoNotOptimize(response);
  }
}

void BM_ListContainersStreamed_BareStub(benchmark::State& state) {
  World& w = GetWorld();
  cri::StreamContainersRequest request;
  for (auto _ : state) {
    grpc::ClientContext context;
    SetDeadline(context);
    auto reader = w.stream_bare->StreamContainers(&context, request);
    cri::ListContainersResponse list;
    cri::StreamContainersResponse batch;
    while (reader->Read(&batch)) AppendMoved(batch.mutable_containers(), list.mutable_containers());
    if (!reader->Finish().ok() || list.containers_size() != kContainers) {
      state.SkipWithError("StreamContainers failed");
    }
    benchmark::DoNotOptimize(list);
  }
}

BENCHMARK(BM_Version_Client)->UseRealTime();
BENCHMARK(BM_Version_BareStub)->UseRealTime();
BENCHMARK(BM_Version_Client)->Threads(8)->UseRealTime();
BENCHMARK(BM_Version_BareStub)->Threads(8)->UseRealTime();
BENCHMARK(BM_ListContainers_Client)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListContainers_BareStub)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListContainers_Client)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListContainers_BareStub)->Threads(8)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListContainersStreamed_Client)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ListContainersStreamed_BareStub)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace remote
}  // namespace runtime
}  // namespace krl

BENCHMARK_MAIN();
