// Fault injection on the CRI fakes: every runtime fault during SyncPod or KillPod is survived, and
// the next syncs converge with nothing leaked.
//
// The faulted calls are not listed here: each test records the mutating CRI calls of a clean run
// (SyncPod of a pod with an init container, two app containers, a postStart hook and image
// pulls; KillPod of that pod) and then replays the run once per recorded call and fault, so a
// call the manager starts making is covered without editing this file. A step is named by its
// method and how many calls to that method came before it ("CreateContainer#1"), which stays
// stable when KillPod stops containers in parallel.
//
// Faults: the call fails before it has any effect (the runtime refused it), or after (the runtime
// did it and the answer was lost, as when a deadline expires meanwhile), with Unavailable,
// DeadlineExceeded or Internal; a call slower than the client's deadline (through the gRPC fake
// server); answers with missing or corrupt fields.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kubelet_core/container/helpers.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/manager_test_fixture.h"
#include "runtime/remote/remote_services.h"
#include "runtime/remote/test_socket_dir.h"
#include "runtime/util/log.h"
#include "runtime/util/mutex.h"
#include "testing/fake_remote/cri_grpc_server.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using testing::DelayClock;
using testing::Fault;

constexpr char kInitImage[] = "registry.test/init:1";
constexpr char kWebImage[] = "registry.test/web:1";
constexpr char kWorkerImage[] = "registry.test/worker:1";
// Each sync round advances the clock this far: past the init container's run (1 s) and the
// first crash-loop back-off (10 s).
constexpr absl::Duration kRoundPeriod = absl::Seconds(11);
// Rounds a faulted run gets to converge; a clean run needs 2.
constexpr int kMaxRounds = 6;

// The pod every scenario runs: an init container that exits 0 after 1 s, two app containers (one
// with a postStart exec hook), three images to pull, pod network.
corev1::Pod RepresentativePod() {
  corev1::Container init = MakeContainer("init");
  init.image = kInitImage;
  corev1::Container web = MakeContainer("web");
  web.image = kWebImage;
  web.lifecycle.emplace().post_start.emplace().exec.emplace().command = {"/bin/warm-cache"};
  corev1::Container worker = MakeContainer("worker");
  worker.image = kWorkerImage;
  corev1::Pod pod = MakePod("shop", {web, worker}, {init});
  pod.spec.host_network = false;
  pod.spec.termination_grace_period_seconds = 5;
  return pod;
}

// The runtime's pods are scripted the same way in every fixture.
void ScriptRuntime(testing::FakeRuntimeService& runtime) {
  testing::FakeRuntimeService::ContainerScript init;
  init.exit_after = absl::Seconds(1);
  runtime.ScriptContainer("init", init);
}

// One mutating CRI call of a run: its method and how many calls to it came before in the phase.
struct Step {
  std::string method;
  int occurrence = 0;
  std::string Name() const { return absl::StrCat(method, "#", occurrence); }
};

struct FaultKind {
  absl::StatusCode code;
  bool after_effect;
  std::string Name() const {
    return absl::StrCat(absl::StatusCodeToString(code),
                        after_effect ? " after the effect" : " before the effect");
  }
};

const std::vector<FaultKind>& FaultKinds() {
  static const std::vector<FaultKind> kinds = {
      {absl::StatusCode::kUnavailable, false},     {absl::StatusCode::kDeadlineExceeded, false},
      {absl::StatusCode::kInternal, false},        {absl::StatusCode::kUnavailable, true},
      {absl::StatusCode::kDeadlineExceeded, true}, {absl::StatusCode::kInternal, true},
  };
  return kinds;
}

// The fault hook of both fakes: records the mutating calls of the current phase and fails the
// armed one. Thread safe (KillPod stops containers on threads of its own).
class FaultPlan {
 public:
  void Install(testing::FakeRuntimeService& runtime, testing::FakeImageService& images) {
    auto hook = [this](absl::string_view method, const google::protobuf::Message&) {
      return Decide(method);
    };
    runtime.SetFaultHook(hook);
    images.SetFaultHook(hook);
  }

  // Starts counting and recording from zero; calls outside a phase are ignored.
  void StartPhase() {
    krl::MutexLock lock(&mu_);
    active_ = true;
    counts_.clear();
    recorded_.clear();
  }
  void EndPhase() {
    krl::MutexLock lock(&mu_);
    active_ = false;
  }

  // Fails `step` of the next phase with `fault` (once).
  void Arm(const Step& step, Fault fault) {
    krl::MutexLock lock(&mu_);
    armed_ = step;
    fault_ = std::move(fault);
    fired_ = false;
  }

  std::vector<Step> Recorded() const {
    krl::MutexLock lock(&mu_);
    return recorded_;
  }
  bool fired() const {
    krl::MutexLock lock(&mu_);
    return fired_;
  }

