// KubeRuntimeManager: starting, killing and reading containers.
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/container/helpers.h"
#include "kubelet_core/kuberuntime/config_generation.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/security_context.h"
#include "kubelet_core/kuberuntime/status_conversion.h"
#include "kubelet_core/kuberuntime/termination_ordering.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::PodSyncResult;
using container::SyncAction;

// The termination message written to the mounted file (its last kMaxTerminationMessageLength
// bytes), and whether the log should be read instead (FallbackToLogsOnError with an empty or
// missing file).
std::pair<std::string, bool> GetTerminationMessage(const cri::ContainerStatus& status,
                                                   const std::string& path, bool fallback,
                                                   const KubeRuntimeMetrics& metrics) {
  if (path.empty()) return {"", fallback};
  for (const cri::Mount& mount : status.mounts()) {
    if (mount.container_path() != path) continue;
    bool truncated = false;
    absl::StatusOr<std::string> data =
        ReadAtMost(mount.host_path(), kMaxTerminationMessageLength, &truncated);
    if (truncated) metrics.TerminationMessageTruncated(KubeRuntimeMetrics::kFileLimit);
    if (absl::IsNotFound(data.status())) return {"", fallback};
    if (!data.ok()) {
      return {absl::StrCat("Error on reading termination log ", mount.host_path(), ": ",
                           data.status().message()),
              false};
    }
    return {*data, fallback && data->empty()};
  }
  return {"", fallback};
}

}  // namespace

container::ContainerStatus KubeRuntimeManager::ToContainerStatus(
    const cri::ContainerStatus& status) const {
  container::ContainerStatus cs = ContainerStatusFromCri(runtime_name_, status);
  if (status.state() != cri::CONTAINER_EXITED) return cs;
  // The one part that reads files, hence not in the pure conversion: the termination message.
  const std::string* path = FindLabel(status.annotations(), kContainerTerminationMessagePathLabel);
  corev1::TerminationMessagePolicy policy = corev1::TerminationMessagePolicy::kFile;
  if (const std::string* p =
          FindLabel(status.annotations(), kContainerTerminationMessagePolicyLabel)) {
    corev1::ParseEnum(*p, &policy);
  }
  // A container that could not even start has no log to fall back to.
  const bool fallback = policy == corev1::TerminationMessagePolicy::kFallbackToLogsOnError &&
                        cs.exit_code != 0 && cs.reason != "ContainerCannotRun";
  auto [message, check_logs] =
      GetTerminationMessage(status, path != nullptr ? *path : std::string(), fallback, metrics_);
  if (check_logs) {
    bool truncated = false;
    message = ReadLastLogText(status.log_path(), kMaxTerminationMessageLogLines,
                              kMaxTerminationMessageLogLength, &truncated);
    if (truncated) metrics_.TerminationMessageTruncated(KubeRuntimeMetrics::kLogsLimit);
  }
  if (!message.empty()) {
    if (!cs.message.empty()) cs.message += ": ";
    cs.message += message;
  }
  return cs;
}

absl::StatusOr<LogReadStats> KubeRuntimeManager::ReadContainerLogs(absl::string_view container_id,
                                                                   const LogReadOptions& options,
                                                                   const LogWriter& write) {
  cri::ContainerStatusRequest request;
  request.set_container_id(std::string(container_id));
  absl::StatusOr<cri::ContainerStatusResponse> status = runtime_.ContainerStatus(request);
  if (!status.ok()) return status.status();
  const std::string& path = status->status().log_path();
  if (path.empty()) {
    return absl::NotFoundError(
        absl::StrCat("container ", container_id, " has no log path (the runtime reported none)"));
  }
  absl::StatusOr<LogReadStats> stats = kuberuntime::ReadContainerLogs(path, options, write);
  if (stats.ok()) metrics_.RecordLogRead(*stats);
  return stats;
}

absl::Status KubeRuntimeManager::ReadImageUser(const std::string& image_ref,
                                               ContainerContext* context) {
  cri::ImageStatusRequest request;
  request.mutable_image()->set_image(image_ref);
  absl::StatusOr<cri::ImageStatusResponse> image = images_.ImageStatus(request);
  if (!image.ok()) return image.status();
  context->image_uid.reset();
  context->image_username.clear();
  if (image->has_image() && image->image().has_uid()) {
    context->image_uid = image->image().uid().value();
  } else if (image->has_image() && !image->image().username().empty()) {
    context->image_username = image->image().username();
  } else {
    context->image_uid = 0;  // an image that names no user runs as root
  }
  return absl::OkStatus();
}

