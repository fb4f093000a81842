// A runtime holding 100,000 containers (10,000 ready pods x 10 running containers, labelled as
// the kubelet labels them), served by tools/fake_cri_server in its own process, so the figures
// measured here are the client's alone:
// - without streaming lists (as containerd): the 50 MB ListContainers answer is over the
//   runtime's 16 MiB send limit; the client, the runtime manager and the node agent report
//   ResourceExhausted naming ListContainers, keep running and stay small;
// - with streaming lists: GetPods returns all 100,000 containers, in bounded memory;
// - with streaming lists over max_streamed_list_bytes: ResourceExhausted naming StreamContainers
//   and the option.
// Also: an ExecSync answer over 16 MiB fails the probe as unknown, naming ExecSync.
// The figures are printed for docs/reliability/bounds.md.
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kubelet_core/agent/node_agent.h"
#include "kubelet_core/container/simple_image_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "kubelet_core/pleg/cache.h"
#include "kubelet_core/pleg/generic_pleg.h"
#include "kubelet_core/prober/probe_test_util.h"
#include "kubelet_core/prober/prober.h"
#include "runtime/metrics/registry.h"
#include "runtime/remote/remote_services.h"
#include "runtime/util/clock.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"
#include "testing/fake_remote/cri_grpc_server.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"
#include "testing/memory_usage.h"

