#include "testing/contract/case_scope.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <optional>

#include "absl/strings/str_cat.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

constexpr char kNamespace[] = "krl-contract";

std::string NewToken() {
  static std::atomic<int> counter{0};
  return absl::StrCat(getpid(), "-", ++counter);
}

}  // namespace

CaseScope::CaseScope(RuntimeTarget& target) : target_(target), token_(NewToken()) {}

CaseScope::~CaseScope() {
  // Containers first (also those in the shared pod), then pods, newest first.
  for (auto it = containers_.rbegin(); it != containers_.rend(); ++it) {
    cri::RemoveContainerRequest remove;
    remove.set_container_id(*it);
    (void)rs().RemoveContainer(remove);
  }
  for (auto it = sandboxes_.rbegin(); it != sandboxes_.rend(); ++it) {
    cri::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(*it);
    (void)rs().StopPodSandbox(stop);
    cri::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(*it);
    (void)rs().RemovePodSandbox(remove);
  }
}

std::string CaseScope::Unique(absl::string_view base) const {
  return absl::StrCat(base, "-", token_);
}

Labels CaseScope::Selector(const Labels& extra) const {
  Labels selector = extra;
  selector[kCaseLabel] = token_;
  return selector;
}

cri::PodSandboxConfig CaseScope::PodConfig(absl::string_view name, const Labels& labels) {
  cri::PodSandboxConfig config;
  cri::PodSandboxMetadata* metadata = config.mutable_metadata();
  metadata->set_name(Unique(name));
  metadata->set_namespace_(kNamespace);
  metadata->set_uid(Unique(absl::StrCat("uid-", name)));
  metadata->set_attempt(0);
  // The harness's containerd has no CNI: pods share the node's network (and its hostname, so
  // the config sets none: runc cannot set one without a private UTS namespace).
  cri::NamespaceOption* namespaces =
      config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_network(cri::NODE);
  namespaces->set_pid(cri::CONTAINER);  // the kubelet's default: each container its own PIDs
  config.mutable_linux()->set_cgroup_parent(target_.cgroup_parent());
  for (const auto& [key, value] : Selector(labels)) (*config.mutable_labels())[key] = value;
  (*config.mutable_annotations())["krl.contract/pod-annotation"] = "pod";
  const std::string log_directory = absl::StrCat(target_.scratch_dir(), "/", Unique(name));
  ::mkdir(log_directory.c_str(), 0755);
  config.set_log_directory(log_directory);
  return config;
}

absl::StatusOr<CaseScope::Pod> CaseScope::TryRunPod(const cri::PodSandboxConfig& config) {
  cri::RunPodSandboxRequest request;
  *request.mutable_config() = config;
  absl::StatusOr<cri::RunPodSandboxResponse> response = rs().RunPodSandbox(request);
  if (!response.ok()) return response.status();
  sandboxes_.push_back(response->pod_sandbox_id());
  return Pod{response->pod_sandbox_id(), config};
}

CaseScope::Pod CaseScope::RunPod(absl::string_view name, const Labels& labels) {
  absl::StatusOr<Pod> pod = TryRunPod(PodConfig(name, labels));
  KRL_REQUIRE_OK(pod.status());
  return *pod;
}

CaseScope::Pod CaseScope::SharedPod() {
  std::optional<RuntimeTarget::SharedPod>& shared = target_.shared_pod();
  if (!shared.has_value()) {
    cri::PodSandboxConfig config = PodConfig("shared");
    (*config.mutable_labels())[kCaseLabel] = "shared";
    cri::RunPodSandboxRequest request;
    *request.mutable_config() = config;
    absl::StatusOr<cri::RunPodSandboxResponse> response = rs().RunPodSandbox(request);
    KRL_REQUIRE_OK(response.status());
    shared = RuntimeTarget::SharedPod{response->pod_sandbox_id(), config};
  }
  return Pod{shared->id, shared->config};
}

cri::CreateContainerRequest CaseScope::ContainerRequest(const Pod& pod, absl::string_view name,
                                                        const RuntimeTarget::Process& process,
                                                        const Labels& labels) {
  cri::CreateContainerRequest request;
  request.set_pod_sandbox_id(pod.id);
  *request.mutable_sandbox_config() = pod.config;
  cri::ContainerConfig* config = request.mutable_config();
  const std::string unique = Unique(name);
  config->mutable_metadata()->set_name(unique);
  config->mutable_metadata()->set_attempt(0);
  for (const auto& [key, value] : Selector(labels)) (*config->mutable_labels())[key] = value;
  (*config->mutable_annotations())["krl.contract/container-annotation"] = "container";
  config->set_log_path(absl::StrCat(unique, ".log"));
  // As the kubelet: the pod's network namespace, a PID namespace of the container's own.
  cri::NamespaceOption* namespaces =
      config->mutable_linux()->mutable_security_context()->mutable_namespace_options();
  namespaces->set_network(pod.config.linux().security_context().namespace_options().network());
  namespaces->set_pid(cri::CONTAINER);
  target_.SetProcess(config, process);
  return request;
}

