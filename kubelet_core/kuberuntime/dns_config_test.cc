#include "kubelet_core/kuberuntime/dns_config.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

struct TempResolvConf {
  explicit TempResolvConf(const std::string& text) {
    char dir[] = "/tmp/krl-dns-XXXXXX";
    root = ::mkdtemp(dir);
    path = root + "/resolv.conf";
    std::ofstream(path) << text;
  }
  ~TempResolvConf() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
  std::string root;
  std::string path;
};

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& r) {
  return std::vector<std::string>(r.begin(), r.end());
}

corev1::Pod SamplePod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "shop";
  pod.metadata.uid = "u1";
  return pod;
}

constexpr const char* kHostResolvConf =
    "# generated\n"
    "nameserver 192.0.2.53\n"
    "  nameserver\t198.51.100.53  # trailing words are ignored\n"
    "search old.example\n"
    "search corp.example. example.com\n"
    "options ndots:2 timeout:1\n"
    "options rotate edns0\n";

TEST_CASE("resolv.conf is parsed as the kubelet parses it: last search and options line win") {
  absl::StatusOr<ResolvConf> conf = ParseResolvConf(kHostResolvConf);
  REQUIRE(conf.ok());
  CHECK(conf->nameservers == std::vector<std::string>{"192.0.2.53", "198.51.100.53"});
  CHECK(conf->searches == std::vector<std::string>{"corp.example", "example.com"});
  CHECK(conf->options == std::vector<std::string>{"rotate", "edns0"});

  ResolvConf partial;
  absl::StatusOr<ResolvConf> bad = ParseResolvConf("nameserver\nnameserver 10.0.0.1\n", &partial);
  CHECK(absl::IsInvalidArgument(bad.status()));
  CHECK(partial.nameservers == std::vector<std::string>{"10.0.0.1"});
  CHECK(ParseResolvConf("").ok());
}

TEST_CASE("dnsPolicy Default gives the node's resolv.conf to the sandbox") {
  TempResolvConf file(kHostResolvConf);
  KubeRuntimeManagerOptions options;
  options.resolv_conf = file.path;
  options.cluster_dns = {"10.96.0.10"};
  corev1::Pod pod = SamplePod();
  pod.spec.dns_policy = corev1::DNSPolicy::kDefault;
  cri::DNSConfig dns = *PodDNSConfig(pod, options);
  CHECK(Strings(dns.servers()) == std::vector<std::string>{"192.0.2.53", "198.51.100.53"});
  CHECK(Strings(dns.searches()) == std::vector<std::string>{"corp.example", "example.com"});
  CHECK(Strings(dns.options()) == std::vector<std::string>{"rotate", "edns0"});
}

TEST_CASE("ClusterFirst puts the cluster searches before the node's, with ndots:5") {
  TempResolvConf file(kHostResolvConf);
  KubeRuntimeManagerOptions options;
  options.resolv_conf = file.path;
  options.cluster_dns = {"10.96.0.10"};
  corev1::Pod pod = SamplePod();
  cri::DNSConfig dns = *PodDNSConfig(pod, options);
  CHECK(Strings(dns.servers()) == std::vector<std::string>{"10.96.0.10"});
  CHECK(Strings(dns.searches()) == std::vector<std::string>{"shop.svc.cluster.local",
                                                            "svc.cluster.local", "cluster.local",
                                                            "corp.example", "example.com"});
  CHECK(Strings(dns.options()) == std::vector<std::string>{"ndots:5"});

  SECTION("a host-network pod needs ClusterFirstWithHostNet for cluster DNS") {
    pod.spec.host_network = true;
    CHECK(PodDNSConfig(pod, options)->servers(0) == "192.0.2.53");
    pod.spec.dns_policy = corev1::DNSPolicy::kClusterFirstWithHostNet;
    CHECK(PodDNSConfig(pod, options)->servers(0) == "10.96.0.10");
  }
  SECTION("without cluster DNS ClusterFirst falls back to Default") {
    options.cluster_dns.clear();
    dns = *PodDNSConfig(pod, options);
    CHECK(Strings(dns.servers()) == std::vector<std::string>{"192.0.2.53", "198.51.100.53"});
    CHECK(Strings(dns.options()) == std::vector<std::string>{"rotate", "edns0"});
  }
}

