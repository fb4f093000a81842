#include "kubelet_core/pleg/generic_pleg.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/container/fake_runtime.h"
#include "kubelet_core/pleg/forwarding_runtime.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/log.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"

namespace krl {
namespace kubelet_core {
namespace pleg {
namespace {

using container::State;
using Type = PodLifecycleEventType;

constexpr char kRuntime[] = "krl-fake";

struct ContainerSpec {
  std::string id;
  State state;
};

// A pod as the runtime holds it: one sandbox (ready or not) and the given containers.
container::PodStatus MakePod(const std::string& uid, bool sandbox_ready,
                             std::vector<ContainerSpec> containers, std::string ip = "198.18.0.2") {
  container::PodStatus status;
  status.id = uid;
  status.name = "pod-" + uid;
  status.namespace_ = "default";
  cri::PodSandboxStatus sandbox;
  sandbox.set_id("sandbox-" + uid);
  sandbox.mutable_metadata()->set_uid(uid);
  sandbox.mutable_metadata()->set_name(status.name);
  sandbox.set_state(sandbox_ready ? cri::SANDBOX_READY : cri::SANDBOX_NOTREADY);
  status.sandbox_statuses.push_back(sandbox);
  if (sandbox_ready && !ip.empty()) status.ips = {ip};
  for (const ContainerSpec& c : containers) {
    container::ContainerStatus s;
    s.id = corev1::ContainerID{kRuntime, c.id};
    s.name = "name-" + c.id;
    s.state = c.state;
    status.container_statuses.push_back(s);
  }
  return status;
}

PodLifecycleEvent E(const std::string& uid, Type type, const std::string& id) {
  return {uid, type, id};
}

int StatusCallsFor(const container::FakeRuntime& runtime, const std::string& uid) {
  int n = 0;
  for (const auto& call : runtime.Calls())
    n += call.method == "GetPodStatus" && call.pod_uid == uid;
  return n;
}

struct Fixture {
  testing::FakeClock clock;
  container::FakeRuntime runtime{clock};
  Cache cache;
  runtime::metrics::Registry registry;
  log::CaptureSink logs;
};

TEST_CASE("A new pod's running containers and sandbox give ContainerStarted and fill the cache") {
  Fixture f;
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}, {"c2", State::kExited}}));
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  pleg.Relist();
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("a", Type::kContainerStarted, "c1"),
                                    E("a", Type::kContainerDied, "c2"),
                                    E("a", Type::kContainerStarted, "sandbox-a"),
                                });
  CacheEntry entry = f.cache.Get("a");
  CHECK(entry.status.name == "pod-a");
  CHECK(entry.status.container_statuses.size() == 2);
  CHECK(entry.modified == f.clock.Now());
  CHECK(f.cache.GlobalTime() == f.clock.Now());
}

TEST_CASE("Each container state transition gives the kubelet's events") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true,
                                 {{"run-exit", State::kRunning},
                                  {"exit-gone", State::kExited},
                                  {"run-gone", State::kRunning},
                                  {"created-run", State::kCreated},
                                  {"run-unknown", State::kRunning}}));
  pleg.Relist();
  pleg.Watch().Drain();

  f.clock.Advance(absl::Seconds(1));
  f.runtime.SetPodStatus(MakePod("a", true,
                                 {{"run-exit", State::kExited},
                                  {"created-run", State::kRunning},
                                  {"run-unknown", State::kUnknown},
                                  {"new-created", State::kCreated}}));
  pleg.Relist();
  CHECK(pleg.Watch().Drain() ==
        std::vector<PodLifecycleEvent>{
            E("a", Type::kContainerDied, "run-exit"), E("a", Type::kContainerRemoved, "exit-gone"),
            E("a", Type::kContainerDied, "run-gone"), E("a", Type::kContainerRemoved, "run-gone"),
            E("a", Type::kContainerStarted, "created-run"),
            // run-unknown and new-created: ContainerChanged, not delivered
        });
}

TEST_CASE("ContainerChanged is delivered when asked for") {
  Fixture f;
  GenericPLEG::Options options;
  options.deliver_container_changed = true;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry, options);
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kCreated}}));
  pleg.Relist();
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("a", Type::kContainerChanged, "c1"),
                                    E("a", Type::kContainerStarted, "sandbox-a"),
                                });
}

