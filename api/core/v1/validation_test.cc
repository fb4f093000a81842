#include "api/core/v1/validation.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

Pod ValidPod() {
  Pod pod;
  pod.metadata.name = "web";
  pod.metadata.labels = {{"app.kubernetes.io/name", "web"}, {"tier", ""}};
  pod.spec.volumes = {
      {"data", HostPathVolumeSource{"/srv/data", HostPathType::kDirectoryOrCreate}, std::nullopt},
      {"scratch", std::nullopt, EmptyDirVolumeSource{}}};
  Container init;
  init.name = "migrate";
  init.image = "busybox:1.36";
  init.command = {"true"};
  Container sidecar;
  sidecar.name = "log-shipper";
  sidecar.image = "busybox:1.36";
  sidecar.restart_policy = ContainerRestartPolicy::kAlways;
  sidecar.readiness_probe = Probe{};
  sidecar.readiness_probe->exec = ExecAction{{"true"}};
  Container app;
  app.name = "nginx";
  app.image = "nginx:1.25";
  app.ports = {{"http", 80, 0, Protocol::kTCP, ""}};
  app.resources.limits.cpu = *ParseQuantity("500m");
  app.resources.requests.cpu = *ParseQuantity("250m");
  app.volume_mounts = {{"data", "/data", false, ""}, {"scratch", "/tmp", false, ""}};
  app.liveness_probe = Probe{};
  app.liveness_probe->http_get =
      HTTPGetAction{"/healthz", IntOrString::FromString("http"), "", URIScheme::kHTTP, {}};
  app.lifecycle = Lifecycle{};
  app.lifecycle->pre_stop = LifecycleHandler{ExecAction{{"nginx", "-s", "quit"}}, std::nullopt};
  pod.spec.init_containers = {init, sidecar};
  pod.spec.containers = {app};
  return pod;
}

struct Case {
  const char* name;
  std::function<void(Pod&)> mutate;
  std::string error;  // "field: detail" prefix
};

Container& App(Pod& pod) { return pod.spec.containers[0]; }

SeccompProfile Seccomp(SeccompProfileType type,
                       std::optional<std::string> localhost = std::nullopt) {
  return SeccompProfile{type, std::move(localhost)};
}

EnvVar EnvFrom(const std::string& name, const std::string& field_path,
               const std::string& value = "") {
  return EnvVar{name, value, EnvVarSource{ObjectFieldSelector{"v1", field_path}, std::nullopt}};
}

EnvVar EnvResource(const std::string& name, const std::string& container,
                   const std::string& resource, std::optional<std::string> divisor) {
  ResourceFieldSelector selector{container, resource, std::nullopt};
  if (divisor) selector.divisor = *ParseQuantity(*divisor);
  return EnvVar{name, "", EnvVarSource{std::nullopt, selector}};
}

// The pod's third volume, a downwardAPI volume added on first use.
DownwardAPIVolumeSource& Downward(Pod& pod) {
  if (pod.spec.volumes.size() < 3) {
    Volume volume;
    volume.name = "info";
    volume.downward_api.emplace();
    pod.spec.volumes.push_back(volume);
  }
  return *pod.spec.volumes[2].downward_api;
}

