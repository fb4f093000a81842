#include "kubelet_core/kuberuntime/kube_runtime_manager.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "api/core/v1/validation.h"
#include "kubelet_core/container/api_pod_status.h"
#include "kubelet_core/container/helpers.h"
#include "kubelet_core/kuberuntime/config_generation.h"
#include "kubelet_core/kuberuntime/downward_api.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "kubelet_core/kuberuntime/status_conversion.h"
#include "runtime/remote/response_validation.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::PodSyncResult;
using container::SyncAction;

// A duration as Go prints it ("10s", "1m20s", "5m0s"), as the kubelet's back-off messages do.
std::string GoDuration(absl::Duration d) {
  if (d < absl::Seconds(1)) return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
  int64_t seconds = absl::ToInt64Seconds(d);
  int64_t hours = seconds / 3600;
  int64_t minutes = (seconds % 3600) / 60;
  int64_t rest = seconds % 60;
  if (hours > 0) return absl::StrCat(hours, "h", minutes, "m", rest, "s");
  if (minutes > 0) return absl::StrCat(minutes, "m", rest, "s");
  return absl::StrCat(rest, "s");
}

// Answers of the runtime the manager must not act on. Any RuntimeService may answer (not only the
// remote client, which checks the same): a sandbox or container that looks absent, not ready or
// of another pod makes SyncPod create another one next to it, or tear the pod down.
template <typename Item, typename IsValidState>
absl::Status CheckListed(absl::string_view rpc,
                         const google::protobuf::RepeatedPtrField<Item>& items,
                         const std::string& uid, IsValidState valid_state) {
  for (const Item& item : items) {
    if (item.id().empty() || !item.has_metadata()) break;  // named by the check below
    // Listed for one pod (a label selector on its uid), every entry must carry that uid.
    const std::string* item_uid = FindLabel(item.labels(), kPodUIDLabel);
    if (!uid.empty() && (item_uid == nullptr || *item_uid != uid)) {
      return runtime::remote::InvalidResponse(
          rpc, item.id(), absl::StrCat("label ", kPodUIDLabel, " does not match the selector"));
    }
    // Not an agent's (no pod uid label): the caller drops it, so its state cannot matter, and
    // another tool's odd container must not fail every relist of the node.
    if (item_uid == nullptr) continue;
    if (!valid_state(item.state())) {
      return runtime::remote::InvalidResponse(rpc, item.id(),
                                              absl::StrCat("unknown state ", item.state()));
    }
  }
  if constexpr (std::is_same_v<Item, cri::PodSandbox>) {
    return runtime::remote::ValidatePodSandboxes(rpc, items);
  } else {
    return runtime::remote::ValidateContainers(rpc, items);
  }
}

absl::Status CheckStatus(const cri::PodSandboxStatusResponse& response, absl::string_view id) {
  if (absl::Status valid = runtime::remote::ValidatePodSandboxStatus(response, id); !valid.ok()) {
    return valid;
  }
  if (cri::PodSandboxState_IsValid(response.status().state())) return absl::OkStatus();
  return runtime::remote::InvalidResponse(
      "PodSandboxStatus", id, absl::StrCat("unknown status.state ", response.status().state()));
}

