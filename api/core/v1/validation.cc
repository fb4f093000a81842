#include "api/core/v1/validation.h"

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

using Result = std::optional<FieldError>;

#define KRL_RETURN_IF_INVALID(expr)      \
  do {                                   \
    Result krl_result_ = (expr);         \
    if (krl_result_) return krl_result_; \
  } while (false)

Result Invalid(std::string field, std::string detail) {
  return FieldError{std::move(field), std::move(detail)};
}

std::string Index(absl::string_view path, size_t i) { return absl::StrCat(path, "[", i, "]"); }
std::string Key(absl::string_view path, absl::string_view key) {
  return absl::StrCat(path, "[", key, "]");
}
std::string Quoted(absl::string_view s) { return absl::StrCat("\"", absl::CHexEscape(s), "\""); }

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric.
bool IsDNS1123Label(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool IsDNS1123Subdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(s, '.')) {
    if (!IsDNS1123Label(label)) return false;
  }
  return true;
}

constexpr char kLabelHint[] =
    "must be 63 characters or fewer, start and end with a letter or digit, and contain only "
    "letters, digits, '-', '_' and '.'";
constexpr char kLabelNameHint[] =
    "must be 63 characters or fewer, start and end with a lower-case letter or digit, and contain "
    "only lower-case letters, digits and '-'";
constexpr char kSubdomainHint[] =
    "must be a lower-case RFC 1123 subdomain: labels of lower-case letters, digits and '-', "
    "separated by '.', starting and ending with a letter or digit, at most 253 characters";

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// The name part of a label key, and a label value when non-empty.
bool IsLabelToken(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!absl::ascii_isalnum(static_cast<unsigned char>(s.front())) ||
      !absl::ascii_isalnum(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

// A label or annotation key: an optional DNS subdomain prefix and '/', then a name.
bool IsQualifiedName(absl::string_view s) {
  size_t slash = s.find('/');
  if (slash == absl::string_view::npos) return IsLabelToken(s);
  return IsDNS1123Subdomain(s.substr(0, slash)) && IsLabelToken(s.substr(slash + 1));
}

// IANA service name, as container port names must be: at most 15 characters of lower-case
// letters, digits and '-', at least one letter, no "--", not starting or ending with '-'.
bool IsPortName(absl::string_view s) {
  if (s.empty() || s.size() > 15) return false;
  if (s.front() == '-' || s.back() == '-' || s.find("--") != absl::string_view::npos) {
    return false;
  }
  bool has_letter = false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
    if (c >= 'a' && c <= 'z') has_letter = true;
  }
  return has_letter;
}

constexpr char kPortNameHint[] =
    "must be an IANA service name: at most 15 lower-case letters, digits and '-', with at least "
    "one letter, no \"--\", not starting or ending with '-'";

bool IsIP(const std::string& s) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buffer) == 1 || inet_pton(AF_INET6, s.c_str(), buffer) == 1;
}

template <typename E>
bool IsKnown(E value) {
  return ToString(value) != "<invalid>";
}

template <typename E>
Result CheckEnum(const std::string& field, E value) {
  if (IsKnown(value)) return std::nullopt;
  return Invalid(field, absl::StrCat("unknown value ", static_cast<int>(value)));
}

Result CheckPortNumber(const std::string& field, int64_t port) {
  if (port < 1 || port > 65535) {
    return Invalid(field, absl::StrCat("must be between 1 and 65535, inclusive (got ", port, ")"));
  }
  return std::nullopt;
}

Result CheckIntOrStringPort(const std::string& field, const IntOrString& port) {
  if (!port.is_string()) return CheckPortNumber(field, port.int_value);
  if (!IsPortName(port.string_value)) {
    return Invalid(field,
                   absl::StrCat("port name ", Quoted(port.string_value), " ", kPortNameHint));
  }
  return std::nullopt;
}

Result CheckId(const std::string& field, const std::optional<int64_t>& id) {
  if (id && (*id < 0 || *id > 2147483647)) {
    return Invalid(field,
                   absl::StrCat("must be between 0 and 2147483647, inclusive (got ", *id, ")"));
  }
  return std::nullopt;
}

Result CheckNonNegative(const std::string& field, int64_t value) {
  if (value < 0) {
    return Invalid(field, absl::StrCat("must be greater than or equal to 0 (got ", value, ")"));
  }
  return std::nullopt;
}

Result CheckPositive(const std::string& field, int64_t value) {
  if (value < 1) return Invalid(field, absl::StrCat("must be at least 1 (got ", value, ")"));
  return std::nullopt;
}

Result CheckGracePeriod(const std::string& field, int64_t value, int64_t minimum) {
  if (value < minimum || value > kMaxGracePeriodSeconds) {
    return Invalid(field, absl::StrCat("must be between ", minimum, " and ", kMaxGracePeriodSeconds,
                                       ", inclusive (got ", value, ")"));
  }
  return std::nullopt;
}

// A relative path that stays below its root: no leading '/', no ".." element.
Result CheckRelativePath(const std::string& field, absl::string_view path) {
  if (absl::StartsWith(path, "/")) return Invalid(field, "must be a relative path");
  for (absl::string_view element : absl::StrSplit(path, '/')) {
    if (element == "..") return Invalid(field, "must not contain '..'");
  }
  return std::nullopt;
}

