#include "kubelet_core/config/static_pod.h"

#include <catch2/catch.hpp>

#include "absl/strings/ascii.h"
#include "api/core/v1/manifest_decoder.h"

namespace krl {
namespace kubelet_core {
namespace config {
namespace {

corev1::Pod Decode(absl::string_view manifest) {
  absl::StatusOr<std::vector<corev1::Pod>> pods = corev1::DecodePodManifests(manifest, "m.yaml");
  REQUIRE(pods.ok());
  REQUIRE(pods->size() == 1);
  return pods->front();
}

constexpr char kWeb[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx:1.25
)";

TEST_CASE("a static pod uid is 32 hex digits that depend on the pod, the node and the file") {
  const corev1::Pod pod = Decode(kWeb);
  const std::string uid = StaticPodUid(pod, "node-1", "/pods/web.yaml");
  CHECK(uid.size() == 32);
  CHECK(uid.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(StaticPodUid(pod, "node-1", "/pods/web.yaml") == uid);
  CHECK(StaticPodUid(pod, "node-2", "/pods/web.yaml") != uid);
  CHECK(StaticPodUid(pod, "node-1", "/pods/web2.yaml") != uid);
  corev1::Pod changed = pod;
  changed.spec.containers[0].image = "nginx:1.26";
  CHECK(StaticPodUid(changed, "node-1", "/pods/web.yaml") != uid);
}

TEST_CASE("formatting, comments and key order of a manifest do not change its uid") {
  const corev1::Pod pod = Decode(kWeb);
  const corev1::Pod same = Decode(R"(# the web server
kind: Pod
apiVersion: v1
spec:
  containers:
  - {image: "nginx:1.25", name: app}
metadata: {name: web}
)");
  CHECK(StaticPodUid(same, "n", "/p/web.yaml") == StaticPodUid(pod, "n", "/p/web.yaml"));
}

TEST_CASE("the static pod defaults are the kubelet's") {
  corev1::Pod pod = Decode(kWeb);
  const std::string uid = StaticPodUid(pod, "Node-A", "/pods/web.yaml");
  ApplyStaticPodDefaults("Node-A", "/pods/web.yaml", &pod);
  CHECK(pod.metadata.uid == uid);
  CHECK(pod.metadata.name == "web-node-a");  // the node name is lower-cased in the suffix
  CHECK(pod.metadata.namespace_ == "default");
  CHECK(pod.spec.node_name == "Node-A");
  CHECK(pod.metadata.annotations.at("kubernetes.io/config.hash") == uid);
  CHECK(pod.metadata.annotations.at("kubernetes.io/config.source") == "file");
  CHECK(pod.metadata.annotations.count("kubernetes.io/config.mirror") == 0);
  CHECK(pod.status.phase == corev1::PodPhase::kPending);
}

TEST_CASE("a uid written in the manifest is kept, as the kubelet keeps it") {
  corev1::Pod pod = Decode(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  uid: 11111111-2222-3333-4444-555555555555
spec:
  containers:
  - name: app
    image: nginx:1.25
)");
  ApplyStaticPodDefaults("n", "/p/web.yaml", &pod);
  CHECK(pod.metadata.uid == "11111111-2222-3333-4444-555555555555");
  CHECK(pod.metadata.annotations.at("kubernetes.io/config.hash") == pod.metadata.uid);
}

TEST_CASE("node names that would make invalid pod names are refused") {
  CHECK(ValidateNodeName("node-1").ok());
  CHECK(ValidateNodeName("Node-1.example.com").ok());
  CHECK(ValidateNodeName("").code() == absl::StatusCode::kInvalidArgument);
  CHECK(ValidateNodeName("node_1").code() == absl::StatusCode::kInvalidArgument);
  CHECK(ValidateNodeName("-node").code() == absl::StatusCode::kInvalidArgument);
  CHECK(ValidateNodeName(std::string(254, 'a')).code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("the seen time is written like Go's RFC 3339 with nanoseconds") {
  const absl::Time t = absl::FromUnixSeconds(1767225600);
  CHECK(FormatSeenTime(t) == "2026-01-01T00:00:00Z");
  CHECK(FormatSeenTime(t + absl::Milliseconds(500)) == "2026-01-01T00:00:00.5Z");
  CHECK(FormatSeenTime(t + absl::Nanoseconds(123456789)) == "2026-01-01T00:00:00.123456789Z");
}

}  // namespace
}  // namespace config
}  // namespace kubelet_core
}  // namespace krl
