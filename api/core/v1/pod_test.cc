#include "api/core/v1/pod.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

TEST_CASE("the default pull policy follows the image tag as Kubernetes defaults it") {
  const std::pair<std::string, PullPolicy> cases[] = {
      {"nginx", PullPolicy::kAlways},
      {"nginx:latest", PullPolicy::kAlways},
      {"nginx:1.25", PullPolicy::kIfNotPresent},
      {"library/nginx", PullPolicy::kAlways},
      {"registry.example:5000/team/app", PullPolicy::kAlways},
      {"registry.example:5000/team/app:v2", PullPolicy::kIfNotPresent},
      {"registry.example:5000/team/app:latest", PullPolicy::kAlways},
      {"app@sha256:0123456789abcdef", PullPolicy::kIfNotPresent},
      {"registry.example:5000/app@sha256:0123456789abcdef", PullPolicy::kIfNotPresent},
      {"app:1.0@sha256:0123456789abcdef", PullPolicy::kIfNotPresent},
      // Kubernetes reads the tag even next to a digest.
      {"app:latest@sha256:0123456789abcdef", PullPolicy::kAlways},
  };
  for (const auto& [image, policy] : cases) {
    INFO("image " << image);
    CHECK(DefaultPullPolicy(image) == policy);
  }
}

TEST_CASE("an explicit imagePullPolicy wins over the tag's default") {
  Container c;
  c.image = "nginx:1.25";
  CHECK(EffectivePullPolicy(c) == PullPolicy::kIfNotPresent);
  c.image_pull_policy = PullPolicy::kNever;
  CHECK(EffectivePullPolicy(c) == PullPolicy::kNever);
  c.image = "nginx";
  c.image_pull_policy.reset();
  CHECK(EffectivePullPolicy(c) == PullPolicy::kAlways);
}

TEST_CASE("only an init container with restartPolicy Always is a sidecar") {
  Container c;
  CHECK_FALSE(IsSidecar(c));
  c.restart_policy = ContainerRestartPolicy::kAlways;
  CHECK(IsSidecar(c));
}

TEST_CASE("enums use the Kubernetes spellings both ways") {
  CHECK(ToString(RestartPolicy::kOnFailure) == "OnFailure");
  CHECK(ToString(DNSPolicy::kClusterFirstWithHostNet) == "ClusterFirstWithHostNet");
  CHECK(ToString(TerminationMessagePolicy::kFallbackToLogsOnError) == "FallbackToLogsOnError");
  CHECK(ToString(HostPathType::kUnset).empty());
  CHECK(ToString(PodPhase::kSucceeded) == "Succeeded");
  CHECK(ToString(static_cast<RestartPolicy>(42)) == "<invalid>");
  PullPolicy policy = PullPolicy::kAlways;
  CHECK(ParseEnum("IfNotPresent", &policy));
  CHECK(policy == PullPolicy::kIfNotPresent);
  CHECK_FALSE(ParseEnum("ifnotpresent", &policy));  // case-sensitive, as the API is
  CHECK(policy == PullPolicy::kIfNotPresent);
  Protocol protocol = Protocol::kTCP;
  CHECK(ParseEnum("SCTP", &protocol));
  CHECK(protocol == Protocol::kSCTP);
  CHECK(EnumValues<ConditionStatus>().size() == 3);
}

TEST_CASE("default-constructed structs carry the Kubernetes defaults") {
  Pod pod;
  CHECK(pod.metadata.namespace_ == "default");
  CHECK(pod.spec.restart_policy == RestartPolicy::kAlways);
  CHECK(pod.spec.termination_grace_period_seconds == 30);
  CHECK(pod.spec.dns_policy == DNSPolicy::kClusterFirst);
  CHECK(pod.status.phase == PodPhase::kPending);
  Container c;
  CHECK(c.termination_message_path == "/dev/termination-log");
  CHECK(c.termination_message_policy == TerminationMessagePolicy::kFile);
  CHECK_FALSE(c.image_pull_policy.has_value());
  Probe probe;
  CHECK(probe.initial_delay_seconds == 0);
  CHECK(probe.period_seconds == 10);
  CHECK(probe.timeout_seconds == 1);
  CHECK(probe.success_threshold == 1);
  CHECK(probe.failure_threshold == 3);
  ContainerPort port;
  CHECK(port.protocol == Protocol::kTCP);
  HTTPGetAction http_get;
  CHECK(http_get.scheme == URIScheme::kHTTP);
}

