#include "kubelet_core/kuberuntime/pod_actions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kubelet_core/container/helpers.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using container::ContainerStatus;
using container::ProbeResult;
using container::ProbeType;
using container::State;

bool ShouldRestartOnFailure(const corev1::Pod& pod) {
  return pod.spec.restart_policy != corev1::RestartPolicy::kNever;
}

bool ContainerSucceeded(const corev1::Container& c, const container::PodStatus& status) {
  const ContainerStatus* s = status.FindContainerStatusByName(c.name);
  return s != nullptr && s->state == State::kExited && s->exit_code == 0;
}

bool HashChanged(const corev1::Container& c, const ContainerStatus& s) {
  return s.hash != container::HashContainer(c);
}

// A probe result; without a prober every probe counts as passed.
std::optional<ProbeResult> Probe(const container::ProbeResults* probes, ProbeType type,
                                 const ContainerStatus& s) {
  if (probes == nullptr) return ProbeResult::kSuccess;
  return probes->Get(type, s.id.id);
}

bool HasAnyRegularContainerCreated(const corev1::Pod& pod, const container::PodStatus& status) {
  for (const corev1::Container& c : pod.spec.containers) {
    const ContainerStatus* s = status.FindContainerStatusByName(c.name);
    if (s == nullptr) continue;
    if (s->state == State::kCreated || s->state == State::kRunning || s->state == State::kExited) {
      return true;
    }
  }
  return false;
}

std::string UnknownStateMessage(absl::string_view prefix) {
  return absl::StrCat(prefix, " is in \"unknown\" state, try killing it before restart");
}

// Decides the init containers' actions (starting the next one, keeping sidecars running);
// returns whether the pod is initialized.
bool ComputeInitContainerActions(const corev1::Pod& pod, const container::PodStatus& status,
                                 const container::ProbeResults* probes, PodActions* changes) {
  const std::vector<corev1::Container>& inits = pod.spec.init_containers;
  if (inits.empty()) return true;

  // An app container that is created or running means initialization happened before, even if
  // the init containers have been removed since.
  bool pod_has_initialized = false;
  for (const corev1::Container& c : pod.spec.containers) {
    const ContainerStatus* s = status.FindContainerStatusByName(c.name);
    if (s != nullptr && (s->state == State::kCreated || s->state == State::kRunning)) {
      pod_has_initialized = true;
      break;
    }
  }

  bool previously_initialized = pod_has_initialized;
  const bool restart_on_failure = ShouldRestartOnFailure(pod);
  const int last = static_cast<int>(inits.size()) - 1;
  auto kill = [&](const ContainerStatus& s, std::string message, KillReason reason) {
    changes->containers_to_kill[s.id.id] = ContainerToKill{s.name, std::move(message), reason};
  };

  // Backwards: completed init containers may have been removed, so the last one with a status
  // tells how far initialization got.
  for (int i = last; i >= 0; --i) {
    const corev1::Container& c = inits[i];
    const bool sidecar = corev1::IsSidecar(c);
    const ContainerStatus* s = status.FindContainerStatusByName(c.name);
    if (s == nullptr) {
      // Its status is gone (removed): a sidecar must run again.
      if (previously_initialized && sidecar) changes->init_containers_to_start.push_back(i);
      continue;
    }
    // After initialization only sidecars need attention.
    if (previously_initialized && !sidecar) continue;

    switch (s->state) {
      case State::kCreated:
        // Created but never started (the runtime failed to start it): start it again.
        changes->init_containers_to_start.push_back(i);
        break;

      case State::kRunning: {
        if (!sidecar) break;  // wait for it to finish
        if (c.startup_probe) {
          std::optional<ProbeResult> startup = Probe(probes, ProbeType::kStartup, *s);
          if (!startup) break;  // not probed yet
          if (*startup != ProbeResult::kSuccess) {
            if (*startup == ProbeResult::kFailure) {
              kill(*s, absl::StrCat("Init container ", c.name, " failed startup probe"),
                   KillReason::kStartupProbe);
              changes->init_containers_to_start.push_back(i);
            }
            break;
          }
        }
        if (i == last) {
          pod_has_initialized = true;
        } else if (!previously_initialized) {
          // Started for the first time: start the next one.
          changes->init_containers_to_start.push_back(i + 1);
        }
        if (HashChanged(c, *s)) {
          kill(*s, absl::StrCat("Init container ", c.name, " definition changed"),
               KillReason::kNone);
          changes->init_containers_to_start.push_back(i);
          break;
        }
        if (c.liveness_probe) {
          std::optional<ProbeResult> liveness = Probe(probes, ProbeType::kLiveness, *s);
          if (liveness && *liveness == ProbeResult::kFailure) {
            kill(*s, absl::StrCat("Init container ", c.name, " failed liveness probe"),
                 KillReason::kLivenessProbe);
            changes->init_containers_to_start.push_back(i);
          }
        }
        break;
      }

      case State::kExited:
        if (sidecar) {
          changes->init_containers_to_start.push_back(i);
          break;
        }
        if (container::IsInitContainerFailed(*s)) {
          if (!restart_on_failure) {
            changes->kill_pod = true;
            changes->init_containers_to_start.clear();
            return false;
          }
          changes->init_containers_to_start.push_back(i);
          break;
        }
        if (i == last) {
          pod_has_initialized = true;
        } else {
          changes->init_containers_to_start.push_back(i + 1);
        }
        break;

      case State::kUnknown:
        if (!sidecar && !restart_on_failure) {
          changes->kill_pod = true;
          changes->init_containers_to_start.clear();
          return false;
        }
        kill(*s, UnknownStateMessage("Init container"), KillReason::kUnknown);
        changes->init_containers_to_start.push_back(i);
        break;
    }
    previously_initialized = true;
  }

  // Nothing has run yet: start the first one.
  if (!previously_initialized) changes->init_containers_to_start.push_back(0);
  std::reverse(changes->init_containers_to_start.begin(), changes->init_containers_to_start.end());
  return pod_has_initialized;
}

}  // namespace

