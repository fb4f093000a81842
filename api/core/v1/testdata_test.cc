// Decodes the realistic manifests in testdata/ as the static pod source will, and checks that
// each bad one gets exactly the error a person would need to fix it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/core/v1/json_encoder.h"
#include "api/core/v1/manifest_decoder.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

// Tests run in the runfiles tree, whose root is the workspace.
const std::string kTestdata = "api/core/v1/testdata/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in.good());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<Pod> DecodeFile(const std::string& name) {
  absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(ReadFile(kTestdata + name), name);
  INFO("file " << name << ": " << pods.status().ToString());
  REQUIRE(pods.ok());
  return *pods;
}

const Container& Named(const std::vector<Container>& containers, const std::string& name) {
  for (const Container& c : containers) {
    if (c.name == name) return c;
  }
  FAIL("no container " << name);
  return containers.front();
}

TEST_CASE("the web pod decodes with its volumes, resources, probes and hook") {
  std::vector<Pod> pods = DecodeFile("web.yaml");
  REQUIRE(pods.size() == 1);
  const Pod& pod = pods[0];
  CHECK(pod.metadata.name == "web");
  CHECK(pod.metadata.namespace_ == "edge");
  CHECK(pod.metadata.labels.at("app.kubernetes.io/part-of") == "storefront");
  CHECK(pod.metadata.annotations.at("example.com/owner") == "platform team <platform@example.com>");
  CHECK(pod.spec.termination_grace_period_seconds == 45);
  REQUIRE(pod.spec.volumes.size() == 2);
  CHECK(pod.spec.volumes[0].host_path->type == HostPathType::kDirectory);
  CHECK(*pod.spec.volumes[1].empty_dir->size_limit->Value() == 256LL << 20);
  const Container& nginx = pod.spec.containers.at(0);
  CHECK(EffectivePullPolicy(nginx) == PullPolicy::kIfNotPresent);
  CHECK(nginx.ports.at(0).host_port == 8080);
  CHECK(nginx.env.at(0).value == "2");
  CHECK(*nginx.resources.requests.cpu->MilliValue() == 250);
  CHECK(*nginx.resources.limits.cpu->MilliValue() == 1000);
  CHECK(*nginx.resources.limits.memory->Value() == 512LL << 20);
  CHECK(*nginx.resources.limits.ephemeral_storage->Value() == 1LL << 30);
  CHECK(nginx.volume_mounts.at(0).read_only);
  CHECK(nginx.readiness_probe->http_get->port.string_value == "http");
  CHECK(nginx.readiness_probe->period_seconds == 5);
  CHECK(nginx.liveness_probe->http_get->port.int_value == 80);
  CHECK(nginx.liveness_probe->http_get->http_headers.at(0).value == "liveness");
  CHECK(nginx.liveness_probe->failure_threshold == 5);
  CHECK(nginx.liveness_probe->timeout_seconds == 1);
  CHECK(nginx.lifecycle->pre_stop->exec->command ==
        std::vector<std::string>{"nginx", "-s", "quit"});
}

TEST_CASE("the worker pod has an init container, a sidecar and an app, in order") {
  std::vector<Pod> pods = DecodeFile("init-sidecar.yaml");
  REQUIRE(pods.size() == 1);
  const PodSpec& spec = pods[0].spec;
  CHECK(spec.restart_policy == RestartPolicy::kOnFailure);
  REQUIRE(spec.init_containers.size() == 2);
  CHECK_FALSE(IsSidecar(spec.init_containers[0]));
  CHECK(spec.init_containers[0].args.at(0) == "echo \"mode=batch\" > /work/config\necho done\n");
  CHECK(IsSidecar(spec.init_containers[1]));
  CHECK(spec.init_containers[1].startup_probe->failure_threshold == 30);
  REQUIRE(spec.containers.size() == 1);
  CHECK(spec.containers[0].termination_message_policy ==
        TerminationMessagePolicy::kFallbackToLogsOnError);
  CHECK(spec.volumes[0].empty_dir->medium == StorageMedium::kDefault);
}

