#include "tools/nodeagent/fake_container_scripts.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "api/core/v1/pod.h"
#include "testing/fake_clock.h"

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

corev1::Container Make(std::vector<std::string> command, std::vector<std::string> args = {}) {
  corev1::Container c;
  c.name = "c";
  c.command = std::move(command);
  c.args = std::move(args);
  return c;
}

TEST_CASE("a shell script ending in exit N exits with N after its first sleep") {
  auto script = FakeContainerScripts::ScriptFor(
      Make({"sh", "-c", "echo starting; sleep 2; echo crashing; exit 3"}), false);
  REQUIRE(script.exit_after.has_value());
  CHECK(*script.exit_after == absl::Seconds(2));
  CHECK(script.exit_code == 3);
  CHECK(script.log_lines == std::vector<std::string>{"starting", "crashing"});
  // busybox's suffixes, as the exec probes' file timeline reads them.
  auto minute = FakeContainerScripts::ScriptFor(Make({"sh", "-c", "sleep 1m; exit 4"}), false);
  REQUIRE(minute.exit_after.has_value());
  CHECK(*minute.exit_after == absl::Minutes(1));
}

TEST_CASE("false and true exit after one second with 1 and 0") {
  auto f = FakeContainerScripts::ScriptFor(Make({"/bin/false"}), false);
  REQUIRE(f.exit_after.has_value());
  CHECK(*f.exit_after == absl::Seconds(1));
  CHECK(f.exit_code == 1);
  auto t = FakeContainerScripts::ScriptFor(Make({"true"}), false);
  REQUIRE(t.exit_after.has_value());
  CHECK(t.exit_code == 0);
}

TEST_CASE("a long runner runs until stopped, an init container completes") {
  corev1::Container loop = Make({"sh", "-c", "while true; do echo tick; sleep 5; done"});
  CHECK_FALSE(FakeContainerScripts::ScriptFor(loop, false).exit_after.has_value());
  auto init = FakeContainerScripts::ScriptFor(loop, /*init=*/true);
  REQUIRE(init.exit_after.has_value());
  CHECK(init.exit_code == 0);
  CHECK(*init.exit_after == absl::Seconds(5));
  // args count as the command line too.
  auto args = FakeContainerScripts::ScriptFor(Make({"sh"}, {"-c", "sleep 1 && exit 7"}), false);
  REQUIRE(args.exit_after.has_value());
  CHECK(args.exit_code == 7);
  // No command at all (the image's entrypoint): runs.
  CHECK_FALSE(FakeContainerScripts::ScriptFor(Make({}), false).exit_after.has_value());
}

TEST_CASE("applying scripts makes the fake's containers of that name behave so") {
  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, /*images=*/nullptr);
  corev1::Pod pod;
  pod.metadata.name = "p";
  corev1::Container c = Make({"sh", "-c", "sleep 30; exit 4"});
  c.name = "crasher";
  pod.spec.containers.push_back(c);
  FakeContainerScripts scripts;
  scripts.Apply({pod}, runtime);

  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("p");
  run.mutable_config()->mutable_metadata()->set_uid("u");
  auto sandbox = runtime.RunPodSandbox(run);
  REQUIRE(sandbox.ok());
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox->pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("crasher");
  create.mutable_config()->mutable_image()->set_image("krl.test/busybox:1");
  auto created = runtime.CreateContainer(create);
  REQUIRE(created.ok());
  cri::StartContainerRequest start;
  start.set_container_id(created->container_id());
  REQUIRE(runtime.StartContainer(start).ok());
  auto status = runtime.InspectContainer(created->container_id());
  REQUIRE(status.ok());
  CHECK(status->state() == cri::CONTAINER_RUNNING);
  clock.Advance(absl::Seconds(30));
  status = runtime.InspectContainer(created->container_id());
  REQUIRE(status.ok());
  CHECK(status->state() == cri::CONTAINER_EXITED);
  CHECK(status->exit_code() == 4);
}

