// End to end: the nodeagent binary on a private, real containerd (testing/containerd harness).
// Manifests dropped in the folder become running pods with readable logs; a crashing container
// and a failing liveness probe are restarted; an edited manifest replaces its pod; a removed one
// removes it; a killed and restarted agent adopts the pods without duplicates; the endpoints
// answer with real figures. Skipped, with a warning, where containerd cannot run.
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "api/cri/v1/cri.h"
#include "runtime/remote/remote_options.h"
#include "runtime/remote/remote_services.h"
#include "testing/containerd/containerd_harness.h"
#include "testing/test_files.h"
#include "tools/run_demo/child_process.h"
#include "tools/run_demo/pod_table.h"

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

using testing::Runfile;
using testing::WriteFileAtomically;

namespace fs = std::filesystem;
using run_demo::ChildProcess;
using run_demo::PodRow;
using testing::containerd::ContainerdHarness;

constexpr char kNode[] = "e2e";

std::string Manifest(const std::string& name, const std::string& container,
                     const std::string& script, const std::string& extra = "") {
  return absl::StrCat("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ", name,
                      "\nspec:\n  hostNetwork: true\n  terminationGracePeriodSeconds: 1\n",
                      "  containers:\n  - name: ", container,
                      "\n    image: krl.test/busybox:1\n    command: [\"sh\", \"-c\", \"", script,
                      "\"]\n", extra);
}

// Polls (real time: containerd and the agent run on it) until `done` or `timeout`.
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(250));
  }
  return done();
}

