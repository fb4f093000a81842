// Contract cases about containers: the CREATED / RUNNING / EXITED state machine, exit codes and
// reasons, timestamps, stop and remove rules, name reservation and refused creations.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "testing/contract/case_scope.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using Process = RuntimeTarget::Process;

constexpr char kUnknownId[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

absl::Status Start(CaseScope& scope, const std::string& id) {
  cri::StartContainerRequest request;
  request.set_container_id(id);
  return scope.rs().StartContainer(request).status();
}

absl::Status Stop(CaseScope& scope, const std::string& id, int64_t timeout = 0) {
  cri::StopContainerRequest request;
  request.set_container_id(id);
  request.set_timeout(timeout);
  return scope.rs().StopContainer(request).status();
}

absl::Status Remove(CaseScope& scope, const std::string& id) {
  cri::RemoveContainerRequest request;
  request.set_container_id(id);
  return scope.rs().RemoveContainer(request).status();
}

absl::Status StatusCall(CaseScope& scope, const std::string& id) {
  cri::ContainerStatusRequest request;
  request.set_container_id(id);
  return scope.rs().ContainerStatus(request).status();
}

// How a container's process ended, for what its timestamps can promise.
enum class Ended { kAfterRunning, kAtOnce };

void CheckOrdered(RuntimeTarget& target, const cri::ContainerStatus& status, Ended ended) {
  CheckRecentTimestamp(target, status.created_at(), "created_at");
  CheckRecentTimestamp(target, status.started_at(), "started_at");
  CheckRecentTimestamp(target, status.finished_at(), "finished_at");
  CHECK(status.created_at() <= status.started_at());
  CHECK(status.created_at() <= status.finished_at());
  if (ended == Ended::kAfterRunning) {
    CHECK(status.started_at() <= status.finished_at());
  } else {
    // containerd stamps started_at when its start call returns but finished_at with the exit
    // time the shim saw, so a process that exits at once can finish "before" it started (by
    // well under a second). Consumers must not assume started_at <= finished_at.
    CHECK(status.started_at() - status.finished_at() < absl::ToInt64Nanoseconds(absl::Seconds(1)));
  }
}

void CreatedContainerIsCreated(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string id =
      scope.CreateContainer(pod, "created", Process::RunsUntilStopped(), {{"role", "app"}});
  CHECK(id.size() == 64);
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.id() == id);
  CHECK(status.state() == cri::CONTAINER_CREATED);
  CHECK(status.metadata().name() == scope.Unique("created"));
  CHECK(status.metadata().attempt() == 0);
  CheckRecentTimestamp(target, status.created_at(), "created_at");
  CHECK(status.started_at() == 0);
  CHECK(status.finished_at() == 0);
  CHECK(status.exit_code() == 0);
  CHECK(status.reason().empty());
  CHECK(status.image().image() == target.image());
  CHECK_FALSE(status.image_ref().empty());
  CHECK(status.labels().at("role") == "app");
  CHECK(status.labels().at(CaseScope::kCaseLabel) == scope.token());
  CHECK(status.annotations().at("krl.contract/container-annotation") == "container");
  CHECK(status.log_path() ==
        absl::StrCat(pod.config.log_directory(), "/", scope.Unique("created"), ".log"));
}

void StartedContainerIsRunning(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "running", Process::RunsUntilStopped());
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.state() == cri::CONTAINER_RUNNING);
  CheckRecentTimestamp(target, status.started_at(), "started_at");
  CHECK(status.created_at() <= status.started_at());
  CHECK(status.finished_at() == 0);
  CHECK(status.exit_code() == 0);
  CHECK(status.reason().empty());
}

void ExitZeroIsCompleted(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id = scope.StartContainer(scope.SharedPod(), "zero", Process::ExitWith(0));
  REQUIRE(scope.WaitForContainerState(id, cri::CONTAINER_EXITED));
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.exit_code() == 0);
  CHECK(status.reason() == "Completed");
  CheckOrdered(target, status, Ended::kAtOnce);
}

void ExitNonZeroIsError(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id = scope.StartContainer(scope.SharedPod(), "three", Process::ExitWith(3));
  REQUIRE(scope.WaitForContainerState(id, cri::CONTAINER_EXITED));
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.exit_code() == 3);
  CHECK(status.reason() == "Error");
  CheckOrdered(target, status, Ended::kAtOnce);
}