Result CheckStringMap(const std::string& field, const std::map<std::string, std::string>& map,
                      bool check_values) {
  size_t total = 0;
  for (const auto& [key, value] : map) {
    if (!IsQualifiedName(key)) {
      return Invalid(Key(field, key),
                     absl::StrCat("key ", Quoted(key),
                                  " is not a qualified name: an optional DNS subdomain prefix and "
                                  "'/', then a name that ",
                                  kLabelHint));
    }
    if (check_values && !value.empty() && !IsLabelToken(value)) {
      return Invalid(Key(field, key), absl::StrCat("value ", Quoted(value), " ", kLabelHint));
    }
    total += key.size() + value.size();
  }
  if (!check_values && total > 256 * 1024) {
    return Invalid(field, "must have at most 262144 bytes in total");
  }
  return std::nullopt;
}

Result CheckExec(const std::string& field, const ExecAction& exec) {
  if (exec.command.empty()) return Invalid(field + ".command", "must not be empty");
  return std::nullopt;
}

bool IsHeaderNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

Result CheckHTTPGet(const std::string& field, const HTTPGetAction& http_get) {
  KRL_RETURN_IF_INVALID(CheckIntOrStringPort(field + ".port", http_get.port));
  KRL_RETURN_IF_INVALID(CheckEnum(field + ".scheme", http_get.scheme));
  for (size_t i = 0; i < http_get.http_headers.size(); ++i) {
    const std::string& name = http_get.http_headers[i].name;
    bool valid = !name.empty();
    for (char c : name) valid = valid && IsHeaderNameChar(c);
    if (!valid) {
      return Invalid(Index(field + ".httpHeaders", i) + ".name",
                     absl::StrCat("invalid HTTP header name ", Quoted(name)));
    }
  }
  return std::nullopt;
}

Result CheckProbe(const std::string& field, const Probe& probe, bool success_must_be_one) {
  int handlers = (probe.exec ? 1 : 0) + (probe.http_get ? 1 : 0) + (probe.tcp_socket ? 1 : 0) +
                 (probe.grpc ? 1 : 0);
  if (handlers == 0) {
    return Invalid(field, "must specify a handler: exec, httpGet, tcpSocket or grpc");
  }
  if (handlers > 1) return Invalid(field, "may not specify more than one handler");
  if (probe.exec) KRL_RETURN_IF_INVALID(CheckExec(field + ".exec", *probe.exec));
  if (probe.http_get) KRL_RETURN_IF_INVALID(CheckHTTPGet(field + ".httpGet", *probe.http_get));
  if (probe.tcp_socket) {
    KRL_RETURN_IF_INVALID(CheckIntOrStringPort(field + ".tcpSocket.port", probe.tcp_socket->port));
  }
  if (probe.grpc) KRL_RETURN_IF_INVALID(CheckPortNumber(field + ".grpc.port", probe.grpc->port));
  KRL_RETURN_IF_INVALID(
      CheckNonNegative(field + ".initialDelaySeconds", probe.initial_delay_seconds));
  KRL_RETURN_IF_INVALID(CheckPositive(field + ".timeoutSeconds", probe.timeout_seconds));
  KRL_RETURN_IF_INVALID(CheckPositive(field + ".periodSeconds", probe.period_seconds));
  KRL_RETURN_IF_INVALID(CheckPositive(field + ".successThreshold", probe.success_threshold));
  KRL_RETURN_IF_INVALID(CheckPositive(field + ".failureThreshold", probe.failure_threshold));
  if (success_must_be_one && probe.success_threshold != 1) {
    return Invalid(field + ".successThreshold",
                   absl::StrCat("must be 1 for liveness and startup probes (got ",
                                probe.success_threshold, ")"));
  }
  if (probe.termination_grace_period_seconds) {
    KRL_RETURN_IF_INVALID(CheckGracePeriod(field + ".terminationGracePeriodSeconds",
                                           *probe.termination_grace_period_seconds, 1));
  }
  return std::nullopt;
}

Result CheckHook(const std::string& field, const LifecycleHandler& hook) {
  int handlers = (hook.exec ? 1 : 0) + (hook.http_get ? 1 : 0);
  if (handlers == 0) return Invalid(field, "must specify a handler: exec or httpGet");
  if (handlers > 1) return Invalid(field, "may not specify more than one handler");
  if (hook.exec) KRL_RETURN_IF_INVALID(CheckExec(field + ".exec", *hook.exec));
  if (hook.http_get) KRL_RETURN_IF_INVALID(CheckHTTPGet(field + ".httpGet", *hook.http_get));
  return std::nullopt;
}

Result CheckQuantity(const std::string& field, const Quantity& q, bool is_cpu) {
  if (q.Sign() < 0) {
    return Invalid(field,
                   absl::StrCat("must be greater than or equal to 0 (got ", q.ToString(), ")"));
  }
  if (is_cpu && !q.MilliValue().ok()) {
    return Invalid(field, absl::StrCat("cpu ", q.ToString(), " is too large"));
  }
  return std::nullopt;
}

