// The README's "embedding the manager in ten lines", compiled so it cannot rot.
#include <catch2/catch.hpp>

#include "kubelet_core/container/simple_image_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "runtime/remote/remote_services.h"

namespace krl {
namespace {

absl::Status RunPod(const corev1::Pod& pod) {
  // --- README begins ---
  runtime::remote::RemoteOptions remote;
  remote.runtime_endpoint = "unix:///run/containerd/containerd.sock";
  auto cri = runtime::remote::CreateRemoteServices(remote);  // CRI v1 over gRPC
  if (!cri.ok()) return cri.status();
  kubelet_core::container::SimpleImageManager images(*cri->image);  // or images::ImagePullManager
  auto manager = kubelet_core::kuberuntime::KubeRuntimeManager::Create(*cri->runtime, *cri->image,
                                                                       images, RealClock::Get());
  if (!manager.ok()) return manager.status();
  auto& m = **manager;
  auto status = m.GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  if (!status.ok()) return status.status();
  kubelet_core::container::PodSyncResult result = m.SyncPod(pod, *status);  // again each sync
  corev1::PodStatus api = m.GenerateAPIPodStatus(pod, *status);
  // --- README ends ---
  (void)api;
  return result.Error();
}

TEST_CASE("the embedding example compiles") { CHECK(&RunPod != nullptr); }

}  // namespace
}  // namespace krl
