#include "kubelet_core/kuberuntime/config_generation.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

struct Dirs {
  Dirs() {
    char dir[] = "/tmp/krl-cfg-XXXXXX";
    root = ::mkdtemp(dir);
    options.pod_logs_root = root + "/logs";
    options.root_dir = root + "/state";
    options.node_memory_capacity_bytes = 1000 * 1000 * 1000;
  }
  ~Dirs() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
  std::string root;
  KubeRuntimeManagerOptions options;
};

corev1::Quantity Q(const char* text) { return *corev1::ParseQuantity(text); }

corev1::Pod SamplePod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "u1";
  corev1::Container c;
  c.name = "app";
  c.image = "busybox";
  c.command = {"echo", "$(GREETING) $(NAME)", "$$(NAME)"};
  c.env = {{"NAME", "world"}, {"GREETING", "hello $(NAME)"}};
  pod.spec.containers = {c};
  return pod;
}

TEST_CASE("the sandbox config carries identity, hostname, logs, namespaces and ports") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.spec.host_pid = true;
  corev1::ContainerPort port;
  port.container_port = 80;
  port.host_port = 8080;
  port.protocol = corev1::Protocol::kUDP;
  pod.spec.containers[0].ports = {port};
  pod.spec.security_context.sysctls = {{"net/ipv4/ip_forward", "1"}};
  cri::PodSandboxConfig config = *GeneratePodSandboxConfig(pod, 2, d.options);
  CHECK(config.metadata().name() == "web");
  CHECK(config.metadata().namespace_() == "shop");
  CHECK(config.metadata().uid() == "u1");
  CHECK(config.metadata().attempt() == 2);
  CHECK(config.hostname() == "web");
  CHECK(config.log_directory() == d.root + "/logs/shop_web_u1");
  CHECK_FALSE(config.has_dns_config());
  REQUIRE(config.port_mappings_size() == 1);
  CHECK(config.port_mappings(0).host_port() == 8080);
  CHECK(config.port_mappings(0).protocol() == cri::Protocol::UDP);
  const auto& ns = config.linux().security_context().namespace_options();
  CHECK(ns.network() == cri::NamespaceMode::POD);
  CHECK(ns.pid() == cri::NamespaceMode::NODE);
  CHECK(ns.ipc() == cri::NamespaceMode::POD);
  CHECK(config.linux().sysctls().at("net.ipv4.ip_forward") == "1");

  pod.spec.host_network = true;
  config = *GeneratePodSandboxConfig(pod, 0, d.options);
  CHECK(config.hostname().empty());
  CHECK(config.linux().security_context().namespace_options().network() ==
        cri::NamespaceMode::NODE);
}

TEST_CASE("cluster DNS applies to ClusterFirst pods, dnsConfig is merged") {
  Dirs d;
  d.options.cluster_dns = {"10.96.0.10"};
  corev1::Pod pod = SamplePod();
  cri::PodSandboxConfig config = *GeneratePodSandboxConfig(pod, 0, d.options);
  CHECK(config.dns_config().servers(0) == "10.96.0.10");
  CHECK(config.dns_config().searches(0) == "shop.svc.cluster.local");
  CHECK(config.dns_config().options(0) == "ndots:5");
  pod.spec.dns_policy = corev1::DNSPolicy::kNone;
  pod.spec.dns_config.emplace().nameservers = {"1.1.1.1"};
  config = *GeneratePodSandboxConfig(pod, 0, d.options);
  REQUIRE(config.dns_config().servers_size() == 1);
  CHECK(config.dns_config().servers(0) == "1.1.1.1");
}

TEST_CASE("runtimeClassName selects the runtime handler") {
  KubeRuntimeManagerOptions options;
  options.runtime_handler = "runc";
  options.runtime_class_handlers = {{"gvisor", "runsc"}};
  corev1::Pod pod = SamplePod();
  CHECK(RuntimeHandlerForPod(pod, options) == "runc");
  pod.spec.runtime_class_name = "gvisor";
  CHECK(RuntimeHandlerForPod(pod, options) == "runsc");
  pod.spec.runtime_class_name = "kata";
  CHECK(RuntimeHandlerForPod(pod, options) == "kata");
}

TEST_CASE("environment references are expanded as Kubernetes expands them") {
  std::map<std::string, std::string> env = {{"A", "1"}};
  CHECK(ExpandEnv("$(A)-$(B)-$$(A)-$", env) == "1-$(B)-$(A)-$");
  Dirs d;
  corev1::Pod pod = SamplePod();
  cri::ContainerConfig config =
      *GenerateContainerConfig(pod.spec.containers[0], pod, 0, "sha256:abc", d.options);
  CHECK(config.command(1) == "hello world world");
  CHECK(config.command(2) == "$(NAME)");
  CHECK(config.envs(1).value() == "hello world");
  CHECK(config.image().image() == "sha256:abc");
  CHECK(config.image().user_specified_image() == "busybox");
}

