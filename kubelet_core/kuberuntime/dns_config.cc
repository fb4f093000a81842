#include "kubelet_core/kuberuntime/dns_config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

std::vector<std::string> Unique(std::vector<std::string> in) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  for (std::string& s : in) {
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return out;
}

// "name" or "name:value" options merged with the pod's: same name replaces the value in place,
// new names are appended in the order given. (The kubelet merges through a Go map, so its
// order is unspecified; this one is stable.)
std::vector<std::string> MergeOptions(const std::vector<std::string>& existing,
                                      const std::vector<corev1::PodDNSConfigOption>& pod) {
  std::vector<std::pair<std::string, std::string>> merged;
  auto set = [&merged](const std::string& name, const std::string& value) {
    for (auto& [n, v] : merged) {
      if (n == name) {
        v = value;
        return;
      }
    }
    merged.emplace_back(name, value);
  };
  for (const std::string& op : existing) {
    size_t colon = op.find(':');
    if (colon == std::string::npos) {
      set(op, "");
    } else {
      set(op.substr(0, colon), op.substr(colon + 1));
    }
  }
  for (const corev1::PodDNSConfigOption& op : pod) set(op.name, op.value.value_or(""));
  std::vector<std::string> out;
  for (const auto& [name, value] : merged) {
    out.push_back(value.empty() ? name : absl::StrCat(name, ":", value));
  }
  return out;
}

bool IsIPv6(absl::string_view ip) { return absl::StrContains(ip, ':'); }

}  // namespace

absl::StatusOr<ResolvConf> ParseResolvConf(absl::string_view text, ResolvConf* parsed) {
  ResolvConf conf;
  bool empty_nameserver = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "#")) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r\f\v"), absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields[0] == "nameserver") {
      if (fields.size() >= 2) {
        conf.nameservers.emplace_back(fields[1]);
      } else {
        empty_nameserver = true;
      }
    } else if (fields[0] == "search") {
      conf.searches.clear();
      for (size_t i = 1; i < fields.size(); ++i) {
        absl::string_view s = fields[i];
        absl::ConsumeSuffix(&s, ".");
        conf.searches.emplace_back(s);
      }
    } else if (fields[0] == "options") {
      conf.options.clear();
      for (size_t i = 1; i < fields.size(); ++i) conf.options.emplace_back(fields[i]);
    }
  }
  if (parsed != nullptr) *parsed = conf;
  if (empty_nameserver) return absl::InvalidArgumentError("nameserver list is empty");
  return conf;
}

absl::StatusOr<ResolvConf> ReadResolvConf(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxResolvConfLength);
  if (!text.ok()) return text.status();
  absl::StatusOr<ResolvConf> conf = ParseResolvConf(*text);
  if (!conf.ok()) {
    return absl::Status(conf.status().code(), absl::StrCat(path, ": ", conf.status().message()));
  }
  return conf;
}

std::vector<std::string> FitDNSSearches(std::vector<std::string> searches, bool* cut) {
  bool exceeded = false;
  if (searches.size() > kMaxDNSSearchPaths) {
    searches.resize(kMaxDNSSearchPaths);
    exceeded = true;
  }
  // Some resolvers abort on a search path longer than a DNS name: those are dropped.
  std::vector<std::string> kept;
  for (std::string& s : searches) {
    if (s.size() > kMaxDNSSearchPathLength) {
      exceeded = true;
      continue;
    }
    kept.push_back(std::move(s));
  }
  const size_t line = absl::StrJoin(kept, " ").size();  // the "search" line's length
  if (line > kMaxDNSSearchListChars) {
    // Drop from the end until the line fits.
    size_t cut_len = 0;
    size_t cut_num = 0;
    for (size_t i = kept.size(); i > 0; --i) {
      cut_len += kept[i - 1].size() + 1;
      ++cut_num;
      if (line - cut_len <= kMaxDNSSearchListChars) break;
    }
    kept.resize(kept.size() - cut_num);
    exceeded = true;
  }
  if (cut != nullptr) *cut = exceeded;
  return kept;
}