TEST_CASE("A stopped sandbox gives ContainerDied with the sandbox's id") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true, {}));
  pleg.Relist();
  pleg.Watch().Drain();
  f.runtime.SetPodStatus(MakePod("a", false, {}));
  pleg.Relist();
  CHECK(pleg.Watch().Drain() ==
        std::vector<PodLifecycleEvent>{E("a", Type::kContainerDied, "sandbox-a")});
}

TEST_CASE("A pod that vanished gives Died and Removed events and leaves the cache") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}}));
  pleg.Relist();
  pleg.Watch().Drain();
  REQUIRE(f.cache.size() == 1);
  f.runtime.RemovePod("a");
  f.runtime.ClearCalls();
  pleg.Relist();
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("a", Type::kContainerDied, "c1"),
                                    E("a", Type::kContainerRemoved, "c1"),
                                    E("a", Type::kContainerDied, "sandbox-a"),
                                    E("a", Type::kContainerRemoved, "sandbox-a"),
                                });
  CHECK(f.cache.size() == 0);
  CHECK(f.runtime.CallCount("GetPodStatus") == 0);
  // And nothing more on the next relist.
  pleg.Relist();
  CHECK(pleg.Watch().size() == 0);
}

TEST_CASE("Only pods that changed are inspected") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  for (const char* uid : {"a", "b", "c"}) {
    f.runtime.SetPodStatus(MakePod(uid, true, {{std::string("c-") + uid, State::kRunning}}));
  }
  pleg.Relist();
  CHECK(f.runtime.CallCount("GetPodStatus") == 3);

  f.runtime.ClearCalls();
  f.clock.Advance(absl::Seconds(1));
  pleg.Relist();
  CHECK(f.runtime.CallNames() == std::vector<std::string>{"GetPods"});
  CHECK(pleg.Watch().Drain().size() == 6);  // from the first relist only

  f.clock.Advance(absl::Seconds(1));
  REQUIRE(f.runtime.ExitContainer("b", "name-c-b", 1).ok());
  pleg.Relist();
  CHECK(f.runtime.CallNames() == std::vector<std::string>{"GetPods", "GetPods", "GetPodStatus"});
  CHECK(StatusCallsFor(f.runtime, "b") == 1);
  CHECK(pleg.Watch().Drain() ==
        std::vector<PodLifecycleEvent>{E("b", Type::kContainerDied, "c-b")});
  CHECK(f.cache.Get("b").status.container_statuses[0].state == State::kExited);
  CHECK(f.cache.Get("b").modified == f.clock.Now());
  CHECK(f.cache.Get("a").modified == f.clock.Now() - absl::Seconds(2));
  // Every entry is current as of this relist anyway.
  CHECK(f.cache.GlobalTime() == f.clock.Now());
}

TEST_CASE("A pod whose inspection failed is inspected again on the next relist") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}}));
  f.runtime.InjectError("GetPodStatus", absl::UnavailableError("runtime busy"));
  pleg.Relist();
  // Events wait for a status; the cache records the error.
  CHECK(pleg.Watch().size() == 0);
  CHECK(absl::IsUnavailable(f.cache.Get("a").error));

  f.clock.Advance(absl::Seconds(1));
  f.runtime.ClearCalls();
  pleg.Relist();  // nothing changed in the runtime, yet the pod is inspected again
  CHECK(StatusCallsFor(f.runtime, "a") == 1);
  CHECK(pleg.Watch().Drain() == std::vector<PodLifecycleEvent>{
                                    E("a", Type::kContainerStarted, "c1"),
                                    E("a", Type::kContainerStarted, "sandbox-a"),
                                });
  CHECK(f.cache.Get("a").error.ok());

  f.runtime.ClearCalls();
  pleg.Relist();
  CHECK(StatusCallsFor(f.runtime, "a") == 0);
}

TEST_CASE("Events beyond the channel's capacity are dropped and counted") {
  Fixture f;
  GenericPLEG::Options options;
  options.channel_capacity = 2;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry, options);
  for (const char* uid : {"a", "b", "c"}) f.runtime.SetPodStatus(MakePod(uid, true, {}));
  pleg.Relist();
  CHECK(pleg.Watch().size() == 2);
  CHECK(pleg.metrics().discard_events.Value() == 1);
  CHECK(absl::StrContains(f.registry.Render(), "kubelet_pleg_discard_events 1\n"));
  const std::vector<std::string> lines = f.logs.Lines();
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return absl::StrContains(line, "event channel is full");
  }));
  // The cache is filled all the same.
  CHECK(f.cache.size() == 3);
}

