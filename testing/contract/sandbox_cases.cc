// Contract cases about pod sandboxes: the READY / NOTREADY / removed state machine, unknown and
// empty ids, idempotency, name reservation, and what a sandbox does to its containers.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "testing/contract/case_scope.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using Process = RuntimeTarget::Process;

// Never a real id: 64 hex characters like the ids runtimes make.
constexpr char kUnknownId[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

absl::Status StopPod(CaseScope& scope, const std::string& id) {
  cri::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  return scope.rs().StopPodSandbox(request).status();
}

absl::Status RemovePod(CaseScope& scope, const std::string& id) {
  cri::RemovePodSandboxRequest request;
  request.set_pod_sandbox_id(id);
  return scope.rs().RemovePodSandbox(request).status();
}

absl::Status PodStatus(CaseScope& scope, const std::string& id) {
  cri::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  return scope.rs().PodSandboxStatus(request).status();
}

void RunSandboxIsReady(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("ready", {{"tier", "web"}});
  CHECK(pod.id.size() == 64);
  cri::PodSandboxStatus status = scope.SandboxStatus(pod.id);
  CHECK(status.id() == pod.id);
  CHECK(status.state() == cri::SANDBOX_READY);
  CHECK(status.metadata().name() == pod.config.metadata().name());
  CHECK(status.metadata().namespace_() == pod.config.metadata().namespace_());
  CHECK(status.metadata().uid() == pod.config.metadata().uid());
  CHECK(status.metadata().attempt() == pod.config.metadata().attempt());
  CheckRecentTimestamp(target, status.created_at(), "created_at");
  CHECK(Labels(status.labels().begin(), status.labels().end()) ==
        Labels(pod.config.labels().begin(), pod.config.labels().end()));
  CHECK(status.annotations().at("krl.contract/pod-annotation") == "pod");
  // Host network: the pod has the node's address, which runtimes do not report.
  CHECK(status.linux().namespaces().options().network() == cri::NODE);
  CHECK(status.network().ip().empty());
}

void StoppedSandboxIsNotReady(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("stopped");
  const int64_t created = scope.SandboxStatus(pod.id).created_at();
  KRL_REQUIRE_OK(StopPod(scope, pod.id));
  cri::PodSandboxStatus status = scope.SandboxStatus(pod.id);
  CHECK(status.state() == cri::SANDBOX_NOTREADY);
  CHECK(status.id() == pod.id);
  CHECK(status.metadata().name() == pod.config.metadata().name());
  CHECK(status.created_at() == created);
  cri::PodSandboxFilter filter;
  filter.set_id(pod.id);
  std::vector<cri::PodSandbox> listed = scope.ListPods(filter);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].state() == cri::SANDBOX_NOTREADY);
}

void RemovedSandboxIsGone(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("removed");
  KRL_REQUIRE_OK(StopPod(scope, pod.id));
  KRL_REQUIRE_OK(RemovePod(scope, pod.id));
  KRL_CHECK_CODE(PodStatus(scope, pod.id), absl::StatusCode::kNotFound);
  cri::PodSandboxFilter filter;
  for (const auto& [key, value] : scope.Selector()) (*filter.mutable_label_selector())[key] = value;
  CHECK(scope.ListPods(filter).empty());
  CHECK_FALSE(Contains(Ids(scope.ListPods(cri::PodSandboxFilter())), pod.id));
}

void StopAndRemoveTwiceSucceed(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("twice");
  KRL_CHECK_CODE(StopPod(scope, pod.id), absl::StatusCode::kOk);
  KRL_CHECK_CODE(StopPod(scope, pod.id), absl::StatusCode::kOk);
  KRL_CHECK_CODE(RemovePod(scope, pod.id), absl::StatusCode::kOk);
  KRL_CHECK_CODE(RemovePod(scope, pod.id), absl::StatusCode::kOk);
  // Once removed, stopping is about an id the runtime no longer knows: see the next case.
}

void StopUnknownSandbox(RuntimeTarget& target) {
  CaseScope scope(target);
  const absl::Status status = StopPod(scope, kUnknownId);
  if (target.quirks().stop_unknown_sandbox_not_found) {
    // containerd before 1.6.35 looks the sandbox up first and reports the miss; the kubelet
    // treats NotFound from a stop as done. The fake follows the later, idempotent behaviour.
    KRL_CHECK_CODE(status, absl::StatusCode::kNotFound);
  } else {
    KRL_CHECK_CODE(status, absl::StatusCode::kOk);
  }
}

