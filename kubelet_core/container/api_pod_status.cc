#include "kubelet_core/container/api_pod_status.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kubelet_core/container/helpers.h"

namespace krl {
namespace kubelet_core {
namespace container {
namespace {

using corev1::ContainerState;

// A time the runtime reported, or nullopt for its "unset" zero.
std::optional<absl::Time> Reported(absl::Time time) {
  if (time == absl::UnixEpoch()) return std::nullopt;
  return time;
}

corev1::ContainerStatus ConvertContainerStatus(const ContainerStatus& cs,
                                               const corev1::ContainerStatus* old) {
  corev1::ContainerStatus status;
  status.name = cs.name;
  status.restart_count = cs.restart_count;
  status.image = cs.image;
  status.image_id = !cs.image_ref.empty() ? cs.image_ref : cs.image_id;
  status.container_id = cs.id.ToString();
  switch (cs.state) {
    case State::kRunning:
      status.state.running = corev1::ContainerStateRunning{Reported(cs.started_at)};
      break;
    case State::kCreated:
      // Created but not started: waiting to run.
      status.state.waiting = corev1::ContainerStateWaiting{};
      break;
    case State::kExited: {
      corev1::ContainerStateTerminated terminated;
      terminated.exit_code = cs.exit_code;
      terminated.reason = cs.reason;
      if (terminated.reason.empty()) terminated.reason = cs.exit_code == 0 ? "Completed" : "Error";
      terminated.message = cs.message;
      terminated.started_at = Reported(cs.started_at);
      terminated.finished_at = Reported(cs.finished_at);
      terminated.container_id = status.container_id;
      status.state.terminated = terminated;
      break;
    }
    case State::kUnknown:
      if (old != nullptr && old->state.running) {
        // It ran and the runtime lost it: it ended, with an unknown result.
        corev1::ContainerStateTerminated terminated;
        terminated.reason = "ContainerStatusUnknown";
        terminated.message = "The container could not be located when the pod was terminated";
        terminated.exit_code = 137;
        status.state.terminated = terminated;
        status.restart_count = old->restart_count + 1;
      } else {
        status.state.waiting = corev1::ContainerStateWaiting{};
      }
      break;
  }
  return status;
}

std::vector<corev1::ContainerStatus> ConvertToAPIContainerStatuses(
    const corev1::Pod& pod, const PodStatus& status,
    const std::vector<corev1::ContainerStatus>& previous,
    const std::vector<corev1::Container>& containers, bool has_init_containers, bool is_init,
    const ReasonCache* reasons) {
  std::map<std::string, corev1::ContainerStatus> old_statuses;
  for (const corev1::ContainerStatus& s : previous) old_statuses[s.name] = s;

  const absl::string_view default_reason =
      has_init_containers ? kPodInitializing : kContainerCreating;
  std::map<std::string, corev1::ContainerStatus> statuses;
  for (const corev1::Container& c : containers) {
    corev1::ContainerStatus s;
    s.name = c.name;
    s.image = c.image;
    s.state.waiting = corev1::ContainerStateWaiting{std::string(default_reason), ""};
    auto old = old_statuses.find(c.name);
    if (old != old_statuses.end()) {
      if (old->second.state.terminated) {
        s = old->second;
      } else {
        s.restart_count = old->second.restart_count;
        s.last_state = old->second.last_state;
      }
    }
    statuses[c.name] = s;
  }

  // A container that was running and that the runtime no longer reports has ended.
  for (const corev1::Container& c : containers) {
    if (status.FindContainerStatusByName(c.name) != nullptr) continue;
    auto old = old_statuses.find(c.name);
    if (old == old_statuses.end() || old->second.state.terminated || !old->second.state.running) {
      continue;
    }
    corev1::ContainerStatus& s = statuses[c.name];
    bool default_waiting = s.state.waiting && s.state.waiting->reason == default_reason;
    if (!default_waiting || s.last_state.terminated) continue;
    corev1::ContainerStateTerminated terminated;
    terminated.reason = "ContainerStatusUnknown";
    terminated.message =
        "The container could not be located when the pod was deleted.  The container used to be "
        "Running";
    terminated.exit_code = 137;
    s.last_state.terminated = terminated;
    s.restart_count += 1;
  }

  // The newest attempt is the state, the one before it the last state.
  std::map<std::string, int> seen;
  for (const ContainerStatus& cs : status.container_statuses) {  // newest first
    auto it = statuses.find(cs.name);
    if (it == statuses.end()) continue;
    if (seen[cs.name] >= 2) continue;
    auto old = old_statuses.find(cs.name);
    corev1::ContainerStatus converted =
        ConvertContainerStatus(cs, old == old_statuses.end() ? nullptr : &old->second);
    if (seen[cs.name] == 0) {
      converted.image = it->second.image;  // the image as the spec names it
      it->second = converted;
    } else {
      it->second.last_state = converted.state;
    }
    seen[cs.name]++;
  }

  // Containers the next sync will (re)start wait, with the reason of their last start failure.
  for (const corev1::Container& c : containers) {
    if (is_init) {
      const ContainerStatus* s = status.FindContainerStatusByName(c.name);
      if (s != nullptr && s->state == State::kExited && s->exit_code == 0) continue;
    }
    if (!ShouldContainerBeRestarted(c, pod, status)) continue;
    if (reasons == nullptr) continue;
    std::optional<ReasonCache::Reason> reason = reasons->Get(pod.metadata.uid, c.name);
    if (!reason) continue;
    corev1::ContainerStatus& s = statuses[c.name];
    if (s.state.terminated) s.last_state = s.state;
    s.state = ContainerState{};
    s.state.waiting = corev1::ContainerStateWaiting{reason->reason, reason->message};
  }

  std::vector<corev1::ContainerStatus> result;
  if (is_init) {
    // Init containers in spec order, app containers by name, as Kubernetes lists them.
    for (const corev1::Container& c : containers) result.push_back(statuses[c.name]);
  } else {
    for (auto& [name, s] : statuses) result.push_back(s);
  }
  return result;
}

// Readiness and started-ness from the probe results; a running container without a probe of
// that kind is ready / started.
void ApplyProbes(const std::vector<corev1::Container>& containers, const PodStatus& status,
                 const ProbeResults* probes, std::vector<corev1::ContainerStatus>* statuses) {
  for (corev1::ContainerStatus& s : *statuses) {
    const corev1::Container* spec = nullptr;
    for (const corev1::Container& c : containers) {
      if (c.name == s.name) spec = &c;
    }
    if (!s.state.running) {
      s.ready = false;
      if (s.state.terminated) s.started = false;
      continue;
    }
    const ContainerStatus* runtime_status = status.FindContainerStatusByName(s.name);
    std::string id = runtime_status != nullptr ? runtime_status->id.id : "";
    // Without a prober a running container is started and ready; with one, a container with a
    // probe of that kind waits for its first success.
    auto probe_ok = [&](ProbeType type, bool has_probe) {
      if (probes == nullptr) return true;
      std::optional<ProbeResult> result = probes->Get(type, id);
      if (result) return *result == ProbeResult::kSuccess;
      return !has_probe;
    };
    bool started = probe_ok(ProbeType::kStartup, spec != nullptr && spec->startup_probe);
    s.started = started;
    s.ready = started && probe_ok(ProbeType::kReadiness, spec != nullptr && spec->readiness_probe);
  }
}

const corev1::ContainerStatus* FindStatus(const std::vector<corev1::ContainerStatus>& statuses,
                                          absl::string_view name) {
  for (const corev1::ContainerStatus& s : statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

corev1::PodCondition Condition(absl::string_view type, bool ok, absl::string_view reason = "",
                               absl::string_view message = "") {
  corev1::PodCondition c;
  c.type = std::string(type);
  c.status = ok ? corev1::ConditionStatus::kTrue : corev1::ConditionStatus::kFalse;
  c.reason = std::string(reason);
  c.message = std::string(message);
  return c;
}

std::string NameList(const std::vector<std::string>& names) {
  return absl::StrCat("[", absl::StrJoin(names, " "), "]");
}

corev1::PodCondition InitializedCondition(const corev1::Pod& pod,
                                          const std::vector<corev1::ContainerStatus>& init,
                                          corev1::PodPhase phase) {
  if (pod.spec.init_containers.empty()) return Condition(corev1::kPodInitialized, true);
  if (phase == corev1::PodPhase::kSucceeded) {
    return Condition(corev1::kPodInitialized, true, "PodCompleted");
  }
  std::vector<std::string> unknown;
  std::vector<std::string> incomplete;
  for (const corev1::Container& c : pod.spec.init_containers) {
    const corev1::ContainerStatus* s = FindStatus(init, c.name);
    if (s == nullptr) {
      unknown.push_back(c.name);
      continue;
    }
    bool initialized = corev1::IsSidecar(c)
                           ? (s->started.value_or(false) || s->last_state.terminated.has_value())
                           : (s->state.terminated && s->state.terminated->exit_code == 0);
    if (!initialized) incomplete.push_back(c.name);
  }
  if (unknown.empty() && incomplete.empty()) return Condition(corev1::kPodInitialized, true);
  std::vector<std::string> parts;
  if (!unknown.empty()) parts.push_back("containers with unknown status: " + NameList(unknown));
  if (!incomplete.empty()) {
    parts.push_back("containers with incomplete status: " + NameList(incomplete));
  }
  return Condition(corev1::kPodInitialized, false, "ContainersNotInitialized",
                   absl::StrJoin(parts, ", "));
}

corev1::PodCondition ContainersReadyCondition(absl::string_view type, const corev1::Pod& pod,
                                              const std::vector<corev1::ContainerStatus>& init,
                                              const std::vector<corev1::ContainerStatus>& app,
                                              corev1::PodPhase phase) {
  if (phase == corev1::PodPhase::kSucceeded) return Condition(type, false, "PodCompleted");
  std::vector<std::string> unknown;
  std::vector<std::string> unready;
  auto check = [&](const corev1::Container& c, const std::vector<corev1::ContainerStatus>& in) {
    const corev1::ContainerStatus* s = FindStatus(in, c.name);
    if (s == nullptr) {
      unknown.push_back(c.name);
    } else if (!s->ready) {
      unready.push_back(c.name);
    }
  };
  for (const corev1::Container& c : pod.spec.init_containers) {
    if (corev1::IsSidecar(c)) check(c, init);
  }
  for (const corev1::Container& c : pod.spec.containers) check(c, app);
  if (unknown.empty() && unready.empty()) return Condition(type, true);
  std::vector<std::string> parts;
  if (!unknown.empty()) parts.push_back("containers with unknown status: " + NameList(unknown));
  if (!unready.empty()) parts.push_back("containers with unready status: " + NameList(unready));
  return Condition(type, false, "ContainersNotReady", absl::StrJoin(parts, ", "));
}

// Keeps the previous transition time of a condition whose status did not change.
void StampConditions(const corev1::PodStatus& previous, absl::Time now,
                     std::vector<corev1::PodCondition>* conditions) {
  for (corev1::PodCondition& c : *conditions) {
    c.last_transition_time = now;
    for (const corev1::PodCondition& old : previous.conditions) {
      if (old.type == c.type && old.status == c.status && old.last_transition_time) {
        c.last_transition_time = old.last_transition_time;
      }
    }
  }
}

}  // namespace

corev1::PodPhase GetPhase(const corev1::PodSpec& spec,
                          const std::vector<corev1::ContainerStatus>& init_statuses,
                          const std::vector<corev1::ContainerStatus>& statuses) {
  int pending_init = 0;
  int pending_sidecars = 0;
  int failed_init = 0;
  for (const corev1::Container& c : spec.init_containers) {
    if (corev1::IsSidecar(c)) continue;
    const corev1::ContainerStatus* s = FindStatus(init_statuses, c.name);
    if (s == nullptr || s->state.running) {
      pending_init++;
    } else if (s->state.terminated) {
      if (s->state.terminated->exit_code != 0) failed_init++;
    } else if (s->state.waiting) {
      if (s->last_state.terminated) {
        if (s->last_state.terminated->exit_code != 0) failed_init++;
      } else {
        pending_init++;
      }
    } else {
      pending_init++;
    }
  }

  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const corev1::Container& c : spec.init_containers) {
    if (!corev1::IsSidecar(c)) continue;
    const corev1::ContainerStatus* s = FindStatus(init_statuses, c.name);
    if (s == nullptr) {
      unknown++;
    } else if (s->state.running) {
      if (!s->started.value_or(false)) pending_sidecars++;
      running++;
    } else if (s->state.terminated) {
      // A stopped sidecar does not count.
    } else if (s->state.waiting) {
      if (!s->last_state.terminated) {
        pending_sidecars++;
        waiting++;
      }
    } else {
      pending_sidecars++;
      unknown++;
    }
  }

  bool initialized = false;
  for (const corev1::Container& c : spec.containers) {
    const corev1::ContainerStatus* s = FindStatus(statuses, c.name);
    if (s == nullptr) {
      unknown++;
      continue;
    }
    if (s->state.running) {
      running++;
      initialized = true;
    } else if (s->state.terminated) {
      stopped++;
      initialized = true;
      if (s->state.terminated->exit_code == 0) succeeded++;
    } else if (s->state.waiting) {
      if (s->last_state.terminated) {
        stopped++;
        initialized = true;
      } else {
        waiting++;
      }
    } else {
      unknown++;
    }
  }

  if (failed_init > 0 && spec.restart_policy == corev1::RestartPolicy::kNever) {
    return corev1::PodPhase::kFailed;
  }
  if (pending_init > 0 || (pending_sidecars > 0 && !initialized) || waiting > 0) {
    return corev1::PodPhase::kPending;
  }
  if (running > 0 && unknown == 0) return corev1::PodPhase::kRunning;
  if (running == 0 && stopped > 0 && unknown == 0) {
    if (spec.restart_policy == corev1::RestartPolicy::kAlways) return corev1::PodPhase::kRunning;
    if (stopped == succeeded) return corev1::PodPhase::kSucceeded;
    if (spec.restart_policy == corev1::RestartPolicy::kNever) return corev1::PodPhase::kFailed;
    return corev1::PodPhase::kRunning;  // OnFailure: restarting the failed ones
  }
  return corev1::PodPhase::kPending;
}

corev1::PodStatus GenerateAPIPodStatus(const corev1::Pod& pod, const PodStatus& status,
                                       const ReasonCache* reasons, const ProbeResults* probes,
                                       absl::Time now) {
  const corev1::PodStatus& previous = pod.status;
  corev1::PodStatus api;
  const bool has_init = !pod.spec.init_containers.empty();
  api.init_container_statuses =
      ConvertToAPIContainerStatuses(pod, status, previous.init_container_statuses,
                                    pod.spec.init_containers, has_init, /*is_init=*/true, reasons);
  api.container_statuses =
      ConvertToAPIContainerStatuses(pod, status, previous.container_statuses, pod.spec.containers,
                                    has_init, /*is_init=*/false, reasons);
  ApplyProbes(pod.spec.init_containers, status, probes, &api.init_container_statuses);
  ApplyProbes(pod.spec.containers, status, probes, &api.container_statuses);

  api.phase = GetPhase(pod.spec, api.init_container_statuses, api.container_statuses);

  api.host_ip = previous.host_ip;
  api.pod_ips = status.ips;
  if (!status.ips.empty()) {
    api.pod_ip = status.ips.front();
  } else if (!status.sandbox_statuses.empty()) {
    // The sandbox is gone or not ready: keep what the pod had.
    api.pod_ip = previous.pod_ip;
    api.pod_ips = previous.pod_ips;
  }
  api.start_time = previous.start_time;
  if (!api.start_time) {
    api.start_time = now;
    for (const cri::PodSandboxStatus& s : status.sandbox_statuses) {
      api.start_time = std::min(*api.start_time, absl::FromUnixNanos(s.created_at()));
    }
  }

  bool sandbox_ready = !status.sandbox_statuses.empty() &&
                       status.sandbox_statuses.front().state() == cri::SANDBOX_READY;
  api.conditions.push_back(Condition(corev1::kPodReadyToStartContainers, sandbox_ready));
  api.conditions.push_back(InitializedCondition(pod, api.init_container_statuses, api.phase));
  corev1::PodCondition ready = ContainersReadyCondition(
      corev1::kPodReady, pod, api.init_container_statuses, api.container_statuses, api.phase);
  corev1::PodCondition containers_ready =
      ContainersReadyCondition(corev1::kContainersReady, pod, api.init_container_statuses,
                               api.container_statuses, api.phase);
  api.conditions.push_back(ready);
  api.conditions.push_back(containers_ready);
  api.conditions.push_back(Condition(corev1::kPodScheduled, true));
  StampConditions(previous, now, &api.conditions);
  return api;
}

}  // namespace container
}  // namespace kubelet_core
}  // namespace krl
