#include "kubelet_core/kuberuntime/config_generation.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "testing/test_files.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

struct Dirs {
  Dirs() {
    options.pod_logs_root = root + "/logs";
    options.root_dir = root + "/state";
    options.node_memory_capacity_bytes = 1000 * 1000 * 1000;
    options.resolv_conf = root + "/resolv.conf";
    std::ofstream(options.resolv_conf) << "nameserver 192.0.2.53\nsearch example.com\n";
    options.node_ips = {"192.0.2.7"};
  }
  testing::TempDir tmp{"krl-cfg"};
  std::string root = tmp.path();
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
  // No cluster DNS: ClusterFirst falls back to the node's resolv.conf.
  REQUIRE(config.dns_config().servers_size() == 1);
  CHECK(config.dns_config().servers(0) == "192.0.2.53");
  CHECK(config.dns_config().searches(0) == "example.com");
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
  CHECK(config.dns_config().searches(3) == "example.com");  // the node's, after the cluster's
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

std::string Read(const std::string& path) { return testing::ReadFile(path); }

std::map<std::string, std::string> EnvOf(const cri::ContainerConfig& config) {
  std::map<std::string, std::string> env;
  for (const cri::KeyValue& kv : config.envs()) env[kv.key()] = kv.value();
  return env;
}

corev1::EnvVar FieldEnv(const char* name, const char* path) {
  corev1::EnvVar e;
  e.name = name;
  e.value_from.emplace().field_ref = corev1::ObjectFieldSelector{"v1", path};
  return e;
}

corev1::EnvVar ResourceEnv(const char* name, const char* container, const char* resource,
                           const char* divisor) {
  corev1::EnvVar e;
  e.name = name;
  corev1::ResourceFieldSelector s{container, resource, std::nullopt};
  if (divisor != nullptr) s.divisor = Q(divisor);
  e.value_from.emplace().resource_field_ref = s;
  return e;
}

TEST_CASE("downward API env values are the kubelet's and later variables may refer to them") {
  Dirs d;
  d.options.node_ips = {"192.0.2.7", "2001:db8::7"};
  d.options.node_cpu_capacity_millis = 4000;
  corev1::Pod pod = SamplePod();
  pod.metadata.labels = {{"app", "shop-web"}};
  pod.metadata.annotations = {{"build", "42"}};
  pod.spec.node_name = "node-1";
  pod.spec.service_account_name = "builder";
  corev1::Container other;
  other.name = "other";
  other.resources.limits.cpu = Q("2");
  pod.spec.containers.push_back(other);
  corev1::Container& c = pod.spec.containers[0];
  c.resources.limits.memory = Q("64Mi");
  c.resources.requests.cpu = Q("100m");
  c.env = {FieldEnv("POD_NAME", "metadata.name"),
           FieldEnv("POD_NAMESPACE", "metadata.namespace"),
           FieldEnv("POD_UID", "metadata.uid"),
           FieldEnv("APP", "metadata.labels['app']"),
           FieldEnv("BUILD", "metadata.annotations['build']"),
           FieldEnv("NODE", "spec.nodeName"),
           FieldEnv("SA", "spec.serviceAccountName"),
           FieldEnv("HOST_IP", "status.hostIP"),
           FieldEnv("HOST_IPS", "status.hostIPs"),
           FieldEnv("POD_IP", "status.podIP"),
           FieldEnv("POD_IPS", "status.podIPs"),
           ResourceEnv("MEM_MI", "", "limits.memory", "1Mi"),
           ResourceEnv("CPU_REQ_M", "", "requests.cpu", "1m"),
           ResourceEnv("CPU_LIMIT", "", "limits.cpu", nullptr),
           ResourceEnv("OTHER_CPU", "other", "limits.cpu", nullptr),
           {"URL", "http://$(POD_IP):8080/$(POD_NAME)", std::nullopt},
           {"POD_NAME", "renamed", std::nullopt}};
  ContainerContext context;
  context.pod_ips = {"198.18.0.5", "fd00::5"};
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options, context);
  std::map<std::string, std::string> env = EnvOf(config);
  CHECK(env["POD_NAMESPACE"] == "shop");
  CHECK(env["POD_UID"] == "u1");
  CHECK(env["APP"] == "shop-web");
  CHECK(env["BUILD"] == "42");
  CHECK(env["NODE"] == "node-1");
  CHECK(env["SA"] == "builder");
  CHECK(env["HOST_IP"] == "192.0.2.7");
  CHECK(env["HOST_IPS"] == "192.0.2.7,2001:db8::7");
  CHECK(env["POD_IP"] == "198.18.0.5");
  CHECK(env["POD_IPS"] == "198.18.0.5,fd00::5");
  CHECK(env["MEM_MI"] == "64");
  CHECK(env["CPU_REQ_M"] == "100");
  CHECK(env["CPU_LIMIT"] == "4");  // no limit: the node's 4 cores
  CHECK(env["OTHER_CPU"] == "2");
  CHECK(env["URL"] == "http://198.18.0.5:8080/web");
  // Defined twice: one entry, at its first place, with the last value.
  CHECK(config.envs_size() == 16);
  CHECK(config.envs(0).key() == "POD_NAME");
  CHECK(config.envs(0).value() == "renamed");