void RemoveUnknownSandboxSucceeds(RuntimeTarget& target) {
  CaseScope scope(target);
  KRL_CHECK_CODE(RemovePod(scope, kUnknownId), absl::StatusCode::kOk);
}

void UnknownSandboxStatusIsNotFound(RuntimeTarget& target) {
  CaseScope scope(target);
  const absl::Status status = PodStatus(scope, kUnknownId);
  KRL_CHECK_CODE(status, absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(status.message(), "not found"));
  // Other calls naming a sandbox report the same code.
  cri::PodSandboxStatsRequest stats;
  stats.set_pod_sandbox_id(kUnknownId);
  KRL_CHECK_CODE(scope.rs().PodSandboxStats(stats).status(), absl::StatusCode::kNotFound);
  cri::CreateContainerRequest create =
      scope.ContainerRequest(scope.SharedPod(), "orphan", Process::RunsUntilStopped());
  create.set_pod_sandbox_id(kUnknownId);
  KRL_CHECK_CODE(scope.TryCreateContainer(create).status(), absl::StatusCode::kNotFound);
}

void EmptySandboxIdIsRefused(RuntimeTarget& target) {
  CaseScope scope(target);
  // containerd looks ids up in a prefix index that refuses an empty prefix: Unknown, not
  // NotFound, so a caller with a bug that loses the id does not mistake it for "already gone".
  KRL_CHECK_CODE(PodStatus(scope, ""), absl::StatusCode::kUnknown);
  KRL_CHECK_CODE(StopPod(scope, ""), absl::StatusCode::kUnknown);
  KRL_CHECK_CODE(RemovePod(scope, ""), absl::StatusCode::kUnknown);
}

void SandboxNameIsReservedUntilRemoved(RuntimeTarget& target) {
  CaseScope scope(target);
  const cri::PodSandboxConfig config = scope.PodConfig("reserved");
  absl::StatusOr<CaseScope::Pod> first = scope.TryRunPod(config);
  KRL_REQUIRE_OK(first.status());
  // The name is metadata name, namespace, uid and attempt: the same metadata again is refused.
  absl::Status again = scope.TryRunPod(config).status();
  KRL_CHECK_CODE(again, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(again.message(), "reserved"));
  KRL_REQUIRE_OK(StopPod(scope, first->id));
  KRL_CHECK_CODE(scope.TryRunPod(config).status(), absl::StatusCode::kUnknown);
  KRL_REQUIRE_OK(RemovePod(scope, first->id));
  absl::StatusOr<CaseScope::Pod> second = scope.TryRunPod(config);
  KRL_REQUIRE_OK(second.status());
  CHECK(second->id != first->id);
  // A new attempt is a new name even while the first one exists.
  cri::PodSandboxConfig next_attempt = config;
  next_attempt.mutable_metadata()->set_attempt(1);
  KRL_CHECK_CODE(scope.TryRunPod(next_attempt).status(), absl::StatusCode::kOk);
}

void SandboxWithoutMetadataIsRefused(RuntimeTarget& target) {
  CaseScope scope(target);
  cri::PodSandboxConfig config = scope.PodConfig("nometa");
  config.clear_metadata();
  KRL_CHECK_CODE(scope.TryRunPod(config).status(), absl::StatusCode::kUnknown);
}

void StopSandboxStopsItsContainers(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("stops");
  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  KRL_REQUIRE_OK(StopPod(scope, pod.id));
  cri::ContainerStatus killed = scope.ContainerStatus(running);
  CHECK(killed.state() == cri::CONTAINER_EXITED);
  CHECK(killed.exit_code() == 137);  // killed at once: no grace period
  CHECK(killed.reason() == "Error");
  // A container that never ran has nothing to stop and stays CREATED.
  CHECK(scope.ContainerStatus(created).state() == cri::CONTAINER_CREATED);
}

