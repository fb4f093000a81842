#include "kubelet_core/kuberuntime/termination_ordering.h"

#include <catch2/catch.hpp>
#include <thread>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

corev1::Container Named(const std::string& name, bool sidecar) {
  corev1::Container c;
  c.name = name;
  if (sidecar) c.restart_policy = corev1::ContainerRestartPolicy::kAlways;
  return c;
}

corev1::Pod SidecarPod() {
  corev1::Pod pod;
  pod.spec.init_containers = {Named("init", false), Named("logs", true), Named("proxy", true)};
  pod.spec.containers = {Named("a", false), Named("b", false)};
  return pod;
}

TEST_CASE("sidecars wait for the app containers and for the sidecars declared after them") {
  TerminationOrdering ordering(SidecarPod(), {"a", "b", "logs", "proxy"});
  CHECK(ordering.Prerequisites("a").empty());
  CHECK(ordering.Prerequisites("proxy") == std::vector<std::string>{"a", "b"});
  CHECK(ordering.Prerequisites("logs") == std::vector<std::string>{"a", "b", "proxy"});
}

TEST_CASE("a sidecar's turn comes when everything it waits for has stopped") {
  TerminationOrdering ordering(SidecarPod(), {"a", "b", "logs", "proxy"});
  std::thread stop_apps([&] {
    ordering.ContainerTerminated("a");
    ordering.ContainerTerminated("b");
  });
  ordering.WaitForTurn("proxy", absl::Seconds(30));
  stop_apps.join();
  ordering.ContainerTerminated("proxy");
  CHECK(ordering.WaitForTurn("logs", absl::Seconds(30)) < absl::Seconds(30));
}

TEST_CASE("containers that are not running do not hold anyone back, and waits are bounded") {
  TerminationOrdering ordering(SidecarPod(), {"logs"});
  CHECK(ordering.WaitForTurn("logs", absl::Seconds(30)) < absl::Seconds(1));
  TerminationOrdering stuck(SidecarPod(), {"a", "logs"});
  CHECK(stuck.WaitForTurn("logs", absl::Milliseconds(50)) >= absl::Milliseconds(50));
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