absl::StatusOr<std::string> CaseScope::TryCreateContainer(
    const cri::CreateContainerRequest& request) {
  absl::StatusOr<cri::CreateContainerResponse> response = rs().CreateContainer(request);
  if (!response.ok()) return response.status();
  containers_.push_back(response->container_id());
  return response->container_id();
}

std::string CaseScope::CreateContainer(const Pod& pod, absl::string_view name,
                                       const RuntimeTarget::Process& process,
                                       const Labels& labels) {
  absl::StatusOr<std::string> id = TryCreateContainer(ContainerRequest(pod, name, process, labels));
  KRL_REQUIRE_OK(id.status());
  return *id;
}

std::string CaseScope::StartContainer(const Pod& pod, absl::string_view name,
                                      const RuntimeTarget::Process& process, const Labels& labels) {
  const std::string id = CreateContainer(pod, name, process, labels);
  cri::StartContainerRequest start;
  start.set_container_id(id);
  KRL_REQUIRE_OK(rs().StartContainer(start).status());
  KRL_REQUIRE_OK(target_.WaitForProcessReady(id, process));
  return id;
}

cri::PodSandboxStatus CaseScope::SandboxStatus(const std::string& id) {
  cri::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  absl::StatusOr<cri::PodSandboxStatusResponse> response = rs().PodSandboxStatus(request);
  KRL_REQUIRE_OK(response.status());
  return response->status();
}

cri::ContainerStatus CaseScope::ContainerStatus(const std::string& id) {
  cri::ContainerStatusRequest request;
  request.set_container_id(id);
  absl::StatusOr<cri::ContainerStatusResponse> response = rs().ContainerStatus(request);
  KRL_REQUIRE_OK(response.status());
  return response->status();
}

std::vector<cri::PodSandbox> CaseScope::ListPods(const cri::PodSandboxFilter& filter) {
  cri::ListPodSandboxRequest request;
  *request.mutable_filter() = filter;
  absl::StatusOr<cri::ListPodSandboxResponse> response = rs().ListPodSandbox(request);
  KRL_REQUIRE_OK(response.status());
  return {response->items().begin(), response->items().end()};
}

std::vector<cri::Container> CaseScope::ListContainers(const cri::ContainerFilter& filter) {
  cri::ListContainersRequest request;
  *request.mutable_filter() = filter;
  absl::StatusOr<cri::ListContainersResponse> response = rs().ListContainers(request);
  KRL_REQUIRE_OK(response.status());
  return {response->containers().begin(), response->containers().end()};
}

bool CaseScope::WaitForContainerState(const std::string& id, cri::ContainerState state,
                                      absl::Duration timeout) {
  cri::ContainerStatusRequest request;
  request.set_container_id(id);
  return target_.WaitUntil(
      [&] {
        absl::StatusOr<cri::ContainerStatusResponse> response = rs().ContainerStatus(request);
        return response.ok() && response->status().state() == state;
      },
      timeout);
}

std::vector<std::string> Ids(const std::vector<cri::PodSandbox>& pods) {
  std::vector<std::string> ids;
  for (const cri::PodSandbox& pod : pods) ids.push_back(pod.id());
  return ids;
}

std::vector<std::string> Ids(const std::vector<cri::Container>& containers) {
  std::vector<std::string> ids;
  for (const cri::Container& container : containers) ids.push_back(container.id());
  return ids;
}

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void CheckRecentTimestamp(RuntimeTarget& target, int64_t nanos, absl::string_view what) {
  INFO(what << " = " << nanos);
  // Nanoseconds since the epoch: seconds or milliseconds would be far below 10^18 (2001).
  CHECK(nanos > 1'000'000'000'000'000'000LL);
  const absl::Duration age = target.Now() - absl::FromUnixNanos(nanos);
  INFO("age " << absl::FormatDuration(age));
  CHECK(age >= absl::Seconds(-5));
  CHECK(age <= absl::Seconds(60));
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
