#include "kubelet_core/pleg/evented_pleg.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "kubelet_core/container/fake_runtime.h"
#include "kubelet_core/pleg/new_pleg.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

using Mode = EventedPLEG::Mode;
using Type = PodLifecycleEventType;

PodLifecycleEvent E(const std::string& uid, Type type, const std::string& id) {
  return {uid, type, id};
}

// The CRI fake supplies the event stream; the container-level FakeRuntime answers the relists
// (so relists are counted apart from the stream and never call GetPodStatus on the CRI side).
struct Fixture {
  testing::FakeClock clock;
  testing::FakeRuntimeService cri{clock, nullptr};
  container::FakeRuntime runtime{clock};
  Cache cache;
  runtime::metrics::Registry registry;
  log::CaptureSink logs;
  std::map<std::string, cri::PodSandboxConfig> configs;

  // Runs a sandbox for pod `uid` through CRI; returns its id.
  std::string RunPod(const std::string& uid) {
    cri::RunPodSandboxRequest request;
    cri::PodSandboxConfig* config = request.mutable_config();
    config->mutable_metadata()->set_name("pod-" + uid);
    config->mutable_metadata()->set_namespace_("default");
    config->mutable_metadata()->set_uid(uid);
    (*config->mutable_labels())["io.kubernetes.pod.uid"] = uid;
    absl::StatusOr<cri::RunPodSandboxResponse> response = cri.RunPodSandbox(request);
    REQUIRE(response.ok());
    configs[response->pod_sandbox_id()] = *config;
    return response->pod_sandbox_id();
  }

  // Creates (and starts) container `name` in `sandbox`, as the kubelet labels it.
  std::string Create(const std::string& sandbox, const std::string& name) {
    cri::CreateContainerRequest request;
    request.set_pod_sandbox_id(sandbox);
    cri::ContainerConfig* config = request.mutable_config();
    config->mutable_metadata()->set_name(name);
    config->mutable_image()->set_image("busybox:1.36");
    (*config->mutable_labels())["io.kubernetes.container.name"] = name;
    (*config->mutable_annotations())["io.kubernetes.container.hash"] = "1f";
    (*config->mutable_annotations())["io.kubernetes.container.restartCount"] = "2";
    *request.mutable_sandbox_config() = configs[sandbox];
    absl::StatusOr<cri::CreateContainerResponse> response = cri.CreateContainer(request);
    REQUIRE(response.ok());
    return response->container_id();
  }
  std::string CreateAndStart(const std::string& sandbox, const std::string& name) {
    std::string id = Create(sandbox, name);
    cri::StartContainerRequest start;
    start.set_container_id(id);
    REQUIRE(cri.StartContainer(start).ok());
    return id;
  }
};

// Starts `pleg` on a working stream and waits until its first relist is done.
void StartEvented(Fixture& f, EventedPLEG& pleg) {
  pleg.Start();
  REQUIRE(pleg.WaitForMode(Mode::kEvented));
  REQUIRE(f.cri.WaitForEventSubscribers(1));
  REQUIRE(pleg.relister().WaitForRelistCount(1));
}

