#include "api/core/v1/manifest_decoder.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/core/v1/field_policy.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

std::vector<Pod> MustDecode(const std::string& content) {
  absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(content, "pods/test.yaml");
  INFO("status: " << pods.status().ToString());
  REQUIRE(pods.ok());
  return *pods;
}

std::string DecodeError(const std::string& content, const std::string& file = "pods/web.yaml") {
  absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(content, file);
  if (pods.ok()) return "(decoded fine)";
  CHECK(pods.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(pods.status().message());
}

constexpr char kMinimal[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx
)";

TEST_CASE("a minimal pod decodes with the Kubernetes defaults applied") {
  std::vector<Pod> pods = MustDecode(kMinimal);
  REQUIRE(pods.size() == 1);
  const Pod& pod = pods[0];
  CHECK(pod.metadata.name == "web");
  CHECK(pod.metadata.namespace_ == "default");
  CHECK(pod.spec.restart_policy == RestartPolicy::kAlways);
  CHECK(pod.spec.termination_grace_period_seconds == 30);
  CHECK(pod.spec.dns_policy == DNSPolicy::kClusterFirst);
  REQUIRE(pod.spec.containers.size() == 1);
  const Container& c = pod.spec.containers[0];
  CHECK(c.name == "nginx");
  CHECK(c.image == "nginx");
  CHECK_FALSE(c.image_pull_policy.has_value());
  CHECK(EffectivePullPolicy(c) == PullPolicy::kAlways);
  CHECK(c.termination_message_path == "/dev/termination-log");
  CHECK(pod.status.phase == PodPhase::kPending);
}

TEST_CASE("every modelled field is read from its Kubernetes JSON name") {
  std::vector<Pod> pods = MustDecode(R"(apiVersion: v1
kind: Pod
metadata:
  name: full
  namespace: prod
  uid: 1234-abcd
  labels: {app: full, tier: ""}
  annotations: {note: "free text, any value"}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  activeDeadlineSeconds: 600
  dnsPolicy: None
  dnsConfig:
    nameservers: [192.0.2.53]
    searches: [svc.local]
    options: [{name: ndots, value: "2"}, {name: edns0}]
  nodeName: node-1
  hostNetwork: true
  hostPID: false
  hostIPC: true
  shareProcessNamespace: false
  hostname: full
  subdomain: sub
  priority: -5
  runtimeClassName: runc
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    runAsNonRoot: true
    fsGroup: 2000
    supplementalGroups: [4000, 5000]
    sysctls: [{name: net.core.somaxconn, value: "1024"}]
  volumes:
  - name: host
    hostPath: {path: /srv, type: DirectoryOrCreate}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
  containers:
  - name: app
    image: registry.example:5000/app:v1
    imagePullPolicy: Never
    command: [/app]
    args: [--port, "8080"]
    env: [{name: MODE, value: prod}, {name: EMPTY}]
    workingDir: /srv
    ports:
    - {name: http, containerPort: 8080, hostPort: 8080, protocol: UDP, hostIP: 127.0.0.1}
    resources:
      limits: {cpu: 2, memory: 1.5Gi, ephemeral-storage: 1G, hugepages-2Mi: 4Mi}
      requests: {cpu: 0.5, memory: 512Mi}
    volumeMounts:
    - {name: host, mountPath: /host, readOnly: true, subPath: logs}
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
        host: 127.0.0.1
        scheme: HTTPS
        httpHeaders: [{name: X-Probe, value: "1"}]
      initialDelaySeconds: 3
      periodSeconds: 5
      timeoutSeconds: 2
      successThreshold: 1
      failureThreshold: 4
      terminationGracePeriodSeconds: 7
    readinessProbe:
      tcpSocket: {port: 8080, host: localhost}
    startupProbe:
      grpc: {port: 9090, service: health}
    lifecycle:
      postStart: {exec: {command: [sh, -c, "echo started"]}}
      preStop: {httpGet: {path: /quit, port: 8080}}
    terminationMessagePath: /tmp/term
    terminationMessagePolicy: FallbackToLogsOnError
    securityContext:
      privileged: false
      runAsUser: 0
      runAsGroup: 0
      runAsNonRoot: false
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_ADMIN], drop: [ALL]}
    stdin: true
    stdinOnce: true
    tty: true
)");
  REQUIRE(pods.size() == 1);
  const Pod& pod = pods[0];
  CHECK(pod.metadata.namespace_ == "prod");
  CHECK(pod.metadata.uid == "1234-abcd");
  CHECK(pod.metadata.labels.at("tier").empty());
  CHECK(pod.metadata.annotations.at("note") == "free text, any value");
  const PodSpec& spec = pod.spec;
  CHECK(spec.restart_policy == RestartPolicy::kOnFailure);
  CHECK(spec.termination_grace_period_seconds == 5);
  CHECK(spec.active_deadline_seconds == 600);
  CHECK(spec.dns_policy == DNSPolicy::kNone);
  REQUIRE(spec.dns_config.has_value());
  CHECK(spec.dns_config->nameservers == std::vector<std::string>{"192.0.2.53"});
  CHECK(spec.dns_config->options[0].value == std::string("2"));
  CHECK_FALSE(spec.dns_config->options[1].value.has_value());
  CHECK(spec.node_name == "node-1");
  CHECK(spec.host_network);
  CHECK_FALSE(spec.host_pid);
  CHECK(spec.host_ipc);
  CHECK(spec.share_process_namespace == false);
  CHECK(spec.priority == -5);
  CHECK(spec.runtime_class_name == std::string("runc"));
  CHECK(spec.security_context.fs_group == 2000);
  CHECK(spec.security_context.supplemental_groups == std::vector<int64_t>{4000, 5000});
  CHECK(spec.security_context.sysctls[0].value == "1024");
  CHECK(spec.volumes[0].host_path->type == HostPathType::kDirectoryOrCreate);
  CHECK(spec.volumes[1].empty_dir->medium == StorageMedium::kMemory);
  CHECK(*spec.volumes[1].empty_dir->size_limit->Value() == 64 * 1024 * 1024);
  const Container& c = spec.containers[0];
  CHECK(c.image_pull_policy == PullPolicy::kNever);
  CHECK(c.args == std::vector<std::string>{"--port", "8080"});
  CHECK(c.env[1].name == "EMPTY");
  CHECK(c.env[1].value.empty());
  CHECK(c.ports[0].protocol == Protocol::kUDP);
  CHECK(c.ports[0].host_ip == "127.0.0.1");
  CHECK(*c.resources.limits.cpu->MilliValue() == 2000);
  CHECK(*c.resources.limits.memory->Value() == 1610612736);
  CHECK(*c.resources.limits.ephemeral_storage->Value() == 1000000000);
  CHECK(*c.resources.limits.other.at("hugepages-2Mi").Value() == 4 * 1024 * 1024);
  CHECK(*c.resources.requests.cpu->MilliValue() == 500);
  CHECK(c.volume_mounts[0].read_only);
  CHECK(c.volume_mounts[0].sub_path == "logs");
  const Probe& live = *c.liveness_probe;
  CHECK(live.http_get->port.string_value == "http");
  CHECK(live.http_get->scheme == URIScheme::kHTTPS);
  CHECK(live.http_get->http_headers[0].value == "1");
  CHECK(live.initial_delay_seconds == 3);
  CHECK(live.period_seconds == 5);
  CHECK(live.timeout_seconds == 2);
  CHECK(live.failure_threshold == 4);
  CHECK(live.termination_grace_period_seconds == 7);
  CHECK(c.readiness_probe->tcp_socket->port.int_value == 8080);
  CHECK(c.readiness_probe->period_seconds == 10);
  CHECK(c.startup_probe->grpc->service == std::string("health"));
  CHECK(c.lifecycle->post_start->exec->command[2] == "echo started");
  CHECK(c.lifecycle->pre_stop->http_get->path == "/quit");
  CHECK(c.termination_message_path == "/tmp/term");
  CHECK(c.termination_message_policy == TerminationMessagePolicy::kFallbackToLogsOnError);
  CHECK(c.security_context->read_only_root_filesystem == true);
  CHECK(c.security_context->run_as_user == 0);
  CHECK(c.security_context->capabilities->drop == std::vector<std::string>{"ALL"});
  CHECK(c.stdin_open);
  CHECK(c.stdin_once);
  CHECK(c.tty);
}

