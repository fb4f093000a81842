#include "kubelet_core/container/fake_runtime.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kubelet_core/container/api_pod_status.h"
#include "kubelet_core/container/helpers.h"

namespace krl {
namespace kubelet_core {
namespace container {

FakeRuntime::FakeRuntime(Clock& clock) : FakeRuntime(clock, Options()) {}

FakeRuntime::FakeRuntime(Clock& clock, Options options)
    : clock_(clock), options_(std::move(options)) {
  conditions_ = {{"RuntimeReady", true, "", ""}, {"NetworkReady", true, "", ""}};
}

absl::Status FakeRuntime::Record(absl::string_view method, absl::string_view uid,
                                 absl::string_view detail) {
  calls_.push_back(Call{std::string(method), std::string(uid), std::string(detail)});
  auto it = errors_.find(std::string(method));
  if (it == errors_.end() || it->second.empty()) return absl::OkStatus();
  absl::Status error = it->second.front();
  it->second.pop_front();
  return error;
}

std::string FakeRuntime::NextId(absl::string_view prefix) {
  return absl::StrCat(prefix, "-", next_id_++);
}

std::string FakeRuntime::Type() const { return options_.type; }

absl::StatusOr<std::vector<RuntimeCondition>> FakeRuntime::Status() {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("Status", "", ""); !error.ok()) return error;
  return conditions_;
}

ContainerStatus FakeRuntime::NewContainer(const corev1::Container& c, const PodStatus& status,
                                          State state) {
  ContainerStatus s;
  s.id = corev1::ContainerID{options_.type, NextId("container")};
  s.name = c.name;
  s.state = state;
  s.created_at = clock_.Now();
  s.started_at = clock_.Now();
  if (state == State::kExited) {
    s.finished_at = clock_.Now();
    s.reason = "Completed";
  }
  s.image = c.image;
  s.image_id = absl::StrCat("sha256:", c.image);
  s.hash = HashContainer(c);
  const ContainerStatus* previous = status.FindContainerStatusByName(c.name);
  s.restart_count = previous == nullptr ? 0 : previous->restart_count + 1;
  return s;
}

void FakeRuntime::SimulateSync(const corev1::Pod& pod, PodSyncResult* result) {
  PodStatus& status = pods_[pod.metadata.uid];
  status.id = pod.metadata.uid;
  status.name = pod.metadata.name;
  status.namespace_ = pod.metadata.namespace_;
  bool ready = !status.sandbox_statuses.empty() &&
               status.sandbox_statuses.front().state() == cri::SANDBOX_READY;
  if (!ready) {
    cri::PodSandboxStatus sandbox;
    sandbox.set_id(NextId("sandbox"));
    sandbox.mutable_metadata()->set_name(pod.metadata.name);
    sandbox.mutable_metadata()->set_namespace_(pod.metadata.namespace_);
    sandbox.mutable_metadata()->set_uid(pod.metadata.uid);
    sandbox.mutable_metadata()->set_attempt(static_cast<uint32_t>(status.sandbox_statuses.size()));
    sandbox.set_state(cri::SANDBOX_READY);
    sandbox.set_created_at(absl::ToUnixNanos(clock_.Now()));
    sandbox.mutable_network()->set_ip("198.18.0.2");
    status.sandbox_statuses.insert(status.sandbox_statuses.begin(), sandbox);
    status.ips = {"198.18.0.2"};
    result->Add(SyncAction::kCreatePodSandbox, PodFullName(pod));
  }
  std::vector<ContainerStatus> added;
  auto sync_container = [&](const corev1::Container& c, bool run_to_completion) {
    const ContainerStatus* latest = status.FindContainerStatusByName(c.name);
    if (latest != nullptr && latest->state == State::kRunning && latest->hash == HashContainer(c)) {
      return;
    }
    if (latest != nullptr && run_to_completion && latest->state == State::kExited &&
        latest->exit_code == 0) {
      return;
    }
    if (latest != nullptr && !run_to_completion && latest->state == State::kExited &&
        !ShouldContainerBeRestarted(c, pod, status)) {
      return;
    }
    if (latest != nullptr && latest->state == State::kRunning) {
      result->Add(SyncAction::kKillContainer, c.name);
      for (ContainerStatus& s : status.container_statuses) {
        if (s.id == latest->id) {
          s.state = State::kExited;
          s.exit_code = 143;
          s.reason = "Error";
          s.finished_at = clock_.Now();
        }
      }
    }
    result->Add(SyncAction::kStartContainer, c.name);
    added.push_back(NewContainer(c, status, run_to_completion ? State::kExited : State::kRunning));
  };
  for (const corev1::Container& c : pod.spec.init_containers) {
    sync_container(c, !corev1::IsSidecar(c));
  }
  for (const corev1::Container& c : pod.spec.containers) sync_container(c, false);
  // Newest first.
  status.container_statuses.insert(status.container_statuses.begin(), added.rbegin(), added.rend());
  status.timestamp = clock_.Now();
}

PodSyncResult FakeRuntime::SyncPod(const corev1::Pod& pod, const PodStatus& status) {
  PodSyncResult result;
  {
    krl::MutexLock lock(&mu_);
    synced_.push_back(pod);
    if (absl::Status error = Record("SyncPod", pod.metadata.uid, ""); !error.ok()) {
      result.Fail(error);
      return result;
    }
    if (!sync_results_.empty()) {
      result = sync_results_.front();
      sync_results_.pop_front();
    } else if (options_.simulate) {
      SimulateSync(pod, &result);
    }
  }
  reasons_.Update(pod.metadata.uid, result);
  return result;
}

absl::Status FakeRuntime::KillPod(const corev1::Pod* pod, const Pod& running_pod,
                                  std::optional<int64_t> grace_period_override) {
  krl::MutexLock lock(&mu_);
  std::string detail =
      grace_period_override ? absl::StrCat("grace=", *grace_period_override) : std::string();
  if (absl::Status error = Record("KillPod", running_pod.id, detail); !error.ok()) return error;
  if (!options_.simulate) return absl::OkStatus();
  auto it = pods_.find(running_pod.id);
  if (it == pods_.end()) return absl::OkStatus();
  for (ContainerStatus& s : it->second.container_statuses) {
    if (s.state != State::kRunning) continue;
    s.state = State::kExited;
    s.exit_code = 143;
    s.reason = "Error";
    s.finished_at = clock_.Now();
  }
  for (cri::PodSandboxStatus& s : it->second.sandbox_statuses) s.set_state(cri::SANDBOX_NOTREADY);
  it->second.ips.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Pod>> FakeRuntime::GetPods(bool all) {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("GetPods", "", all ? "all" : ""); !error.ok()) return error;
  std::vector<Pod> pods;
  for (const auto& [uid, status] : pods_) {
    Pod pod = ConvertPodStatusToRunningPod(options_.type, status);
    if (all) {
      pod.containers.clear();
      for (const ContainerStatus& s : status.container_statuses) {
        Container c;
        c.id = s.id;
        c.name = s.name;
        c.image = s.image;
        c.image_id = s.image_id;
        c.hash = s.hash;
        c.state = s.state;
        c.created_at = s.created_at;
        pod.containers.push_back(c);
      }
    } else {
      pod.sandboxes.erase(
          std::remove_if(pod.sandboxes.begin(), pod.sandboxes.end(),
                         [](const Container& s) { return s.state != State::kRunning; }),
          pod.sandboxes.end());
    }
    if (!pod.empty()) pods.push_back(std::move(pod));
  }
  return pods;
}

absl::StatusOr<PodStatus> FakeRuntime::GetPodStatus(absl::string_view uid, absl::string_view name,
                                                    absl::string_view namespace_) {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("GetPodStatus", uid, ""); !error.ok()) return error;
  auto it = pods_.find(std::string(uid));
  if (it != pods_.end()) return it->second;
  PodStatus status;
  status.id = std::string(uid);
  status.name = std::string(name);
  status.namespace_ = std::string(namespace_);
  status.timestamp = clock_.Now();
  return status;
}

corev1::PodStatus FakeRuntime::GenerateAPIPodStatus(const corev1::Pod& pod,
                                                    const PodStatus& status) {
  const ProbeResults* probes;
  {
    krl::MutexLock lock(&mu_);
    Record("GenerateAPIPodStatus", pod.metadata.uid, "").IgnoreError();
    probes = probes_;
  }
  return container::GenerateAPIPodStatus(pod, status, &reasons_, probes, clock_.Now());
}

absl::Status FakeRuntime::GarbageCollect(const GCPolicy& policy, bool all_sources_ready,
                                         bool evict_non_deleted_pods) {
  krl::MutexLock lock(&mu_);
  return Record("GarbageCollect", "", all_sources_ready ? "all_sources_ready" : "");
}

absl::Status FakeRuntime::DeleteContainer(const corev1::ContainerID& id) {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("DeleteContainer", "", id.id); !error.ok()) return error;
  for (auto& [uid, status] : pods_) {
    auto& statuses = status.container_statuses;
    statuses.erase(std::remove_if(statuses.begin(), statuses.end(),
                                  [&](const ContainerStatus& s) { return s.id == id; }),
                   statuses.end());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FakeRuntime::PullImage(absl::string_view image,
                                                   const cri::AuthConfig* auth,
                                                   const cri::PodSandboxConfig* sandbox_config) {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("PullImage", "", image); !error.ok()) return error;
  std::string& id = images_[std::string(image)];
  if (id.empty()) id = absl::StrCat("sha256:", image);
  return id;
}

absl::StatusOr<std::string> FakeRuntime::GetImageRef(absl::string_view image) {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("GetImageRef", "", image); !error.ok()) return error;
  auto it = images_.find(std::string(image));
  return it == images_.end() ? std::string() : it->second;
}

