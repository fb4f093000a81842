#include "api/core/v1/json_encoder.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "api/core/v1/manifest_decoder.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

absl::Time At(int hour, int minute, int second) {
  return absl::FromCivil(absl::CivilSecond(2026, 1, 1, hour, minute, second), absl::UTCTimeZone());
}

Pod MinimalPod() {
  Pod pod;
  pod.metadata.name = "web";
  Container& c = pod.spec.containers.emplace_back();
  c.name = "nginx";
  c.image = "nginx";
  return pod;
}

TEST_CASE("times are RFC 3339 in UTC with whole seconds") {
  CHECK(FormatRfc3339(At(0, 0, 0)) == "2026-01-01T00:00:00Z");
  CHECK(FormatRfc3339(At(13, 4, 5) + absl::Milliseconds(999)) == "2026-01-01T13:04:05Z");
}

TEST_CASE("a minimal pod prints defaulted fields and omits empty ones, with sorted keys") {
  CHECK(PodToJson(MinimalPod()) ==
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},)"
        R"("spec":{"containers":[{"image":"nginx","name":"nginx","resources":{},)"
        R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],)"
        R"("dnsPolicy":"ClusterFirst","restartPolicy":"Always","securityContext":{},)"
        R"("terminationGracePeriodSeconds":30},"status":{"phase":"Pending"}})");
}

TEST_CASE("status is written with Kubernetes names, states and RFC 3339 times") {
  Pod pod = MinimalPod();
  pod.metadata.uid = "1234";
  pod.status.phase = PodPhase::kRunning;
  pod.status.host_ip = "192.0.2.1";
  pod.status.pod_ip = "198.18.0.7";
  pod.status.pod_ips = {"198.18.0.7"};
  pod.status.start_time = At(0, 0, 0);
  pod.status.conditions = {{std::string(kPodReady), ConditionStatus::kFalse, std::nullopt,
                            At(0, 0, 5), "ContainersNotReady", "containers with unready status"}};
  ContainerStatus status;
  status.name = "nginx";
  status.state.waiting = ContainerStateWaiting{"CrashLoopBackOff", "back-off 20s"};
  status.last_state.terminated =
      ContainerStateTerminated{1, 0, "Error", "", At(0, 0, 1), At(0, 0, 2), "containerd://abc"};
  status.restart_count = 2;
  status.image = "registry.example/library/nginx:latest";
  status.image_id = "sha256:0123";
  status.container_id = "containerd://abc";
  status.started = false;
  pod.status.container_statuses = {status};
  google::protobuf::Struct object = PodToStruct(pod);
  google::protobuf::Struct status_json = object.fields().at("status").struct_value();
  CHECK(StructToJson(status_json) ==
        R"({"conditions":[{"lastTransitionTime":"2026-01-01T00:00:05Z",)"
        R"("message":"containers with unready status","reason":"ContainersNotReady",)"
        R"("status":"False","type":"Ready"}],)"
        R"("containerStatuses":[{"containerID":"containerd://abc","image":)"
        R"("registry.example/library/nginx:latest","imageID":"sha256:0123",)"
        R"("lastState":{"terminated":{"containerID":"containerd://abc","exitCode":1,)"
        R"("finishedAt":"2026-01-01T00:00:02Z","reason":"Error",)"
        R"("startedAt":"2026-01-01T00:00:01Z"}},"name":"nginx","ready":false,)"
        R"("restartCount":2,"started":false,"state":{"waiting":{"message":"back-off 20s",)"
        R"("reason":"CrashLoopBackOff"}}}],"hostIP":"192.0.2.1","phase":"Running",)"
        R"("podIP":"198.18.0.7","podIPs":[{"ip":"198.18.0.7"}],)"
        R"("startTime":"2026-01-01T00:00:00Z"})");
}