TEST_CASE("Stream events become PLEG events and update the cache from the event itself") {
  Fixture f;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  StartEvented(f, pleg);
  f.runtime.ClearCalls();

  const std::string sandbox = f.RunPod("uid-a");             // CREATED, STARTED (sandbox)
  const std::string web = f.CreateAndStart(sandbox, "web");  // CREATED, STARTED
  REQUIRE(pleg.WaitForEventsProcessed(4));
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("uid-a", Type::kContainerStarted, sandbox),
                                    E("uid-a", Type::kContainerStarted, web),
                                });
  CacheEntry entry = f.cache.Get("uid-a");
  REQUIRE(entry.error.ok());
  CHECK(entry.status.name == "pod-uid-a");
  CHECK(entry.status.namespace_ == "default");
  REQUIRE(entry.status.container_statuses.size() == 1);
  const container::ContainerStatus& status = entry.status.container_statuses[0];
  CHECK(status.id == corev1::ContainerID{"krl-fake", web});
  CHECK(status.name == "web");
  CHECK(status.state == container::State::kRunning);
  CHECK(status.hash == 0x1f);
  CHECK(status.restart_count == 2);
  CHECK(status.image == "busybox:1.36");
  CHECK(entry.status.ips.size() == 1);
  CHECK(entry.modified == f.clock.Now());
  // Straight from the events: no relist, no status read.
  CHECK(f.runtime.CallCount("GetPodStatus") == 0);
  CHECK(f.runtime.CallCount("GetPods") == 0);

  REQUIRE(f.cri.ExitContainer(web, 3).ok());  // STOPPED
  REQUIRE(pleg.WaitForEventsProcessed(5));
  CHECK(pleg.Watch().Drain() ==
        std::vector<PodLifecycleEvent>{E("uid-a", Type::kContainerDied, web)});
  CHECK(f.cache.Get("uid-a").status.container_statuses[0].exit_code == 3);

  cri::RemoveContainerRequest remove;
  remove.set_container_id(web);
  REQUIRE(f.cri.RemoveContainer(remove).ok());  // DELETED
  REQUIRE(pleg.WaitForEventsProcessed(6));
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("uid-a", Type::kContainerDied, web),
                                    E("uid-a", Type::kContainerRemoved, web),
                                });
  CHECK(f.cache.Get("uid-a").status.container_statuses.empty());

  const int64_t before = pleg.events_processed();
  cri::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(sandbox);
  REQUIRE(f.cri.StopPodSandbox(stop).ok());
  cri::RemovePodSandboxRequest remove_sandbox;
  remove_sandbox.set_pod_sandbox_id(sandbox);
  REQUIRE(f.cri.RemovePodSandbox(remove_sandbox).ok());
  REQUIRE(pleg.WaitForEventsProcessed(before + 2));
  // The DELETED event of a removed sandbox carries no sandbox status (as containerd sends it):
  // the pod is known from the sandbox's earlier events.
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("uid-a", Type::kContainerDied, sandbox),
                                    E("uid-a", Type::kContainerDied, sandbox),
                                    E("uid-a", Type::kContainerRemoved, sandbox),
                                });
  // The sandbox is gone: so is the pod's entry.
  CHECK(f.cache.size() == 0);

  const std::string text = f.registry.Render();
  CHECK(absl::StrContains(text, "kubelet_evented_pleg_connection_success_count 1\n"));
  CHECK(absl::StrContains(text, "kubelet_evented_pleg_connection_latency_seconds_count"));
}

TEST_CASE("ContainerChanged for a created container is delivered only when asked for") {
  Fixture f;
  EventedPLEG::Options options;
  options.deliver_container_changed = true;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry, options);
  StartEvented(f, pleg);
  const std::string sandbox = f.RunPod("uid-a");
  const std::string web = f.Create(sandbox, "web");
  REQUIRE(pleg.WaitForEventsProcessed(3));
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("uid-a", Type::kContainerChanged, sandbox),
                                    E("uid-a", Type::kContainerStarted, sandbox),
                                    E("uid-a", Type::kContainerChanged, web),
                                });
}

TEST_CASE("An event older than the cached status changes nothing") {
  Fixture f;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  StartEvented(f, pleg);
  container::PodStatus newer;
  newer.id = "uid-a";
  newer.name = "read-later";
  REQUIRE(f.cache.Set("uid-a", newer, absl::OkStatus(), f.clock.Now() + absl::Hours(1)));
  f.RunPod("uid-a");
  REQUIRE(pleg.WaitForEventsProcessed(2));
  CHECK(pleg.Watch().size() == 0);
  CHECK(f.cache.Get("uid-a").status.name == "read-later");
}

TEST_CASE("A custom converter reads the events") {
  Fixture f;
  EventedPLEG::Options options;
  int calls = 0;
  options.convert_event = [&calls](const cri::ContainerEventResponse& event) {
    ++calls;
    container::PodStatus status;
    status.id = event.pod_sandbox_status().metadata().uid();
    status.name = "converted";
    return absl::StatusOr<container::PodStatus>(status);
  };
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry, options);
  StartEvented(f, pleg);
  f.RunPod("uid-a");
  REQUIRE(pleg.WaitForEventsProcessed(2));
  CHECK(calls == 2);
  CHECK(f.cache.Get("uid-a").status.name == "converted");
}