Result CheckResources(const std::string& field, const ResourceRequirements& resources) {
  struct Named {
    const char* name;
    const std::optional<Quantity>& limit;
    const std::optional<Quantity>& request;
  };
  const Named named[] = {
      {"cpu", resources.limits.cpu, resources.requests.cpu},
      {"memory", resources.limits.memory, resources.requests.memory},
      {"ephemeral-storage", resources.limits.ephemeral_storage,
       resources.requests.ephemeral_storage},
  };
  for (const Named& n : named) {
    bool is_cpu = absl::string_view(n.name) == "cpu";
    if (n.limit) {
      KRL_RETURN_IF_INVALID(CheckQuantity(field + ".limits." + n.name, *n.limit, is_cpu));
    }
    if (n.request) {
      KRL_RETURN_IF_INVALID(CheckQuantity(field + ".requests." + n.name, *n.request, is_cpu));
    }
  }
  for (const auto* list : {&resources.limits.other, &resources.requests.other}) {
    for (const auto& [name, q] : *list) {
      const char* kind = list == &resources.limits.other ? ".limits." : ".requests.";
      KRL_RETURN_IF_INVALID(CheckQuantity(field + kind + name, q, false));
    }
  }
  for (const Named& n : named) {
    if (n.limit && n.request && *n.limit < *n.request) {
      return Invalid(field + ".requests." + n.name,
                     absl::StrCat("must be less than or equal to the ", n.name, " limit (",
                                  n.request->ToString(), " > ", n.limit->ToString(), ")"));
    }
  }
  return std::nullopt;
}

// ---- Downward API, security profiles, host aliases ----

// "metadata.labels['app']" -> true with *key = "app" when `path` is `prefix` + "['" key "']".
bool SubscriptKey(absl::string_view path, absl::string_view prefix, std::string* key) {
  if (!absl::StartsWith(path, prefix)) return false;
  absl::string_view rest = path.substr(prefix.size());
  if (!absl::ConsumePrefix(&rest, "['") || !absl::ConsumeSuffix(&rest, "']")) return false;
  *key = std::string(rest);
  return true;
}

// The downward API field paths allowed in env (in_volume false) or in downwardAPI volume files.
Result CheckFieldRef(const std::string& field, const ObjectFieldSelector& ref, bool in_volume) {
  if (ref.api_version != "v1") {
    return Invalid(field + ".apiVersion",
                   absl::StrCat("unsupported value ", Quoted(ref.api_version), ": want \"v1\""));
  }
  const std::string& path = ref.field_path;
  if (path.empty()) return Invalid(field + ".fieldPath", "must not be empty");
  std::string key;
  for (absl::string_view prefix : {"metadata.labels", "metadata.annotations"}) {
    if (SubscriptKey(path, prefix, &key)) {
      if (!IsQualifiedName(key)) {
        return Invalid(field + ".fieldPath",
                       absl::StrCat("key ", Quoted(key), " is not a qualified name"));
      }
      return std::nullopt;
    }
  }
  static constexpr absl::string_view kEnvPaths[] = {"metadata.name",
                                                    "metadata.namespace",
                                                    "metadata.uid",
                                                    "spec.nodeName",
                                                    "spec.serviceAccountName",
                                                    "status.hostIP",
                                                    "status.hostIPs",
                                                    "status.podIP",
                                                    "status.podIPs"};
  static constexpr absl::string_view kVolumePaths[] = {"metadata.name", "metadata.namespace",
                                                       "metadata.uid", "metadata.labels",
                                                       "metadata.annotations"};
  absl::Span<const absl::string_view> allowed =
      in_volume ? absl::MakeConstSpan(kVolumePaths) : absl::MakeConstSpan(kEnvPaths);
  for (absl::string_view p : allowed) {
    if (path == p) return std::nullopt;
  }
  return Invalid(field + ".fieldPath",
                 absl::StrCat("unsupported value ", Quoted(path),
                              " (supported: ", absl::StrJoin(allowed, ", "),
                              ", metadata.labels['<key>'], metadata.annotations['<key>'])"));
}

// Kubernetes allows only these divisors: a unit of the resource, never an arbitrary number.
Result CheckDivisor(const std::string& field, const std::string& resource,
                    const std::optional<Quantity>& divisor) {
  if (!divisor) return std::nullopt;
  const bool is_cpu = absl::EndsWith(resource, ".cpu");
  static constexpr absl::string_view kCPU[] = {"1m", "1"};
  static constexpr absl::string_view kBytes[] = {"1",   "1k",  "1M",  "1G",  "1T",  "1P", "1E",
                                                 "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"};
  absl::Span<const absl::string_view> allowed =
      is_cpu ? absl::MakeConstSpan(kCPU) : absl::MakeConstSpan(kBytes);
  for (absl::string_view text : allowed) {
    absl::StatusOr<Quantity> q = ParseQuantity(text);
    if (q.ok() && *q == *divisor) return std::nullopt;
  }
  return Invalid(field, absl::StrCat("only divisor's values ", absl::StrJoin(allowed, ", "),
                                     " are supported with the ", is_cpu ? "cpu" : "memory",
                                     " resource (got ", divisor->ToString(), ")"));
}