  c.env = {FieldEnv("BAD", "spec.nothing")};
  absl::StatusOr<cri::ContainerConfig> refused =
      GenerateContainerConfig(c, pod, 0, "img", d.options, context);
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK_THAT(std::string(refused.status().message()), Catch::Contains("spec.nothing"));
}

TEST_CASE("mounts carry propagation; subPathExpr expands from the env and is refused outside") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  corev1::Volume scratch;
  scratch.name = "scratch";
  scratch.empty_dir = corev1::EmptyDirVolumeSource{};
  pod.spec.volumes = {scratch};
  corev1::Container& c = pod.spec.containers[0];
  c.env = {FieldEnv("POD_NAME", "metadata.name")};
  corev1::VolumeMount none{"scratch", "/a", false, "", "", corev1::MountPropagationMode::kNone};
  corev1::VolumeMount h2c{"scratch",
                          "/b",
                          true,
                          "",
                          "$(POD_NAME)/logs",
                          corev1::MountPropagationMode::kHostToContainer};
  corev1::VolumeMount bidi{"scratch", "/c", false,
                           "",        "",   corev1::MountPropagationMode::kBidirectional};
  corev1::VolumeMount unset{"scratch", "/d", false, "", "", std::nullopt};
  c.volume_mounts = {none, h2c, bidi, unset};
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  REQUIRE(config.mounts_size() == 5);  // and the termination message file; no IP: no hosts
  CHECK(config.mounts(0).propagation() == cri::MountPropagation::PROPAGATION_PRIVATE);
  CHECK(config.mounts(1).propagation() == cri::MountPropagation::PROPAGATION_HOST_TO_CONTAINER);
  CHECK(config.mounts(2).propagation() == cri::MountPropagation::PROPAGATION_BIDIRECTIONAL);
  CHECK(config.mounts(3).propagation() == cri::MountPropagation::PROPAGATION_PRIVATE);
  const std::string volume = d.root + "/state/pods/u1/volumes/kubernetes.io~empty-dir/scratch";
  CHECK(config.mounts(1).host_path() == volume + "/web/logs");
  CHECK(config.mounts(1).readonly());
  struct stat st;
  REQUIRE(::stat((volume + "/web/logs").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0777);  // the volume's own mode

  for (const char* bad : {"$(MISSING)", "/abs", "../up", "a/../../up"}) {
    c.volume_mounts = {{"scratch", "/x", false, "", bad, std::nullopt}};
    CHECK(absl::IsInvalidArgument(GenerateContainerConfig(c, pod, 0, "img", d.options).status()));
  }
  c.volume_mounts = {{"scratch", "/x", false, "../up", "", std::nullopt}};
  CHECK_FALSE(GenerateContainerConfig(c, pod, 0, "img", d.options).ok());
}

