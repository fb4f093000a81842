#include "kubelet_core/kuberuntime/etc_hosts.h"

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
    options.root_dir = root + "/state";
    options.etc_hosts_path = root + "/node-hosts";
    std::ofstream(options.etc_hosts_path) << "127.0.0.1\tlocalhost\n192.0.2.7\tnode-1\n";
  }
  testing::TempDir tmp{"krl-hosts"};
  std::string root = tmp.path();
  KubeRuntimeManagerOptions options;
};

std::string Read(const std::string& path) { return testing::ReadFile(path); }

corev1::Pod SamplePod() {
  corev1::Pod pod;
  pod.metadata.name = "web-0";
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "u1";
  return pod;
}

constexpr const char* kLocalhostLines =
    "# Kubernetes-managed hosts file.\n"
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "fe00::0\tip6-mcastprefix\n"
    "fe00::1\tip6-allnodes\n"
    "fe00::2\tip6-allrouters\n";

TEST_CASE("a pod-network pod's hosts file lists localhost and each pod IP with its hostname") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  absl::StatusOr<std::string> path = EnsureHostsFile(pod, {"198.18.0.5", "fd00::5"}, d.options);
  REQUIRE(path.ok());
  CHECK(*path == d.root + "/state/pods/u1/etc-hosts");
  CHECK(Read(*path) == std::string(kLocalhostLines) + "198.18.0.5\tweb-0\nfd00::5\tweb-0\n");
  struct stat st;
  REQUIRE(::stat(path->c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("with a subdomain the FQDN comes first; hostAliases follow in their own section") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.spec.hostname = "db";
  pod.spec.subdomain = "backend";
  pod.spec.host_aliases = {{"10.1.2.3", {"foo.local", "bar.local"}}, {"10.1.2.4", {"baz"}}};
  d.options.cluster_domain = "cluster.example";
  CHECK(Read(*EnsureHostsFile(pod, {"198.18.0.5"}, d.options)) ==
        std::string(kLocalhostLines) +
            "198.18.0.5\tdb.backend.shop.svc.cluster.example\tdb\n"
            "\n"
            "# Entries added by HostAliases.\n"
            "10.1.2.3\tfoo.local\tbar.local\n"
            "10.1.2.4\tbaz\n");
}

TEST_CASE("a host-network pod gets the node's hosts file under a header, then its aliases") {
  Dirs d;
  corev1::Pod pod = SamplePod();
  pod.spec.host_network = true;
  CHECK(ShouldMountHostsFile(pod, {}));
  CHECK(Read(*EnsureHostsFile(pod, {}, d.options)) ==
        "# Kubernetes-managed hosts file (host network).\n"
        "127.0.0.1\tlocalhost\n192.0.2.7\tnode-1\n");
  pod.spec.host_aliases = {{"10.1.2.3", {"foo.local"}}};
  CHECK(Read(*EnsureHostsFile(pod, {}, d.options)) ==
        "# Kubernetes-managed hosts file (host network).\n"
        "127.0.0.1\tlocalhost\n192.0.2.7\tnode-1\n"
        "\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\n");
  d.options.etc_hosts_path = d.root + "/missing";
  CHECK_FALSE(EnsureHostsFile(pod, {}, d.options).ok());
}

TEST_CASE("the hosts file is mounted only once the pod has an IP, or on the host network") {
  corev1::Pod pod = SamplePod();
  CHECK_FALSE(ShouldMountHostsFile(pod, {}));
  CHECK(ShouldMountHostsFile(pod, {"198.18.0.5"}));
}

TEST_CASE("hostnames: spec.hostname or the pod name, cut to 63; setHostnameAsFQDN up to 64") {
  corev1::Pod pod = SamplePod();
  PodHostname name = *GeneratePodHostnameAndDomain(pod, "cluster.local");
  CHECK(name.hostname == "web-0");
  CHECK(name.domain.empty());
  CHECK(*NodenameForKernel(name, true) == "web-0");  // no subdomain: no FQDN

  pod.metadata.name = std::string(62, 'a') + "-.b";  // 65 characters
  name = *GeneratePodHostnameAndDomain(pod, "cluster.local");
  CHECK(name.hostname == std::string(62, 'a'));  // cut to 63, then the trailing "-" trimmed

  pod.metadata.name = "web-0";
  pod.spec.subdomain = "svc1";
  name = *GeneratePodHostnameAndDomain(pod, "cluster.local");
  CHECK(name.domain == "svc1.shop.svc.cluster.local");
  CHECK(*NodenameForKernel(name, std::nullopt) == "web-0");
  CHECK(*NodenameForKernel(name, true) == "web-0.svc1.shop.svc.cluster.local");

  pod.spec.hostname = std::string(40, 'h');
  name = *GeneratePodHostnameAndDomain(pod, "cluster.local");
  absl::StatusOr<std::string> too_long = NodenameForKernel(name, true);
  CHECK(absl::IsInvalidArgument(too_long.status()));
  CHECK_THAT(std::string(too_long.status().message()),
             Catch::Contains("is too long (64 characters is the max, 68 characters requested)"));
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
