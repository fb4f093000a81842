#include "kubelet_core/kuberuntime/downward_api.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kubelet_core/kuberuntime/atomic_writer.h"
#include "testing/test_files.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

struct Dirs {
  Dirs() {
    options.root_dir = root + "/state";
    options.node_memory_capacity_bytes = 8LL << 30;
    options.node_cpu_capacity_millis = 4000;
    options.node_ephemeral_storage_capacity_bytes = 100LL << 30;
  }
  testing::TempDir tmp{"krl-dapi"};
  std::string root = tmp.path();
  KubeRuntimeManagerOptions options;
};

corev1::Quantity Q(const char* text) { return *corev1::ParseQuantity(text); }

std::string Read(const std::string& path) { return testing::ReadFile(path); }

corev1::Pod SamplePod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "u1";
  pod.metadata.labels = {{"app", "web"}, {"tier", "front \"end\"\n"}};
  pod.metadata.annotations = {{"owner", "team-a"}};
  pod.spec.node_name = "node-1";
  pod.spec.service_account_name = "builder";
  corev1::Container app;
  app.name = "app";
  app.resources.limits.cpu = Q("1500m");
  app.resources.limits.memory = Q("100Mi");
  app.resources.requests.cpu = Q("250m");
  corev1::Container side;
  side.name = "side";
  pod.spec.containers = {app, side};
  return pod;
}

std::string Field(const corev1::Pod& pod, const std::string& path,
                  const DownwardAPIContext& ctx = {}) {
  absl::StatusOr<std::string> v = PodFieldValue(pod, {"v1", path}, ctx);
  REQUIRE(v.ok());
  return *v;
}

std::string Resource(const corev1::Pod& pod, const std::string& container,
                     const std::string& resource, const char* divisor = nullptr) {
  corev1::ResourceFieldSelector s{container, resource, std::nullopt};
  if (divisor != nullptr) s.divisor = Q(divisor);
  NodeAllocatable node{4000, 8LL << 30, 100LL << 30};
  absl::StatusOr<std::string> v = ContainerResourceValue(s, pod, nullptr, node);
  REQUIRE(v.ok());
  return *v;
}

TEST_CASE("fieldRef paths give the pod's metadata, spec and status as the kubelet") {
  corev1::Pod pod = SamplePod();
  DownwardAPIContext ctx;
  ctx.pod_ips = {"198.18.0.5", "fd00::5"};
  ctx.node_ips = {"192.0.2.7", "2001:db8::7"};
  CHECK(Field(pod, "metadata.name") == "web");
  CHECK(Field(pod, "metadata.namespace") == "shop");
  CHECK(Field(pod, "metadata.uid") == "u1");
  CHECK(Field(pod, "metadata.labels['app']") == "web");
  CHECK(Field(pod, "metadata.labels['missing']").empty());
  CHECK(Field(pod, "metadata.annotations['owner']") == "team-a");
  CHECK(Field(pod, "spec.nodeName") == "node-1");
  CHECK(Field(pod, "spec.serviceAccountName") == "builder");
  CHECK(Field(pod, "status.podIP", ctx) == "198.18.0.5");
  CHECK(Field(pod, "status.podIPs", ctx) == "198.18.0.5,fd00::5");
  CHECK(Field(pod, "status.hostIP", ctx) == "192.0.2.7");
  CHECK(Field(pod, "status.hostIPs", ctx) == "192.0.2.7,2001:db8::7");
  CHECK(Field(pod, "status.podIP").empty());  // no sandbox IP yet
  CHECK(Field(pod, "metadata.labels") == "app=\"web\"\ntier=\"front \\\"end\\\"\\n\"");

  CHECK(absl::IsInvalidArgument(PodFieldValue(pod, {"v1", "spec.bogus"}, ctx).status()));
  CHECK(absl::IsInvalidArgument(PodFieldValue(pod, {"v2", "metadata.name"}, ctx).status()));
  CHECK(absl::IsFailedPrecondition(PodFieldValue(pod, {"v1", "status.hostIP"}, {}).status()));
}

TEST_CASE("resourceFieldRef divides by the divisor and rounds up; limits default to the node") {
  corev1::Pod pod = SamplePod();
  CHECK(Resource(pod, "app", "limits.cpu") == "2");  // 1.5 cores rounded up
  CHECK(Resource(pod, "app", "limits.cpu", "1m") == "1500");
  CHECK(Resource(pod, "app", "requests.cpu", "1m") == "250");
  CHECK(Resource(pod, "app", "limits.memory") == "104857600");
  CHECK(Resource(pod, "app", "limits.memory", "1Mi") == "100");
  CHECK(Resource(pod, "app", "limits.memory", "1G") == "1");  // 0.1048576 rounded up
  // requests unset: the limit of the spec, else 0.
  CHECK(Resource(pod, "app", "requests.memory") == "104857600");
  CHECK(Resource(pod, "side", "requests.memory") == "0");
  // limits unset: the node's allocatable.
  CHECK(Resource(pod, "side", "limits.cpu") == "4");
  CHECK(Resource(pod, "side", "limits.memory", "1Gi") == "8");
  CHECK(Resource(pod, "side", "limits.ephemeral-storage", "1Gi") == "100");

  NodeAllocatable node;
  CHECK(absl::IsNotFound(
      ContainerResourceValue({"ghost", "limits.cpu", std::nullopt}, pod, nullptr, node).status()));
  CHECK(absl::IsInvalidArgument(
      ContainerResourceValue({"app", "limits.gpu", std::nullopt}, pod, nullptr, node).status()));
  CHECK(absl::IsInvalidArgument(
      ContainerResourceValue({"", "limits.cpu", std::nullopt}, pod, nullptr, node).status()));
}