Result CheckResourceFieldRef(const std::string& field, const ResourceFieldSelector& ref,
                             bool in_volume, const Pod& pod) {
  if (ref.container_name.empty()) {
    if (in_volume) return Invalid(field + ".containerName", "must not be empty");
  } else {
    bool found = false;
    for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
      for (const Container& c : *list) found = found || c.name == ref.container_name;
    }
    if (!found) {
      return Invalid(field + ".containerName",
                     absl::StrCat("container ", Quoted(ref.container_name), " is not in the pod"));
    }
  }
  static constexpr absl::string_view kResources[] = {
      "limits.cpu",   "limits.memory",   "limits.ephemeral-storage",
      "requests.cpu", "requests.memory", "requests.ephemeral-storage"};
  bool known = absl::StartsWith(ref.resource, "limits.hugepages-") ||
               absl::StartsWith(ref.resource, "requests.hugepages-");
  for (absl::string_view r : kResources) known = known || ref.resource == r;
  if (ref.resource.empty()) return Invalid(field + ".resource", "must not be empty");
  if (!known) {
    return Invalid(field + ".resource",
                   absl::StrCat("unsupported value ", Quoted(ref.resource),
                                " (supported: ", absl::StrJoin(kResources, ", "),
                                ", limits.hugepages-<size>, requests.hugepages-<size>)"));
  }
  return CheckDivisor(field + ".divisor", ref.resource, ref.divisor);
}

Result CheckEnv(const std::string& field, const EnvVar& env, const Pod& pod) {
  if (!env.value_from) return std::nullopt;
  if (!env.value.empty()) {
    return Invalid(field + ".valueFrom", "may not be specified when `value` is not empty");
  }
  const EnvVarSource& source = *env.value_from;
  const int sources = (source.field_ref ? 1 : 0) + (source.resource_field_ref ? 1 : 0);
  if (sources == 0) {
    return Invalid(field + ".valueFrom", "must specify one of: `fieldRef`, `resourceFieldRef`");
  }
  if (sources > 1) {
    return Invalid(field + ".valueFrom", "may not have more than one field specified at a time");
  }
  if (source.field_ref) {
    return CheckFieldRef(field + ".valueFrom.fieldRef", *source.field_ref, /*in_volume=*/false);
  }
  return CheckResourceFieldRef(field + ".valueFrom.resourceFieldRef", *source.resource_field_ref,
                               /*in_volume=*/false, pod);
}

Result CheckMode(const std::string& field, int32_t mode) {
  if (mode < 0 || mode > 0777) {
    return Invalid(field, absl::StrCat("must be a number between 0 and 0777 (octal), both "
                                       "inclusive (got ",
                                       mode, ")"));
  }
  return std::nullopt;
}

Result CheckDownwardAPI(const std::string& field, const DownwardAPIVolumeSource& source,
                        const Pod& pod) {
  KRL_RETURN_IF_INVALID(CheckMode(field + ".defaultMode", source.default_mode));
  std::set<std::string> paths;
  for (size_t i = 0; i < source.items.size(); ++i) {
    const DownwardAPIVolumeFile& item = source.items[i];
    const std::string item_field = Index(field + ".items", i);
    if (item.path.empty()) return Invalid(item_field + ".path", "must not be empty");
    KRL_RETURN_IF_INVALID(CheckRelativePath(item_field + ".path", item.path));
    if (absl::StartsWith(item.path, "..")) {
      return Invalid(item_field + ".path", "must not start with '..'");
    }
    if (!paths.insert(item.path).second) {
      return Invalid(item_field + ".path", absl::StrCat("duplicate path ", Quoted(item.path)));
    }
    const int sources = (item.field_ref ? 1 : 0) + (item.resource_field_ref ? 1 : 0);
    if (sources == 0) {
      return Invalid(item_field, "must specify one of: `fieldRef`, `resourceFieldRef`");
    }
    if (sources > 1) {
      return Invalid(item_field,
                     "fieldRef and resourceFieldRef can not be specified simultaneously");
    }
    if (item.field_ref) {
      KRL_RETURN_IF_INVALID(
          CheckFieldRef(item_field + ".fieldRef", *item.field_ref, /*in_volume=*/true));
    } else {
      KRL_RETURN_IF_INVALID(CheckResourceFieldRef(
          item_field + ".resourceFieldRef", *item.resource_field_ref, /*in_volume=*/true, pod));
    }
    if (item.mode) KRL_RETURN_IF_INVALID(CheckMode(item_field + ".mode", *item.mode));
  }
  return std::nullopt;
}

// A Localhost seccomp profile names a file below the node's profile root: relative, no "..".
template <typename Profile>
Result CheckProfile(const std::string& field, const std::optional<Profile>& profile,
                    absl::string_view kind) {
  if (!profile) return std::nullopt;
  KRL_RETURN_IF_INVALID(CheckEnum(field + ".type", profile->type));
  const bool localhost = ToString(profile->type) == "Localhost";
  if (localhost) {
    if (!profile->localhost_profile ||
        absl::StripAsciiWhitespace(*profile->localhost_profile).empty()) {
      return Invalid(field + ".localhostProfile",
                     absl::StrCat("must be set when ", kind, " type is Localhost"));
    }
    // An AppArmor profile is a name loaded in the kernel, often path-like ("/usr/sbin/x").
    if (kind != "seccomp") return std::nullopt;
    return CheckRelativePath(field + ".localhostProfile", *profile->localhost_profile);
  }
  if (profile->localhost_profile) {
    return Invalid(field + ".localhostProfile",
                   absl::StrCat("can only be set when ", kind, " type is Localhost"));
  }
  return std::nullopt;
}

// A sysctl name: dot- or slash-separated segments of lower-case letters, digits, '-' and '_',
// each starting and ending with a letter or digit; at most 253 characters.
bool IsSysctlName(absl::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (absl::string_view segment : absl::StrSplit(name, absl::ByAnyChar("./"))) {
    if (segment.empty() || !IsLowerAlnum(segment.front()) || !IsLowerAlnum(segment.back())) {
      return false;
    }
    for (char c : segment) {
      if (!IsLowerAlnum(c) && c != '-' && c != '_') return false;
    }
  }
  return true;
}

