// agent_bench: the node agent at scale, as separate processes. Writes N pod manifests of M
// containers, starts `fake_cri_server` and `nodeagent` on them, and measures:
// - the time from starting `nodeagent` until /pods shows every pod Running (target 10 s for
//   1,000 pods x 5 containers);
// - the agent's resident memory once it settled (VmRSS, and VmHWM, the peak, from
//   /proc/<pid>/status; target 64 MiB), plus the CPU time both processes used.
// The steady-state relist cost is measured by //kubelet_core/pleg:pleg_benchmark.
//
//   bazel run --config=opt //tools/agent_bench -- --pods=1000 --containers=5
//   bazel run --config=opt //tools/agent_bench -- --agent-flag=--pod-workers=4
//
// The binaries are found next to this one in bazel-bin (both are data of this target, so they are
// built in the same configuration), or given with --nodeagent and --fake-cri-server.
//
// The work folder (manifests, the CRI socket, pod logs, the agent's state) is a new folder under
// --work-root, /dev/shm by default: the agent and the fake runtime create about 17 files and
// folders per pod, and on ext4 a run right after another one (whose files were just deleted)
// spends most of its time in the kernel's inode allocator, which skips recently freed inodes one
// by one; tmpfs measures the agent instead. Pass --work-root=/tmp to include a disk filesystem.
//
// Exit status: 0 when every pod ran and the figures were taken (whether the targets were met is
// printed), 1 when a step failed, 2 for bad flags.
#include <fcntl.h>
#include <httplib.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "testing/memory_usage.h"
#include "tools/common/flag_names.h"
#include "tools/run_demo/child_process.h"
#include "tools/run_demo/metrics_text.h"
#include "tools/run_demo/pod_table.h"

ABSL_FLAG(int, pods, 1000, "Pod manifests to write (one pod per file).");
ABSL_FLAG(int, containers, 5, "Containers in each pod.");
ABSL_FLAG(std::string, work_root, "",
          "Folder to create the work folder in; default /dev/shm when it exists, else $TMPDIR or "
          "/tmp.");
ABSL_FLAG(bool, keep, false, "Keep the work folder (manifests, logs) after the run.");
ABSL_FLAG(std::string, nodeagent, "", "Path of the nodeagent binary; default: next to this one.");
ABSL_FLAG(std::string, fake_cri_server, "",
          "Path of the fake_cri_server binary; default: next to this one.");
ABSL_FLAG(std::vector<std::string>, agent_flag, {},
          "Extra flags for nodeagent, comma-separated or repeated (e.g. --pod-workers=4).");
ABSL_FLAG(absl::Duration, poll, absl::Milliseconds(500),
          "How often /pods is read while the pods start (each read costs the agent a full "
          "PodList in JSON, so not too often).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(180),
          "Give up when the pods are not all "
          "Running by then.");
ABSL_FLAG(absl::Duration, settle, absl::Seconds(20),
          "After all pods run: how long the agent idles (PLEG, housekeeping, resyncs every 10 s) "
          "before its memory is read.");