TEST_CASE("the probes pod has one probe of each handler kind") {
  std::vector<Pod> pods = DecodeFile("probes.yaml");
  REQUIRE(pods.size() == 1);
  const std::vector<Container>& containers = pods[0].spec.containers;
  const Probe& exec = *Named(containers, "exec").liveness_probe;
  CHECK(exec.exec->command == std::vector<std::string>{"cat", "/tmp/healthy"});
  CHECK(exec.initial_delay_seconds == 5);
  const Container& http = Named(containers, "http");
  CHECK(http.readiness_probe->http_get->scheme == URIScheme::kHTTPS);
  CHECK(http.readiness_probe->http_get->port.string_value == "https");
  CHECK(http.liveness_probe->timeout_seconds == 3);
  CHECK(http.liveness_probe->termination_grace_period_seconds == 10);
  const Container& tcp = Named(containers, "tcp");
  CHECK(tcp.startup_probe->tcp_socket->port.int_value == 6379);
  CHECK(tcp.startup_probe->period_seconds == 2);
  CHECK(tcp.liveness_probe->period_seconds == 10);
  const Container& grpc = Named(containers, "grpc");
  CHECK(grpc.readiness_probe->grpc->port == 9090);
  CHECK(grpc.readiness_probe->grpc->service == std::string("readiness"));
  CHECK(grpc.readiness_probe->success_threshold == 2);
}

TEST_CASE("the multi-document file gives its three pods and skips the empty document") {
  std::vector<Pod> pods = DecodeFile("multi.yaml");
  REQUIRE(pods.size() == 3);
  CHECK(pods[0].metadata.name == "first");
  CHECK(pods[0].spec.containers[0].command == std::vector<std::string>{"sleep", "3600"});
  CHECK(pods[1].metadata.namespace_ == "batch");
  CHECK(pods[1].spec.restart_policy == RestartPolicy::kNever);
  CHECK(pods[2].spec.host_network);
  CHECK(pods[2].spec.dns_policy == DNSPolicy::kClusterFirstWithHostNet);
}

TEST_CASE("the JSON router pod decodes, numbers and all") {
  std::vector<Pod> pods = DecodeFile("router.json");
  REQUIRE(pods.size() == 1);
  const Pod& pod = pods[0];
  CHECK(pod.metadata.namespace_ == "kube-system");
  CHECK(pod.spec.priority == 2000001000);
  CHECK(pod.spec.dns_policy == DNSPolicy::kDefault);
  CHECK(pod.spec.security_context.run_as_user == 65532);
  CHECK(pod.spec.security_context.sysctls.at(0).value == "0");
  CHECK(pod.spec.volumes.at(1).host_path->type == HostPathType::kSocket);
  const Container& router = pod.spec.containers.at(0);
  CHECK(EffectivePullPolicy(router) == PullPolicy::kIfNotPresent);  // pinned by digest
  CHECK(*router.resources.requests.cpu->MilliValue() == 100);
  CHECK(*router.resources.limits.memory->Value() == 134217728);
  CHECK(router.liveness_probe->tcp_socket->port.string_value == "https");
  CHECK(router.security_context->capabilities->add == std::vector<std::string>{"NET_BIND_SERVICE"});
}

TEST_CASE("every good manifest survives a JSON round trip unchanged") {
  for (const char* name :
       {"web.yaml", "init-sidecar.yaml", "probes.yaml", "multi.yaml", "router.json"}) {
    INFO("file " << name);
    for (const Pod& pod : DecodeFile(name)) {
      absl::StatusOr<std::vector<Pod>> again = DecodePodManifests(PodToJson(pod), "again.json");
      REQUIRE(again.ok());
      CHECK(SpecEquals(again->at(0), pod));
    }
  }
}

