#include "testing/fakes/fake_runtime_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"

namespace krl {
namespace testing {
namespace {

constexpr char kImage[] = "registry.example/app:1.0";

bool IsHexId(const std::string& id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

cri::PodSandboxConfig PodConfig(const std::string& name,
                                std::map<std::string, std::string> labels = {}) {
  cri::PodSandboxConfig config;
  config.mutable_metadata()->set_name(name);
  config.mutable_metadata()->set_namespace_("default");
  config.mutable_metadata()->set_uid("uid-" + name);
  // As the kubelet sets it; containerd needs it for sandbox stats.
  config.mutable_linux()->set_cgroup_parent("/kubepods/besteffort/poduid-" + name);
  for (const auto& [k, v] : labels) (*config.mutable_labels())[k] = v;
  return config;
}

// Collects the events of one subscription; waits return whether enough arrived in time.
class EventCollector {
 public:
  runtime::ContainerEventHandlers Handlers() {
    return {[this](cri::ContainerEventResponse event) {
              krl::MutexLock lock(&mu_);
              events_.push_back(std::move(event));
            },
            [this](const absl::Status& status) {
              krl::MutexLock lock(&mu_);
              done_.push_back(status);
            }};
  }

  bool WaitForEvents(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    krl::MutexLock lock(&mu_);
    auto enough = [this, count]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return events_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  bool WaitForDone(absl::Duration timeout = absl::Seconds(10)) {
    krl::MutexLock lock(&mu_);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !done_.empty(); };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

  std::vector<cri::ContainerEventResponse> Events() {
    krl::MutexLock lock(&mu_);
    return events_;
  }

  std::vector<absl::Status> Done() {
    krl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  krl::Mutex mu_;
  std::vector<cri::ContainerEventResponse> events_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> done_ ABSL_GUARDED_BY(mu_);
};

// A fake runtime with one image present, and helpers that go through the CRI calls.
struct Fixture {
  explicit Fixture(FakeRuntimeService::Options options = {})
      : images(clock), runtime(clock, &images, options) {
    REQUIRE(images.AddImage({kImage}).ok());
  }

  std::string RunPod(const std::string& name, std::map<std::string, std::string> labels = {}) {
    cri::RunPodSandboxRequest request;
    *request.mutable_config() = PodConfig(name, std::move(labels));
    auto response = runtime.RunPodSandbox(request);
    REQUIRE(response.ok());
    configs[response->pod_sandbox_id()] = request.config();
    return response->pod_sandbox_id();
  }

  absl::StatusOr<std::string> TryCreate(const std::string& pod, const std::string& name,
                                        const std::string& image = kImage,
                                        std::map<std::string, std::string> labels = {},
                                        uint32_t attempt = 0) {
    cri::CreateContainerRequest request;
    request.set_pod_sandbox_id(pod);
    request.mutable_config()->mutable_metadata()->set_name(name);
    request.mutable_config()->mutable_metadata()->set_attempt(attempt);
    request.mutable_config()->mutable_image()->set_image(image);
    request.mutable_config()->set_log_path(name + "/0.log");
    for (const auto& [k, v] : labels) (*request.mutable_config()->mutable_labels())[k] = v;
    auto config = configs.find(pod);
    if (config != configs.end()) *request.mutable_sandbox_config() = config->second;
    auto response = runtime.CreateContainer(request);
    if (!response.ok()) return response.status();
    return response->container_id();
  }

  std::string Create(const std::string& pod, const std::string& name,
                     std::map<std::string, std::string> labels = {}) {
    auto id = TryCreate(pod, name, kImage, std::move(labels));
    REQUIRE(id.ok());
    return *id;
  }

  absl::Status Start(const std::string& id) {
    cri::StartContainerRequest request;
    request.set_container_id(id);
    return runtime.StartContainer(request).status();
  }

  std::string CreateAndStart(const std::string& pod, const std::string& name,
                             std::map<std::string, std::string> labels = {}) {
    std::string id = Create(pod, name, std::move(labels));
    REQUIRE(Start(id).ok());
    return id;
  }

  absl::Status Stop(const std::string& id, int64_t timeout = 10) {
    cri::StopContainerRequest request;
    request.set_container_id(id);
    request.set_timeout(timeout);
    return runtime.StopContainer(request).status();
  }

  absl::Status StopPod(const std::string& id) {
    cri::StopPodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    return runtime.StopPodSandbox(request).status();
  }

  absl::Status RemovePod(const std::string& id) {
    cri::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    return runtime.RemovePodSandbox(request).status();
  }

  absl::Status RemoveContainer(const std::string& id) {
    cri::RemoveContainerRequest request;
    request.set_container_id(id);
    return runtime.RemoveContainer(request).status();
  }

  absl::StatusOr<cri::ContainerStatus> Status(const std::string& id) {
    cri::ContainerStatusRequest request;
    request.set_container_id(id);
    auto response = runtime.ContainerStatus(request);
    if (!response.ok()) return response.status();
    return response->status();
  }

  absl::StatusOr<cri::PodSandboxStatus> PodStatus(const std::string& id) {
    cri::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(id);
    auto response = runtime.PodSandboxStatus(request);
    if (!response.ok()) return response.status();
    return response->status();
  }

  std::vector<std::string> ListContainerIds(const cri::ContainerFilter& filter) {
    cri::ListContainersRequest request;
    *request.mutable_filter() = filter;
    auto response = runtime.ListContainers(request);
    REQUIRE(response.ok());
    std::vector<std::string> ids;
    for (const auto& c : response->containers()) ids.push_back(c.id());
    return ids;
  }

  std::vector<std::string> ListPodIds(const cri::PodSandboxFilter& filter) {
    cri::ListPodSandboxRequest request;
    *request.mutable_filter() = filter;
    auto response = runtime.ListPodSandbox(request);
    REQUIRE(response.ok());
    std::vector<std::string> ids;
    for (const auto& s : response->items()) ids.push_back(s.id());
    return ids;
  }

  FakeClock clock;
  FakeImageService images;
  FakeRuntimeService runtime;
  std::map<std::string, cri::PodSandboxConfig> configs;
};

int64_t Nanos(absl::Time t) { return absl::ToUnixNanos(t); }

// ---------------------------------------------------------------------------------------------
// Sandboxes and containers: state machines, ids, timestamps

TEST_CASE("a sandbox runs ready with a 64-hex id, its metadata and the clock's creation time") {
  Fixture f;
  std::string pod = f.RunPod("web", {{"app", "web"}});
  CHECK(IsHexId(pod));
  auto status = f.PodStatus(pod);
  REQUIRE(status.ok());
  CHECK(status->id() == pod);
  CHECK(status->state() == cri::SANDBOX_READY);
  CHECK(status->created_at() == Nanos(f.clock.Now()));
  CHECK(status->metadata().name() == "web");
  CHECK(status->labels().at("app") == "web");
  CHECK(!status->network().ip().empty());
}

TEST_CASE("a container moves from created to running to exited with timestamps from the clock") {
  Fixture f;
  std::string pod = f.RunPod("web");
  const absl::Time created = f.clock.Now();
  std::string id = f.Create(pod, "app");
  CHECK(IsHexId(id));
  auto status = f.Status(id);
  REQUIRE(status.ok());
  CHECK(status->state() == cri::CONTAINER_CREATED);
  CHECK(status->created_at() == Nanos(created));
  CHECK(status->started_at() == 0);

  f.clock.Advance(absl::Seconds(2));
  REQUIRE(f.Start(id).ok());
  status = f.Status(id);
  CHECK(status->state() == cri::CONTAINER_RUNNING);
  CHECK(status->started_at() == Nanos(created + absl::Seconds(2)));
  CHECK(status->finished_at() == 0);

  f.clock.Advance(absl::Seconds(3));
  REQUIRE(f.Stop(id, 10).ok());
  status = f.Status(id);
  CHECK(status->state() == cri::CONTAINER_EXITED);
  CHECK(status->finished_at() == Nanos(created + absl::Seconds(5)));
  CHECK(status->exit_code() == 143);  // ended by SIGTERM
  CHECK(status->reason() == "Error");
  CHECK(status->metadata().name() == "app");
}

TEST_CASE("a container cannot be started twice, with containerd's Unknown error") {
  Fixture f;
  std::string id = f.CreateAndStart(f.RunPod("web"), "app");
  absl::Status again = f.Start(id);
  CHECK(again.code() == absl::StatusCode::kUnknown);
  CHECK(again.message() == "failed to set starting state for container \"" + id +
                               "\": container is in CONTAINER_RUNNING state");
  REQUIRE(f.Stop(id).ok());
  CHECK(f.Start(id).code() == absl::StatusCode::kUnknown);
}

TEST_CASE("a stop with no grace period kills the container with exit code 137") {
  Fixture f;
  std::string id = f.CreateAndStart(f.RunPod("web"), "app");
  REQUIRE(f.Stop(id, 0).ok());
  auto status = f.Status(id);
  CHECK(status->exit_code() == 137);
  CHECK(status->reason() == "Error");
}

TEST_CASE("stopping a created container leaves it created, as containerd does") {
  Fixture f;
  std::string id = f.Create(f.RunPod("web"), "app");
  REQUIRE(f.Stop(id).ok());
  CHECK(f.Status(id)->state() == cri::CONTAINER_CREATED);
  REQUIRE(f.RemoveContainer(id).ok());
  CHECK(absl::IsNotFound(f.Status(id).status()));
}

TEST_CASE("stopping and removing are idempotent, also for ids that never existed") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  REQUIRE(f.Stop(id).ok());
  REQUIRE(f.Stop(id).ok());
  auto first = f.Status(id);
  REQUIRE(f.RemoveContainer(id).ok());
  REQUIRE(f.RemoveContainer(id).ok());
  REQUIRE(f.StopPod(pod).ok());
  REQUIRE(f.StopPod(pod).ok());
  REQUIRE(f.RemovePod(pod).ok());
  REQUIRE(f.RemovePod(pod).ok());
  const std::string missing(64, 'f');
  CHECK(f.Stop(missing).ok());
  CHECK(f.RemoveContainer(missing).ok());
  CHECK(f.StopPod(missing).ok());
  CHECK(f.RemovePod(missing).ok());
}

TEST_CASE("unknown ids are NotFound with containerd's messages") {
  Fixture f;
  const std::string missing = "nosuchid";
  auto status = f.Status(missing);
  CHECK(status.status().code() == absl::StatusCode::kNotFound);
  CHECK(status.status().message() ==
        "an error occurred when try to find container \"nosuchid\": not found");
  auto pod = f.PodStatus(missing);
  CHECK(pod.status().code() == absl::StatusCode::kNotFound);
  CHECK(pod.status().message() == "an error occurred when try to find sandbox: not found");
  CHECK(absl::IsNotFound(f.Start(missing)));

  cri::ExecSyncRequest exec;
  exec.set_container_id(missing);
  auto exec_result = f.runtime.ExecSync(exec);
  CHECK(exec_result.status().message() ==
        "failed to exec in container: failed to find container \"nosuchid\" in store: not found");
  CHECK(absl::IsNotFound(exec_result.status()));

  cri::ContainerStatsRequest stats;
  stats.set_container_id(missing);
  CHECK(absl::IsNotFound(f.runtime.ContainerStats(stats).status()));
  cri::PodSandboxStatsRequest pod_stats;
  pod_stats.set_pod_sandbox_id(missing);
  CHECK(absl::IsNotFound(f.runtime.PodSandboxStats(pod_stats).status()));
  cri::UpdateContainerResourcesRequest update;
  update.set_container_id(missing);
  CHECK(absl::IsNotFound(f.runtime.UpdateContainerResources(update).status()));
  cri::ReopenContainerLogRequest reopen;
  reopen.set_container_id(missing);
  CHECK(absl::IsNotFound(f.runtime.ReopenContainerLog(reopen).status()));
  cri::ExecRequest exec_stream;
  exec_stream.set_container_id(missing);
  CHECK(absl::IsNotFound(f.runtime.Exec(exec_stream).status()));
  cri::AttachRequest attach;
  attach.set_container_id(missing);
  CHECK(absl::IsNotFound(f.runtime.Attach(attach).status()));
  cri::PortForwardRequest forward;
  forward.set_pod_sandbox_id(missing);
  CHECK(absl::IsNotFound(f.runtime.PortForward(forward).status()));
  CHECK(absl::IsNotFound(f.TryCreate(missing, "app").status()));
}

TEST_CASE("an empty id is an error even for stop and remove, as containerd's id index refuses it") {
  Fixture f;
  absl::Status stop = f.Stop("");
  CHECK(stop.code() == absl::StatusCode::kUnknown);
  CHECK(stop.message() ==
        "an error occurred when try to find container \"\": Prefix can't be empty");
  CHECK(f.RemoveContainer("").code() == absl::StatusCode::kUnknown);
  CHECK(f.StopPod("").code() == absl::StatusCode::kUnknown);
  CHECK(f.RemovePod("").code() == absl::StatusCode::kUnknown);
}

TEST_CASE("truncated ids resolve when unique and are an error when ambiguous") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::vector<std::string> ids;
  // 17 ids over 16 possible first digits: two share a one-character prefix.
  for (int i = 0; i < 17; ++i) ids.push_back(f.Create(pod, "c" + std::to_string(i)));
  CHECK(f.Status(ids[0].substr(0, 12))->id() == ids[0]);
  std::map<char, int> first_digits;
  for (const std::string& id : ids) ++first_digits[id[0]];
  char shared = 0;
  for (const auto& [digit, count] : first_digits) {
    if (count > 1) shared = digit;
  }
  REQUIRE(shared != 0);
  auto ambiguous = f.Status(std::string(1, shared));
  CHECK(ambiguous.status().code() == absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(ambiguous.status().message(), "Multiple IDs found with provided prefix"));
  CHECK(f.PodStatus(pod.substr(0, 8))->id() == pod);
}

TEST_CASE("StopPodSandbox kills the sandbox's running containers and makes it not ready") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string running = f.CreateAndStart(pod, "app");
  std::string created = f.Create(pod, "sidecar");
  REQUIRE(f.StopPod(pod).ok());
  auto status = f.PodStatus(pod);
  CHECK(status->state() == cri::SANDBOX_NOTREADY);
  CHECK(status->network().ip().empty());  // the network namespace is gone
  CHECK(f.Status(running)->state() == cri::CONTAINER_EXITED);
  CHECK(f.Status(running)->exit_code() == 137);
  CHECK(f.Status(created)->state() == cri::CONTAINER_CREATED);
}

TEST_CASE("RemovePodSandbox removes the sandbox and every container in it") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string other_pod = f.RunPod("db");
  std::string a = f.CreateAndStart(pod, "app");
  std::string b = f.Create(pod, "sidecar");
  std::string other = f.CreateAndStart(other_pod, "db");
  REQUIRE(f.RemovePod(pod).ok());
  CHECK(absl::IsNotFound(f.PodStatus(pod).status()));
  CHECK(absl::IsNotFound(f.Status(a).status()));
  CHECK(absl::IsNotFound(f.Status(b).status()));
  CHECK(f.Status(other)->state() == cri::CONTAINER_RUNNING);
  CHECK(f.runtime.ContainerIds() == std::vector<std::string>{other});
  // The name is free again.
  cri::RunPodSandboxRequest again;
  *again.mutable_config() = PodConfig("web");
  CHECK(f.runtime.RunPodSandbox(again).ok());
}

TEST_CASE("CreateContainer in a not-ready sandbox fails with NotFound like containerd") {
  Fixture f;
  std::string pod = f.RunPod("web");
  REQUIRE(f.StopPod(pod).ok());
  auto id = f.TryCreate(pod, "app");
  CHECK(id.status().code() == absl::StatusCode::kNotFound);
  CHECK(id.status().message() ==
        "failed to get sandbox container task: no running task found: task " + pod +
            " not found: not found");
}

TEST_CASE("CreateContainer with an image that is not present fails with NotFound") {
  Fixture f;
  std::string pod = f.RunPod("web");
  auto id = f.TryCreate(pod, "app", "registry.example/absent:2.0");
  CHECK(id.status().code() == absl::StatusCode::kNotFound);
  CHECK(id.status().message() ==
        "failed to resolve image \"registry.example/absent:2.0\": not found");
  CHECK(absl::IsNotFound(f.TryCreate(pod, "empty", "").status()));
  // After a pull the same request succeeds.
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("registry.example/absent:2.0");
  REQUIRE(f.images.PullImage(pull).ok());
  CHECK(f.TryCreate(pod, "app", "registry.example/absent:2.0").ok());
}

TEST_CASE("configs without metadata are refused with containerd's messages") {
  Fixture f;
  cri::RunPodSandboxRequest run;
  auto sandbox = f.runtime.RunPodSandbox(run);
  CHECK(sandbox.status().code() == absl::StatusCode::kUnknown);
  CHECK(sandbox.status().message() == "sandbox config must include metadata");

  std::string pod = f.RunPod("web");
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod);
  create.mutable_config()->mutable_image()->set_image(kImage);
  auto container = f.runtime.CreateContainer(create);
  CHECK(container.status().code() == absl::StatusCode::kUnknown);
  CHECK(container.status().message() == "container config must include metadata");
}

TEST_CASE("a container name and attempt is reserved in its pod until the container is removed") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string first = f.Create(pod, "app");
  auto duplicate = f.TryCreate(pod, "app");
  CHECK(duplicate.status().code() == absl::StatusCode::kUnknown);
  const std::string name = "app_web_default_uid-web_0";
  CHECK(duplicate.status().message() == "failed to reserve container name \"" + name +
                                            "\": name \"" + name + "\" is reserved for \"" + first +
                                            "\"");
  CHECK(f.TryCreate(pod, "app", kImage, {}, /*attempt=*/1).ok());
  REQUIRE(f.RemoveContainer(first).ok());
  CHECK(f.TryCreate(pod, "app").ok());
}