 private:
  Fault Decide(absl::string_view method) {
    krl::MutexLock lock(&mu_);
    if (!active_ || !IsMutatingCall(std::string(method))) return Fault();
    Step step{std::string(method), counts_[std::string(method)]++};
    recorded_.push_back(step);
    if (armed_ && !fired_ && armed_->method == step.method &&
        armed_->occurrence == step.occurrence) {
      fired_ = true;
      return fault_;
    }
    return Fault();
  }

  mutable krl::Mutex mu_;
  bool active_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
  std::vector<Step> recorded_ ABSL_GUARDED_BY(mu_);
  std::optional<Step> armed_ ABSL_GUARDED_BY(mu_);
  Fault fault_ ABSL_GUARDED_BY(mu_);
  bool fired_ ABSL_GUARDED_BY(mu_) = false;
};

// The pod's objects as the runtime holds them (read with list calls, which no fault touches).
struct RuntimeView {
  std::vector<cri::PodSandbox> sandboxes;
  std::vector<cri::Container> containers;
};

RuntimeView ViewOf(runtime::RuntimeService& runtime, const corev1::Pod& pod) {
  RuntimeView view;
  absl::StatusOr<cri::ListPodSandboxResponse> sandboxes =
      runtime.ListPodSandbox(cri::ListPodSandboxRequest());
  absl::StatusOr<cri::ListContainersResponse> containers =
      runtime.ListContainers(cri::ListContainersRequest());
  if (!sandboxes.ok() || !containers.ok()) throw std::runtime_error("cannot list the runtime");
  for (const cri::PodSandbox& s : sandboxes->items()) {
    if (s.metadata().uid() == pod.metadata.uid) view.sandboxes.push_back(s);
  }
  for (const cri::Container& c : containers->containers()) {
    const std::string* uid = FindLabel(c.labels(), kPodUIDLabel);
    if (uid != nullptr && *uid == pod.metadata.uid) view.containers.push_back(c);
  }
  return view;
}

// What keeps `pod` from being converged: exactly one sandbox ready, init done, every app
// container running its current spec, one live container per name, no two containers with one
// name and attempt, none created and never started. Empty when converged.
std::vector<std::string> ConvergenceProblems(KubeRuntimeManager& manager,
                                             runtime::RuntimeService& runtime,
                                             const corev1::Pod& pod) {
  std::vector<std::string> problems;
  RuntimeView view = ViewOf(runtime, pod);
  std::string ready_sandbox;
  int ready = 0;
  for (const cri::PodSandbox& s : view.sandboxes) {
    if (s.state() == cri::SANDBOX_READY) {
      ++ready;
      ready_sandbox = s.id();
    }
  }
  if (ready != 1) problems.push_back(absl::StrCat(ready, " ready sandboxes"));
  std::set<std::pair<std::string, uint32_t>> attempts;
  std::map<std::string, int> live;
  for (const cri::Container& c : view.containers) {
    if (!attempts.insert({c.metadata().name(), c.metadata().attempt()}).second) {
      problems.push_back(absl::StrCat("two containers ", c.metadata().name(), " attempt ",
                                      c.metadata().attempt()));
    }
    // One that never started is removed when its next attempt is created, not left for GC.
    if (c.state() == cri::CONTAINER_CREATED) {
      problems.push_back(absl::StrCat(c.metadata().name(), " attempt ", c.metadata().attempt(),
                                      " was created and never started"));
    }
    if (c.state() == cri::CONTAINER_RUNNING || c.state() == cri::CONTAINER_UNKNOWN) {
      ++live[c.metadata().name()];
      if (c.pod_sandbox_id() != ready_sandbox) {
        problems.push_back(absl::StrCat(c.metadata().name(), " runs outside the ready sandbox"));
      }
    }
  }
  for (const auto& [name, n] : live) {
    if (n > 1) problems.push_back(absl::StrCat(n, " live containers named ", name));
  }

  absl::StatusOr<container::PodStatus> status =
      manager.GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  if (!status.ok()) {
    problems.push_back(absl::StrCat("GetPodStatus: ", status.status().ToString()));
    return problems;
  }
  for (const corev1::Container& c : pod.spec.containers) {
    const container::ContainerStatus* s = status->FindContainerStatusByName(c.name);
    if (s == nullptr || s->state != container::State::kRunning) {
      problems.push_back(absl::StrCat(c.name, " is not running"));
    } else if (s->hash != container::HashContainer(c)) {
      problems.push_back(absl::StrCat(c.name, " runs another spec"));
    }
  }
  // The init container's newest attempt succeeded (until GC removes it).
  for (const corev1::Container& c : pod.spec.init_containers) {
    const container::ContainerStatus* s = status->FindContainerStatusByName(c.name);
    if (s != nullptr && (s->state != container::State::kExited || s->exit_code != 0)) {
      problems.push_back(absl::StrCat("init container ", c.name, " did not complete"));
    }
  }
  corev1::PodStatus api = manager.GenerateAPIPodStatus(pod, *status);
  if (api.phase != corev1::PodPhase::kRunning) problems.push_back("the pod is not Running");
  return problems;
}

