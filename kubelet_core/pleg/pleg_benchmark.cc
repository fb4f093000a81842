// The cost of one steady-state relist (nothing changed since the last one) with 1,000 pods of 5
// containers, against the two bare list RPCs it needs (ListPodSandbox + ListContainers), all on
// the in-process CRI fake. Target: relist <= 1.3 x bare list RPCs.
//
//   bazel run -c opt //kubelet_core/pleg:pleg_benchmark
//
// BM_BareListRpcs           ListPodSandbox + ListContainers, results discarded
// BM_GetPods                KubeRuntimeManager::GetPods(true): the two RPCs + grouping by pod
// BM_SteadyStateRelist      GenericPLEG::Relist through KubeRuntimeManager (what the agent runs)
// BM_SteadyStateRelistLeanList  the same relist over a GetPods that moves the list items
//                           instead of copying them and reads only the labels the PLEG needs
//                           (uid, names, hash): what the runtime manager's GetPods could cost
// BM_SteadyStateRelistFakeRuntime  the same relist on container::FakeRuntime: the PLEG's own work
//                           with a list that costs only copies
// BM_BareListRpcsGrpc, BM_SteadyStateRelistGrpc  the first and third over gRPC, as the agent runs
//                           them: the remote CRI client against the same fake served on a unix
//                           socket in this process (testing/fake_remote)
//
// The in-process pairs compare the relist with the fake's own list work only (no serialization,
// no transport): the relist's extra work over its two lists is the same over gRPC, where the
// lists cost more, so the in-process ratio is the stricter one. Both are reported.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/container/fake_runtime.h"
#include "kubelet_core/container/simple_image_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/status_conversion.h"
#include "kubelet_core/pleg/cache.h"
#include "kubelet_core/pleg/forwarding_runtime.h"
#include "kubelet_core/pleg/generic_pleg.h"
#include "runtime/metrics/registry.h"
#include "runtime/remote/remote_options.h"
#include "runtime/remote/remote_services.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/fake_remote/cri_grpc_server.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

constexpr int kPods = 1000;
constexpr int kContainersPerPod = 5;
// What one relist (or one pair of lists) goes through: every sandbox and every container.
constexpr int kItems = kPods * (kContainersPerPod + 1);
constexpr char kImage[] = "registry.local/busybox:1.36";

corev1::Pod MakePod(int i) {
  corev1::Pod pod;
  pod.metadata.name = absl::StrCat("pod-", i);
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = absl::StrCat("uid-", i);
  for (int c = 0; c < kContainersPerPod; ++c) {
    corev1::Container container;
    container.name = absl::StrCat("c", c);
    container.image = kImage;
    pod.spec.containers.push_back(container);
  }
  return pod;
}

template <typename Map>
void CopyInto(const kuberuntime::Labels& from, Map* to) {
  for (const auto& [k, v] : from) (*to)[k] = v;
}

// 1,000 running pods of 5 running containers in the CRI fake, labelled and annotated as the
// runtime manager does, and a runtime manager over it.
struct CriWorld {
  testing::FakeClock clock;
  testing::FakeImageService images{clock};
  testing::FakeRuntimeService cri{clock, nullptr};
  container::SimpleImageManager image_manager{images};
  std::unique_ptr<kuberuntime::KubeRuntimeManager> manager;