constexpr absl::string_view kAppArmorAnnotationPrefix =
    "container.apparmor.security.beta.kubernetes.io/";

// The AppArmor annotations Kubernetes still reads: a profile per container.
Result CheckAppArmorAnnotations(const Pod& pod) {
  for (const auto& [key, value] : pod.metadata.annotations) {
    if (!absl::StartsWith(key, kAppArmorAnnotationPrefix)) continue;
    const std::string field = Key("metadata.annotations", key);
    absl::string_view container = absl::string_view(key).substr(kAppArmorAnnotationPrefix.size());
    bool found = false;
    for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
      for (const Container& c : *list) found = found || c.name == container;
    }
    if (!found) {
      return Invalid(field, absl::StrCat("container ", Quoted(container), " is not in the pod"));
    }
    if (value == "runtime/default" || value == "unconfined") continue;
    if (absl::StartsWith(value, "localhost/") && value.size() > strlen("localhost/")) continue;
    return Invalid(field, absl::StrCat("invalid AppArmor profile ", Quoted(value),
                                       ": want runtime/default, unconfined or localhost/<name>"));
  }
  return std::nullopt;
}

Result CheckHostAliases(const std::vector<HostAlias>& aliases) {
  for (size_t i = 0; i < aliases.size(); ++i) {
    const std::string field = Index("spec.hostAliases", i);
    if (!IsIP(aliases[i].ip)) {
      return Invalid(field + ".ip", absl::StrCat(Quoted(aliases[i].ip), " is not an IP address"));
    }
    if (aliases[i].hostnames.empty()) {
      return Invalid(field + ".hostnames", "must list at least one hostname");
    }
    for (size_t j = 0; j < aliases[i].hostnames.size(); ++j) {
      const std::string& name = aliases[i].hostnames[j];
      if (!IsDNS1123Subdomain(name)) {
        return Invalid(Index(field + ".hostnames", j),
                       absl::StrCat("hostname ", Quoted(name), " ", kSubdomainHint));
      }
    }
  }
  return std::nullopt;
}

struct PodContext {
  const Pod& pod;
  std::set<std::string> volume_names;
  // Container name -> the path of the container that first used it.
  std::map<std::string, std::string> container_names;
};