std::optional<KubeRuntimeManager::StartFailure> KubeRuntimeManager::StartContainer(
    const std::string& sandbox_id, const cri::PodSandboxConfig& sandbox_config,
    const corev1::Container& container, const corev1::Pod& pod, const container::PodStatus& status,
    const std::vector<std::string>& pod_ips) {
  const std::string pod_ip = pod_ips.empty() ? std::string() : pod_ips.front();
  // Step 1: the image.
  absl::StatusOr<std::string> image_ref =
      image_manager_.EnsureImageExists(pod, container, sandbox_config);
  if (!image_ref.ok()) {
    return StartFailure{container::ImageErrorReason(image_ref.status()),
                        std::string(image_ref.status().message())};
  }

  // Step 2: create it. The restart count continues from the last attempt, or from the log folder
  // when the runtime lost the history (a node reboot).
  int restart_count = 0;
  if (const container::ContainerStatus* last = status.FindContainerStatusByName(container.name)) {
    restart_count = last->restart_count + 1;
    // Created but never started (its start failed, or the answer to CreateContainer was lost):
    // it will never run, and once GC removed the attempts after it, it would read as the
    // container's newest state (an init container "waiting" in a running pod). Removed now.
    if (last->state == container::State::kCreated) {
      if (absl::Status removed = RemoveContainer(last->id.id); !removed.ok()) {
        log::Warning(
            "failed to remove a container that never started",
            {{"container", container.name}, {"containerID", last->id.id}, {"error", removed}});
      }
    }
  } else {
    restart_count = CalcRestartCountByLogDir(
        BuildContainerLogsDirectory(options_.pod_logs_root, pod.metadata.namespace_,
                                    pod.metadata.name, pod.metadata.uid, container.name));
  }
  ContainerContext context;
  context.pod_ips = pod_ips;
  if (absl::Status user = ReadImageUser(*image_ref, &context); !user.ok()) {
    return StartFailure{std::string(container::kErrCreateContainerConfig),
                        absl::StrCat("reading the image's user: ", user.message())};
  }
  // runAsNonRoot against the spec's user or the image's (security_context.h).
  if (absl::Status non_root = VerifyRunAsNonRoot(pod, container, context); !non_root.ok()) {
    return StartFailure{std::string(container::kErrCreateContainerConfig),
                        std::string(non_root.message())};
  }
  absl::StatusOr<cri::ContainerConfig> config =
      GenerateContainerConfig(container, pod, restart_count, *image_ref, options_, context);
  if (!config.ok()) {
    return StartFailure{std::string(container::kErrCreateContainerConfig),
                        std::string(config.status().message())};
  }
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox_id);
  *create.mutable_config() = *std::move(config);
  *create.mutable_sandbox_config() = sandbox_config;
  absl::StatusOr<cri::CreateContainerResponse> created = runtime_.CreateContainer(create);
  if (!created.ok()) {
    return StartFailure{std::string(container::kErrCreateContainer),
                        std::string(created.status().message())};
  }
  const std::string id = created->container_id();
  if (id.empty()) {
    return StartFailure{std::string(container::kErrCreateContainer),
                        "CreateContainer returned an empty container id"};
  }

  // Step 3: start it.
  cri::StartContainerRequest start;
  start.set_container_id(id);
  absl::StatusOr<cri::StartContainerResponse> started = runtime_.StartContainer(start);
  if (!started.ok()) {
    return StartFailure{std::string(container::kErrRunContainer),
                        std::string(started.status().message())};
  }

  // Step 4: the postStart hook; its failure kills the container.
  if (container.lifecycle && container.lifecycle->post_start) {
    absl::Status hook = hooks_.Run(id, pod, container, *container.lifecycle->post_start, pod_ip,
                                   options_.post_start_hook_timeout);
    if (!hook.ok()) {
      log::Error("Failed to execute PostStartHook", {{"pod", container::PodFullName(pod)},
                                                     {"container", container.name},
                                                     {"containerID", id},
                                                     {"error", hook}});
      absl::Status killed = KillContainer(&pod, id, container.name, "FailedPostStartHook",
                                          KillReason::kFailedPostStartHook, std::nullopt, nullptr);
      if (!killed.ok()) {
        log::Error("Failed to kill container",
                   {{"container", container.name}, {"containerID", id}, {"error", killed}});
      }
      return StartFailure{std::string(container::kErrPostStartHook), std::string(hook.message())};
    }
  }
  return std::nullopt;
}