std::vector<std::string> FitDNSNameservers(std::vector<std::string> servers, bool* cut) {
  bool exceeded = servers.size() > kMaxDNSNameservers;
  if (exceeded) servers.resize(kMaxDNSNameservers);
  if (cut != nullptr) *cut = exceeded;
  return servers;
}

absl::StatusOr<cri::DNSConfig> PodDNSConfig(const corev1::Pod& pod,
                                            const KubeRuntimeManagerOptions& options) {
  ResolvConf conf;
  if (!options.resolv_conf.empty()) {
    absl::StatusOr<ResolvConf> host = ReadResolvConf(options.resolv_conf);
    if (!host.ok()) return host.status();
    conf = *std::move(host);
  }
  enum class Type { kCluster, kHost, kNone };
  Type type = Type::kCluster;
  switch (pod.spec.dns_policy) {
    case corev1::DNSPolicy::kNone:
      type = Type::kNone;
      break;
    case corev1::DNSPolicy::kClusterFirstWithHostNet:
      type = Type::kCluster;
      break;
    case corev1::DNSPolicy::kClusterFirst:
      type = pod.spec.host_network ? Type::kHost : Type::kCluster;
      break;
    case corev1::DNSPolicy::kDefault:
      type = Type::kHost;
      break;
  }
  if (type == Type::kCluster && options.cluster_dns.empty()) {
    log::Warning(
        "kubelet does not have ClusterDNS IP configured and cannot create Pod using "
        "\"ClusterFirst\" policy. Falling back to \"Default\" policy.",
        {{"pod", absl::StrCat(pod.metadata.name, "_", pod.metadata.namespace_)}});
    type = Type::kHost;
  }
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> dns_options;
  switch (type) {
    case Type::kNone:
      break;
    case Type::kCluster: {
      servers = options.cluster_dns;
      searches = conf.searches;
      if (!options.cluster_domain.empty()) {
        const std::string& domain = options.cluster_domain;
        std::vector<std::string> cluster = {absl::StrCat(pod.metadata.namespace_, ".svc.", domain),
                                            absl::StrCat("svc.", domain), domain};
        cluster.insert(cluster.end(), conf.searches.begin(), conf.searches.end());
        searches = Unique(std::move(cluster));
      }
      dns_options = {"ndots:5"};
      break;
    }
    case Type::kHost:
      servers = conf.nameservers;
      searches = conf.searches;
      dns_options = conf.options;
      if (options.resolv_conf.empty()) {
        // No resolver file: the local machine's resolver, lookups effectively off.
        for (const std::string& ip : options.node_ips) {
          servers.push_back(IsIPv6(ip) ? "::1" : "127.0.0.1");
        }
        if (servers.empty()) servers.push_back("127.0.0.1");
        searches = {"."};
      }
      break;
  }
  if (pod.spec.dns_config) {
    const corev1::PodDNSConfig& extra = *pod.spec.dns_config;
    servers.insert(servers.end(), extra.nameservers.begin(), extra.nameservers.end());
    servers = Unique(std::move(servers));
    searches.insert(searches.end(), extra.searches.begin(), extra.searches.end());
    searches = Unique(std::move(searches));
    dns_options = MergeOptions(dns_options, extra.options);
  }
  const std::string pod_name = absl::StrCat(pod.metadata.name, "_", pod.metadata.namespace_);
  bool cut = false;
  servers = FitDNSNameservers(std::move(servers), &cut);
  if (cut) {
    log::Warning("Nameserver limits were exceeded, some nameservers have been omitted",
                 {{"pod", pod_name}, {"applied", absl::StrJoin(servers, " ")}});
  }
  searches = FitDNSSearches(std::move(searches), &cut);
  if (cut) {
    log::Warning("Search Line limits were exceeded, some search paths have been omitted",
                 {{"pod", pod_name}, {"applied", absl::StrJoin(searches, " ")}});
  }
  cri::DNSConfig dns;
  for (const std::string& s : servers) dns.add_servers(s);
  for (const std::string& s : searches) dns.add_searches(s);
  for (const std::string& s : dns_options) dns.add_options(s);
  return dns;
}

}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