void StateMachineCreatedRunningExited(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.CreateContainer(scope.SharedPod(), "lifecycle", Process::ExitsWhenTold());
  const cri::ContainerStatus created = scope.ContainerStatus(id);
  CHECK(created.state() == cri::CONTAINER_CREATED);
  KRL_REQUIRE_OK(Start(scope, id));
  const cri::ContainerStatus running = scope.ContainerStatus(id);
  CHECK(running.state() == cri::CONTAINER_RUNNING);
  KRL_REQUIRE_OK(target.TellToExit(id, 42));
  REQUIRE(scope.WaitForContainerState(id, cri::CONTAINER_EXITED));
  const cri::ContainerStatus exited = scope.ContainerStatus(id);
  CHECK(exited.exit_code() == 42);
  CHECK(exited.reason() == "Error");
  // The timestamps of earlier states do not change later.
  CHECK(running.created_at() == created.created_at());
  CHECK(exited.created_at() == created.created_at());
  CHECK(exited.started_at() == running.started_at());
  CheckOrdered(target, exited, Ended::kAfterRunning);
}

void StopWithoutGracePeriodKills(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "killed", Process::RunsUntilStopped());
  KRL_REQUIRE_OK(Stop(scope, id, 0));
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.state() == cri::CONTAINER_EXITED);
  CHECK(status.exit_code() == 137);  // 128 + SIGKILL
  CHECK(status.reason() == "Error");
  CheckOrdered(target, status, Ended::kAfterRunning);
}

void StopEndsAProcessThatHandlesSigterm(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "graceful", Process::RunsUntilStopped());
  const absl::Time before = target.Now();
  // A long grace period that must not be waited out: SIGTERM ends the process.
  KRL_REQUIRE_OK(Stop(scope, id, 30));
  CHECK(target.Now() - before < absl::Seconds(15));
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.state() == cri::CONTAINER_EXITED);
  CHECK(status.exit_code() == 143);  // 128 + SIGTERM
  CHECK(status.reason() == "Error");
}

void StopKillsAProcessThatIgnoresSigtermAfterTheGracePeriod(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "stubborn", Process::IgnoresSigterm());
  const absl::Time before = target.Now();
  absl::Status stopped = absl::UnknownError("not called");
  target.RunWhileTimePasses([&] { stopped = Stop(scope, id, 1); }, absl::Seconds(1));
  KRL_REQUIRE_OK(stopped);
  CHECK(target.Now() - before >= absl::Seconds(1));
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.state() == cri::CONTAINER_EXITED);
  CHECK(status.exit_code() == 137);
  CHECK(status.reason() == "Error");
}

void StopCreatedContainerLeavesItCreated(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.CreateContainer(scope.SharedPod(), "idle", Process::RunsUntilStopped());
  KRL_CHECK_CODE(Stop(scope, id, 0), absl::StatusCode::kOk);
  cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.state() == cri::CONTAINER_CREATED);
  CHECK(status.finished_at() == 0);
  // And it can still be started.
  KRL_CHECK_CODE(Start(scope, id), absl::StatusCode::kOk);
  CHECK(scope.ContainerStatus(id).state() == cri::CONTAINER_RUNNING);
}

void StopTwiceAndStopExitedChangeNothing(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string exited = scope.StartContainer(pod, "exited", Process::ExitWith(3));
  REQUIRE(scope.WaitForContainerState(exited, cri::CONTAINER_EXITED));
  const cri::ContainerStatus before = scope.ContainerStatus(exited);
  KRL_CHECK_CODE(Stop(scope, exited, 0), absl::StatusCode::kOk);
  const cri::ContainerStatus after = scope.ContainerStatus(exited);
  CHECK(after.exit_code() == 3);
  CHECK(after.reason() == "Error");
  CHECK(after.finished_at() == before.finished_at());

  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  KRL_CHECK_CODE(Stop(scope, running, 0), absl::StatusCode::kOk);
  const cri::ContainerStatus first = scope.ContainerStatus(running);
  KRL_CHECK_CODE(Stop(scope, running, 0), absl::StatusCode::kOk);
  const cri::ContainerStatus second = scope.ContainerStatus(running);
  CHECK(second.exit_code() == first.exit_code());
  CHECK(second.finished_at() == first.finished_at());
}

void StopAndRemoveUnknownContainer(RuntimeTarget& target) {
  CaseScope scope(target);
  if (target.quirks().stop_unknown_container_not_found) {
    // containerd before 1.6.35 looks the container up first and reports the miss (the kubelet
    // treats NotFound from a stop as done); the fake follows the later, idempotent behaviour.
    KRL_CHECK_CODE(Stop(scope, kUnknownId, 0), absl::StatusCode::kNotFound);
  } else {
    KRL_CHECK_CODE(Stop(scope, kUnknownId, 0), absl::StatusCode::kOk);
  }
  KRL_CHECK_CODE(Remove(scope, kUnknownId), absl::StatusCode::kOk);
}