void KubeRuntimeManager::PruneInitContainersBeforeStart(const corev1::Pod& pod,
                                                        const container::PodStatus& status) {
  for (const corev1::Container& init : pod.spec.init_containers) {
    int count = 0;
    for (const container::ContainerStatus& s : status.container_statuses) {  // newest first
      if (s.name != init.name ||
          (s.state != container::State::kExited && s.state != container::State::kUnknown)) {
        continue;
      }
      // Keep the newest terminated attempt.
      if (++count == 1) continue;
      if (absl::Status removed = RemoveContainer(s.id.id); !removed.ok()) {
        log::Warning("failed to remove pod init container",
                     {{"container", s.name}, {"error", removed}});
      }
    }
  }
}

void KubeRuntimeManager::PurgeInitContainers(const corev1::Pod& pod,
                                             const container::PodStatus& status) {
  for (const corev1::Container& init : pod.spec.init_containers) {
    for (const container::ContainerStatus& s : status.container_statuses) {
      if (s.name != init.name) continue;
      if (absl::Status removed = RemoveContainer(s.id.id); !removed.ok()) {
        log::Warning("failed to remove pod init container",
                     {{"container", s.name}, {"error", removed}});
      }
    }
  }
}

absl::Status KubeRuntimeManager::KillPod(const corev1::Pod* pod, const container::Pod& running_pod,
                                         std::optional<int64_t> grace_period_override) {
  return KillPodWithSyncResult(pod, running_pod, grace_period_override).Error();
}

PodSyncResult KubeRuntimeManager::KillPodWithSyncResult(
    const corev1::Pod* pod, const container::Pod& running_pod,
    std::optional<int64_t> grace_period_override) {
  PodSyncResult result;
  const std::vector<container::Container>& containers = running_pod.containers;
  std::unique_ptr<TerminationOrdering> ordering;
  if (pod != nullptr && container::HasRestartableInitContainer(*pod)) {
    std::vector<std::string> running;
    for (const container::Container& c : containers) running.push_back(c.name);
    ordering = std::make_unique<TerminationOrdering>(*pod, running);
  }
  // Every container is stopped at once, each on its own thread, as their grace periods overlap.
  std::vector<absl::Status> errors(containers.size());
  auto kill = [&](size_t i) {
    errors[i] = KillContainer(pod, containers[i].id.id, containers[i].name, "",
                              KillReason::kUnknown, grace_period_override, ordering.get());
  };
  if (containers.size() == 1) {
    kill(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < containers.size(); ++i) threads.emplace_back(kill, i);
    for (std::thread& t : threads) t.join();
  }
  for (size_t i = 0; i < containers.size(); ++i) {
    container::SyncResult& step = result.Add(SyncAction::kKillContainer, containers[i].name);
    if (!errors[i].ok()) {
      step.Fail(container::kErrKillContainer, errors[i].message());
      log::Error("Kill container failed",
                 {{"pod", container::PodFullName(running_pod.name, running_pod.namespace_,
                                                 running_pod.id)},
                  {"container", containers[i].name},
                  {"error", errors[i]}});
    }
  }

  // Then the sandboxes (GC removes them later).
  container::SyncResult& sandbox_step = result.Add(SyncAction::kKillPodSandbox, running_pod.id);
  for (const container::Container& sandbox : running_pod.sandboxes) {
    cri::StopPodSandboxRequest request;
    request.set_pod_sandbox_id(sandbox.id.id);
    absl::StatusOr<cri::StopPodSandboxResponse> stopped = runtime_.StopPodSandbox(request);
    if (!stopped.ok() && !absl::IsNotFound(stopped.status())) {
      sandbox_step.Fail(container::kErrKillPodSandbox, stopped.status().message());
      log::Error("Failed to stop sandbox",
                 {{"podSandboxID", sandbox.id.id}, {"error", stopped.status()}});
    }
  }
  return result;
}

int64_t KubeRuntimeManager::ExecutePreStopHook(const corev1::Pod& pod,
                                               const std::string& container_id,
                                               const corev1::Container& container,
                                               int64_t grace_seconds) {
  const absl::Time start = clock_.Now();
  std::string pod_ip;
  if (container.lifecycle->pre_stop->http_get &&
      container.lifecycle->pre_stop->http_get->host.empty()) {
    // An httpGet hook goes to the pod's IP.
    absl::StatusOr<std::vector<cri::PodSandbox>> sandboxes =
        ListKubeletSandboxes(false, pod.metadata.uid);
    if (sandboxes.ok() && !sandboxes->empty()) {
      cri::PodSandboxStatusRequest request;
      request.set_pod_sandbox_id(sandboxes->front().id());
      absl::StatusOr<cri::PodSandboxStatusResponse> s = runtime_.PodSandboxStatus(request);
      if (s.ok()) pod_ip = s->status().network().ip();
    }
  }
  // The hook gets at most the grace period; the runtime ends an exec that outlives it.
  absl::Status hook = hooks_.Run(container_id, pod, container, *container.lifecycle->pre_stop,
                                 pod_ip, absl::Seconds(grace_seconds));
  if (!hook.ok()) {
    log::Warning("PreStop hook failed", {{"pod", container::PodFullName(pod)},
                                         {"container", container.name},
                                         {"containerID", container_id},
                                         {"error", hook}});
  }
  return absl::ToInt64Seconds(clock_.Now() - start);
}