TEST_CASE("several documents give several pods and empty documents are skipped") {
  std::vector<Pod> pods =
      MustDecode(std::string("---\n# nothing here\n---\n") + kMinimal + "---\n---\n" +
                 R"(apiVersion: v1
kind: Pod
metadata: {name: second}
spec: {containers: [{name: c, image: busybox}]}
...
)");
  REQUIRE(pods.size() == 2);
  CHECK(pods[0].metadata.name == "web");
  CHECK(pods[1].metadata.name == "second");
}

TEST_CASE("an empty or comment-only file gives no pods and no error") {
  CHECK(MustDecode("").empty());
  CHECK(MustDecode("# just a comment\n").empty());
  CHECK(MustDecode("---\n---\n").empty());
}

TEST_CASE("a JSON pod decodes like its YAML twin") {
  std::vector<Pod> json = MustDecode(R"({
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "web"},
	"spec": {"containers": [{"name": "nginx", "image": "nginx",
	                         "ports": [{"containerPort": 80}]}]}
})");
  std::vector<Pod> yaml = MustDecode(std::string(kMinimal) + "    ports: [{containerPort: 80}]\n");
  REQUIRE(json.size() == 1);
  CHECK(json[0] == yaml[0]);
}

TEST_CASE("a PodList decodes into its pods, as the kubelet accepts") {
  std::vector<Pod> pods = MustDecode(R"(apiVersion: v1
kind: PodList
items:
- metadata: {name: a}
  spec: {containers: [{name: c, image: busybox}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
  spec: {containers: [{name: c, image: busybox}]}
)");
  REQUIRE(pods.size() == 2);
  CHECK(pods[1].metadata.name == "b");
  CHECK(DecodeError(R"(apiVersion: v1
kind: PodList
items:
- kind: Service
  metadata: {name: a}
)") == "pods/web.yaml:4: items[0].kind: unsupported value \"Service\": want \"Pod\" (PodList items "
       "are "
       "Pods)");
  CHECK(DecodeError(R"(apiVersion: v1
kind: PodList
items:
- metadata: {name: a}
  spec: {containers: [{name: c, image: ""}]}
)") == "pods/web.yaml:5: items[0].spec.containers[0].image: must not be empty");
}

TEST_CASE("apiVersion and kind are required and must name a v1 Pod") {
  CHECK(DecodeError("kind: Pod\nmetadata: {name: a}\n") ==
        "pods/web.yaml:1: apiVersion: missing; a Pod manifest needs apiVersion: v1");
  CHECK(DecodeError("apiVersion: v1\nmetadata: {name: a}\n") ==
        "pods/web.yaml:1: kind: missing; a Pod manifest needs kind: Pod");
  CHECK(DecodeError("apiVersion: apps/v1\nkind: Deployment\n") ==
        "pods/web.yaml:2: kind: unsupported value \"Deployment\": want \"Pod\" (or \"PodList\")");
  CHECK(DecodeError("apiVersion: v2\nkind: Pod\n") ==
        "pods/web.yaml:1: apiVersion: unsupported value \"v2\": Pods are in v1");
  CHECK(DecodeError("- just\n- a list\n") ==
        "pods/web.yaml:1: expected a Pod object (apiVersion: v1, kind: Pod), got a list");
  CHECK(DecodeError(std::string(kMinimal) + "---\nhello\n") ==
        "pods/web.yaml:10: expected a Pod object (apiVersion: v1, kind: Pod), got the string "
        "\"hello\"");
}

// A manifest using every honoured field of the field policy (field_policy.h).
constexpr char kEveryHonouredField[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
  uid: 1234-abcd
  labels: {app: web}
  annotations:
    note: hello
    container.apparmor.security.beta.kubernetes.io/app: runtime/default
spec:
  volumes:
  - name: host
    hostPath: {path: /var/log, type: Directory}
  - name: scratch
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
  - name: info
    downwardAPI:
      defaultMode: 0600
      items:
      - path: labels
        fieldRef: {apiVersion: v1, fieldPath: metadata.labels}
        mode: 0400
      - path: cpu
        resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}
  initContainers:
  - name: proxy
    image: envoy:1.30
    restartPolicy: Always
  containers:
  - name: app
    image: nginx:1.25
    imagePullPolicy: IfNotPresent
    command: [nginx]
    args: [-g, daemon off;]
    workingDir: /srv
    env:
    - name: MODE
      value: prod
    - name: POD_NAME
      valueFrom:
        fieldRef: {apiVersion: v1, fieldPath: metadata.name}
    - name: MEM
      valueFrom:
        resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}
    ports:
    - {name: http, containerPort: 80, hostPort: 8080, protocol: TCP, hostIP: 127.0.0.1}
    resources:
      limits: {cpu: "1", memory: 256Mi}
      requests: {cpu: 500m, memory: 128Mi}
    volumeMounts:
    - {name: host, mountPath: /logs, readOnly: true, subPath: nginx, mountPropagation: HostToContainer}
    - {name: scratch, mountPath: /scratch, subPathExpr: $(POD_NAME)}
    - {name: info, mountPath: /info}
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
        host: 127.0.0.1
        scheme: HTTP
        httpHeaders: [{name: X-Probe, value: "1"}]
      initialDelaySeconds: 5
      timeoutSeconds: 2
      periodSeconds: 7
      successThreshold: 1
      failureThreshold: 4
      terminationGracePeriodSeconds: 9
    readinessProbe:
      tcpSocket: {port: 80, host: 127.0.0.1}
    startupProbe:
      grpc: {port: 9000, service: health}
    lifecycle:
      postStart:
        exec: {command: [touch, /tmp/started]}
      preStop:
        httpGet: {path: /quit, port: 80}
    terminationMessagePath: /tmp/msg
    terminationMessagePolicy: FallbackToLogsOnError
    securityContext:
      privileged: false
      runAsUser: 1000
      runAsGroup: 1000
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
      seccompProfile: {type: Localhost, localhostProfile: profiles/web.json}
      appArmorProfile: {type: Localhost, localhostProfile: web}
      seLinuxOptions: {user: system_u, role: system_r, type: container_t, level: "s0:c1,c2"}
      procMount: Default
    stdin: true
    stdinOnce: true
    tty: true
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 15
  activeDeadlineSeconds: 600
  dnsPolicy: None
  dnsConfig:
    nameservers: [1.1.1.1]
    searches: [example.com]
    options: [{name: ndots, value: "2"}]
  nodeName: node-1
  hostNetwork: false
  hostPID: false
  hostIPC: true
  shareProcessNamespace: true
  securityContext:
    runAsUser: 1000
    runAsGroup: 1000
    runAsNonRoot: true
    fsGroup: 2000
    fsGroupChangePolicy: OnRootMismatch
    supplementalGroups: [3000]
    sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65000"}]
    seccompProfile: {type: RuntimeDefault}
    appArmorProfile: {type: Unconfined}
    seLinuxOptions: {level: "s0:c3"}
  hostname: web-0
  subdomain: web
  setHostnameAsFQDN: true
  hostAliases: [{ip: 10.0.0.5, hostnames: [db.local, db]}]
  serviceAccountName: web-sa
  priority: 100
  runtimeClassName: runc
)";

TEST_CASE("a manifest using every honoured field decodes with every field set") {
  std::vector<Pod> pods = MustDecode(kEveryHonouredField);
  REQUIRE(pods.size() == 1);
  const Pod& pod = pods[0];
  CHECK(pod.metadata.uid == "1234-abcd");
  const PodSpec& spec = pod.spec;
  REQUIRE(spec.volumes.size() == 3);
  REQUIRE(spec.volumes[2].downward_api.has_value());
  const DownwardAPIVolumeSource& downward = *spec.volumes[2].downward_api;
  CHECK(downward.default_mode == 0600);
  REQUIRE(downward.items.size() == 2);
  CHECK(downward.items[0].field_ref->field_path == "metadata.labels");
  CHECK(downward.items[0].mode == 0400);
  CHECK(downward.items[1].resource_field_ref->container_name == "app");
  CHECK(downward.items[1].resource_field_ref->divisor == Quantity::FromMilliValue(1));
  const Container& c = spec.containers[0];
  REQUIRE(c.env.size() == 3);
  REQUIRE(c.env[1].value_from.has_value());
  CHECK(c.env[1].value_from->field_ref->api_version == "v1");
  CHECK(c.env[1].value_from->field_ref->field_path == "metadata.name");
  CHECK(c.env[2].value_from->resource_field_ref->resource == "limits.memory");
  CHECK(c.env[2].value_from->resource_field_ref->divisor == Quantity::FromValue(1024 * 1024));
  CHECK(c.volume_mounts[0].mount_propagation == MountPropagationMode::kHostToContainer);
  CHECK(c.volume_mounts[1].sub_path_expr == "$(POD_NAME)");
  REQUIRE(c.security_context.has_value());
  const SecurityContext& sc = *c.security_context;
  CHECK(sc.seccomp_profile->type == SeccompProfileType::kLocalhost);
  CHECK(sc.seccomp_profile->localhost_profile == "profiles/web.json");
  CHECK(sc.app_armor_profile->type == AppArmorProfileType::kLocalhost);
  CHECK(sc.app_armor_profile->localhost_profile == "web");
  CHECK(sc.se_linux_options->user == "system_u");
  CHECK(sc.se_linux_options->role == "system_r");
  CHECK(sc.se_linux_options->type == "container_t");
  CHECK(sc.se_linux_options->level == "s0:c1,c2");
  CHECK(sc.proc_mount == ProcMountType::kDefault);
  const PodSecurityContext& psc = spec.security_context;
  CHECK(psc.fs_group_change_policy == FSGroupChangePolicy::kOnRootMismatch);
  CHECK(psc.seccomp_profile->type == SeccompProfileType::kRuntimeDefault);
  CHECK(psc.app_armor_profile->type == AppArmorProfileType::kUnconfined);
  CHECK(psc.se_linux_options->level == "s0:c3");
  CHECK(spec.set_hostname_as_fqdn == true);
  REQUIRE(spec.host_aliases.size() == 1);
  CHECK(spec.host_aliases[0].ip == "10.0.0.5");
  CHECK(spec.host_aliases[0].hostnames == std::vector<std::string>{"db.local", "db"});
  CHECK(spec.service_account_name == "web-sa");
  CHECK(c.stdin_open);
  CHECK(c.stdin_once);
  CHECK(c.tty);
  CHECK(spec.host_ipc);
  CHECK(spec.runtime_class_name == "runc");
  // Its JSON decodes back to the same pod.
  CHECK(DecodeForFuzzing(reinterpret_cast<const uint8_t*>(kEveryHonouredField),
                         sizeof(kEveryHonouredField) - 1)
            .ok());

  // Every honoured field name of the table appears in the manifest (as a key), so a field the
  // table honours but the decoder forgets to read fails this test: Object() reports it as an
  // Internal error ("... is honoured by the field policy but the decoder does not read it").
  for (const FieldRule& rule : FieldPolicy()) {
    if (rule.field_class != FieldClass::kHonoured || rule.object == "PodList") continue;
    INFO(rule.object << "." << rule.field);
    CHECK_THAT(kEveryHonouredField, Catch::Contains(absl::StrCat(rule.field, ":")) ||
                                        Catch::Contains(absl::StrCat("{", rule.field, ": ")));
  }
}

TEST_CASE("cluster-only fields are accepted and ignored") {
  std::vector<Pod> pods = MustDecode(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  generateName: web-
  creationTimestamp: null
  resourceVersion: "5"
  generation: 2
  selfLink: /api/v1/pods/web
  ownerReferences: [{kind: Node}]
  finalizers: [x/y]
  managedFields: [{manager: kubectl}]
  deletionTimestamp: "2026-01-01T00:00:00Z"
  deletionGracePeriodSeconds: 30
spec:
  affinity: {nodeAffinity: {}}
  tolerations: [{operator: Exists}]
  nodeSelector: {disk: ssd}
  schedulerName: custom
  priorityClassName: high
  preemptionPolicy: Never
  topologySpreadConstraints: [{maxSkew: 1}]
  readinessGates: [{conditionType: x}]
  serviceAccount: old-name
  automountServiceAccountToken: false
  enableServiceLinks: false
  schedulingGates: [{name: wait}]
  os: {name: linux}
  securityContext:
    windowsOptions: {runAsUserName: admin}
  containers:
  - name: nginx
    image: nginx
    securityContext:
      windowsOptions: {hostProcess: false}
status:
  phase: Running
  podIP: 10.0.0.1
)");
  REQUIRE(pods.size() == 1);
  CHECK(pods[0].status.phase == PodPhase::kPending);  // status is the agent's, never read
  CHECK(pods[0].status.pod_ip.empty());
  CHECK(pods[0].spec.service_account_name.empty());
  CHECK_FALSE(pods[0].spec.containers[0].security_context->privileged.has_value());
}

TEST_CASE("refused fields are errors naming the file, line, field and why") {
  const std::string head =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: a\n"
      "    image: b\n";
  CHECK(DecodeError(head + "    volumeDevices: [{name: d, devicePath: /dev/xvda}]\n") ==
        "pods/web.yaml:8: spec.containers[0].volumeDevices: not supported here: raw block "
        "volumes are not implemented");
  CHECK(DecodeError(head + "    resizePolicy: [{resourceName: cpu}]\n") ==
        "pods/web.yaml:8: spec.containers[0].resizePolicy: not supported here: in-place resize "
        "is not implemented");
  CHECK(DecodeError(head + "  hostUsers: false\n") ==
        "pods/web.yaml:8: spec.hostUsers: not supported here: user namespaces are not "
        "implemented; only hostUsers: true");
  CHECK(DecodeError(head + "  hostUsers: true\n") == "(decoded fine)");
  CHECK(DecodeError(head + "  os: {name: windows}\n") ==
        "pods/web.yaml:8: spec.os.name: not supported here: this node runs Linux pods only; only "
        "name: linux");
  CHECK(DecodeError(head + "  securityContext: {supplementalGroupsPolicy: Strict}\n") ==
        "pods/web.yaml:8: spec.securityContext.supplementalGroupsPolicy: not supported here: "
        "only supplementalGroupsPolicy: Merge (the image's groups are kept)");
  CHECK(DecodeError(head + "  securityContext: {supplementalGroupsPolicy: Merge}\n") ==
        "(decoded fine)");
  CHECK(DecodeError(head + "  securityContext: {seLinuxChangePolicy: Recursive}\n") ==
        "pods/web.yaml:8: spec.securityContext.seLinuxChangePolicy: not supported here: SELinux "
        "relabelling policies are not implemented");
  CHECK(DecodeError(head + "  overhead: {cpu: 1}\n") ==
        "pods/web.yaml:8: spec.overhead: not supported here: pod overhead accounting is not "
        "implemented");
  CHECK(DecodeError(head + "  ephemeralContainers: [{name: debug, image: busybox}]\n") ==
        "pods/web.yaml:8: spec.ephemeralContainers: not supported here: ephemeral containers are "
        "added through the API server, never in a manifest");
  CHECK(DecodeError(head + "    resources: {claims: [{name: gpu}]}\n") ==
        "pods/web.yaml:8: spec.containers[0].resources.claims: not supported here: dynamic "
        "resource allocation is not implemented");
  CHECK(DecodeError(head +
                    "    volumeMounts: [{name: v, mountPath: /v, recursiveReadOnly: Enabled}]\n") ==
        "pods/web.yaml:8: spec.containers[0].volumeMounts[0].recursiveReadOnly: not supported "
        "here: recursive read-only mounts are not implemented; only recursiveReadOnly: Disabled");
  CHECK(DecodeError(head + "    lifecycle: {postStart: {tcpSocket: {port: 80}}}\n") ==
        "pods/web.yaml:8: spec.containers[0].lifecycle.postStart.tcpSocket: not supported here: "
        "tcpSocket hooks are not implemented; use exec or httpGet");
}

TEST_CASE("every refused field of the table is refused by the decoder") {
  // Each refused field of the objects a container manifest reaches directly.
  for (const FieldRule& rule : FieldPolicy()) {
    if (rule.field_class != FieldClass::kRefused || !rule.accepted_value.empty()) continue;
    std::string manifest;
    if (rule.object == "PodSpec") {
      manifest = absl::StrCat("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  ",
                              rule.field, ": {}\n  containers: [{name: a, image: b}]\n");
    } else if (rule.object == "Container") {
      manifest = absl::StrCat(
          "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: a, "
          "image: b, ",
          rule.field, ": {}}]\n");
    } else if (rule.object == "Volume") {
      manifest = absl::StrCat(
          "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  volumes: [{name: v, ",
          rule.field, ": {}}]\n  containers: [{name: a, image: b}]\n");
    } else {
      continue;
    }
    INFO(rule.object << "." << rule.field);
    CHECK_THAT(DecodeError(manifest),
               Catch::Contains(absl::StrCat(rule.field, ": not supported here: ", rule.note)));
  }
}

TEST_CASE("an unknown key is refused with the nearest known field as a suggestion") {
  const std::string head =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: a\n"
      "    image: b\n";
  CHECK(DecodeError(head + "    imagePullPolicyy: Always\n") ==
        "pods/web.yaml:8: spec.containers[0].imagePullPolicyy: unknown field "
        "\"imagePullPolicyy\" (did you mean \"imagePullPolicy\"?)");
  CHECK(DecodeError(head + "    SecurityContext: {}\n") ==
        "pods/web.yaml:8: spec.containers[0].SecurityContext: unknown field "
        "\"SecurityContext\" (did you mean \"securityContext\"?)");
  CHECK(DecodeError(head + "  someFutureField: {nested: [1]}\n") ==
        "pods/web.yaml:8: spec.someFutureField: unknown field \"someFutureField\"");
  CHECK(DecodeError(head + "    securityContext: {seccompProfil: {type: Unconfined}}\n") ==
        "pods/web.yaml:8: spec.containers[0].securityContext.seccompProfil: unknown field "
        "\"seccompProfil\" (did you mean \"seccompProfile\"?)");
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: web, lables: {a: b}}\n") ==
        "pods/web.yaml:3: metadata.lables: unknown field \"lables\" (did you mean \"labels\"?)");
}