// A running nodeagent process and its endpoints.
class Agent {
 public:
  Agent(const std::string& endpoint, const std::string& dir) {
    auto child = ChildProcess::Spawn(
        {Runfile("tools/nodeagent/nodeagent"), "--container-runtime-endpoint=" + endpoint,
         "--pod-manifest-path=" + dir + "/manifests", "--root-dir=" + dir + "/root",
         "--pod-logs-dir=" + dir + "/logs", absl::StrCat("--node-name=", kNode), "--port=0"},
        dir + "/nodeagent.log");
    REQUIRE(child.ok());
    child_ = *std::move(child);
    absl::StatusOr<std::string> line = child_->WaitForLine("nodeagent: serving", absl::Seconds(30));
    if (!line.ok()) {
      std::ifstream log(dir + "/nodeagent.log");
      std::stringstream text;
      text << log.rdbuf();
      FAIL("nodeagent did not start: " << line.status() << "\n" << text.str());
    }
    absl::StatusOr<int> port = run_demo::ParsePortFromLine(*line);
    REQUIRE(port.ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
    client_->set_read_timeout(10, 0);
  }

  std::map<std::string, PodRow> Pods() {
    std::map<std::string, PodRow> pods;
    httplib::Result result = client_->Get("/pods");
    if (!result || result->status != 200) return pods;
    auto rows = run_demo::ParsePodList(result->body, absl::Now());
    if (!rows.ok()) return pods;
    for (PodRow& row : *rows) pods[row.name] = std::move(row);
    return pods;
  }
  httplib::Result Get(const std::string& path) { return client_->Get(path.c_str()); }
  ChildProcess& process() { return *child_; }

 private:
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<httplib::Client> client_;
};

// What containerd holds, by pod uid (from the labels the agent writes).
struct RuntimeView {
  std::map<std::string, int> ready_sandboxes;
  std::map<std::string, std::set<std::string>> running_containers;
};

RuntimeView ReadRuntime(runtime::RuntimeService& cri) {
  RuntimeView view;
  absl::StatusOr<cri::ListPodSandboxResponse> sandboxes =
      cri.ListPodSandbox(cri::ListPodSandboxRequest());
  REQUIRE(sandboxes.ok());
  for (const cri::PodSandbox& s : sandboxes->items()) {
    if (s.state() == cri::SANDBOX_READY) ++view.ready_sandboxes[s.metadata().uid()];
  }
  absl::StatusOr<cri::ListContainersResponse> containers =
      cri.ListContainers(cri::ListContainersRequest());
  REQUIRE(containers.ok());
  for (const cri::Container& c : containers->containers()) {
    if (c.state() != cri::CONTAINER_RUNNING) continue;
    auto uid = c.labels().find("io.kubernetes.pod.uid");
    if (uid != c.labels().end()) view.running_containers[uid->second].insert(c.id());
  }
  return view;
}

std::optional<double> Sample(const std::string& metrics, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, series + " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return std::nullopt;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("nodeagent runs manifest pods on real containerd and keeps them as declared") {
  if (std::optional<std::string> missing = ContainerdHarness::MissingPrerequisite()) {
    WARN("SKIPPED: containerd cannot run here: " << *missing);
    std::cerr << "WARNING: nodeagent_containerd_test skipped: " << *missing << std::endl;
    return;
  }
  const absl::Time test_start = absl::Now();
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start(ContainerdHarness::Options());
  REQUIRE(harness.ok());
  runtime::remote::RemoteOptions remote;
  remote.runtime_endpoint = (*harness)->endpoint();
  absl::StatusOr<runtime::remote::RemoteServices> services =
      runtime::remote::CreateRemoteServices(remote);
  REQUIRE(services.ok());
  runtime::RuntimeService& cri = *services->runtime;

  char pattern[] = "/tmp/krl-e2e-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  const std::string dir = pattern;
  const std::string manifests = dir + "/manifests";
  fs::create_directories(manifests);

  auto agent = std::make_unique<Agent>((*harness)->endpoint(), dir);

  // Three manifests at once: a long runner, a crasher and a liveness failure.
  WriteFileAtomically(manifests + "/web.yaml",
                      Manifest("web", "web", "echo hello-from-web; exec sleep 600"));
  WriteFileAtomically(manifests + "/crash.yaml",
                      Manifest("crash", "crasher", "echo crashing; exit 3"));
  WriteFileAtomically(
      manifests + "/live.yaml",
      Manifest("live", "live", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 600",
               "    livenessProbe:\n      exec:\n        command: [\"cat\", "
               "\"/tmp/healthy\"]\n      initialDelaySeconds: 1\n      periodSeconds: 1\n"
               "      failureThreshold: 1\n"));

  const std::string web = absl::StrCat("web-", kNode);
  const std::string crash = absl::StrCat("crash-", kNode);
  const std::string live = absl::StrCat("live-", kNode);

  // 1. The manifest became a running pod whose log is at the kubelet's path.
  std::map<std::string, PodRow> pods;
  REQUIRE(PollUntil(
      [&] {
        pods = agent->Pods();
        return pods.count(web) && pods[web].status == "Running" && pods[web].all_ready;
      },
      absl::Seconds(30)));
  const std::string web_uid = pods[web].uid;
  const std::string log_path = absl::StrCat(dir, "/logs/default_", web, "_", web_uid, "/web/0.log");
  CHECK(PollUntil([&] { return absl::StrContains(ReadAll(log_path), "hello-from-web"); },
                  absl::Seconds(10)));
  CHECK(absl::StrContains(ReadAll(log_path), " stdout F hello-from-web"));

  // 2. The crashing container restarts, with back-off; 3. the liveness failure restarts.
  CHECK(PollUntil(
      [&] {
        pods = agent->Pods();
        return pods[crash].restarts >= 1 && pods[crash].status == "CrashLoopBackOff";
      },
      absl::Seconds(30)));
  CHECK(PollUntil(
      [&] {
        pods = agent->Pods();
        return pods[live].restarts >= 1;
      },
      absl::Seconds(30)));
  INFO("crash " << pods[crash].status << " " << pods[crash].restarts << "; live "
                << pods[live].status << " " << pods[live].restarts);
  // Back-off: 10 s after the second crash, so not restarted in a tight loop.
  CHECK(pods[crash].restarts <= 3);

  // 4. Editing the manifest replaces the pod (new uid; the old one is stopped).
  WriteFileAtomically(manifests + "/web.yaml",
                      Manifest("web", "web", "echo hello-again; exec sleep 600"));
  std::string new_web_uid;
  REQUIRE(PollUntil(
      [&] {
        pods = agent->Pods();
        if (!pods.count(web) || pods[web].uid == web_uid) return false;
        new_web_uid = pods[web].uid;
        return pods[web].status == "Running";
      },
      absl::Seconds(30)));
  CHECK(PollUntil(
      [&] {
        RuntimeView view = ReadRuntime(cri);
        return view.ready_sandboxes[web_uid] == 0 && view.running_containers[web_uid].empty() &&
               view.ready_sandboxes[new_web_uid] == 1;
      },
      absl::Seconds(15)));

  // 5. Removing a manifest removes its pod.
  const std::string crash_uid = pods[crash].uid;
  fs::remove(manifests + "/crash.yaml");
  CHECK(PollUntil([&] { return agent->Pods().count(crash) == 0; }, absl::Seconds(15)));
  CHECK(PollUntil(
      [&] {
        RuntimeView view = ReadRuntime(cri);
        return view.ready_sandboxes[crash_uid] == 0 && view.running_containers[crash_uid].empty();
      },
      absl::Seconds(15)));

  // 6. A killed agent leaves the pods running; a new one adopts them without duplicates.
  RuntimeView before = ReadRuntime(cri);
  REQUIRE(agent->process().Signal(SIGKILL).ok());
  REQUIRE(agent->process().Wait(absl::Seconds(10)).ok());
  agent.reset();
  RuntimeView orphaned = ReadRuntime(cri);
  CHECK(orphaned.running_containers[new_web_uid] == before.running_containers[new_web_uid]);
  agent = std::make_unique<Agent>((*harness)->endpoint(), dir);
  REQUIRE(PollUntil(
      [&] {
        pods = agent->Pods();
        return pods.count(web) && pods[web].status == "Running" && pods.count(live);
      },
      absl::Seconds(20)));
  CHECK(pods[web].uid == new_web_uid);
  // A few relists and resyncs later nothing was duplicated.
  absl::SleepFor(absl::Seconds(3));
  RuntimeView after = ReadRuntime(cri);
  CHECK(after.ready_sandboxes[new_web_uid] == 1);
  CHECK(after.ready_sandboxes[pods[live].uid] == 1);
  CHECK(after.running_containers[new_web_uid] == before.running_containers[new_web_uid]);
  CHECK(after.running_containers[pods[live].uid].size() <= 1);
  int ready_total = 0;
  for (const auto& [uid, n] : after.ready_sandboxes) ready_total += n;
  CHECK(ready_total == 2);

  // 7. The endpoints answer with real figures.
  httplib::Result healthz = agent->Get("/healthz");
  REQUIRE(healthz);
  CHECK(healthz->status == 200);
  CHECK(healthz->body == "ok");
  httplib::Result verbose = agent->Get("/healthz?verbose");
  REQUIRE(verbose);
  CHECK(absl::StrContains(verbose->body, "node ready: false"));  // no CNI here
  httplib::Result metrics = agent->Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(Sample(metrics->body, "kubelet_running_pods").value_or(0) == 2);
  CHECK(
      Sample(metrics->body, "kubelet_runtime_operations_total{operation_type=\"list_podsandbox\"}")
          .value_or(0) > 0);
  CHECK(Sample(metrics->body, "kubelet_pleg_relist_duration_seconds_count").value_or(0) > 0);
  CHECK(Sample(metrics->body, "kubelet_pod_worker_duration_seconds_count{operation_type=\"sync\"}")
            .value_or(0) > 0);

  // A clean stop (SIGTERM) leaves the pods running too.
  REQUIRE(agent->process().Signal(SIGTERM).ok());
  absl::StatusOr<int> code = agent->process().Wait(absl::Seconds(20));
  REQUIRE(code.ok());
  CHECK(*code == 0);
  CHECK(ReadRuntime(cri).ready_sandboxes[new_web_uid] == 1);
  agent.reset();

  std::cout << "nodeagent end-to-end on containerd took "
            << absl::FormatDuration(absl::Trunc(absl::Now() - test_start, absl::Milliseconds(100)))
            << std::endl;
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