// After GC (no dead container kept): the runtime holds the ready sandbox and one running
// container per app container, nothing else of the pod.
std::vector<std::string> LeakProblems(runtime::RuntimeService& runtime, const corev1::Pod& pod) {
  std::vector<std::string> problems;
  RuntimeView view = ViewOf(runtime, pod);
  if (view.sandboxes.size() != 1) {
    problems.push_back(absl::StrCat(view.sandboxes.size(), " sandboxes left after GC"));
  }
  std::multiset<std::string> names;
  for (const cri::Container& c : view.containers) {
    names.insert(c.metadata().name());
    if (c.state() != cri::CONTAINER_RUNNING) {
      problems.push_back(absl::StrCat("dead container ", c.metadata().name(), " attempt ",
                                      c.metadata().attempt(), " left after GC"));
    }
  }
  std::multiset<std::string> expected;
  for (const corev1::Container& c : pod.spec.containers) expected.insert(c.name);
  if (names != expected) {
    problems.push_back(absl::StrCat("containers left: ", absl::StrJoin(names, ","), ", expected ",
                                    absl::StrJoin(expected, ",")));
  }
  return problems;
}

// The kubelet's GC policy with nothing dead kept, so every leftover shows.
container::GCPolicy KeepNothingDead() {
  container::GCPolicy policy;
  policy.min_age = absl::ZeroDuration();
  policy.max_per_pod_container = 0;
  policy.max_containers = -1;
  return policy;
}

// Which pods the test has deleted (for GC).
class DeletedPods : public container::PodStateProvider {
 public:
  void Delete(const std::string& uid) {
    krl::MutexLock lock(&mu_);
    deleted_.insert(uid);
  }
  bool ShouldPodContentBeRemoved(absl::string_view uid) const override {
    krl::MutexLock lock(&mu_);
    return deleted_.count(std::string(uid)) > 0;
  }
  bool ShouldPodRuntimeBeRemoved(absl::string_view uid) const override {
    return ShouldPodContentBeRemoved(uid);
  }

 private:
  mutable krl::Mutex mu_;
  std::set<std::string> deleted_ ABSL_GUARDED_BY(mu_);
};

// A ManagerFixture with the pod scripted, the fault plan installed and GC wired to DeletedPods.
struct FaultFixture {
  FaultFixture() : f(Options(&deleted)) {
    ScriptRuntime(f.runtime);
    plan.Install(f.runtime, f.images);
  }
  static KubeRuntimeManagerOptions Options(const DeletedPods* deleted) {
    KubeRuntimeManagerOptions options;
    options.pod_state = deleted;
    return options;
  }

  // One round: GetPodStatus, SyncPod, then time passes. Errors are collected.
  void Round(const corev1::Pod& pod) {
    absl::StatusOr<container::PodStatus> status =
        f.manager->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
    if (!status.ok()) {
      errors.push_back(absl::StrCat("GetPodStatus: ", status.status().ToString()));
    } else {
      container::PodSyncResult result = f.manager->SyncPod(pod, *status);
      if (!result.ok()) errors.push_back(result.Error().ToString());
    }
    f.clock.Advance(kRoundPeriod);
  }

  // Rounds until converged (at most kMaxRounds); the problems left, empty when converged.
  std::vector<std::string> SyncUntilConverged(const corev1::Pod& pod) {
    std::vector<std::string> problems;
    for (int i = 0; i < kMaxRounds; ++i) {
      Round(pod);
      problems = ConvergenceProblems(*f.manager, f.runtime, pod);
      if (problems.empty()) return problems;
    }
    return problems;
  }

  // GC with nothing dead kept, then what is left that should not be.
  std::vector<std::string> CollectAndFindLeaks(const corev1::Pod& pod) {
    absl::Status gc = f.manager->GarbageCollect(KeepNothingDead(), true, false);
    std::vector<std::string> problems = LeakProblems(f.runtime, pod);
    if (!gc.ok()) problems.push_back(absl::StrCat("GarbageCollect: ", gc.ToString()));
    return problems;
  }

  // A sync of the converged pod: no step, no mutating call.
  std::vector<std::string> SteadyProblems(const corev1::Pod& pod) {
    f.ClearCalls();
    container::PodSyncResult result = f.Sync(pod);
    std::vector<std::string> problems;
    if (!result.ok() || !result.steps.empty()) {
      problems.push_back(
          absl::StrCat("a sync of the converged pod still acts: ", result.Error().ToString(), " (",
                       result.steps.size(), " steps)"));
    }
    if (!f.MutatingCalls().empty()) {
      problems.push_back(absl::StrCat("a sync of the converged pod calls ",
                                      absl::StrJoin(f.MutatingCalls(), ",")));
    }
    return problems;
  }

  container::Pod RunningPod(const corev1::Pod& pod) {
    return container::ConvertPodStatusToRunningPod(f.manager->Type(), f.Status(pod));
  }

  DeletedPods deleted;
  ManagerFixture f;
  FaultPlan plan;
  std::vector<std::string> errors;
};