namespace krl {
namespace testing {
namespace {

constexpr int kPods = 10000;
constexpr int kContainersPerPod = 10;
constexpr int kContainers = kPods * kContainersPerPod;
// Seeding 100,000 containers through the fake's CRI calls takes about half a minute unoptimized
// on an idle 2-core machine, two minutes on a busy one.
constexpr absl::Duration kSeedTimeout = absl::Minutes(10);

std::string ServerBinary() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string root = srcdir != nullptr && workspace != nullptr
                         ? absl::StrCat(srcdir, "/", workspace, "/")
                         : std::string();
  return root + "tools/fake_cri_server/fake_cri_server";
}

// fake_cri_server in a child process that dies with this one.
class ServerProcess {
 public:
  ServerProcess(const std::string& socket, bool streaming_lists)
      : socket_(socket), endpoint_("unix://" + socket) {
    std::vector<std::string> args = {
        ServerBinary(),
        "--listen",
        endpoint_,
        absl::StrCat("--seed-pods=", kPods),
        absl::StrCat("--containers-per-pod=", kContainersPerPod),
        streaming_lists ? "--streaming-lists=true" : "--streaming-lists=false"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec: this process may have gRPC threads.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~ServerProcess() {
    ::kill(pid_, SIGTERM);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (absl::Now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // True once the socket exists (the server listens after seeding).
  bool WaitServing() {
    const absl::Time deadline = absl::Now() + kSeedTimeout;
    struct stat info;
    while (::lstat(socket_.c_str(), &info) != 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return false;  // it died
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return true;
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string socket_;
  std::string endpoint_;
  pid_t pid_ = -1;
};

// Both runtimes, started together once (they seed in parallel) for every test case.
struct Runtimes {
  Runtimes() {
    char pattern[] = "/tmp/krl-large-XXXXXX";
    dir = ::mkdtemp(pattern);
    unary = std::make_unique<ServerProcess>(dir + "/unary.sock", false);
    streaming = std::make_unique<ServerProcess>(dir + "/streaming.sock", true);
    const absl::Time start = absl::Now();
    serving = unary->WaitServing() && streaming->WaitServing();
    std::cout << "bounds: two fake runtimes of " << kContainers << " containers seeded in "
              << absl::FormatDuration(absl::Now() - start) << "\n";
  }
  ~Runtimes() {
    unary.reset();
    streaming.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  // Destroyed at exit: the servers are stopped and their folder removed (should the test die
  // instead, the servers die with it: PR_SET_PDEATHSIG).
  static Runtimes& Get() {
    static Runtimes runtimes;
    return runtimes;
  }

  std::string dir;
  std::unique_ptr<ServerProcess> unary;
  std::unique_ptr<ServerProcess> streaming;
  bool serving = false;
};

runtime::remote::RemoteServices Connect(
    const std::string& endpoint,
    int64_t max_streamed_list_bytes = runtime::remote::kDefaultMaxStreamedListBytes) {
  runtime::remote::RemoteOptions options;
  options.runtime_endpoint = endpoint;
  options.max_streamed_list_bytes = max_streamed_list_bytes;
  absl::StatusOr<runtime::remote::RemoteServices> services =
      runtime::remote::CreateRemoteServices(options);
  REQUIRE(services.ok());
  return *std::move(services);
}

bool AnyLine(const log::CaptureSink& logs, absl::string_view a, absl::string_view b) {
  for (const std::string& line : logs.Lines()) {
    if (absl::StrContains(line, a) && absl::StrContains(line, b)) return true;
  }
  return false;
}

TEST_CASE("a runtime without streaming lists and 100,000 containers: a clear error, no crash") {
  Runtimes& runtimes = Runtimes::Get();
  REQUIRE(runtimes.serving);
  runtime::remote::RemoteServices cri = Connect(runtimes.unary->endpoint());
  log::CaptureSink logs;

  PeakMemoryGrowth growth;
  absl::StatusOr<cri::ListContainersResponse> list =
      cri.runtime->ListContainers(cri::ListContainersRequest());
  std::cout << "bounds: unary ListContainers of " << kContainers << " containers: " << list.status()
            << "; peak memory growth " << growth.Describe() << "\n";
  REQUIRE(absl::IsResourceExhausted(list.status()));
  CHECK(absl::StartsWith(list.status().message(), "ListContainers: rpc error: "));
  CHECK(absl::StrContains(list.status().message(), "vs. 16777216"));
  CHECK(absl::StrContains(list.status().message(), "the runtime refused to send"));
  CHECK(growth.Bytes() < 64 * kMiB + kSanitizerAllowance);
  // The sandboxes (10,000, about 4 MB) still list: the client works, only the one list is refused.
  absl::StatusOr<cri::ListPodSandboxResponse> sandboxes =
      cri.runtime->ListPodSandbox(cri::ListPodSandboxRequest());
  REQUIRE(sandboxes.ok());
  CHECK(sandboxes->items_size() == kPods);

  SECTION("the runtime manager's GetPods names the failing RPC") {
    kubelet_core::container::SimpleImageManager images(*cri.image);
    auto manager = kubelet_core::kuberuntime::KubeRuntimeManager::Create(*cri.runtime, *cri.image,
                                                                         images, RealClock::Get());
    REQUIRE(manager.ok());
    PeakMemoryGrowth pods_growth;
    absl::StatusOr<std::vector<kubelet_core::container::Pod>> pods = (*manager)->GetPods(true);
    CHECK(absl::IsResourceExhausted(pods.status()));
    CHECK(absl::StrContains(pods.status().message(), "ListContainers"));
    CHECK(pods_growth.Bytes() < 64 * kMiB + kSanitizerAllowance);
  }

  SECTION("the node agent keeps running, its PLEG unhealthy, the log naming ListContainers") {
    FakeClock clock;
    kubelet_core::agent::NodeAgent::Options options;
    options.run_threads = false;
    options.runtime_manager.pod_logs_root = runtimes.dir + "/logs";
    options.runtime_manager.root_dir = runtimes.dir + "/root";
    runtime::metrics::Registry registry;
    auto agent =
        kubelet_core::agent::NodeAgent::Create(options, *cri.runtime, *cri.image, clock, &registry);
    REQUIRE(agent.ok());
    PeakMemoryGrowth agent_growth;
    (*agent)->Start();
    (*agent)->SetPods(std::vector<corev1::Pod>{});
    for (int i = 0; i < 5; ++i) {
      clock.Advance(absl::Minutes(1));
      (*agent)->Tick();
    }
    std::cout << "bounds: node agent on the unary runtime, 5 relists: peak memory growth "
              << agent_growth.Describe() << "\n";
    CHECK(agent_growth.Bytes() < 128 * kMiB + kSanitizerAllowance);
    CHECK(AnyLine(logs, "unable to retrieve pods", "ListContainers"));
    bool pleg_unhealthy = false;
    for (const auto& check : (*agent)->HealthChecks()) {
      if (check.name == "pleg") pleg_unhealthy = !check.status.ok();
    }
    CHECK(pleg_unhealthy);
    CHECK_FALSE((*agent)->NodeReady().ok());
    (*agent)->Stop();
  }
}

TEST_CASE("a runtime with streaming lists and 100,000 containers: GetPods has them all") {
  Runtimes& runtimes = Runtimes::Get();
  REQUIRE(runtimes.serving);
  runtime::remote::RemoteServices cri = Connect(runtimes.streaming->endpoint());
  kubelet_core::container::SimpleImageManager images(*cri.image);
  auto manager = kubelet_core::kuberuntime::KubeRuntimeManager::Create(*cri.runtime, *cri.image,
                                                                       images, RealClock::Get());
  REQUIRE(manager.ok());
  const absl::Time start = absl::Now();
  PeakMemoryGrowth growth;
  const int64_t before = ResidentBytes();
  absl::StatusOr<std::vector<kubelet_core::container::Pod>> pods = (*manager)->GetPods(true);
  const absl::Duration took = absl::Now() - start;
  REQUIRE(pods.ok());
  size_t containers = 0;
  for (const kubelet_core::container::Pod& pod : *pods) containers += pod.containers.size();
  ::malloc_trim(0);
  const int64_t held = ResidentBytes() - before;
  std::cout << "bounds: streamed GetPods of " << containers << " containers in " << pods->size()
            << " pods: " << absl::FormatDuration(took) << ", peak memory growth "
            << growth.Describe() << ", result held " << FormatMiB(held) << "\n";
  CHECK(pods->size() == kPods);
  CHECK(containers == kContainers);
  // The list is at most max_streamed_list_bytes (64 MiB) of messages; its peak cost is a small
  // multiple of that, not of the runtime's size.
  CHECK(growth.Bytes() < 512 * kMiB + kSanitizerAllowance);
}

TEST_CASE("a streamed list over max_streamed_list_bytes fails naming the RPC and the option") {
  Runtimes& runtimes = Runtimes::Get();
  REQUIRE(runtimes.serving);
  runtime::remote::RemoteServices cri = Connect(runtimes.streaming->endpoint(), 16 * kMiB);
  kubelet_core::container::SimpleImageManager images(*cri.image);
  auto manager = kubelet_core::kuberuntime::KubeRuntimeManager::Create(*cri.runtime, *cri.image,
                                                                       images, RealClock::Get());
  REQUIRE(manager.ok());
  PeakMemoryGrowth growth;
  absl::StatusOr<std::vector<kubelet_core::container::Pod>> pods = (*manager)->GetPods(true);
  std::cout << "bounds: streamed GetPods over a 16 MiB max_streamed_list_bytes: " << pods.status()
            << "; peak memory growth " << growth.Describe() << "\n";
  REQUIRE(absl::IsResourceExhausted(pods.status()));
  CHECK(absl::StartsWith(pods.status().message(), "StreamContainers: rpc error: "));
  CHECK(absl::StrContains(pods.status().message(), "max_streamed_list_bytes (16777216 bytes)"));
  CHECK(growth.Bytes() < 128 * kMiB + kSanitizerAllowance);
  // The client is fine: the same list fails the same way (no unary fallback, which would only
  // hit the 16 MiB message limit), other calls work.
  CHECK(absl::IsResourceExhausted((*manager)->GetPods(true).status()));
  CHECK(cri.runtime->Version(cri::VersionRequest()).ok());
}

TEST_CASE("an ExecSync answer over 16 MiB fails the probe as unknown, naming ExecSync") {
  kubelet_core::prober::ExecFixture f;
  f.runtime.ScriptExec({"flood"}, {std::string(20 * kMiB, 'f'), "", 0});
  f.runtime.ScriptExec({"chatty"}, {std::string(8 * kMiB, 'c'), "", 0});

  char pattern[] = "/tmp/krl-exec-XXXXXX";
  const std::string dir = ::mkdtemp(pattern);
  CriGrpcServer server(&f.runtime, nullptr);
  REQUIRE(server.Start("unix://" + dir + "/cri.sock").ok());
  runtime::remote::RemoteOptions options;
  options.runtime_endpoint = server.endpoint();
  auto remote = runtime::remote::RemoteRuntimeService::Create(options);
  REQUIRE(remote.ok());

  kubelet_core::prober::Prober prober(**remote);
  corev1::Probe probe = kubelet_core::prober::ExecProbe({"flood"}, /*timeout_seconds=*/5);
  kubelet_core::prober::ProbeOutcome flood = prober.Run(probe, f.container, f.target);
  std::cout << "bounds: exec probe answering 20 MiB: " << flood.output << "\n";
  CHECK(flood.result == kubelet_core::prober::ProbeResult::kUnknown);
  CHECK(absl::StrContains(flood.output, "ExecSync"));
  CHECK(absl::StrContains(flood.output, "vs. 16777216"));
  // 8 MiB gets through the limits; the probe keeps 10 KiB of it.
  probe.exec = corev1::ExecAction{{"chatty"}};
  kubelet_core::prober::ProbeOutcome chatty = prober.Run(probe, f.container, f.target);
  CHECK(chatty.result == kubelet_core::prober::ProbeResult::kSuccess);
  CHECK(chatty.output.size() == 10 * 1024);
  server.Shutdown();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace testing
}  // namespace krl
