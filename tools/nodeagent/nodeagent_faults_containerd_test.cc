// Fault tests: the nodeagent binary on a private, real containerd (testing/containerd harness),
// running several pods, while the runtime or the agent fails under it:
//   1. containerd SIGKILLed, then started again on the same state (its shims keep the containers);
//   2. the CRI socket file unlinked while containerd serves, then containerd killed and started
//      again, which creates the socket anew;
//   3. containerd SIGSTOPped (connections stay open, nothing answers), then SIGCONTed;
//   4. the agent SIGKILLed while it creates a pod's containers, then started again;
//   and containerd SIGKILLed (and started again at once) while the agent creates a pod.
// After each: the agent noticed (where it can), did not spin, recovered by itself, and containerd
// holds exactly the pods wanted: no duplicate or orphan sandbox or container, no pod lost, and no
// container restarted that was running fine. Each test prints a "fault-figures" line with the
// measured times (docs/reliability/containerd_faults.md collects them). Faster than the agent's
// defaults, for the test's time: --pleg-relist-threshold (the hang case) and
// --container-gc-period (where leaks are checked after GC).
// Skipped, with a warning, where containerd cannot run.
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
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
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/remote/remote_options.h"
#include "runtime/remote/remote_services.h"
#include "testing/containerd/containerd_harness.h"
#include "testing/containerd/skip_without_containerd.h"
#include "testing/memory_usage.h"
#include "testing/test_files.h"
#include "tools/run_demo/child_process.h"
#include "tools/run_demo/metrics_text.h"
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
using run_demo::SumOfMetric;
using testing::containerd::ContainerdHarness;

constexpr char kNode[] = "fault";
// The agent checks the runtime's Status every 5 s and ticks every second.
constexpr absl::Duration kStatusPeriod = absl::Seconds(5);

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A pod manifest with host networking and one container per (name, script).
std::string Manifest(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& containers,
                     const std::string& readiness_command = "") {
  std::string text = absl::StrCat("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ", name,
                                  "\nspec:\n  hostNetwork: true\n  terminationGracePeriodSeconds: "
                                  "1\n  containers:\n");
  for (const auto& [container, script] : containers) {
    absl::StrAppend(&text, "  - name: ", container,
                    "\n    image: krl.test/busybox:1\n    command: [\"sh\", \"-c\", \"", script,
                    "\"]\n");
    if (!readiness_command.empty()) {
      absl::StrAppend(
          &text, "    readinessProbe:\n      exec:\n        command: [\"sh\", \"-c\", \"",
          readiness_command, "\"]\n      periodSeconds: 1\n      failureThreshold: 1\n");
    }
  }
  return text;
}

std::string PodName(const std::string& manifest_name) { return manifest_name + "-" + kNode; }

std::string ThreeContainerManifest(const std::string& name) {
  return Manifest(name,
                  {{"a", "exec sleep 3600"}, {"b", "exec sleep 3600"}, {"c", "exec sleep 3600"}});
}

// Polls (real time) until `done` or `timeout`.
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout,
               absl::Duration interval = absl::Milliseconds(100)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(interval);
  }
  return done();
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// Every sample of kubelet_runtime_operations_total, by operation type.
std::map<std::string, double> CallsByOperation(const std::string& metrics) {
  std::map<std::string, double> calls;
  const std::string prefix = "kubelet_runtime_operations_total{operation_type=\"";
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::ConsumePrefix(&line, prefix)) continue;
    const size_t quote = line.find('"');
    const size_t space = line.rfind(' ');
    double value = 0;
    if (quote == absl::string_view::npos || space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    calls[std::string(line.substr(0, quote))] = value;
  }
  return calls;
}

// The operations whose count grew from `before` to `after`, with how much.
std::map<std::string, double> CallDelta(const std::map<std::string, double>& before,
                                        const std::map<std::string, double>& after) {
  std::map<std::string, double> delta;
  for (const auto& [op, n] : after) {
    auto it = before.find(op);
    const double d = n - (it == before.end() ? 0 : it->second);
    if (d > 0) delta[op] = d;
  }
  return delta;
}

double Total(const std::map<std::string, double>& calls) {
  double total = 0;
  for (const auto& [op, n] : calls) total += n;
  return total;
}

std::string Format(const std::map<std::string, double>& calls) {
  std::vector<std::string> parts;
  for (const auto& [op, n] : calls) parts.push_back(absl::StrCat(op, "=", n));
  return absl::StrJoin(parts, " ");
}

// The CRI calls the agent may make over `length` while its runtime does not answer: a relist a
// second (ListPodSandbox; ListContainers too when that answered), housekeeping's list every 2 s
// until the outage is noticed, Status every 5 s, and each exec probe up to 3 attempts a period
// (the kubelet's retries; one probe of period 1 s here), plus a few pod syncs that were under way.
// The retries are paced by these periods: a loop that retried at once would exceed this budget
// many times over.
void CheckCallBudget(const std::map<std::string, double>& calls, absl::Duration length) {
  const double s = Seconds(length);
  auto count = [&](const std::string& op) { return calls.count(op) ? calls.at(op) : 0.0; };
  const double lists = count("list_podsandbox") + count("list_containers");
  const double status = count("status");
  const double exec = count("exec_sync");
  const double other = Total(calls) - lists - status - exec;
  INFO("CRI calls over " << s << " s: " << Format(calls));
  CHECK(lists <= 1.5 * s + 3);
  CHECK(status <= s / 5 + 2);
  CHECK(exec <= 3 * (s + 2));
  CHECK(other <= 6);
}