TEST_CASE("a downwardAPI volume is written atomically with its modes and follows label changes") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.metadata.labels = {{"app", "web"}};
  corev1::Volume volume;
  volume.name = "info";
  corev1::DownwardAPIVolumeSource& source = volume.downward_api.emplace();
  source.default_mode = 0640;
  source.items = {
      {"labels", corev1::ObjectFieldSelector{"v1", "metadata.labels"}, std::nullopt, std::nullopt},
      {"meta/name", corev1::ObjectFieldSelector{"v1", "metadata.name"}, std::nullopt, 0400},
      {"cpu", std::nullopt, corev1::ResourceFieldSelector{"app", "limits.cpu", Q("1m")},
       std::nullopt}};
  pod.spec.volumes = {volume};

  absl::StatusOr<std::string> dir = SetUpDownwardAPIVolume(volume, pod, d.options);
  REQUIRE(dir.ok());
  CHECK(*dir == d.root + "/state/pods/u1/volumes/kubernetes.io~downward-api/info");
  CHECK(Read(*dir + "/labels") == "app=\"web\"");
  CHECK(Read(*dir + "/meta/name") == "web");
  CHECK(Read(*dir + "/cpu") == "1500");
  struct stat st;
  REQUIRE(::lstat((*dir + "/labels").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  REQUIRE(::stat((*dir + "/labels").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  REQUIRE(::stat((*dir + "/meta/name").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0400);
  char target[256] = {};
  REQUIRE(::readlink((*dir + "/..data").c_str(), target, sizeof(target) - 1) > 0);
  const std::string first = target;

  // Unchanged: nothing rewritten.
  REQUIRE(UpdateDownwardAPIVolumes(pod, d.options).ok());
  char again[256] = {};
  REQUIRE(::readlink((*dir + "/..data").c_str(), again, sizeof(again) - 1) > 0);
  CHECK(std::string(again) == first);

  // A label change is written on the next sync.
  pod.metadata.labels["version"] = "2";
  REQUIRE(UpdateDownwardAPIVolumes(pod, d.options).ok());
  CHECK(Read(*dir + "/labels") == "app=\"web\"\nversion=\"2\"");
  char now[256] = {};
  REQUIRE(::readlink((*dir + "/..data").c_str(), now, sizeof(now) - 1) > 0);
  CHECK(std::string(now) != first);
  CHECK(::access((*dir + "/" + first).c_str(), F_OK) != 0);  // the old version is gone
}

TEST_CASE("volumes not set up yet are left alone by the sync-time update") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  corev1::Volume volume;
  volume.name = "info";
  volume.downward_api.emplace().items = {
      {"name", corev1::ObjectFieldSelector{"v1", "metadata.name"}, std::nullopt, std::nullopt}};
  pod.spec.volumes = {volume};
  REQUIRE(UpdateDownwardAPIVolumes(pod, d.options).ok());
  CHECK(::access((d.root + "/state/pods").c_str(), F_OK) != 0);
}

TEST_CASE("host-network pods take the node's first IP of each family") {
  KubeRuntimeManagerOptions options;
  options.node_ips = {"192.0.2.7", "192.0.2.8", "2001:db8::7"};
  CHECK(HostNetworkPodIPs(options) == std::vector<std::string>{"192.0.2.7", "2001:db8::7"});
  options.node_ips = {"2001:db8::7"};
  CHECK(HostNetworkPodIPs(options) == std::vector<std::string>{"2001:db8::7"});
  CHECK(NodeIPs(options) == options.node_ips);
}

TEST_CASE("node allocatable comes from the options, else from the machine") {
  KubeRuntimeManagerOptions options;
  options.node_cpu_capacity_millis = 2500;
  options.node_memory_capacity_bytes = 1 << 30;
  options.node_ephemeral_storage_capacity_bytes = 5;
  NodeAllocatable node = NodeAllocatableFor(options);
  CHECK(node.milli_cpu == 2500);
  CHECK(node.memory == 1 << 30);
  CHECK(node.ephemeral_storage == 5);
  options = KubeRuntimeManagerOptions();
  options.root_dir = "/";
  node = NodeAllocatableFor(options);
  CHECK(node.milli_cpu == ::sysconf(_SC_NPROCESSORS_ONLN) * 1000);
  CHECK(node.memory > 0);
  CHECK(node.ephemeral_storage > 0);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
