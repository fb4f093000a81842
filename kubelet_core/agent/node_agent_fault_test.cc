// The node agent on the CRI fakes while a seeded share of the mutating CRI calls fails: every pod
// still converges within a bounded number of sync rounds, and after removal nothing is left.
//
// Which calls fail is decided from the seed and what each call is about (its pod, container and
// attempt, and how often that same call came before), not from the order calls arrive in, so a
// seed reproduces the same faults whatever the threads do:
//
//   bazel test //kubelet_core/agent:node_agent_fault_test --test_env=KRL_FAULT_SEED=12345
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/agent/agent_test_env.h"
#include "kubelet_core/agent/node_agent.h"
#include "kubelet_core/container/pod.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/manager_test_fixture.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/log.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

constexpr int kPods = 50;
// Percent of mutating calls that fail.
constexpr uint64_t kFailurePercent = 10;
constexpr uint64_t kDefaultSeed = 20260101;
// Sync rounds (1 s of fake time each) the pods get to converge: a pod whose calls keep failing
// is retried every error_backoff (10 s), an image pull after its back-off (10 s, doubling).
constexpr int kMaxRounds = 300;

uint64_t Seed() {
  uint64_t seed = kDefaultSeed;
  if (const char* env = getenv("KRL_FAULT_SEED")) {
    if (!absl::SimpleAtoi(env, &seed)) FAIL("KRL_FAULT_SEED is not a number: " << env);
  }
  return seed;
}

// FNV-1a, then a splitmix64 finalizer: the same on every platform, unlike std::hash.
uint64_t Hash(uint64_t seed, const std::string& key) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

corev1::Pod MakePod(int i) {
  corev1::Pod pod;
  pod.metadata.name = absl::StrCat("pod-", i);
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = absl::StrCat("uid-", i);
  pod.spec.host_network = i % 2 == 0;
  pod.spec.termination_grace_period_seconds = 1;
  corev1::Container& c = pod.spec.containers.emplace_back();
  c.name = "app";
  c.image = absl::StrCat("krl.test/app-", i % 5, ":1");
  c.image_pull_policy = corev1::PullPolicy::kIfNotPresent;
  c.command = {"sleep", "3600"};
  if (i % 5 == 0) {
    corev1::Container& init = pod.spec.init_containers.emplace_back();
    init.name = "setup";
    init.image = "krl.test/setup:1";
    init.image_pull_policy = corev1::PullPolicy::kIfNotPresent;
    init.command = {"true"};
  }
  return pod;
}

// Fails kFailurePercent of the mutating calls of both fakes while enabled. A call is named by its
// method, the pod uid, container name and attempt it concerns (looked up in the fake for calls
// that carry only an id) and how many times that same name came before.
class RandomFaults {
 public:
  RandomFaults(uint64_t seed, testing::FakeRuntimeService& runtime)
      : seed_(seed), runtime_(runtime) {}

  void Install(testing::FakeRuntimeService& runtime, testing::FakeImageService& images) {
    auto hook = [this](absl::string_view method, const google::protobuf::Message& request) {
      return Decide(method, request);
    };
    runtime.SetFaultHook(hook);
    images.SetFaultHook(hook);
  }
  void Enable(bool enabled) {
    krl::MutexLock lock(&mu_);
    enabled_ = enabled;
  }
  int failed() const {
    krl::MutexLock lock(&mu_);
    return failed_;
  }
  int decided() const {
    krl::MutexLock lock(&mu_);
    return decided_;
  }

 private:
  std::string SandboxKey(const std::string& id) const {
    absl::StatusOr<cri::PodSandboxStatus> s = runtime_.InspectPodSandbox(id);
    if (!s.ok()) return id;
    return absl::StrCat(s->metadata().uid(), "/sandbox/", s->metadata().attempt());
  }
  std::string ContainerKey(const std::string& id) const {
    absl::StatusOr<cri::ContainerStatus> c = runtime_.InspectContainer(id);
    if (!c.ok()) return id;
    const std::string* uid = kuberuntime::FindLabel(c->labels(), kuberuntime::kPodUIDLabel);
    return absl::StrCat(uid == nullptr ? "" : *uid, "/", c->metadata().name(), "/",
                        c->metadata().attempt());
  }