TEST_CASE("a duplicate sandbox name and an unknown runtime handler are refused") {
  Fixture f;
  std::string pod = f.RunPod("web");
  cri::RunPodSandboxRequest again;
  *again.mutable_config() = PodConfig("web");
  auto duplicate = f.runtime.RunPodSandbox(again);
  CHECK(duplicate.status().code() == absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(duplicate.status().message(), "is reserved for \"" + pod + "\""));

  cri::RunPodSandboxRequest handler;
  *handler.mutable_config() = PodConfig("other");
  handler.set_runtime_handler("kata");
  auto refused = f.runtime.RunPodSandbox(handler);
  CHECK(refused.status().message() ==
        "failed to get sandbox runtime: no runtime for \"kata\" is configured");
  handler.set_runtime_handler("runc");
  auto accepted = f.runtime.RunPodSandbox(handler);
  REQUIRE(accepted.ok());
  CHECK(f.PodStatus(accepted->pod_sandbox_id())->runtime_handler() == "runc");
}

// ---------------------------------------------------------------------------------------------
// Filters

TEST_CASE("ListContainers honours the id, state, sandbox and label filters as containerd does") {
  Fixture f;
  std::string web = f.RunPod("web");
  std::string db = f.RunPod("db");
  std::string a = f.CreateAndStart(web, "a", {{"tier", "front"}});
  f.clock.Advance(absl::Seconds(1));
  std::string b = f.Create(web, "b", {{"tier", "back"}});
  f.clock.Advance(absl::Seconds(1));
  std::string c = f.CreateAndStart(db, "c", {{"tier", "back"}, {"x", "y"}});
  REQUIRE(f.Stop(c).ok());

  CHECK(f.ListContainerIds({}) == std::vector<std::string>{a, b, c});  // creation order

  cri::ContainerFilter by_id;
  by_id.set_id(b);
  CHECK(f.ListContainerIds(by_id) == std::vector<std::string>{b});
  by_id.set_id(b.substr(0, 10));  // a truncated id resolves
  CHECK(f.ListContainerIds(by_id) == std::vector<std::string>{b});
  by_id.set_id("0000nomatch");
  CHECK(f.ListContainerIds(by_id).empty());

  cri::ContainerFilter by_state;
  by_state.mutable_state()->set_state(cri::CONTAINER_RUNNING);
  CHECK(f.ListContainerIds(by_state) == std::vector<std::string>{a});
  by_state.mutable_state()->set_state(cri::CONTAINER_CREATED);  // the zero value, still a filter
  CHECK(f.ListContainerIds(by_state) == std::vector<std::string>{b});
  by_state.mutable_state()->set_state(cri::CONTAINER_EXITED);
  CHECK(f.ListContainerIds(by_state) == std::vector<std::string>{c});

  cri::ContainerFilter by_pod;
  by_pod.set_pod_sandbox_id(web);
  CHECK(f.ListContainerIds(by_pod) == std::vector<std::string>{a, b});
  by_pod.set_pod_sandbox_id(db.substr(0, 12));
  CHECK(f.ListContainerIds(by_pod) == std::vector<std::string>{c});

  cri::ContainerFilter by_label;
  (*by_label.mutable_label_selector())["tier"] = "back";
  CHECK(f.ListContainerIds(by_label) == std::vector<std::string>{b, c});
  (*by_label.mutable_label_selector())["x"] = "y";
  CHECK(f.ListContainerIds(by_label) == std::vector<std::string>{c});

  cri::ContainerFilter combined;
  combined.set_pod_sandbox_id(web);
  (*combined.mutable_label_selector())["tier"] = "back";
  CHECK(f.ListContainerIds(combined) == std::vector<std::string>{b});
}