// A pod with every optional part present, so each mutation below changes a real value.
Pod RichPod() {
  Pod pod;
  pod.metadata = {"web", "prod", "uid-1", {{"app", "web"}}, {{"note", "x"}}};
  Container c;
  c.name = "app";
  c.image = "nginx:1.25";
  c.image_pull_policy = PullPolicy::kIfNotPresent;
  c.command = {"nginx"};
  c.args = {"-g", "daemon off;"};
  c.env = {{"MODE", "prod"},
           {"NAME", "",
            EnvVarSource{ObjectFieldSelector{"v1", "metadata.name"},
                         ResourceFieldSelector{"app", "limits.cpu", *ParseQuantity("1m")}}}};
  c.working_dir = "/srv";
  c.ports = {{"http", 80, 8080, Protocol::kTCP, "127.0.0.1"}};
  c.resources.limits.cpu = *ParseQuantity("1");
  c.resources.limits.memory = *ParseQuantity("128Mi");
  c.resources.limits.ephemeral_storage = *ParseQuantity("1Gi");
  c.resources.limits.other["hugepages-2Mi"] = *ParseQuantity("2Mi");
  c.resources.requests.cpu = *ParseQuantity("100m");
  c.volume_mounts = {
      {"data", "/data", true, "sub", "$(NAME)", MountPropagationMode::kHostToContainer}};
  Probe probe;
  probe.exec = ExecAction{{"true"}};
  probe.http_get = HTTPGetAction{
      "/healthz", IntOrString::FromInt(80), "localhost", URIScheme::kHTTP, {{"X-A", "b"}}};
  probe.tcp_socket = TCPSocketAction{IntOrString::FromString("http"), "localhost"};
  probe.grpc = GRPCAction{9090, std::string("svc")};
  probe.termination_grace_period_seconds = 5;
  c.liveness_probe = probe;
  c.readiness_probe = probe;
  c.startup_probe = probe;
  LifecycleHandler hook;
  hook.exec = ExecAction{{"sh", "-c", "sleep 1"}};
  hook.http_get = HTTPGetAction{};
  c.lifecycle = Lifecycle{hook, hook};
  c.restart_policy = ContainerRestartPolicy::kAlways;
  c.security_context =
      SecurityContext{true,
                      1000,
                      1000,
                      true,
                      true,
                      false,
                      Capabilities{{"NET_ADMIN"}, {"ALL"}},
                      SeccompProfile{SeccompProfileType::kLocalhost, std::string("a.json")},
                      AppArmorProfile{AppArmorProfileType::kLocalhost, std::string("web")},
                      SELinuxOptions{"u", "r", "t", "l"},
                      ProcMountType::kUnmasked};
  pod.spec.init_containers = {c};
  pod.spec.containers = {c};
  pod.spec.volumes = {{"data", HostPathVolumeSource{"/srv/data", HostPathType::kDirectory},
                       EmptyDirVolumeSource{StorageMedium::kMemory, *ParseQuantity("1Gi")},
                       DownwardAPIVolumeSource{
                           {{"labels", ObjectFieldSelector{"v1", "metadata.labels"},
                             ResourceFieldSelector{"app", "limits.memory", std::nullopt}, 0400}},
                           0600}}};
  pod.spec.active_deadline_seconds = 600;
  pod.spec.dns_config = PodDNSConfig{{"10.0.0.10"}, {"svc.local"}, {{"ndots", std::string("2")}}};
  pod.spec.node_name = "node-1";
  pod.spec.share_process_namespace = false;
  pod.spec.security_context =
      PodSecurityContext{1000,
                         1000,
                         true,
                         2000,
                         FSGroupChangePolicy::kOnRootMismatch,
                         {3000},
                         {{"a.b", "1"}},
                         SeccompProfile{SeccompProfileType::kLocalhost, std::string("p.json")},
                         AppArmorProfile{AppArmorProfileType::kLocalhost, std::string("p")},
                         SELinuxOptions{"u", "r", "t", "l"}};
  pod.spec.hostname = "web";
  pod.spec.subdomain = "sub";
  pod.spec.set_hostname_as_fqdn = true;
  pod.spec.host_aliases = {{"10.0.0.5", {"db"}}};
  pod.spec.service_account_name = "sa";
  pod.spec.priority = 10;
  pod.spec.runtime_class_name = "runc";
  ContainerStatus status;
  status.name = "app";
  status.state.waiting = ContainerStateWaiting{"CrashLoopBackOff", "back-off"};
  status.state.running = ContainerStateRunning{absl::FromUnixSeconds(1)};
  status.state.terminated = ContainerStateTerminated{
      1, 9, "Error", "boom", absl::FromUnixSeconds(1), absl::FromUnixSeconds(2), "containerd://a"};
  status.last_state = status.state;
  status.started = true;
  status.image = "nginx:1.25";
  status.image_id = "sha256:abc";
  status.container_id = "containerd://a";
  pod.status.conditions = {{std::string(kPodReady), ConditionStatus::kTrue,
                            absl::FromUnixSeconds(1), absl::FromUnixSeconds(2), "r", "m"}};
  pod.status.message = "m";
  pod.status.reason = "r";
  pod.status.host_ip = "192.0.2.1";
  pod.status.pod_ip = "198.18.0.2";
  pod.status.pod_ips = {"198.18.0.2"};
  pod.status.start_time = absl::FromUnixSeconds(1);
  pod.status.init_container_statuses = {status};
  pod.status.container_statuses = {status};
  return pod;
}