void RemoveSandboxRemovesItsContainers(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("removes");
  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  KRL_REQUIRE_OK(StopPod(scope, pod.id));
  KRL_REQUIRE_OK(RemovePod(scope, pod.id));
  for (const std::string& id : {running, created}) {
    cri::ContainerStatusRequest request;
    request.set_container_id(id);
    KRL_CHECK_CODE(scope.rs().ContainerStatus(request).status(), absl::StatusCode::kNotFound);
  }
  cri::ContainerFilter filter;
  filter.set_pod_sandbox_id(pod.id);
  CHECK(scope.ListContainers(filter).empty());
}

void RemoveReadySandboxStopsItFirst(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("forced");
  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  // No StopPodSandbox first: removal stops the sandbox and its containers itself.
  KRL_REQUIRE_OK(RemovePod(scope, pod.id));
  KRL_CHECK_CODE(PodStatus(scope, pod.id), absl::StatusCode::kNotFound);
  cri::ContainerStatusRequest request;
  request.set_container_id(running);
  KRL_CHECK_CODE(scope.rs().ContainerStatus(request).status(), absl::StatusCode::kNotFound);
}

void CreateInStoppedSandboxFails(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("notready");
  KRL_REQUIRE_OK(StopPod(scope, pod.id));
  absl::Status created =
      scope.TryCreateContainer(scope.ContainerRequest(pod, "late", Process::RunsUntilStopped()))
          .status();
  // containerd needs the sandbox's running task to create a container in it; once the sandbox
  // stopped there is none, which it reports as NotFound.
  KRL_CHECK_CODE(created, absl::StatusCode::kNotFound);
}

void SandboxIdPrefixFindsTheSandbox(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("prefix");
  // containerd indexes ids by unique prefix (as the short ids crictl prints).
  cri::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(pod.id.substr(0, 12));
  absl::StatusOr<cri::PodSandboxStatusResponse> status = scope.rs().PodSandboxStatus(request);
  KRL_REQUIRE_OK(status.status());
  CHECK(status->status().id() == pod.id);
}

void PodSandboxStatsOfReadySandbox(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.RunPod("stats");
  scope.StartContainer(pod, "app", Process::RunsUntilStopped());
  cri::PodSandboxStatsRequest request;
  request.set_pod_sandbox_id(pod.id);
  absl::StatusOr<cri::PodSandboxStatsResponse> stats = scope.rs().PodSandboxStats(request);
  KRL_REQUIRE_OK(stats.status());
  CHECK(stats->stats().attributes().id() == pod.id);
  CHECK(stats->stats().attributes().metadata().name() == pod.config.metadata().name());
  CHECK(stats->stats().attributes().labels().at(CaseScope::kCaseLabel) == scope.token());
  const cri::LinuxPodSandboxStats& linux = stats->stats().linux();
  REQUIRE(linux.has_cpu());
  CheckRecentTimestamp(target, linux.cpu().timestamp(), "cpu.timestamp");
  CHECK(linux.cpu().has_usage_core_nano_seconds());
  REQUIRE(linux.has_memory());
  CHECK(linux.memory().has_working_set_bytes());

  // The list names ready sandboxes only.
  CaseScope::Pod stopped = scope.RunPod("stopped");
  KRL_REQUIRE_OK(StopPod(scope, stopped.id));
  cri::ListPodSandboxStatsRequest list;
  for (const auto& [key, value] : scope.Selector()) {
    (*list.mutable_filter()->mutable_label_selector())[key] = value;
  }
  absl::StatusOr<cri::ListPodSandboxStatsResponse> listed = scope.rs().ListPodSandboxStats(list);
  KRL_REQUIRE_OK(listed.status());
  REQUIRE(listed->stats_size() == 1);
  CHECK(listed->stats(0).attributes().id() == pod.id);
  request.set_pod_sandbox_id(stopped.id);
  const absl::Status not_ready = scope.rs().PodSandboxStats(request).status();
  KRL_CHECK_CODE(not_ready, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(not_ready.message(), "not in ready state"));
}