TEST_CASE("relaxed decoding warns about unknown keys but never inside security or resources") {
  std::vector<std::string> warnings;
  DecodeOptions options;
  options.refuse_unknown_fields = false;
  options.warnings = &warnings;
  const std::string head =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web, lables: {a: b}}\nspec:\n  containers:\n"
      "  - name: a\n    image: b\n";
  absl::StatusOr<std::vector<Pod>> pods =
      DecodePodManifests(head + "    livenessProbe: {exec: {command: [x]}, periodSecond: 3}\n",
                         "pods/web.yaml", options);
  REQUIRE(pods.ok());
  CHECK(warnings == std::vector<std::string>{
                        "pods/web.yaml:3: metadata.lables: unknown field \"lables\" (did you mean "
                        "\"labels\"?); ignored",
                        "pods/web.yaml:8: spec.containers[0].livenessProbe.periodSecond: unknown "
                        "field \"periodSecond\" (did you mean \"periodSeconds\"?); ignored"});

  for (const std::string& strict :
       {std::string("    securityContext: {runAsUsr: 1}\n"),
        std::string("    resources: {limit: {cpu: 1}}\n"),
        std::string("    volumeMounts: [{name: v, mountPath: /v, readonly: true}]\n"),
        std::string("    imagePullPolicyy: Always\n"), std::string("  hostUser: false\n"),
        std::string("  securityContext: {seccompProfile: {type: Localhost, path: x}}\n"),
        std::string("  volumes: [{name: v, emptyDir: {size: 1Gi}}]\n")}) {
    INFO(strict);
    warnings.clear();
    pods = DecodePodManifests(head + strict, "pods/web.yaml", options);
    REQUIRE_FALSE(pods.ok());
    CHECK_THAT(std::string(pods.status().message()), Catch::Contains("unknown field"));
  }
}