TEST_CASE("ListPodSandbox honours the id, state and label filters") {
  Fixture f;
  std::string web = f.RunPod("web", {{"app", "web"}});
  f.clock.Advance(absl::Seconds(1));
  std::string db = f.RunPod("db", {{"app", "db"}});
  REQUIRE(f.StopPod(db).ok());

  CHECK(f.ListPodIds({}) == std::vector<std::string>{web, db});
  cri::PodSandboxFilter by_id;
  by_id.set_id(db.substr(0, 6));
  CHECK(f.ListPodIds(by_id) == std::vector<std::string>{db});
  by_id.set_id("zzz");
  CHECK(f.ListPodIds(by_id).empty());
  cri::PodSandboxFilter by_state;
  by_state.mutable_state()->set_state(cri::SANDBOX_READY);
  CHECK(f.ListPodIds(by_state) == std::vector<std::string>{web});
  by_state.mutable_state()->set_state(cri::SANDBOX_NOTREADY);
  CHECK(f.ListPodIds(by_state) == std::vector<std::string>{db});
  cri::PodSandboxFilter by_label;
  (*by_label.mutable_label_selector())["app"] = "db";
  CHECK(f.ListPodIds(by_label) == std::vector<std::string>{db});
  (*by_label.mutable_label_selector())["missing"] = "x";
  CHECK(f.ListPodIds(by_label).empty());
}

TEST_CASE("list items carry image, labels and the sandbox link") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.Create(pod, "app", {{"k", "v"}});
  cri::ListContainersRequest request;
  auto response = f.runtime.ListContainers(request);
  REQUIRE(response->containers_size() == 1);
  const cri::Container& c = response->containers(0);
  CHECK(c.pod_sandbox_id() == pod);
  CHECK(c.image().image() == kImage);
  CHECK(absl::StartsWith(c.image_ref(), "sha256:"));
  CHECK(c.labels().at("k") == "v");
  CHECK(c.metadata().name() == "app");
}

// ---------------------------------------------------------------------------------------------
// Scripting

TEST_CASE("a scripted exit happens when the fake clock passes it, and its event is published") {
  Fixture f;
  std::string pod = f.RunPod("web");
  FakeRuntimeService::ContainerScript script;
  script.exit_after = absl::Seconds(30);
  script.exit_code = 3;
  f.runtime.ScriptContainer("job", script);
  std::string id = f.Create(pod, "job");
  const absl::Time started = f.clock.Now();
  REQUIRE(f.Start(id).ok());

  EventCollector events;
  cri::GetEventsRequest request;
  auto subscription = f.runtime.GetContainerEvents(request, events.Handlers());
  REQUIRE(subscription.ok());

  f.clock.Advance(absl::Seconds(29));
  CHECK(f.Status(id)->state() == cri::CONTAINER_RUNNING);
  f.clock.Advance(absl::Seconds(5));
  REQUIRE(events.WaitForEvents(1));
  auto event = events.Events()[0];
  CHECK(event.container_id() == id);
  CHECK(event.container_event_type() == cri::CONTAINER_STOPPED_EVENT);
  CHECK(event.pod_sandbox_status().id() == pod);
  REQUIRE(event.containers_statuses_size() == 1);
  CHECK(event.containers_statuses(0).state() == cri::CONTAINER_EXITED);

  auto status = f.Status(id);
  CHECK(status->state() == cri::CONTAINER_EXITED);
  CHECK(status->exit_code() == 3);
  CHECK(status->reason() == "Error");
  CHECK(status->finished_at() == Nanos(started + absl::Seconds(30)));  // the scripted instant
}