DownwardAPIVolumeFile VolumeFile(const std::string& path, const std::string& field_path) {
  return DownwardAPIVolumeFile{path, ObjectFieldSelector{"v1", field_path}, std::nullopt,
                               std::nullopt};
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"empty pod name", [](Pod& p) { p.metadata.name = ""; }, "metadata.name: must not be empty"},
      {"upper-case pod name", [](Pod& p) { p.metadata.name = "Web"; },
       "metadata.name: pod name \"Web\" must be a lower-case RFC 1123 subdomain"},
      {"pod name with underscore", [](Pod& p) { p.metadata.name = "my_pod"; },
       "metadata.name: pod name \"my_pod\""},
      {"pod name ending in a dot", [](Pod& p) { p.metadata.name = "web."; }, "metadata.name:"},
      {"pod name too long", [](Pod& p) { p.metadata.name = std::string(254, 'a'); },
       "metadata.name:"},
      {"empty namespace", [](Pod& p) { p.metadata.namespace_ = ""; },
       "metadata.namespace: must not be empty"},
      {"dotted namespace", [](Pod& p) { p.metadata.namespace_ = "a.b"; },
       "metadata.namespace: namespace \"a.b\""},
      {"bad label key", [](Pod& p) { p.metadata.labels["-x"] = "y"; },
       "metadata.labels[-x]: key \"-x\" is not a qualified name"},
      {"bad label value", [](Pod& p) { p.metadata.labels["app"] = "a b"; },
       "metadata.labels[app]: value \"a b\""},
      {"bad annotation key", [](Pod& p) { p.metadata.annotations["Example.com/x"] = "free text"; },
       "metadata.annotations[Example.com/x]: key"},
      {"no containers", [](Pod& p) { p.spec.containers.clear(); },
       "spec.containers: must have at least one container"},
      {"empty image", [](Pod& p) { App(p).image = ""; },
       "spec.containers[0].image: must not be empty"},
      {"image with spaces", [](Pod& p) { App(p).image = " nginx"; },
       "spec.containers[0].image: must not have leading or trailing whitespace"},
      {"empty container name", [](Pod& p) { App(p).name = ""; },
       "spec.containers[0].name: must not be empty"},
      {"bad container name", [](Pod& p) { App(p).name = "Nginx"; },
       "spec.containers[0].name: container name \"Nginx\""},
      {"duplicate container names across init and app", [](Pod& p) { App(p).name = "migrate"; },
       "spec.containers[0].name: duplicate container name \"migrate\" (already used by "
       "spec.initContainers[0])"},
      {"duplicate init container names", [](Pod& p) { p.spec.init_containers[1].name = "migrate"; },
       "spec.initContainers[1].name: duplicate container name \"migrate\""},
      {"negative grace period", [](Pod& p) { p.spec.termination_grace_period_seconds = -1; },
       "spec.terminationGracePeriodSeconds: must be between 0 and 4294967295, inclusive (got -1)"},
      {"unknown imagePullPolicy",
       [](Pod& p) { App(p).image_pull_policy = static_cast<PullPolicy>(9); },
       "spec.containers[0].imagePullPolicy: unknown value 9"},
      {"unknown restartPolicy",
       [](Pod& p) { p.spec.restart_policy = static_cast<RestartPolicy>(7); },
       "spec.restartPolicy: unknown value 7"},
      {"unknown dnsPolicy", [](Pod& p) { p.spec.dns_policy = static_cast<DNSPolicy>(7); },
       "spec.dnsPolicy: unknown value 7"},
      {"container port zero", [](Pod& p) { App(p).ports[0].container_port = 0; },
       "spec.containers[0].ports[0].containerPort: must be between 1 and 65535, inclusive (got 0)"},
      {"container port too large", [](Pod& p) { App(p).ports[0].container_port = 65536; },
       "spec.containers[0].ports[0].containerPort: must be between 1 and 65535"},
      {"host port too large", [](Pod& p) { App(p).ports[0].host_port = 70000; },
       "spec.containers[0].ports[0].hostPort: must be between 1 and 65535"},
      {"host port differs under host networking",
       [](Pod& p) {
         p.spec.host_network = true;
         App(p).ports[0].host_port = 8080;
       },
       "spec.containers[0].ports[0].hostPort: must match containerPort when hostNetwork is true"},
      {"bad port name", [](Pod& p) { App(p).ports[0].name = "80"; },
       "spec.containers[0].ports[0].name: port name \"80\" must be an IANA service name"},
      {"duplicate port name",
       [](Pod& p) {
         App(p).ports.push_back({"http", 81, 0, Protocol::kTCP, ""});
       },
       "spec.containers[0].ports[1].name: duplicate port name \"http\""},
      {"bad host IP", [](Pod& p) { App(p).ports[0].host_ip = "localhost"; },
       "spec.containers[0].ports[0].hostIP: \"localhost\" is not an IP address"},
      {"empty env name",
       [](Pod& p) {
         App(p).env = {{"", "x"}};
       },
       "spec.containers[0].env[0].name: must not be empty"},
      {"env name with =",
       [](Pod& p) {
         App(p).env = {{"A=B", "x"}};
       },
       "spec.containers[0].env[0].name: environment variable name \"A=B\""},
      {"negative memory", [](Pod& p) { App(p).resources.limits.memory = *ParseQuantity("-1Mi"); },
       "spec.containers[0].resources.limits.memory: must be greater than or equal to 0 (got "
       "-1Mi)"},
      {"request above limit", [](Pod& p) { App(p).resources.requests.cpu = *ParseQuantity("1"); },
       "spec.containers[0].resources.requests.cpu: must be less than or equal to the cpu limit "
       "(1 > 500m)"},
      {"cpu too large for millicores",
       [](Pod& p) {
         App(p).resources.limits.cpu = *ParseQuantity("1E");
         App(p).resources.requests.cpu.reset();
       },
       "spec.containers[0].resources.limits.cpu: cpu 1E is too large"},
      {"mount of an undeclared volume",
       [](Pod& p) {
         App(p).volume_mounts.push_back({"cache", "/cache", false, ""});
       },
       "spec.containers[0].volumeMounts[2].name: volume \"cache\" is not declared in "
       "spec.volumes"},
      {"mount without a path", [](Pod& p) { App(p).volume_mounts[0].mount_path = ""; },
       "spec.containers[0].volumeMounts[0].mountPath: must not be empty"},
      {"two mounts on one path", [](Pod& p) { App(p).volume_mounts[1].mount_path = "/data"; },
       "spec.containers[0].volumeMounts[1].mountPath: duplicate mount path \"/data\""},
      {"subPath escaping the volume", [](Pod& p) { App(p).volume_mounts[0].sub_path = "a/../.."; },
       "spec.containers[0].volumeMounts[0].subPath: must not contain '..'"},
      {"probe without a handler", [](Pod& p) { App(p).liveness_probe->http_get.reset(); },
       "spec.containers[0].livenessProbe: must specify a handler: exec, httpGet, tcpSocket or "
       "grpc"},
      {"probe with two handlers",
       [](Pod& p) {
         App(p).liveness_probe->tcp_socket = TCPSocketAction{IntOrString::FromInt(80), ""};
       },
       "spec.containers[0].livenessProbe: may not specify more than one handler"},
      {"exec probe without a command",
       [](Pod& p) { p.spec.init_containers[1].readiness_probe->exec->command.clear(); },
       "spec.initContainers[1].readinessProbe.exec.command: must not be empty"},
      {"probe port out of range",
       [](Pod& p) { App(p).liveness_probe->http_get->port = IntOrString::FromInt(0); },
       "spec.containers[0].livenessProbe.httpGet.port: must be between 1 and 65535"},
      {"probe port name invalid",
       [](Pod& p) { App(p).liveness_probe->http_get->port = IntOrString::FromString("Http"); },
       "spec.containers[0].livenessProbe.httpGet.port: port name \"Http\""},
      {"bad header name",
       [](Pod& p) {
         App(p).liveness_probe->http_get->http_headers = {{"X Y", "z"}};
       },
       "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: invalid HTTP header name"},
      {"liveness success threshold above 1",
       [](Pod& p) { App(p).liveness_probe->success_threshold = 2; },
       "spec.containers[0].livenessProbe.successThreshold: must be 1 for liveness and startup "
       "probes (got 2)"},
      {"zero period", [](Pod& p) { App(p).liveness_probe->period_seconds = 0; },
       "spec.containers[0].livenessProbe.periodSeconds: must be at least 1 (got 0)"},
      {"negative initial delay", [](Pod& p) { App(p).liveness_probe->initial_delay_seconds = -1; },
       "spec.containers[0].livenessProbe.initialDelaySeconds: must be greater than or equal to 0"},
      {"probe grace period zero",
       [](Pod& p) { App(p).liveness_probe->termination_grace_period_seconds = 0; },
       "spec.containers[0].livenessProbe.terminationGracePeriodSeconds: must be between 1 and"},
      {"hook without a handler", [](Pod& p) { App(p).lifecycle->pre_stop->exec.reset(); },
       "spec.containers[0].lifecycle.preStop: must specify a handler: exec or httpGet"},
      {"probe on a plain init container",
       [](Pod& p) { p.spec.init_containers[0].liveness_probe = App(p).liveness_probe; },
       "spec.initContainers[0].livenessProbe: may not be set for init containers without "
       "restartPolicy: Always"},
      {"restartPolicy on an app container",
       [](Pod& p) { App(p).restart_policy = ContainerRestartPolicy::kAlways; },
       "spec.containers[0].restartPolicy: may only be set on init containers"},
      {"init container restartPolicy other than Always",
       [](Pod& p) {
         p.spec.init_containers[1].restart_policy = static_cast<ContainerRestartPolicy>(3);
       },
       "spec.initContainers[1].restartPolicy: must be Always"},
      {"relative termination message path", [](Pod& p) { App(p).termination_message_path = "log"; },
       "spec.containers[0].terminationMessagePath: must be an absolute path"},
      {"negative runAsUser",
       [](Pod& p) {
         App(p).security_context = SecurityContext{};
         App(p).security_context->run_as_user = -1;
       },
       "spec.containers[0].securityContext.runAsUser: must be between 0 and 2147483647"},
      {"volume without a source", [](Pod& p) { p.spec.volumes[1].empty_dir.reset(); },
       "spec.volumes[1]: must specify a volume source: hostPath, emptyDir or downwardAPI"},
      {"volume with two sources",
       [](Pod& p) {
         p.spec.volumes[1].host_path = HostPathVolumeSource{"/x", HostPathType::kUnset};
       },
       "spec.volumes[1]: may not specify more than one volume source"},
      {"duplicate volume names", [](Pod& p) { p.spec.volumes[1].name = "data"; },
       "spec.volumes[1].name: duplicate volume name \"data\""},
      {"host path with ..", [](Pod& p) { p.spec.volumes[0].host_path->path = "/srv/../etc"; },
       "spec.volumes[0].hostPath.path: must not contain '..'"},
      {"empty host path", [](Pod& p) { p.spec.volumes[0].host_path->path = ""; },
       "spec.volumes[0].hostPath.path: must not be empty"},
      {"active deadline zero", [](Pod& p) { p.spec.active_deadline_seconds = 0; },
       "spec.activeDeadlineSeconds: must be between 1 and 4294967295"},
      {"dnsPolicy None without nameservers", [](Pod& p) { p.spec.dns_policy = DNSPolicy::kNone; },
       "spec.dnsConfig.nameservers: must list at least one nameserver when dnsPolicy is None"},
      {"nameserver not an IP",
       [](Pod& p) {
         p.spec.dns_config = PodDNSConfig{{"dns.local"}, {}, {}};
       },
       "spec.dnsConfig.nameservers[0]: \"dns.local\" is not an IP address"},
      {"shareProcessNamespace with hostPID",
       [](Pod& p) {
         p.spec.share_process_namespace = true;
         p.spec.host_pid = true;
       },
       "spec.shareProcessNamespace: may not be true when hostPID is true"},
      {"negative fsGroup", [](Pod& p) { p.spec.security_context.fs_group = -5; },
       "spec.securityContext.fsGroup: must be between 0 and 2147483647"},
      {"duplicate sysctl",
       [](Pod& p) {
         p.spec.security_context.sysctls = {{"net.core.somaxconn", "1"},
                                            {"net.core.somaxconn", "2"}};
       },
       "spec.securityContext.sysctls[1].name: duplicate sysctl"},
      {"bad hostname", [](Pod& p) { p.spec.hostname = "a.b"; }, "spec.hostname: hostname \"a.b\""},
      // ---- Security profiles ----
      {"seccomp Localhost without a profile",
       [](Pod& p) {
         p.spec.security_context.seccomp_profile = Seccomp(SeccompProfileType::kLocalhost);
       },
       "spec.securityContext.seccompProfile.localhostProfile: must be set when seccomp type is "
       "Localhost"},
      {"seccomp RuntimeDefault with a profile",
       [](Pod& p) {
         App(p).security_context = SecurityContext{};
         App(p).security_context->seccomp_profile =
             Seccomp(SeccompProfileType::kRuntimeDefault, "x.json");
       },
       "spec.containers[0].securityContext.seccompProfile.localhostProfile: can only be set when "
       "seccomp type is Localhost"},
      {"seccomp profile with ..",
       [](Pod& p) {
         p.spec.security_context.seccomp_profile =
             Seccomp(SeccompProfileType::kLocalhost, "profiles/../../etc/x.json");
       },
       "spec.securityContext.seccompProfile.localhostProfile: must not contain '..'"},
      {"seccomp profile absolute",
       [](Pod& p) {
         p.spec.security_context.seccomp_profile =
             Seccomp(SeccompProfileType::kLocalhost, "/etc/x.json");
       },
       "spec.securityContext.seccompProfile.localhostProfile: must be a relative path"},
      {"AppArmor Localhost without a profile",
       [](Pod& p) {
         App(p).security_context = SecurityContext{};
         App(p).security_context->app_armor_profile =
             AppArmorProfile{AppArmorProfileType::kLocalhost, std::nullopt};
       },
       "spec.containers[0].securityContext.appArmorProfile.localhostProfile: must be set when "
       "AppArmor type is Localhost"},
      {"AppArmor Unconfined with a profile",
       [](Pod& p) {
         p.spec.security_context.app_armor_profile =
             AppArmorProfile{AppArmorProfileType::kUnconfined, "x"};
       },
       "spec.securityContext.appArmorProfile.localhostProfile: can only be set when AppArmor type "
       "is Localhost"},
      {"no privilege escalation but privileged",
       [](Pod& p) {
         App(p).security_context = SecurityContext{};
         App(p).security_context->privileged = true;
         App(p).security_context->allow_privilege_escalation = false;
       },
       "spec.containers[0].securityContext: cannot set `allowPrivilegeEscalation` to false and "
       "`privileged` to true"},
      {"no privilege escalation but CAP_SYS_ADMIN",
       [](Pod& p) {
         App(p).security_context = SecurityContext{};
         App(p).security_context->capabilities = Capabilities{{"CAP_SYS_ADMIN"}, {}};
         App(p).security_context->allow_privilege_escalation = false;
       },
       "spec.containers[0].securityContext: cannot set `allowPrivilegeEscalation` to false and "
       "`capabilities.add` CAP_SYS_ADMIN"},
      {"no privilege escalation but SYS_ADMIN",
       [](Pod& p) {
         App(p).security_context = SecurityContext{};
         App(p).security_context->capabilities = Capabilities{{"SYS_ADMIN"}, {}};
         App(p).security_context->allow_privilege_escalation = false;
       },
       "spec.containers[0].securityContext: cannot set `allowPrivilegeEscalation` to false"},
      {"sysctl name with a space",
       [](Pod& p) {
         p.spec.security_context.sysctls = {{"net.core. somaxconn", "1"}};
       },
       "spec.securityContext.sysctls[0].name: sysctl \"net.core. somaxconn\" must be"},
      {"sysctl name upper-case",
       [](Pod& p) {
         p.spec.security_context.sysctls = {{"Net.core", "1"}};
       },
       "spec.securityContext.sysctls[0].name: sysctl \"Net.core\""},
      {"AppArmor annotation for an unknown container",
       [](Pod& p) {
         p.metadata.annotations["container.apparmor.security.beta.kubernetes.io/nope"] =
             "runtime/default";
       },
       "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nope]: container "
       "\"nope\" is not in the pod"},
      {"AppArmor annotation with a bad profile",
       [](Pod& p) {
         p.metadata.annotations["container.apparmor.security.beta.kubernetes.io/nginx"] = "enforce";
       },
       "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nginx]: invalid "
       "AppArmor profile \"enforce\""},
      {"AppArmor annotation localhost without a name",
       [](Pod& p) {
         p.metadata.annotations["container.apparmor.security.beta.kubernetes.io/nginx"] =
             "localhost/";
       },
       "metadata.annotations[container.apparmor.security.beta.kubernetes.io/nginx]: invalid"},
      // ---- Downward API in env ----
      {"env value and valueFrom", [](Pod& p) { App(p).env = {EnvFrom("A", "metadata.name", "x")}; },
       "spec.containers[0].env[0].valueFrom: may not be specified when `value` is not empty"},
      {"env valueFrom without a source",
       [](Pod& p) {
         App(p).env = {EnvVar{"A", "", EnvVarSource{}}};
       },
       "spec.containers[0].env[0].valueFrom: must specify one of: `fieldRef`, `resourceFieldRef`"},
      {"env valueFrom with two sources",
       [](Pod& p) {
         EnvVar env = EnvFrom("A", "metadata.name");
         env.value_from->resource_field_ref = ResourceFieldSelector{"", "limits.cpu", std::nullopt};
         App(p).env = {env};
       },
       "spec.containers[0].env[0].valueFrom: may not have more than one field specified"},
      {"env fieldRef path not allowed",
       [](Pod& p) { App(p).env = {EnvFrom("A", "spec.hostname")}; },
       "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: unsupported value "
       "\"spec.hostname\""},
      {"env fieldRef whole labels", [](Pod& p) { App(p).env = {EnvFrom("A", "metadata.labels")}; },
       "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: unsupported value "
       "\"metadata.labels\""},
      {"env fieldRef bad label key",
       [](Pod& p) { App(p).env = {EnvFrom("A", "metadata.labels['-bad-']")}; },
       "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: key \"-bad-\" is not a "
       "qualified name"},
      {"env fieldRef other apiVersion",
       [](Pod& p) {
         EnvVar env = EnvFrom("A", "metadata.name");
         env.value_from->field_ref->api_version = "v2";
         App(p).env = {env};
       },
       "spec.containers[0].env[0].valueFrom.fieldRef.apiVersion: unsupported value \"v2\""},
      {"env resourceFieldRef unknown container",
       [](Pod& p) { App(p).env = {EnvResource("A", "other", "limits.cpu", std::nullopt)}; },
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.containerName: container \"other\" "
       "is not in the pod"},
      {"env resourceFieldRef unknown resource",
       [](Pod& p) { App(p).env = {EnvResource("A", "", "limits.gpu", std::nullopt)}; },
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: unsupported value "
       "\"limits.gpu\""},
      {"env resourceFieldRef cpu divisor 2",
       [](Pod& p) { App(p).env = {EnvResource("A", "", "limits.cpu", "2")}; },
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: only divisor's values 1m, "
       "1 are supported with the cpu resource"},
      {"env resourceFieldRef memory divisor 1m",
       [](Pod& p) { App(p).env = {EnvResource("A", "", "requests.memory", "1m")}; },
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: only divisor's values 1, "
       "1k,"},
      {"env resourceFieldRef negative divisor",
       [](Pod& p) { App(p).env = {EnvResource("A", "", "limits.memory", "-1Mi")}; },
       "spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: only divisor's values"},
      // ---- Downward API volumes ----
      {"downward item without a path",
       [](Pod& p) { Downward(p).items = {VolumeFile("", "metadata.name")}; },
       "spec.volumes[2].downwardAPI.items[0].path: must not be empty"},
      {"downward item path absolute",
       [](Pod& p) { Downward(p).items = {VolumeFile("/etc/x", "metadata.name")}; },
       "spec.volumes[2].downwardAPI.items[0].path: must be a relative path"},
      {"downward item path with ..",
       [](Pod& p) { Downward(p).items = {VolumeFile("a/../../x", "metadata.name")}; },
       "spec.volumes[2].downwardAPI.items[0].path: must not contain '..'"},
      {"downward item path starting with ..",
       [](Pod& p) { Downward(p).items = {VolumeFile("..data", "metadata.name")}; },
       "spec.volumes[2].downwardAPI.items[0].path: must not start with '..'"},
      {"downward duplicate paths",
       [](Pod& p) {
         Downward(p).items = {VolumeFile("n", "metadata.name"), VolumeFile("n", "metadata.uid")};
       },
       "spec.volumes[2].downwardAPI.items[1].path: duplicate path \"n\""},
      {"downward item status field",
       [](Pod& p) { Downward(p).items = {VolumeFile("ip", "status.podIP")}; },
       "spec.volumes[2].downwardAPI.items[0].fieldRef.fieldPath: unsupported value "
       "\"status.podIP\""},
      {"downward item without a source",
       [](Pod& p) {
         Downward(p).items = {DownwardAPIVolumeFile{"x", {}, {}, {}}};
       },
       "spec.volumes[2].downwardAPI.items[0]: must specify one of"},
      {"downward item resource without a container",
       [](Pod& p) {
         Downward(p).items = {DownwardAPIVolumeFile{
             "cpu", {}, ResourceFieldSelector{"", "limits.cpu", std::nullopt}, {}}};
       },
       "spec.volumes[2].downwardAPI.items[0].resourceFieldRef.containerName: must not be empty"},
      {"downward item mode too large",
       [](Pod& p) {
         DownwardAPIVolumeFile file = VolumeFile("n", "metadata.name");
         file.mode = 01000;
         Downward(p).items = {file};
       },
       "spec.volumes[2].downwardAPI.items[0].mode: must be a number between 0 and 0777"},
      {"downward default mode negative", [](Pod& p) { Downward(p).default_mode = -1; },
       "spec.volumes[2].downwardAPI.defaultMode: must be a number between 0 and 0777"},
      // ---- Mounts ----
      {"subPath and subPathExpr",
       [](Pod& p) {
         App(p).volume_mounts[0].sub_path = "a";
         App(p).volume_mounts[0].sub_path_expr = "$(B)";
       },
       "spec.containers[0].volumeMounts[0].subPathExpr: subPathExpr and subPath are mutually "
       "exclusive"},
      {"subPathExpr with ..", [](Pod& p) { App(p).volume_mounts[0].sub_path_expr = "$(A)/../.."; },
       "spec.containers[0].volumeMounts[0].subPathExpr: must not contain '..'"},
      {"subPathExpr absolute", [](Pod& p) { App(p).volume_mounts[0].sub_path_expr = "/x"; },
       "spec.containers[0].volumeMounts[0].subPathExpr: must be a relative path"},
      {"Bidirectional propagation unprivileged",
       [](Pod& p) {
         App(p).volume_mounts[0].mount_propagation = MountPropagationMode::kBidirectional;
       },
       "spec.containers[0].volumeMounts[0].mountPropagation: Bidirectional mount propagation is "
       "available only to privileged containers"},
      // ---- Host aliases ----
      {"host alias bad IP",
       [](Pod& p) {
         p.spec.host_aliases = {{"10.0.0", {"db"}}};
       },
       "spec.hostAliases[0].ip: \"10.0.0\" is not an IP address"},
      {"host alias without hostnames",
       [](Pod& p) {
         p.spec.host_aliases = {{"10.0.0.1", {}}};
       },
       "spec.hostAliases[0].hostnames: must list at least one hostname"},
      {"host alias bad hostname",
       [](Pod& p) {
         p.spec.host_aliases = {{"10.0.0.1", {"db", "Bad_Name"}}};
       },
       "spec.hostAliases[0].hostnames[1]: hostname \"Bad_Name\""},
      {"host alias empty hostname",
       [](Pod& p) {
         p.spec.host_aliases = {{"::1", {""}}};
       },
       "spec.hostAliases[0].hostnames[0]: hostname \"\""},
  };
  return cases;
}