using State = FileTimeline::State;

State StateAt(const FileTimeline& timeline, const std::string& path, double seconds) {
  return timeline.At(path, absl::Seconds(seconds)).state;
}

TEST_CASE("the liveness example's script has its health file for its first 10 seconds") {
  FileTimeline timeline = FileTimeline::For(
      Make({"sh", "-c",
            "touch /tmp/healthy; echo healthy; sleep 10; rm /tmp/healthy; echo unhealthy now; "
            "sleep 600"}));
  CHECK(timeline.stopped_at().empty());
  CHECK(StateAt(timeline, "/tmp/healthy", 0) == State::kPresent);
  CHECK(StateAt(timeline, "/tmp/healthy", 9.9) == State::kPresent);
  CHECK(StateAt(timeline, "/tmp/healthy", 10) == State::kMissing);
  CHECK(StateAt(timeline, "/tmp/healthy", 1000) == State::kMissing);
  CHECK(StateAt(timeline, "/tmp/other", 0) == State::kUnknown);
  CHECK(timeline.Summary() == "/tmp/healthy [0, 10s)");
}

TEST_CASE("redirections, appends, && chains, newlines and quotes shape a file's life") {
  FileTimeline timeline = FileTimeline::FromScript(
      "echo \"a; b\" > /f && sleep 1 && echo -n c >>/f\n"
      ": > /g; sleep 0.5s\n"
      "# a comment; rm /f\n"
      "sleep 1.5; rm -f /f '/g'; echo done > /dev/null");
  CHECK(timeline.stopped_at().empty());
  CHECK(timeline.At("/f", absl::ZeroDuration()).content == "a; b\n");
  CHECK(timeline.At("/f", absl::Seconds(1)).content == "a; b\nc");
  CHECK(StateAt(timeline, "/f", 2.9) == State::kPresent);
  CHECK(StateAt(timeline, "/f", 3) == State::kMissing);
  CHECK(StateAt(timeline, "/g", 0.5) == State::kMissing);
  CHECK(StateAt(timeline, "/g", 1) == State::kPresent);
  CHECK(StateAt(timeline, "/g", 3) == State::kMissing);
  CHECK(StateAt(timeline, "/dev/null", 5) == State::kUnknown);
  CHECK(timeline.Summary() == "/f [0, 3s); /g [1s, 3s)");
}

TEST_CASE("the timeline ends at the first statement the reader does not understand") {
  // A loop: the file stays as it was before it.
  FileTimeline loop =
      FileTimeline::FromScript("touch /a; sleep 1; while true; do sleep 5; done; rm /a");
  CHECK(loop.stopped_at() == "while true");
  CHECK(StateAt(loop, "/a", 1000) == State::kPresent);
  // Pipes, ||, variables, substitutions, globs, other commands, unclosed quotes.
  for (const char* script :
       {"touch /a; echo x | tee /b; rm /a", "touch /a; false || rm /a", "touch /a; rm $F",
        "touch /a; echo $(date) > /b", "touch /a; rm /tmp/*", "touch /a; mkdir -p /www; rm /a",
        "touch /a; echo 'x > /b", "touch /a; echo x 2> /b", "touch /a; cat /a > /b"}) {
    INFO(script);
    FileTimeline timeline = FileTimeline::FromScript(script);
    CHECK_FALSE(timeline.stopped_at().empty());
    CHECK(StateAt(timeline, "/a", 100) == State::kPresent);
    CHECK(StateAt(timeline, "/b", 100) == State::kUnknown);
  }
  // `rm` without -f of a file not known to exist may fail: what `&&` chains to it is unknown.
  FileTimeline chained = FileTimeline::FromScript("rm /x && touch /y");
  CHECK(chained.stopped_at() == "touch /y");
  CHECK(StateAt(chained, "/x", 0) == State::kMissing);
  CHECK(StateAt(chained, "/y", 0) == State::kUnknown);
  // `exit` ends the script itself: nothing after it runs, and nothing is left unread.
  FileTimeline exits = FileTimeline::FromScript("touch /a; sleep 2; exit 3; rm /a");
  CHECK(exits.stopped_at().empty());
  CHECK(StateAt(exits, "/a", 100) == State::kPresent);
  // No file at all.
  CHECK(FileTimeline::FromScript("echo hello; sleep 3600").empty());
}