  // What the call is about, independent of ids and arrival order.
  std::string Subject(absl::string_view method, const google::protobuf::Message& request) const {
    if (auto* r = dynamic_cast<const cri::RunPodSandboxRequest*>(&request)) {
      return absl::StrCat(r->config().metadata().uid(), "/sandbox/",
                          r->config().metadata().attempt());
    }
    if (auto* r = dynamic_cast<const cri::CreateContainerRequest*>(&request)) {
      return absl::StrCat(r->sandbox_config().metadata().uid(), "/", r->config().metadata().name(),
                          "/", r->config().metadata().attempt());
    }
    if (auto* r = dynamic_cast<const cri::PullImageRequest*>(&request)) {
      return r->image().image();  // one pull may serve several pods
    }
    if (auto* r = dynamic_cast<const cri::StopPodSandboxRequest*>(&request)) {
      return SandboxKey(r->pod_sandbox_id());
    }
    if (auto* r = dynamic_cast<const cri::RemovePodSandboxRequest*>(&request)) {
      return SandboxKey(r->pod_sandbox_id());
    }
    // The remaining mutating calls name one container.
    const google::protobuf::FieldDescriptor* id =
        request.GetDescriptor()->FindFieldByName("container_id");
    if (id != nullptr) return ContainerKey(request.GetReflection()->GetString(request, id));
    return std::string(method);
  }

  testing::Fault Decide(absl::string_view method, const google::protobuf::Message& request) {
    if (!kuberuntime::IsMutatingCall(std::string(method))) return testing::Fault();
    {
      krl::MutexLock lock(&mu_);
      if (!enabled_) return testing::Fault();
    }
    // Looked up before taking the lock: it reads the fake.
    const std::string subject = Subject(method, request);
    krl::MutexLock lock(&mu_);
    const std::string key = absl::StrCat(method, " ", subject);
    const uint64_t h = Hash(seed_, absl::StrCat(key, "#", seen_[key]++));
    ++decided_;
    if (h % 100 >= kFailurePercent) return testing::Fault();
    ++failed_;
    static const absl::StatusCode kCodes[] = {absl::StatusCode::kUnavailable,
                                              absl::StatusCode::kDeadlineExceeded,
                                              absl::StatusCode::kInternal};
    testing::Fault fault;
    fault.error = absl::Status(kCodes[(h >> 8) % 3], absl::StrCat("injected fault: ", key));
    fault.after_effect = (h >> 16) % 2 == 1;
    return fault;
  }

  const uint64_t seed_;
  testing::FakeRuntimeService& runtime_;
  mutable krl::Mutex mu_;
  bool enabled_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int> seen_ ABSL_GUARDED_BY(mu_);
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  int decided_ ABSL_GUARDED_BY(mu_) = 0;
};

// The agent on the fakes with the seeded faults installed; Step() is one sync round.
class Env : public AgentTestEnv {
 public:
  explicit Env(uint64_t seed) : AgentTestEnv("krl-agent-fault"), faults_(seed, runtime()) {
    testing::FakeRuntimeService::ContainerScript setup;
    setup.exit_after = absl::Seconds(1);
    runtime().ScriptContainer("setup", setup);
    faults_.Install(runtime(), images());
  }
  // The agent goes before the faults its runtime's hooks call.
  ~Env() override { ResetAgent(); }

  NodeAgent& Start() {
    NodeAgent::Options options = Options();
    // Garbage collection keeps no dead container, so that every leftover shows.
    options.container_gc.max_per_pod_container = 0;
    // One pod worker: the pods' calls come in one order, so a seed replays the same run.
    options.pod_workers = 1;
    return AgentTestEnv::Start(options);
  }

  // What keeps the pods from being converged, read from the runtime and the agent's statuses.
  std::vector<std::string> Problems(const std::vector<corev1::Pod>& pods) {
    std::vector<std::string> problems;
    std::map<std::string, int> ready_sandboxes;
    for (const std::string& id : runtime().SandboxIds()) {
      absl::StatusOr<cri::PodSandboxStatus> s = runtime().InspectPodSandbox(id);
      if (s.ok() && s->state() == cri::SANDBOX_READY) ++ready_sandboxes[s->metadata().uid()];
    }
    std::map<std::string, int> running;  // "<uid>/<name>"
    for (const std::string& id : runtime().ContainerIds()) {
      absl::StatusOr<cri::ContainerStatus> c = runtime().InspectContainer(id);
      if (!c.ok() || c->state() != cri::CONTAINER_RUNNING) continue;
      const std::string* uid = kuberuntime::FindLabel(c->labels(), kuberuntime::kPodUIDLabel);
      ++running[absl::StrCat(uid == nullptr ? "?" : *uid, "/", c->metadata().name())];
    }
    for (const corev1::Pod& pod : pods) {
      const std::string& uid = pod.metadata.uid;
      if (ready_sandboxes[uid] != 1) {
        problems.push_back(absl::StrCat(uid, ": ", ready_sandboxes[uid], " ready sandboxes"));
      }
      if (running[uid + "/app"] != 1) {
        problems.push_back(absl::StrCat(uid, ": ", running[uid + "/app"], " app containers run"));
      }
      std::optional<corev1::Pod> seen = agent().GetPod(uid);
      if (!seen || seen->status.phase != corev1::PodPhase::kRunning) {
        problems.push_back(absl::StrCat(uid, ": not Running in the agent's status"));
      }
    }
    return problems;
  }

