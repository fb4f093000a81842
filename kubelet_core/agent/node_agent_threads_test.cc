// The agent with its own threads, on the real clock: what only the threaded agent does (its
// loop, runtime status and garbage collection threads run by themselves).
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/agent/agent_test_env.h"
#include "kubelet_core/agent/node_agent.h"
#include "kubelet_core/pleg/new_pleg.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/clock.h"
#include "testing/fakes/call_recorder.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

constexpr absl::Duration kStatusHang = absl::Seconds(3);

absl::Status Check(const NodeAgent& agent, const std::string& name) {
  for (const NodeAgent::HealthCheck& check : agent.HealthChecks()) {
    if (check.name == name) return check.status;
  }
  return absl::NotFoundError(name);
}

bool Running(const NodeAgent& agent, const std::string& uid) {
  std::optional<corev1::PodStatus> status = agent.GetPodStatus(uid);
  return status.has_value() && status->phase == corev1::PodPhase::kRunning;
}

int RestartCount(const NodeAgent& agent, const std::string& uid) {
  std::optional<corev1::PodStatus> status = agent.GetPodStatus(uid);
  if (!status.has_value() || status->container_statuses.empty()) return 0;
  return status->container_statuses[0].restart_count;
}

TEST_CASE("a hung runtime Status call stalls neither the sync loop nor pod syncs") {
  Clock& clock = RealClock::Get();
  testing::FakeImageService images(clock);
  testing::FakeRuntimeService runtime(clock, &images);
  char pattern[] = "/tmp/krl-agent-threads-XXXXXX";
  const std::string dir = mkdtemp(pattern);

  NodeAgent::Options options;
  options.node_name = "node-1";
  options.runtime_manager.pod_logs_root = dir + "/logs";
  options.runtime_manager.root_dir = dir + "/root";
  options.tick_period = absl::Milliseconds(50);
  options.runtime_status_period = absl::Milliseconds(100);
  options.sync_loop_threshold = absl::Seconds(1);
  options.runtime_status_threshold = absl::Seconds(1);
  options.pleg.kind = pleg::PlegKind::kGeneric;
  options.pleg.generic.relist_period = absl::Milliseconds(100);
  runtime::metrics::Registry registry;
  absl::StatusOr<std::unique_ptr<NodeAgent>> created =
      NodeAgent::Create(options, runtime, images, clock, &registry);
  REQUIRE(created.ok());
  NodeAgent& agent = **created;
  agent.Start();
  REQUIRE(agent.runtime_state().runtime_ready);

  // Every Status call from now on hangs for kStatusHang, as a runtime that accepts the call and
  // does not answer before the client's deadline.
  runtime.InjectDelay("Status", kStatusHang, testing::CallRecorder::kForever,
                      testing::DelayClock::kRealTime);
  const absl::Time hang_start = absl::Now();
  // A pod added during the hang starts, and a container that exits is restarted: the loop
  // handles the PLEG's events while its Status call waits.
  testing::FakeRuntimeService::ContainerScript crash;
  crash.exit_after = absl::Milliseconds(300);
  crash.exit_code = 1;
  runtime.ScriptContainer("crasher", crash);
  agent.SetPods({TestPod("web", "uid-web"), TestPod("crash", "uid-crash", true, "crasher")});
  bool runtime_check_failed = false;
  while (absl::Now() - hang_start < kStatusHang - absl::Milliseconds(300)) {
    INFO("the sync loop must keep ticking while the Status call hangs");
    REQUIRE(Check(agent, "syncloop").ok());
    runtime_check_failed = runtime_check_failed || !Check(agent, "runtime").ok();
    absl::SleepFor(absl::Milliseconds(50));
  }
  CHECK(Running(agent, "uid-web"));
  // The first restart is immediate (back-off starts after it); only the loop's handling of the
  // PLEG's ContainerDied event makes it happen before the 10 s resync.
  CHECK(RestartCount(agent, "uid-crash") >= 1);
  // /healthz tells that the runtime stopped answering (its threshold is 1 s).
  CHECK(runtime_check_failed);

  runtime.ClearInjections();
  const absl::Time recover_deadline = absl::Now() + kStatusHang + absl::Seconds(2);
  while (!Check(agent, "runtime").ok() && absl::Now() < recover_deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  CHECK(Check(agent, "runtime").ok());
  CHECK(Check(agent, "syncloop").ok());

  created->reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