TEST_CASE("a container that exits 0 reports Completed") {
  Fixture f;
  std::string pod = f.RunPod("web");
  FakeRuntimeService::ContainerScript script;
  script.exit_after = absl::ZeroDuration();
  f.runtime.ScriptContainer("init", script);
  std::string id = f.CreateAndStart(pod, "init");
  auto status = f.Status(id);
  CHECK(status->state() == cri::CONTAINER_EXITED);
  CHECK(status->exit_code() == 0);
  CHECK(status->reason() == "Completed");
}

TEST_CASE("an OOM-killed container reports exit code 137 and reason OOMKilled") {
  Fixture f;
  std::string pod = f.RunPod("web");
  FakeRuntimeService::ContainerScript script;
  script.exit_after = absl::Minutes(1);
  script.oom_killed = true;
  f.runtime.ScriptContainer("hog", script);
  std::string scripted = f.CreateAndStart(pod, "hog");
  std::string direct = f.CreateAndStart(pod, "other");
  REQUIRE(f.runtime.OomKillContainer(direct).ok());
  f.clock.Advance(absl::Minutes(1));
  for (const std::string& id : {scripted, direct}) {
    auto status = f.Status(id);
    CHECK(status->state() == cri::CONTAINER_EXITED);
    CHECK(status->exit_code() == 137);
    CHECK(status->reason() == "OOMKilled");
  }
}

TEST_CASE("a container scripted to fail at start is left exited with StartError") {
  Fixture f;
  std::string pod = f.RunPod("web");
  FakeRuntimeService::ContainerScript script;
  script.start_error = absl::UnknownError(
      "failed to create containerd task: exec: \"nope\": executable file not found in $PATH");
  f.runtime.ScriptContainer("broken", script);
  std::string id = f.Create(pod, "broken");
  absl::Status start = f.Start(id);
  CHECK(start == script.start_error);
  auto status = f.Status(id);
  CHECK(status->state() == cri::CONTAINER_EXITED);
  CHECK(status->exit_code() == 128);
  CHECK(status->reason() == "StartError");
  CHECK(status->message() == script.start_error.message());
  CHECK(status->started_at() == 0);
  CHECK(status->finished_at() == Nanos(f.clock.Now()));
}

TEST_CASE("starting a container whose sandbox stopped fails and leaves it exited") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.Create(pod, "app");
  REQUIRE(f.runtime.KillPodSandbox(pod).ok());
  absl::Status start = f.Start(id);
  CHECK(start.message() == "sandbox container \"" + pod + "\" is not running");
  CHECK(f.Status(id)->reason() == "StartError");
}

TEST_CASE("a container that ignores SIGTERM is killed after the grace period on the clock") {
  Fixture f;
  std::string pod = f.RunPod("web");
  FakeRuntimeService::ContainerScript script;
  script.ignore_sigterm = true;
  f.runtime.ScriptContainer("stubborn", script);
  std::string id = f.CreateAndStart(pod, "stubborn");
  std::thread stopper([&] { CHECK(f.Stop(id, 30).ok()); });
  REQUIRE(f.clock.WaitForSleepers(1));
  CHECK(f.Status(id)->state() == cri::CONTAINER_RUNNING);
  f.clock.Advance(absl::Seconds(30));
  stopper.join();
  CHECK(f.Status(id)->exit_code() == 137);
}

TEST_CASE("a container the runtime lost is UNKNOWN until stopped, then EXITED") {
  Fixture f;
  std::string id = f.CreateAndStart(f.RunPod("web"), "app");
  REQUIRE(f.runtime.MarkContainerUnknown(id).ok());
  CHECK(f.Status(id)->state() == cri::CONTAINER_UNKNOWN);
  REQUIRE(f.Stop(id).ok());
  auto status = f.Status(id);
  CHECK(status->state() == cri::CONTAINER_EXITED);
  CHECK(status->exit_code() == 255);
  CHECK(status->reason() == "Unknown");
}

TEST_CASE("a sandbox whose pause process died is not ready while its containers run on") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  REQUIRE(f.runtime.KillPodSandbox(pod).ok());
  CHECK(f.PodStatus(pod)->state() == cri::SANDBOX_NOTREADY);
  CHECK(f.Status(id)->state() == cri::CONTAINER_RUNNING);
}

TEST_CASE("ExecSync answers scripted output per command, exit 0 and no output by default") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string a = f.CreateAndStart(pod, "a");
  std::string b = f.CreateAndStart(pod, "b");
  f.runtime.ScriptExec({"cat", "/ready"}, {"ok\n", "", 0});
  f.runtime.ScriptExecIn(b, {"cat", "/ready"}, {"", "missing\n", 1});

  cri::ExecSyncRequest request;
  request.set_container_id(a);
  request.add_cmd("cat");
  request.add_cmd("/ready");
  auto result = f.runtime.ExecSync(request);
  REQUIRE(result.ok());
  CHECK(result->stdout() == "ok\n");
  CHECK(result->exit_code() == 0);

  request.set_container_id(b);
  result = f.runtime.ExecSync(request);
  CHECK(result->stderr() == "missing\n");
  CHECK(result->exit_code() == 1);

  request.clear_cmd();
  request.add_cmd("true");
  result = f.runtime.ExecSync(request);
  CHECK(result->exit_code() == 0);
  CHECK(result->stdout().empty());
}

