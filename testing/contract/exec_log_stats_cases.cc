// Contract cases about what a running container produces: its log file, ExecSync answers and
// timeouts, and container stats.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "testing/contract/case_scope.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using Process = RuntimeTarget::Process;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

cri::ExecSyncRequest ExecRequest(const std::string& id, const std::vector<std::string>& cmd,
                                 int64_t timeout) {
  cri::ExecSyncRequest request;
  request.set_container_id(id);
  for (const std::string& arg : cmd) request.add_cmd(arg);
  request.set_timeout(timeout);
  return request;
}

void OutputGoesToTheLogFile(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string id =
      scope.StartContainer(pod, "logger", Process::ExitWith(0, {"hello", "contract world"}));
  REQUIRE(scope.WaitForContainerState(id, cri::CONTAINER_EXITED));
  const std::string expected_path =
      absl::StrCat(pod.config.log_directory(), "/", scope.Unique("logger"), ".log");
  CHECK(scope.ContainerStatus(id).log_path() == expected_path);
  // The runtime's log writer may finish just after the process ended.
  std::vector<std::string> lines;
  const bool complete = target.WaitUntil(
      [&] {
        lines = absl::StrSplit(ReadFile(expected_path), '\n', absl::SkipEmpty());
        return lines.size() >= 2;
      },
      absl::Seconds(10));
  INFO("log file " << expected_path << ":\n" << ReadFile(expected_path));
  REQUIRE(complete);
  REQUIRE(lines.size() == 2);
  // CRI log format: RFC 3339 nanosecond timestamp, stream, F(ull) or P(artial) tag, content.
  const std::regex format(R"(^(\S+) stdout F (.*)$)");
  const std::vector<std::string> contents = {"hello", "contract world"};
  for (size_t i = 0; i < lines.size(); ++i) {
    std::smatch match;
    INFO("line: " << lines[i]);
    REQUIRE(std::regex_match(lines[i], match, format));
    CHECK(match[2].str() == contents[i]);
    absl::Time when;
    std::string error;
    CHECK(absl::ParseTime(absl::RFC3339_full, match[1].str(), &when, &error));
    INFO("timestamp " << match[1].str() << ": " << error);
    CHECK(absl::AbsDuration(target.Now() - when) < absl::Seconds(60));
  }
}

void StartCreatesMissingLogFolders(RuntimeTarget& target) {
  CaseScope scope(target);
  cri::CreateContainerRequest request =
      scope.ContainerRequest(scope.SharedPod(), "deeplog", Process::ExitWith(0, {"deep"}));
  // Neither the pod's log directory nor the container's folder exist (the kubelet makes them,
  // but the runtime does not rely on it).
  const std::string directory = absl::StrCat(target.scratch_dir(), "/", scope.Unique("absent"));
  request.mutable_sandbox_config()->set_log_directory(directory);
  request.mutable_config()->set_log_path("app/0.log");
  absl::StatusOr<std::string> id = scope.TryCreateContainer(request);
  KRL_REQUIRE_OK(id.status());
  cri::StartContainerRequest start;
  start.set_container_id(*id);
  KRL_REQUIRE_OK(scope.rs().StartContainer(start).status());
  REQUIRE(scope.WaitForContainerState(*id, cri::CONTAINER_EXITED));
  CHECK(scope.ContainerStatus(*id).exit_code() == 0);
  const std::string path = directory + "/app/0.log";
  CHECK(scope.ContainerStatus(*id).log_path() == path);
  const bool written = target.WaitUntil(
      [&] { return absl::StrContains(ReadFile(path), " stdout F deep"); }, absl::Seconds(10));
  CHECK(written);
}

void StartFailsWhenTheLogFileCannotBeCreated(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  cri::CreateContainerRequest request =
      scope.ContainerRequest(pod, "badlog", Process::RunsUntilStopped());
  // Part of the log path is a regular file, so no folder can be made there.
  const std::string file = absl::StrCat(pod.config.log_directory(), "/", scope.Unique("file"));
  { std::ofstream(file) << "not a folder\n"; }
  request.mutable_config()->set_log_path(absl::StrCat(scope.Unique("file"), "/0.log"));
  absl::StatusOr<std::string> id = scope.TryCreateContainer(request);
  KRL_REQUIRE_OK(id.status());
  cri::StartContainerRequest start;
  start.set_container_id(*id);
  const absl::Status started = scope.rs().StartContainer(start).status();
  KRL_CHECK_CODE(started, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(started.message(), "failed to create and open log file"));
  CHECK(absl::StrContains(started.message(), "not a directory"));
  cri::ContainerStatus status = scope.ContainerStatus(*id);
  CHECK(status.state() == cri::CONTAINER_EXITED);
  CHECK(status.exit_code() == 128);
  CHECK(status.reason() == "StartError");
  CHECK(absl::StrContains(status.message(), "failed to create and open log file"));
  CheckRecentTimestamp(target, status.finished_at(), "finished_at");
}

