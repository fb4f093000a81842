// The runtime manager against a real containerd (testing/containerd harness), over the remote
// CRI client: pods with init containers reach Running, a changed command restarts only its
// container, a crashing container is restarted with growing back-off, and KillPod runs the
// preStop hook. Skipped, with a warning, where containerd cannot run.
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kubelet_core/container/simple_image_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "runtime/remote/remote_services.h"
#include "runtime/util/clock.h"
#include "testing/containerd/containerd_harness.h"
#include "testing/containerd/skip_without_containerd.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using testing::containerd::ContainerdHarness;

// One containerd, one manager for the whole binary: starting containerd takes seconds.
struct Node {
  std::unique_ptr<ContainerdHarness> harness;
  runtime::remote::RemoteServices services;
  std::unique_ptr<container::SimpleImageManager> images;
  std::unique_ptr<KubeRuntimeManager> manager;
  std::string dir;

  ~Node() {
    manager.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

// Started on first use; stopped (containerd, its containers, the folders) when the test binary
// exits.
Node& TheNode() {
  static std::unique_ptr<Node> node;
  if (node != nullptr) return *node;
  auto n = std::make_unique<Node>();
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start(ContainerdHarness::Options());
  INFO(harness.status().ToString());
  REQUIRE(harness.ok());
  n->harness = *std::move(harness);
  runtime::remote::RemoteOptions remote;
  remote.runtime_endpoint = n->harness->endpoint();
  absl::StatusOr<runtime::remote::RemoteServices> services =
      runtime::remote::CreateRemoteServices(remote);
  INFO(services.status().ToString());
  REQUIRE(services.ok());
  n->services = *std::move(services);
  n->images = std::make_unique<container::SimpleImageManager>(*n->services.image);
  char dir[] = "/tmp/krl-kri-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  n->dir = dir;
  KubeRuntimeManagerOptions options;
  options.pod_logs_root = n->dir + "/logs";
  options.root_dir = n->dir + "/root";
  // A short curve so growth shows within seconds.
  options.crash_loop_backoff_initial = absl::Seconds(1);
  options.crash_loop_backoff_max = absl::Seconds(4);
  absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> manager = KubeRuntimeManager::Create(
      *n->services.runtime, *n->services.image, *n->images, RealClock::Get(), options);
  INFO(manager.status().ToString());
  REQUIRE(manager.ok());
  n->manager = *std::move(manager);
  node = std::move(n);
  return *node;
}

corev1::Container Busybox(const std::string& name, std::vector<std::string> command) {
  corev1::Container c;
  c.name = name;
  c.image = ContainerdHarness::kBusyboxImage;
  c.image_pull_policy = corev1::PullPolicy::kIfNotPresent;
  c.command = std::move(command);
  return c;
}

// Sleeps that end at once on SIGTERM, so stops are quick.
std::vector<std::string> Serve() {
  return {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"};
}

corev1::Pod Pod(const std::string& name, std::vector<corev1::Container> containers,
                std::vector<corev1::Container> inits = {}) {
  corev1::Pod pod;
  pod.metadata.name = name;
  pod.metadata.namespace_ = "krl-test";
  pod.metadata.uid = absl::StrCat("uid-", name, "-", absl::ToUnixNanos(absl::Now()));
  pod.spec.host_network = true;  // no CNI in the harness
  pod.spec.termination_grace_period_seconds = 5;
  pod.spec.containers = std::move(containers);
  pod.spec.init_containers = std::move(inits);
  return pod;
}

container::PodStatus Status(const corev1::Pod& pod) {
  absl::StatusOr<container::PodStatus> status =
      TheNode().manager->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  INFO(status.status().ToString());
  REQUIRE(status.ok());
  return *status;
}

// Syncs `pod` every 100 ms until `done` holds for its API status, or `timeout` passes.
bool SyncUntil(const corev1::Pod& pod, const std::function<bool(const corev1::PodStatus&)>& done,
               absl::Duration timeout, std::vector<container::PodSyncResult>* results = nullptr) {
  KubeRuntimeManager& manager = *TheNode().manager;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    container::PodStatus status = Status(pod);
    if (done(manager.GenerateAPIPodStatus(pod, status))) return true;
    container::PodSyncResult result = manager.SyncPod(pod, status);
    if (results != nullptr) results->push_back(result);
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

bool AllRunning(const corev1::PodStatus& s) {
  if (s.phase != corev1::PodPhase::kRunning) return false;
  for (const corev1::ContainerStatus& c : s.container_statuses) {
    if (!c.state.running) return false;
  }
  return true;
}

// Kills the pod, retrying as the pod worker would: a container exiting while it is stopped can
// make containerd answer StopContainer with "ttrpc: closed" (its shim went away meanwhile).
void Cleanup(const corev1::Pod& pod) {
  KubeRuntimeManager& manager = *TheNode().manager;
  absl::Status killed;
  for (int attempt = 0; attempt < 3; ++attempt) {
    container::Pod running = container::ConvertPodStatusToRunningPod(manager.Type(), Status(pod));
    killed = manager.KillPod(&pod, running, 0);
    if (killed.ok()) break;
    WARN("KillPod failed, retrying: " << killed.message());
    absl::SleepFor(absl::Milliseconds(500));
  }
  CHECK(killed.ok());
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("a pod with an init container and two app containers reaches Running on containerd") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  corev1::Pod pod = Pod("web", {Busybox("a", Serve()), Busybox("b", Serve())},
                        {Busybox("init", {"sh", "-c", "echo initialized"})});
  REQUIRE(SyncUntil(pod, AllRunning, absl::Seconds(60)));
  corev1::PodStatus api = TheNode().manager->GenerateAPIPodStatus(pod, Status(pod));
  CHECK(api.init_container_statuses[0].state.terminated->reason == "Completed");
  CHECK(api.container_statuses.size() == 2);
  for (const corev1::PodCondition& c : api.conditions) {
    INFO(c.type);
    CHECK(c.status == corev1::ConditionStatus::kTrue);
  }
  CHECK_THAT(api.container_statuses[0].container_id, Catch::StartsWith("containerd://"));
  // The layout of the logs, and what the init container printed.
  const std::string log =
      absl::StrCat(TheNode().dir, "/logs/krl-test_web_", pod.metadata.uid, "/init/0.log");
  CHECK_THAT(ReadFile(log), Catch::Contains("stdout F initialized"));
  // Synced again: nothing to do.
  container::PodSyncResult again = TheNode().manager->SyncPod(pod, Status(pod));
  CHECK(again.ok());
  CHECK(again.steps.empty());

  SECTION("changing a container's command restarts only that container") {
    const std::string a_id = Status(pod).FindContainerStatusByName("a")->id.id;
    const std::string b_id = Status(pod).FindContainerStatusByName("b")->id.id;
    pod.spec.containers[1].command = {"sh", "-c",
                                      "trap 'exit 0' TERM; while true; do sleep 0.3; done"};
    container::PodSyncResult result = TheNode().manager->SyncPod(pod, Status(pod));
    INFO(result.Error().ToString());
    CHECK(result.ok());
    REQUIRE(SyncUntil(pod, AllRunning, absl::Seconds(30)));
    container::PodStatus status = Status(pod);
    CHECK(status.FindContainerStatusByName("a")->id.id == a_id);
    CHECK(status.FindContainerStatusByName("a")->restart_count == 0);
    CHECK(status.FindContainerStatusByName("b")->id.id != b_id);
    CHECK(status.FindContainerStatusByName("b")->restart_count == 1);
    CHECK(status.FindContainerStatusByName("init")->restart_count == 0);
  }
  Cleanup(pod);
}

TEST_CASE("a container that exits 1 is restarted on containerd with growing back-off") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  corev1::Pod pod =
      Pod("crash", {Busybox("a", {"sh", "-c", "echo last words > /dev/termination-log; exit 1"})});
  // Starts are the StartContainer steps that succeeded, in real time.
  std::vector<absl::Time> starts;
  bool saw_backoff = false;
  const absl::Time deadline = absl::Now() + absl::Seconds(40);
  while (starts.size() < 6 && absl::Now() < deadline) {
    container::PodSyncResult result = TheNode().manager->SyncPod(pod, Status(pod));
    for (const container::SyncResult& step : result.steps) {
      if (step.action != container::SyncAction::kStartContainer) continue;
      if (step.ok()) starts.push_back(absl::Now());
      if (step.error == "CrashLoopBackOff") saw_backoff = true;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  REQUIRE(starts.size() == 6);
  CHECK(saw_backoff);
  // From containerd's own times: each attempt started at least the back-off after the previous
  // one finished. The first restart is immediate, then 1 s, 2 s, 4 s, 4 s (capped).
  std::vector<const container::ContainerStatus*> attempts(6, nullptr);
  container::PodStatus all = Status(pod);
  for (const container::ContainerStatus& s : all.container_statuses) {
    if (s.restart_count < 6) attempts[s.restart_count] = &s;
  }
  const std::vector<absl::Duration> at_least = {
      absl::ZeroDuration(), absl::Seconds(1), absl::Seconds(2), absl::Seconds(4), absl::Seconds(4)};
  for (size_t i = 1; i < attempts.size(); ++i) {
    REQUIRE(attempts[i] != nullptr);
    REQUIRE(attempts[i - 1]->state == container::State::kExited);
    absl::Duration waited = attempts[i]->started_at - attempts[i - 1]->finished_at;
    INFO("attempt " << i << " started " << absl::FormatDuration(waited)
                    << " after the previous one finished");
    // At the cap (attempt 5) BackOff (kubelet_core/util) ages its entry out against the current
    // time rather than the failure time, which shortens that wait by the previous run's length
    // (here ~0.1 s): only the growth up to the cap is checked exactly.
    CHECK(waited >= at_least[i - 1] - (i == 5 ? absl::Milliseconds(500) : absl::ZeroDuration()));
    CHECK(waited < at_least[i - 1] + absl::Seconds(2));  // and not much later
  }

  container::PodStatus status = Status(pod);
  const container::ContainerStatus* a = status.FindContainerStatusByName("a");
  REQUIRE(a != nullptr);
  CHECK(a->restart_count == 5);
  if (a->state == container::State::kExited) {
    CHECK(a->exit_code == 1);
    CHECK_THAT(a->message, Catch::Contains("last words"));
  }
  corev1::PodStatus api = TheNode().manager->GenerateAPIPodStatus(pod, status);
  CHECK(api.container_statuses[0].restart_count == 5);
  Cleanup(pod);
}

TEST_CASE("KillPod runs the preStop hook on containerd before stopping the container") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  const std::string out = TheNode().dir + "/hook-out";
  corev1::Container c = Busybox("a", Serve());
  c.lifecycle.emplace().pre_stop.emplace().exec.emplace().command = {"sh", "-c",
                                                                     "echo drained > /out/prestop"};
  corev1::VolumeMount mount;
  mount.name = "out";
  mount.mount_path = "/out";
  c.volume_mounts.push_back(mount);
  corev1::Pod pod = Pod("hooks", {c});
  corev1::Volume volume;
  volume.name = "out";
  volume.host_path = corev1::HostPathVolumeSource{out, corev1::HostPathType::kDirectoryOrCreate};
  pod.spec.volumes.push_back(volume);
  REQUIRE(SyncUntil(pod, AllRunning, absl::Seconds(30)));

  KubeRuntimeManager& manager = *TheNode().manager;
  container::Pod running = container::ConvertPodStatusToRunningPod(manager.Type(), Status(pod));
  const absl::Time start = absl::Now();
  REQUIRE(manager.KillPod(&pod, running, std::nullopt).ok());
  CHECK(absl::Now() - start < absl::Seconds(5));  // SIGTERM ended it; no grace period waited
  CHECK(ReadFile(out + "/prestop") == "drained\n");
  container::PodStatus status = Status(pod);
  CHECK(status.FindContainerStatusByName("a")->state == container::State::kExited);
  CHECK(status.sandbox_statuses[0].state() == cri::SANDBOX_NOTREADY);

  // Garbage collection of a pod the agent no longer has.
  CHECK(manager.GarbageCollect(container::GCPolicy{absl::ZeroDuration(), 0, -1}, true, false).ok());
  CHECK(Status(pod).container_statuses.empty());
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