  CriWorld() {
    for (int i = 0; i < kPods; ++i) {
      const corev1::Pod pod = MakePod(i);
      cri::RunPodSandboxRequest run;
      cri::PodSandboxConfig* config = run.mutable_config();
      config->mutable_metadata()->set_name(pod.metadata.name);
      config->mutable_metadata()->set_namespace_(pod.metadata.namespace_);
      config->mutable_metadata()->set_uid(pod.metadata.uid);
      CopyInto(kuberuntime::NewPodLabels(pod), config->mutable_labels());
      CopyInto(kuberuntime::NewPodAnnotations(pod), config->mutable_annotations());
      absl::StatusOr<cri::RunPodSandboxResponse> sandbox = cri.RunPodSandbox(run);
      if (!sandbox.ok()) std::abort();
      for (const corev1::Container& c : pod.spec.containers) {
        cri::CreateContainerRequest create;
        create.set_pod_sandbox_id(sandbox->pod_sandbox_id());
        *create.mutable_sandbox_config() = *config;
        cri::ContainerConfig* cc = create.mutable_config();
        cc->mutable_metadata()->set_name(c.name);
        cc->mutable_image()->set_image(kImage);
        CopyInto(kuberuntime::NewContainerLabels(c, pod), cc->mutable_labels());
        CopyInto(kuberuntime::NewContainerAnnotations(c, pod, 0), cc->mutable_annotations());
        absl::StatusOr<cri::CreateContainerResponse> created = cri.CreateContainer(create);
        if (!created.ok()) std::abort();
        cri::StartContainerRequest start;
        start.set_container_id(created->container_id());
        if (!cri.StartContainer(start).ok()) std::abort();
      }
    }
    auto created = kuberuntime::KubeRuntimeManager::Create(cri, images, image_manager, clock);
    if (!created.ok()) std::abort();
    manager = *std::move(created);
    cri.ClearCalls();
  }
};

CriWorld& World() {
  static CriWorld* world = new CriWorld();
  return *world;
}

// The same world behind gRPC: the fake served on a unix socket, the remote client (as the agent
// builds it) and a runtime manager over that client.
struct GrpcWorld {
  std::string dir;
  testing::CriGrpcServer server;
  runtime::remote::RemoteServices remote;
  std::unique_ptr<kuberuntime::KubeRuntimeManager> manager;