TEST_CASE("While evented, relisting runs only every 300 s as a safety net") {
  Fixture f;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  StartEvented(f, pleg);
  CHECK(pleg.relister().relist_period() == absl::Seconds(300));
  CHECK(pleg.relister().relist_threshold() == absl::Minutes(10));
  CHECK(f.runtime.CallCount("GetPods") == 1);

  f.clock.Advance(absl::Seconds(299));
  REQUIRE(pleg.WaitForIdleAt(f.clock.Now()));
  CHECK(pleg.relister().relist_count() == 1);
  // Past the generic 3 minute threshold, yet healthy: the evented threshold is 10 minutes.
  CHECK(pleg.Healthy().ok());

  f.clock.Advance(absl::Seconds(1));
  REQUIRE(pleg.relister().WaitForRelistCount(2));
  CHECK(f.runtime.CallCount("GetPods") == 2);
  CHECK(pleg.mode() == Mode::kEvented);
}

TEST_CASE("While evented, the cache's global timestamp moves every 5 s") {
  Fixture f;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  const absl::Time start = f.clock.Now();
  StartEvented(f, pleg);
  CHECK(f.cache.GlobalTime() == start);  // from the first relist
  f.clock.Advance(absl::Seconds(5));
  REQUIRE(pleg.WaitForIdleAt(f.clock.Now()));
  CHECK(f.cache.GlobalTime() == start + absl::Seconds(5));
  // So a pod worker waiting for news of an unchanged pod is released without a relist.
  CHECK(f.cache.GetNewerThan("uid-x", start, absl::Seconds(10)).ok());
}

TEST_CASE("A broken stream falls back to relisting every second, then the stream comes back") {
  Fixture f;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  StartEvented(f, pleg);
  const absl::Time broke_at = f.clock.Now();

  // The runtime restarts: the stream ends, and reopening fails for a while.
  f.cri.InjectError("GetContainerEvents", absl::UnavailableError("runtime restarting"),
                    testing::CallRecorder::kForever);
  f.cri.BreakEventStreams(absl::UnavailableError("runtime restarting"));
  REQUIRE(pleg.WaitForMode(Mode::kRelisting));
  REQUIRE(pleg.relister().WaitForRelistCount(2));  // a relist at once for what was missed
  CHECK(pleg.relister().relist_period() == absl::Seconds(1));
  CHECK(pleg.relister().relist_threshold() == absl::Minutes(3));
  CHECK(pleg.stream_failures() == 1);
  CHECK(pleg.next_stream_retry() == broke_at + absl::Seconds(1));

  // Relisting every second finds what happens meanwhile.
  container::PodStatus pod;
  pod.id = "uid-r";
  pod.name = "pod-r";
  container::ContainerStatus c;
  c.id = corev1::ContainerID{"krl-fake", "c-r"};
  c.name = "c";
  c.state = container::State::kRunning;
  pod.container_statuses.push_back(c);
  f.runtime.SetPodStatus(pod);
  f.clock.Advance(absl::Seconds(1));  // relist, and a retry that fails (next in 2 s)
  REQUIRE(pleg.relister().WaitForRelistCount(3));
  CHECK(pleg.Watch().Pop(absl::Seconds(10)) == E("uid-r", Type::kContainerStarted, "c-r"));
  REQUIRE(pleg.WaitForIdleAt(f.clock.Now()));
  CHECK(pleg.mode() == Mode::kRelisting);
  CHECK(pleg.next_stream_retry() == broke_at + absl::Seconds(3));
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(pleg.relister().WaitForRelistCount(4));

  // The runtime is back: the next retry reopens the stream.
  f.cri.ClearInjections();
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(pleg.WaitForMode(Mode::kEvented));
  REQUIRE(f.cri.WaitForEventSubscribers(1));
  CHECK(pleg.relister().relist_period() == absl::Seconds(300));
  CHECK(pleg.stream_connects() == 2);
  CHECK(pleg.next_stream_retry() == absl::InfiniteFuture());

  // And events flow again.
  pleg.Watch().Drain();
  const int64_t processed = pleg.events_processed();
  const std::string sandbox = f.RunPod("uid-b");
  REQUIRE(pleg.WaitForEventsProcessed(processed + 2));
  CHECK(pleg.Watch().Drain() ==
        std::vector<PodLifecycleEvent>{E("uid-b", Type::kContainerStarted, sandbox)});
  CHECK(absl::StrContains(f.registry.Render(), "kubelet_evented_pleg_connection_error_count 2\n"));
}