namespace krl {
namespace tools {
namespace agent_bench {
namespace {

using run_demo::ChildProcess;

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr double kTargetSeconds = 10;
constexpr double kTargetMiB = 64;

std::string SelfPath() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "";
  return std::string(buffer, static_cast<size_t>(n));
}

// `relative` (e.g. "nodeagent/nodeagent") in the bazel-bin tools folder this binary lives in.
std::string Sibling(const std::string& self, const std::string& relative) {
  std::string dir = self.substr(0, self.rfind('/'));  // .../tools/agent_bench
  dir = dir.substr(0, dir.rfind('/'));                // .../tools
  return absl::StrCat(dir, "/", relative);
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

std::string DefaultWorkRoot() {
  if (IsDirectory("/dev/shm") && access("/dev/shm", W_OK) == 0) return "/dev/shm";
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// One pod of `containers` long-running containers, in the manifest folder's YAML.
std::string Manifest(int index, int containers) {
  std::string yaml = absl::StrFormat(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bench-%04d\n  namespace: default\n"
      "  labels:\n    app: agent-bench\nspec:\n  terminationGracePeriodSeconds: 5\n"
      "  containers:\n",
      index);
  for (int c = 0; c < containers; ++c) {
    absl::StrAppend(&yaml, "  - name: c", c,
                    "\n    image: krl.test/busybox:1\n"
                    "    command: [\"sh\", \"-c\", \"while true; do sleep 5; done\"]\n"
                    "    resources:\n      requests:\n        cpu: 10m\n        memory: 16Mi\n");
  }
  return yaml;
}

// A "Key: <n> kB" line of /proc/<pid>/status, in MiB.
std::optional<double> StatusMiB(pid_t pid, absl::string_view key) {
  const int64_t bytes = testing::ProcStatusBytes(pid, key);
  if (bytes < 0) return std::nullopt;
  return static_cast<double>(bytes) / testing::kMiB;
}

// User plus system CPU time of the process so far.
std::optional<double> CpuSeconds(pid_t pid) {
  std::optional<absl::Duration> cpu = testing::ProcessCpuTime(pid);
  if (!cpu.has_value()) return std::nullopt;
  return absl::ToDoubleSeconds(*cpu);
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      return std::string(absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
    }
  }
  return "unknown CPU";
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return absl::StrCat(one, " ", five);
}

std::string Verdict(bool met) { return met ? "met" : "NOT met"; }

// Every pod listed and Running (kubectl's STATUS column).
struct Progress {
  int listed = 0;
  int running = 0;
};

absl::StatusOr<Progress> ReadProgress(httplib::Client& client) {
  httplib::Result result = client.Get("/pods");
  if (!result) return absl::UnavailableError("GET /pods failed");
  if (result->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET /pods answered ", result->status));
  }
  absl::StatusOr<std::vector<run_demo::PodRow>> rows =
      run_demo::ParsePodList(result->body, absl::Now());
  if (!rows.ok()) return rows.status();
  Progress progress;
  progress.listed = static_cast<int>(rows->size());
  for (const run_demo::PodRow& row : *rows) progress.running += row.status == "Running" ? 1 : 0;
  return progress;
}

int Run() {
  const int pods = absl::GetFlag(FLAGS_pods);
  const int containers = absl::GetFlag(FLAGS_containers);
  if (pods < 1 || containers < 1) {
    std::cerr << "agent_bench: --pods and --containers must be at least 1\n";
    return 2;
  }
  const std::string self = SelfPath();
  std::string nodeagent = absl::GetFlag(FLAGS_nodeagent);
  if (nodeagent.empty()) nodeagent = Sibling(self, "nodeagent/nodeagent");
  std::string server = absl::GetFlag(FLAGS_fake_cri_server);
  if (server.empty()) server = Sibling(self, "fake_cri_server/fake_cri_server");
  for (const std::string& binary : {nodeagent, server}) {
    if (access(binary.c_str(), X_OK) != 0) {
      std::cerr << "agent_bench: " << binary
                << " is not an executable (build with: bazel build --config=opt "
                   "//tools/agent_bench, or pass --nodeagent / --fake-cri-server)\n";
      return 1;
    }
  }

  std::string root = absl::GetFlag(FLAGS_work_root);
  if (root.empty()) root = DefaultWorkRoot();
  std::string pattern = absl::StrCat(root, "/agent-bench-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    std::cerr << "agent_bench: cannot create a folder in " << root << "\n";
    return 1;
  }
  const std::string dir = pattern;
  const std::string manifests = dir + "/manifests";
  if (mkdir(manifests.c_str(), 0755) != 0) {
    std::cerr << "agent_bench: cannot create " << manifests << "\n";
    return 1;
  }
  for (int i = 0; i < pods; ++i) {
    absl::Status written =
        WriteFile(absl::StrFormat("%s/bench-%04d.yaml", manifests, i), Manifest(i, containers));
    if (!written.ok()) {
      std::cerr << "agent_bench: " << written.message() << "\n";
      return 1;
    }
  }

  std::cout << absl::StrFormat(
                   "agent_bench: %d pods x %d containers; %d CPUs (%s), load average %s; work "
                   "folder %s",
                   pods, containers, std::thread::hardware_concurrency(), CpuModel(), LoadAverage(),
                   dir)
            << std::endl;

  const std::string socket = dir + "/cri.sock";
  absl::StatusOr<std::unique_ptr<ChildProcess>> runtime = ChildProcess::Spawn(
      {server, absl::StrCat("--listen=unix://", socket)}, dir + "/fake_cri_server.log");
  if (!runtime.ok()) {
    std::cerr << "agent_bench: cannot start " << server << ": " << runtime.status() << "\n";
    return 1;
  }
  const absl::Time socket_deadline = absl::Now() + kStartTimeout;
  while (access(socket.c_str(), F_OK) != 0 && absl::Now() < socket_deadline) {
    if (!(*runtime)->running()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (access(socket.c_str(), F_OK) != 0) {
    std::cerr << "agent_bench: fake_cri_server did not listen (see " << dir
              << "/fake_cri_server.log)\n";
    return 1;
  }

  std::vector<std::string> agent_argv = {
      nodeagent,
      absl::StrCat("--container-runtime-endpoint=unix://", socket),
      "--pod-manifest-path=" + manifests,
      "--root-dir=" + dir + "/root",
      "--pod-logs-dir=" + dir + "/logs",
      "--node-name=bench",
      "--port=0"};
  for (const std::string& flag : absl::GetFlag(FLAGS_agent_flag)) agent_argv.push_back(flag);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<ChildProcess>> agent =
      ChildProcess::Spawn(agent_argv, dir + "/nodeagent.log");
  if (!agent.ok()) {
    std::cerr << "agent_bench: cannot start " << nodeagent << ": " << agent.status() << "\n";
    return 1;
  }
  absl::StatusOr<std::string> line = (*agent)->WaitForLine("nodeagent: serving", kStartTimeout);
  absl::StatusOr<int> port =
      line.ok() ? run_demo::ParsePortFromLine(*line) : absl::StatusOr<int>(line.status());
  if (!port.ok()) {
    std::cerr << "agent_bench: nodeagent did not start: " << port.status() << " (see " << dir
              << "/nodeagent.log)\n";
    return 1;
  }
  const pid_t agent_pid = (*agent)->pid();
  const pid_t runtime_pid = (*runtime)->pid();
  httplib::Client client("127.0.0.1", *port);
  client.set_read_timeout(30, 0);

  // Until every pod is Running.
  const absl::Duration poll = absl::GetFlag(FLAGS_poll);
  const absl::Time deadline = start + absl::GetFlag(FLAGS_timeout);
  std::optional<double> all_running;
  Progress last;
  absl::Time next_report = start + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (!(*agent)->running()) {
      std::cerr << "agent_bench: nodeagent exited (see " << dir << "/nodeagent.log)\n";
      return 1;
    }
    absl::StatusOr<Progress> progress = ReadProgress(client);
    const absl::Time now = absl::Now();
    if (progress.ok()) {
      last = *progress;
      if (progress->listed == pods && progress->running == pods) {
        all_running = absl::ToDoubleSeconds(now - start);
        break;
      }
    }
    if (now >= next_report) {
      std::cout << absl::StrFormat(
                       "  %5.1f s: %d of %d pods listed, %d Running, agent RSS %.1f MiB",
                       absl::ToDoubleSeconds(now - start), last.listed, pods, last.running,
                       StatusMiB(agent_pid, "VmRSS").value_or(0))
                << std::endl;
      next_report = now + absl::Seconds(5);
    }
    absl::SleepFor(poll);
  }
  const double agent_cpu_start = CpuSeconds(agent_pid).value_or(0);
  const double runtime_cpu_start = CpuSeconds(runtime_pid).value_or(0);
  if (!all_running.has_value()) {
    std::cerr << absl::StrFormat(
        "agent_bench: only %d of %d pods Running after %s (see %s/nodeagent.log)\n", last.running,
        pods, absl::FormatDuration(absl::GetFlag(FLAGS_timeout)), dir);
    return 1;
  }
  const double rss_running = StatusMiB(agent_pid, "VmRSS").value_or(0);
  double cri_calls = 0, pod_syncs = 0;
  if (httplib::Result metrics = client.Get("/metrics"); metrics && metrics->status == 200) {
    cri_calls = run_demo::SumOfMetric(metrics->body, "kubelet_runtime_operations_total");
    pod_syncs = run_demo::SumOfMetric(metrics->body, "kubelet_pod_worker_duration_seconds_count");
  }

  // Steady state: the agent idles with every pod running; its RSS is sampled every second.
  const absl::Duration settle = absl::GetFlag(FLAGS_settle);
  double rss_max = rss_running;
  const absl::Time settled = absl::Now() + settle;
  while (absl::Now() < settled) {
    absl::SleepFor(std::min(absl::Seconds(1), settled - absl::Now()));
    rss_max = std::max(rss_max, StatusMiB(agent_pid, "VmRSS").value_or(0));
  }
  const double rss = StatusMiB(agent_pid, "VmRSS").value_or(0);
  const double hwm = StatusMiB(agent_pid, "VmHWM").value_or(0);
  const double agent_cpu_end = CpuSeconds(agent_pid).value_or(0);
  const double runtime_cpu_end = CpuSeconds(runtime_pid).value_or(0);
  absl::StatusOr<Progress> final_progress = ReadProgress(client);

  (void)(*agent)->Stop(absl::Seconds(10));
  (void)(*runtime)->Stop(absl::Seconds(10));

  const double settle_seconds = absl::ToDoubleSeconds(settle);
  std::cout << absl::StrFormat("all pods Running after      %6.2f s   (target %.0f s: %s)\n",
                               *all_running, kTargetSeconds,
                               Verdict(*all_running <= kTargetSeconds));
  std::cout << absl::StrFormat(
      "agent RSS, steady state      %6.1f MiB (target %.0f MiB: %s); max while settling %.1f "
      "MiB, at all Running %.1f MiB, peak (VmHWM) %.1f MiB\n",
      rss, kTargetMiB, Verdict(rss <= kTargetMiB), rss_max, rss_running, hwm);
  std::cout << absl::StrFormat(
      "CPU to all Running            agent %.2f s, fake_cri_server %.2f s; %.0f CRI calls, %.0f "
      "pod syncs\n",
      agent_cpu_start, runtime_cpu_start, cri_calls, pod_syncs);
  std::cout << absl::StrFormat(
      "CPU while settling (%.0f s)     agent %.1f%% of a core, fake_cri_server %.1f%%\n",
      settle_seconds, 100 * (agent_cpu_end - agent_cpu_start) / settle_seconds,
      100 * (runtime_cpu_end - runtime_cpu_start) / settle_seconds);
  if (!final_progress.ok() || final_progress->running != pods) {
    std::cout << "warning: not every pod was still Running at the end of the settling time\n";
  }
  if (absl::GetFlag(FLAGS_keep)) {
    std::cout << "work folder kept: " << dir << "\n";
  } else {
    std::error_code error;
    std::filesystem::remove_all(dir, error);
    if (error) std::cerr << "agent_bench: could not remove " << dir << ": " << error.message();
  }
  return 0;
}

}  // namespace
}  // namespace agent_bench
}  // namespace tools
}  // namespace krl

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Starts fake_cri_server and nodeagent on N generated pods and measures the time until all "
      "run and the agent's memory.\n  agent_bench [--pods=1000 --containers=5]");
  std::vector<std::string> args = krl::tools::NormalizeFlagNames(argc, argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(arg_pointers.size()), arg_pointers.data());
  if (rest.size() > 1) {
    std::cerr << "agent_bench: unexpected argument '" << rest[1] << "' (see --help)\n";
    return 2;
  }
  return krl::tools::agent_bench::Run();
}