TEST_CASE("quantities, ports and probes print in Kubernetes form") {
  Pod pod = MinimalPod();
  Container& c = pod.spec.containers[0];
  c.resources.limits.cpu = *ParseQuantity("0.5");
  c.resources.limits.memory = *ParseQuantity("1024Mi");
  c.ports = {{"http", 80, 0, Protocol::kTCP, ""}};
  c.readiness_probe = Probe{};
  c.readiness_probe->http_get =
      HTTPGetAction{"/", IntOrString::FromString("http"), "", URIScheme::kHTTP, {}};
  google::protobuf::Struct object = PodToStruct(pod);
  const auto& container = object.fields()
                              .at("spec")
                              .struct_value()
                              .fields()
                              .at("containers")
                              .list_value()
                              .values(0)
                              .struct_value();
  CHECK(StructToJson(container.fields().at("resources").struct_value()) ==
        R"({"limits":{"cpu":"500m","memory":"1Gi"}})");
  CHECK(StructToJson(container.fields().at("ports").list_value().values(0).struct_value()) ==
        R"({"containerPort":80,"name":"http","protocol":"TCP"})");
  CHECK(StructToJson(container.fields().at("readinessProbe").struct_value()) ==
        R"({"failureThreshold":3,"httpGet":{"path":"/","port":"http","scheme":"HTTP"},)"
        R"("periodSeconds":10,"successThreshold":1,"timeoutSeconds":1})");
}

TEST_CASE("output is the same every time, whatever protobuf's map order") {
  Pod pod = MinimalPod();
  for (int i = 0; i < 30; ++i) pod.metadata.labels["label-" + std::to_string(i)] = "v";
  const std::string first = PodToJson(pod);
  for (int i = 0; i < 20; ++i) CHECK(PodToJson(pod) == first);
  CHECK(first.find("\"label-0\"") < first.find("\"label-1\""));
}

TEST_CASE("text that is not UTF-8 is printed with replacement characters, never dropped") {
  Pod pod = MinimalPod();
  ContainerStatus status;
  status.name = "nginx";
  status.state.terminated = ContainerStateTerminated{};
  status.state.terminated->message = "bad \xFF byte";
  pod.status.container_statuses = {status};
  CHECK(PodToJson(pod).find("bad \xEF\xBF\xBD byte") != std::string::npos);
}

TEST_CASE("the indented style is the same document with whitespace") {
  std::string indented = PodToJson(MinimalPod(), JsonStyle::kIndented);
  CHECK(indented.find("\n") != std::string::npos);
  absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(indented, "indented.json");
  REQUIRE(pods.ok());
  CHECK(SpecEquals(pods->front(), MinimalPod()));
}

TEST_CASE("a pod list prints as a v1 PodList") {
  Pod second = MinimalPod();
  second.metadata.name = "second";
  std::string json = PodListToJson({MinimalPod(), second});
  CHECK(json.rfind(R"({"apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod",)", 0) == 0);
  CHECK(absl::EndsWith(json, R"(}],"kind":"PodList"})"));
  absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(json, "list.json");
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 2);
  CHECK(pods->at(1).metadata.name == "second");
  CHECK(PodListToJson({}) == R"({"apiVersion":"v1","items":[],"kind":"PodList"})");
}

