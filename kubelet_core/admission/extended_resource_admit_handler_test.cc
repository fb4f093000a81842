#include "kubelet_core/admission/extended_resource_admit_handler.h"

#include <catch2/catch.hpp>

namespace krl {
namespace kubelet_core {
namespace admission {
namespace {

TEST_CASE("a pod asking for a device resource the node has none of is refused") {
  corev1::Pod pod;
  corev1::Container& app = pod.spec.containers.emplace_back();
  app.name = "app";
  app.resources.limits.memory = *corev1::ParseQuantity("64Mi");
  app.resources.limits.other["hugepages-2Mi"] = *corev1::ParseQuantity("4Mi");
  CHECK(ExtendedResourceAdmitHandler().Admit(pod).admit);

  app.resources.limits.other["example.com/gpu"] = *corev1::ParseQuantity("2");
  AdmitResult result = ExtendedResourceAdmitHandler().Admit(pod);
  CHECK_FALSE(result.admit);
  CHECK(result.reason == "OutOfexample.com/gpu");
  CHECK(result.message ==
        "Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 0");
}

}  // namespace
}  // namespace admission
}  // namespace kubelet_core
}  // namespace krl