void UpdateResourcesShowsInStatus(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "resized", Process::RunsUntilStopped());
  cri::UpdateContainerResourcesRequest request;
  request.set_container_id(id);
  request.mutable_linux()->set_cpu_shares(512);
  request.mutable_linux()->set_memory_limit_in_bytes(64 * 1024 * 1024);
  KRL_REQUIRE_OK(scope.rs().UpdateContainerResources(request).status());
  const cri::ContainerStatus status = scope.ContainerStatus(id);
  CHECK(status.resources().linux().cpu_shares() == 512);
  CHECK(status.resources().linux().memory_limit_in_bytes() == 64 * 1024 * 1024);
  request.set_container_id(kUnknownId);
  KRL_CHECK_CODE(scope.rs().UpdateContainerResources(request).status(),
                 absl::StatusCode::kNotFound);
}

void ReopenLogNeedsARunningContainer(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  cri::ReopenContainerLogRequest request;
  request.set_container_id(running);
  KRL_CHECK_CODE(scope.rs().ReopenContainerLog(request).status(), absl::StatusCode::kOk);
  request.set_container_id(created);
  const absl::Status not_running = scope.rs().ReopenContainerLog(request).status();
  KRL_CHECK_CODE(not_running, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(not_running.message(), "not running"));
  request.set_container_id(kUnknownId);
  KRL_CHECK_CODE(scope.rs().ReopenContainerLog(request).status(), absl::StatusCode::kNotFound);
}

void RemovedContainerIsGone(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id = scope.StartContainer(scope.SharedPod(), "gone", Process::ExitWith(0));
  REQUIRE(scope.WaitForContainerState(id, cri::CONTAINER_EXITED));
  KRL_REQUIRE_OK(Remove(scope, id));
  KRL_CHECK_CODE(StatusCall(scope, id), absl::StatusCode::kNotFound);
  cri::ContainerFilter filter;
  for (const auto& [key, value] : scope.Selector()) (*filter.mutable_label_selector())[key] = value;
  CHECK(scope.ListContainers(filter).empty());
  KRL_CHECK_CODE(Remove(scope, id), absl::StatusCode::kOk);
}

void RemoveRunningContainerKillsIt(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "busy", Process::RunsUntilStopped());
  // No stop first: the runtime kills the process itself before removing the container.
  KRL_REQUIRE_OK(Remove(scope, id));
  KRL_CHECK_CODE(StatusCall(scope, id), absl::StatusCode::kNotFound);
}

void StartTwiceFails(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "once", Process::RunsUntilStopped());
  const absl::Status again = Start(scope, id);
  KRL_CHECK_CODE(again, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(again.message(), "CONTAINER_RUNNING"));
  CHECK(scope.ContainerStatus(id).state() == cri::CONTAINER_RUNNING);
}

void ExitedContainerCannotStartAgain(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id = scope.StartContainer(scope.SharedPod(), "done", Process::ExitWith(0));
  REQUIRE(scope.WaitForContainerState(id, cri::CONTAINER_EXITED));
  const absl::Status again = Start(scope, id);
  KRL_CHECK_CODE(again, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(again.message(), "CONTAINER_EXITED"));
  // A restart is a new container (a new attempt), never the old one again.
  CHECK(scope.ContainerStatus(id).reason() == "Completed");
}

void UnknownContainerIsNotFound(RuntimeTarget& target) {
  CaseScope scope(target);
  KRL_CHECK_CODE(StatusCall(scope, kUnknownId), absl::StatusCode::kNotFound);
  KRL_CHECK_CODE(Start(scope, kUnknownId), absl::StatusCode::kNotFound);
  cri::ExecSyncRequest exec;
  exec.set_container_id(kUnknownId);
  exec.add_cmd("true");
  exec.set_timeout(5);
  KRL_CHECK_CODE(scope.rs().ExecSync(exec).status(), absl::StatusCode::kNotFound);
  cri::ContainerStatsRequest stats;
  stats.set_container_id(kUnknownId);
  KRL_CHECK_CODE(scope.rs().ContainerStats(stats).status(), absl::StatusCode::kNotFound);
}

void EmptyContainerIdIsRefused(RuntimeTarget& target) {
  CaseScope scope(target);
  // As for sandboxes: an empty prefix is an error of its own (Unknown), not NotFound.
  KRL_CHECK_CODE(StatusCall(scope, ""), absl::StatusCode::kUnknown);
  KRL_CHECK_CODE(Start(scope, ""), absl::StatusCode::kUnknown);
  KRL_CHECK_CODE(Stop(scope, "", 0), absl::StatusCode::kUnknown);
  KRL_CHECK_CODE(Remove(scope, ""), absl::StatusCode::kUnknown);
}