Fault MakeFault(const FaultKind& kind, const Step& step) {
  Fault fault;
  fault.error = absl::Status(kind.code, absl::StrCat("injected fault in ", step.Name()));
  fault.after_effect = kind.after_effect;
  return fault;
}

std::string Describe(const std::vector<std::string>& lines) {
  return lines.empty() ? "none" : absl::StrJoin(lines, "\n  ");
}

// Where a SyncPod run starts from.
enum class Start {
  kNewPod,       // nothing of the pod exists yet
  kSandboxDied,  // the pod ran, then its sandbox's pause process died (containers still run)
};

const std::vector<Start>& Starts() {
  static const std::vector<Start> starts = {Start::kNewPod, Start::kSandboxDied};
  return starts;
}

std::string StartName(Start start) { return start == Start::kNewPod ? "new pod" : "sandbox died"; }

// Brings the pod to `start` with no fault (the plan is outside a phase).
void Prepare(FaultFixture& ff, const corev1::Pod& pod, Start start) {
  if (start == Start::kNewPod) return;
  if (!ff.SyncUntilConverged(pod).empty()) throw std::runtime_error("no convergence");
  for (const std::string& id : ff.f.runtime.SandboxIds()) {
    absl::StatusOr<cri::PodSandboxStatus> s = ff.f.runtime.InspectPodSandbox(id);
    if (s.ok() && s->state() == cri::SANDBOX_READY) (void)ff.f.runtime.KillPodSandbox(id);
  }
  ff.errors.clear();
}

// The mutating calls of a clean SyncPod run of the representative pod from `start`, until it
// converged.
const std::vector<Step>& SyncSteps(Start start) {
  static std::map<Start, std::vector<Step>> cache;
  auto it = cache.find(start);
  if (it != cache.end()) return it->second;
  log::CaptureSink quiet;
  FaultFixture ff;
  corev1::Pod pod = RepresentativePod();
  Prepare(ff, pod, start);
  ff.plan.StartPhase();
  std::vector<std::string> problems = ff.SyncUntilConverged(pod);
  ff.plan.EndPhase();
  if (!problems.empty() || !ff.errors.empty()) {
    throw std::runtime_error("the clean run does not converge: " + Describe(problems) +
                             Describe(ff.errors));
  }
  return cache[start] = ff.plan.Recorded();
}

// The mutating calls of a clean KillPod of the converged representative pod.
const std::vector<Step>& KillSteps() {
  static const std::vector<Step> steps = [] {
    log::CaptureSink quiet;
    FaultFixture ff;
    corev1::Pod pod = RepresentativePod();
    if (!ff.SyncUntilConverged(pod).empty()) throw std::runtime_error("no convergence");
    ff.plan.StartPhase();
    absl::Status killed = ff.f.manager->KillPod(&pod, ff.RunningPod(pod), std::nullopt);
    ff.plan.EndPhase();
    if (!killed.ok()) throw std::runtime_error(killed.ToString());
    return ff.plan.Recorded();
  }();
  return steps;
}

std::string StepList(const std::vector<Step>& steps) {
  std::vector<std::string> names;
  for (const Step& s : steps) names.push_back(s.Name());
  return absl::StrJoin(names, " ");
}

TEST_CASE("the recorded runs cover sandbox, pulls, init and app containers, hook and kill") {
  const std::vector<Step>& sync = SyncSteps(Start::kNewPod);
  const std::vector<Step>& replaced = SyncSteps(Start::kSandboxDied);
  const std::vector<Step>& kill = KillSteps();
  INFO("SyncPod: " << StepList(sync) << "\nSyncPod after the sandbox died: " << StepList(replaced)
                   << "\nKillPod: " << StepList(kill));
  std::multiset<std::string> methods;
  for (const Step& s : sync) methods.insert(s.method);
  CHECK(methods.count("RunPodSandbox") == 1);
  CHECK(methods.count("PullImage") == 3);
  CHECK(methods.count("CreateContainer") == 3);
  CHECK(methods.count("StartContainer") == 3);
  CHECK(methods.count("ExecSync") == 1);  // the postStart hook
  std::multiset<std::string> kills;
  for (const Step& s : kill) kills.insert(s.method);
  CHECK(kills.count("StopContainer") == 2);
  CHECK(kills.count("StopPodSandbox") == 1);
  // The replacement kills what still runs, removes the init container, then starts over.
  std::multiset<std::string> replacing;
  for (const Step& s : replaced) replacing.insert(s.method);
  CHECK(replacing.count("StopContainer") == 2);
  CHECK(replacing.count("StopPodSandbox") >= 1);
  CHECK(replacing.count("RemoveContainer") == 1);
  CHECK(replacing.count("RunPodSandbox") == 1);
  const size_t kinds = FaultKinds().size();
  WARN("fault enumeration: SyncPod (new pod) "
       << sync.size() << " mutating calls, SyncPod "
       << "(sandbox died) " << replaced.size() << ", KillPod " << kill.size() << "; x " << kinds
       << " faults = " << (sync.size() + replaced.size()) * kinds << " SyncPod cases and "
       << kill.size() * kinds << " KillPod cases");
}