TEST_CASE("A runtime without an event stream is relisted every second and probed every 5 min") {
  Fixture f;
  f.cri.InjectError("GetContainerEvents", absl::UnimplementedError("unknown method"));
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  const absl::Time start = f.clock.Now();
  pleg.Start();
  CHECK(pleg.mode() == Mode::kRelisting);
  REQUIRE(pleg.relister().WaitForRelistCount(1));
  CHECK(pleg.relister().relist_period() == absl::Seconds(1));
  CHECK(pleg.next_stream_retry() == start + absl::Minutes(5));
  CHECK(pleg.Healthy().ok());

  f.clock.Advance(absl::Seconds(1));
  REQUIRE(pleg.relister().WaitForRelistCount(2));

  // The runtime was upgraded meanwhile: the next probe opens the stream.
  f.clock.Advance(absl::Minutes(5) - absl::Seconds(1));
  REQUIRE(pleg.WaitForMode(Mode::kEvented));
  CHECK(pleg.relister().relist_period() == absl::Seconds(300));
  const std::vector<std::string> lines = f.logs.Lines();
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return absl::StrContains(line, "no container event stream");
  }));
}

TEST_CASE("The evented PLEG is unhealthy when its channel is full") {
  Fixture f;
  EventedPLEG::Options options;
  options.channel_capacity = 1;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry, options);
  StartEvented(f, pleg);
  CHECK(pleg.Healthy().ok());
  const std::string sandbox = f.RunPod("uid-a");
  f.CreateAndStart(sandbox, "web");
  REQUIRE(pleg.WaitForEventsProcessed(4));
  absl::Status health = pleg.Healthy();
  CHECK(absl::IsUnavailable(health));
  CHECK(health.message() == "pleg event channel is out of capacity");
  CHECK(pleg.relister().metrics().discard_events.Value() == 1);
}

TEST_CASE("Stop ends the stream and the threads") {
  Fixture f;
  EventedPLEG pleg(f.runtime, f.cri, f.cache, f.clock, &f.registry);
  StartEvented(f, pleg);
  pleg.Stop();
  CHECK(f.cri.EventSubscriberCount() == 0);
  pleg.Stop();
}

TEST_CASE("NewPLEG builds the evented PLEG when a runtime service is given, else the generic") {
  Fixture f;
  PlegOptions options;
  std::unique_ptr<PodLifecycleEventGenerator> evented =
      NewPLEG(options, f.runtime, &f.cri, f.cache, f.clock, &f.registry);
  CHECK(dynamic_cast<EventedPLEG*>(evented.get()) != nullptr);
  std::unique_ptr<PodLifecycleEventGenerator> no_service =
      NewPLEG(options, f.runtime, nullptr, f.cache, f.clock, &f.registry);
  CHECK(dynamic_cast<GenericPLEG*>(no_service.get()) != nullptr);
  options.kind = PlegKind::kGeneric;
  options.generic.relist_period = absl::Seconds(2);
  std::unique_ptr<PodLifecycleEventGenerator> generic =
      NewPLEG(options, f.runtime, &f.cri, f.cache, f.clock, &f.registry);
  auto* g = dynamic_cast<GenericPLEG*>(generic.get());
  REQUIRE(g != nullptr);
  CHECK(g->relist_period() == absl::Seconds(2));

  // Either kind works through the interface.
  evented->Start();
  REQUIRE(dynamic_cast<EventedPLEG*>(evented.get())->relister().WaitForRelistCount(1));
  CHECK(evented->Healthy().ok());
  evented->Stop();
}

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