TEST_CASE("an ExecSync that outlives its timeout is DeadlineExceeded after the timeout") {
  Fixture f;
  std::string id = f.CreateAndStart(f.RunPod("web"), "app");
  f.runtime.ScriptExec({"sleep", "100"}, {"", "", 0, absl::Seconds(100)});
  cri::ExecSyncRequest request;
  request.set_container_id(id);
  request.add_cmd("sleep");
  request.add_cmd("100");
  request.set_timeout(5);
  absl::Status result;
  std::thread caller([&] { result = f.runtime.ExecSync(request).status(); });
  REQUIRE(f.clock.WaitForSleepers(1));
  f.clock.Advance(absl::Seconds(5));
  caller.join();
  CHECK(result.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(result.message() ==
        "failed to exec in container: timeout 5s exceeded: context deadline exceeded");
}

TEST_CASE("ExecSync in a container that is not running fails like containerd") {
  Fixture f;
  std::string id = f.Create(f.RunPod("web"), "app");
  cri::ExecSyncRequest request;
  request.set_container_id(id);
  request.add_cmd("true");
  auto result = f.runtime.ExecSync(request);
  CHECK(result.status().code() == absl::StatusCode::kUnknown);
  CHECK(result.status().message() ==
        "failed to exec in container: container is in CONTAINER_CREATED state");
}

TEST_CASE("an exec handler answers from the container and the time, after exact scripts") {
  Fixture f;
  std::string pod = f.RunPod("web");
  const absl::Time started = f.clock.Now();
  std::string id = f.CreateAndStart(pod, "app");
  std::vector<FakeRuntimeService::ExecContext> seen;
  krl::Mutex mu;
  // Healthy for the container's first 10 s; commands other than "health" are left to the
  // default answer.
  f.runtime.SetExecHandler([&](const FakeRuntimeService::ExecContext& context)
                               -> std::optional<FakeRuntimeService::ExecResult> {
    {
      krl::MutexLock lock(&mu);
      seen.push_back(context);
    }
    if (context.cmd != std::vector<std::string>{"health"}) return std::nullopt;
    if (context.now - context.started_at < absl::Seconds(10))
      return FakeRuntimeService::ExecResult{"fine\n", "", 0};
    return FakeRuntimeService::ExecResult{"", "gone\n", 1};
  });
  f.runtime.SetDefaultExecResult({"default\n", "", 0});

  auto exec = [&](const std::string& container, std::vector<std::string> cmd) {
    cri::ExecSyncRequest request;
    request.set_container_id(container);
    for (const std::string& arg : cmd) request.add_cmd(arg);
    auto result = f.runtime.ExecSync(request);
    REQUIRE(result.ok());
    return *result;
  };
  CHECK(exec(id, {"health"}).stdout() == "fine\n");
  {
    krl::MutexLock lock(&mu);
    REQUIRE(seen.size() == 1);
    const FakeRuntimeService::ExecContext& context = seen[0];
    CHECK(context.container_id == id);
    CHECK(context.container_name == "app");
    CHECK(context.pod.name() == "web");
    CHECK(context.pod.namespace_() == "default");
    CHECK(context.pod.uid() == "uid-web");
    CHECK(context.started_at == started);
    CHECK(context.now == started);
    CHECK(context.cmd == std::vector<std::string>{"health"});
  }
  CHECK(exec(id, {"other"}).stdout() == "default\n");  // nullopt: the default answers
  f.clock.Advance(absl::Seconds(10));
  cri::ExecSyncResponse late = exec(id, {"health"});
  CHECK(late.exit_code() == 1);
  CHECK(late.stderr() == "gone\n");

  // A new container's time counts from its own start.
  std::string fresh = f.CreateAndStart(pod, "fresh");
  CHECK(exec(fresh, {"health"}).exit_code() == 0);

  // Exact scripts win over the handler, the per-container one first.
  f.runtime.ScriptExec({"health"}, {"scripted\n", "", 0});
  CHECK(exec(id, {"health"}).stdout() == "scripted\n");
  f.runtime.ScriptExecIn(id, {"health"}, {"in\n", "", 0});
  CHECK(exec(id, {"health"}).stdout() == "in\n");
  CHECK(exec(fresh, {"health"}).stdout() == "scripted\n");

  // Removed: the default answers again, the handler is not asked.
  f.runtime.SetExecHandler(nullptr);
  size_t asked = 0;
  {
    krl::MutexLock lock(&mu);
    asked = seen.size();
  }
  CHECK(exec(id, {"other"}).stdout() == "default\n");
  krl::MutexLock lock(&mu);
  CHECK(seen.size() == asked);
}

TEST_CASE("an exec handler runs without the fake's lock and its delay sleeps on the clock") {
  Fixture f;
  std::string id = f.CreateAndStart(f.RunPod("web"), "app");
  // Inspecting the fake from the handler would deadlock if ExecSync still held its lock.
  f.runtime.SetExecHandler([&](const FakeRuntimeService::ExecContext& context)
                               -> std::optional<FakeRuntimeService::ExecResult> {
    auto status = f.runtime.InspectContainer(context.container_id);
    FakeRuntimeService::ExecResult result;
    result.stdout_data = status.ok() ? cri::ContainerState_Name(status->state()) : "?";
    result.delay = absl::Seconds(3);
    return result;
  });
  cri::ExecSyncRequest request;
  request.set_container_id(id);
  request.add_cmd("state");
  request.set_timeout(2);
  absl::Status timed_out;
  std::thread caller([&] { timed_out = f.runtime.ExecSync(request).status(); });
  REQUIRE(f.clock.WaitForSleepers(1));
  f.clock.Advance(absl::Seconds(2));
  caller.join();
  CHECK(timed_out.code() == absl::StatusCode::kDeadlineExceeded);

  request.set_timeout(10);
  absl::StatusOr<cri::ExecSyncResponse> answered;
  std::thread second([&] { answered = f.runtime.ExecSync(request); });
  REQUIRE(f.clock.WaitForSleepers(1));
  f.clock.Advance(absl::Seconds(3));
  second.join();
  REQUIRE(answered.ok());
  CHECK(answered->stdout() == "CONTAINER_RUNNING");
}

TEST_CASE("Exec, Attach and PortForward return streaming URLs for live objects") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  cri::ExecRequest exec;
  exec.set_container_id(id);
  exec.add_cmd("sh");
  exec.set_stdout(true);
  auto url = f.runtime.Exec(exec);
  REQUIRE(url.ok());
  CHECK(absl::StartsWith(url->url(), "http://127.0.0.1:10010/exec/"));
  exec.set_stdout(false);
  CHECK(absl::IsInvalidArgument(f.runtime.Exec(exec).status()));
  cri::AttachRequest attach;
  attach.set_container_id(id);
  attach.set_stdout(true);
  CHECK(absl::StrContains(f.runtime.Attach(attach)->url(), "/attach/"));
  cri::PortForwardRequest forward;
  forward.set_pod_sandbox_id(pod);
  CHECK(absl::StrContains(f.runtime.PortForward(forward)->url(), "/portforward/"));
  REQUIRE(f.StopPod(pod).ok());
  CHECK(f.runtime.PortForward(forward).status().message() == "sandbox container is not running");
  CHECK(f.runtime.Attach(attach).status().message() == "container is in CONTAINER_EXITED state");
}

// ---------------------------------------------------------------------------------------------
// Error injection, latency, call recording

TEST_CASE("injected errors answer the next calls in order, change nothing, then run out") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.Create(pod, "app");
  f.runtime.InjectError("StartContainer", absl::UnavailableError("runtime restarting"), 2);
  f.runtime.InjectError("StartContainer", absl::DeadlineExceededError("slow"));
  CHECK(f.Start(id) == absl::UnavailableError("runtime restarting"));
  CHECK(f.Status(id)->state() == cri::CONTAINER_CREATED);
  CHECK(absl::IsUnavailable(f.Start(id)));
  CHECK(absl::IsDeadlineExceeded(f.Start(id)));
  CHECK(f.Start(id).ok());
  CHECK(f.runtime.CallCount("StartContainer") == 4);

  f.runtime.InjectError("Version", absl::InternalError("down"), CallRecorder::kForever);
  for (int i = 0; i < 3; ++i) CHECK(absl::IsInternal(f.runtime.Version({}).status()));
  f.runtime.ClearInjections();
  CHECK(f.runtime.Version({}).ok());
}

TEST_CASE("injected latency holds a call until the fake clock advances") {
  Fixture f;
  f.runtime.SetLatency("Version", absl::Seconds(3));
  bool done = false;
  std::thread caller([&] {
    CHECK(f.runtime.Version({}).ok());
    done = true;
  });
  REQUIRE(f.clock.WaitForSleepers(1));
  CHECK_FALSE(done);
  f.clock.Advance(absl::Seconds(3));
  caller.join();
  CHECK(done);
}

TEST_CASE("an injected delay holds one StopContainer until the fake clock passes it") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  f.runtime.InjectDelay("StopContainer", absl::Seconds(90));
  absl::Status stopped;  // checked after join: Catch2 assertions are not thread safe
  std::thread caller([&] {
    cri::StopContainerRequest stop;
    stop.set_container_id(id);
    stop.set_timeout(10);
    stopped = f.runtime.StopContainer(stop).status();
  });
  REQUIRE(f.clock.WaitForSleepers(1));
  CHECK(f.runtime.InspectContainer(id)->state() == cri::CONTAINER_RUNNING);
  f.clock.Advance(absl::Seconds(90));
  caller.join();
  CHECK(stopped.ok());
  CHECK(f.runtime.InspectContainer(id)->state() == cri::CONTAINER_EXITED);
}

TEST_CASE("an error after the effect leaves the sandbox and container created") {
  Fixture f;
  f.runtime.InjectErrorAfterEffect("RunPodSandbox", absl::DeadlineExceededError("lost"));
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("web");
  CHECK(absl::IsDeadlineExceeded(f.runtime.RunPodSandbox(run).status()));
  REQUIRE(f.runtime.SandboxIds().size() == 1);
  // The name stays reserved, as in containerd: a retry with the same attempt fails.
  CHECK_FALSE(f.runtime.RunPodSandbox(run).ok());
  const std::string pod = f.runtime.SandboxIds()[0];
  f.configs[pod] = run.config();
  f.runtime.InjectErrorAfterEffect("CreateContainer", absl::UnavailableError("lost"));
  CHECK(absl::IsUnavailable(f.TryCreate(pod, "app").status()));
  CHECK(f.runtime.ContainerIds().size() == 1);
}