void ContainerNameIsReservedUntilRemoved(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const cri::CreateContainerRequest request =
      scope.ContainerRequest(pod, "named", Process::ExitWith(0));
  absl::StatusOr<std::string> first = scope.TryCreateContainer(request);
  KRL_REQUIRE_OK(first.status());
  const absl::Status again = scope.TryCreateContainer(request).status();
  KRL_CHECK_CODE(again, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(again.message(), "reserved"));
  // Still reserved after the container exited.
  KRL_REQUIRE_OK(Start(scope, *first));
  REQUIRE(scope.WaitForContainerState(*first, cri::CONTAINER_EXITED));
  KRL_CHECK_CODE(scope.TryCreateContainer(request).status(), absl::StatusCode::kUnknown);
  KRL_REQUIRE_OK(Remove(scope, *first));
  absl::StatusOr<std::string> second = scope.TryCreateContainer(request);
  KRL_REQUIRE_OK(second.status());
  CHECK(*second != *first);
}

void MissingImageIsNotFound(RuntimeTarget& target) {
  CaseScope scope(target);
  cri::CreateContainerRequest request =
      scope.ContainerRequest(scope.SharedPod(), "noimage", Process::RunsUntilStopped());
  request.mutable_config()->mutable_image()->set_image("krl.test/absent:1");
  const absl::Status status = scope.TryCreateContainer(request).status();
  KRL_CHECK_CODE(status, absl::StatusCode::kNotFound);
  CHECK(absl::StrContains(status.message(), "krl.test/absent:1"));
}

void MalformedContainerConfigs(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  cri::CreateContainerRequest no_metadata =
      scope.ContainerRequest(pod, "nometa", Process::RunsUntilStopped());
  no_metadata.mutable_config()->clear_metadata();
  KRL_CHECK_CODE(scope.TryCreateContainer(no_metadata).status(), absl::StatusCode::kUnknown);
  // An empty name is not checked by the runtime (the kubelet always sets one).
  cri::CreateContainerRequest empty_name =
      scope.ContainerRequest(pod, "unnamed", Process::RunsUntilStopped());
  empty_name.mutable_config()->mutable_metadata()->set_name("");
  KRL_CHECK_CODE(scope.TryCreateContainer(empty_name).status(), absl::StatusCode::kOk);
}

}  // namespace

std::vector<ContractCase> ContainerCases() {
  return {
      {"a created container is CREATED with its metadata, image, labels, annotations, log path and "
       "only a creation time",
       &CreatedContainerIsCreated},
      {"a started container is RUNNING with a start time at or after its creation time",
       &StartedContainerIsRunning},
      {"a container whose process exits 0 is EXITED with reason Completed", &ExitZeroIsCompleted},
      {"a container whose process exits non-zero is EXITED with that exit code and reason Error",
       &ExitNonZeroIsError},
      {"a container goes from CREATED to RUNNING to EXITED with ordered nanosecond timestamps",
       &StateMachineCreatedRunningExited},
      {"StopContainer without a grace period kills a running container with exit code 137",
       &StopWithoutGracePeriodKills},
      {"StopContainer ends a process that handles SIGTERM with 143 without waiting out the grace "
       "period",
       &StopEndsAProcessThatHandlesSigterm},
      {"StopContainer kills a process that ignores SIGTERM with 137 once the grace period passed",
       &StopKillsAProcessThatIgnoresSigtermAfterTheGracePeriod},
      {"stopping a created container succeeds and leaves it CREATED and startable",
       &StopCreatedContainerLeavesItCreated},
      {"stopping an exited container or stopping twice succeeds and changes nothing",
       &StopTwiceAndStopExitedChangeNothing},
      {"RemoveContainer of an unknown id succeeds, StopContainer too where the runtime made it "
       "idempotent",
       &StopAndRemoveUnknownContainer},
      {"UpdateContainerResources changes what ContainerStatus reports, and an unknown id is "
       "NotFound",
       &UpdateResourcesShowsInStatus},
      {"ReopenContainerLog succeeds for a running container only",
       &ReopenLogNeedsARunningContainer},
      {"a removed container is gone: its status is NotFound, lists omit it, removing again "
       "succeeds",
       &RemovedContainerIsGone},
      {"RemoveContainer of a running container kills and removes it",
       &RemoveRunningContainerKillsIt},
      {"a container cannot be started twice: the second start fails with Unknown",
       &StartTwiceFails},
      {"an exited container cannot be started again", &ExitedContainerCannotStartAgain},
      {"ContainerStatus, StartContainer, ExecSync and ContainerStats of an unknown id fail with "
       "NotFound",
       &UnknownContainerIsNotFound},
      {"an empty container id is refused with Unknown rather than NotFound",
       &EmptyContainerIdIsRefused},
      {"a container name is reserved until the container is removed, even after it exited",
       &ContainerNameIsReservedUntilRemoved},
      {"CreateContainer with an image that is not present fails with NotFound",
       &MissingImageIsNotFound},
      {"CreateContainer without metadata is refused with Unknown, an empty name is accepted",
       &MalformedContainerConfigs},
  };
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
