#include "kubelet_core/prober/probe_manager.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "runtime/util/mutex.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

using Result = testing::FakeRuntimeService::ExecResult;

// Every update the manager sends, in order.
class Updates {
 public:
  std::function<void(const ProbeUpdate&)> Callback() {
    return [this](const ProbeUpdate& update) {
      krl::MutexLock lock(&mu_);
      updates_.push_back(update);
    };
  }
  std::vector<ProbeUpdate> All() const {
    krl::MutexLock lock(&mu_);
    return updates_;
  }
  int Count(ProbeType type, ProbeResult result) const {
    krl::MutexLock lock(&mu_);
    int count = 0;
    for (const ProbeUpdate& u : updates_) count += u.type == type && u.result == result ? 1 : 0;
    return count;
  }
  bool WaitFor(ProbeType type, ProbeResult result, absl::Duration timeout) const {
    krl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      for (const ProbeUpdate& u : updates_) {
        if (u.type == type && u.result == result) return true;
      }
      return false;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }

 private:
  mutable krl::Mutex mu_;
  std::vector<ProbeUpdate> updates_ ABSL_GUARDED_BY(mu_);
};

corev1::Probe Exec(std::vector<std::string> command) {
  corev1::Probe probe;
  probe.exec = corev1::ExecAction{std::move(command)};
  return probe;
}

// A pod with one container "app" running in a fake runtime, and a probe manager on a fake clock.
struct Fixture {
  Fixture() : runtime(clock, nullptr) {
    ProbeManager::Options options;
    options.max_concurrent_probes = 2;
    options.on_update = updates.Callback();
    manager = std::make_unique<ProbeManager>(runtime, clock, options);

    cri::RunPodSandboxRequest sandbox;
    sandbox.mutable_config()->mutable_metadata()->set_name("web");
    sandbox.mutable_config()->mutable_metadata()->set_namespace_("default");
    sandbox.mutable_config()->mutable_metadata()->set_uid("uid-web");
    auto created = runtime.RunPodSandbox(sandbox);
    REQUIRE(created.ok());
    sandbox_id = created->pod_sandbox_id();
    sandbox_config = sandbox.config();

    pod.metadata.name = "web";
    pod.metadata.uid = "uid-web";
    pod.spec.containers.emplace_back().name = "app";
    pod.spec.containers[0].image = "app:1";
  }

  ~Fixture() {
    // Probes blocked on the fake clock would hold the destructor: there are none by then.
    manager.reset();
  }

  corev1::Container& app() { return pod.spec.containers[0]; }

  // Starts a new "app" container (attempt n) and returns its id.
  std::string StartContainer(uint32_t attempt = 0) {
    cri::CreateContainerRequest create;
    create.set_pod_sandbox_id(sandbox_id);
    create.mutable_config()->mutable_metadata()->set_name("app");
    create.mutable_config()->mutable_metadata()->set_attempt(attempt);
    create.mutable_config()->mutable_image()->set_image("app:1");
    *create.mutable_sandbox_config() = sandbox_config;
    auto created = runtime.CreateContainer(create);
    REQUIRE(created.ok());
    cri::StartContainerRequest start;
    start.set_container_id(created->container_id());
    REQUIRE(runtime.StartContainer(start).ok());
    return created->container_id();
  }

  corev1::PodStatus Running(const std::string& id) {
    corev1::PodStatus status;
    status.phase = corev1::PodPhase::kRunning;
    status.pod_ip = "198.18.0.2";
    corev1::ContainerStatus& c = status.container_statuses.emplace_back();
    c.name = "app";
    c.container_id = "containerd://" + id;
    c.state.running = corev1::ContainerStateRunning{clock.Now()};
    return status;
  }

  // Adds the pod with a freshly started container and lets the first round of probes finish.
  std::string Begin() {
    const std::string id = StartContainer();
    manager->AddPod(pod);
    manager->ObservePodStatus(pod.metadata.uid, Running(id));
    REQUIRE(manager->WaitForIdle());
    return id;
  }

  // Moves the clock and waits until every probe that became due has run.
  void Step(absl::Duration d) {
    clock.Advance(d);
    REQUIRE(manager->WaitForIdle());
  }

  std::optional<ProbeResult> Get(ProbeType type, const std::string& id) {
    return manager->results().Get(type, id);
  }

  int Execs(const std::string& first_arg) {
    int count = 0;
    for (const auto& request : runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync")) {
      count += request.cmd_size() > 0 && request.cmd(0) == first_arg ? 1 : 0;
    }
    return count;
  }