TEST_CASE("response mutations corrupt lists and statuses without touching the fake's state") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  f.runtime.InjectResponseMutation<cri::ListPodSandboxResponse>(
      "ListPodSandbox", [](cri::ListPodSandboxResponse& r) {
        r.mutable_items(0)->clear_metadata();
        r.mutable_items(0)->set_created_at(0);
      });
  f.runtime.InjectResponseMutation<cri::ContainerStatusResponse>(
      "ContainerStatus", [](cri::ContainerStatusResponse& r) {
        r.mutable_status()->set_state(static_cast<cri::ContainerState>(42));
        r.mutable_status()->clear_id();
      });
  f.runtime.InjectResponseMutation<cri::PodSandboxStatusResponse>(
      "PodSandboxStatus", [](cri::PodSandboxStatusResponse& r) { r.clear_status(); });
  f.runtime.InjectResponseMutation<cri::StreamContainersResponse>(
      "StreamContainers",
      [](cri::StreamContainersResponse& r) { r.mutable_containers(0)->clear_id(); });

  auto sandboxes = f.runtime.ListPodSandbox({});
  REQUIRE(sandboxes.ok());
  CHECK_FALSE(sandboxes->items(0).has_metadata());
  CHECK(sandboxes->items(0).created_at() == 0);
  cri::ContainerStatusRequest status;
  status.set_container_id(id);
  auto container = f.runtime.ContainerStatus(status);
  REQUIRE(container.ok());
  CHECK(container->status().state() == 42);
  CHECK(container->status().id().empty());
  cri::PodSandboxStatusRequest sandbox_status;
  sandbox_status.set_pod_sandbox_id(pod);
  auto sandbox = f.runtime.PodSandboxStatus(sandbox_status);
  REQUIRE(sandbox.ok());
  CHECK_FALSE(sandbox->has_status());
  std::vector<cri::Container> streamed;
  REQUIRE(f.runtime
              .StreamContainers({},
                                [&](cri::StreamContainersResponse&& m) {
                                  for (auto& c : m.containers()) streamed.push_back(c);
                                })
              .ok());
  REQUIRE(streamed.size() == 1);
  CHECK(streamed[0].id().empty());

  // One response each: the next answers are whole again, and the state never changed.
  CHECK(f.runtime.ListPodSandbox({})->items(0).metadata().name() == "web");
  CHECK(f.runtime.ContainerStatus(status)->status().state() == cri::CONTAINER_RUNNING);
  CHECK(f.runtime.PodSandboxStatus(sandbox_status)->status().id() == pod);
  CHECK(f.runtime.InspectContainer(id)->id() == id);
}

TEST_CASE("calls are recorded in order with their requests") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  REQUIRE(f.runtime.AssertCalls({"RunPodSandbox", "CreateContainer", "StartContainer"}).ok());
  absl::Status mismatch = f.runtime.AssertCalls({"RunPodSandbox", "StartContainer"});
  CHECK(absl::IsFailedPrecondition(mismatch));
  CHECK(
      absl::StrContains(mismatch.message(), "call 1 is CreateContainer, expected StartContainer"));
  CHECK(f.runtime.AssertCallsInclude({"RunPodSandbox", "StartContainer"}).ok());
  CHECK_FALSE(f.runtime.AssertCallsInclude({"StartContainer", "RunPodSandbox"}).ok());

  auto starts = f.runtime.RequestsTo<cri::StartContainerRequest>("StartContainer");
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].container_id() == id);
  CHECK(f.runtime.CallsTo("RunPodSandbox")[0].time == f.clock.Now());
  f.runtime.ClearCalls();
  CHECK(f.runtime.CallNames().empty());
  // Inspection helpers are not calls.
  CHECK(f.runtime.InspectContainer(id).ok());
  CHECK(f.runtime.CallNames().empty());
}

// ---------------------------------------------------------------------------------------------
// Events

TEST_CASE("every state change is published in order to every subscriber") {
  Fixture f;
  EventCollector first, second;
  auto sub1 = f.runtime.GetContainerEvents({}, first.Handlers());
  auto sub2 = f.runtime.GetContainerEvents({}, second.Handlers());
  REQUIRE(sub1.ok());
  REQUIRE(sub2.ok());
  CHECK(f.runtime.EventSubscriberCount() == 2);

  std::string pod = f.RunPod("web");
  std::string id = f.CreateAndStart(pod, "app");
  REQUIRE(f.Stop(id).ok());
  REQUIRE(f.RemoveContainer(id).ok());
  REQUIRE(f.RemovePod(pod).ok());

  auto name = [&](const std::string& object, cri::ContainerEventType type) {
    std::string who = object == pod ? "pod " : object == id ? "container " : object + " ";
    return who + cri::ContainerEventType_Name(type);
  };
  const std::vector<std::string> expected = {
      name(pod, cri::CONTAINER_CREATED_EVENT), name(pod, cri::CONTAINER_STARTED_EVENT),
      name(id, cri::CONTAINER_CREATED_EVENT),  name(id, cri::CONTAINER_STARTED_EVENT),
      name(id, cri::CONTAINER_STOPPED_EVENT),  name(id, cri::CONTAINER_DELETED_EVENT),
      name(pod, cri::CONTAINER_STOPPED_EVENT), name(pod, cri::CONTAINER_DELETED_EVENT),
  };
  for (EventCollector* collector : {&first, &second}) {
    REQUIRE(collector->WaitForEvents(expected.size()));
    std::vector<std::string> seen;
    for (const auto& e : collector->Events()) {
      seen.push_back(name(e.container_id(), e.container_event_type()));
      CHECK(e.created_at() == Nanos(f.clock.Now()));
    }
    CHECK(seen == expected);
  }
  auto events = first.Events();
  CHECK(events[3].containers_statuses(0).state() == cri::CONTAINER_RUNNING);
  CHECK(events[3].pod_sandbox_status().state() == cri::SANDBOX_READY);
  CHECK_FALSE(events.back().has_pod_sandbox_status());  // the sandbox is gone by then
}

TEST_CASE("a cancelled subscription reports OK once and receives nothing more") {
  Fixture f;
  EventCollector events;
  auto subscription = f.runtime.GetContainerEvents({}, events.Handlers());
  REQUIRE(subscription.ok());
  f.RunPod("web");
  REQUIRE(events.WaitForEvents(2));
  (*subscription)->Cancel();
  (*subscription)->Cancel();
  REQUIRE(events.WaitForDone());
  f.RunPod("db");
  subscription->reset();  // joins the delivery thread
  CHECK(events.Events().size() == 2);
  REQUIRE(events.Done().size() == 1);
  CHECK(events.Done()[0].ok());
  CHECK(f.runtime.EventSubscriberCount() == 0);
}

TEST_CASE("broken event streams and a destroyed runtime end subscriptions with the error") {
  EventCollector broken, destroyed;
  std::unique_ptr<runtime::ContainerEventSubscription> kept;
  {
    Fixture f;
    auto a = f.runtime.GetContainerEvents({}, broken.Handlers());
    REQUIRE(a.ok());
    f.runtime.BreakEventStreams(absl::UnavailableError("containerd restarted"));
    REQUIRE(broken.WaitForDone());
    CHECK(broken.Done()[0] == absl::UnavailableError("containerd restarted"));
    auto b = f.runtime.GetContainerEvents({}, destroyed.Handlers());
    REQUIRE(b.ok());
    kept = std::move(*b);
  }
  REQUIRE(destroyed.WaitForDone());
  CHECK(absl::IsUnavailable(destroyed.Done()[0]));
  kept.reset();
  CHECK(destroyed.Done().size() == 1);
}

