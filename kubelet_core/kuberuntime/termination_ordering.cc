#include "kubelet_core/kuberuntime/termination_ordering.h"

#include <algorithm>

#include "absl/time/clock.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

TerminationOrdering::TerminationOrdering(const corev1::Pod& pod,
                                         const std::vector<std::string>& running) {
  auto is_running = [&](const std::string& name) {
    return std::find(running.begin(), running.end(), name) != running.end();
  };
  std::vector<std::string> app_containers;
  for (const corev1::Container& c : pod.spec.containers) {
    app_containers.push_back(c.name);
    if (!is_running(c.name)) terminated_.insert(c.name);
  }
  // Sidecars wait for every app container, and for the sidecars declared after them.
  std::string later_sidecar;
  for (auto it = pod.spec.init_containers.rbegin(); it != pod.spec.init_containers.rend(); ++it) {
    if (!is_running(it->name)) terminated_.insert(it->name);
    if (!corev1::IsSidecar(*it)) continue;
    std::vector<std::string>& waits = prereqs_[it->name];
    waits = app_containers;
    if (!later_sidecar.empty()) waits.push_back(later_sidecar);
    later_sidecar = it->name;
  }
}

absl::Duration TerminationOrdering::WaitForTurn(absl::string_view name, absl::Duration max_wait) {
  auto it = prereqs_.find(std::string(name));
  if (it == prereqs_.end() || it->second.empty()) return absl::ZeroDuration();
  const std::vector<std::string>& waits = it->second;
  const absl::Time start = absl::Now();
  krl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const std::string& w : waits) {
      if (terminated_.count(w) == 0) return false;
    }
    return true;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), max_wait);
  return absl::Now() - start;
}

void TerminationOrdering::ContainerTerminated(absl::string_view name) {
  krl::MutexLock lock(&mu_);
  terminated_.insert(std::string(name));
}

std::vector<std::string> TerminationOrdering::Prerequisites(absl::string_view name) const {
  auto it = prereqs_.find(std::string(name));
  return it == prereqs_.end() ? std::vector<std::string>() : it->second;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
