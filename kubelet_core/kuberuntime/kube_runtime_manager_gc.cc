// KubeRuntimeManager: garbage collection of dead containers, sandboxes and log folders.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

struct ContainerGCInfo {
  std::string id;
  std::string name;
  absl::Time created;
  bool unknown = false;
  uint32_t attempt = 0;
};

struct SandboxGCInfo {
  std::string id;
  absl::Time created;
  bool active = false;
  uint32_t attempt = 0;
};

// Newest first: by attempt, then by creation time.
template <typename T>
void SortNewestFirst(std::vector<T>* items) {
  std::sort(items->begin(), items->end(), [](const T& a, const T& b) {
    if (a.attempt != b.attempt) return a.attempt > b.attempt;
    return a.created > b.created;
  });
}

using EvictUnits = std::map<std::pair<std::string, std::string>, std::vector<ContainerGCInfo>>;

size_t NumContainers(const EvictUnits& units) {
  size_t n = 0;
  for (const auto& [key, list] : units) n += list.size();
  return n;
}

// Files of a container's log: the log and its rotated copies ("0.log.20260101-000000").
void RemoveLogFiles(const std::string& log_path) {
  if (log_path.empty()) return;
  ::unlink(log_path.c_str());
  size_t slash = log_path.rfind('/');
  if (slash == std::string::npos) return;
  const std::string dir = log_path.substr(0, slash);
  const std::string prefix = log_path.substr(slash + 1) + ".";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> rotated;
  while (struct dirent* entry = ::readdir(d)) {
    if (absl::StartsWith(entry->d_name, prefix)) rotated.push_back(dir + "/" + entry->d_name);
  }
  ::closedir(d);
  for (const std::string& file : rotated) ::unlink(file.c_str());
}

}  // namespace

bool KubeRuntimeManager::PodRemovable(const std::string& uid, bool evict_non_deleted_pods) const {
  if (options_.pod_state == nullptr || uid.empty()) return false;
  return options_.pod_state->ShouldPodContentBeRemoved(uid) ||
         (evict_non_deleted_pods && options_.pod_state->ShouldPodRuntimeBeRemoved(uid));
}

absl::Status KubeRuntimeManager::RemoveContainer(const std::string& container_id) {
  // The log first: a container is only removed once its log is (so a failure retries both).
  cri::ContainerStatusRequest status_request;
  status_request.set_container_id(container_id);
  absl::StatusOr<cri::ContainerStatusResponse> status = runtime_.ContainerStatus(status_request);
  if (status.ok()) {
    RemoveLogFiles(status->status().log_path());
    // The termination message file lives in the agent's folder; it goes with the container.
    AnnotatedContainerInfo annotations =
        GetContainerInfoFromAnnotations(status->status().annotations());
    const std::string pods_dir = absl::StrCat(options_.root_dir, "/pods/");
    for (const cri::Mount& m : status->status().mounts()) {
      if (!options_.root_dir.empty() && !annotations.termination_message_path.empty() &&
          m.container_path() == annotations.termination_message_path &&
          absl::StartsWith(m.host_path(), pods_dir)) {
        ::unlink(m.host_path().c_str());
      }
    }
  } else if (!absl::IsNotFound(status.status())) {
    return absl::Status(status.status().code(),
                        absl::StrCat("failed to get container status ", container_id, ": ",
                                     status.status().message()));
  }
  cri::RemoveContainerRequest request;
  request.set_container_id(container_id);
  return runtime_.RemoveContainer(request).status();
}

absl::Status KubeRuntimeManager::DeleteContainer(const corev1::ContainerID& id) {
  return RemoveContainer(id.id);
}