TEST_CASE("a seccomp or AppArmor profile without a type is refused") {
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  securityContext:\n"
                    "    seccompProfile: {localhostProfile: x.json}\n"
                    "  containers: [{name: a, image: b}]\n") ==
        "pods/web.yaml:6: spec.securityContext.seccompProfile.type: missing; it is required");
  CHECK(
      DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n"
                  "  - {name: a, image: b, securityContext: {appArmorProfile: {type: \"\"}}}\n") ==
      "pods/web.yaml:6: spec.containers[0].securityContext.appArmorProfile.type: missing; it is "
      "required");
}

TEST_CASE("null values mean not set, as in Kubernetes' JSON") {
  std::vector<Pod> pods = MustDecode(std::string(kMinimal) + R"(    command: null
    args: ~
    livenessProbe:
  restartPolicy:
  terminationGracePeriodSeconds: null
)");
  const Pod& pod = pods[0];
  CHECK(pod.spec.containers[0].command.empty());
  CHECK_FALSE(pod.spec.containers[0].liveness_probe.has_value());
  CHECK(pod.spec.termination_grace_period_seconds == 30);
}

TEST_CASE("a bad quantity names the file, the line and the field path") {
  std::string manifest = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: a
    image: nginx
  - name: b
    image: nginx
    resources:
      limits:
        cpu: 500m
        memory: 12Gx
)";
  CHECK(DecodeError(manifest) ==
        "pods/web.yaml:14: spec.containers[1].resources.limits.memory: invalid quantity \"12Gx\": "
        "unknown suffix \"Gx\" (want one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent "
        "like e3)");
}