Result CheckContainer(const std::string& field, const Container& c, bool is_init,
                      PodContext* context) {
  if (c.name.empty()) return Invalid(field + ".name", "must not be empty");
  if (!IsDNS1123Label(c.name)) {
    return Invalid(field + ".name",
                   absl::StrCat("container name ", Quoted(c.name), " ", kLabelNameHint));
  }
  auto [it, inserted] = context->container_names.emplace(c.name, field);
  if (!inserted) {
    return Invalid(field + ".name", absl::StrCat("duplicate container name ", Quoted(c.name),
                                                 " (already used by ", it->second, ")"));
  }
  if (c.image.empty()) return Invalid(field + ".image", "must not be empty");
  if (c.image != absl::StripAsciiWhitespace(c.image)) {
    return Invalid(field + ".image", "must not have leading or trailing whitespace");
  }
  if (c.image_pull_policy) {
    KRL_RETURN_IF_INVALID(CheckEnum(field + ".imagePullPolicy", *c.image_pull_policy));
  }
  if (c.restart_policy) {
    if (!is_init) {
      return Invalid(field + ".restartPolicy", "may only be set on init containers");
    }
    if (*c.restart_policy != ContainerRestartPolicy::kAlways) {
      return Invalid(field + ".restartPolicy", "must be Always");
    }
  }

  std::set<std::string> port_names;
  for (size_t i = 0; i < c.ports.size(); ++i) {
    const ContainerPort& port = c.ports[i];
    const std::string port_field = Index(field + ".ports", i);
    KRL_RETURN_IF_INVALID(CheckPortNumber(port_field + ".containerPort", port.container_port));
    if (port.host_port != 0) {
      KRL_RETURN_IF_INVALID(CheckPortNumber(port_field + ".hostPort", port.host_port));
      if (context->pod.spec.host_network && port.host_port != port.container_port) {
        return Invalid(port_field + ".hostPort",
                       "must match containerPort when hostNetwork is true");
      }
    }
    if (!port.name.empty()) {
      if (!IsPortName(port.name)) {
        return Invalid(port_field + ".name",
                       absl::StrCat("port name ", Quoted(port.name), " ", kPortNameHint));
      }
      if (!port_names.insert(port.name).second) {
        return Invalid(port_field + ".name",
                       absl::StrCat("duplicate port name ", Quoted(port.name)));
      }
    }
    KRL_RETURN_IF_INVALID(CheckEnum(port_field + ".protocol", port.protocol));
    if (!port.host_ip.empty() && !IsIP(port.host_ip)) {
      return Invalid(port_field + ".hostIP",
                     absl::StrCat(Quoted(port.host_ip), " is not an IP address"));
    }
  }

  for (size_t i = 0; i < c.env.size(); ++i) {
    const std::string& name = c.env[i].name;
    const std::string env_field = Index(field + ".env", i) + ".name";
    if (name.empty()) return Invalid(env_field, "must not be empty");
    for (char ch : name) {
      if (ch < 32 || ch > 126 || ch == '=') {
        return Invalid(env_field, absl::StrCat("environment variable name ", Quoted(name),
                                               " must be printable ASCII without '='"));
      }
    }
    KRL_RETURN_IF_INVALID(CheckEnv(Index(field + ".env", i), c.env[i], context->pod));
  }

  KRL_RETURN_IF_INVALID(CheckResources(field + ".resources", c.resources));

  std::set<std::string> mount_paths;
  for (size_t i = 0; i < c.volume_mounts.size(); ++i) {
    const VolumeMount& mount = c.volume_mounts[i];
    const std::string mount_field = Index(field + ".volumeMounts", i);
    if (mount.name.empty()) return Invalid(mount_field + ".name", "must not be empty");
    if (context->volume_names.count(mount.name) == 0) {
      return Invalid(mount_field + ".name", absl::StrCat("volume ", Quoted(mount.name),
                                                         " is not declared in spec.volumes"));
    }
    if (mount.mount_path.empty()) return Invalid(mount_field + ".mountPath", "must not be empty");
    if (!mount_paths.insert(mount.mount_path).second) {
      return Invalid(mount_field + ".mountPath",
                     absl::StrCat("duplicate mount path ", Quoted(mount.mount_path)));
    }
    if (!mount.sub_path.empty()) {
      KRL_RETURN_IF_INVALID(CheckRelativePath(mount_field + ".subPath", mount.sub_path));
    }
    if (!mount.sub_path_expr.empty()) {
      if (!mount.sub_path.empty()) {
        return Invalid(mount_field + ".subPathExpr",
                       "subPathExpr and subPath are mutually exclusive");
      }
      KRL_RETURN_IF_INVALID(CheckRelativePath(mount_field + ".subPathExpr", mount.sub_path_expr));
    }
    if (mount.mount_propagation) {
      KRL_RETURN_IF_INVALID(CheckEnum(mount_field + ".mountPropagation", *mount.mount_propagation));
      const bool privileged = c.security_context && c.security_context->privileged.value_or(false);
      if (*mount.mount_propagation == MountPropagationMode::kBidirectional && !privileged) {
        return Invalid(mount_field + ".mountPropagation",
                       "Bidirectional mount propagation is available only to privileged "
                       "containers");
      }
    }
  }

  // Plain init containers run to completion: probes and hooks only make sense for sidecars.
  const bool plain_init = is_init && !IsSidecar(c);
  struct NamedProbe {
    const char* name;
    const std::optional<Probe>& probe;
    bool success_must_be_one;
  };
  for (const NamedProbe& p : {NamedProbe{"livenessProbe", c.liveness_probe, true},
                              NamedProbe{"readinessProbe", c.readiness_probe, false},
                              NamedProbe{"startupProbe", c.startup_probe, true}}) {
    if (!p.probe) continue;
    const std::string probe_field = absl::StrCat(field, ".", p.name);
    if (plain_init) {
      return Invalid(probe_field,
                     "may not be set for init containers without restartPolicy: Always");
    }
    KRL_RETURN_IF_INVALID(CheckProbe(probe_field, *p.probe, p.success_must_be_one));
  }
  if (c.lifecycle) {
    if (plain_init) {
      return Invalid(field + ".lifecycle",
                     "may not be set for init containers without restartPolicy: Always");
    }
    if (c.lifecycle->post_start) {
      KRL_RETURN_IF_INVALID(CheckHook(field + ".lifecycle.postStart", *c.lifecycle->post_start));
    }
    if (c.lifecycle->pre_stop) {
      KRL_RETURN_IF_INVALID(CheckHook(field + ".lifecycle.preStop", *c.lifecycle->pre_stop));
    }
  }

  if (c.termination_message_path.empty()) {
    return Invalid(field + ".terminationMessagePath", "must not be empty");
  }
  if (!absl::StartsWith(c.termination_message_path, "/")) {
    return Invalid(field + ".terminationMessagePath", "must be an absolute path");
  }
  KRL_RETURN_IF_INVALID(
      CheckEnum(field + ".terminationMessagePolicy", c.termination_message_policy));
  if (c.security_context) {
    const SecurityContext& sc = *c.security_context;
    KRL_RETURN_IF_INVALID(CheckId(field + ".securityContext.runAsUser", sc.run_as_user));
    KRL_RETURN_IF_INVALID(CheckId(field + ".securityContext.runAsGroup", sc.run_as_group));
    if (sc.capabilities) {
      for (const auto* list : {&sc.capabilities->add, &sc.capabilities->drop}) {
        const char* kind = list == &sc.capabilities->add ? ".add" : ".drop";
        for (size_t i = 0; i < list->size(); ++i) {
          if ((*list)[i].empty()) {
            return Invalid(Index(field + ".securityContext.capabilities" + kind, i),
                           "must not be empty");
          }
        }
      }
    }
    if (sc.allow_privilege_escalation == false) {
      if (sc.privileged.value_or(false)) {
        return Invalid(field + ".securityContext",
                       "cannot set `allowPrivilegeEscalation` to false and `privileged` to true");
      }
      if (sc.capabilities) {
        for (const std::string& cap : sc.capabilities->add) {
          if (cap == "SYS_ADMIN" || cap == "CAP_SYS_ADMIN") {
            return Invalid(field + ".securityContext",
                           "cannot set `allowPrivilegeEscalation` to false and "
                           "`capabilities.add` CAP_SYS_ADMIN");
          }
        }
      }
    }
    KRL_RETURN_IF_INVALID(
        CheckProfile(field + ".securityContext.seccompProfile", sc.seccomp_profile, "seccomp"));
    KRL_RETURN_IF_INVALID(
        CheckProfile(field + ".securityContext.appArmorProfile", sc.app_armor_profile, "AppArmor"));
    if (sc.proc_mount) {
      KRL_RETURN_IF_INVALID(CheckEnum(field + ".securityContext.procMount", *sc.proc_mount));
      // As Kubernetes: /proc unmasked is safe only inside a user namespace, and pods here share
      // the host's (hostUsers: false is refused).
      if (*sc.proc_mount == ProcMountType::kUnmasked) {
        return Invalid(field + ".securityContext.procMount",
                       "`hostUsers` must be false to use `Unmasked`, and this node runs pods in "
                       "the host's user namespace only");
      }
    }
  }
  return std::nullopt;
}