void StreamingCallsReturnUrls(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string running = scope.StartContainer(pod, "attached", Process::RunsUntilStopped());
  cri::ExecRequest exec;
  exec.set_container_id(running);
  exec.add_cmd("sh");
  exec.set_stdout(true);
  absl::StatusOr<cri::ExecResponse> exec_url = scope.rs().Exec(exec);
  KRL_REQUIRE_OK(exec_url.status());
  CHECK(absl::StartsWith(exec_url->url(), "http"));
  CHECK(absl::StrContains(exec_url->url(), "/exec/"));
  cri::AttachRequest attach;
  attach.set_container_id(running);
  attach.set_stdout(true);
  absl::StatusOr<cri::AttachResponse> attach_url = scope.rs().Attach(attach);
  KRL_REQUIRE_OK(attach_url.status());
  CHECK(absl::StrContains(attach_url->url(), "/attach/"));
  cri::PortForwardRequest forward;
  forward.set_pod_sandbox_id(pod.id);
  absl::StatusOr<cri::PortForwardResponse> forward_url = scope.rs().PortForward(forward);
  KRL_REQUIRE_OK(forward_url.status());
  CHECK(absl::StrContains(forward_url->url(), "/portforward/"));

  const std::string created = scope.CreateContainer(pod, "idle", Process::RunsUntilStopped());
  exec.set_container_id(created);
  const absl::Status not_running = scope.rs().Exec(exec).status();
  KRL_CHECK_CODE(not_running, absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(not_running.message(), "CONTAINER_CREATED"));
  exec.set_container_id(std::string(64, 'e'));
  KRL_CHECK_CODE(scope.rs().Exec(exec).status(), absl::StatusCode::kNotFound);
}

void ExecSyncReturnsOutputAndExitCode(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "exec", Process::RunsUntilStopped());
  const std::vector<std::string> failing = {"sh", "-c", "echo out; echo err >&2; exit 7"};
  target.ExpectExec(id, failing, {"out\n", "err\n", 7});
  absl::StatusOr<cri::ExecSyncResponse> response =
      scope.rs().ExecSync(ExecRequest(id, failing, 10));
  KRL_REQUIRE_OK(response.status());
  CHECK(response->stdout() == "out\n");
  CHECK(response->stderr() == "err\n");
  CHECK(response->exit_code() == 7);  // a failing command is an answer, not an error

  const std::vector<std::string> echo = {"echo", "hello"};
  target.ExpectExec(id, echo, {"hello\n", "", 0});
  response = scope.rs().ExecSync(ExecRequest(id, echo, 10));
  KRL_REQUIRE_OK(response.status());
  CHECK(response->stdout() == "hello\n");
  CHECK(response->stderr().empty());
  CHECK(response->exit_code() == 0);
}

void ExecSyncTimesOut(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id =
      scope.StartContainer(scope.SharedPod(), "slowexec", Process::RunsUntilStopped());
  const std::vector<std::string> slow = {"sleep", "30"};
  RuntimeTarget::ExecAnswer answer;
  answer.runs_for = absl::Seconds(30);
  target.ExpectExec(id, slow, answer);
  const absl::Time before = target.Now();
  absl::StatusOr<cri::ExecSyncResponse> response = absl::UnknownError("not called");
  target.RunWhileTimePasses([&] { response = scope.rs().ExecSync(ExecRequest(id, slow, 1)); },
                            absl::Seconds(1));
  const absl::Duration took = target.Now() - before;
  KRL_CHECK_CODE(response.status(), absl::StatusCode::kDeadlineExceeded);
  // The runtime says "timeout 1s exceeded"; the remote client rewords it as "timed out".
  const absl::string_view message = response.status().message();
  CHECK((absl::StrContains(message, "timeout") || absl::StrContains(message, "timed out")));
  CHECK(took >= absl::Seconds(1));
  CHECK(took < absl::Seconds(20));
  // The container itself is unharmed.
  CHECK(scope.ContainerStatus(id).state() == cri::CONTAINER_RUNNING);
}

void ExecSyncNeedsARunningContainer(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  const std::string exited = scope.StartContainer(pod, "exited", Process::ExitWith(0));
  REQUIRE(scope.WaitForContainerState(exited, cri::CONTAINER_EXITED));
  for (const std::string& id : {created, exited}) {
    const absl::Status status = scope.rs().ExecSync(ExecRequest(id, {"true"}, 5)).status();
    KRL_CHECK_CODE(status, absl::StatusCode::kUnknown);
    CHECK(absl::StrContains(status.message(), "state"));
  }
}