absl::Duration CpuTime(pid_t pid) {
  return testing::ProcessCpuTime(pid).value_or(absl::ZeroDuration());
}

// A running nodeagent process and its endpoints.
class Agent {
 public:
  Agent(const std::string& endpoint, const std::string& dir,
        const std::vector<std::string>& extra_flags)
      : log_path_(dir + "/nodeagent.log") {
    std::vector<std::string> argv = {Runfile("tools/nodeagent/nodeagent"),
                                     "--container-runtime-endpoint=" + endpoint,
                                     "--pod-manifest-path=" + dir + "/manifests",
                                     "--root-dir=" + dir + "/root",
                                     "--pod-logs-dir=" + dir + "/logs",
                                     absl::StrCat("--node-name=", kNode),
                                     "--port=0"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    log_offset_ = ReadAll(log_path_).size();
    auto child = ChildProcess::Spawn(argv, log_path_);
    REQUIRE(child.ok());
    child_ = *std::move(child);
    absl::StatusOr<std::string> line = child_->WaitForLine("nodeagent: serving", absl::Seconds(30));
    if (!line.ok()) FAIL("nodeagent did not start: " << line.status() << "\n" << Log());
    absl::StatusOr<int> port = run_demo::ParsePortFromLine(*line);
    REQUIRE(port.ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
    client_->set_connection_timeout(5, 0);
    client_->set_read_timeout(10, 0);
  }

  struct Answer {
    int status = 0;  // 0: no answer
    std::string body;
    absl::Duration latency;
  };
  Answer Get(const std::string& path) {
    const absl::Time start = absl::Now();
    httplib::Result result = client_->Get(path.c_str());
    Answer answer;
    answer.latency = absl::Now() - start;
    if (result) {
      answer.status = result->status;
      answer.body = result->body;
    }
    return answer;
  }
  std::map<std::string, PodRow> Pods() {
    std::map<std::string, PodRow> pods;
    Answer answer = Get("/pods");
    if (answer.status != 200) return pods;
    auto rows = run_demo::ParsePodList(answer.body, absl::Now());
    if (!rows.ok()) return pods;
    for (PodRow& row : *rows) pods[row.name] = std::move(row);
    return pods;
  }
  std::string Metrics() { return Get("/metrics").body; }
  // This process's log (the file is shared with earlier agents on the same folder).
  std::string Log() const { return ReadAll(log_path_).substr(log_offset_); }
  ChildProcess& process() { return *child_; }

 private:
  std::string log_path_;
  size_t log_offset_ = 0;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<httplib::Client> client_;
};

// What containerd holds, read through the CRI.
struct RuntimeView {
  struct Sandbox {
    std::string uid;
    std::string pod;
    bool ready = false;
  };
  struct Container {
    std::string uid;
    std::string pod;
    std::string name;
    cri::ContainerState state = cri::CONTAINER_UNKNOWN;
    uint32_t attempt = 0;
  };
  std::map<std::string, Sandbox> sandboxes;     // by id
  std::map<std::string, Container> containers;  // by id

  int ReadySandboxes(const std::string& uid) const {
    int n = 0;
    for (const auto& [id, s] : sandboxes) n += s.uid == uid && s.ready;
    return n;
  }
  // Container ids of a pod's container (any state).
  std::vector<std::string> ContainerIds(const std::string& uid, const std::string& name,
                                        std::optional<cri::ContainerState> state) const {
    std::vector<std::string> ids;
    for (const auto& [id, c] : containers) {
      if (c.uid == uid && c.name == name && (!state || c.state == *state)) ids.push_back(id);
    }
    return ids;
  }
  std::string Describe() const {
    std::string text;
    for (const auto& [id, s] : sandboxes) {
      absl::StrAppend(&text, "sandbox ", id.substr(0, 12), " pod=", s.pod, " uid=", s.uid,
                      s.ready ? " READY\n" : " NOTREADY\n");
    }
    for (const auto& [id, c] : containers) {
      absl::StrAppend(&text, "container ", id.substr(0, 12), " pod=", c.pod, " name=", c.name,
                      " attempt=", c.attempt, " state=", cri::ContainerState_Name(c.state), "\n");
    }
    return text;
  }
};

absl::StatusOr<RuntimeView> ReadRuntime(runtime::RuntimeService& cri) {
  RuntimeView view;
  absl::StatusOr<cri::ListPodSandboxResponse> sandboxes =
      cri.ListPodSandbox(cri::ListPodSandboxRequest());
  if (!sandboxes.ok()) return sandboxes.status();
  for (const cri::PodSandbox& s : sandboxes->items()) {
    view.sandboxes[s.id()] = {s.metadata().uid(), s.metadata().name(),
                              s.state() == cri::SANDBOX_READY};
  }
  absl::StatusOr<cri::ListContainersResponse> containers =
      cri.ListContainers(cri::ListContainersRequest());
  if (!containers.ok()) return containers.status();
  for (const cri::Container& c : containers->containers()) {
    auto label = [&](const std::string& key) {
      auto it = c.labels().find(key);
      return it == c.labels().end() ? std::string() : it->second;
    };
    view.containers[c.id()] = {label("io.kubernetes.pod.uid"), label("io.kubernetes.pod.name"),
                               c.metadata().name(), c.state(), c.metadata().attempt()};
  }
  return view;
}

// A pod the tests want, by the name the agent gives it, with its containers.
struct WantedPod {
  std::string name;
  std::vector<std::string> containers;
};

// One private containerd, a CRI client of the test's own, a folder of manifests and an agent
// running the base pods: a long runner, a pod of two containers, and a pod whose container logs
// every second and has an exec readiness probe.
class FaultFixture {
 public:
  explicit FaultFixture(std::vector<std::string> agent_flags) : flags_(std::move(agent_flags)) {
    absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
        ContainerdHarness::Start(ContainerdHarness::Options());
    REQUIRE(harness.ok());
    harness_ = *std::move(harness);
    runtime::remote::RemoteOptions remote;
    remote.runtime_endpoint = harness_->endpoint();
    remote.request_timeout = absl::Seconds(10);
    absl::StatusOr<runtime::remote::RemoteServices> services =
        runtime::remote::CreateRemoteServices(remote);
    REQUIRE(services.ok());
    services_ = *std::move(services);

    char pattern[] = "/tmp/krl-fault-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    fs::create_directories(manifests());
    WriteFileAtomically(manifests() + "/web.yaml", Manifest("web", {{"web", "exec sleep 3600"}}));
    WriteFileAtomically(
        manifests() + "/duo.yaml",
        Manifest("duo", {{"main", "exec sleep 3600"}, {"sidecar", "exec sleep 3600"}}));
    WriteFileAtomically(manifests() + "/ticker.yaml",
                        Manifest("ticker", {{"ticker", "while true; do echo tick; sleep 1; done"}},
                                 "test -d /tmp"));
    wanted_ = {{PodName("web"), {"web"}},
               {PodName("duo"), {"main", "sidecar"}},
               {PodName("ticker"), {"ticker"}}};
    StartAgent();
    const absl::Time start = absl::Now();
    RequireConverged(absl::Seconds(60));
    std::cout << "pods converged " << Seconds(absl::Now() - start) << " s after the agent started"
              << std::endl;
  }

  ~FaultFixture() {
    if (agent_ != nullptr && agent_->process().running()) {
      (void)agent_->process().Stop(absl::Seconds(10));
    }
    agent_.reset();
    harness_.reset();  // stops containerd, removes every container
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void StartAgent() { agent_ = std::make_unique<Agent>(harness_->endpoint(), dir_, flags_); }
  // From now on agents start with these flags.
  void StartAgent(std::vector<std::string> flags) {
    flags_ = std::move(flags);
    StartAgent();
  }
  void KillAgent() {
    REQUIRE(agent_->process().Signal(SIGKILL).ok());
    REQUIRE(agent_->process().Wait(absl::Seconds(10)).ok());
    agent_.reset();
  }

  // The agent reports every wanted pod Running with all containers ready, /healthz is ok, and
  // containerd holds exactly one ready sandbox per wanted pod and one running container per
  // wanted container. Needs containerd to answer.
  bool Converged() {
    Agent::Answer healthz = agent_->Get("/healthz");
    if (healthz.status != 200) return false;
    std::map<std::string, PodRow> pods = agent_->Pods();
    if (pods.size() != wanted_.size()) return false;
    for (const WantedPod& want : wanted_) {
      auto it = pods.find(want.name);
      if (it == pods.end() || it->second.status != "Running" || !it->second.all_ready) {
        return false;
      }
    }
    absl::StatusOr<RuntimeView> view = ReadRuntime(cri());
    if (!view.ok()) return false;
    for (const WantedPod& want : wanted_) {
      const std::string uid = pods[want.name].uid;
      if (view->ReadySandboxes(uid) != 1) return false;
      for (const std::string& c : want.containers) {
        if (view->ContainerIds(uid, c, cri::CONTAINER_RUNNING).size() != 1) return false;
      }
    }
    return true;
  }
  bool WaitConverged(absl::Duration timeout) {
    return PollUntil([&] { return Converged(); }, timeout, absl::Milliseconds(200));
  }
  void RequireConverged(absl::Duration timeout) {
    if (!WaitConverged(timeout)) FAIL("no convergence within " << timeout << "\n" << Describe());
  }

  // What the agent and containerd say now, for failure messages.
  std::string Describe() {
    std::string text = "agent /healthz?verbose:\n" + agent_->Get("/healthz?verbose").body;
    for (const auto& [name, row] : agent_->Pods()) {
      absl::StrAppend(&text, "pod ", name, " ", row.status, " ", row.ready, " restarts ",
                      row.restarts, "\n");
    }
    absl::StatusOr<RuntimeView> view = ReadRuntime(cri());
    absl::StrAppend(&text, "containerd:\n",
                    view.ok() ? view->Describe() : view.status().ToString());
    const std::string log = agent_->Log();
    absl::StrAppend(&text, "agent log tail:\n",
                    log.size() > 6000 ? log.substr(log.size() - 6000) : log);
    return text;
  }

  // Before and after a fault: the same sandboxes and containers (ids, states, attempts) of the
  // pods that ran before, and the same restart counts reported by the agent. Pods added since
  // have exactly one sandbox and one container per container of theirs.
  struct Snapshot {
    RuntimeView view;
    std::map<std::string, int> restarts;
    std::map<std::string, std::string> uids;
  };
  Snapshot Take() {
    Snapshot s;
    absl::StatusOr<RuntimeView> view = ReadRuntime(cri());
    REQUIRE(view.ok());
    s.view = *std::move(view);
    for (const auto& [name, row] : agent_->Pods()) {
      s.restarts[name] = row.restarts;
      s.uids[name] = row.uid;
    }
    return s;
  }
  void CheckUnchanged(const Snapshot& before) {
    Snapshot after = Take();
    INFO("before:\n" << before.view.Describe() << "after:\n" << after.view.Describe());
    std::set<std::string> old_uids;
    for (const auto& [name, uid] : before.uids) {
      old_uids.insert(uid);
      CHECK(after.uids[name] == uid);                           // no pod lost or replaced
      CHECK(after.restarts[name] == before.restarts.at(name));  // nothing restarted
    }
    std::set<std::string> before_sandboxes, after_sandboxes;
    std::map<std::string, int> new_sandboxes;
    for (const auto& [id, s] : before.view.sandboxes) before_sandboxes.insert(id);
    for (const auto& [id, s] : after.view.sandboxes) {
      if (old_uids.count(s.uid) != 0) {
        after_sandboxes.insert(id);
      } else {
        ++new_sandboxes[s.uid];
      }
    }
    CHECK(after_sandboxes == before_sandboxes);  // no duplicate sandbox
    for (const auto& [uid, n] : new_sandboxes) CHECK(n == 1);
    std::map<std::pair<std::string, std::string>, int> new_containers;
    size_t old_containers = 0;
    for (const auto& [id, c] : after.view.containers) {
      if (old_uids.count(c.uid) != 0) {
        ++old_containers;
      } else {
        ++new_containers[{c.uid, c.name}];
      }
    }
    CHECK(old_containers == before.view.containers.size());  // no duplicate
    for (const auto& [key, n] : new_containers) CHECK(n == 1);
    for (const auto& [id, c] : before.view.containers) {
      auto it = after.view.containers.find(id);
      REQUIRE(it != after.view.containers.end());
      CHECK(it->second.state == c.state);
      CHECK(it->second.attempt == c.attempt);
    }
  }

  ContainerdHarness& harness() { return *harness_; }
  runtime::RuntimeService& cri() { return *services_.runtime; }
  Agent& agent() { return *agent_; }
  std::string manifests() const { return dir_ + "/manifests"; }
  std::vector<WantedPod>& wanted() { return wanted_; }

 private:
  std::vector<std::string> flags_;
  std::unique_ptr<ContainerdHarness> harness_;
  runtime::remote::RemoteServices services_;
  std::string dir_;
  std::vector<WantedPod> wanted_;
  std::unique_ptr<Agent> agent_;
};

bool RuntimeCheckFailed(const Agent::Answer& healthz) {
  return healthz.status == 500 && absl::StrContains(healthz.body, "[-]runtime");
}

// What the agent did while the runtime was away.
struct Outage {
  absl::Duration detect = absl::InfiniteDuration();  // fault until /healthz says the runtime failed
  absl::Duration length;
  std::map<std::string, double> calls;  // CRI calls the agent made meanwhile, by operation
  absl::Duration cpu;                   // the agent's CPU time meanwhile
  absl::Duration max_latency;           // slowest answer of its endpoints meanwhile
  bool endpoints_answered = true;
  bool pods_listed = true;  // /pods kept listing every pod
};

// From the fault at `fault` on: polls /healthz and /pods until `until`, recording when the runtime
// check first failed, the call count and the CPU time.
Outage WatchOutage(FaultFixture& f, absl::Time fault, absl::Time until,
                   const std::map<std::string, double>& calls_before, absl::Duration cpu_before) {
  Outage outage;
  while (absl::Now() < until) {
    Agent::Answer healthz = f.agent().Get("/healthz?verbose");
    Agent::Answer pods = f.agent().Get("/pods");
    outage.max_latency = std::max({outage.max_latency, healthz.latency, pods.latency});
    if (healthz.status == 0 || pods.status != 200) outage.endpoints_answered = false;
    if (outage.detect == absl::InfiniteDuration() && RuntimeCheckFailed(healthz)) {
      outage.detect = absl::Now() - fault;
    }
    if (f.agent().Pods().size() != f.wanted().size()) outage.pods_listed = false;
    absl::SleepFor(absl::Milliseconds(100));
  }
  outage.length = absl::Now() - fault;
  outage.calls = CallDelta(calls_before, CallsByOperation(f.agent().Metrics()));
  outage.cpu = CpuTime(f.agent().process().pid()) - cpu_before;
  CHECK(cpu_before > absl::ZeroDuration());  // /proc was read: starting the pods took some CPU
  return outage;
}

void PrintFigures(const std::string& scenario,
                  const std::vector<std::pair<std::string, double>>& figures,
                  const std::map<std::string, double>& calls) {
  std::string line = absl::StrCat("fault-figures scenario=", scenario);
  for (const auto& [name, value] : figures) {
    absl::StrAppend(&line, " ", name, "=", absl::StrFormat("%.2f", value));
  }
  std::cout << line << std::endl;
  if (!calls.empty())
    std::cout << "fault-calls scenario=" << scenario << " " << Format(calls) << std::endl;
}

// The agent noticed the outage within one runtime status period (plus a tick), kept its endpoints
// answering, kept to its CRI call budget and used little CPU.
void CheckOutage(FaultFixture& f, const Outage& outage) {
  INFO(f.Describe());
  CHECK(outage.detect <= kStatusPeriod + absl::Seconds(2));
  CHECK(outage.endpoints_answered);
  CHECK(outage.pods_listed);
  CHECK(outage.max_latency < absl::Seconds(1));
  CheckCallBudget(outage.calls, outage.length);
  CHECK(absl::FDivDuration(outage.cpu, outage.length) <= 0.2);
  const std::string metrics = f.agent().Metrics();
  CHECK(absl::StrContains(metrics, "\nkrl_node_ready 0\n"));
  CHECK(absl::StrContains(f.agent().Log(), "container runtime is not ready"));
}

// containerd starts again after `outage`: the agent converges with nothing duplicated or
// restarted (checked again a few relists and resyncs later), and the scenario's figures print.
void RecoverFromOutage(FaultFixture& f, const FaultFixture::Snapshot& before, const Outage& outage,
                       const std::string& scenario) {
  REQUIRE(f.harness().StartAgain().ok());
  const absl::Time back = absl::Now();
  f.RequireConverged(absl::Seconds(30));
  const absl::Duration recover = absl::Now() - back;
  CHECK(absl::StrContains(f.agent().Log(), "container runtime is ready"));
  absl::SleepFor(absl::Seconds(3));
  f.CheckUnchanged(before);
  PrintFigures(scenario,
               {{"detect_s", Seconds(outage.detect)},
                {"recover_s", Seconds(recover)},
                {"outage_s", Seconds(outage.length)},
                {"cri_calls_per_s", Total(outage.calls) / Seconds(outage.length)},
                {"cpu_pct", 100 * (absl::FDivDuration(outage.cpu, outage.length))}},
               outage.calls);
}

TEST_CASE("nodeagent survives containerd being SIGKILLed and restarted, adopting every pod") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  FaultFixture f({});
  const FaultFixture::Snapshot before = f.Take();
  const std::map<std::string, double> calls = CallsByOperation(f.agent().Metrics());
  const absl::Duration cpu = CpuTime(f.agent().process().pid());

  const absl::Time fault = absl::Now();
  REQUIRE(f.harness().Kill().ok());
  Outage outage = WatchOutage(f, fault, fault + absl::Seconds(12), calls, cpu);
  CheckOutage(f, outage);

  // A pod added while the runtime is down waits, and starts once (no duplicate) when it is back.
  WriteFileAtomically(f.manifests() + "/late.yaml",
                      Manifest("late", {{"late", "exec sleep 3600"}}));
  f.wanted().push_back({PodName("late"), {"late"}});
  std::map<std::string, PodRow> waiting;
  CHECK(PollUntil(
      [&] {
        waiting = f.agent().Pods();
        return waiting.count(PodName("late")) == 1;
      },
      absl::Seconds(10)));
  CHECK(waiting[PodName("late")].status != "Running");  // ContainerCreating until it is back

  RecoverFromOutage(f, before, outage, "containerd-sigkill");
}

TEST_CASE("nodeagent survives its CRI socket being removed and containerd re-creating it") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  FaultFixture f({});
  const FaultFixture::Snapshot before = f.Take();

  // The established connection does not need the file: nothing changes while containerd runs.
  REQUIRE(unlink(f.harness().socket_path().c_str()) == 0);
  const absl::Time unlinked = absl::Now();
  while (absl::Now() < unlinked + absl::Seconds(4)) {
    CHECK(f.agent().Get("/healthz").status == 200);
    absl::SleepFor(absl::Milliseconds(250));
  }
  REQUIRE(f.Converged());

  // containerd dies: every reconnect finds no socket at all (ENOENT, not ECONNREFUSED).
  const std::map<std::string, double> calls = CallsByOperation(f.agent().Metrics());
  const absl::Duration cpu = CpuTime(f.agent().process().pid());
  const absl::Time fault = absl::Now();
  REQUIRE(f.harness().Kill().ok());
  REQUIRE(access(f.harness().socket_path().c_str(), F_OK) != 0);
  Outage outage = WatchOutage(f, fault, fault + absl::Seconds(12), calls, cpu);
  CheckOutage(f, outage);

  // containerd starts again and creates the socket on the same path.
  RecoverFromOutage(f, before, outage, "socket-removed");
}

TEST_CASE("nodeagent stays responsive while containerd hangs (SIGSTOP) and recovers on SIGCONT") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  constexpr absl::Duration kRequestTimeout = absl::Seconds(2);
  constexpr absl::Duration kPlegThreshold = absl::Seconds(10);
  FaultFixture f({"--runtime-request-timeout=2s", "--pleg-relist-threshold=10s"});
  const FaultFixture::Snapshot before = f.Take();
  const std::map<std::string, double> calls = CallsByOperation(f.agent().Metrics());
  const double deadline_errors_before =
      SumOfMetric(f.agent().Metrics(), "kubelet_runtime_operations_errors_by_code_total",
                  "code=\"DeadlineExceeded\"");

