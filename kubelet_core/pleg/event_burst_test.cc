// Bursts of 100,000 events: a relist that finds 100,000 new containers at once, and a runtime
// that sends 100,000 container events over gRPC. The PLEG channel stays at its capacity (1000),
// every event beyond it is counted in kubelet_pleg_discard_events, the discards are logged once,
// and nothing blocks: the producers finish and a consumer gets the queued events. The figures are
// printed for docs/reliability/bounds.md.
#include <catch2/catch.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kubelet_core/container/fake_runtime.h"
#include "kubelet_core/pleg/evented_pleg.h"
#include "kubelet_core/pleg/generic_pleg.h"
#include "runtime/metrics/registry.h"
#include "runtime/remote/remote_runtime_service.h"
#include "runtime/remote/scripted_cri_server.h"
#include "runtime/remote/test_socket_dir.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/memory_usage.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

constexpr int kBurst = 100000;

int CountLines(const log::CaptureSink& logs, absl::string_view text) {
  int count = 0;
  for (const std::string& line : logs.Lines()) count += absl::StrContains(line, text) ? 1 : 0;
  return count;
}

TEST_CASE("a relist that finds 100,000 new containers fills the channel and counts the rest") {
  testing::FakeClock clock;
  container::FakeRuntime runtime(clock);
  constexpr int kPods = 1000;
  constexpr int kContainersPerPod = kBurst / kPods;
  for (int p = 0; p < kPods; ++p) {
    container::PodStatus status;
    status.id = absl::StrCat("uid-", p);
    status.name = absl::StrCat("pod-", p);
    status.namespace_ = "default";
    for (int c = 0; c < kContainersPerPod; ++c) {
      container::ContainerStatus& cs = status.container_statuses.emplace_back();
      cs.id = corev1::ContainerID{"krl-fake", absl::StrCat("c-", p, "-", c)};
      cs.name = absl::StrCat("app-", c);
      cs.state = container::State::kRunning;
      cs.created_at = clock.Now();
    }
    runtime.SetPodStatus(std::move(status));
  }
  Cache cache;
  runtime::metrics::Registry registry;
  log::CaptureSink logs;
  GenericPLEG pleg(runtime, cache, clock, &registry);

  const absl::Time start = absl::Now();
  testing::PeakMemoryGrowth growth;
  pleg.Relist();
  const absl::Duration took = absl::Now() - start;
  const uint64_t discarded = pleg.metrics().discard_events.Value();
  std::cout << "bounds: generic relist of " << kBurst << " new containers: channel "
            << pleg.Watch().size() << "/" << pleg.Watch().capacity() << ", discarded " << discarded
            << ", " << absl::FormatDuration(took) << ", peak memory growth " << growth.Describe()
            << "\n";
  CHECK(pleg.Watch().size() == EventChannel::kDefaultCapacity);
  CHECK(pleg.Watch().full());
  CHECK(discarded == kBurst - EventChannel::kDefaultCapacity);
  CHECK(CountLines(logs, "event channel is full") == 1);
  CHECK(took < absl::Seconds(60));
  // The consumer gets exactly the queued events, without waiting.
  std::vector<PodLifecycleEvent> queued = pleg.Watch().Drain();
  CHECK(queued.size() == EventChannel::kDefaultCapacity);
  CHECK_FALSE(pleg.Watch().Pop(absl::Milliseconds(10)).has_value());
  // The cache holds every pod: the agent's periodic resync repairs what the discarded events
  // would have triggered.
  CHECK(cache.Get("uid-999").status.container_statuses.size() == kContainersPerPod);
}