TEST_CASE("with the real clock a scripted exit fires by itself") {
  FakeImageService images(RealClock::Get());
  REQUIRE(images.AddImage({kImage}).ok());
  FakeRuntimeService runtime(RealClock::Get(), &images);
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("web");
  auto pod = runtime.RunPodSandbox(run);
  REQUIRE(pod.ok());
  FakeRuntimeService::ContainerScript script;
  script.exit_after = absl::Milliseconds(20);
  script.exit_code = 7;
  runtime.ScriptContainer("quick", script);
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod->pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("quick");
  create.mutable_config()->mutable_image()->set_image(kImage);
  *create.mutable_sandbox_config() = run.config();
  auto id = runtime.CreateContainer(create);
  REQUIRE(id.ok());
  EventCollector events;
  auto subscription = runtime.GetContainerEvents({}, events.Handlers());
  REQUIRE(subscription.ok());
  cri::StartContainerRequest start;
  start.set_container_id(id->container_id());
  REQUIRE(runtime.StartContainer(start).ok());
  REQUIRE(events.WaitForEvents(2));  // started, then stopped without any further call
  CHECK(events.Events()[1].container_event_type() == cri::CONTAINER_STOPPED_EVENT);
  CHECK(events.Events()[1].containers_statuses(0).exit_code() == 7);
}

// ---------------------------------------------------------------------------------------------
// Logs

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/krl-fake-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string path;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("the log file is created at start under the sandbox's log directory") {
  TempDir dir;
  Fixture f;
  FakeRuntimeService::ContainerScript script;
  script.log_lines = {"hello", "world"};
  f.runtime.ScriptContainer("app", script);
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("web");
  run.mutable_config()->set_log_directory(dir.path);
  auto pod = f.runtime.RunPodSandbox(run);
  REQUIRE(pod.ok());
  f.configs[pod->pod_sandbox_id()] = run.config();
  REQUIRE(mkdir((dir.path + "/app").c_str(), 0755) == 0);
  std::string id = f.Create(pod->pod_sandbox_id(), "app");
  const std::string log = dir.path + "/app/0.log";
  CHECK(f.Status(id)->log_path() == log);
  CHECK(access(log.c_str(), F_OK) != 0);  // not before start
  REQUIRE(f.Start(id).ok());
  CHECK(ReadFile(log) ==
        "2026-01-01T00:00:00Z stdout F hello\n2026-01-01T00:00:00Z stdout F world\n");
  // After rotation the log is reopened as a new file.
  REQUIRE(std::rename(log.c_str(), (log + ".1").c_str()) == 0);
  cri::ReopenContainerLogRequest reopen;
  reopen.set_container_id(id);
  REQUIRE(f.runtime.ReopenContainerLog(reopen).ok());
  CHECK(access(log.c_str(), F_OK) == 0);
}

TEST_CASE("a missing log directory is skipped by default and created when mirroring containerd") {
  TempDir dir;
  for (bool require : {false, true}) {
    FakeRuntimeService::Options options;
    options.require_log_directory = require;
    Fixture f(options);
    const std::string pods = dir.path + (require ? "/strict/pods" : "/lenient/pods");
    cri::RunPodSandboxRequest run;
    *run.mutable_config() = PodConfig("web");
    run.mutable_config()->set_log_directory(pods);
    auto pod = f.runtime.RunPodSandbox(run);
    REQUIRE(pod.ok());
    f.configs[pod->pod_sandbox_id()] = run.config();
    std::string id = f.Create(pod->pod_sandbox_id(), "app");
    CHECK(f.Start(id).ok());
    // Only the strict fake creates folders (containerd does); the default one never does.
    CHECK((access((pods + "/app/0.log").c_str(), F_OK) == 0) == require);
  }
}

TEST_CASE("a log file that cannot be created fails the start when mirroring containerd") {
  TempDir dir;
  FakeRuntimeService::Options options;
  options.require_log_directory = true;
  Fixture f(options);
  const std::string file = dir.path + "/file";
  { std::ofstream(file) << "not a folder"; }
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("web");
  run.mutable_config()->set_log_directory(file + "/pods");
  auto pod = f.runtime.RunPodSandbox(run);
  REQUIRE(pod.ok());
  f.configs[pod->pod_sandbox_id()] = run.config();
  std::string id = f.Create(pod->pod_sandbox_id(), "app");
  absl::Status start = f.Start(id);
  CHECK(start.code() == absl::StatusCode::kUnknown);
  CHECK(start.message() ==
        "failed to create containerd task: failed to create container loggers: failed to create "
        "and open log file: mkdir " +
            file + ": not a directory");
  CHECK(f.Status(id)->reason() == "StartError");
  CHECK(f.Status(id)->exit_code() == 128);
}

// ---------------------------------------------------------------------------------------------
// Stats, runtime status and configuration

TEST_CASE("stats answer for running containers with timestamps, and can be set by the test") {
  Fixture f;
  std::string pod = f.RunPod("web");
  std::string running = f.CreateAndStart(pod, "app");
  std::string created = f.Create(pod, "later");
  f.clock.Advance(absl::Seconds(10));

  cri::ContainerStatsRequest request;
  request.set_container_id(running);
  auto stats = f.runtime.ContainerStats(request);
  REQUIRE(stats.ok());
  CHECK(stats->stats().attributes().id() == running);
  CHECK(stats->stats().cpu().timestamp() == Nanos(f.clock.Now()));
  CHECK(stats->stats().cpu().usage_core_nano_seconds().value() == 100'000'000);  // 1% of 10 s
  CHECK(stats->stats().memory().working_set_bytes().value() > 0);
  CHECK(stats->stats().writable_layer().used_bytes().value() > 0);

  request.set_container_id(created);
  auto none = f.runtime.ContainerStats(request);
  CHECK(none.status().message() == "unexpected metrics response: []");

  cri::ContainerStats set;
  set.mutable_memory()->mutable_working_set_bytes()->set_value(123);
  REQUIRE(f.runtime.SetContainerStats(running, set).ok());
  request.set_container_id(running);
  stats = f.runtime.ContainerStats(request);
  CHECK(stats->stats().memory().working_set_bytes().value() == 123);
  CHECK(stats->stats().memory().timestamp() == Nanos(f.clock.Now()));
  CHECK(stats->stats().cpu().usage_nano_cores().value() == 10'000'000);  // defaults kept

  cri::ListContainerStatsRequest list;
  auto all = f.runtime.ListContainerStats(list);
  REQUIRE(all->stats_size() == 2);
  for (const cri::ContainerStats& s : all->stats()) {
    CHECK(s.has_cpu() == (s.attributes().id() == running));  // a created container has no task
    CHECK(s.has_writable_layer());
  }
  list.mutable_filter()->set_id(created);
  CHECK(f.runtime.ListContainerStats(list)->stats_size() == 1);
}

TEST_CASE("sandbox stats sum the containers and only ready sandboxes have them") {
  Fixture f;
  std::string pod = f.RunPod("web", {{"app", "web"}});
  f.CreateAndStart(pod, "a");
  f.CreateAndStart(pod, "b");
  std::string stopped = f.RunPod("db");
  REQUIRE(f.StopPod(stopped).ok());

  cri::PodSandboxStatsRequest request;
  request.set_pod_sandbox_id(pod);
  auto stats = f.runtime.PodSandboxStats(request);
  REQUIRE(stats.ok());
  CHECK(stats->stats().linux().containers_size() == 2);
  CHECK(stats->stats().linux().process().process_count().value() == 2);
  CHECK(stats->stats().linux().memory().working_set_bytes().value() == 32 * 1024 * 1024);
  CHECK(stats->stats().linux().network().default_interface().name() == "eth0");

  request.set_pod_sandbox_id(stopped);
  CHECK(f.runtime.PodSandboxStats(request).status().code() == absl::StatusCode::kUnknown);
  cri::ListPodSandboxStatsRequest list;
  auto all = f.runtime.ListPodSandboxStats(list);
  REQUIRE(all->stats_size() == 1);
  CHECK(all->stats(0).attributes().id() == pod);

  cri::PodSandboxStats set;
  set.mutable_linux()->mutable_cpu()->mutable_usage_nano_cores()->set_value(5);
  REQUIRE(f.runtime.SetPodSandboxStats(pod, set).ok());
  request.set_pod_sandbox_id(pod);
  CHECK(f.runtime.PodSandboxStats(request)->stats().linux().cpu().usage_nano_cores().value() == 5);
}