TEST_CASE(
    "the managed /etc/hosts is mounted once the pod has an IP, unless the container has one") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.spec.host_aliases = {{"10.1.2.3", {"foo.local"}}};
  corev1::Container& c = pod.spec.containers[0];
  ContainerContext context;
  context.pod_ips = {"198.18.0.5"};
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options, context);
  const cri::Mount& hosts = config.mounts(config.mounts_size() - 2);  // before termination-log
  CHECK(hosts.container_path() == "/etc/hosts");
  CHECK(hosts.host_path() == d.root + "/state/pods/u1/etc-hosts");
  CHECK_FALSE(hosts.readonly());
  CHECK_THAT(Read(hosts.host_path()), Catch::Contains("198.18.0.5\tweb\n"));
  CHECK_THAT(Read(hosts.host_path()), Catch::Contains("10.1.2.3\tfoo.local\n"));

  corev1::Volume own;
  own.name = "own";
  own.empty_dir = corev1::EmptyDirVolumeSource{};
  pod.spec.volumes = {own};
  c.volume_mounts = {{"own", "/etc/hosts", false, "hosts", "", std::nullopt}};
  config = *GenerateContainerConfig(c, pod, 0, "img", d.options, context);
  int etc_hosts = 0;
  for (const cri::Mount& m : config.mounts()) etc_hosts += m.container_path() == "/etc/hosts";
  CHECK(etc_hosts == 1);
  CHECK(config.mounts(0).host_path() ==
        d.root + "/state/pods/u1/volumes/kubernetes.io~empty-dir/own/hosts");
}

TEST_CASE("setHostnameAsFQDN makes the sandbox hostname the pod's FQDN, up to 64 characters") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.spec.hostname = "db-0";
  pod.spec.subdomain = "db";
  CHECK(GeneratePodSandboxConfig(pod, 0, d.options)->hostname() == "db-0");
  pod.spec.set_hostname_as_fqdn = true;
  CHECK(GeneratePodSandboxConfig(pod, 0, d.options)->hostname() ==
        "db-0.db.shop.svc.cluster.local");
  pod.spec.hostname = std::string(40, 'h');
  absl::StatusOr<cri::PodSandboxConfig> refused = GeneratePodSandboxConfig(pod, 0, d.options);
  CHECK(absl::IsInvalidArgument(refused.status()));
}

TEST_CASE("a downwardAPI volume is mounted from its folder under the pod's volumes") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  corev1::Volume info;
  info.name = "info";
  info.downward_api.emplace().items = {
      {"name", corev1::ObjectFieldSelector{"v1", "metadata.name"}, std::nullopt, std::nullopt}};
  pod.spec.volumes = {info};
  corev1::Container& c = pod.spec.containers[0];
  c.volume_mounts = {{"info", "/etc/podinfo", true, "", "", std::nullopt}};
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  const std::string dir = d.root + "/state/pods/u1/volumes/kubernetes.io~downward-api/info";
  CHECK(config.mounts(0).host_path() == dir);
  CHECK(config.mounts(0).readonly());
  CHECK(Read(dir + "/name") == "web");
  // Read-only even when the pod does not ask: the agent rewrites what is there.
  c.volume_mounts[0].read_only = false;
  config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  CHECK(config.mounts(0).readonly());
}

TEST_CASE("huge page limits reach the runtime with its page size names") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  corev1::Container& c = pod.spec.containers[0];
  c.resources.limits.memory = Q("64Mi");
  c.resources.limits.other["hugepages-2Mi"] = Q("8Mi");
  c.resources.limits.other["hugepages-1Gi"] = Q("2Gi");
  cri::ContainerConfig config = *GenerateContainerConfig(c, pod, 0, "img", d.options);
  const cri::LinuxContainerResources& res = config.linux().resources();
  REQUIRE(res.hugepage_limits_size() == 2);
  CHECK(res.hugepage_limits(0).page_size() == "1GB");
  CHECK(res.hugepage_limits(0).limit() == (2LL << 30));
  CHECK(res.hugepage_limits(1).page_size() == "2MB");
  CHECK(res.hugepage_limits(1).limit() == (8LL << 20));
  CHECK(*HugePageSizeName("hugepages-64Ki") == "64KB");
  CHECK_FALSE(HugePageSizeName("hugepages-x").ok());
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