cri::ContainerEventResponse Event(int pod, int sequence) {
  cri::ContainerEventResponse event;
  const std::string id = absl::StrCat("container-", pod);
  const bool started = sequence % 2 == 0;
  event.set_container_id(id);
  event.set_container_event_type(started ? cri::CONTAINER_STARTED_EVENT
                                         : cri::CONTAINER_STOPPED_EVENT);
  const int64_t time = 1'700'000'000'000'000'000 + static_cast<int64_t>(sequence) * 1000 + pod;
  event.set_created_at(time);
  cri::PodSandboxStatus* sandbox = event.mutable_pod_sandbox_status();
  sandbox->set_id(absl::StrCat("sandbox-", pod));
  sandbox->set_state(cri::SANDBOX_READY);
  sandbox->set_created_at(1);
  sandbox->mutable_metadata()->set_name(absl::StrCat("pod-", pod));
  sandbox->mutable_metadata()->set_namespace_("default");
  sandbox->mutable_metadata()->set_uid(absl::StrCat("uid-", pod));
  cri::ContainerStatus* status = event.add_containers_statuses();
  status->set_id(id);
  status->mutable_metadata()->set_name("app");
  status->set_state(started ? cri::CONTAINER_RUNNING : cri::CONTAINER_EXITED);
  status->set_created_at(1);
  status->set_started_at(time);
  if (!started) status->set_finished_at(time);
  status->mutable_image()->set_image("busybox:1.36");
  status->set_image_ref("sha256:0123");
  (*status->mutable_labels())["io.kubernetes.container.name"] = "app";
  return event;
}

TEST_CASE("100,000 container events over gRPC: the channel stays at capacity, nothing blocks") {
  runtime::remote::TestSocketDir dir;
  runtime::remote::ScriptedCriServer server(dir.Path("cri.sock"));
  runtime::remote::RemoteOptions options;
  options.runtime_endpoint = server.endpoint();
  auto remote = runtime::remote::RemoteRuntimeService::Create(options);
  REQUIRE(remote.ok());
  testing::FakeClock clock;
  container::FakeRuntime relister(clock);
  Cache cache;
  runtime::metrics::Registry registry;
  log::CaptureSink logs;
  EventedPLEG pleg(relister, **remote, cache, clock, &registry);
  pleg.Start();
  REQUIRE(pleg.WaitForMode(EventedPLEG::Mode::kEvented));
  REQUIRE(server.WaitForEventStreams(1));

  // 100 pods, 1000 events each, every one newer than the last: each changes its pod and so
  // becomes one PLEG event.
  constexpr int kPods = 100;
  const absl::Time start = absl::Now();
  for (int sequence = 0; sequence < kBurst / kPods; ++sequence) {
    for (int pod = 0; pod < kPods; ++pod) server.PushEvent(Event(pod, sequence));
  }
  REQUIRE(pleg.WaitForEventsProcessed(kBurst, absl::Seconds(120)));
  const absl::Duration took = absl::Now() - start;
  const uint64_t discarded = pleg.relister().metrics().discard_events.Value();
  std::cout << "bounds: evented PLEG, " << kBurst << " container events over gRPC: channel "
            << pleg.Watch().size() << "/" << pleg.Watch().capacity() << ", discarded " << discarded
            << ", " << absl::FormatDuration(took) << "\n";
  CHECK(pleg.Watch().size() == EventChannel::kDefaultCapacity);
  CHECK(discarded == kBurst - EventChannel::kDefaultCapacity);
  // One log line for the whole burst (the clock did not move; the next would say the count).
  CHECK(CountLines(logs, "container events discarded") == 1);
  CHECK(absl::IsUnavailable(pleg.Healthy()));
  // A consumer drains what was queued; the PLEG is healthy again and keeps delivering.
  CHECK(pleg.Watch().Drain().size() == EventChannel::kDefaultCapacity);
  CHECK(pleg.Healthy().ok());
  server.PushEvent(Event(0, kBurst / kPods));
  std::optional<PodLifecycleEvent> next = pleg.Watch().Pop(absl::Seconds(10));
  REQUIRE(next.has_value());
  CHECK(next->pod_id == "uid-0");
  // The cache holds the newest status of each pod.
  CHECK(cache.Get("uid-42").status.container_statuses.size() == 1);
  pleg.Stop();
}

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