void SandboxStatsNeedACgroupParent(RuntimeTarget& target) {
  CaseScope scope(target);
  cri::PodSandboxConfig config = scope.PodConfig("bare");
  config.mutable_linux()->clear_cgroup_parent();
  absl::StatusOr<CaseScope::Pod> pod = scope.TryRunPod(config);
  KRL_REQUIRE_OK(pod.status());
  // containerd reads a sandbox's usage from the cgroup parent the kubelet always sets; without
  // one the call fails, and so does any list that includes the sandbox while it is ready.
  cri::PodSandboxStatsRequest request;
  request.set_pod_sandbox_id(pod->id);
  const absl::Status stats = scope.rs().PodSandboxStats(request).status();
  KRL_CHECK_CODE(stats, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(stats.message(), "cgroupPath is empty"));
  cri::ListPodSandboxStatsRequest list;
  list.mutable_filter()->set_id(pod->id);
  KRL_CHECK_CODE(scope.rs().ListPodSandboxStats(list).status(), absl::StatusCode::kUnknown);
  KRL_REQUIRE_OK(StopPod(scope, pod->id));
  absl::StatusOr<cri::ListPodSandboxStatsResponse> after = scope.rs().ListPodSandboxStats(list);
  KRL_REQUIRE_OK(after.status());
  CHECK(after->stats().empty());
}

void HostNetworkSandboxWithHostnameIsRefused(RuntimeTarget& target) {
  CaseScope scope(target);
  cri::PodSandboxConfig config = scope.PodConfig("named-host");
  config.set_hostname("named-host");
  // A host-network pod shares the node's UTS namespace, where runc cannot set a hostname (the
  // kubelet sets none for such pods).
  const absl::Status refused = scope.TryRunPod(config).status();
  KRL_CHECK_CODE(refused, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(refused.message(), "hostname"));
  cri::PodSandboxFilter mine;
  for (const auto& [key, value] : scope.Selector()) (*mine.mutable_label_selector())[key] = value;
  CHECK(scope.ListPods(mine).empty());
  // Nothing is left reserved: the same metadata runs without the hostname.
  config.clear_hostname();
  KRL_CHECK_CODE(scope.TryRunPod(config).status(), absl::StatusCode::kOk);
}

}  // namespace

std::vector<ContractCase> SandboxCases() {
  return {
      {"a sandbox that is run is READY with its metadata, labels, annotations and a recent "
       "creation time",
       &RunSandboxIsReady},
      {"a stopped sandbox is NOTREADY and keeps its identity and creation time",
       &StoppedSandboxIsNotReady},
      {"a removed sandbox is gone: its status is NotFound and lists no longer show it",
       &RemovedSandboxIsGone},
      {"stopping a sandbox twice and removing it twice succeed", &StopAndRemoveTwiceSucceed},
      {"StopPodSandbox of an unknown id succeeds where the runtime made it idempotent, else is "
       "NotFound",
       &StopUnknownSandbox},
      {"RemovePodSandbox of an unknown id succeeds", &RemoveUnknownSandboxSucceeds},
      {"PodSandboxStatus, PodSandboxStats and CreateContainer naming an unknown sandbox fail "
       "with NotFound",
       &UnknownSandboxStatusIsNotFound},
      {"an empty sandbox id is refused with Unknown rather than NotFound",
       &EmptySandboxIdIsRefused},
      {"a sandbox name is reserved until the sandbox is removed, even while it is stopped",
       &SandboxNameIsReservedUntilRemoved},
      {"RunPodSandbox without metadata is refused with Unknown", &SandboxWithoutMetadataIsRefused},
      {"StopPodSandbox kills the sandbox's running containers and leaves created ones CREATED",
       &StopSandboxStopsItsContainers},
      {"RemovePodSandbox removes the sandbox's containers", &RemoveSandboxRemovesItsContainers},
      {"RemovePodSandbox of a ready sandbox with a running container stops and removes both",
       &RemoveReadySandboxStopsItFirst},
      {"CreateContainer in a stopped sandbox fails with NotFound", &CreateInStoppedSandboxFails},
      {"PodSandboxStatus accepts a unique prefix of a sandbox id", &SandboxIdPrefixFindsTheSandbox},
      {"PodSandboxStats reports a ready sandbox's cpu and memory, and ListPodSandboxStats lists "
       "ready sandboxes only",
       &PodSandboxStatsOfReadySandbox},
      {"sandbox stats of a sandbox without a cgroup parent fail with Unknown while it is ready",
       &SandboxStatsNeedACgroupParent},
      {"a host-network sandbox with a hostname is refused with Unknown and leaves nothing behind",
       &HostNetworkSandboxWithHostnameIsRefused},
  };
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