Result CheckVolumes(const std::vector<Volume>& volumes, PodContext* context) {
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Volume& volume = volumes[i];
    const std::string field = Index("spec.volumes", i);
    if (volume.name.empty()) return Invalid(field + ".name", "must not be empty");
    if (!IsDNS1123Label(volume.name)) {
      return Invalid(field + ".name",
                     absl::StrCat("volume name ", Quoted(volume.name), " ", kLabelNameHint));
    }
    if (!context->volume_names.insert(volume.name).second) {
      return Invalid(field + ".name", absl::StrCat("duplicate volume name ", Quoted(volume.name)));
    }
    int sources =
        (volume.host_path ? 1 : 0) + (volume.empty_dir ? 1 : 0) + (volume.downward_api ? 1 : 0);
    if (sources == 0) {
      return Invalid(field, "must specify a volume source: hostPath, emptyDir or downwardAPI");
    }
    if (sources > 1) return Invalid(field, "may not specify more than one volume source");
    if (volume.host_path) {
      if (volume.host_path->path.empty()) {
        return Invalid(field + ".hostPath.path", "must not be empty");
      }
      for (absl::string_view element : absl::StrSplit(volume.host_path->path, '/')) {
        if (element == "..") return Invalid(field + ".hostPath.path", "must not contain '..'");
      }
      KRL_RETURN_IF_INVALID(CheckEnum(field + ".hostPath.type", volume.host_path->type));
    }
    if (volume.empty_dir) {
      KRL_RETURN_IF_INVALID(CheckEnum(field + ".emptyDir.medium", volume.empty_dir->medium));
      if (volume.empty_dir->medium == StorageMedium::kHugePages) {
        return Invalid(field + ".emptyDir.medium",
                       "HugePages is not supported here: use the node's disk or Memory");
      }
      if (volume.empty_dir->size_limit) {
        KRL_RETURN_IF_INVALID(
            CheckQuantity(field + ".emptyDir.sizeLimit", *volume.empty_dir->size_limit, false));
      }
    }
    if (volume.downward_api) {
      KRL_RETURN_IF_INVALID(
          CheckDownwardAPI(field + ".downwardAPI", *volume.downward_api, context->pod));
    }
  }
  return std::nullopt;
}

Result CheckMetadata(const ObjectMeta& metadata) {
  if (metadata.name.empty()) return Invalid("metadata.name", "must not be empty");
  if (!IsDNS1123Subdomain(metadata.name)) {
    return Invalid("metadata.name",
                   absl::StrCat("pod name ", Quoted(metadata.name), " ", kSubdomainHint));
  }
  if (metadata.namespace_.empty()) return Invalid("metadata.namespace", "must not be empty");
  if (!IsDNS1123Label(metadata.namespace_)) {
    return Invalid("metadata.namespace",
                   absl::StrCat("namespace ", Quoted(metadata.namespace_), " ", kLabelNameHint));
  }
  KRL_RETURN_IF_INVALID(CheckStringMap("metadata.labels", metadata.labels, true));
  KRL_RETURN_IF_INVALID(CheckStringMap("metadata.annotations", metadata.annotations, false));
  return std::nullopt;
}

Result CheckDNS(const PodSpec& spec) {
  KRL_RETURN_IF_INVALID(CheckEnum("spec.dnsPolicy", spec.dns_policy));
  if (spec.dns_policy == DNSPolicy::kNone &&
      (!spec.dns_config || spec.dns_config->nameservers.empty())) {
    return Invalid("spec.dnsConfig.nameservers",
                   "must list at least one nameserver when dnsPolicy is None");
  }
  if (!spec.dns_config) return std::nullopt;
  const PodDNSConfig& config = *spec.dns_config;
  if (config.nameservers.size() > 3) {
    return Invalid("spec.dnsConfig.nameservers", "must not have more than 3 nameservers");
  }
  for (size_t i = 0; i < config.nameservers.size(); ++i) {
    if (!IsIP(config.nameservers[i])) {
      return Invalid(Index("spec.dnsConfig.nameservers", i),
                     absl::StrCat(Quoted(config.nameservers[i]), " is not an IP address"));
    }
  }
  if (config.searches.size() > 32) {
    return Invalid("spec.dnsConfig.searches", "must not have more than 32 search paths");
  }
  for (size_t i = 0; i < config.searches.size(); ++i) {
    if (config.searches[i].empty()) {
      return Invalid(Index("spec.dnsConfig.searches", i), "must not be empty");
    }
  }
  for (size_t i = 0; i < config.options.size(); ++i) {
    if (config.options[i].name.empty()) {
      return Invalid(Index("spec.dnsConfig.options", i) + ".name", "must not be empty");
    }
  }
  return std::nullopt;
}