absl::Status KubeRuntimeManager::KillContainer(const corev1::Pod* pod,
                                               const std::string& container_id,
                                               const std::string& container_name,
                                               const std::string& message, KillReason reason,
                                               std::optional<int64_t> grace_period_override,
                                               TerminationOrdering* ordering) {
  // However this ends, containers waiting for this one may go on.
  struct MarkTerminated {
    TerminationOrdering* ordering;
    const std::string& name;
    ~MarkTerminated() {
      if (ordering != nullptr) ordering->ContainerTerminated(name);
    }
  } mark_terminated{ordering, container_name};
  corev1::Pod restored_pod;
  corev1::Container restored_container;
  const corev1::Container* spec =
      pod != nullptr ? container::FindContainerSpec(*pod, container_name) : nullptr;
  std::optional<int64_t> grace;
  if (pod != nullptr && spec != nullptr) {
    grace = pod->spec.termination_grace_period_seconds;
    // A failed probe may bring its own grace period.
    if (reason == KillReason::kStartupProbe && spec->startup_probe &&
        spec->startup_probe->termination_grace_period_seconds) {
      grace = spec->startup_probe->termination_grace_period_seconds;
    } else if (reason == KillReason::kLivenessProbe && spec->liveness_probe &&
               spec->liveness_probe->termination_grace_period_seconds) {
      grace = spec->liveness_probe->termination_grace_period_seconds;
    }
  } else {
    // No spec (the agent restarted, or the container left the spec): what the container's
    // labels and annotations recorded when it was created.
    cri::ContainerStatusRequest request;
    request.set_container_id(container_id);
    absl::StatusOr<cri::ContainerStatusResponse> response = runtime_.ContainerStatus(request);
    if (absl::IsNotFound(response.status())) return absl::OkStatus();  // already gone
    if (!response.ok()) return response.status();
    LabeledContainerInfo labels = GetContainerInfoFromLabels(response->status().labels());
    AnnotatedContainerInfo annotations =
        GetContainerInfoFromAnnotations(response->status().annotations());
    restored_pod.metadata.name = labels.pod_name;
    restored_pod.metadata.namespace_ = labels.pod_namespace;
    restored_pod.metadata.uid = labels.pod_uid;
    restored_container.name =
        labels.container_name.empty() ? container_name : labels.container_name;
    restored_container.ports = annotations.ports;
    restored_container.termination_message_path = annotations.termination_message_path;
    if (annotations.pre_stop)
      restored_container.lifecycle.emplace().pre_stop = annotations.pre_stop;
    grace = annotations.pod_termination_grace_period;
    if (grace) restored_pod.spec.termination_grace_period_seconds = *grace;
    pod = &restored_pod;
    spec = &restored_container;
  }
  int64_t grace_seconds = grace.value_or(options_.minimum_grace_period_seconds);
  if (grace_period_override) grace_seconds = *grace_period_override;

  log::Info(message.empty() ? absl::StrCat("Stopping container ", spec->name) : message,
            {{"pod", container::PodFullName(*pod)},
             {"container", spec->name},
             {"containerID", container_id}});

  // The preStop hook, when there is time for it; it eats into the grace period.
  if (spec->lifecycle && spec->lifecycle->pre_stop && grace_seconds > 0) {
    grace_seconds -= ExecutePreStopHook(*pod, container_id, *spec, grace_seconds);
  }
  // Sidecars wait for the containers they serve.
  if (ordering != nullptr && grace_seconds > 0) {
    grace_seconds -=
        absl::ToInt64Seconds(ordering->WaitForTurn(container_name, absl::Seconds(grace_seconds)));
  }
  // Always a minimal window, to avoid needless SIGKILLs.
  grace_seconds = std::max(grace_seconds, options_.minimum_grace_period_seconds);

  cri::StopContainerRequest request;
  request.set_container_id(container_id);
  request.set_timeout(grace_seconds);
  absl::StatusOr<cri::StopContainerResponse> stopped = runtime_.StopContainer(request);
  if (!stopped.ok() && !absl::IsNotFound(stopped.status())) {
    log::Error("Container termination failed with gracePeriod", {{"container", container_name},
                                                                 {"containerID", container_id},
                                                                 {"gracePeriod", grace_seconds},
                                                                 {"error", stopped.status()}});
    return stopped.status();
  }
  return absl::OkStatus();
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