void StatsOfARunningContainer(RuntimeTarget& target) {
  CaseScope scope(target);
  const std::string id = scope.StartContainer(scope.SharedPod(), "measured",
                                              Process::RunsUntilStopped(), {{"role", "app"}});
  cri::ContainerStatsRequest request;
  request.set_container_id(id);
  absl::StatusOr<cri::ContainerStatsResponse> response = scope.rs().ContainerStats(request);
  KRL_REQUIRE_OK(response.status());
  const cri::ContainerStats& stats = response->stats();
  CHECK(stats.attributes().id() == id);
  CHECK(stats.attributes().metadata().name() == scope.Unique("measured"));
  CHECK(stats.attributes().labels().at("role") == "app");
  REQUIRE(stats.has_cpu());
  CheckRecentTimestamp(target, stats.cpu().timestamp(), "cpu.timestamp");
  CHECK(stats.cpu().has_usage_core_nano_seconds());
  REQUIRE(stats.has_memory());
  CheckRecentTimestamp(target, stats.memory().timestamp(), "memory.timestamp");
  CHECK(stats.memory().has_working_set_bytes());
  REQUIRE(stats.has_writable_layer());
  CHECK_FALSE(stats.writable_layer().fs_id().mountpoint().empty());
  CHECK(stats.writable_layer().has_used_bytes());
}

void StatsOfAContainerThatIsNotRunning(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  const std::string exited = scope.StartContainer(pod, "exited", Process::ExitWith(0));
  REQUIRE(scope.WaitForContainerState(exited, cri::CONTAINER_EXITED));
  // containerd asks the container's task for metrics; without a running task the answer is
  // empty and the call fails (Unknown), while list calls still name the container.
  for (const std::string& id : {created, exited}) {
    cri::ContainerStatsRequest request;
    request.set_container_id(id);
    KRL_CHECK_CODE(scope.rs().ContainerStats(request).status(), absl::StatusCode::kUnknown);
  }
}

void ListContainerStatsCoversEveryContainer(RuntimeTarget& target) {
  CaseScope scope(target);
  CaseScope::Pod pod = scope.SharedPod();
  const std::string running = scope.StartContainer(pod, "running", Process::RunsUntilStopped());
  const std::string created = scope.CreateContainer(pod, "created", Process::RunsUntilStopped());
  cri::ListContainerStatsRequest request;
  for (const auto& [key, value] : scope.Selector()) {
    (*request.mutable_filter()->mutable_label_selector())[key] = value;
  }
  absl::StatusOr<cri::ListContainerStatsResponse> response = scope.rs().ListContainerStats(request);
  KRL_REQUIRE_OK(response.status());
  bool saw_running = false, saw_created = false;
  for (const cri::ContainerStats& stats : response->stats()) {
    if (stats.attributes().id() == running) {
      saw_running = true;
      CHECK(stats.has_cpu());
      CHECK(stats.has_memory());
      CHECK(stats.has_writable_layer());
    }
    if (stats.attributes().id() == created) {
      // Listed with its attributes, but with no process there is no cpu or memory usage.
      saw_created = true;
      CHECK_FALSE(stats.has_cpu());
      CHECK_FALSE(stats.has_memory());
    }
  }
  CHECK(saw_running);
  CHECK(saw_created);
  CHECK(response->stats_size() == 2);
}

}  // namespace

std::vector<ContractCase> ExecLogStatsCases() {
  return {
      {"a container's output goes to log_directory/log_path as CRI log lines",
       &OutputGoesToTheLogFile},
      {"StartContainer creates the log file's missing folders", &StartCreatesMissingLogFolders},
      {"StartContainer fails when the log file cannot be created, leaving the container EXITED "
       "with StartError",
       &StartFailsWhenTheLogFileCannotBeCreated},
      {"Exec, Attach and PortForward return streaming URLs, and Exec needs a running container",
       &StreamingCallsReturnUrls},
      {"ExecSync returns the command's stdout, stderr and exit code",
       &ExecSyncReturnsOutputAndExitCode},
      {"ExecSync of a command that outlives its timeout fails with DeadlineExceeded",
       &ExecSyncTimesOut},
      {"ExecSync in a container that is not running fails with Unknown",
       &ExecSyncNeedsARunningContainer},
      {"ContainerStats of a running container has its attributes and cpu, memory and writable "
       "layer usage",
       &StatsOfARunningContainer},
      {"ContainerStats of a created or exited container fails with Unknown",
       &StatsOfAContainerThatIsNotRunning},
      {"ListContainerStats lists running containers with usage and created ones without",
       &ListContainerStatsCoversEveryContainer},
  };
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
