#include "kubelet_core/kuberuntime/manager_test_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <set>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

corev1::Container MakeContainer(const std::string& name) {
  corev1::Container c;
  c.name = name;
  c.image = "registry.test/busybox:1.36";
  c.image_pull_policy = corev1::PullPolicy::kIfNotPresent;
  c.command = {"sleep", "3600"};
  return c;
}

corev1::Container MakeSidecar(const std::string& name) {
  corev1::Container c = MakeContainer(name);
  c.restart_policy = corev1::ContainerRestartPolicy::kAlways;
  return c;
}

corev1::Pod MakePod(const std::string& name, std::vector<corev1::Container> containers,
                    std::vector<corev1::Container> init_containers) {
  corev1::Pod pod;
  pod.metadata.name = name;
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = absl::StrCat("uid-", name);
  pod.spec.host_network = true;
  pod.spec.containers = std::move(containers);
  pod.spec.init_containers = std::move(init_containers);
  return pod;
}

bool IsMutatingCall(const std::string& method) {
  static const std::set<std::string> kReads = {
      "Version",         "ListPodSandbox",   "PodSandboxStatus",  "ListContainers",
      "ContainerStatus", "Status",           "ImageStatus",       "ListImages",
      "ImageFsInfo",     "StreamContainers", "StreamPodSandboxes"};
  return kReads.count(method) == 0;
}

ManagerFixture::ManagerFixture(KubeRuntimeManagerOptions opts)
    : images(clock), runtime(clock, &images), image_manager(images), options(std::move(opts)) {
  char dir[] = "/tmp/krl-kr-XXXXXX";
  if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  temp_dir = dir;
  options.pod_logs_root = temp_dir + "/logs";
  options.root_dir = temp_dir + "/root";
  absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> created =
      KubeRuntimeManager::Create(runtime, images, image_manager, clock, options);
  if (!created.ok()) throw std::runtime_error(created.status().ToString());
  manager = *std::move(created);
}

ManagerFixture::~ManagerFixture() {
  manager.reset();
  std::error_code ignored;
  std::filesystem::remove_all(temp_dir, ignored);
}

container::PodStatus ManagerFixture::Status(const corev1::Pod& pod) {
  absl::StatusOr<container::PodStatus> status =
      manager->GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  if (!status.ok()) throw std::runtime_error(status.status().ToString());
  return *status;
}

container::PodSyncResult ManagerFixture::Sync(const corev1::Pod& pod) {
  return manager->SyncPod(pod, Status(pod));
}

corev1::PodStatus ManagerFixture::ApiStatus(const corev1::Pod& pod) {
  return manager->GenerateAPIPodStatus(pod, Status(pod));
}

std::unique_ptr<KubeRuntimeManager> ManagerFixture::NewManager() {
  absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> created =
      KubeRuntimeManager::Create(runtime, images, image_manager, clock, options);
  if (!created.ok()) throw std::runtime_error(created.status().ToString());
  return *std::move(created);
}

std::vector<std::string> ManagerFixture::MutatingCalls() const {
  std::vector<std::string> calls;
  for (const std::string& m : runtime.CallNames()) {
    if (IsMutatingCall(m)) calls.push_back(m);
  }
  for (const std::string& m : images.CallNames()) {
    if (IsMutatingCall(m)) calls.push_back(m);
  }
  return calls;
}

void ManagerFixture::ClearCalls() {
  runtime.ClearCalls();
  images.ClearCalls();
}

std::string ManagerFixture::ContainerId(const corev1::Pod& pod, const std::string& name) {
  container::PodStatus status = Status(pod);
  const container::ContainerStatus* s = status.FindContainerStatusByName(name);
  if (s == nullptr) throw std::runtime_error("no container " + name);
  return s->id.id;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
