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

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