absl::Status KubeRuntimeManager::EvictContainers(const container::GCPolicy& policy,
                                                 bool all_sources_ready,
                                                 bool evict_non_deleted_pods) {
  absl::StatusOr<std::vector<cri::Container>> containers = ListKubeletContainers(true, "");
  if (!containers.ok()) return containers.status();
  const absl::Time newest_gc_time = clock_.Now() - policy.min_age;
  EvictUnits units;
  for (const cri::Container& c : *containers) {
    if (c.state() == cri::CONTAINER_RUNNING) continue;
    const absl::Time created = absl::FromUnixNanos(c.created_at());
    if (created > newest_gc_time) continue;  // too young
    LabeledContainerInfo labels = GetContainerInfoFromLabels(c.labels());
    units[{labels.pod_uid, c.metadata().name()}].push_back(
        ContainerGCInfo{c.id(), c.metadata().name(), created, c.state() == cri::CONTAINER_UNKNOWN,
                        c.metadata().attempt()});
  }

  // Removes the oldest `n` of `list` (newest kept); returns what is left.
  auto remove_oldest = [&](std::vector<ContainerGCInfo> list, size_t n) {
    SortNewestFirst(&list);
    size_t keep = n >= list.size() ? 0 : list.size() - n;
    for (size_t i = list.size(); i > keep; --i) {
      const ContainerGCInfo& c = list[i - 1];
      if (c.unknown) {
        // It might still run: stop it first.
        absl::Status killed = KillContainer(
            nullptr, c.id, c.name, "Container is in unknown state, try killing it before removal",
            KillReason::kUnknown, std::nullopt, nullptr);
        if (!killed.ok()) {
          log::Error("Failed to stop container", {{"containerID", c.id}, {"error", killed}});
          continue;
        }
      }
      if (absl::Status removed = RemoveContainer(c.id); !removed.ok()) {
        log::Error("Failed to remove container", {{"containerID", c.id}, {"error", removed}});
      }
    }
    list.resize(keep);
    return list;
  };

  // Everything of pods that are gone.
  if (all_sources_ready) {
    for (auto it = units.begin(); it != units.end();) {
      if (PodRemovable(it->first.first, evict_non_deleted_pods)) {
        remove_oldest(it->second, it->second.size());
        it = units.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto enforce_per_unit = [&](int max) {
    for (auto& [key, list] : units) {
      if (list.size() > static_cast<size_t>(max)) {
        list = remove_oldest(list, list.size() - static_cast<size_t>(max));
      }
    }
  };
  if (policy.max_per_pod_container >= 0) enforce_per_unit(policy.max_per_pod_container);
  if (policy.max_containers >= 0 &&
      NumContainers(units) > static_cast<size_t>(policy.max_containers)) {
    // An equal share per unit (at least one), then the oldest overall.
    int per_unit = units.empty() ? 1 : policy.max_containers / static_cast<int>(units.size());
    enforce_per_unit(std::max(per_unit, 1));
    size_t total = NumContainers(units);
    if (total > static_cast<size_t>(policy.max_containers)) {
      std::vector<ContainerGCInfo> flat;
      for (auto& [key, list] : units) flat.insert(flat.end(), list.begin(), list.end());
      remove_oldest(flat, total - static_cast<size_t>(policy.max_containers));
    }
  }
  return absl::OkStatus();
}

absl::Status KubeRuntimeManager::EvictSandboxes(bool evict_non_deleted_pods) {
  absl::StatusOr<std::vector<cri::Container>> containers = ListKubeletContainers(true, "");
  if (!containers.ok()) return containers.status();
  absl::StatusOr<std::vector<cri::PodSandbox>> sandboxes = ListKubeletSandboxes(true, "");
  if (!sandboxes.ok()) return sandboxes.status();
  std::set<std::string> with_containers;
  for (const cri::Container& c : *containers) with_containers.insert(c.pod_sandbox_id());

  std::map<std::string, std::vector<SandboxGCInfo>> by_pod;
  for (const cri::PodSandbox& s : *sandboxes) {
    SandboxGCInfo info{s.id(), absl::FromUnixNanos(s.created_at()),
                       s.state() == cri::SANDBOX_READY || with_containers.count(s.id()) > 0,
                       s.metadata().attempt()};
    by_pod[s.metadata().uid()].push_back(info);
  }
  for (auto& [uid, list] : by_pod) {
    SortNewestFirst(&list);
    // A live pod keeps its newest sandbox; a gone pod keeps none.
    size_t keep = PodRemovable(uid, evict_non_deleted_pods) ? 0 : 1;
    for (size_t i = list.size(); i > keep; --i) {
      const SandboxGCInfo& s = list[i - 1];
      if (s.active) continue;
      cri::StopPodSandboxRequest stop;
      stop.set_pod_sandbox_id(s.id);
      if (absl::Status stopped = runtime_.StopPodSandbox(stop).status(); !stopped.ok()) {
        log::Error("Failed to stop sandbox before removing",
                   {{"podSandboxID", s.id}, {"error", stopped}});
        continue;
      }
      cri::RemovePodSandboxRequest remove;
      remove.set_pod_sandbox_id(s.id);
      if (absl::Status removed = runtime_.RemovePodSandbox(remove).status(); !removed.ok()) {
        log::Error("Failed to remove sandbox", {{"podSandboxID", s.id}, {"error", removed}});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status KubeRuntimeManager::EvictPodLogsDirectories(bool all_sources_ready) {
  if (!all_sources_ready || options_.pod_state == nullptr) return absl::OkStatus();
  std::error_code error;
  if (!std::filesystem::exists(options_.pod_logs_root, error)) return absl::OkStatus();
  std::filesystem::directory_iterator it(options_.pod_logs_root, error);
  if (error) {
    return absl::UnknownError(absl::StrCat("failed to read pod logs root ", options_.pod_logs_root,
                                           ": ", error.message()));
  }
  for (const std::filesystem::directory_entry& entry : it) {
    const std::string uid = ParsePodUIDFromLogsDirectory(entry.path().filename().string());
    if (uid.empty() || !options_.pod_state->ShouldPodContentBeRemoved(uid)) continue;
    std::filesystem::remove_all(entry.path(), error);
    if (error) {
      log::Error("Failed to remove pod logs directory",
                 {{"path", entry.path().string()}, {"error", error.message()}});
    }
  }
  return absl::OkStatus();
}

absl::Status KubeRuntimeManager::EvictPodDirectories(bool all_sources_ready) {
  if (!all_sources_ready || options_.pod_state == nullptr || options_.root_dir.empty()) {
    return absl::OkStatus();
  }
  const std::filesystem::path pods_dir = std::filesystem::path(options_.root_dir) / "pods";
  std::error_code error;
  if (!std::filesystem::exists(pods_dir, error)) return absl::OkStatus();
  // Pods that still have something in the runtime keep their folder (a running container may
  // use its emptyDir).
  std::set<std::string> in_runtime;
  absl::StatusOr<std::vector<cri::Container>> containers = ListKubeletContainers(true, "");
  if (!containers.ok()) return containers.status();
  for (const cri::Container& c : *containers) {
    in_runtime.insert(GetContainerInfoFromLabels(c.labels()).pod_uid);
  }
  absl::StatusOr<std::vector<cri::PodSandbox>> sandboxes = ListKubeletSandboxes(true, "");
  if (!sandboxes.ok()) return sandboxes.status();
  for (const cri::PodSandbox& s : *sandboxes) in_runtime.insert(s.metadata().uid());
  std::filesystem::directory_iterator it(pods_dir, error);
  if (error) {
    return absl::UnknownError(
        absl::StrCat("failed to read ", pods_dir.string(), ": ", error.message()));
  }
  for (const std::filesystem::directory_entry& entry : it) {
    const std::string uid = entry.path().filename().string();
    if (in_runtime.count(uid) > 0 || !options_.pod_state->ShouldPodContentBeRemoved(uid)) continue;
    // Volumes mounted in the folder (medium-Memory emptyDirs) go first: removing through a mount
    // would empty it and then fail. A folder that keeps a mount is left for the next round.
    if (absl::Status unmounted = UnmountPodDirectory(entry.path().string()); !unmounted.ok()) {
      log::Error("Failed to unmount pod volumes",
                 {{"path", entry.path().string()}, {"error", unmounted}});
      continue;
    }
    std::filesystem::remove_all(entry.path(), error);
    if (error) {
      log::Error("Failed to remove pod directory",
                 {{"path", entry.path().string()}, {"error", error.message()}});
    }
  }
  return absl::OkStatus();
}

absl::Status KubeRuntimeManager::GarbageCollect(const container::GCPolicy& policy,
                                                bool all_sources_ready,
                                                bool evict_non_deleted_pods) {
  std::vector<std::string> errors;
  if (absl::Status s = EvictContainers(policy, all_sources_ready, evict_non_deleted_pods);
      !s.ok()) {
    errors.push_back(std::string(s.message()));
  }
  if (absl::Status s = EvictSandboxes(evict_non_deleted_pods); !s.ok()) {
    errors.push_back(std::string(s.message()));
  }
  if (absl::Status s = EvictPodLogsDirectories(all_sources_ready); !s.ok()) {
    errors.push_back(std::string(s.message()));
  }
  if (absl::Status s = EvictPodDirectories(all_sources_ready); !s.ok()) {
    errors.push_back(std::string(s.message()));
  }
  // Back-off entries of containers that stopped crashing long ago.
  backoff_.GarbageCollect();
  if (errors.empty()) return absl::OkStatus();
  return absl::UnknownError(absl::StrJoin(errors, "; "));
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
