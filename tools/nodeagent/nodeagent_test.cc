// The nodeagent binary on the in-process fake runtime: flags, the example pods, the endpoints and
// a clean stop.
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "testing/test_files.h"
#include "tools/run_demo/child_process.h"
#include "tools/run_demo/pod_table.h"

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

using testing::Runfile;

using run_demo::ChildProcess;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(dir == nullptr ? "/tmp" : dir, "/nodeagent-XXXXXX");
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TEST_CASE("--version prints the version and the dockerless build line") {
  auto child = ChildProcess::Spawn({Runfile("tools/nodeagent/nodeagent"), "--version"}, "");
  REQUIRE(child.ok());
  absl::StatusOr<std::string> line = (*child)->WaitForLine("dockerless", absl::Seconds(10));
  REQUIRE(line.ok());
  CHECK(*line == "dockerless: true");
  CHECK((*child)->output().find("nodeagent 0.1.0") == 0);
  CHECK(*(*child)->Wait(absl::Seconds(10)) == 0);
}

TEST_CASE("a flag removed with the dockershim is refused with exit status 2") {
  const std::string err = TempDir() + "/stderr";
  auto child = ChildProcess::Spawn(
      {Runfile("tools/nodeagent/nodeagent"), "--pod-manifest-path=/x", "--network-plugin=cni"},
      err);
  REQUIRE(child.ok());
  CHECK(*(*child)->Wait(absl::Seconds(10)) == 2);
}

TEST_CASE("a sysctl allowance that is not namespaced or a bad node IP is refused at start") {
  const std::string dir = TempDir();
  for (const std::string& flag :
       {std::string("--allowed-unsafe-sysctls=net.core.somaxconn,kernel.panic"),
        std::string("--node-ip=10.0.0")}) {
    INFO(flag);
    auto child = ChildProcess::Spawn(
        {Runfile("tools/nodeagent/nodeagent"), "--container-runtime-endpoint=fake://",
         "--root-dir=" + dir + "/root", "--pod-logs-dir=" + dir + "/logs", "--port=0", flag},
        dir + "/stderr");
    REQUIRE(child.ok());
    absl::StatusOr<int> code = (*child)->Wait(absl::Seconds(20));
    REQUIRE(code.ok());
    CHECK(*code != 0);
    std::ifstream in(dir + "/stderr");
    const std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(err, Catch::Contains(flag.substr(0, flag.find('='))));
  }
}

TEST_CASE(
    "on fake:// the example pods run, crash-loop and fail their liveness probe as written, and "
    "the agent stops cleanly") {
  const std::string dir = TempDir();
  auto child = ChildProcess::Spawn(
      {Runfile("tools/nodeagent/nodeagent"), "--container-runtime-endpoint=fake://",
       "--pod-manifest-path=" + Runfile("examples/pods"), "--root-dir=" + dir + "/root",
       "--pod-logs-dir=" + dir + "/logs", "--node-name=test", "--port=0"},
      dir + "/nodeagent.log");
  REQUIRE(child.ok());
  absl::StatusOr<std::string> line = (*child)->WaitForLine("nodeagent: serving", absl::Seconds(30));
  REQUIRE(line.ok());
  absl::StatusOr<int> port = run_demo::ParsePortFromLine(*line);
  REQUIRE(port.ok());
  httplib::Client client("127.0.0.1", *port);
  const absl::Time serving = absl::Now();

  // Poll (real time: the binary runs on the real clock) until the pods settle.
  std::map<std::string, run_demo::PodRow> pods;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  bool settled = false;
  while (!settled && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(200));
    httplib::Result result = client.Get("/pods");
    if (!result || result->status != 200) continue;
    auto rows = run_demo::ParsePodList(result->body, absl::Now());
    REQUIRE(rows.ok());
    pods.clear();
    for (const run_demo::PodRow& row : *rows) pods[row.name] = row;
    settled = pods.size() == 5 && pods["web-test"].status == "Running" &&
              pods["restricted-test"].status == "Running" && pods["web-test"].all_ready &&
              pods["init-demo-test"].status == "Running" &&
              pods["liveness-test"].status == "Running" && pods["crash-test"].restarts >= 1 &&
              pods["crash-test"].status == "CrashLoopBackOff";
  }
  for (const auto& [name, row] : pods) INFO(name << " " << row.status << " " << row.restarts);
  CHECK(settled);

  // The liveness example removes its health file 10 s after it starts; its probe (every 2 s,
  // failure threshold 2) then fails in the fake too, and the agent restarts the container
  // (about 14 s after the start).
  int liveness_restarts = pods["liveness-test"].restarts;
  while (liveness_restarts < 1 && absl::Now() < serving + absl::Seconds(25)) {
    absl::SleepFor(absl::Milliseconds(200));
    httplib::Result result = client.Get("/pods");
    if (!result || result->status != 200) continue;
    auto rows = run_demo::ParsePodList(result->body, absl::Now());
    REQUIRE(rows.ok());
    for (const run_demo::PodRow& row : *rows) {
      if (row.name == "liveness-test") liveness_restarts = row.restarts;
    }
  }
  INFO("liveness-test restarts after " << absl::FormatDuration(absl::Now() - serving));
  CHECK(liveness_restarts >= 1);

  httplib::Result healthz = client.Get("/healthz");
  REQUIRE(healthz);
  CHECK(healthz->status == 200);
  httplib::Result metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(
      metrics->body.find("kubelet_runtime_operations_total{operation_type=\"run_podsandbox\"} 5") !=
      std::string::npos);

  REQUIRE((*child)->Signal(SIGTERM).ok());
  absl::StatusOr<int> code = (*child)->Wait(absl::Seconds(20));
  REQUIRE(code.ok());
  CHECK(*code == 0);
}

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