TEST_CASE("a file is missing before the script creates it and unknown before it only removes it") {
  FileTimeline created = FileTimeline::FromScript("sleep 5; touch /ready");
  CHECK(StateAt(created, "/ready", 1) == State::kMissing);
  CHECK(StateAt(created, "/ready", 5) == State::kPresent);
  FileTimeline removed = FileTimeline::FromScript("sleep 5; rm -f /ready");
  CHECK(StateAt(removed, "/ready", 1) == State::kUnknown);
  CHECK(StateAt(removed, "/ready", 5) == State::kMissing);
}

TEST_CASE("file tests answer as busybox would while the file exists and after it is gone") {
  FileTimeline timeline =
      FileTimeline::FromScript("echo ok > /tmp/healthy; sleep 10; rm /tmp/healthy; sleep 600");
  const absl::Duration early = absl::Seconds(5);
  const absl::Duration late = absl::Seconds(11);
  using Cmd = std::vector<std::string>;
  for (const Cmd& cmd :
       {Cmd{"cat", "/tmp/healthy"}, Cmd{"/bin/cat", "/tmp/healthy"},
        Cmd{"test", "-e", "/tmp/healthy"}, Cmd{"test", "-f", "/tmp/healthy"},
        Cmd{"[", "-e", "/tmp/healthy", "]"}, Cmd{"[", "-f", "/tmp/healthy", "]"},
        Cmd{"sh", "-c", "cat /tmp/healthy"}, Cmd{"/bin/sh", "-c", "[ -f '/tmp/healthy' ]"},
        Cmd{"sh", "-c", "test -e /tmp/healthy"}}) {
    INFO(cmd[0] << " " << cmd[1]);
    auto alive = FakeContainerScripts::AnswerExec(cmd, timeline, early);
    REQUIRE(alive.has_value());
    CHECK(alive->exit_code == 0);
    CHECK(alive->stderr_data.empty());
    auto dead = FakeContainerScripts::AnswerExec(cmd, timeline, late);
    REQUIRE(dead.has_value());
    CHECK(dead->exit_code == 1);
    CHECK(dead->stdout_data.empty());
  }
  CHECK(FakeContainerScripts::AnswerExec({"cat", "/tmp/healthy"}, timeline, early)->stdout_data ==
        "ok\n");
  CHECK(FakeContainerScripts::AnswerExec({"cat", "/tmp/healthy"}, timeline, late)->stderr_data ==
        "cat: can't open '/tmp/healthy': No such file or directory\n");
  CHECK(FakeContainerScripts::AnswerExec({"test", "-e", "/tmp/healthy"}, timeline, late)
            ->stderr_data.empty());
  // Other commands and files the script never mentions are left to the fake's default.
  for (const Cmd& cmd : {Cmd{"cat", "/etc/hostname"}, Cmd{"test", "-d", "/tmp/healthy"},
                         Cmd{"cat", "/tmp/healthy", "/tmp/healthy"}, Cmd{"wget", "-q", "x"},
                         Cmd{"sh", "-c", "cat /tmp/healthy | grep ok"},
                         Cmd{"sh", "-c", "cat /tmp/healthy > /x"}, Cmd{}}) {
    CHECK_FALSE(FakeContainerScripts::AnswerExec(cmd, timeline, late).has_value());
  }
}

