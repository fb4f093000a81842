// The migration check against a real containerd started by the test harness: it must find the
// socket given with --endpoint, name containerd and suggest that endpoint, and still flag a pod
// manifest that mounts the Docker Engine socket. Skipped, with a warning, where containerd
// cannot run.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "testing/containerd/containerd_harness.h"
#include "tools/dockerless_check/migration_check.h"

namespace krl::tools::dockerless_check {
namespace {

using ::krl::testing::containerd::ContainerdHarness;

int RunMain(std::vector<std::string> args, std::string* out) {
  args.insert(args.begin(), "dockerless_check");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  std::ostringstream stdout_text;
  std::ostringstream stderr_text;
  const int code =
      MigrationCheckMain(static_cast<int>(argv.size()), argv.data(), stdout_text, stderr_text);
  *out = stdout_text.str() + stderr_text.str();
  return code;
}

TEST_CASE("the check finds the harness' containerd via --endpoint and flags a docker.sock pod") {
  if (std::optional<std::string> missing = ContainerdHarness::MissingPrerequisite()) {
    WARN("containerd not installed: " << *missing << "; skipping");
    return;
  }
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start(ContainerdHarness::Options());
  INFO(harness.status().ToString());
  REQUIRE(harness.ok());
  const std::string endpoint = (*harness)->endpoint();

  std::string out;
  CHECK(RunMain({"--endpoint=" + endpoint, "--well-known=false", "-o", "json"}, &out) == 0);
  INFO(out);
  CHECK(absl::StrContains(out, "\"answered\": true"));
  CHECK(absl::StrContains(out, "\"runtime_name\": \"containerd\""));
  CHECK(absl::StrContains(out, "\"runtime_api_version\": \"v1\""));
  CHECK(absl::StrContains(out, "\"container_runtime_endpoint\": \"" + endpoint + "\""));
  CHECK(absl::StrContains(out, "\"ok\": true"));

  char folder[] = "/tmp/krl-dlc-XXXXXX";
  REQUIRE(mkdtemp(folder) != nullptr);
  std::ofstream(std::string(folder) + "/agent.yaml")
      << "kind: Pod\nmetadata: {name: agent}\nspec:\n  containers: [{name: a, image: x}]\n"
         "  volumes: [{name: s, hostPath: {path: /var/run/docker.sock}}]\n";
  const int code =
      RunMain({"--endpoint", endpoint, "--well-known=false", "--pod-manifest-path", folder}, &out);
  std::filesystem::remove_all(folder);
  CHECK(code == 1);
  CHECK(absl::StrContains(out, "use: --container-runtime-endpoint=" + endpoint));
  CHECK(absl::StrContains(out, "agent.yaml: Pod default/agent"));
}

}  // namespace
}  // namespace krl::tools::dockerless_check