std::string PodActions::ToString() const {
  std::vector<std::string> kills;
  for (const auto& [id, kill] : containers_to_kill) kills.push_back(kill.name);
  return absl::StrCat("KillPod: ", kill_pod, ", CreateSandbox: ", create_sandbox,
                      ", SandboxID: ", sandbox_id, ", Attempt: ", attempt,
                      ", InitContainersToStart: [", absl::StrJoin(init_containers_to_start, " "),
                      "], ContainersToStart: [", absl::StrJoin(containers_to_start, " "),
                      "], ContainersToKill: [", absl::StrJoin(kills, " "), "]");
}

SandboxChange PodSandboxChanged(const corev1::Pod& pod, const container::PodStatus& status) {
  if (status.sandbox_statuses.empty()) return SandboxChange{true, 0, ""};
  int ready = 0;
  uint32_t max_attempt = 0;
  for (const cri::PodSandboxStatus& s : status.sandbox_statuses) {
    if (s.state() == cri::SANDBOX_READY) ready++;
    max_attempt = std::max(max_attempt, s.metadata().attempt());
  }
  const cri::PodSandboxStatus& latest = status.sandbox_statuses.front();
  // More than one ready sandbox, or the newest is not ready: reconcile with a new one.
  if (ready > 1 || latest.state() != cri::SANDBOX_READY) {
    return SandboxChange{true, max_attempt + 1, latest.id()};
  }
  const cri::NamespaceMode network =
      pod.spec.host_network ? cri::NamespaceMode::NODE : cri::NamespaceMode::POD;
  // Only a status that reports the namespace options tells the network mode: read as the default
  // (POD), a status without them would replace a host-network pod's sandbox on every sync.
  const bool reports_network_mode = latest.has_linux() && latest.linux().has_namespaces() &&
                                    latest.linux().namespaces().has_options();
  if (reports_network_mode && latest.linux().namespaces().options().network() != network) {
    return SandboxChange{true, max_attempt + 1, ""};
  }
  if (!pod.spec.host_network && latest.has_network() && latest.network().ip().empty()) {
    return SandboxChange{true, max_attempt + 1, latest.id()};
  }
  return SandboxChange{false, max_attempt, latest.id()};
}