TEST_CASE("decoding a pod's JSON gives back the same metadata and spec") {
  absl::StatusOr<std::vector<Pod>> decoded = DecodePodManifests(R"(apiVersion: v1
kind: Pod
metadata:
  name: round-trip
  namespace: kube-system
  uid: abc-123
  labels: {app: rt}
  annotations: {"example.com/note": "<b>&\"quoted\"</b> \u00e9"}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  activeDeadlineSeconds: 60
  dnsPolicy: None
  dnsConfig: {nameservers: [192.0.2.53], searches: [a.local], options: [{name: ndots, value: "1"}, {name: rotate}]}
  hostNetwork: true
  hostPID: true
  hostIPC: true
  shareProcessNamespace: false
  hostname: rt
  subdomain: sub
  priority: 100
  runtimeClassName: kata
  securityContext: {runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [1, 2], sysctls: [{name: kernel.shm_rmid_forced, value: "1"}]}
  volumes:
  - {name: host, hostPath: {path: /var/log, type: Directory}}
  - {name: plain, hostPath: {path: /tmp}}
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
  - {name: disk, emptyDir: {}}
  initContainers:
  - name: setup
    image: busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    command: [sh, -c, "echo 'hi' > /tmp/x"]
  - name: sidecar
    image: busybox:1.36
    restartPolicy: Always
    startupProbe: {tcpSocket: {port: 9000}, failureThreshold: 30, periodSeconds: 1}
  containers:
  - name: app
    image: registry.example:5000/app:v1
    imagePullPolicy: IfNotPresent
    args: ["--flag=1", ""]
    env: [{name: A, value: "1"}, {name: EMPTY}]
    workingDir: /srv
    ports: [{name: http, containerPort: 80, hostPort: 80, protocol: TCP}, {containerPort: 53, protocol: UDP, hostIP: 127.0.0.1}]
    resources:
      limits: {cpu: "1.5", memory: 1Gi, ephemeral-storage: 2G, example.com/widget: "3"}
      requests: {cpu: 100m, memory: 100M}
    volumeMounts: [{name: host, mountPath: /logs, readOnly: true, subPath: app}, {name: mem, mountPath: /cache}]
    livenessProbe:
      httpGet: {path: /healthz, port: http, scheme: HTTPS, host: localhost, httpHeaders: [{name: X-A, value: b}]}
      initialDelaySeconds: 5
      terminationGracePeriodSeconds: 3
    readinessProbe: {exec: {command: [cat, /tmp/ready]}, successThreshold: 2, timeoutSeconds: 3}
    startupProbe: {grpc: {port: 9090}}
    lifecycle: {postStart: {exec: {command: ["true"]}}, preStop: {httpGet: {path: /stop, port: 80}}}
    terminationMessagePath: /tmp/msg
    terminationMessagePolicy: FallbackToLogsOnError
    securityContext: {privileged: true, runAsUser: 0, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true, capabilities: {add: [SYS_ADMIN]}}
    stdin: true
    stdinOnce: true
    tty: true
)",
                                                                "rt.yaml");
  REQUIRE(decoded.ok());
  REQUIRE(decoded->size() == 1);
  const Pod& pod = decoded->front();
  const std::string json = PodToJson(pod);
  absl::StatusOr<std::vector<Pod>> again = DecodePodManifests(json, "rt.json");
  INFO("json: " << json);
  REQUIRE(again.ok());
  REQUIRE(again->size() == 1);
  CHECK(again->front().metadata == pod.metadata);
  CHECK(again->front().spec == pod.spec);
  CHECK(PodToJson(again->front()) == json);
}

TEST_CASE("the downward API, security profiles, mount options and host aliases round-trip") {
  absl::StatusOr<std::vector<Pod>> decoded = DecodePodManifests(R"(apiVersion: v1
kind: Pod
metadata: {name: rt}
spec:
  setHostnameAsFQDN: false
  hostAliases: [{ip: "::1", hostnames: [a, b.c]}]
  serviceAccountName: sa
  securityContext:
    fsGroupChangePolicy: Always
    seccompProfile: {type: Localhost, localhostProfile: p.json}
    appArmorProfile: {type: RuntimeDefault}
    seLinuxOptions: {user: u, level: s0}
  volumes:
  - name: info
    downwardAPI:
      items:
      - {path: name, fieldRef: {fieldPath: metadata.name}, mode: 0444}
      - {path: mem, resourceFieldRef: {containerName: app, resource: requests.memory, divisor: 1Ki}}
  containers:
  - name: app
    image: app:v1
    env:
    - {name: IP, valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}}
    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 0}}}
    volumeMounts:
    - {name: info, mountPath: /info, subPathExpr: $(IP), mountPropagation: None}
    securityContext:
      privileged: true
      procMount: Default
      seccompProfile: {type: Unconfined}
      appArmorProfile: {type: Localhost, localhostProfile: web}
      seLinuxOptions: {role: r, type: t}
)",
                                                                "rt.yaml");
  INFO(decoded.status().ToString());
  REQUIRE(decoded.ok());
  const Pod& pod = decoded->front();
  CHECK_FALSE(pod.spec.containers[0].env[1].value_from->resource_field_ref->divisor.has_value());
  const std::string json = PodToJson(pod);
  INFO("json: " << json);
  CHECK_THAT(json, Catch::Contains("\"downwardAPI\":{\"defaultMode\":420,\"items\":["));
  CHECK_THAT(json, Catch::Contains("\"procMount\":\"Default\""));
  CHECK_THAT(json,
             Catch::Contains("\"hostAliases\":[{\"hostnames\":[\"a\",\"b.c\"],\"ip\":\"::1\"}]"));
  absl::StatusOr<std::vector<Pod>> again = DecodePodManifests(json, "rt.json");
  REQUIRE(again.ok());
  CHECK(again->front().spec == pod.spec);
  CHECK(PodToJson(again->front()) == json);
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