TEST_CASE("a value of the wrong type is an error naming the field and what was found") {
  const std::string head = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n";
  CHECK(DecodeError(head + "  containers: nginx\n") ==
        "pods/web.yaml:5: spec.containers: expected a list, got the string \"nginx\"");
  CHECK(DecodeError(head + "  containers:\n  - nginx\n") ==
        "pods/web.yaml:6: spec.containers[0]: expected an object, got the string \"nginx\"");
  CHECK(DecodeError(head + "  containers:\n  - name: [a]\n") ==
        "pods/web.yaml:6: spec.containers[0].name: expected a string, got a list");
  CHECK(DecodeError(head +
                    "  containers:\n  - {name: a, image: b, env: [{name: MODE, value: 123}]}\n") ==
        "pods/web.yaml:6: spec.containers[0].env[0].value: expected a string, got the number 123 "
        "(quote it to make it a string)");
  CHECK(DecodeError(head + "  containers:\n  - {name: a, image: b, command: [sleep, 10]}\n") ==
        "pods/web.yaml:6: spec.containers[0].command[1]: expected a string, got the number 10 "
        "(quote it to make it a string)");
  CHECK(DecodeError(head + "  hostNetwork: \"true\"\n") ==
        "pods/web.yaml:5: spec.hostNetwork: expected a boolean (true or false), got the string "
        "\"true\"");
  CHECK(DecodeError(head + "  terminationGracePeriodSeconds: \"30\"\n") ==
        "pods/web.yaml:5: spec.terminationGracePeriodSeconds: expected an integer, got the string "
        "\"30\"");
  CHECK(DecodeError(head + "  terminationGracePeriodSeconds: 1.5\n") ==
        "pods/web.yaml:5: spec.terminationGracePeriodSeconds: expected an integer, got the number "
        "1.5");
  CHECK(DecodeError(head + "  priority: 3000000000\n") ==
        "pods/web.yaml:5: spec.priority: integer 3000000000 is out of range (-2147483648 to "
        "2147483647)");
  CHECK(DecodeError(head +
                    "  containers:\n  - {name: a, image: b, resources: {limits: {cpu: true}}}\n") ==
        "pods/web.yaml:6: spec.containers[0].resources.limits.cpu: expected a quantity such as "
        "500m or 128Mi, got the boolean true");
  CHECK(DecodeError(head + "  containers:\n  - name: a\n    image: b\n    livenessProbe:\n"
                           "      tcpSocket: {port: [80]}\n") ==
        "pods/web.yaml:9: spec.containers[0].livenessProbe.tcpSocket.port: expected a port "
        "number or a port name, got a list");
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {version: 1}}\n") ==
        "pods/web.yaml:3: metadata.labels[version]: expected a string, got the number 1 (quote it "
        "to make it a string)");
}

