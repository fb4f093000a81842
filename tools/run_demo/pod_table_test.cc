#include "tools/run_demo/pod_table.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "api/core/v1/json_encoder.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace tools {
namespace run_demo {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1767225600 + 75);  // 2026-01-01T00:01:15Z

corev1::Pod Pod(const std::string& name) {
  corev1::Pod pod;
  pod.metadata.name = name;
  pod.metadata.uid = "uid-" + name;
  pod.metadata.annotations["kubernetes.io/config.seen"] = "2026-01-01T00:00:00.5Z";
  pod.spec.containers.emplace_back().name = "app";
  pod.status.phase = corev1::PodPhase::kRunning;
  return pod;
}

corev1::ContainerStatus Status(bool ready, int restarts) {
  corev1::ContainerStatus cs;
  cs.name = "app";
  cs.ready = ready;
  cs.restart_count = restarts;
  return cs;
}

std::vector<PodRow> Rows(const std::vector<corev1::Pod>& pods) {
  absl::StatusOr<std::vector<PodRow>> rows = ParsePodList(corev1::PodListToJson(pods), kNow);
  REQUIRE(rows.ok());
  return *rows;
}

TEST_CASE("a running ready pod shows Running, 1/1 and its age") {
  corev1::Pod pod = Pod("web");
  corev1::ContainerStatus cs = Status(true, 0);
  cs.state.running = corev1::ContainerStateRunning{kNow};
  pod.status.container_statuses.push_back(cs);
  std::vector<PodRow> rows = Rows({pod});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].name == "web");
  CHECK(rows[0].uid == "uid-web");
  CHECK(rows[0].ready == "1/1");
  CHECK(rows[0].status == "Running");
  CHECK(rows[0].restarts == 0);
  CHECK(rows[0].age == "74s");
  CHECK(rows[0].all_ready);
}

TEST_CASE("a crash-looping container shows CrashLoopBackOff and its restarts") {
  corev1::Pod pod = Pod("crash");
  corev1::ContainerStatus cs = Status(false, 2);
  cs.state.waiting = corev1::ContainerStateWaiting{"CrashLoopBackOff", "back-off 10s"};
  pod.status.container_statuses.push_back(cs);
  std::vector<PodRow> rows = Rows({pod});
  CHECK(rows[0].status == "CrashLoopBackOff");
  CHECK(rows[0].ready == "0/1");
  CHECK(rows[0].restarts == 2);
}

TEST_CASE("init containers show Init:N/M until they completed, then the app's state") {
  corev1::Pod pod = Pod("init");
  pod.spec.init_containers.emplace_back().name = "prepare";
  pod.status.phase = corev1::PodPhase::kPending;
  corev1::ContainerStatus init;
  init.name = "prepare";
  init.state.running = corev1::ContainerStateRunning{kNow};
  pod.status.init_container_statuses.push_back(init);
  corev1::ContainerStatus app = Status(false, 0);
  app.state.waiting = corev1::ContainerStateWaiting{"PodInitializing", ""};
  pod.status.container_statuses.push_back(app);
  CHECK(Rows({pod})[0].status == "Init:0/1");

  pod.status.init_container_statuses[0].state = corev1::ContainerState();
  pod.status.init_container_statuses[0].state.terminated = corev1::ContainerStateTerminated();
  pod.status.init_container_statuses[0].state.terminated->reason = "Completed";
  pod.status.container_statuses[0] = Status(true, 0);
  pod.status.container_statuses[0].state.running = corev1::ContainerStateRunning{kNow};
  pod.status.phase = corev1::PodPhase::kRunning;
  CHECK(Rows({pod})[0].status == "Running");

  pod.status.init_container_statuses[0].state.terminated->exit_code = 1;
  pod.status.init_container_statuses[0].state.terminated->reason = "Error";
  CHECK(Rows({pod})[0].status == "Init:Error");
}

TEST_CASE("a pod waiting for the network shows NetworkNotReady") {
  corev1::Pod pod = Pod("net");
  pod.status.phase = corev1::PodPhase::kPending;
  pod.status.reason = "NetworkNotReady";
  corev1::ContainerStatus cs = Status(false, 0);
  cs.state.waiting = corev1::ContainerStateWaiting{"ContainerCreating", ""};
  pod.status.container_statuses.push_back(cs);
  CHECK(Rows({pod})[0].status == "NetworkNotReady");
}

TEST_CASE("the table aligns its columns like kubectl") {
  std::vector<PodRow> rows = {{"web-demo", "u", "1/1", "Running", 0, "5s", true},
                              {"crash-demo", "u", "0/1", "CrashLoopBackOff", 3, "2m4s", false}};
  CHECK(FormatPodTable(rows) ==
        "NAME         READY   STATUS             RESTARTS   AGE\n"
        "web-demo     1/1     Running            0          5s\n"
        "crash-demo   0/1     CrashLoopBackOff   3          2m4s\n");
  CHECK(HumanAge(absl::Seconds(59)) == "59s");
  CHECK(HumanAge(absl::Minutes(15)) == "15m");
  CHECK(HumanAge(absl::Hours(5) + absl::Minutes(3)) == "5h3m");
  CHECK(HumanAge(absl::Hours(50)) == "2d2h");
}

TEST_CASE("what is not a PodList is refused") {
  CHECK_FALSE(ParsePodList("not json", kNow).ok());
  CHECK_FALSE(ParsePodList("{\"kind\":\"Pod\"}", kNow).ok());
}

}  // namespace
}  // namespace run_demo
}  // namespace tools
}  // namespace krl