TEST_CASE("the pod's dnsConfig is merged: duplicates dropped, options replaced by name") {
  TempResolvConf file(kHostResolvConf);
  KubeRuntimeManagerOptions options;
  options.resolv_conf = file.path;
  options.cluster_dns = {"10.96.0.10"};
  corev1::Pod pod = SamplePod();
  corev1::PodDNSConfig& extra = pod.spec.dns_config.emplace();
  extra.nameservers = {"10.96.0.10", "1.1.1.1"};
  extra.searches = {"example.com", "extra.example"};
  extra.options = {{"ndots", std::string("2")}, {"single-request", std::nullopt}};
  cri::DNSConfig dns = *PodDNSConfig(pod, options);
  CHECK(Strings(dns.servers()) == std::vector<std::string>{"10.96.0.10", "1.1.1.1"});
  CHECK(Strings(dns.searches()).back() == "extra.example");
  CHECK(dns.searches_size() == 6);
  CHECK(Strings(dns.options()) == std::vector<std::string>{"ndots:2", "single-request"});

  SECTION("dnsPolicy None is exactly the pod's dnsConfig") {
    pod.spec.dns_policy = corev1::DNSPolicy::kNone;
    dns = *PodDNSConfig(pod, options);
    CHECK(Strings(dns.servers()) == std::vector<std::string>{"10.96.0.10", "1.1.1.1"});
    CHECK(Strings(dns.searches()) == std::vector<std::string>{"example.com", "extra.example"});
  }
}

TEST_CASE("the kubelet's limits: 3 nameservers, 32 searches, 2048 characters, 253 per name") {
  bool cut = false;
  CHECK(FitDNSNameservers({"a", "b", "c", "d"}, &cut) == std::vector<std::string>{"a", "b", "c"});
  CHECK(cut);
  FitDNSNameservers({"a", "b", "c"}, &cut);
  CHECK_FALSE(cut);

  std::vector<std::string> many;
  for (int i = 0; i < 40; ++i) many.push_back("d" + std::to_string(i) + ".example");
  std::vector<std::string> fitted = FitDNSSearches(many, &cut);
  CHECK(cut);
  CHECK(fitted.size() == 32);
  CHECK(fitted.back() == "d31.example");

  std::vector<std::string> long_names = {std::string(254, 'x'), "ok.example"};
  CHECK(FitDNSSearches(long_names, &cut) == std::vector<std::string>{"ok.example"});
  CHECK(cut);

  // 10 names of 250 characters: 2509 characters joined; 8 fit (2007), the 9th would not (2258).
  std::vector<std::string> wide(10, std::string(250, 'w'));
  fitted = FitDNSSearches(wide, &cut);
  CHECK(cut);
  CHECK(fitted.size() == 8);

  FitDNSSearches({"a.example", "b.example"}, &cut);
  CHECK_FALSE(cut);
}

TEST_CASE("an unreadable resolv.conf fails the sandbox config; none configured means localhost") {
  KubeRuntimeManagerOptions options;
  options.resolv_conf = "/nonexistent/krl/resolv.conf";
  corev1::Pod pod = SamplePod();
  pod.spec.dns_policy = corev1::DNSPolicy::kDefault;
  CHECK_FALSE(PodDNSConfig(pod, options).ok());

  options.resolv_conf.clear();
  options.node_ips = {"192.0.2.1", "2001:db8::1"};
  cri::DNSConfig dns = *PodDNSConfig(pod, options);
  CHECK(Strings(dns.servers()) == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(Strings(dns.searches()) == std::vector<std::string>{"."});
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