absl::StatusOr<std::vector<Image>> FakeRuntime::ListImages() {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("ListImages", "", ""); !error.ok()) return error;
  std::vector<Image> images;
  for (const auto& [ref, id] : images_) {
    Image image;
    image.id = id;
    image.repo_tags = {ref};
    images.push_back(image);
  }
  return images;
}

absl::Status FakeRuntime::RemoveImage(absl::string_view image) {
  krl::MutexLock lock(&mu_);
  if (absl::Status error = Record("RemoveImage", "", image); !error.ok()) return error;
  images_.erase(std::string(image));
  return absl::OkStatus();
}

void FakeRuntime::SetPodStatus(PodStatus status) {
  krl::MutexLock lock(&mu_);
  pods_[status.id] = std::move(status);
}

void FakeRuntime::RemovePod(absl::string_view uid) {
  krl::MutexLock lock(&mu_);
  pods_.erase(std::string(uid));
}

absl::Status FakeRuntime::ExitContainer(absl::string_view uid, absl::string_view container,
                                        int exit_code) {
  krl::MutexLock lock(&mu_);
  auto it = pods_.find(std::string(uid));
  if (it != pods_.end()) {
    for (ContainerStatus& s : it->second.container_statuses) {
      if (s.name != container || s.state != State::kRunning) continue;
      s.state = State::kExited;
      s.exit_code = exit_code;
      s.reason = exit_code == 0 ? "Completed" : "Error";
      s.finished_at = clock_.Now();
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("no running container ", container, " in pod ", uid));
}

void FakeRuntime::SetSyncResult(PodSyncResult result) {
  krl::MutexLock lock(&mu_);
  sync_results_.push_back(std::move(result));
}

void FakeRuntime::InjectError(absl::string_view method, absl::Status error) {
  krl::MutexLock lock(&mu_);
  errors_[std::string(method)].push_back(std::move(error));
}

void FakeRuntime::SetConditions(std::vector<RuntimeCondition> conditions) {
  krl::MutexLock lock(&mu_);
  conditions_ = std::move(conditions);
}

void FakeRuntime::SetProbeResults(const ProbeResults* probes) {
  krl::MutexLock lock(&mu_);
  probes_ = probes;
}

std::vector<FakeRuntime::Call> FakeRuntime::Calls() const {
  krl::MutexLock lock(&mu_);
  return calls_;
}

std::vector<std::string> FakeRuntime::CallNames() const {
  krl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const Call& call : calls_) names.push_back(call.method);
  return names;
}

int FakeRuntime::CallCount(absl::string_view method) const {
  krl::MutexLock lock(&mu_);
  return static_cast<int>(std::count_if(calls_.begin(), calls_.end(),
                                        [&](const Call& c) { return c.method == method; }));
}

void FakeRuntime::ClearCalls() {
  krl::MutexLock lock(&mu_);
  calls_.clear();
}

std::vector<corev1::Pod> FakeRuntime::SyncedPods() const {
  krl::MutexLock lock(&mu_);
  return synced_;
}

std::vector<std::string> FakeRuntime::ImageRefs() const {
  krl::MutexLock lock(&mu_);
  std::vector<std::string> refs;
  for (const auto& [ref, id] : images_) refs.push_back(ref);
  return refs;
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