TEST_CASE("A failing GetPods ends the relist without events or cache changes") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true, {}));
  f.runtime.InjectError("GetPods", absl::UnavailableError("down"));
  pleg.Relist();
  CHECK(pleg.Watch().size() == 0);
  CHECK(f.cache.size() == 0);
  CHECK_FALSE(f.cache.GlobalTime().has_value());
  CHECK(pleg.relist_count() == 1);
  CHECK_FALSE(pleg.last_relist_time().has_value());
}

TEST_CASE("A runtime that keeps failing GetPods is logged once a minute, not every relist") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  auto failures_logged = [&f] {
    const std::vector<std::string> lines = f.logs.Lines();
    return std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
      return absl::StrContains(line, "unable to retrieve pods");
    });
  };
  for (int i = 0; i < 61; ++i) {
    f.runtime.InjectError("GetPods", absl::UnavailableError("down"));
    pleg.Relist();
    f.clock.Advance(absl::Seconds(1));
  }
  CHECK(failures_logged() == 2);  // at 0 s and at 60 s
  CHECK(absl::IsUnavailable(pleg.Healthy()));
}

TEST_CASE("A dead pod keeps the IPs it had while its sandbox was ready") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}}, "198.18.0.7"));
  pleg.Relist();
  f.runtime.SetPodStatus(MakePod("a", false, {{"c1", State::kExited}}));
  pleg.Relist();
  CHECK(f.cache.Get("a").status.ips == std::vector<std::string>{"198.18.0.7"});
}

TEST_CASE("Relist metrics and running pod and container gauges are recorded") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}, {"c2", State::kExited}}));
  f.runtime.SetPodStatus(MakePod("b", false, {{"c3", State::kExited}}));
  pleg.Relist();
  f.clock.Advance(absl::Seconds(1));
  pleg.Relist();
  CHECK(pleg.metrics().relist_duration.Snapshot().count == 2);
  const runtime::metrics::HistogramSnapshot interval = pleg.metrics().relist_interval.Snapshot();
  CHECK(interval.count == 1);
  CHECK(interval.sum == Approx(1.0));
  CHECK(pleg.metrics().last_seen.Value() ==
        Approx(absl::ToDoubleSeconds(f.clock.Now() - absl::UnixEpoch())));
  const std::string text = f.registry.Render();
  CHECK(absl::StrContains(text, "kubelet_running_pods 1\n"));
  CHECK(absl::StrContains(text, "kubelet_running_containers{container_state=\"running\"} 1\n"));
  CHECK(absl::StrContains(text, "kubelet_running_containers{container_state=\"exited\"} 2\n"));
  CHECK(absl::StrContains(text, "kubelet_pleg_relist_duration_seconds_count 2\n"));
  CHECK(absl::StrContains(text, "kubelet_pleg_relist_interval_seconds_count 1\n"));
}

TEST_CASE("Healthy is false before the first relist") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  absl::Status health = pleg.Healthy();
  CHECK(absl::IsUnavailable(health));
  CHECK(health.message() == "pleg has yet to be successful");
  pleg.Relist();
  CHECK(pleg.Healthy().ok());
}

TEST_CASE("The loop relists at once, then every period on the clock") {
  Fixture f;
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}}));
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  pleg.Start();
  REQUIRE(pleg.WaitForRelistCount(1));
  CHECK(pleg.Watch().Pop(absl::Seconds(10)) == E("a", Type::kContainerStarted, "c1"));

  f.clock.Advance(absl::Milliseconds(999));
  REQUIRE(pleg.WaitForIdleAt(f.clock.Now()));
  CHECK(pleg.relist_count() == 1);

  f.clock.Advance(absl::Milliseconds(1));
  REQUIRE(pleg.WaitForRelistCount(2));
  REQUIRE(f.runtime.ExitContainer("a", "name-c1", 0).ok());
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(pleg.WaitForRelistCount(3));
  // The sandbox's event came first, then c1's death.
  std::vector<PodLifecycleEvent> events = pleg.Watch().Drain();
  CHECK(events == std::vector<PodLifecycleEvent>{E("a", Type::kContainerStarted, "sandbox-a"),
                                                 E("a", Type::kContainerDied, "c1")});
  pleg.Stop();
}