TEST_CASE("any one failed mutating call of SyncPod is survived: the pod converges, nothing leaks") {
  for (Start start : Starts()) {
    const std::vector<Step>& steps = SyncSteps(start);
    REQUIRE(steps.size() >= 10);
    for (size_t k = 0; k < steps.size(); ++k) {
      for (const FaultKind& kind : FaultKinds()) {
        DYNAMIC_SECTION(StartName(start)
                        << ": step " << k << " " << steps[k].Name() << ": " << kind.Name()) {
          log::CaptureSink logs;
          FaultFixture ff;
          corev1::Pod pod = RepresentativePod();
          Prepare(ff, pod, start);
          const Fault fault = MakeFault(kind, steps[k]);
          ff.plan.Arm(steps[k], fault);
          ff.plan.StartPhase();
          std::vector<std::string> problems = ff.SyncUntilConverged(pod);
          ff.plan.EndPhase();
          INFO("sync errors:\n  " << Describe(ff.errors));
          REQUIRE(ff.plan.fired());
          // The fault was reported, not swallowed: in a sync result, or in the log for what is
          // done best effort (removing old init containers).
          std::vector<std::string> reports = ff.errors;
          for (const std::string& line : logs.Lines()) reports.push_back(line);
          CHECK(std::any_of(reports.begin(), reports.end(), [&](const std::string& r) {
            return absl::StrContains(r, fault.error.message());
          }));
          INFO("not converged:\n  " << Describe(problems));
          REQUIRE(problems.empty());
          std::vector<std::string> leaks = ff.CollectAndFindLeaks(pod);
          INFO("after GC:\n  " << Describe(leaks));
          CHECK(leaks.empty());
          std::vector<std::string> steady = ff.SteadyProblems(pod);
          INFO("steady state:\n  " << Describe(steady));
          CHECK(steady.empty());
        }
      }
    }
  }
}