  RandomFaults& faults() { return faults_; }

 private:
  RandomFaults faults_;
};

TEST_CASE("with 10% of mutating CRI calls failing, 50 pods converge and removal leaves nothing") {
  const uint64_t seed = Seed();
  WARN("fault seed " << seed << " (KRL_FAULT_SEED=" << seed << " reproduces this run)");
  log::CaptureSink quiet;
  Env env(seed);
  NodeAgent& agent = env.Start();
  std::vector<corev1::Pod> pods;
  for (int i = 0; i < kPods; ++i) pods.push_back(MakePod(i));

  // Start: every pod converges.
  env.faults().Enable(true);
  agent.SetPods(pods);
  env.Settle();
  std::vector<std::string> problems = env.Problems(pods);
  int rounds = 0;
  while (!problems.empty() && rounds < kMaxRounds) {
    env.Step();
    ++rounds;
    problems = env.Problems(pods);
  }
  INFO("seed " << seed << ", after " << rounds << " rounds, " << env.faults().failed() << " of "
               << env.faults().decided() << " mutating calls failed; not converged:\n  "
               << absl::StrJoin(problems, "\n  "));
  REQUIRE(problems.empty());
  CHECK(env.faults().failed() > 0);
  const int start_rounds = rounds;
  const int start_failures = env.faults().failed();

  // Faults keep coming while the pods run (resyncs, GC): nothing changes, nothing leaks.
  for (int i = 0; i < 30; ++i) env.Step();
  agent.RunGarbageCollection(false);
  for (int i = 0; i < 30; ++i) env.Step();
  problems = env.Problems(pods);
  INFO("steady:\n  " << absl::StrJoin(problems, "\n  "));
  CHECK(problems.empty());
  // With the runtime healthy again, GC leaves exactly one sandbox and one container per pod.
  env.faults().Enable(false);
  env.Step();
  agent.RunGarbageCollection(false);
  CHECK(env.runtime().SandboxIds().size() == static_cast<size_t>(kPods));
  CHECK(env.runtime().ContainerIds().size() == static_cast<size_t>(kPods));

  // Removal: every pod is killed (retried until it succeeds) and collected.
  env.faults().Enable(true);
  agent.SetPods(std::vector<corev1::Pod>{});
  env.Settle();
  // Live sandboxes and containers, plus pods whose kill has not succeeded yet (a kill that failed
  // after stopping everything is retried; until then GC keeps the pod's objects).
  auto live = [&] {
    int n = 0;
    for (const auto& [uid, state] : agent.pod_workers().States()) n += state.terminating;
    for (const std::string& id : env.runtime().SandboxIds()) {
      n += env.runtime().InspectPodSandbox(id)->state() == cri::SANDBOX_READY;
    }
    for (const std::string& id : env.runtime().ContainerIds()) {
      n += env.runtime().InspectContainer(id)->state() == cri::CONTAINER_RUNNING;
    }
    return n;
  };
  rounds = 0;
  while (live() > 0 && rounds < kMaxRounds) {
    env.Step();
    ++rounds;
  }
  INFO("removal: " << live() << " sandboxes, containers and kills still live after " << rounds
                   << " rounds");
  REQUIRE(live() == 0);
  const int removal_rounds = rounds;
  env.faults().Enable(false);
  env.Step();
  agent.RunGarbageCollection(false);
  CHECK(env.runtime().SandboxIds().empty());
  CHECK(env.runtime().ContainerIds().empty());
  WARN("seed " << seed << ": " << kPods << " pods converged in " << start_rounds << " rounds with "
               << start_failures << " failed calls; removed in " << removal_rounds << " rounds; "
               << env.faults().failed() << " of " << env.faults().decided()
               << " mutating calls failed in all");
}

}  // namespace
}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