TEST_CASE("A new relist period takes effect at once") {
  Fixture f;
  GenericPLEG::Options options;
  options.relist_period = absl::Seconds(300);
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry, options);
  pleg.Start();
  REQUIRE(pleg.WaitForRelistCount(1));
  f.clock.Advance(absl::Seconds(5));
  REQUIRE(pleg.WaitForIdleAt(f.clock.Now()));
  CHECK(pleg.relist_count() == 1);
  pleg.SetRelistPeriod(absl::Seconds(1), absl::Minutes(3));
  // 5 s have passed since the last relist: the shorter period is already over.
  REQUIRE(pleg.WaitForRelistCount(2));
  CHECK(pleg.relist_period() == absl::Seconds(1));
  CHECK(pleg.relist_threshold() == absl::Minutes(3));
}

// A Runtime whose GetPods can be held at a gate; everything else goes to a FakeRuntime.
class GatedRuntime final : public ForwardingRuntime {
 public:
  explicit GatedRuntime(container::FakeRuntime& inner) : ForwardingRuntime(inner) {}

  // The next GetPods blocks until Open().
  void Close() {
    krl::MutexLock lock(&mu_);
    closed_ = true;
    entered_ = false;
  }
  void Open() {
    krl::MutexLock lock(&mu_);
    closed_ = false;
  }
  [[nodiscard]] bool WaitEntered(absl::Duration timeout = absl::Seconds(10)) {
    krl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&entered_), timeout);
  }

  absl::StatusOr<std::vector<container::Pod>> GetPods(bool all) override {
    {
      krl::MutexLock lock(&mu_);
      entered_ = true;
      auto open = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !closed_; };
      if (!mu_.AwaitWithTimeout(absl::Condition(&open), absl::Seconds(30))) {
        return absl::DeadlineExceededError("gate never opened");
      }
    }
    return ForwardingRuntime::GetPods(all);
  }

 private:
  krl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool entered_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_CASE("The PLEG turns unhealthy when no relist completed for 3 minutes, and recovers") {
  Fixture f;
  GatedRuntime gated(f.runtime);
  GenericPLEG pleg(gated, f.cache, f.clock, &f.registry);
  pleg.Start();
  REQUIRE(pleg.WaitForRelistCount(1));
  CHECK(pleg.Healthy().ok());

  gated.Close();
  f.clock.Advance(absl::Seconds(1));
  REQUIRE(gated.WaitEntered());  // the second relist hangs in GetPods

  f.clock.Advance(absl::Minutes(3) - absl::Seconds(1));
  CHECK(pleg.Healthy().ok());  // exactly 3 minutes: not yet over the threshold
  f.clock.Advance(absl::Seconds(1));
  absl::Status health = pleg.Healthy();
  CHECK(absl::IsUnavailable(health));
  CHECK(health.message() == "pleg was last seen active 3m1s ago; threshold is 3m");

  gated.Open();
  REQUIRE(pleg.WaitForRelistCount(2));
  CHECK(pleg.Healthy().ok());
  pleg.Stop();
}

TEST_CASE("The health threshold is configurable") {
  Fixture f;
  GenericPLEG::Options options;
  options.relist_threshold = absl::Seconds(30);
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry, options);
  pleg.Relist();
  f.clock.Advance(absl::Seconds(31));
  CHECK(absl::IsUnavailable(pleg.Healthy()));
}

TEST_CASE("Stop returns promptly while the loop waits on a fake clock") {
  Fixture f;
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  pleg.Start();
  REQUIRE(pleg.WaitForRelistCount(1));
  pleg.Stop();
  pleg.Stop();  // idempotent
  CHECK(pleg.relist_count() == 1);
}

TEST_CASE("A waiter on the cache is released by the next relist") {
  Fixture f;
  f.runtime.SetPodStatus(MakePod("a", true, {{"c1", State::kRunning}}));
  GenericPLEG pleg(f.runtime, f.cache, f.clock, &f.registry);
  pleg.Start();
  REQUIRE(pleg.WaitForRelistCount(1));
  const absl::Time synced_at = f.clock.Now();  // a pod worker synced now
  f.clock.Advance(absl::Seconds(1));
  // No change in pod a, but the relist's global timestamp is newer than the sync.
  absl::StatusOr<CacheEntry> entry = f.cache.GetNewerThan("a", synced_at, absl::Seconds(10));
  REQUIRE(entry.ok());
  CHECK(entry->status.name == "pod-a");
}

}  // namespace
}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