absl::Status CheckStatus(const cri::ContainerStatusResponse& response, absl::string_view id) {
  if (absl::Status valid = runtime::remote::ValidateContainerStatus(response, id); !valid.ok()) {
    return valid;
  }
  if (!cri::ContainerState_IsValid(response.status().state())) {
    return runtime::remote::InvalidResponse(
        "ContainerStatus", id, absl::StrCat("unknown status.state ", response.status().state()));
  }
  // Without the spec hash it was created with, a healthy container reads as changed and would be
  // killed on every sync.
  if (FindLabel(response.status().annotations(), kContainerHashLabel) == nullptr) {
    return runtime::remote::InvalidResponse(
        "ContainerStatus", id, absl::StrCat("annotation ", kContainerHashLabel, " is missing"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> KubeRuntimeManager::Create(
    runtime::RuntimeService& runtime, runtime::ImageService& images,
    container::ImageManager& image_manager, Clock& clock, Options options) {
  cri::VersionRequest request;
  request.set_version("v1");
  absl::StatusOr<cri::VersionResponse> version = runtime.Version(request);
  if (!version.ok()) {
    return absl::Status(version.status().code(), absl::StrCat("get remote runtime version failed: ",
                                                              version.status().message()));
  }
  log::Info("Container runtime initialized", {{"containerRuntime", version->runtime_name()},
                                              {"version", version->runtime_version()},
                                              {"apiVersion", version->runtime_api_version()}});
  // Looked up once: host-network pods and the downward API read them at every sync.
  if (options.node_ips.empty()) options.node_ips = NodeIPs(options);
  return std::unique_ptr<KubeRuntimeManager>(new KubeRuntimeManager(
      runtime, images, image_manager, clock, std::move(options), version->runtime_name()));
}

KubeRuntimeManager::KubeRuntimeManager(runtime::RuntimeService& runtime,
                                       runtime::ImageService& images,
                                       container::ImageManager& image_manager, Clock& clock,
                                       Options options, std::string runtime_name)
    : runtime_(runtime),
      images_(images),
      image_manager_(image_manager),
      clock_(clock),
      options_(std::move(options)),
      runtime_name_(std::move(runtime_name)),
      own_registry_(options_.registry == nullptr ? std::make_unique<runtime::metrics::Registry>()
                                                 : nullptr),
      metrics_(options_.registry != nullptr ? *options_.registry : *own_registry_),
      hooks_(runtime, &metrics_.hook_output_truncated),
      backoff_(clock, options_.crash_loop_backoff_initial, options_.crash_loop_backoff_max) {}

absl::StatusOr<std::vector<container::RuntimeCondition>> KubeRuntimeManager::Status() {
  absl::StatusOr<cri::StatusResponse> status = runtime_.Status(cri::StatusRequest());
  if (!status.ok()) return status.status();
  std::vector<container::RuntimeCondition> conditions;
  for (const cri::RuntimeCondition& c : status->status().conditions()) {
    conditions.push_back({c.type(), c.status(), c.reason(), c.message()});
  }
  return conditions;
}

PodActions KubeRuntimeManager::ComputePodActions(const corev1::Pod& pod,
                                                 const container::PodStatus& status) const {
  return kuberuntime::ComputePodActions(pod, status, options_.probes);
}

container::PodSyncResult KubeRuntimeManager::SyncPod(const corev1::Pod& pod,
                                                     const container::PodStatus& status) {
  PodSyncResult result = SyncPodSteps(pod, status);
  reasons_.Update(pod.metadata.uid, result);
  return result;
}

PodSyncResult KubeRuntimeManager::SyncPodSteps(const corev1::Pod& pod,
                                               const container::PodStatus& status) {
  PodSyncResult result;
  const std::string pod_name = container::PodFullName(pod);

  // A bad spec is refused before the runtime is touched.
  if (absl::Status valid = corev1::Validate(pod); !valid.ok()) {
    result.Add(SyncAction::kConfigPodSandbox, pod_name)
        .Fail(container::kErrConfigPodSandbox, absl::StrCat("invalid pod spec: ", valid.message()));
    return result;
  }

  // Step 1: what to do.
  const PodActions actions = ComputePodActions(pod, status);
  if (!actions.empty()) {
    log::Debug("computePodActions", {{"pod", pod_name}, {"actions", actions.ToString()}});
  }
  if (actions.create_sandbox && !actions.sandbox_id.empty()) {
    log::Info("Pod sandbox changed, it will be killed and re-created", {{"pod", pod_name}});
  }

  // Step 2: kill the pod when its sandbox changed (or everything is done)...
  if (actions.kill_pod) {
    container::Pod running = container::ConvertPodStatusToRunningPod(runtime_name_, status);
    if (!actions.create_sandbox) {
      // A pod that is done: only what still runs needs stopping, so syncing a finished pod
      // again costs no runtime call. (A sandbox being replaced is stopped whatever its state,
      // to release what it holds.)
      running.sandboxes.erase(std::remove_if(running.sandboxes.begin(), running.sandboxes.end(),
                                             [](const container::Container& s) {
                                               return s.state != container::State::kRunning;
                                             }),
                              running.sandboxes.end());
    }
    // A new pod, or one already stopped, has nothing to kill: no step for it.
    PodSyncResult killed;
    if (!running.empty()) killed = KillPodWithSyncResult(&pod, running, std::nullopt);
    result.Append(killed);
    if (!killed.ok()) return result;
    if (actions.create_sandbox) PurgeInitContainers(pod, status);
  } else {
    // Step 3: ...or only the containers that must not keep running.
    for (const auto& [id, kill] : actions.containers_to_kill) {
      container::SyncResult& step = result.Add(SyncAction::kKillContainer, kill.name);
      absl::Status killed =
          KillContainer(&pod, id, kill.name, kill.message, kill.reason, std::nullopt, nullptr);
      if (!killed.ok()) {
        step.Fail(container::kErrKillContainer, killed.message());
        log::Error("killContainer for pod failed",
                   {{"container", kill.name}, {"pod", pod_name}, {"error", killed}});
        return result;
      }
    }
  }

  // Only the newest terminated attempt of each init container is kept.
  PruneInitContainersBeforeStart(pod, status);

  // downwardAPI volume files follow label and annotation changes (which restart nothing).
  if (absl::Status updated = UpdateDownwardAPIVolumes(pod, options_); !updated.ok()) {
    log::Error("Failed to update downwardAPI volumes", {{"pod", pod_name}, {"error", updated}});
  }

  // Host-network pods have the node's IPs, as the kubelet reports them (the runtime reports none).
  std::vector<std::string> pod_ips =
      pod.spec.host_network ? HostNetworkPodIPs(options_) : status.ips;

  // Step 4: the sandbox.
  std::string sandbox_id = actions.sandbox_id;
  if (actions.create_sandbox) {
    container::SyncResult& step = result.Add(SyncAction::kCreatePodSandbox, pod_name);
    absl::StatusOr<std::string> created = CreatePodSandbox(pod, actions.attempt);
    if (!created.ok()) {
      step.Fail(container::kErrCreatePodSandbox,
                absl::StrCat("Failed to create pod sandbox: ", created.status().message()));
      log::Error("CreatePodSandbox for pod failed",
                 {{"pod", pod_name}, {"error", created.status()}});
      return result;
    }
    sandbox_id = *created;
    cri::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(sandbox_id);
    absl::StatusOr<cri::PodSandboxStatusResponse> sandbox = runtime_.PodSandboxStatus(request);
    if (!sandbox.ok()) {
      result.Fail(absl::Status(
          sandbox.status().code(),
          absl::StrCat("Unable to get pod sandbox status: ", sandbox.status().message())));
      return result;
    }
    if (!pod.spec.host_network) {
      pod_ips.clear();
      const cri::PodSandboxNetworkStatus& network = sandbox->status().network();
      if (!network.ip().empty()) pod_ips.push_back(network.ip());
      for (const cri::PodIP& ip : network.additional_ips()) pod_ips.push_back(ip.ip());
    }
  }

  // The sandbox config the containers are created against.
  container::SyncResult& config_step = result.Add(SyncAction::kConfigPodSandbox, sandbox_id);
  absl::StatusOr<cri::PodSandboxConfig> sandbox_config =
      GeneratePodSandboxConfig(pod, actions.attempt, options_);
  if (!sandbox_config.ok()) {
    config_step.Fail(container::kErrConfigPodSandbox,
                     absl::StrCat("GeneratePodSandboxConfig for pod \"", pod_name,
                                  "\" failed: ", sandbox_config.status().message()));
    return result;
  }
  if (actions.init_containers_to_start.empty() && actions.containers_to_start.empty()) {
    // Nothing to start: no config step to report.
    result.steps.pop_back();
    return result;
  }

  auto start = [&](const corev1::Container& c) {
    container::SyncResult& step = result.Add(SyncAction::kStartContainer, c.name);
    std::string message;
    if (DoBackOff(pod, c, status, &message)) {
      step.Fail(container::kErrCrashLoopBackOff, message);
      return false;
    }
    if (std::optional<StartFailure> failed =
            StartContainer(sandbox_id, *sandbox_config, c, pod, status, pod_ips)) {
      step.Fail(failed->reason, failed->message);
      log::Warning("Container start failed", {{"container", c.name},
                                              {"pod", pod_name},
                                              {"reason", failed->reason},
                                              {"message", failed->message}});
      return false;
    }
    return true;
  };

  // Step 5: init containers (the next one, or sidecars to keep running).
  for (int idx : actions.init_containers_to_start) {
    const corev1::Container& c = pod.spec.init_containers[idx];
    if (!start(c)) {
      if (corev1::IsSidecar(c)) continue;  // other sidecars may still start
      return result;
    }
  }
  // Step 6: app containers.
  for (int idx : actions.containers_to_start) start(pod.spec.containers[idx]);
  return result;
}

bool KubeRuntimeManager::DoBackOff(const corev1::Pod& pod, const corev1::Container& container,
                                   const container::PodStatus& status, std::string* message) {
  const container::ContainerStatus* exited = nullptr;
  for (const container::ContainerStatus& s : status.container_statuses) {  // newest first
    if (s.name == container.name && s.state == container::State::kExited) {
      exited = &s;
      break;
    }
  }
  if (exited == nullptr) return false;
  // Back-off counts from when the last attempt finished.
  const absl::Time finished = exited->finished_at;
  const std::string key = container::GetStableKey(pod, container);
  if (backoff_.IsInBackOffSince(key, finished)) {
    *message = absl::StrCat("back-off ", GoDuration(backoff_.Get(key)),
                            " restarting failed container=", container.name,
                            " pod=", container::PodFullName(pod));
    return true;
  }
  backoff_.Next(key, finished);
  return false;
}

absl::StatusOr<std::string> KubeRuntimeManager::CreatePodSandbox(const corev1::Pod& pod,
                                                                 uint32_t attempt) {
  absl::StatusOr<cri::PodSandboxConfig> config = GeneratePodSandboxConfig(pod, attempt, options_);
  if (!config.ok()) return config.status();
  if (absl::Status made = MakeDirectories(config->log_directory(), 0755); !made.ok()) {
    return absl::Status(
        made.code(), absl::StrCat("create pod log directory for pod ", container::PodFullName(pod),
                                  " failed: ", made.message()));
  }
  cri::RunPodSandboxRequest request;
  *request.mutable_config() = *config;
  request.set_runtime_handler(RuntimeHandlerForPod(pod, options_));
  absl::StatusOr<cri::RunPodSandboxResponse> response = runtime_.RunPodSandbox(request);
  if (!response.ok()) return response.status();
  if (response->pod_sandbox_id().empty()) {
    return absl::UnknownError(absl::StrCat("RunPodSandbox for pod ", container::PodFullName(pod),
                                           " returned an empty sandbox id"));
  }
  return response->pod_sandbox_id();
}

corev1::PodStatus KubeRuntimeManager::GenerateAPIPodStatus(const corev1::Pod& pod,
                                                           const container::PodStatus& status) {
  corev1::PodStatus api =
      container::GenerateAPIPodStatus(pod, status, &reasons_, options_.probes, clock_.Now());
  if (int cut = TruncatePodTerminationMessages(pod, &api); cut > 0) {
    metrics_.TerminationMessageTruncated(KubeRuntimeMetrics::kPodLimit, cut);
  }
  return api;
}

absl::StatusOr<std::vector<cri::PodSandbox>> KubeRuntimeManager::ListKubeletSandboxes(
    bool all, const std::string& uid) {
  cri::ListPodSandboxRequest request;
  if (!all) request.mutable_filter()->mutable_state()->set_state(cri::SANDBOX_READY);
  if (!uid.empty()) {
    (*request.mutable_filter()->mutable_label_selector())[std::string(kPodUIDLabel)] = uid;
  }
  absl::StatusOr<cri::ListPodSandboxResponse> response = runtime_.ListPodSandbox(request);
  if (!response.ok()) return response.status();
  if (absl::Status valid =
          CheckListed("ListPodSandbox", response->items(), uid, &cri::PodSandboxState_IsValid);
      !valid.ok()) {
    return valid;
  }
  std::vector<cri::PodSandbox> sandboxes;
  sandboxes.reserve(response->items_size());
  // Moved, not copied, out of the response: a relist lists every sandbox each second.
  for (cri::PodSandbox& s : *response->mutable_items()) {
    // Only what an agent created: it carries the pod uid label.
    if (FindLabel(s.labels(), kPodUIDLabel) == nullptr) continue;
    sandboxes.push_back(std::move(s));
  }
  return sandboxes;
}

absl::StatusOr<std::vector<cri::Container>> KubeRuntimeManager::ListKubeletContainers(
    bool all, const std::string& uid) {
  cri::ListContainersRequest request;
  if (!all) request.mutable_filter()->mutable_state()->set_state(cri::CONTAINER_RUNNING);
  if (!uid.empty()) {
    (*request.mutable_filter()->mutable_label_selector())[std::string(kPodUIDLabel)] = uid;
  }
  absl::StatusOr<cri::ListContainersResponse> response = runtime_.ListContainers(request);
  if (!response.ok()) return response.status();
  if (absl::Status valid =
          CheckListed("ListContainers", response->containers(), uid, &cri::ContainerState_IsValid);
      !valid.ok()) {
    return valid;
  }
  std::vector<cri::Container> containers;
  containers.reserve(response->containers_size());
  for (cri::Container& c : *response->mutable_containers()) {
    if (FindLabel(c.labels(), kPodUIDLabel) == nullptr) continue;
    containers.push_back(std::move(c));
  }
  return containers;
}

absl::StatusOr<std::vector<container::Pod>> KubeRuntimeManager::GetPods(bool all) {
  // The PLEG calls this every second for every pod, so it moves strings out of the list responses
  // and reads only the labels and the one annotation its result holds (GetPodStatus parses all).
  absl::StatusOr<std::vector<cri::PodSandbox>> sandboxes = ListKubeletSandboxes(all, "");
  if (!sandboxes.ok()) return sandboxes.status();
  std::vector<container::Pod> result;  // in order of first sight, sorted at the end
  result.reserve(sandboxes->size());
  absl::flat_hash_map<std::string, size_t> index;  // pod uid -> position in `result`
  index.reserve(sandboxes->size());
  // The pod of `uid`, created with `name` and `namespace_` (copied) when first seen.
  auto pod_for = [&](absl::string_view uid, absl::string_view name,
                     absl::string_view namespace_) -> container::Pod& {
    auto [it, inserted] = index.try_emplace(uid, result.size());
    if (inserted) {
      container::Pod& pod = result.emplace_back();
      pod.id = it->first;
      pod.name = std::string(name);
      pod.namespace_ = std::string(namespace_);
      return pod;
    }
    return result[it->second];
  };
  std::sort(sandboxes->begin(), sandboxes->end(),
            [](const cri::PodSandbox& a, const cri::PodSandbox& b) {
              return a.created_at() > b.created_at();
            });
  for (cri::PodSandbox& s : *sandboxes) {
    cri::PodSandboxMetadata* metadata = s.mutable_metadata();
    container::Pod& pod = pod_for(metadata->uid(), metadata->name(), metadata->namespace_());
    container::Container& sandbox = pod.sandboxes.emplace_back();
    sandbox.id = corev1::ContainerID{runtime_name_, std::move(*s.mutable_id())};
    sandbox.name = std::move(*metadata->mutable_name());
    sandbox.state =
        s.state() == cri::SANDBOX_READY ? container::State::kRunning : container::State::kExited;
    sandbox.created_at = absl::FromUnixNanos(s.created_at());
    if (pod.sandboxes.size() == 1) pod.created_at = sandbox.created_at;
  }

  absl::StatusOr<std::vector<cri::Container>> containers = ListKubeletContainers(all, "");
  if (!containers.ok()) return containers.status();
  static const std::string kNone;
  auto label = [](const CriLabels& labels, absl::string_view key) -> const std::string& {
    const std::string* value = FindLabel(labels, key);
    return value == nullptr ? kNone : *value;
  };
  for (cri::Container& c : *containers) {
    const CriLabels& labels = c.labels();
    container::Pod& pod = pod_for(label(labels, kPodUIDLabel), label(labels, kPodNameLabel),
                                  label(labels, kPodNamespaceLabel));
    container::Container& converted = pod.containers.emplace_back();
    converted.id = corev1::ContainerID{runtime_name_, std::move(*c.mutable_id())};
    // Branches, not ?:, so that the moves are not turned into copies.
    if (const std::string& name = label(labels, kContainerNameLabel); !name.empty()) {
      converted.name = name;
    } else {
      converted.name = std::move(*c.mutable_metadata()->mutable_name());
    }
    cri::ImageSpec* image = c.mutable_image();
    converted.image = image->user_specified_image().empty()
                          ? std::move(*image->mutable_image())
                          : std::move(*image->mutable_user_specified_image());
    if (c.image_id().empty()) {
      converted.image_id = c.image_ref();
    } else {
      converted.image_id = std::move(*c.mutable_image_id());
    }
    converted.image_ref = std::move(*c.mutable_image_ref());
    converted.hash = GetContainerHashFromAnnotations(c.annotations());
    converted.state = StateFromCri(c.state());
    converted.created_at = absl::FromUnixNanos(c.created_at());
  }

  // Newest pods first, as the kubelet orders them (two pods of one name: the live one first).
  std::stable_sort(
      result.begin(), result.end(),
      [](const container::Pod& a, const container::Pod& b) { return a.created_at > b.created_at; });
  return result;
}

absl::StatusOr<container::PodStatus> KubeRuntimeManager::GetPodStatus(
    absl::string_view uid, absl::string_view name, absl::string_view namespace_) {
  container::PodStatus status;
  status.id = std::string(uid);
  status.name = std::string(name);
  status.namespace_ = std::string(namespace_);
  status.timestamp = clock_.Now();

  absl::StatusOr<std::vector<cri::PodSandbox>> sandboxes =
      ListKubeletSandboxes(true, std::string(uid));
  if (!sandboxes.ok()) return sandboxes.status();
  std::sort(sandboxes->begin(), sandboxes->end(),
            [](const cri::PodSandbox& a, const cri::PodSandbox& b) {
              return a.created_at() > b.created_at();
            });
  for (size_t i = 0; i < sandboxes->size(); ++i) {
    cri::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id((*sandboxes)[i].id());
    absl::StatusOr<cri::PodSandboxStatusResponse> response = runtime_.PodSandboxStatus(request);
    // Removed between the list and now: as if it had not been listed.
    if (absl::IsNotFound(response.status())) continue;
    if (!response.ok()) return response.status();
    if (absl::Status valid = CheckStatus(*response, request.pod_sandbox_id()); !valid.ok()) {
      return valid;
    }
    const cri::PodSandboxStatus& s = response->status();
    // The IPs of the newest sandbox only (when it is ready).
    if (status.sandbox_statuses.empty()) status.ips = PodIPsFromSandbox(s);
    status.sandbox_statuses.push_back(s);
  }

  absl::StatusOr<std::vector<cri::Container>> containers =
      ListKubeletContainers(true, std::string(uid));
  if (!containers.ok()) return containers.status();
  for (const cri::Container& c : *containers) {
    cri::ContainerStatusRequest request;
    request.set_container_id(c.id());
    absl::StatusOr<cri::ContainerStatusResponse> response = runtime_.ContainerStatus(request);
    if (absl::IsNotFound(response.status())) continue;
    if (!response.ok()) return response.status();
    if (absl::Status valid = CheckStatus(*response, c.id()); !valid.ok()) return valid;
    status.container_statuses.push_back(ToContainerStatus(response->status()));
  }
  SortNewestFirst(&status.container_statuses);
  return status;
}

absl::StatusOr<std::string> KubeRuntimeManager::PullImage(
    absl::string_view image, const cri::AuthConfig* auth,
    const cri::PodSandboxConfig* sandbox_config) {
  cri::PullImageRequest request;
  request.mutable_image()->set_image(std::string(image));
  if (auth != nullptr) *request.mutable_auth() = *auth;
  if (sandbox_config != nullptr) *request.mutable_sandbox_config() = *sandbox_config;
  absl::StatusOr<cri::PullImageResponse> response = images_.PullImage(request);
  if (!response.ok()) return response.status();
  return response->image_ref();
}

absl::StatusOr<std::string> KubeRuntimeManager::GetImageRef(absl::string_view image) {
  cri::ImageStatusRequest request;
  request.mutable_image()->set_image(std::string(image));
  absl::StatusOr<cri::ImageStatusResponse> response = images_.ImageStatus(request);
  if (!response.ok()) return response.status();
  return response->has_image() ? response->image().id() : std::string();
}

absl::StatusOr<std::vector<container::Image>> KubeRuntimeManager::ListImages() {
  absl::StatusOr<cri::ListImagesResponse> response = images_.ListImages(cri::ListImagesRequest());
  if (!response.ok()) return response.status();
  std::vector<container::Image> images;
  for (const cri::Image& i : response->images()) {
    container::Image image;
    image.id = i.id();
    image.repo_tags.assign(i.repo_tags().begin(), i.repo_tags().end());
    image.repo_digests.assign(i.repo_digests().begin(), i.repo_digests().end());
    image.size = i.size();
    image.pinned = i.pinned();
    images.push_back(std::move(image));
  }
  return images;
}

absl::Status KubeRuntimeManager::RemoveImage(absl::string_view image) {
  cri::RemoveImageRequest request;
  request.mutable_image()->set_image(std::string(image));
  return images_.RemoveImage(request).status();
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