TEST_CASE("resources become cpu shares, CFS quota, memory limit and a QoS oom_score_adj") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  corev1::Container& c = pod.spec.containers[0];
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  CHECK(config.linux().resources().cpu_shares() == 2);
  CHECK(config.linux().resources().oom_score_adj() == 1000);  // best effort
  CHECK(GetPodQOS(pod) == QOSClass::kBestEffort);

  c.resources.limits.cpu = Q("500m");
  c.resources.limits.memory = Q("128Mi");
  CHECK(GetPodQOS(pod) == QOSClass::kGuaranteed);
  config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  const cri::LinuxContainerResources& r = config.linux().resources();
  CHECK(r.cpu_shares() == 512);  // requests default to limits
  CHECK(r.cpu_quota() == 50000);
  CHECK(r.cpu_period() == 100000);
  CHECK(r.memory_limit_in_bytes() == 128 * 1024 * 1024);
  CHECK(r.oom_score_adj() == -997);

  c.resources.requests.memory = Q("100M");
  CHECK(GetPodQOS(pod) == QOSClass::kBurstable);
  CHECK(ContainerOOMScoreAdjust(pod, c, 1000 * 1000 * 1000) == 900);
  c.resources.requests.memory = Q("999M");
  CHECK(ContainerOOMScoreAdjust(pod, c, 1000 * 1000 * 1000) == 3);
  CHECK(MilliCPUToShares(1) == 2);
  CHECK(MilliCPUToQuota(1, 100000) == 1000);
}

TEST_CASE("mounts: hostPath created when asked, emptyDir under the root, termination file") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  corev1::Volume host;
  host.name = "host";
  host.host_path =
      corev1::HostPathVolumeSource{d.root + "/made/here", corev1::HostPathType::kDirectoryOrCreate};
  corev1::Volume scratch;
  scratch.name = "scratch";
  scratch.empty_dir = corev1::EmptyDirVolumeSource{};
  corev1::Volume strict;
  strict.name = "strict";
  strict.host_path = corev1::HostPathVolumeSource{d.root + "/absent", corev1::HostPathType::kFile};
  pod.spec.volumes = {host, scratch, strict};
  corev1::Container& c = pod.spec.containers[0];
  c.volume_mounts = {{"host", "/h", true, ""}, {"scratch", "/s", false, "sub"}};
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  REQUIRE(config.mounts_size() == 3);
  CHECK(config.mounts(0).host_path() == d.root + "/made/here");
  CHECK(config.mounts(0).readonly());
  CHECK(config.mounts(1).host_path() ==
        d.root + "/state/pods/u1/volumes/kubernetes.io~empty-dir/scratch/sub");
  CHECK(config.mounts(2).container_path() == "/dev/termination-log");
  struct stat st;
  CHECK(::stat(config.mounts(2).host_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0666);
  CHECK(::stat((d.root + "/made/here").c_str(), &st) == 0);
  CHECK(config.log_path() == "app/0.log");
  CHECK(::stat((d.root + "/logs/shop_web_u1/app").c_str(), &st) == 0);

  c.volume_mounts = {{"strict", "/f", false, ""}};
  absl::StatusOr<cri::ContainerConfig> refused =
      GenerateContainerConfig(c, pod, 0, "img", d.options);
  CHECK_FALSE(refused.ok());
  CHECK_THAT(std::string(refused.status().message()), Catch::Contains("is not a file"));
}

TEST_CASE("security contexts: the container's settings win over the pod's") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.spec.security_context.run_as_user = 1000;
  pod.spec.security_context.supplemental_groups = {5};
  pod.spec.security_context.fs_group = 7;
  corev1::Container& c = pod.spec.containers[0];
  c.security_context.emplace().run_as_user = 2000;
  c.security_context->privileged = true;
  c.security_context->allow_privilege_escalation = false;
  c.security_context->capabilities = corev1::Capabilities{{"NET_ADMIN"}, {"ALL"}};
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  const cri::LinuxContainerSecurityContext& sc = config.linux().security_context();
  CHECK(sc.run_as_user().value() == 2000);
  CHECK(sc.privileged());
  CHECK(sc.no_new_privs());
  CHECK(sc.capabilities().add_capabilities(0) == "NET_ADMIN");
  CHECK(sc.capabilities().drop_capabilities(0) == "ALL");
  CHECK(sc.supplemental_groups_size() == 2);
  cri::PodSandboxConfig sandbox = *GeneratePodSandboxConfig(pod, 0, d.options);
  CHECK(sandbox.linux().security_context().privileged());
  CHECK(sandbox.linux().security_context().run_as_user().value() == 1000);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