TEST_CASE("YAML 1.1 booleans and integer forms are read as Kubernetes' YAML reader reads them") {
  std::vector<Pod> pods = MustDecode(std::string(kMinimal) + R"(    tty: yes
    stdin: On
    ports: [{containerPort: 0x50}]
    resources: {limits: {memory: 0x100000}}
  hostIPC: False
)");
  const Container& c = pods[0].spec.containers[0];
  CHECK(c.tty);
  CHECK(c.stdin_open);
  CHECK(c.ports[0].container_port == 80);
  CHECK(*c.resources.limits.memory->Value() == 1048576);
  CHECK_FALSE(pods[0].spec.host_ipc);
  // The flip side, as in Kubernetes: unquoted YAML 1.1 booleans are not strings.
  CHECK(DecodeError(std::string(kMinimal) + "    env: [{name: N, value: x}]\n") ==
        "pods/web.yaml:9: spec.containers[0].env[0].name: expected a string, got the boolean N "
        "(quote it to make it a string)");
}

TEST_CASE("an unsupported enum value lists the supported ones") {
  const std::string head = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n";
  CHECK(DecodeError(head + "  restartPolicy: Sometimes\n") ==
        "pods/web.yaml:5: spec.restartPolicy: unsupported value \"Sometimes\" (supported: "
        "\"Always\", \"OnFailure\", \"Never\")");
  CHECK(DecodeError(head + "  containers:\n  - {name: a, image: b, imagePullPolicy: always}\n") ==
        "pods/web.yaml:6: spec.containers[0].imagePullPolicy: unsupported value \"always\" "
        "(supported: \"Always\", \"IfNotPresent\", \"Never\")");
  CHECK(DecodeError(head + "  dnsPolicy: ClusterLast\n") ==
        "pods/web.yaml:5: spec.dnsPolicy: unsupported value \"ClusterLast\" (supported: "
        "\"ClusterFirst\", \"ClusterFirstWithHostNet\", \"Default\", \"None\")");
  CHECK(DecodeError(head + "  initContainers:\n  - {name: a, image: b, restartPolicy: Never}\n") ==
        "pods/web.yaml:6: spec.initContainers[0].restartPolicy: unsupported value \"Never\" "
        "(supported: \"Always\")");
  CHECK(DecodeError(head + "  containers:\n  - {name: a, image: b, ports: [{containerPort: 1, "
                           "protocol: tcp}]}\n") ==
        "pods/web.yaml:6: spec.containers[0].ports[0].protocol: unsupported value \"tcp\" "
        "(supported: \"TCP\", \"UDP\", \"SCTP\")");
}

