// agent_bench on 20 pods of 2 containers: it starts both processes, sees every pod Running,
// reads the agent's memory and prints the figures.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "testing/test_files.h"
#include "tools/run_demo/child_process.h"

namespace krl {
namespace tools {
namespace agent_bench {
namespace {

using testing::Runfile;

TEST_CASE("agent_bench runs a small node to all Running and prints the figures") {
  // A short folder: the CRI socket's path must fit a unix socket address (108 bytes), which
  // Bazel's TEST_TMPDIR may not leave room for.
  std::string root = "/tmp/agent-bench-test-XXXXXX";
  REQUIRE(mkdtemp(root.data()) != nullptr);
  auto bench = run_demo::ChildProcess::Spawn(
      {Runfile("tools/agent_bench/agent_bench"), "--pods=20", "--containers=2", "--settle=2s",
       "--poll=100ms", "--timeout=60s", "--work-root=" + root,
       "--nodeagent=" + Runfile("tools/nodeagent/nodeagent"),
       "--fake-cri-server=" + Runfile("tools/fake_cri_server/fake_cri_server")},
      root + "/agent_bench.stderr");
  REQUIRE(bench.ok());
  absl::StatusOr<std::string> line = (*bench)->WaitForLine("CPU while settling", absl::Seconds(90));
  std::ifstream err(root + "/agent_bench.stderr");
  const std::string errors((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  INFO((*bench)->output() << errors);
  REQUIRE(line.ok());
  CHECK(absl::StrContains((*bench)->output(), "all pods Running after"));
  CHECK(absl::StrContains((*bench)->output(), "agent RSS, steady state"));
  CHECK(*(*bench)->Wait(absl::Seconds(30)) == 0);
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
}

}  // namespace
}  // namespace agent_bench
}  // namespace tools
}  // namespace krl