PodActions ComputePodActions(const corev1::Pod& pod, const container::PodStatus& status,
                             const container::ProbeResults* probes) {
  PodActions changes;
  SandboxChange sandbox = PodSandboxChanged(pod, status);
  changes.kill_pod = sandbox.changed;
  changes.create_sandbox = sandbox.changed;
  changes.sandbox_id = sandbox.sandbox_id;
  changes.attempt = sandbox.attempt;

  if (changes.create_sandbox) {
    // A pod that must not restart and already ran: only kill what is left.
    if (!ShouldRestartOnFailure(pod) && changes.attempt != 0 &&
        !status.container_statuses.empty()) {
      changes.create_sandbox = false;
      return changes;
    }
    std::vector<int> to_start;
    for (size_t i = 0; i < pod.spec.containers.size(); ++i) {
      const corev1::Container& c = pod.spec.containers[i];
      if (pod.spec.restart_policy == corev1::RestartPolicy::kOnFailure &&
          ContainerSucceeded(c, status)) {
        continue;
      }
      to_start.push_back(static_cast<int>(i));
    }
    // Initialized and nothing left to run: only kill.
    if (to_start.empty() && HasAnyRegularContainerCreated(pod, status)) {
      changes.create_sandbox = false;
      return changes;
    }
    // A new sandbox starts from the first init container.
    if (!pod.spec.init_containers.empty()) {
      changes.init_containers_to_start = {0};
      return changes;
    }
    changes.containers_to_start = to_start;
    return changes;
  }

  const bool initialized = ComputeInitContainerActions(pod, status, probes, &changes);

  // Running containers the spec no longer names.
  for (const ContainerStatus& s : status.container_statuses) {
    if (s.state != State::kRunning) continue;
    if (container::FindContainerSpec(pod, s.name) != nullptr) continue;
    changes.containers_to_kill[s.id.id] = ContainerToKill{
        s.name, absl::StrCat("Container ", s.name, " is not in the pod spec"), KillReason::kNone};
  }

  if (changes.kill_pod || !initialized) return changes;

  int keep = 0;
  for (size_t i = 0; i < pod.spec.containers.size(); ++i) {
    const corev1::Container& c = pod.spec.containers[i];
    const int idx = static_cast<int>(i);
    const ContainerStatus* s = status.FindContainerStatusByName(c.name);
    if (s == nullptr || s->state != State::kRunning) {
      if (container::ShouldContainerBeRestarted(c, pod, status)) {
        changes.containers_to_start.push_back(idx);
        // Unknown: it may still run; kill it so two instances never run.
        if (s != nullptr && s->state == State::kUnknown) {
          changes.containers_to_kill[s->id.id] =
              ContainerToKill{s->name, UnknownStateMessage("Container"), KillReason::kUnknown};
        }
      }
      continue;
    }
    std::string message;
    KillReason reason = KillReason::kNone;
    bool restart = ShouldRestartOnFailure(pod);
    std::optional<ProbeResult> liveness = Probe(probes, ProbeType::kLiveness, *s);
    std::optional<ProbeResult> startup = Probe(probes, ProbeType::kStartup, *s);
    if (HashChanged(c, *s)) {
      message = absl::StrCat("Container ", c.name, " definition changed");
      // A changed spec restarts whatever the restart policy says.
      restart = true;
    } else if (liveness && *liveness == ProbeResult::kFailure) {
      message = absl::StrCat("Container ", c.name, " failed liveness probe");
      reason = KillReason::kLivenessProbe;
    } else if (startup && *startup == ProbeResult::kFailure) {
      message = absl::StrCat("Container ", c.name, " failed startup probe");
      reason = KillReason::kStartupProbe;
    } else {
      keep++;
      continue;
    }
    if (restart) {
      absl::StrAppend(&message, ", will be restarted");
      changes.containers_to_start.push_back(idx);
    }
    changes.containers_to_kill[s->id.id] = ContainerToKill{s->name, message, reason};
  }

  if (keep == 0 && changes.containers_to_start.empty()) {
    changes.kill_pod = true;
    // Sidecars must not keep a finished pod alive.
    changes.init_containers_to_start.clear();
  }
  return changes;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