  testing::FakeClock clock;
  testing::FakeRuntimeService runtime;
  Updates updates;
  std::unique_ptr<ProbeManager> manager;
  std::string sandbox_id;
  cri::PodSandboxConfig sandbox_config;
  corev1::Pod pod;
};

TEST_CASE("a liveness probe fails on exactly the third consecutive failure, then holds") {
  Fixture f;
  f.app().liveness_probe = Exec({"live"});  // defaults: period 10 s, failureThreshold 3
  f.runtime.ScriptExec({"live"}, Result{"", "unhealthy\n", 1});
  const std::string id = f.Begin();

  // The first probe ran at once (no initial delay): one failure, the result stays Success.
  CHECK(f.Execs("live") == 1);
  CHECK(f.Get(ProbeType::kLiveness, id) == ProbeResult::kSuccess);
  f.Step(absl::Seconds(10));
  CHECK(f.Execs("live") == 2);
  CHECK(f.Get(ProbeType::kLiveness, id) == ProbeResult::kSuccess);
  f.Step(absl::Seconds(10));
  CHECK(f.Execs("live") == 3);
  CHECK(f.Get(ProbeType::kLiveness, id) == ProbeResult::kFailure);

  const std::vector<ProbeUpdate> updates = f.updates.All();
  REQUIRE(updates.size() == 2);  // the initial Success, then the Failure
  CHECK(updates[1].type == ProbeType::kLiveness);
  CHECK(updates[1].result == ProbeResult::kFailure);
  CHECK(updates[1].container_id == id);
  CHECK(updates[1].container_name == "app");
  CHECK(updates[1].pod_uid == "uid-web");
  CHECK(updates[1].pod_name == "default/web");
  CHECK(updates[1].output == "unhealthy\n");

  // On hold until the container is replaced: no more probes of this one.
  f.Step(absl::Seconds(30));
  CHECK(f.Execs("live") == 3);

  // The agent restarts it: the new container starts over at Success and is probed again.
  const std::string restarted = f.StartContainer(1);
  f.runtime.ScriptExec({"live"}, Result{"ok", "", 0});
  f.manager->ObservePodStatus("uid-web", f.Running(restarted));
  REQUIRE(f.manager->WaitForIdle());
  CHECK(f.Execs("live") == 4);
  CHECK(f.Get(ProbeType::kLiveness, restarted) == ProbeResult::kSuccess);
  CHECK_FALSE(f.Get(ProbeType::kLiveness, id).has_value());
}

TEST_CASE("a probe's success threshold counts consecutive successes") {
  Fixture f;
  f.app().readiness_probe = Exec({"ready"});
  f.app().readiness_probe->success_threshold = 2;
  f.app().readiness_probe->period_seconds = 5;
  const std::string id = f.Begin();                                  // unscripted commands exit 0
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kFailure);  // readiness starts false
  f.Step(absl::Seconds(5));
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kSuccess);
  CHECK(f.Execs("ready") == 2);

  // Failures below failureThreshold (3) leave it ready; the third flips it.
  f.runtime.ScriptExec({"ready"}, Result{"", "", 1});
  f.Step(absl::Seconds(5));
  f.Step(absl::Seconds(5));
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kSuccess);
  f.Step(absl::Seconds(5));
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kFailure);
}

TEST_CASE("no probe runs before the initial delay has passed since the container started") {
  Fixture f;
  f.app().liveness_probe = Exec({"live"});
  f.app().liveness_probe->initial_delay_seconds = 15;
  f.Begin();
  CHECK(f.Execs("live") == 0);
  f.Step(absl::Seconds(10));
  CHECK(f.Execs("live") == 0);
  f.Step(absl::Seconds(4));
  CHECK(f.Execs("live") == 0);
  f.Step(absl::Seconds(1));  // 15 s after the start
  CHECK(f.Execs("live") == 1);
  f.Step(absl::Seconds(10));
  CHECK(f.Execs("live") == 2);
}

TEST_CASE("an exec probe that times out counts as a failure") {
  Fixture f;
  f.app().liveness_probe = Exec({"slow"});
  f.app().liveness_probe->failure_threshold = 1;
  f.app().liveness_probe->timeout_seconds = 2;
  Result slow;
  slow.delay = absl::Seconds(30);
  f.runtime.ScriptExec({"slow"}, slow);
  const std::string id = f.StartContainer();
  f.manager->AddPod(f.pod);
  f.manager->ObservePodStatus("uid-web", f.Running(id));
  // The runtime waits out the probe's 2 s timeout on the clock.
  REQUIRE(f.clock.WaitForSleepers(1));
  CHECK(f.Get(ProbeType::kLiveness, id) == ProbeResult::kSuccess);
  f.clock.Advance(absl::Seconds(2));
  REQUIRE(f.manager->WaitForIdle());
  CHECK(f.Get(ProbeType::kLiveness, id) == ProbeResult::kFailure);
  const std::vector<ProbeUpdate> updates = f.updates.All();
  CHECK(absl::StartsWith(updates.back().output, "command timed out"));
}