using Mutation = std::pair<const char*, std::function<void(Pod&)>>;

// One mutation per field of every struct; a field left out of an operator== makes its mutation
// go unnoticed and this test fail.
std::vector<Mutation> Mutations() {
  auto app = [](Pod& p) -> Container& { return p.spec.containers[0]; };
  auto live = [app](Pod& p) -> Probe& { return *app(p).liveness_probe; };
  auto get = [live](Pod& p) -> HTTPGetAction& { return *live(p).http_get; };
  auto hook = [app](Pod& p) -> LifecycleHandler& { return *app(p).lifecycle->pre_stop; };
  auto sc = [app](Pod& p) -> SecurityContext& { return *app(p).security_context; };
  auto cs = [](Pod& p) -> ContainerStatus& { return p.status.container_statuses[0]; };
  auto term = [cs](Pod& p) -> ContainerStateTerminated& { return *cs(p).state.terminated; };
  return {
      {"metadata.name", [](Pod& p) { p.metadata.name = "other"; }},
      {"metadata.namespace", [](Pod& p) { p.metadata.namespace_ = "other"; }},
      {"metadata.uid", [](Pod& p) { p.metadata.uid = "other"; }},
      {"metadata.labels", [](Pod& p) { p.metadata.labels["app"] = "other"; }},
      {"metadata.annotations", [](Pod& p) { p.metadata.annotations.clear(); }},
      {"container.name", [app](Pod& p) { app(p).name = "other"; }},
      {"container.image", [app](Pod& p) { app(p).image = "other"; }},
      {"container.imagePullPolicy", [app](Pod& p) { app(p).image_pull_policy.reset(); }},
      {"container.command", [app](Pod& p) { app(p).command.clear(); }},
      {"container.args", [app](Pod& p) { app(p).args.pop_back(); }},
      {"env.name", [app](Pod& p) { app(p).env[0].name = "OTHER"; }},
      {"env.value", [app](Pod& p) { app(p).env[0].value = "other"; }},
      {"env.valueFrom", [app](Pod& p) { app(p).env[1].value_from.reset(); }},
      {"fieldRef.apiVersion",
       [app](Pod& p) { app(p).env[1].value_from->field_ref->api_version = "v2"; }},
      {"fieldRef.fieldPath",
       [app](Pod& p) { app(p).env[1].value_from->field_ref->field_path = "metadata.uid"; }},
      {"resourceFieldRef.containerName",
       [app](Pod& p) { app(p).env[1].value_from->resource_field_ref->container_name = ""; }},
      {"resourceFieldRef.resource",
       [app](Pod& p) { app(p).env[1].value_from->resource_field_ref->resource = "limits.memory"; }},
      {"resourceFieldRef.divisor",
       [app](Pod& p) { app(p).env[1].value_from->resource_field_ref->divisor.reset(); }},
      {"valueFrom.resourceFieldRef",
       [app](Pod& p) { app(p).env[1].value_from->resource_field_ref.reset(); }},
      {"container.workingDir", [app](Pod& p) { app(p).working_dir = "/"; }},
      {"port.name", [app](Pod& p) { app(p).ports[0].name = "web"; }},
      {"port.containerPort", [app](Pod& p) { app(p).ports[0].container_port = 81; }},
      {"port.hostPort", [app](Pod& p) { app(p).ports[0].host_port = 0; }},
      {"port.protocol", [app](Pod& p) { app(p).ports[0].protocol = Protocol::kUDP; }},
      {"port.hostIP", [app](Pod& p) { app(p).ports[0].host_ip = ""; }},
      {"limits.cpu", [app](Pod& p) { app(p).resources.limits.cpu = *ParseQuantity("2"); }},
      {"limits.memory", [app](Pod& p) { app(p).resources.limits.memory.reset(); }},
      {"limits.ephemeral", [app](Pod& p) { app(p).resources.limits.ephemeral_storage.reset(); }},
      {"limits.other", [app](Pod& p) { app(p).resources.limits.other.clear(); }},
      {"requests", [app](Pod& p) { app(p).resources.requests.cpu.reset(); }},
      {"mount.name", [app](Pod& p) { app(p).volume_mounts[0].name = "x"; }},
      {"mount.mountPath", [app](Pod& p) { app(p).volume_mounts[0].mount_path = "/x"; }},
      {"mount.readOnly", [app](Pod& p) { app(p).volume_mounts[0].read_only = false; }},
      {"mount.subPath", [app](Pod& p) { app(p).volume_mounts[0].sub_path = ""; }},
      {"mount.subPathExpr", [app](Pod& p) { app(p).volume_mounts[0].sub_path_expr = ""; }},
      {"mount.mountPropagation",
       [app](Pod& p) { app(p).volume_mounts[0].mount_propagation.reset(); }},
      {"probe.exec", [live](Pod& p) { live(p).exec->command[0] = "false"; }},
      {"httpGet.path", [get](Pod& p) { get(p).path = "/"; }},
      {"httpGet.port", [get](Pod& p) { get(p).port = IntOrString::FromInt(81); }},
      {"httpGet.port type", [get](Pod& p) { get(p).port = IntOrString::FromString("http"); }},
      {"httpGet.host", [get](Pod& p) { get(p).host = ""; }},
      {"httpGet.scheme", [get](Pod& p) { get(p).scheme = URIScheme::kHTTPS; }},
      {"httpHeader.name", [get](Pod& p) { get(p).http_headers[0].name = "X-B"; }},
      {"httpHeader.value", [get](Pod& p) { get(p).http_headers[0].value = "c"; }},
      {"tcpSocket.port", [live](Pod& p) { live(p).tcp_socket->port.string_value = "web"; }},
      {"tcpSocket.host", [live](Pod& p) { live(p).tcp_socket->host = ""; }},
      {"grpc.port", [live](Pod& p) { live(p).grpc->port = 1; }},
      {"grpc.service", [live](Pod& p) { live(p).grpc->service.reset(); }},
      {"probe.initialDelay", [live](Pod& p) { live(p).initial_delay_seconds = 1; }},
      {"probe.timeout", [live](Pod& p) { live(p).timeout_seconds = 2; }},
      {"probe.period", [live](Pod& p) { live(p).period_seconds = 2; }},
      {"probe.success", [live](Pod& p) { live(p).success_threshold = 2; }},
      {"probe.failure", [live](Pod& p) { live(p).failure_threshold = 2; }},
      {"probe.grace", [live](Pod& p) { live(p).termination_grace_period_seconds.reset(); }},
      {"readinessProbe", [app](Pod& p) { app(p).readiness_probe.reset(); }},
      {"startupProbe", [app](Pod& p) { app(p).startup_probe.reset(); }},
      {"hook.exec", [hook](Pod& p) { hook(p).exec.reset(); }},
      {"hook.httpGet", [hook](Pod& p) { hook(p).http_get.reset(); }},
      {"lifecycle.postStart", [app](Pod& p) { app(p).lifecycle->post_start.reset(); }},
      {"terminationMessagePath", [app](Pod& p) { app(p).termination_message_path = "/x"; }},
      {"terminationMessagePolicy",
       [app](Pod& p) {
         app(p).termination_message_policy = TerminationMessagePolicy::kFallbackToLogsOnError;
       }},
      {"container.restartPolicy", [app](Pod& p) { app(p).restart_policy.reset(); }},
      {"sc.privileged", [sc](Pod& p) { sc(p).privileged = false; }},
      {"sc.runAsUser", [sc](Pod& p) { sc(p).run_as_user = 0; }},
      {"sc.runAsGroup", [sc](Pod& p) { sc(p).run_as_group = 0; }},
      {"sc.runAsNonRoot", [sc](Pod& p) { sc(p).run_as_non_root = false; }},
      {"sc.readOnlyRootFilesystem", [sc](Pod& p) { sc(p).read_only_root_filesystem = false; }},
      {"sc.allowPrivilegeEscalation", [sc](Pod& p) { sc(p).allow_privilege_escalation = true; }},
      {"caps.add", [sc](Pod& p) { sc(p).capabilities->add.clear(); }},
      {"caps.drop", [sc](Pod& p) { sc(p).capabilities->drop.clear(); }},
      {"seccomp.type",
       [sc](Pod& p) { sc(p).seccomp_profile->type = SeccompProfileType::kRuntimeDefault; }},
      {"seccomp.localhostProfile",
       [sc](Pod& p) { sc(p).seccomp_profile->localhost_profile = "b"; }},
      {"apparmor.type",
       [sc](Pod& p) { sc(p).app_armor_profile->type = AppArmorProfileType::kUnconfined; }},
      {"apparmor.localhostProfile",
       [sc](Pod& p) { sc(p).app_armor_profile->localhost_profile.reset(); }},
      {"selinux.user", [sc](Pod& p) { sc(p).se_linux_options->user = ""; }},
      {"selinux.role", [sc](Pod& p) { sc(p).se_linux_options->role = ""; }},
      {"selinux.type", [sc](Pod& p) { sc(p).se_linux_options->type = ""; }},
      {"selinux.level", [sc](Pod& p) { sc(p).se_linux_options->level = ""; }},
      {"sc.procMount", [sc](Pod& p) { sc(p).proc_mount = ProcMountType::kDefault; }},
      {"container.stdin", [app](Pod& p) { app(p).stdin_open = true; }},
      {"container.stdinOnce", [app](Pod& p) { app(p).stdin_once = true; }},
      {"container.tty", [app](Pod& p) { app(p).tty = true; }},
      {"initContainers", [](Pod& p) { p.spec.init_containers[0].name = "init"; }},
      {"volume.name", [](Pod& p) { p.spec.volumes[0].name = "x"; }},
      {"hostPath.path", [](Pod& p) { p.spec.volumes[0].host_path->path = "/x"; }},
      {"hostPath.type", [](Pod& p) { p.spec.volumes[0].host_path->type = HostPathType::kUnset; }},
      {"emptyDir.medium",
       [](Pod& p) { p.spec.volumes[0].empty_dir->medium = StorageMedium::kDefault; }},
      {"emptyDir.sizeLimit", [](Pod& p) { p.spec.volumes[0].empty_dir->size_limit.reset(); }},
      {"volume.downwardAPI", [](Pod& p) { p.spec.volumes[0].downward_api.reset(); }},
      {"downward.defaultMode", [](Pod& p) { p.spec.volumes[0].downward_api->default_mode = 0644; }},
      {"downward.item.path", [](Pod& p) { p.spec.volumes[0].downward_api->items[0].path = "x"; }},
      {"downward.item.fieldRef",
       [](Pod& p) { p.spec.volumes[0].downward_api->items[0].field_ref.reset(); }},
      {"downward.item.resourceFieldRef",
       [](Pod& p) { p.spec.volumes[0].downward_api->items[0].resource_field_ref.reset(); }},
      {"downward.item.mode", [](Pod& p) { p.spec.volumes[0].downward_api->items[0].mode.reset(); }},
      {"spec.restartPolicy", [](Pod& p) { p.spec.restart_policy = RestartPolicy::kNever; }},
      {"spec.grace", [](Pod& p) { p.spec.termination_grace_period_seconds = 1; }},
      {"spec.activeDeadline", [](Pod& p) { p.spec.active_deadline_seconds.reset(); }},
      {"spec.dnsPolicy", [](Pod& p) { p.spec.dns_policy = DNSPolicy::kNone; }},
      {"dns.nameservers", [](Pod& p) { p.spec.dns_config->nameservers.clear(); }},
      {"dns.searches", [](Pod& p) { p.spec.dns_config->searches.clear(); }},
      {"dns.option.name", [](Pod& p) { p.spec.dns_config->options[0].name = "x"; }},
      {"dns.option.value", [](Pod& p) { p.spec.dns_config->options[0].value.reset(); }},
      {"spec.nodeName", [](Pod& p) { p.spec.node_name = ""; }},
      {"spec.hostNetwork", [](Pod& p) { p.spec.host_network = true; }},
      {"spec.hostPID", [](Pod& p) { p.spec.host_pid = true; }},
      {"spec.hostIPC", [](Pod& p) { p.spec.host_ipc = true; }},
      {"spec.shareProcessNamespace", [](Pod& p) { p.spec.share_process_namespace.reset(); }},
      {"psc.runAsUser", [](Pod& p) { p.spec.security_context.run_as_user.reset(); }},
      {"psc.runAsGroup", [](Pod& p) { p.spec.security_context.run_as_group.reset(); }},
      {"psc.runAsNonRoot", [](Pod& p) { p.spec.security_context.run_as_non_root.reset(); }},
      {"psc.fsGroup", [](Pod& p) { p.spec.security_context.fs_group.reset(); }},
      {"psc.supplementalGroups",
       [](Pod& p) { p.spec.security_context.supplemental_groups.clear(); }},
      {"psc.fsGroupChangePolicy",
       [](Pod& p) { p.spec.security_context.fs_group_change_policy.reset(); }},
      {"psc.seccompProfile", [](Pod& p) { p.spec.security_context.seccomp_profile.reset(); }},
      {"psc.appArmorProfile", [](Pod& p) { p.spec.security_context.app_armor_profile.reset(); }},
      {"psc.seLinuxOptions", [](Pod& p) { p.spec.security_context.se_linux_options.reset(); }},
      {"sysctl.name", [](Pod& p) { p.spec.security_context.sysctls[0].name = "x"; }},
      {"sysctl.value", [](Pod& p) { p.spec.security_context.sysctls[0].value = "x"; }},
      {"spec.hostname", [](Pod& p) { p.spec.hostname = ""; }},
      {"spec.subdomain", [](Pod& p) { p.spec.subdomain = ""; }},
      {"spec.setHostnameAsFQDN", [](Pod& p) { p.spec.set_hostname_as_fqdn.reset(); }},
      {"hostAlias.ip", [](Pod& p) { p.spec.host_aliases[0].ip = "10.0.0.6"; }},
      {"hostAlias.hostnames", [](Pod& p) { p.spec.host_aliases[0].hostnames.clear(); }},
      {"spec.serviceAccountName", [](Pod& p) { p.spec.service_account_name = ""; }},
      {"spec.priority", [](Pod& p) { p.spec.priority.reset(); }},
      {"spec.runtimeClassName", [](Pod& p) { p.spec.runtime_class_name.reset(); }},
      {"status.phase", [](Pod& p) { p.status.phase = PodPhase::kRunning; }},
      {"condition.type", [](Pod& p) { p.status.conditions[0].type = "x"; }},
      {"condition.status", [](Pod& p) { p.status.conditions[0].status = ConditionStatus::kFalse; }},
      {"condition.lastProbeTime", [](Pod& p) { p.status.conditions[0].last_probe_time.reset(); }},
      {"condition.lastTransitionTime",
       [](Pod& p) { p.status.conditions[0].last_transition_time.reset(); }},
      {"condition.reason", [](Pod& p) { p.status.conditions[0].reason = ""; }},
      {"condition.message", [](Pod& p) { p.status.conditions[0].message = ""; }},
      {"status.message", [](Pod& p) { p.status.message = ""; }},
      {"status.reason", [](Pod& p) { p.status.reason = ""; }},
      {"status.hostIP", [](Pod& p) { p.status.host_ip = ""; }},
      {"status.podIP", [](Pod& p) { p.status.pod_ip = ""; }},
      {"status.podIPs", [](Pod& p) { p.status.pod_ips.clear(); }},
      {"status.startTime", [](Pod& p) { p.status.start_time.reset(); }},
      {"status.initContainerStatuses", [](Pod& p) { p.status.init_container_statuses.clear(); }},
      {"cs.name", [cs](Pod& p) { cs(p).name = "x"; }},
      {"cs.waiting.reason", [cs](Pod& p) { cs(p).state.waiting->reason = "x"; }},
      {"cs.waiting.message", [cs](Pod& p) { cs(p).state.waiting->message = "x"; }},
      {"cs.running.startedAt", [cs](Pod& p) { cs(p).state.running->started_at.reset(); }},
      {"term.exitCode", [term](Pod& p) { term(p).exit_code = 0; }},
      {"term.signal", [term](Pod& p) { term(p).signal = 0; }},
      {"term.reason", [term](Pod& p) { term(p).reason = ""; }},
      {"term.message", [term](Pod& p) { term(p).message = ""; }},
      {"term.startedAt", [term](Pod& p) { term(p).started_at.reset(); }},
      {"term.finishedAt", [term](Pod& p) { term(p).finished_at.reset(); }},
      {"term.containerID", [term](Pod& p) { term(p).container_id = ""; }},
      {"cs.lastState", [cs](Pod& p) { cs(p).last_state = ContainerState{}; }},
      {"cs.ready", [cs](Pod& p) { cs(p).ready = true; }},
      {"cs.restartCount", [cs](Pod& p) { cs(p).restart_count = 1; }},
      {"cs.image", [cs](Pod& p) { cs(p).image = ""; }},
      {"cs.imageID", [cs](Pod& p) { cs(p).image_id = ""; }},
      {"cs.containerID", [cs](Pod& p) { cs(p).container_id = ""; }},
      {"cs.started", [cs](Pod& p) { cs(p).started.reset(); }},
  };
}

TEST_CASE("changing any single field of a pod makes it compare unequal") {
  const Pod original = RichPod();
  CHECK(original == RichPod());
  for (const Mutation& mutation : Mutations()) {
    INFO("field " << mutation.first);
    Pod changed = original;
    mutation.second(changed);
    CHECK(changed != original);
  }
}

TEST_CASE("SpecEquals compares metadata and spec but not status") {
  Pod a = RichPod();
  Pod b = a;
  b.status.phase = PodPhase::kFailed;
  CHECK(SpecEquals(a, b));
  CHECK(a != b);
  b.spec.containers[0].image = "nginx:1.26";
  CHECK_FALSE(SpecEquals(a, b));
}

TEST_CASE("quantities in a spec compare by value, as Kubernetes compares them") {
  Pod a = RichPod();
  Pod b = a;
  b.spec.containers[0].resources.limits.memory = *ParseQuantity("131072Ki");
  CHECK(a == b);
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