  // containerd keeps its sockets open (the kernel even accepts new connections) but answers
  // nothing: every call waits for its deadline.
  const absl::Time fault = absl::Now();
  REQUIRE(f.harness().Suspend().ok());
  struct ResumeOnExit {
    ContainerdHarness& h;
    bool resumed = false;
    ~ResumeOnExit() {
      if (!resumed) (void)h.Resume();
    }
  } resume_guard{f.harness()};

  absl::Duration detect_runtime = absl::InfiniteDuration();
  absl::Duration detect_pleg = absl::InfiniteDuration();
  absl::Duration max_latency;
  bool answered = true;
  bool syncloop_ok = true;
  while (absl::Now() < fault + kPlegThreshold + absl::Seconds(5)) {
    Agent::Answer healthz = f.agent().Get("/healthz?verbose");
    Agent::Answer pods = f.agent().Get("/pods");
    Agent::Answer metrics = f.agent().Get("/metrics");
    max_latency = std::max({max_latency, healthz.latency, pods.latency, metrics.latency});
    answered = answered && healthz.status != 0 && pods.status == 200 && metrics.status == 200;
    syncloop_ok = syncloop_ok && absl::StrContains(healthz.body, "[+]syncloop ok");
    if (detect_runtime == absl::InfiniteDuration() && RuntimeCheckFailed(healthz)) {
      detect_runtime = absl::Now() - fault;
    }
    if (detect_pleg == absl::InfiniteDuration() && healthz.status == 500 &&
        absl::StrContains(healthz.body, "[-]pleg")) {
      detect_pleg = absl::Now() - fault;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  const absl::Duration hang = absl::Now() - fault;
  const std::map<std::string, double> hang_calls =
      CallDelta(calls, CallsByOperation(f.agent().Metrics()));
  {
    INFO(f.agent().Get("/healthz?verbose").body << f.agent().Log());
    CHECK(answered);
    CHECK(syncloop_ok);  // the agent's own loop never wedged on a call
    CHECK(max_latency < absl::Seconds(1));
    // The Status call itself waits for its deadline before it fails.
    CHECK(detect_runtime <= kStatusPeriod + kRequestTimeout + absl::Seconds(2));
    CHECK(detect_pleg <= kPlegThreshold + kRequestTimeout + absl::Seconds(2));
    CHECK(SumOfMetric(f.agent().Metrics(), "kubelet_runtime_operations_errors_by_code_total",
                      "code=\"DeadlineExceeded\"") > deadline_errors_before);
    CheckCallBudget(hang_calls, hang);
    CHECK(absl::StrContains(f.agent().Metrics(), "\nkrl_node_ready 0\n"));
    CHECK(absl::StrContains(f.agent().Log(), "container runtime is not ready"));
  }

  REQUIRE(f.harness().Resume().ok());
  resume_guard.resumed = true;
  const absl::Time back = absl::Now();
  f.RequireConverged(absl::Seconds(30));
  const absl::Duration recover = absl::Now() - back;
  absl::SleepFor(absl::Seconds(3));
  f.CheckUnchanged(before);

  // SIGTERM while containerd hangs, with the default CRI deadline (2 minutes): the agent's
  // threads would each wait for their call's deadline; the agent exits after its 10 s stop grace
  // instead, and the next agent adopts the pods once containerd answers.
  const absl::Time clean_stop = absl::Now();
  absl::StatusOr<int> code = f.agent().process().Stop(absl::Seconds(30));
  REQUIRE(code.ok());
  CHECK(*code == 0);
  const absl::Duration clean_stop_time = absl::Now() - clean_stop;
  f.StartAgent({});
  f.RequireConverged(absl::Seconds(30));
  REQUIRE(f.harness().Suspend().ok());
  resume_guard.resumed = false;
  absl::SleepFor(absl::Seconds(2));  // calls are hanging now
  const absl::Time term = absl::Now();
  REQUIRE(f.agent().process().Signal(SIGTERM).ok());
  code = f.agent().process().Wait(absl::Seconds(60));
  const absl::Duration hung_stop_time = absl::Now() - term;
  {
    INFO(f.agent().Log());
    REQUIRE(code.ok());
    CHECK(*code == 0);
    CHECK(hung_stop_time < absl::Seconds(13));
    CHECK(absl::StrContains(f.agent().Log(), "exiting without waiting"));
  }
  REQUIRE(f.harness().Resume().ok());
  resume_guard.resumed = true;
  const absl::Time restarted = absl::Now();
  f.StartAgent();
  f.RequireConverged(absl::Seconds(30));
  const absl::Duration readopt = absl::Now() - restarted;
  // Once (1 run in 7) this took 18 s; the log says where the time went should it happen again.
  if (readopt > absl::Seconds(5)) {
    std::cout << "slow re-adoption after the hang; the agent's log:\n"
              << f.agent().Log() << std::endl;
  }
  f.CheckUnchanged(before);

  PrintFigures("containerd-sigstop",
               {{"detect_runtime_s", Seconds(detect_runtime)},
                {"detect_pleg_s", Seconds(detect_pleg)},
                {"recover_s", Seconds(recover)},
                {"hang_s", Seconds(hang)},
                {"max_endpoint_latency_ms", absl::ToDoubleMilliseconds(max_latency)},
                {"cri_calls_per_s", Total(hang_calls) / Seconds(hang)},
                {"clean_stop_s", Seconds(clean_stop_time)},
                {"stop_during_hang_s", Seconds(hung_stop_time)},
                {"readopt_s", Seconds(readopt)}},
               hang_calls);
}

// After convergence and a few GC rounds: every sandbox and container belongs to a wanted pod,
// one ready sandbox per pod, one running container per wanted container and at most one dead one
// beside it (the GC policy keeps one: e.g. a container created but never started), and the
// containers of `before` still run, unrestarted. Returns the pods the agent reports and what
// containerd holds.
std::pair<std::map<std::string, PodRow>, RuntimeView> CheckNothingLeaked(
    FaultFixture& f, const FaultFixture::Snapshot& before) {
  std::map<std::string, PodRow> pods = f.agent().Pods();
  std::map<std::string, std::string> uid_to_pod;
  for (const auto& [name, row] : pods) uid_to_pod[row.uid] = name;
  absl::StatusOr<RuntimeView> view = ReadRuntime(f.cri());
  REQUIRE(view.ok());
  INFO(view->Describe());
  CHECK(pods.size() == f.wanted().size());
  for (const auto& [id, s] : view->sandboxes) CHECK(uid_to_pod.count(s.uid) == 1);
  for (const auto& [id, c] : view->containers) CHECK(uid_to_pod.count(c.uid) == 1);
  for (const WantedPod& want : f.wanted()) {
    const std::string uid = pods[want.name].uid;
    CHECK(view->ReadySandboxes(uid) == 1);
    for (const std::string& c : want.containers) {
      CHECK(view->ContainerIds(uid, c, cri::CONTAINER_RUNNING).size() == 1);
      CHECK(view->ContainerIds(uid, c, std::nullopt).size() <= 2);
    }
  }
  for (const auto& [id, c] : before.view.containers) {
    auto it = view->containers.find(id);
    REQUIRE(it != view->containers.end());
    CHECK(it->second.state == cri::CONTAINER_RUNNING);
    CHECK(it->second.attempt == c.attempt);
  }
  return {std::move(pods), *std::move(view)};
}

// Where in a pod's creation the agent is killed: as soon as containerd lists the pod's sandbox,
// its first container (created, maybe not started), or its first running container.
enum class KillPoint { kSandbox, kFirstContainer, kFirstRunning };

// Waits (polling containerd every 5 ms) until the creation of `pod` reached `point`.
void WaitForCreationPoint(FaultFixture& f, const std::string& pod, KillPoint point) {
  cri::ListPodSandboxRequest sandboxes;
  (*sandboxes.mutable_filter()->mutable_label_selector())["io.kubernetes.pod.name"] = pod;
  cri::ListContainersRequest containers;
  (*containers.mutable_filter()->mutable_label_selector())["io.kubernetes.pod.name"] = pod;
  if (point == KillPoint::kFirstRunning) {
    containers.mutable_filter()->mutable_state()->set_state(cri::CONTAINER_RUNNING);
  }
  const bool reached = PollUntil(
      [&] {
        if (point == KillPoint::kSandbox) {
          absl::StatusOr<cri::ListPodSandboxResponse> listed = f.cri().ListPodSandbox(sandboxes);
          return listed.ok() && listed->items_size() > 0;
        }
        absl::StatusOr<cri::ListContainersResponse> listed = f.cri().ListContainers(containers);
        return listed.ok() && listed->containers_size() > 0;
      },
      absl::Seconds(30), absl::Milliseconds(5));
  REQUIRE(reached);
}

struct Interruption {
  std::string pod;
  RuntimeView left;  // what containerd held of everything right after the kill
  int sandboxes = 0;
  int containers = 0;
  int running = 0;
  absl::Duration recover;  // agent restart until every pod converged
};

// Adds a pod of three containers, SIGKILLs the agent at `point` of its creation, starts a new
// agent and waits until every pod converged.
Interruption InterruptPodCreation(FaultFixture& f, const std::string& manifest_name,
                                  KillPoint point) {
  Interruption in;
  in.pod = PodName(manifest_name);
  WriteFileAtomically(
      f.manifests() + "/" + manifest_name + ".yaml",
      Manifest(manifest_name,
               {{"a", "exec sleep 3600"}, {"b", "exec sleep 3600"}, {"c", "exec sleep 3600"}}));
  WaitForCreationPoint(f, in.pod, point);
  f.KillAgent();
  absl::StatusOr<RuntimeView> left = ReadRuntime(f.cri());
  REQUIRE(left.ok());
  in.left = *std::move(left);
  for (const auto& [id, s] : in.left.sandboxes) in.sandboxes += s.pod == in.pod;
  for (const auto& [id, c] : in.left.containers) {
    if (c.pod != in.pod) continue;
    ++in.containers;
    in.running += c.state == cri::CONTAINER_RUNNING;
  }
  std::cout << "agent killed while creating " << in.pod << ": " << in.sandboxes << " sandbox, "
            << in.containers << " of 3 containers created, " << in.running << " running"
            << std::endl;

  const absl::Time restarted = absl::Now();
  f.StartAgent();
  f.wanted().push_back({in.pod, {"a", "b", "c"}});
  f.RequireConverged(absl::Seconds(30));
  in.recover = absl::Now() - restarted;
  return in;
}

TEST_CASE(
    "nodeagent SIGKILLed while creating a pod's containers finishes the pod and leaks nothing") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  // GC every 2 s instead of every minute, so "after GC" comes within the test's time.
  constexpr absl::Duration kGcPeriod = absl::Seconds(2);
  FaultFixture f({"--container-gc-period=2s"});
  const FaultFixture::Snapshot before = f.Take();

  std::vector<Interruption> interruptions;
  interruptions.push_back(InterruptPodCreation(f, "new1", KillPoint::kSandbox));
  interruptions.push_back(InterruptPodCreation(f, "new2", KillPoint::kFirstContainer));
  interruptions.push_back(InterruptPodCreation(f, "new3", KillPoint::kFirstRunning));

  absl::SleepFor(3 * kGcPeriod);
  auto [pods, view] = CheckNothingLeaked(f, before);
  {
    INFO(view.Describe());
    // No sandbox of a killed agent's pod was left behind not ready.
    for (const auto& [id, s] : view.sandboxes) CHECK(s.ready);
    // What a killed agent made of its new pod was adopted: the sandbox, and any container that
    // was running. (One created but not started is replaced, as the kubelet does.)
    for (const Interruption& in : interruptions) {
      for (const auto& [id, s] : in.left.sandboxes) {
        if (s.pod != in.pod || !s.ready) continue;
        auto it = view.sandboxes.find(id);
        CHECK((it != view.sandboxes.end() && it->second.ready));
      }
      for (const auto& [id, c] : in.left.containers) {
        if (c.pod != in.pod || c.state != cri::CONTAINER_RUNNING) continue;
        auto it = view.containers.find(id);
        CHECK((it != view.containers.end() && it->second.state == cri::CONTAINER_RUNNING));
      }
    }
  }

  // Removing the interrupted pods removes every trace of them, never-started containers too.
  std::set<std::string> removed_uids;
  for (const Interruption& in : interruptions) {
    removed_uids.insert(pods[in.pod].uid);
    fs::remove(absl::StrCat(f.manifests(), "/", in.pod.substr(0, in.pod.rfind('-')), ".yaml"));
  }
  f.wanted().resize(f.wanted().size() - interruptions.size());
  const absl::Time removed = absl::Now();
  const bool gone = PollUntil(
      [&] {
        absl::StatusOr<RuntimeView> now = ReadRuntime(f.cri());
        if (!now.ok()) return false;
        for (const auto& [id, s] : now->sandboxes) {
          if (removed_uids.count(s.uid) != 0) return false;
        }
        for (const auto& [id, c] : now->containers) {
          if (removed_uids.count(c.uid) != 0) return false;
        }
        return true;
      },
      absl::Seconds(30), absl::Milliseconds(250));
  {
    INFO(f.Describe());
    CHECK(gone);
    CHECK(f.Converged());
  }
  const absl::Duration cleanup = absl::Now() - removed;
  std::vector<std::pair<std::string, double>> figures;
  for (size_t i = 0; i < interruptions.size(); ++i) {
    const Interruption& in = interruptions[i];
    const std::string at = absl::StrCat("kill", i + 1, "_");
    figures.push_back({at + "left_sandboxes", in.sandboxes});
    figures.push_back({at + "left_containers", in.containers});
    figures.push_back({at + "left_running", in.running});
    figures.push_back({at + "recover_s", Seconds(in.recover)});
  }
  figures.push_back({"removed_pods_cleanup_s", Seconds(cleanup)});
  PrintFigures("agent-sigkill-mid-sync", figures, {});
}

TEST_CASE("nodeagent finishes a pod whose creation containerd's SIGKILL interrupted") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  constexpr absl::Duration kGcPeriod = absl::Seconds(2);
  FaultFixture f({"--container-gc-period=2s"});
  const FaultFixture::Snapshot before = f.Take();

