// run_demo: the README's main command (`tools/dev run [--containerd]`). Starts `nodeagent` on the
// example pods (examples/pods) with the in-process fake runtime, or on a private containerd
// started by the test harness, shows a live table of the pods (polling /pods every second, as
// `kubectl get pods` prints them) for a bounded time, then stops everything cleanly.
//
//   run_demo [--mode=fake|containerd] [--duration=30s] [--examples=examples/pods]
//            [--nodeagent=PATH] [--keep]
//
// On a terminal the table is redrawn in place; otherwise (CI) it is printed whenever a pod's
// READY, STATUS or RESTARTS changes, and once at the end. The agent's log goes to a file whose
// path is printed. SIGINT/SIGTERM end the demo early, cleanly. Exit status 0 when the agent
// served its pods and stopped cleanly.
#include <httplib.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runtime/util/mutex.h"
#include "testing/containerd/containerd_harness.h"
#include "tools/run_demo/child_process.h"
#include "tools/run_demo/metrics_text.h"
#include "tools/run_demo/pod_table.h"

ABSL_FLAG(std::string, mode, "fake", "fake (the in-process fake runtime) or containerd.");
ABSL_FLAG(bool, containerd, false, "Same as --mode=containerd.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(30), "How long the demo runs.");
ABSL_FLAG(absl::Duration, interval, absl::Seconds(1), "How often /pods is polled.");
ABSL_FLAG(std::string, examples, "examples/pods", "The manifest folder the agent runs.");
ABSL_FLAG(std::string, nodeagent, "",
          "The nodeagent binary; default: ../nodeagent/nodeagent next to this binary.");
ABSL_FLAG(std::string, node_name, "node1", "The agent's --node-name (suffix of every pod name).");
ABSL_FLAG(bool, keep, false, "Keep the demo's temporary folder (agent log, pod logs).");

namespace krl {
namespace tools {
namespace run_demo {
namespace {

namespace fs = std::filesystem;

std::string SelfPath() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "";
  return std::string(buffer, static_cast<size_t>(n));
}

// Stops the demo early on SIGINT/SIGTERM; Wait() sleeps until then or a timeout.
class StopSignal {
 public:
  void Trigger() {
    krl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  // True when stopped.
  bool WaitFor(absl::Duration timeout) {
    krl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopped_; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }
  bool stopped() {
    krl::MutexLock lock(&mu_);
    return stopped_;
  }

 private:
  krl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// One Prometheus sample value: the first line starting with `series` (name and labels).
std::optional<double> Sample(const std::string& metrics, absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, series)) continue;
    absl::string_view rest = line.substr(series.size());
    if (rest.empty() || (rest[0] != ' ' && series.back() != '}')) continue;
    double value = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(rest), &value)) return value;
  }
  return std::nullopt;
}

// What changes that are worth a new table in a log: everything but the ages.
std::string Signature(const std::vector<PodRow>& rows) {
  std::string out;
  for (const PodRow& row : rows) {
    absl::StrAppend(&out, row.name, "|", row.ready, "|", row.status, "|", row.restarts, "\n");
  }
  return out;
}

int Run() {
  std::string mode = absl::GetFlag(FLAGS_mode);
  if (absl::GetFlag(FLAGS_containerd)) mode = "containerd";
  if (mode != "fake" && mode != "containerd") {
    std::cerr << "run_demo: --mode must be fake or containerd\n";
    return 2;
  }
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const std::string self = SelfPath();
  std::string nodeagent = absl::GetFlag(FLAGS_nodeagent);
  if (nodeagent.empty()) {
    nodeagent = (fs::path(self).parent_path().parent_path() / "nodeagent" / "nodeagent").string();
  }
  if (access(nodeagent.c_str(), X_OK) != 0) {
    std::cerr << "run_demo: nodeagent binary not found at " << nodeagent
              << " (build it: bazel build //tools/nodeagent)\n";
    return 1;
  }
  std::error_code error;
  const std::string examples = fs::absolute(absl::GetFlag(FLAGS_examples), error).string();
  if (!fs::is_directory(examples)) {
    std::cerr << "run_demo: no manifest folder " << examples << " (run from the repository root "
              << "or pass --examples)\n";
    return 1;
  }

  // Stop signals: blocked here (every thread inherits it), received by one thread.
  static StopSignal* const stop = new StopSignal();
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([signals] {
    int number = 0;
    sigwait(&signals, &number);
    stop->Trigger();
  }).detach();

  char pattern[] = "/tmp/krl-demo-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    std::cerr << "run_demo: cannot create a temporary folder\n";
    return 1;
  }
  const std::string dir = pattern;
  const std::string agent_log = dir + "/nodeagent.log";

  std::unique_ptr<testing::containerd::ContainerdHarness> harness;
  std::string endpoint = "fake://";
  if (mode == "containerd") {
    if (std::optional<std::string> missing =
            testing::containerd::ContainerdHarness::MissingPrerequisite()) {
      std::cerr << "run_demo: cannot start containerd here: " << *missing
                << " (run: sudo tools/dev setup; containerd needs root)\n";
      return 1;
    }
    testing::containerd::ContainerdHarness::Options options;
    const std::string pause = self + ".runfiles/krl/testing/containerd/pause";
    if (access(pause.c_str(), X_OK) == 0) options.pause_binary = pause;
    std::cout << "starting a private containerd (images "
              << testing::containerd::ContainerdHarness::kBusyboxImage << ", "
              << testing::containerd::ContainerdHarness::kPauseImage << ") ..." << std::endl;
    absl::StatusOr<std::unique_ptr<testing::containerd::ContainerdHarness>> started =
        testing::containerd::ContainerdHarness::Start(options);
    if (!started.ok()) {
      std::cerr << "run_demo: containerd did not start: " << started.status() << "\n";
      return 1;
    }
    harness = *std::move(started);
    endpoint = harness->endpoint();
  }

  std::vector<std::string> argv = {nodeagent,
                                   "--container-runtime-endpoint=" + endpoint,
                                   "--pod-manifest-path=" + examples,
                                   "--root-dir=" + dir + "/root",
                                   "--pod-logs-dir=" + dir + "/logs",
                                   "--node-name=" + absl::GetFlag(FLAGS_node_name),
                                   "--port=0"};
  std::cout << "starting nodeagent on " << endpoint << " with the pods of " << examples << "\n"
            << "  agent log: " << agent_log << "\n  pod logs:  " << dir << "/logs" << std::endl;
  absl::StatusOr<std::unique_ptr<ChildProcess>> agent = ChildProcess::Spawn(argv, agent_log);
  if (!agent.ok()) {
    std::cerr << "run_demo: " << agent.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> line = (*agent)->WaitForLine("nodeagent: serving", absl::Seconds(30));
  absl::StatusOr<int> port = line.ok() ? ParsePortFromLine(*line) : line.status();
  if (!port.ok()) {
    std::cerr << "run_demo: nodeagent did not start: " << port.status() << "\n  see " << agent_log
              << "\n";
    return 1;
  }
  std::cout << line->substr(line->find("http://")) << "\n" << std::endl;

  httplib::Client client("127.0.0.1", *port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  const bool tty = isatty(STDOUT_FILENO) == 1;
  const absl::Time start = absl::Now();
  std::string last_signature;
  std::vector<PodRow> rows;
  bool answered = false;
  while (true) {
    const absl::Time now = absl::Now();
    const bool last = now - start >= duration || stop->stopped();
    httplib::Result result = client.Get("/pods");
    if (result && result->status == 200) {
      absl::StatusOr<std::vector<PodRow>> parsed = ParsePodList(result->body, now);
      if (parsed.ok()) {
        rows = *std::move(parsed);
        answered = true;
      }
    }
    const std::string signature = Signature(rows);
    const std::string header =
        absl::StrCat("nodeagent on ", mode, " - ", absl::ToInt64Seconds(now - start), "s of ",
                     absl::FormatDuration(duration), " - http://127.0.0.1:", *port, "/pods");
    if (tty) {
      std::cout << "\033[H\033[2J" << header << "\n\n" << FormatPodTable(rows) << std::flush;
    } else if (signature != last_signature || last) {
      std::cout << header << "\n" << FormatPodTable(rows) << "\n" << std::flush;
    }
    last_signature = signature;
    if (last) break;
    stop->WaitFor(absl::GetFlag(FLAGS_interval));
  }

  // What the agent says about itself before it stops.
  if (httplib::Result health = client.Get("/healthz?verbose"); health) {
    std::cout << "\n/healthz (" << health->status << "):\n" << health->body;
  }
  if (httplib::Result metrics = client.Get("/metrics"); metrics && metrics->status == 200) {
    const std::string& m = metrics->body;
    std::cout << "/metrics: running pods " << Sample(m, "kubelet_running_pods").value_or(0)
              << ", running containers "
              << Sample(m, "kubelet_running_containers{container_state=\"running\"}").value_or(0)
              << ", CRI calls " << SumOfMetric(m, "kubelet_runtime_operations_total") << " (errors "
              << SumOfMetric(m, "kubelet_runtime_operations_errors_total") << "), PLEG relists "
              << Sample(m, "kubelet_pleg_relist_duration_seconds_count").value_or(0)
              << ", pod syncs "
              << Sample(m, "kubelet_pod_worker_duration_seconds_count{operation_type=\"sync\"}")
                     .value_or(0)
              << "\n";
  }

  absl::StatusOr<int> code = (*agent)->Stop(absl::Seconds(15));
  std::cout << "\nnodeagent stopped (exit " << (code.ok() ? absl::StrCat(*code) : "unknown")
            << "); the pods were left running";
  if (harness != nullptr) {
    std::cout << " - stopping the private containerd and removing its pods" << std::endl;
    if (absl::Status stopped = harness->Stop(); !stopped.ok()) {
      std::cerr << "run_demo: containerd cleanup: " << stopped << "\n";
    }
  } else {
    std::cout << " (the fake runtime ended with the agent)" << std::endl;
  }
  if (absl::GetFlag(FLAGS_keep)) {
    std::cout << "kept " << dir << "\n";
  } else {
    fs::remove_all(dir, error);
  }
  if (!answered) {
    std::cerr << "run_demo: /pods never answered\n";
    return 1;
  }
  return code.ok() && *code == 0 ? 0 : 1;
}

}  // namespace
}  // namespace run_demo
}  // namespace tools
}  // namespace krl

int main(int argc, char** argv) {
  // A closed stdout (`run_demo | head`) must not kill the demo before it cleaned up.
  signal(SIGPIPE, SIG_IGN);
  absl::SetProgramUsageMessage(
      "Runs nodeagent on the example pods and shows them live.\n"
      "  run_demo [--mode=fake|containerd] [--duration=30s]");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "run_demo: unexpected argument '" << rest[1] << "' (see --help)\n";
    return 2;
  }
  return krl::tools::run_demo::Run();
}