TEST_CASE("startup gates liveness and readiness until it succeeds") {
  Fixture f;
  f.app().startup_probe = Exec({"started"});
  f.app().startup_probe->failure_threshold = 30;
  f.app().readiness_probe = Exec({"ready"});
  f.app().liveness_probe = Exec({"live"});
  f.runtime.ScriptExec({"started"}, Result{"", "", 1});
  const std::string id = f.Begin();
  f.Step(absl::Seconds(10));
  CHECK(f.Execs("started") == 2);
  CHECK(f.Execs("ready") == 0);
  CHECK(f.Execs("live") == 0);
  corev1::PodStatus status = f.Running(id);
  f.manager->ApplyProbeResults("uid-web", &status);
  CHECK(status.container_statuses[0].started == false);
  CHECK_FALSE(status.container_statuses[0].ready);

  f.runtime.ScriptExec({"started"}, Result{"", "", 0});
  f.Step(absl::Seconds(10));
  CHECK(f.Get(ProbeType::kStartup, id) == ProbeResult::kSuccess);
  // Readiness runs as soon as the container has started (it may also have been due then).
  CHECK(f.Execs("ready") >= 1);
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kSuccess);
  f.Step(absl::Seconds(10));
  CHECK(f.Execs("live") >= 1);
  CHECK(f.Execs("started") == 3);  // not run again once it succeeded
  f.manager->ApplyProbeResults("uid-web", &status);
  CHECK(status.container_statuses[0].started == true);
  CHECK(status.container_statuses[0].ready);
}

TEST_CASE("a startup probe that keeps failing reports a startup failure for a restart") {
  Fixture f;
  f.app().startup_probe = Exec({"started"});
  f.app().startup_probe->failure_threshold = 2;
  f.app().liveness_probe = Exec({"live"});
  f.runtime.ScriptExec({"started"}, Result{"", "", 1});
  const std::string id = f.Begin();
  CHECK(f.Get(ProbeType::kStartup, id) == ProbeResult::kUnknown);
  f.Step(absl::Seconds(10));
  CHECK(f.Get(ProbeType::kStartup, id) == ProbeResult::kFailure);
  CHECK(f.updates.Count(ProbeType::kStartup, ProbeResult::kFailure) == 1);
  f.Step(absl::Seconds(20));
  CHECK(f.Execs("started") == 2);  // held until the container is replaced
  CHECK(f.Execs("live") == 0);
}

TEST_CASE("ready and started follow the kubelet's rules") {
  Fixture f;
  corev1::Container& plain = f.pod.spec.containers.emplace_back();
  plain.name = "plain";
  f.app().readiness_probe = Exec({"ready"});
  f.app().readiness_probe->initial_delay_seconds = 5;
  const std::string id = f.Begin();

  corev1::PodStatus status = f.Running(id);
  corev1::ContainerStatus& plain_status = status.container_statuses.emplace_back();
  plain_status.name = "plain";
  plain_status.container_id = "containerd://other";
  plain_status.state.running = corev1::ContainerStateRunning{f.clock.Now()};
  corev1::ContainerStatus& waiting = status.container_statuses.emplace_back();
  waiting.name = "waiting";
  corev1::ContainerStatus& init = status.init_container_statuses.emplace_back();
  init.name = "setup";
  init.state.terminated = corev1::ContainerStateTerminated{};

  f.manager->ApplyProbeResults("uid-web", &status);
  // No probes: ready as soon as it runs.
  CHECK(status.container_statuses[1].started == true);
  CHECK(status.container_statuses[1].ready);
  // A readiness probe that has not succeeded yet: started but not ready.
  CHECK(status.container_statuses[0].started == true);
  CHECK_FALSE(status.container_statuses[0].ready);
  // Not running: neither.
  CHECK(status.container_statuses[2].started == false);
  CHECK_FALSE(status.container_statuses[2].ready);
  // An init container that exited 0 is ready.
  CHECK(status.init_container_statuses[0].ready);

  f.Step(absl::Seconds(5));
  f.manager->ApplyProbeResults("uid-web", &status);
  CHECK(status.container_statuses[0].ready);
}