TEST_CASE("the streaming list RPCs deliver every item once in bounded batches") {
  FakeRuntimeService::Options options;
  options.stream_batch_size = 2;
  Fixture f(options);
  std::string pod = f.RunPod("web");
  for (int i = 0; i < 5; ++i) f.CreateAndStart(pod, "c" + std::to_string(i));
  std::vector<int> sizes;
  std::set<std::string> ids;
  REQUIRE(f.runtime
              .StreamContainers({},
                                [&](cri::StreamContainersResponse&& message) {
                                  sizes.push_back(message.containers_size());
                                  for (const auto& c : message.containers()) ids.insert(c.id());
                                })
              .ok());
  CHECK(sizes == std::vector<int>{2, 2, 1});
  CHECK(ids.size() == 5);
  int sandboxes = 0, stats = 0, pod_stats = 0, metrics = 0;
  REQUIRE(
      f.runtime
          .StreamPodSandboxes(
              {}, [&](cri::StreamPodSandboxesResponse&& m) { sandboxes += m.pod_sandboxes_size(); })
          .ok());
  REQUIRE(
      f.runtime
          .StreamContainerStats(
              {}, [&](cri::StreamContainerStatsResponse&& m) { stats += m.container_stats_size(); })
          .ok());
  REQUIRE(f.runtime
              .StreamPodSandboxStats({},
                                     [&](cri::StreamPodSandboxStatsResponse&& m) {
                                       pod_stats += m.pod_sandbox_stats_size();
                                     })
              .ok());
  REQUIRE(f.runtime
              .StreamPodSandboxMetrics({},
                                       [&](cri::StreamPodSandboxMetricsResponse&& m) {
                                         metrics += m.pod_sandbox_metrics_size();
                                       })
              .ok());
  CHECK(sandboxes == 1);
  CHECK(stats == 5);
  CHECK(pod_stats == 1);
  CHECK(metrics == 1);
  cri::StreamContainersRequest filtered;
  filtered.mutable_filter()->set_pod_sandbox_id("nomatch");
  int messages = 0;
  REQUIRE(f.runtime.StreamContainers(filtered, [&](cri::StreamContainersResponse&&) { ++messages; })
              .ok());
  CHECK(messages == 0);  // no empty batch
}

TEST_CASE("Version, Status and RuntimeConfig answer, with settable conditions") {
  Fixture f;
  auto version = f.runtime.Version({});
  CHECK(version->runtime_name() == "krl-fake-cri");
  CHECK(version->runtime_api_version() == "v1");
  auto status = f.runtime.Status({});
  REQUIRE(status->status().conditions_size() == 2);
  CHECK(status->status().conditions(0).type() == "RuntimeReady");
  CHECK(status->status().conditions(1).status());
  f.runtime.SetRuntimeCondition("NetworkReady", false, "NetworkPluginNotReady",
                                "cni plugin not initialized");
  status = f.runtime.Status({});
  CHECK_FALSE(status->status().conditions(1).status());
  CHECK(status->status().conditions(1).reason() == "NetworkPluginNotReady");
  CHECK(f.runtime.RuntimeConfig({})->linux().cgroup_driver() == cri::CGROUPFS);
  f.runtime.SetCgroupDriver(cri::SYSTEMD);
  CHECK(f.runtime.RuntimeConfig({})->linux().cgroup_driver() == cri::SYSTEMD);
  CHECK(absl::IsUnimplemented(f.runtime.CheckpointContainer({}).status()));
}

TEST_CASE("sandbox stats need the sandbox's cgroup parent, as containerd reads them from it") {
  Fixture f;
  std::string with_parent = f.RunPod("web");
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("bare");
  run.mutable_config()->mutable_linux()->clear_cgroup_parent();
  auto bare = f.runtime.RunPodSandbox(run);
  REQUIRE(bare.ok());
  cri::PodSandboxStatsRequest request;
  request.set_pod_sandbox_id(bare->pod_sandbox_id());
  absl::Status status = f.runtime.PodSandboxStats(request).status();
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(status.message(), "because cgroupPath is empty"));
  // One such ready sandbox fails the whole list; a filter that leaves it out does not.
  cri::ListPodSandboxStatsRequest list;
  CHECK(f.runtime.ListPodSandboxStats(list).status().code() == absl::StatusCode::kUnknown);
  list.mutable_filter()->set_id(with_parent);
  auto filtered = f.runtime.ListPodSandboxStats(list);
  REQUIRE(filtered.ok());
  CHECK(filtered->stats_size() == 1);
  // Stopped sandboxes are left out of the list before their cgroup parent matters.
  REQUIRE(f.StopPod(bare->pod_sandbox_id()).ok());
  auto all = f.runtime.ListPodSandboxStats(cri::ListPodSandboxStatsRequest());
  REQUIRE(all.ok());
  CHECK(all->stats_size() == 1);
  CHECK(f.runtime.PodSandboxStats(request).status().message() == status.message());
}

TEST_CASE("a host-network sandbox with a hostname is refused and its name stays free") {
  Fixture f;
  cri::RunPodSandboxRequest run;
  *run.mutable_config() = PodConfig("host");
  run.mutable_config()
      ->mutable_linux()
      ->mutable_security_context()
      ->mutable_namespace_options()
      ->set_network(cri::NODE);
  run.mutable_config()->set_hostname("host");
  absl::Status refused = f.runtime.RunPodSandbox(run).status();
  CHECK(refused.code() == absl::StatusCode::kUnknown);
  CHECK(absl::StrContains(refused.message(), "unable to set hostname without a private UTS"));
  CHECK(f.runtime.SandboxIds().empty());
  run.mutable_config()->clear_hostname();
  CHECK(f.runtime.RunPodSandbox(run).ok());
}

TEST_CASE("pod IPs come from the pod CIDR and host-network pods have none") {
  Fixture f;
  cri::UpdateRuntimeConfigRequest update;
  update.mutable_runtime_config()->mutable_network_config()->set_pod_cidr("198.18.5.0/24");
  REQUIRE(f.runtime.UpdateRuntimeConfig(update).ok());
  CHECK(f.runtime.PodCidr() == "198.18.5.0/24");
  std::string pod = f.RunPod("web");
  CHECK(f.PodStatus(pod)->network().ip() == "198.18.5.2");
  cri::RunPodSandboxRequest host;
  *host.mutable_config() = PodConfig("host");
  host.mutable_config()
      ->mutable_linux()
      ->mutable_security_context()
      ->mutable_namespace_options()
      ->set_network(cri::NODE);
  auto host_pod = f.runtime.RunPodSandbox(host);
  CHECK(f.PodStatus(host_pod->pod_sandbox_id())->network().ip().empty());
}

TEST_CASE("ContainerStatus names the image by repo tag and repo digest while it exists") {
  Fixture f;
  std::string id = f.Create(f.RunPod("web"), "app");
  auto status = f.Status(id);
  CHECK(status->image().image() == kImage);
  CHECK(absl::StartsWith(status->image_ref(), "registry.example/app@sha256:"));
  CHECK(absl::StartsWith(status->image_id(), "sha256:"));
  cri::RemoveImageRequest remove;
  remove.mutable_image()->set_image(kImage);
  REQUIRE(f.images.RemoveImage(remove).ok());
  status = f.Status(id);
  CHECK(status->image_ref() == status->image_id());  // falls back to the id
}

TEST_CASE("UpdateContainerResources shows in the container status") {
  Fixture f;
  std::string id = f.CreateAndStart(f.RunPod("web"), "app");
  cri::UpdateContainerResourcesRequest update;
  update.set_container_id(id);
  update.mutable_linux()->set_memory_limit_in_bytes(256 << 20);
  REQUIRE(f.runtime.UpdateContainerResources(update).ok());
  CHECK(f.Status(id)->resources().linux().memory_limit_in_bytes() == 256 << 20);
}

TEST_CASE("concurrent callers see consistent state") {
  Fixture f;
  std::string pod = f.RunPod("web");
  // Catch2's assertions are not thread-safe: the threads count failures, the test checks them.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&f, &pod, &failures, t] {
      for (int i = 0; i < 25; ++i) {
        auto id = f.TryCreate(pod, "c" + std::to_string(t) + "-" + std::to_string(i));
        if (!id.ok() || !f.Start(*id).ok()) ++failures;
        cri::ListContainersRequest list;
        if (!f.runtime.ListContainers(list).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(f.runtime.ContainerIds().size() == 100);
}

}  // namespace
}  // namespace testing
}  // namespace krl