  // containerd dies in the middle of the agent's calls for a new pod, and is back at once (as a
  // supervisor restarts it); whatever the interrupted calls left, the agent finishes the pod.
  std::vector<std::pair<std::string, double>> figures;
  int round = 0;
  for (KillPoint point : {KillPoint::kSandbox, KillPoint::kFirstContainer}) {
    const std::string name = absl::StrCat("mid", ++round);
    WriteFileAtomically(f.manifests() + "/" + name + ".yaml", ThreeContainerManifest(name));
    WaitForCreationPoint(f, PodName(name), point);
    REQUIRE(f.harness().Restart().ok());
    const absl::Time back = absl::Now();
    f.wanted().push_back({PodName(name), {"a", "b", "c"}});
    f.RequireConverged(absl::Seconds(40));
    figures.push_back({absl::StrCat("kill", round, "_recover_s"), Seconds(absl::Now() - back)});
  }
  absl::SleepFor(3 * kGcPeriod);
  auto [pods, view] = CheckNothingLeaked(f, before);
  int not_ready = 0;
  for (const auto& [id, s] : view.sandboxes) not_ready += !s.ready;
  figures.push_back({"not_ready_sandboxes_left", not_ready});
  PrintFigures("containerd-sigkill-mid-sync", figures, {});
}

}  // namespace
}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