TEST_CASE("an empty enum string means the default, as Kubernetes defaulting treats it") {
  std::vector<Pod> pods = MustDecode(std::string(kMinimal) + R"(    imagePullPolicy: ""
    terminationMessagePolicy: ""
    terminationMessagePath: ""
  restartPolicy: ""
)");
  CHECK_FALSE(pods[0].spec.containers[0].image_pull_policy.has_value());
  CHECK(pods[0].spec.containers[0].termination_message_path == "/dev/termination-log");
  CHECK(pods[0].spec.restart_policy == RestartPolicy::kAlways);
}

TEST_CASE("features that need an API server are refused with a clear message") {
  const std::string head =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: a\n"
      "    image: b\n";
  CHECK(DecodeError(head + "    env:\n    - name: KEY\n      valueFrom:\n        configMapKeyRef: "
                           "{name: cfg, key: k}\n") ==
        "pods/web.yaml:11: spec.containers[0].env[0].valueFrom.configMapKeyRef: not supported "
        "here: config maps need an API server; use a literal value");
  CHECK(DecodeError(head + "    envFrom: [{configMapRef: {name: x}}]\n") ==
        "pods/web.yaml:8: spec.containers[0].envFrom: not supported here: config maps and "
        "secrets need an API server; use env with literal values");
  CHECK(DecodeError(head + "  volumes:\n  - name: cfg\n    configMap: {name: cfg}\n") ==
        "pods/web.yaml:10: spec.volumes[0].configMap: not supported here: this volume type needs "
        "an API server or a volume plugin; only hostPath, emptyDir and downwardAPI are supported");
  CHECK(DecodeError(head + "    lifecycle: {preStop: {sleep: {seconds: 5}}}\n") ==
        "pods/web.yaml:8: spec.containers[0].lifecycle.preStop.sleep: not supported here: sleep "
        "hooks are not implemented; use exec or httpGet");
}