TEST_CASE("a container that stops is not ready, and restartPolicy Never ends its workers") {
  Fixture f;
  f.pod.spec.restart_policy = corev1::RestartPolicy::kNever;
  f.app().readiness_probe = Exec({"ready"});
  f.app().liveness_probe = Exec({"live"});
  const std::string id = f.Begin();
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kSuccess);
  CHECK(f.manager->worker_count() == 2);

  corev1::PodStatus stopped = f.Running(id);
  stopped.container_statuses[0].state = corev1::ContainerState();
  stopped.container_statuses[0].state.terminated = corev1::ContainerStateTerminated{};
  stopped.container_statuses[0].state.terminated->exit_code = 1;
  f.manager->ObservePodStatus("uid-web", stopped);
  REQUIRE(f.manager->WaitForIdle());
  CHECK(f.updates.Count(ProbeType::kReadiness, ProbeResult::kFailure) == 2);  // initial, stop
  // A liveness failure is never reported for a container that is not running.
  CHECK(f.updates.Count(ProbeType::kLiveness, ProbeResult::kFailure) == 0);
  CHECK(f.manager->worker_count() == 0);
  CHECK(f.manager->results().size() == 0);
}

TEST_CASE("a finished pod ends its workers and a removed pod is forgotten") {
  Fixture f;
  f.app().readiness_probe = Exec({"ready"});
  const std::string id = f.Begin();
  CHECK(f.manager->results().size() == 1);

  SECTION("removed") {
    f.manager->RemovePod("uid-web");
    CHECK(f.manager->worker_count() == 0);
    CHECK(f.manager->results().size() == 0);
    f.Step(absl::Seconds(30));
    CHECK(f.Execs("ready") == 1);
    f.manager->RemovePod("uid-web");  // idempotent
  }
  SECTION("succeeded") {
    corev1::PodStatus done = f.Running(id);
    done.phase = corev1::PodPhase::kSucceeded;
    f.manager->ObservePodStatus("uid-web", done);
    REQUIRE(f.manager->WaitForIdle());
    CHECK(f.manager->worker_count() == 0);
    CHECK(f.manager->results().size() == 0);
  }
}

TEST_CASE("a probe that cannot run keeps the previous result and is logged once") {
  log::CaptureSink sink;
  Fixture f;
  corev1::Probe probe;
  probe.tcp_socket = corev1::TCPSocketAction{corev1::IntOrString::FromString("admin"), ""};
  f.app().readiness_probe = probe;
  const std::string id = f.Begin();
  f.Step(absl::Seconds(10));
  f.Step(absl::Seconds(10));
  CHECK(f.Get(ProbeType::kReadiness, id) == ProbeResult::kFailure);  // the initial value
  int logged = 0;
  for (const std::string& line : sink.Lines()) {
    logged += absl::StrContains(line, "probe could not run") ? 1 : 0;
  }
  CHECK(logged == 1);
}

TEST_CASE("probes run on the real clock against a local http server") {
  httplib::Server server;
  const int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  server.Get("/ready", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  std::thread serving([&server] { server.listen_after_bind(); });

  testing::FakeClock runtime_clock;
  testing::FakeRuntimeService runtime(runtime_clock, nullptr);
  Updates updates;
  ProbeManager::Options options;
  options.on_update = updates.Callback();
  {
    ProbeManager manager(runtime, RealClock::Get(), options);
    corev1::Pod pod;
    pod.metadata.name = "web";
    pod.metadata.uid = "uid-real";
    pod.spec.host_network = true;  // probes go to 127.0.0.1
    corev1::Container& c = pod.spec.containers.emplace_back();
    c.name = "app";
    c.ports.push_back({"http", port});
    corev1::Probe probe;
    probe.http_get = corev1::HTTPGetAction();
    probe.http_get->path = "/ready";
    probe.http_get->port = corev1::IntOrString::FromString("http");
    c.readiness_probe = probe;
    manager.AddPod(pod);
    corev1::PodStatus status;
    status.phase = corev1::PodPhase::kRunning;
    corev1::ContainerStatus& cs = status.container_statuses.emplace_back();
    cs.name = "app";
    cs.container_id = "containerd://c1";
    cs.state.running = corev1::ContainerStateRunning{absl::Now()};
    manager.ObservePodStatus("uid-real", status);
    REQUIRE(updates.WaitFor(ProbeType::kReadiness, ProbeResult::kSuccess, absl::Seconds(10)));
    CHECK(manager.results().Get(ProbeType::kReadiness, "c1") == ProbeResult::kSuccess);
  }  // stops promptly although the next probe is 10 s away
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