TEST_CASE(
    "any one failed mutating call of KillPod is survived: a retry leaves nothing of the pod") {
  const std::vector<Step>& steps = KillSteps();
  REQUIRE(steps.size() >= 3);
  for (size_t k = 0; k < steps.size(); ++k) {
    for (const FaultKind& kind : FaultKinds()) {
      DYNAMIC_SECTION("step " << k << " " << steps[k].Name() << ": " << kind.Name()) {
        log::CaptureSink quiet;
        FaultFixture ff;
        corev1::Pod pod = RepresentativePod();
        REQUIRE(ff.SyncUntilConverged(pod).empty());
        ff.plan.Arm(steps[k], MakeFault(kind, steps[k]));
        ff.plan.StartPhase();
        absl::Status first = ff.f.manager->KillPod(&pod, ff.RunningPod(pod), std::nullopt);
        REQUIRE(ff.plan.fired());
        // As the pod workers do: the kill is retried, from a fresh status, until it succeeds.
        absl::Status retried = first;
        for (int i = 0; i < 3 && !retried.ok(); ++i) {
          ff.f.clock.Advance(kRoundPeriod);
          retried = ff.f.manager->KillPod(&pod, ff.RunningPod(pod), std::nullopt);
        }
        ff.plan.EndPhase();
        INFO("first KillPod: " << first.ToString());
        CHECK_FALSE(first.ok());
        REQUIRE(retried.ok());
        RuntimeView view = ViewOf(ff.f.runtime, pod);
        for (const cri::PodSandbox& s : view.sandboxes) CHECK(s.state() != cri::SANDBOX_READY);
        for (const cri::Container& c : view.containers) {
          INFO(c.metadata().name());
          CHECK(c.state() == cri::CONTAINER_EXITED);
        }
        // The pod is deleted: GC removes everything of it, logs included.
        ff.deleted.Delete(pod.metadata.uid);
        REQUIRE(ff.f.manager->GarbageCollect(KeepNothingDead(), true, false).ok());
        view = ViewOf(ff.f.runtime, pod);
        CHECK(view.sandboxes.empty());
        CHECK(view.containers.empty());
        CHECK_FALSE(std::filesystem::exists(
            absl::StrCat(ff.f.options.pod_logs_root, "/", pod.metadata.namespace_, "_",
                         pod.metadata.name, "_", pod.metadata.uid)));
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Slow calls: the deadline lives in the remote client, so these run through the gRPC fake server.

// The fakes served over gRPC, the remote client with a short request timeout, and a manager on it.
struct RemoteFixture {
  // Short, yet far above what a call to the fake takes on a loaded 2-core machine.
  static constexpr absl::Duration kTimeout = absl::Milliseconds(400);

  RemoteFixture() : images(clock), runtime(clock, &images), server(&runtime, &images) {
    ScriptRuntime(runtime);
    plan.Install(runtime, images);
    if (absl::Status started = server.Start(dir.Path("cri.sock")); !started.ok()) {
      throw std::runtime_error(started.ToString());
    }
    runtime::remote::RemoteOptions remote;
    remote.runtime_endpoint = server.endpoint();
    remote.request_timeout = kTimeout;
    remote.pull_image_timeout = kTimeout;
    absl::StatusOr<runtime::remote::RemoteServices> created =
        runtime::remote::CreateRemoteServices(remote);
    if (!created.ok()) throw std::runtime_error(created.status().ToString());
    services = *std::move(created);
    image_manager = std::make_unique<container::SimpleImageManager>(*services.image);
    KubeRuntimeManagerOptions options;
    options.pod_logs_root = dir.Path("logs");
    options.root_dir = dir.Path("root");
    // StopContainer's deadline is the grace period plus the request timeout: no grace, so that a
    // slow stop outlives it quickly.
    options.minimum_grace_period_seconds = 0;
    absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> made = KubeRuntimeManager::Create(
        *services.runtime, *services.image, *image_manager, clock, options);
    if (!made.ok()) throw std::runtime_error(made.status().ToString());
    manager = *std::move(made);
  }
  ~RemoteFixture() {
    manager.reset();
    server.Shutdown(absl::Seconds(1));
  }

  void Round(const corev1::Pod& pod) {
    absl::StatusOr<container::PodStatus> status =
        manager->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
    if (status.ok()) {
      container::PodSyncResult result = manager->SyncPod(pod, *status);
      if (!result.ok()) errors.push_back(std::string(result.Error().message()));
    } else {
      errors.push_back(std::string(status.status().message()));
    }
    // A call the client gave up on finishes in the fake before time moves on.
    if (!runtime.WaitForNoCallsInFlight() || !images.WaitForNoCallsInFlight()) {
      throw std::runtime_error("a slow call never finished");
    }
    clock.Advance(kRoundPeriod);
  }

  std::vector<std::string> SyncUntilConverged(const corev1::Pod& pod) {
    std::vector<std::string> problems;
    for (int i = 0; i < kMaxRounds; ++i) {
      Round(pod);
      problems = ConvergenceProblems(*manager, runtime, pod);
      if (problems.empty()) return problems;
    }
    return problems;
  }

  runtime::remote::TestSocketDir dir;
  testing::FakeClock clock;
  testing::FakeImageService images;
  testing::FakeRuntimeService runtime;
  testing::CriGrpcServer server;
  FaultPlan plan;
  runtime::remote::RemoteServices services;
  std::unique_ptr<container::SimpleImageManager> image_manager;
  std::unique_ptr<KubeRuntimeManager> manager;
  std::vector<std::string> errors;
};

// How long a call may take before the remote client gives up, as RemoteRuntimeService sets it;
// nullopt when it sets none (an exec without a timeout: the postStart hook here).
std::optional<absl::Duration> DeadlineOf(const std::string& method) {
  if (method == "ExecSync") return std::nullopt;
  if (method == "RunPodSandbox") return 2 * RemoteFixture::kTimeout;
  return RemoteFixture::kTimeout;
}

Fault SlowFault(absl::Duration deadline) {
  Fault fault;
  fault.delay = 2 * deadline + absl::Milliseconds(100);
  fault.delay_clock = DelayClock::kRealTime;
  return fault;
}

TEST_CASE(
    "a call slower than the request timeout fails the sync naming the RPC; the next converges") {
  const std::vector<Step>& steps = SyncSteps(Start::kNewPod);
  int slow_cases = 0;
  for (size_t k = 0; k < steps.size(); ++k) {
    std::optional<absl::Duration> deadline = DeadlineOf(steps[k].method);
    if (!deadline) continue;
    ++slow_cases;
    DYNAMIC_SECTION("step " << k << " " << steps[k].Name() << " is slow") {
      log::CaptureSink quiet;
      RemoteFixture rf;
      corev1::Pod pod = RepresentativePod();
      rf.plan.Arm(steps[k], SlowFault(*deadline));
      rf.plan.StartPhase();
      std::vector<std::string> problems = rf.SyncUntilConverged(pod);
      rf.plan.EndPhase();
      INFO("sync errors:\n  " << Describe(rf.errors));
      REQUIRE(rf.plan.fired());
      REQUIRE_FALSE(rf.errors.empty());
      CHECK(std::any_of(rf.errors.begin(), rf.errors.end(), [&](const std::string& e) {
        return absl::StrContains(e, steps[k].method) &&
               absl::StrContains(absl::AsciiStrToLower(e), "deadline");
      }));
      INFO("not converged:\n  " << Describe(problems));
      CHECK(problems.empty());
    }
  }
  CHECK(slow_cases >= 8);
}

TEST_CASE("a slow StopContainer or StopPodSandbox fails KillPod naming the RPC; a retry kills") {
  for (const char* method : {"StopContainer", "StopPodSandbox"}) {
    DYNAMIC_SECTION(method << " is slow") {
      log::CaptureSink quiet;
      RemoteFixture rf;
      corev1::Pod pod = RepresentativePod();
      REQUIRE(rf.SyncUntilConverged(pod).empty());
      auto running = [&] {
        absl::StatusOr<container::PodStatus> status =
            rf.manager->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
        if (!status.ok()) throw std::runtime_error(status.status().ToString());
        return container::ConvertPodStatusToRunningPod(rf.manager->Type(), *status);
      };
      rf.plan.Arm({method, 0}, SlowFault(RemoteFixture::kTimeout));
      rf.plan.StartPhase();
      absl::Status first = rf.manager->KillPod(&pod, running(), 0);
      REQUIRE(rf.runtime.WaitForNoCallsInFlight());
      REQUIRE(rf.plan.fired());
      CHECK_THAT(std::string(first.message()), Catch::Contains(method));
      CHECK(rf.manager->KillPod(&pod, running(), 0).ok());
      rf.plan.EndPhase();
      RuntimeView view = ViewOf(rf.runtime, pod);
      for (const cri::PodSandbox& s : view.sandboxes) CHECK(s.state() != cri::SANDBOX_READY);
      for (const cri::Container& c : view.containers) CHECK(c.state() == cri::CONTAINER_EXITED);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Answers with missing or corrupt fields.

struct Corruption {
  std::string rpc;
  std::string what;
  testing::CallRecorder::ResponseMutation mutate;
  // true: the manager refuses the answer (GetPodStatus, and GetPods for a list, fail naming the
  // RPC); false: the field is not one it needs, the answer is used as it is.
  bool rejected;
};

// Applies `f` to every `Item` the response holds: the entries of a list, or its status.
template <typename Item, typename F>
testing::CallRecorder::ResponseMutation OnItems(F f) {
  return [f](google::protobuf::Message& m) {
    const google::protobuf::Reflection* r = m.GetReflection();
    const google::protobuf::Descriptor* d = m.GetDescriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = d->field(i);
      if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      if (field->message_type() != Item::descriptor()) continue;
      if (field->is_repeated()) {
        for (int j = 0; j < r->FieldSize(m, field); ++j) {
          f(static_cast<Item&>(*r->MutableRepeatedMessage(&m, field, j)));
        }
      } else {
        f(static_cast<Item&>(*r->MutableMessage(&m, field)));
      }
    }
  };
}

std::vector<Corruption> Corruptions() {
  std::vector<Corruption> all;
  auto clear_status = [](google::protobuf::Message& m) {
    m.GetReflection()->ClearField(&m, m.GetDescriptor()->FindFieldByName("status"));
  };
  // Sandboxes: list entries and status. What both carry is corrupted in both.
  for (const char* rpc : {"ListPodSandbox", "PodSandboxStatus"}) {
    const bool list = absl::string_view(rpc) == "ListPodSandbox";
    auto sandbox = [&](std::string what, bool rejected, auto f) {
      all.push_back({rpc, what,
                     list ? OnItems<cri::PodSandbox>(f) : OnItems<cri::PodSandboxStatus>(f),
                     rejected});
    };
    sandbox("no metadata", true, [](auto& s) { s.clear_metadata(); });
    sandbox("an empty id", true, [](auto& s) { s.clear_id(); });
    sandbox("an unknown state", true,
            [](auto& s) { s.set_state(static_cast<cri::PodSandboxState>(7)); });
    // A list entry's creation time only orders the pods; a status needs it.
    sandbox("a zero creation time", !list, [](auto& s) { s.set_created_at(0); });
    // Listed by the pod's uid label, an entry without it contradicts the request.
    sandbox("no labels", list, [](auto& s) { s.clear_labels(); });
    if (!list) {
      all.push_back({rpc, "no status", clear_status, true});
      all.push_back({rpc, "no network",
                     OnItems<cri::PodSandboxStatus>([](auto& s) { s.clear_network(); }), false});
      all.push_back({rpc, "no linux namespaces",
                     OnItems<cri::PodSandboxStatus>([](auto& s) { s.clear_linux(); }), false});
    }
  }
  // Containers: list entries and status.
  for (const char* rpc : {"ListContainers", "ContainerStatus"}) {
    const bool list = absl::string_view(rpc) == "ListContainers";
    auto container = [&](std::string what, bool rejected, auto f) {
      all.push_back({rpc, what,
                     list ? OnItems<cri::Container>(f) : OnItems<cri::ContainerStatus>(f),
                     rejected});
    };
    container("no metadata", true, [](auto& c) { c.clear_metadata(); });
    container("an empty id", true, [](auto& c) { c.clear_id(); });
    container("an unknown state", true,
              [](auto& c) { c.set_state(static_cast<cri::ContainerState>(9)); });
    container("a zero creation time", !list, [](auto& c) { c.set_created_at(0); });
    container("no labels", list, [](auto& c) { c.clear_labels(); });
    // The spec hash is read from the status: without it a healthy container looks changed.
    container("no annotations", !list, [](auto& c) { c.clear_annotations(); });
    if (list) {
      all.push_back({rpc, "an empty sandbox id",
                     OnItems<cri::Container>([](auto& c) { c.clear_pod_sandbox_id(); }), false});
    } else {
      all.push_back({rpc, "no status", clear_status, true});
      all.push_back({rpc, "zero start and finish times", OnItems<cri::ContainerStatus>([](auto& c) {
                       c.set_started_at(0);
                       c.set_finished_at(0);
                     }),
                     false});
    }
  }
  return all;
}

TEST_CASE("another tool's container in an unknown state does not fail the relist") {
  FaultFixture ff;
  corev1::Pod pod = RepresentativePod();
  REQUIRE(ff.SyncUntilConverged(pod).empty());
  // Every list answer also carries a container without the pod uid label (not an agent's) in a
  // state this CRI version does not know.
  ff.f.runtime.InjectResponseMutation<cri::ListContainersResponse>(
      "ListContainers",
      [](cri::ListContainersResponse& response) {
        cri::Container* foreign = response.add_containers();
        foreign->set_id("f0reign");
        foreign->set_pod_sandbox_id("other-sandbox");
        foreign->mutable_metadata()->set_name("tool");
        foreign->set_state(static_cast<cri::ContainerState>(9));
        foreign->set_created_at(1);
      },
      testing::CallRecorder::kForever);
  absl::StatusOr<std::vector<container::Pod>> pods = ff.f.manager->GetPods(true);
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 1);
  for (const container::Pod& listed : *pods) {
    for (const container::Container& c : listed.containers) CHECK(c.id.id != "f0reign");
  }
}

TEST_CASE("corrupt answers to lists and statuses are refused or harmless; the pod recovers") {
  const std::vector<Corruption> corruptions = Corruptions();
  for (bool host_network : {false, true}) {
    for (const Corruption& corruption : corruptions) {
      DYNAMIC_SECTION(corruption.rpc << " answers with " << corruption.what
                                     << (host_network ? " (host network)" : " (pod network)")) {
        log::CaptureSink logs;
        FaultFixture ff;
        corev1::Pod pod = RepresentativePod();
        pod.spec.host_network = host_network;
        REQUIRE(ff.SyncUntilConverged(pod).empty());
        const RuntimeView before = ViewOf(ff.f.runtime, pod);

        // Every answer of the RPC is corrupt for three rounds of GetPods, GetPodStatus, SyncPod.
        ff.f.runtime.InjectResponseMutation(corruption.rpc, corruption.mutate,
                                            testing::CallRecorder::kForever);
        ff.f.ClearCalls();
        std::vector<std::string> errors;
        int refused = 0;
        for (int i = 0; i < 3; ++i) {
          absl::StatusOr<std::vector<container::Pod>> pods = ff.f.manager->GetPods(true);
          if (!pods.ok()) {
            errors.push_back(absl::StrCat("GetPods: ", pods.status().ToString()));
            CHECK_THAT(std::string(pods.status().message()), Catch::Contains(corruption.rpc));
          }
          absl::StatusOr<container::PodStatus> status = ff.f.manager->GetPodStatus(
              pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
          if (!status.ok()) {
            ++refused;
            errors.push_back(absl::StrCat("GetPodStatus: ", status.status().ToString()));
            CHECK_THAT(std::string(status.status().message()),
                       Catch::Contains(corruption.rpc) &&
                           Catch::Contains("invalid response from the runtime"));
          } else {
            container::PodSyncResult result = ff.f.manager->SyncPod(pod, *status);
            if (!result.ok())
              errors.push_back(absl::StrCat("SyncPod: ", result.Error().ToString()));
          }
          ff.f.clock.Advance(kRoundPeriod);
        }
        INFO("errors:\n  " << Describe(errors));
        CHECK(refused == (corruption.rejected ? 3 : 0));
        if (!corruption.rejected) CHECK(errors.empty());
        // Either way the manager did nothing to the runtime: no sandbox created because one
        // looked absent or not ready, no container killed, started or run again because its
        // status looked empty or changed.
        const std::vector<std::string> mutating = ff.f.MutatingCalls();
        INFO("mutating calls: " << absl::StrJoin(mutating, ","));
        CHECK(mutating.empty());

        ff.f.runtime.ClearInjections();
        ff.plan.Install(ff.f.runtime, ff.f.images);
        RuntimeView during = ViewOf(ff.f.runtime, pod);
        CHECK(during.sandboxes.size() == before.sandboxes.size());
        CHECK(during.containers.size() == before.containers.size());

        // The runtime answers properly again: the pod is as it was, nothing leaks.
        std::vector<std::string> problems = ff.SyncUntilConverged(pod);
        INFO("not converged:\n  " << Describe(problems));
        REQUIRE(problems.empty());
        std::vector<std::string> leaks = ff.CollectAndFindLeaks(pod);
        INFO("after GC:\n  " << Describe(leaks));
        CHECK(leaks.empty());
      }
    }
  }
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