  explicit GrpcWorld(CriWorld& w) : server(&w.cri, &w.images) {
    std::string pattern = "/tmp/pleg-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir = pattern;
    if (!server.Start("unix://" + dir + "/cri.sock").ok()) std::abort();
    runtime::remote::RemoteOptions options;
    options.runtime_endpoint = server.endpoint();
    absl::StatusOr<runtime::remote::RemoteServices> services =
        runtime::remote::CreateRemoteServices(options);
    if (!services.ok()) std::abort();
    remote = *std::move(services);
    auto created = kuberuntime::KubeRuntimeManager::Create(*remote.runtime, *remote.image,
                                                           w.image_manager, w.clock);
    if (!created.ok()) std::abort();
    manager = *std::move(created);
    w.cri.ClearCalls();
  }
  ~GrpcWorld() {
    server.Shutdown(absl::Seconds(1));
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

GrpcWorld& Grpc() {
  static GrpcWorld* world = new GrpcWorld(World());
  return *world;
}

// ListPodSandbox + ListContainers on `service`, results discarded. `w`'s fake serves them
// (directly or behind gRPC); its call record is cleared after.
void BareListRpcs(benchmark::State& state, runtime::RuntimeService& service, CriWorld& w) {
  for (auto _ : state) {
    absl::StatusOr<cri::ListPodSandboxResponse> sandboxes =
        service.ListPodSandbox(cri::ListPodSandboxRequest());
    absl::StatusOr<cri::ListContainersResponse> containers =
        service.ListContainers(cri::ListContainersRequest());
    if (!sandboxes.ok() || !containers.ok()) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(sandboxes);
    benchmark::DoNotOptimize(containers);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
  w.cri.ClearCalls();
}

// Steady-state relists of `relisted`: a first relist (every pod new) outside the timing, then
// relists that find nothing changed. `calls` is the fake underneath, whose record shows whether a
// relist inspected a pod (called `inspect_method`), which a steady-state one must not; it is
// cleared after. Recorder: testing::FakeRuntimeService or container::FakeRuntime.
template <typename Recorder>
void SteadyStateRelist(benchmark::State& state, container::Runtime& relisted, Clock& clock,
                       Recorder& calls, absl::string_view inspect_method) {
  Cache cache;
  runtime::metrics::Registry registry;
  GenericPLEG::Options options;
  options.channel_capacity = 2 * kItems;  // the first relist's events
  GenericPLEG pleg(relisted, cache, clock, &registry, options);
  pleg.Relist();
  pleg.Watch().Drain();
  calls.ClearCalls();
  for (auto _ : state) pleg.Relist();
  if (pleg.Watch().size() != 0 || calls.CallCount(inspect_method) != 0) {
    state.SkipWithError("a steady-state relist must neither emit nor inspect");
  }
  state.SetItemsProcessed(state.iterations() * kItems);
  calls.ClearCalls();
}

void BM_BareListRpcs(benchmark::State& state) {
  CriWorld& w = World();
  BareListRpcs(state, w.cri, w);
}
BENCHMARK(BM_BareListRpcs)->Unit(benchmark::kMillisecond);

void BM_GetPods(benchmark::State& state) {
  CriWorld& w = World();
  for (auto _ : state) {
    absl::StatusOr<std::vector<container::Pod>> pods = w.manager->GetPods(/*all=*/true);
    if (!pods.ok() || pods->size() != kPods) state.SkipWithError("GetPods failed");
    benchmark::DoNotOptimize(pods);
  }
  state.SetItemsProcessed(state.iterations() * kItems);
  w.cri.ClearCalls();
}
BENCHMARK(BM_GetPods)->Unit(benchmark::kMillisecond);

void BM_SteadyStateRelist(benchmark::State& state) {
  CriWorld& w = World();
  SteadyStateRelist(state, *w.manager, w.clock, w.cri, "PodSandboxStatus");
}
BENCHMARK(BM_SteadyStateRelist)->Unit(benchmark::kMillisecond);

void BM_BareListRpcsGrpc(benchmark::State& state) {
  CriWorld& w = World();
  BareListRpcs(state, *Grpc().remote.runtime, w);
}
BENCHMARK(BM_BareListRpcsGrpc)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SteadyStateRelistGrpc(benchmark::State& state) {
  CriWorld& w = World();
  SteadyStateRelist(state, *Grpc().manager, w.clock, w.cri, "PodSandboxStatus");
}
BENCHMARK(BM_SteadyStateRelistGrpc)->Unit(benchmark::kMillisecond)->UseRealTime();

// A Runtime whose GetPods lists through CRI with no copy of the list items and reads only what
// the PLEG compares; everything else goes to the runtime manager.
class LeanListRuntime final : public ForwardingRuntime {
 public:
  LeanListRuntime(runtime::RuntimeService& cri, kuberuntime::KubeRuntimeManager& manager)
      : ForwardingRuntime(manager), cri_(cri), type_(manager.Type()) {}

  absl::StatusOr<std::vector<container::Pod>> GetPods(bool all) override {
    cri::ListPodSandboxRequest sandbox_request;
    cri::ListContainersRequest container_request;
    if (!all) {
      sandbox_request.mutable_filter()->mutable_state()->set_state(cri::SANDBOX_READY);
      container_request.mutable_filter()->mutable_state()->set_state(cri::CONTAINER_RUNNING);
    }
    absl::StatusOr<cri::ListPodSandboxResponse> sandboxes = cri_.ListPodSandbox(sandbox_request);
    if (!sandboxes.ok()) return sandboxes.status();
    absl::StatusOr<cri::ListContainersResponse> containers = cri_.ListContainers(container_request);
    if (!containers.ok()) return containers.status();
    std::vector<container::Pod> pods;
    pods.reserve(sandboxes->items_size());
    absl::flat_hash_map<std::string, size_t> index;
    index.reserve(sandboxes->items_size());
    auto pod_for = [&](const std::string& uid) -> container::Pod& {
      auto [it, inserted] = index.try_emplace(uid, pods.size());
      if (inserted) {
        pods.emplace_back();
        pods.back().id = uid;
      }
      return pods[it->second];
    };
    for (cri::PodSandbox& s : *sandboxes->mutable_items()) {
      auto uid = s.labels().find(std::string(kuberuntime::kPodUIDLabel));
      if (uid == s.labels().end()) continue;
      container::Pod& pod = pod_for(uid->second);
      if (pod.name.empty()) {
        pod.name = std::move(*s.mutable_metadata()->mutable_name());
        pod.namespace_ = std::move(*s.mutable_metadata()->mutable_namespace_());
      }
      container::Container sandbox;
      sandbox.id = corev1::ContainerID{type_, std::move(*s.mutable_id())};
      sandbox.state =
          s.state() == cri::SANDBOX_READY ? container::State::kRunning : container::State::kExited;
      sandbox.created_at = absl::FromUnixNanos(s.created_at());
      pod.sandboxes.push_back(std::move(sandbox));
    }
    for (cri::Container& c : *containers->mutable_containers()) {
      auto uid = c.labels().find(std::string(kuberuntime::kPodUIDLabel));
      if (uid == c.labels().end()) continue;
      container::Pod& pod = pod_for(uid->second);
      container::Container converted;
      converted.id = corev1::ContainerID{type_, std::move(*c.mutable_id())};
      auto name = c.labels().find(std::string(kuberuntime::kContainerNameLabel));
      converted.name = name != c.labels().end() ? name->second : c.metadata().name();
      auto hash = c.annotations().find(std::string(kuberuntime::kContainerHashLabel));
      if (hash != c.annotations().end() && !absl::SimpleHexAtoi(hash->second, &converted.hash)) {
        converted.hash = 0;
      }
      converted.image = std::move(*c.mutable_image()->mutable_image());
      converted.image_ref = std::move(*c.mutable_image_ref());
      converted.state = kuberuntime::StateFromCri(c.state());
      converted.created_at = absl::FromUnixNanos(c.created_at());
      pod.containers.push_back(std::move(converted));
    }
    return pods;
  }

 private:
  runtime::RuntimeService& cri_;
  const std::string type_;
};

void BM_SteadyStateRelistLeanList(benchmark::State& state) {
  CriWorld& w = World();
  LeanListRuntime lean(w.cri, *w.manager);
  SteadyStateRelist(state, lean, w.clock, w.cri, "PodSandboxStatus");
}
BENCHMARK(BM_SteadyStateRelistLeanList)->Unit(benchmark::kMillisecond);

void BM_SteadyStateRelistFakeRuntime(benchmark::State& state) {
  testing::FakeClock clock;
  container::FakeRuntime runtime(clock);
  for (int i = 0; i < kPods; ++i) {
    container::PodStatus status;
    status.id = absl::StrCat("uid-", i);
    status.name = absl::StrCat("pod-", i);
    status.namespace_ = "default";
    cri::PodSandboxStatus sandbox;
    sandbox.set_id(absl::StrCat("sandbox-", i));
    sandbox.set_state(cri::SANDBOX_READY);
    status.sandbox_statuses.push_back(sandbox);
    for (int c = 0; c < kContainersPerPod; ++c) {
      container::ContainerStatus s;
      s.id = corev1::ContainerID{"krl-fake", absl::StrCat("container-", i, "-", c)};
      s.name = absl::StrCat("c", c);
      s.image = kImage;
      s.state = container::State::kRunning;
      status.container_statuses.push_back(s);
    }
    runtime.SetPodStatus(status);
  }
  SteadyStateRelist(state, runtime, clock, runtime, "GetPodStatus");
}
BENCHMARK(BM_SteadyStateRelistFakeRuntime)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

int main(int argc, char** argv) {
  krl::log::SetMinimumLevel(krl::log::Level::kError);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