TEST_CASE("the base pod used by the validation table is valid") {
  CHECK(Validate(ValidPod()).ok());
  CHECK_FALSE(FirstInvalidField(ValidPod()).has_value());
}

TEST_CASE("each invalid field is reported first, by its Kubernetes path, before any CRI call") {
  for (const Case& c : Cases()) {
    INFO("case: " << c.name);
    Pod pod = ValidPod();
    c.mutate(pod);
    absl::Status status = Validate(pod);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(status.message()), Catch::StartsWith(c.error));
    std::optional<FieldError> error = FirstInvalidField(pod);
    REQUIRE(error.has_value());
    CHECK(error->ToString() == status.message());
  }
}

TEST_CASE("the downward API, profiles, propagation and aliases Kubernetes allows are valid") {
  Pod pod = ValidPod();
  App(pod).env = {EnvFrom("NAME", "metadata.name"),
                  EnvFrom("APP", "metadata.labels['app.kubernetes.io/name']"),
                  EnvFrom("NOTE", "metadata.annotations['note']"),
                  EnvFrom("IPS", "status.podIPs"),
                  EnvFrom("HOST", "status.hostIP"),
                  EnvFrom("SA", "spec.serviceAccountName"),
                  EnvResource("CPU", "", "limits.cpu", "1m"),
                  EnvResource("MEM", "nginx", "requests.memory", "1Mi"),
                  EnvResource("DISK", "migrate", "limits.ephemeral-storage", "1Gi"),
                  EnvResource("HUGE", "", "limits.hugepages-2Mi", "1Ki")};
  Downward(pod).items = {
      VolumeFile("labels", "metadata.labels"), VolumeFile("name", "metadata.name"),
      VolumeFile("sub/app", "metadata.labels['tier']"),
      DownwardAPIVolumeFile{"cpu", {}, ResourceFieldSelector{"nginx", "limits.cpu", {}}, 0444}};
  Downward(pod).default_mode = 0777;
  pod.spec.security_context.seccomp_profile =
      Seccomp(SeccompProfileType::kLocalhost, "profiles/audit.json");
  pod.spec.security_context.app_armor_profile =
      AppArmorProfile{AppArmorProfileType::kRuntimeDefault, std::nullopt};
  pod.spec.security_context.sysctls = {{"net.ipv4.ip_local_port_range", "1024 65000"},
                                       {"kernel.shm_rmid_forced", "1"},
                                       {"net/ipv4/conf/eth0.100/forwarding", "1"}};
  pod.metadata.annotations = {
      {"container.apparmor.security.beta.kubernetes.io/nginx", "localhost/web"},
      {"container.apparmor.security.beta.kubernetes.io/migrate", "unconfined"},
      {"container.apparmor.security.beta.kubernetes.io/log-shipper", "runtime/default"}};
  App(pod).security_context = SecurityContext{};
  App(pod).security_context->privileged = true;
  App(pod).security_context->proc_mount = ProcMountType::kDefault;
  App(pod).volume_mounts[0].mount_propagation = MountPropagationMode::kBidirectional;
  App(pod).volume_mounts[1].sub_path_expr = "$(NAME)/tmp";
  pod.spec.host_aliases = {{"10.0.0.5", {"db.local", "db"}}, {"fe80::1", {"router"}}};
  absl::Status status = Validate(pod);
  INFO(status.ToString());
  CHECK(status.ok());
}