// Runs container `name` in the sandbox on the fake (through the CRI calls); returns its id.
std::string RunContainer(testing::FakeRuntimeService& runtime, const std::string& sandbox_id,
                         const std::string& name, uint32_t attempt = 0) {
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox_id);
  create.mutable_config()->mutable_metadata()->set_name(name);
  create.mutable_config()->mutable_metadata()->set_attempt(attempt);
  create.mutable_config()->mutable_image()->set_image("krl.test/busybox:1");
  // The container's name in the runtime is made from the sandbox config's metadata.
  auto sandbox = runtime.InspectPodSandbox(sandbox_id);
  REQUIRE(sandbox.ok());
  *create.mutable_sandbox_config()->mutable_metadata() = sandbox->metadata();
  auto created = runtime.CreateContainer(create);
  REQUIRE(created.ok());
  cri::StartContainerRequest start;
  start.set_container_id(created->container_id());
  REQUIRE(runtime.StartContainer(start).ok());
  return created->container_id();
}

std::string RunSandbox(testing::FakeRuntimeService& runtime, const std::string& name) {
  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name(name);
  run.mutable_config()->mutable_metadata()->set_namespace_("default");
  run.mutable_config()->mutable_metadata()->set_uid("uid-" + name);
  auto sandbox = runtime.RunPodSandbox(run);
  REQUIRE(sandbox.ok());
  return sandbox->pod_sandbox_id();
}

TEST_CASE("the fake's exec probes follow each container's script from its own start") {
  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, /*images=*/nullptr);
  corev1::Pod pod;
  pod.metadata.name = "liveness";
  corev1::Container c =
      Make({"sh", "-c", "touch /tmp/healthy; echo healthy; sleep 10; rm /tmp/healthy; sleep 600"});
  c.name = "liveness";
  pod.spec.containers.push_back(c);
  FakeContainerScripts scripts;
  scripts.Apply({pod}, runtime);

  auto probe = [&](const std::string& id) {
    cri::ExecSyncRequest exec;
    exec.set_container_id(id);
    exec.add_cmd("cat");
    exec.add_cmd("/tmp/healthy");
    exec.set_timeout(1);
    auto result = runtime.ExecSync(exec);
    REQUIRE(result.ok());
    return *result;
  };
  const std::string sandbox = RunSandbox(runtime, "liveness");
  std::string id = RunContainer(runtime, sandbox, "liveness");
  CHECK(probe(id).exit_code() == 0);
  clock.Advance(absl::Seconds(9));
  CHECK(probe(id).exit_code() == 0);
  clock.Advance(absl::Seconds(1));
  cri::ExecSyncResponse failed = probe(id);
  CHECK(failed.exit_code() == 1);
  CHECK(failed.stderr() == "cat: can't open '/tmp/healthy': No such file or directory\n");

  // Another pod's same-named container has no such script: today's default answer.
  const std::string other = RunSandbox(runtime, "other");
  CHECK(probe(RunContainer(runtime, other, "liveness")).exit_code() == 0);

  // The restarted container (a new attempt) has its file again, for its own first 10 s.
  cri::StopContainerRequest stop;
  stop.set_container_id(id);
  REQUIRE(runtime.StopContainer(stop).ok());
  id = RunContainer(runtime, sandbox, "liveness", /*attempt=*/1);
  CHECK(probe(id).exit_code() == 0);
  clock.Advance(absl::Seconds(10));
  CHECK(probe(id).exit_code() == 1);

  // A new snapshot without the pod drops its timeline; an exact script still wins over it.
  scripts.Apply(std::vector<corev1::Pod>{}, runtime);
  CHECK(probe(id).exit_code() == 0);
  scripts.Apply({pod}, runtime);
  CHECK(probe(id).exit_code() == 1);
  runtime.ScriptExec({"cat", "/tmp/healthy"}, {"scripted", "", 0});
  CHECK(probe(id).stdout() == "scripted");
}

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