TEST_CASE("validation errors carry the line of the offending field") {
  CHECK(DecodeError(R"(apiVersion: v1
kind: Pod
metadata:
  name: Web
spec:
  containers:
  - name: nginx
    image: nginx
)") == "pods/web.yaml:4: metadata.name: pod name \"Web\" must be a lower-case RFC 1123 "
       "subdomain: labels of lower-case letters, digits and '-', separated by '.', starting and "
       "ending with a letter or digit, at most 253 characters");
  // A missing field gets the line of its nearest parent.
  CHECK(DecodeError(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    ports: [{containerPort: 80}]
)") == "pods/web.yaml:7: spec.containers[0].image: must not be empty");
  CHECK(DecodeError(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
  - name: nginx
    image: busybox
  containers:
  - name: sidecar
    image: busybox
  - name: nginx
    image: nginx
)") == "pods/web.yaml:12: spec.containers[1].name: duplicate container name \"nginx\" (already "
       "used by spec.initContainers[0])");
  CHECK(DecodeError(R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: -1
  containers: [{name: a, image: b}]
)") == "pods/web.yaml:5: spec.terminationGracePeriodSeconds: must be between 0 and 4294967295, "
       "inclusive (got -1)");
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {}\n") ==
        "pods/web.yaml:4: spec.containers: must have at least one container");
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nspec: {containers: [{name: a, image: b}]}\n") ==
        "pods/web.yaml:1: metadata.name: must not be empty");
}

TEST_CASE("a probe's zero timeout, period and thresholds mean the defaults") {
  std::vector<Pod> pods = MustDecode(std::string(kMinimal) + R"(    livenessProbe:
      exec: {command: ["true"]}
      timeoutSeconds: 0
      periodSeconds: 0
      successThreshold: 0
      failureThreshold: 0
)");
  const Probe& probe = *pods[0].spec.containers[0].liveness_probe;
  CHECK(probe.timeout_seconds == 1);
  CHECK(probe.period_seconds == 10);
  CHECK(probe.success_threshold == 1);
  CHECK(probe.failure_threshold == 3);
}

TEST_CASE("a key given twice is an error, not a silent choice") {
  CHECK(DecodeError(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  name: web2
)") == "pods/web.yaml:5: metadata.name: given more than once");
}

TEST_CASE("two pods with the same name in one file are an error") {
  CHECK(DecodeError(std::string(kMinimal) + "---\n" + kMinimal) ==
        "pods/web.yaml:13: metadata.name: duplicate pod \"default/web\" (also defined at line 4)");
}

TEST_CASE("a YAML syntax error names the file and the line") {
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nspec:\n  containers: [a, b\n") ==
        "pods/web.yaml:5: invalid YAML: end of sequence flow not found (column 1)");
  std::string tab_error = DecodeError("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n");
  CHECK_THAT(tab_error, Catch::StartsWith("pods/web.yaml:4: invalid YAML: "));
  CHECK_THAT(DecodeError("{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\"\n", "pods/web.json"),
             Catch::StartsWith("pods/web.json:3: invalid YAML: end of map flow not found"));
  CHECK_THAT(DecodeError("{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\",,}\n", "pods/web.json"),
             Catch::StartsWith("pods/web.json:2: "));
}

TEST_CASE("text that is not UTF-8 is refused with its line and column") {
  CHECK(DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: \"w\xFF\"}\n") ==
        "pods/web.yaml:3: invalid UTF-8: byte 0xff at column 20");
}

TEST_CASE("hostile input returns an error and never throws") {
  std::string deep(100000, '[');
  CHECK_THAT(DecodeError(deep), Catch::StartsWith("pods/web.yaml"));
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  CHECK_THAT(DecodeError(binary), Catch::StartsWith("pods/web.yaml"));
  // Aliases make a short file name millions of values: the work budget stops the decoding.
  std::string bomb =
      "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [&c {name: x, "
      "image: img, env: [&e {name: A, value: b}";
  for (int i = 1; i < 2000; ++i) bomb += ", *e";
  bomb += "]}";
  for (int i = 1; i < 2000; ++i) bomb += ", *c";
  bomb += "]\n";
  CHECK_THAT(DecodeError(bomb), Catch::Contains("manifest too large"));
  // yaml-cpp 0.7's LoadAll alone would loop forever, allocating, on these.
  CHECK(DecodeError("[a],") ==
        "pods/web.yaml:1: invalid YAML: unexpected text after a value "
        "(column 4)");
  CHECK_THAT(DecodeError("apiVersion: v1\nkind: Pod\nmetadata: {name: \"web\"},\n"),
             Catch::StartsWith("pods/web.yaml:3: invalid YAML: "));
  CHECK_THAT(DecodeError(","), Catch::StartsWith("pods/web.yaml:1: invalid YAML: "));
  CHECK_FALSE(DecodeError("\"unterminated").empty());
  CHECK_FALSE(DecodeError("? [a]\n: b\n").empty());
  CHECK_FALSE(DecodeError("apiVersion: v1\nkind: Pod\n[a]: b\n").empty());
}

TEST_CASE("the fuzzing entry point accepts good input and reports bad input without crashing") {
  const std::string good = kMinimal;
  CHECK(DecodeForFuzzing(reinterpret_cast<const uint8_t*>(good.data()), good.size()).ok());
  const std::string bad = "kind: [";
  absl::Status status = DecodeForFuzzing(reinterpret_cast<const uint8_t*>(bad.data()), bad.size());
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(DecodeForFuzzing(nullptr, 0).ok());
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
