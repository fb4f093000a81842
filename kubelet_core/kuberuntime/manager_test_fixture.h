// ManagerFixture: a KubeRuntimeManager on the in-process CRI fakes and a fake clock, with its
// log and state folders in a fresh temporary folder, plus pod builders, for the unit tests.
//
//   ManagerFixture f;
//   corev1::Pod pod = MakePod("web", {MakeContainer("app")});
//   container::PodSyncResult result = f.Sync(pod);   // GetPodStatus, then SyncPod
//
// Not thread safe; one per test.
#ifndef KRL_KUBELET_CORE_KUBERUNTIME_MANAGER_TEST_FIXTURE_H_
#define KRL_KUBELET_CORE_KUBERUNTIME_MANAGER_TEST_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "api/core/v1/pod.h"
#include "kubelet_core/container/image_manager.h"
#include "kubelet_core/container/simple_image_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {

// A container running `sleep 3600` from the test busybox image, with a fixed pull policy.
corev1::Container MakeContainer(const std::string& name);
// A pod with `containers`, uid "uid-<name>", namespace "default", host network.
corev1::Pod MakePod(const std::string& name, std::vector<corev1::Container> containers,
                    std::vector<corev1::Container> init_containers = {});
corev1::Container MakeSidecar(const std::string& name);

// The CRI methods that change the runtime (everything but reads).
bool IsMutatingCall(const std::string& method);

class ManagerFixture {
 public:
  // Options' folders are replaced by ones inside the temporary folder.
  explicit ManagerFixture(KubeRuntimeManagerOptions options = KubeRuntimeManagerOptions());
  ~ManagerFixture();

  // GetPodStatus; throws std::runtime_error (failing the test) when it fails.
  container::PodStatus Status(const corev1::Pod& pod);
  // GetPodStatus then SyncPod.
  container::PodSyncResult Sync(const corev1::Pod& pod);
  // GenerateAPIPodStatus of a fresh status.
  corev1::PodStatus ApiStatus(const corev1::Pod& pod);
  // Another manager on the same fakes (an agent restart).
  std::unique_ptr<KubeRuntimeManager> NewManager();
  // Mutating calls recorded by the runtime and image fakes since the last ClearCalls.
  std::vector<std::string> MutatingCalls() const;
  void ClearCalls();
  // The id of the newest container named `name` of `pod`.
  std::string ContainerId(const corev1::Pod& pod, const std::string& name);

  testing::FakeClock clock;
  testing::FakeImageService images;
  testing::FakeRuntimeService runtime;
  container::SimpleImageManager image_manager;
  std::string temp_dir;
  KubeRuntimeManagerOptions options;
  std::unique_ptr<KubeRuntimeManager> manager;
};

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_KUBERUNTIME_MANAGER_TEST_FIXTURE_H_