TEST_CASE("procMount Unmasked and a HugePages emptyDir are refused") {
  Pod pod = ValidPod();
  App(pod).security_context.emplace().proc_mount = ProcMountType::kUnmasked;
  CHECK_THAT(std::string(Validate(pod).message()),
             Catch::Contains("procMount: `hostUsers` must be false to use `Unmasked`"));
  Pod huge = ValidPod();
  Volume& volume = huge.spec.volumes.emplace_back();
  volume.name = "huge";
  volume.empty_dir.emplace().medium = StorageMedium::kHugePages;
  CHECK_THAT(std::string(Validate(huge).message()), Catch::Contains("HugePages is not supported"));
}

TEST_CASE("the first of several problems is the one reported, in field order") {
  Pod pod = ValidPod();
  pod.metadata.name = "";
  App(pod).image = "";
  CHECK(Validate(pod).message() == "metadata.name: must not be empty");
}

TEST_CASE("a grace period of zero and sidecars with probes are valid, as in Kubernetes") {
  Pod pod = ValidPod();
  pod.spec.termination_grace_period_seconds = 0;
  pod.spec.init_containers[1].liveness_probe = App(pod).liveness_probe;
  pod.spec.init_containers[1].liveness_probe->http_get->port = IntOrString::FromInt(9000);
  CHECK(Validate(pod).ok());
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