Result CheckPod(const Pod& pod) {
  KRL_RETURN_IF_INVALID(CheckMetadata(pod.metadata));
  KRL_RETURN_IF_INVALID(CheckAppArmorAnnotations(pod));
  const PodSpec& spec = pod.spec;
  PodContext context{pod, {}, {}};
  KRL_RETURN_IF_INVALID(CheckVolumes(spec.volumes, &context));
  for (size_t i = 0; i < spec.init_containers.size(); ++i) {
    KRL_RETURN_IF_INVALID(CheckContainer(Index("spec.initContainers", i), spec.init_containers[i],
                                         /*is_init=*/true, &context));
  }
  if (spec.containers.empty()) {
    return Invalid("spec.containers", "must have at least one container");
  }
  for (size_t i = 0; i < spec.containers.size(); ++i) {
    KRL_RETURN_IF_INVALID(CheckContainer(Index("spec.containers", i), spec.containers[i],
                                         /*is_init=*/false, &context));
  }
  KRL_RETURN_IF_INVALID(CheckEnum("spec.restartPolicy", spec.restart_policy));
  KRL_RETURN_IF_INVALID(CheckGracePeriod("spec.terminationGracePeriodSeconds",
                                         spec.termination_grace_period_seconds, 0));
  if (spec.active_deadline_seconds &&
      (*spec.active_deadline_seconds < 1 || *spec.active_deadline_seconds > 4294967295)) {
    return Invalid("spec.activeDeadlineSeconds",
                   absl::StrCat("must be between 1 and 4294967295, inclusive (got ",
                                *spec.active_deadline_seconds, ")"));
  }
  KRL_RETURN_IF_INVALID(CheckDNS(spec));
  if (spec.share_process_namespace.value_or(false) && spec.host_pid) {
    return Invalid("spec.shareProcessNamespace", "may not be true when hostPID is true");
  }
  const PodSecurityContext& sc = spec.security_context;
  KRL_RETURN_IF_INVALID(CheckId("spec.securityContext.runAsUser", sc.run_as_user));
  KRL_RETURN_IF_INVALID(CheckId("spec.securityContext.runAsGroup", sc.run_as_group));
  KRL_RETURN_IF_INVALID(CheckId("spec.securityContext.fsGroup", sc.fs_group));
  for (size_t i = 0; i < sc.supplemental_groups.size(); ++i) {
    KRL_RETURN_IF_INVALID(
        CheckId(Index("spec.securityContext.supplementalGroups", i), sc.supplemental_groups[i]));
  }
  if (sc.fs_group_change_policy) {
    KRL_RETURN_IF_INVALID(
        CheckEnum("spec.securityContext.fsGroupChangePolicy", *sc.fs_group_change_policy));
  }
  KRL_RETURN_IF_INVALID(
      CheckProfile("spec.securityContext.seccompProfile", sc.seccomp_profile, "seccomp"));
  KRL_RETURN_IF_INVALID(
      CheckProfile("spec.securityContext.appArmorProfile", sc.app_armor_profile, "AppArmor"));
  std::set<std::string> sysctl_names;
  for (size_t i = 0; i < sc.sysctls.size(); ++i) {
    const std::string field = Index("spec.securityContext.sysctls", i) + ".name";
    if (sc.sysctls[i].name.empty()) return Invalid(field, "must not be empty");
    if (!IsSysctlName(sc.sysctls[i].name)) {
      return Invalid(field, absl::StrCat("sysctl ", Quoted(sc.sysctls[i].name),
                                         " must be dot- or slash-separated segments of "
                                         "lower-case letters, digits, '-' and '_', each starting "
                                         "and ending with a letter or digit"));
    }
    if (!sysctl_names.insert(sc.sysctls[i].name).second) {
      return Invalid(field, absl::StrCat("duplicate sysctl ", Quoted(sc.sysctls[i].name)));
    }
  }
  if (!spec.hostname.empty() && !IsDNS1123Label(spec.hostname)) {
    return Invalid("spec.hostname",
                   absl::StrCat("hostname ", Quoted(spec.hostname), " ", kLabelNameHint));
  }
  if (!spec.subdomain.empty() && !IsDNS1123Label(spec.subdomain)) {
    return Invalid("spec.subdomain",
                   absl::StrCat("subdomain ", Quoted(spec.subdomain), " ", kLabelNameHint));
  }
  KRL_RETURN_IF_INVALID(CheckHostAliases(spec.host_aliases));
  if (spec.runtime_class_name && !IsDNS1123Subdomain(*spec.runtime_class_name)) {
    return Invalid(
        "spec.runtimeClassName",
        absl::StrCat("runtime class name ", Quoted(*spec.runtime_class_name), " ", kSubdomainHint));
  }
  return std::nullopt;
}

}  // namespace

std::string FieldError::ToString() const { return absl::StrCat(field, ": ", detail); }

std::optional<FieldError> FirstInvalidField(const Pod& pod) { return CheckPod(pod); }

absl::Status Validate(const Pod& pod) {
  std::optional<FieldError> error = CheckPod(pod);
  if (!error) return absl::OkStatus();
  return absl::InvalidArgumentError(error->ToString());
}

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