// Every file in testdata/bad and the one error it must produce.
const std::map<std::string, std::string>& BadManifests() {
  static const std::map<std::string, std::string> expected = {
      {"bad/quantity.yaml",
       "bad/quantity.yaml:14: spec.containers[1].resources.limits.memory: invalid quantity "
       "\"12Gx\": unknown suffix \"Gx\" (want one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an "
       "exponent like e3)"},
      {"bad/missing-image.yaml",
       "bad/missing-image.yaml:7: spec.containers[0].image: must not be empty"},
      {"bad/duplicate-names.yaml",
       "bad/duplicate-names.yaml:12: spec.containers[1].name: duplicate container name "
       "\"setup\" (already used by spec.initContainers[0])"},
      {"bad/negative-grace.yaml",
       "bad/negative-grace.yaml:6: spec.terminationGracePeriodSeconds: must be between 0 and "
       "4294967295, inclusive (got -5)"},
      {"bad/pull-policy.yaml",
       "bad/pull-policy.yaml:9: spec.containers[0].imagePullPolicy: unsupported value "
       "\"Sometimes\" (supported: \"Always\", \"IfNotPresent\", \"Never\")"},
      {"bad/env-number.yaml",
       "bad/env-number.yaml:11: spec.containers[0].env[0].value: expected a string, got the "
       "number 8080 (quote it to make it a string)"},
      {"bad/containers-string.yaml",
       "bad/containers-string.yaml:6: spec.containers: expected a list, got the string "
       "\"nginx\""},
      {"bad/syntax.yaml",
       "bad/syntax.yaml:10: invalid YAML: end of sequence flow not found (column 5)"},
      {"bad/kind.yaml",
       "bad/kind.yaml:2: kind: unsupported value \"Deployment\": want \"Pod\" (or \"PodList\")"},
      {"bad/second-document.yaml",
       "bad/second-document.yaml:19: spec.containers[0].ports[0].containerPort: must be between "
       "1 and 65535, inclusive (got 70000)"},
      {"bad/value-from.yaml",
       "bad/value-from.yaml:12: spec.containers[0].env[0].valueFrom.secretKeyRef: not "
       "supported here: secrets need an API server; use a literal value"},
      {"bad/unknown-field.yaml",
       "bad/unknown-field.yaml:9: spec.containers[0].imagePullPolicyy: unknown field "
       "\"imagePullPolicyy\" (did you mean \"imagePullPolicy\"?)"},
      {"bad/two-handlers.yaml",
       "bad/two-handlers.yaml:9: spec.containers[0].livenessProbe: may not specify more than "
       "one handler"},
      {"bad/undeclared-volume.yaml",
       "bad/undeclared-volume.yaml:15: spec.containers[0].volumeMounts[1].name: volume \"logs\" "
       "is not declared in spec.volumes"},
      {"bad/sidecar-policy.yaml",
       "bad/sidecar-policy.yaml:9: spec.initContainers[0].restartPolicy: unsupported value "
       "\"OnFailure\" (supported: \"Always\")"},
      {"bad/port-range.json",
       "bad/port-range.json:12: spec.containers[0].ports[1].containerPort: expected an integer, "
       "got the string \"9090\""},
      {"bad/bad-name.json",
       "bad/bad-name.json:5: metadata.name: pod name \"Web_Server\" must be a lower-case RFC "
       "1123 subdomain: labels of lower-case letters, digits and '-', separated by '.', starting "
       "and ending with a letter or digit, at most 253 characters"},
  };
  return expected;
}

TEST_CASE("each bad manifest gets one error naming its file, line and field") {
  for (const auto& [name, message] : BadManifests()) {
    INFO("file " << name);
    absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(ReadFile(kTestdata + name), name);
    REQUIRE_FALSE(pods.ok());
    CHECK(pods.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(pods.status().message() == message);
  }
}

TEST_CASE("every file in testdata/bad has an expected error in the table") {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kTestdata + "bad")) {
    files.insert("bad/" + entry.path().filename().string());
  }
  std::set<std::string> listed;
  for (const auto& entry : BadManifests()) listed.insert(entry.first);
  CHECK(files == listed);
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
