// The manifests here name Docker on purpose: they are what the scanner must find. Test binaries
// are not shipped, so the dockerless verifier does not scan them.
#include "tools/dockerless_check/pod_scanner.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"

namespace krl::tools::dockerless_check {
namespace {

// A fresh folder under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/krl-scan-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

constexpr char kSocketPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: build-agent
  namespace: ci
spec:
  containers:
  - name: agent
    image: registry.example/agent:1
    volumeMounts:
    - name: engine
      mountPath: /var/run/docker.sock
  volumes:
  - name: engine
    hostPath:
      path: /var/run/docker.sock
      type: Socket
)";

constexpr char kCleanPod[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: docker.io/library/nginx:1.25
    command: ["nginx", "-g", "daemon off;"]
    volumeMounts:
    - name: logs
      mountPath: /var/log/nginx
  volumes:
  - name: logs
    hostPath:
      path: /var/log/web
)";

std::vector<std::string> ReasonsOf(const std::string& yaml) {
  ManifestScan scan;
  ScanManifestText("pod.yaml", yaml, scan);
  REQUIRE(scan.errors.empty());
  std::vector<std::string> reasons;
  for (const PodFinding& finding : scan.findings) {
    reasons.insert(reasons.end(), finding.reasons.begin(), finding.reasons.end());
  }
  return reasons;
}

std::string PodWithContainer(const std::string& container_yaml) {
  return "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n" + container_yaml;
}

TEST_CASE("a manifest folder with a pod mounting docker.sock is flagged with file and reason") {
  TempDir dir;
  const std::string flagged = dir.Write("agent.yaml", kSocketPod);
  dir.Write("web.yaml", kCleanPod);
  dir.Write(".hidden.yaml", kSocketPod);  // the kubelet skips dot files, and so does the scan

  absl::StatusOr<ManifestScan> scan = ScanManifests(dir.path());
  REQUIRE(scan.ok());
  CHECK(scan->files == 2);
  CHECK(scan->objects == 2);
  CHECK(scan->errors.empty());
  REQUIRE(scan->findings.size() == 1);
  CHECK(scan->findings[0].file == flagged);
  CHECK(scan->findings[0].object == "Pod ci/build-agent");
  REQUIRE(scan->findings[0].reasons.size() == 1);
  CHECK(scan->findings[0].reasons[0] ==
        "volume \"engine\" mounts host path /var/run/docker.sock: the Docker Engine API socket");
}

TEST_CASE("a clean manifest folder has no findings") {
  TempDir dir;
  dir.Write("web.yaml", kCleanPod);
  absl::StatusOr<ManifestScan> scan = ScanManifests(dir.path());
  REQUIRE(scan.ok());
  CHECK(scan->files == 1);
  CHECK(scan->objects == 1);
  CHECK(scan->findings.empty());
}

TEST_CASE("JSON manifests are scanned like YAML") {
  TempDir dir;
  dir.Write("agent.json", R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "agent", "namespace": "kube-system"},
    "spec": {"containers": [{"name": "a", "image": "agent:1"}],
             "volumes": [{"name": "data", "hostPath": {"path": "/var/lib/docker/containers"}}]}})");
  absl::StatusOr<ManifestScan> scan = ScanManifests(dir.path());
  REQUIRE(scan.ok());
  REQUIRE(scan->findings.size() == 1);
  CHECK(scan->findings[0].object == "Pod kube-system/agent");
  CHECK(absl::StrContains(scan->findings[0].reasons[0],
                          "mounts host path /var/lib/docker/containers: Docker Engine's data"));
}

TEST_CASE("one manifest file can be given instead of a folder") {
  TempDir dir;
  const std::string file = dir.Write("agent.yaml", kSocketPod);
  absl::StatusOr<ManifestScan> scan = ScanManifests(file);
  REQUIRE(scan.ok());
  CHECK(scan->findings.size() == 1);
}

TEST_CASE("a missing manifest path is NotFound and a broken file is an error, not a stop") {
  CHECK(absl::IsNotFound(ScanManifests("/nonexistent/krl/manifests").status()));
  TempDir dir;
  dir.Write("broken.yaml", "kind: Pod\nspec: [unclosed\n");
  dir.Write("agent.yaml", kSocketPod);
  absl::StatusOr<ManifestScan> scan = ScanManifests(dir.path());
  REQUIRE(scan.ok());
  CHECK(scan->errors.size() == 1);
  CHECK(absl::StrContains(scan->errors[0], "broken.yaml: cannot parse"));
  CHECK(scan->findings.size() == 1);
}

TEST_CASE("host paths of the engine and of the dockershim are recognised, however spelled") {
  for (const char* path : {"/var/run/docker.sock", "/run/docker.sock", "/var//run/./docker.sock/",
                           "/var/lib/docker", "/var/lib/docker/containers", "/var/run/docker/netns",
                           "/etc/docker", "/var/run/dockershim.sock", "/var/lib/dockershim"}) {
    INFO(path);
    const std::string yaml = std::string(
                                 "kind: Pod\nspec:\n  volumes:\n  - name: v\n    hostPath:\n"
                                 "      path: ") +
                             path + "\n";
    CHECK(ReasonsOf(yaml).size() == 1);
  }
  for (const char* path : {"/var/run", "/var/lib/dockerless", "/var/log", "/var/lib/containerd",
                           "/run/containerd/containerd.sock", "/var/run/docker.socket"}) {
    INFO(path);
    const std::string yaml = std::string(
                                 "kind: Pod\nspec:\n  volumes:\n  - name: v\n    hostPath:\n"
                                 "      path: ") +
                             path + "\n";
    CHECK(ReasonsOf(yaml).empty());
  }
}

TEST_CASE("a subPath that picks docker.sock out of /var/run is flagged") {
  const std::vector<std::string> reasons = ReasonsOf(R"(kind: Pod
spec:
  containers:
  - name: c
    image: busybox
    volumeMounts:
    - {name: run, mountPath: /engine.sock, subPath: docker.sock}
  volumes:
  - name: run
    hostPath: {path: /var/run}
)");
  REQUIRE(reasons.size() == 1);
  CHECK(absl::StrContains(reasons[0], "container \"c\" mounts host path /var/run/docker.sock"));
}

TEST_CASE("containers that run the docker CLI are flagged, by command, args or shell line") {
  CHECK(ReasonsOf(PodWithContainer("  - name: c\n    image: busybox\n    command: [docker, ps]\n"))
            .size() == 1);
  CHECK(ReasonsOf(
            PodWithContainer(
                "  - name: c\n    image: alpine\n    command: [/bin/sh, -c]\n"
                "    args: ['while true; do /usr/bin/docker system prune -f; sleep 60; done']\n"))
            .size() == 1);
  CHECK(
      ReasonsOf(PodWithContainer("  - name: c\n    image: x\n    args: ['$(docker-compose up)']\n"))
          .size() == 1);
  CHECK(ReasonsOf(PodWithContainer("  - name: c\n    image: x\n    command: [curl, --unix-socket, "
                                   "/var/run/docker.sock, http://localhost/containers/json]\n"))
            .size() == 1);
  // Words that merely contain the name are not the program.
  CHECK(ReasonsOf(PodWithContainer(
                      "  - name: c\n    image: x\n    command: [echo, dockerless, mydocker]\n"))
            .empty());
}

TEST_CASE("client images are flagged and images merely hosted on Docker Hub are not") {
  for (const char* image : {"docker:24-cli", "docker:dind", "docker", "library/docker:latest",
                            "docker.io/library/docker:27", "docker/compose:1.29",
                            "mirror.example:5000/library/docker@sha256:0123"}) {
    INFO(image);
    CHECK(ReasonsOf(PodWithContainer(std::string("  - name: c\n    image: ") + image + "\n"))
              .size() == 1);
  }
  for (const char* image :
       {"docker.io/library/nginx:1.25", "nginx", "registry.example/docker-tools",
        "ghcr.io/example/dockerize:1", "localhost:5000/app"}) {
    INFO(image);
    CHECK(ReasonsOf(PodWithContainer(std::string("  - name: c\n    image: ") + image + "\n"))
              .empty());
  }
}

TEST_CASE("DOCKER_HOST is flagged without printing its value") {
  const std::vector<std::string> reasons =
      ReasonsOf(PodWithContainer("  - name: c\n    image: x\n    env:\n    - {name: DOCKER_HOST, "
                                 "value: tcp://secret:2376}\n"));
  REQUIRE(reasons.size() == 1);
  CHECK(reasons[0] == "container \"c\" sets DOCKER_HOST");
}

TEST_CASE("pod templates of workloads, CronJobs, Lists and init containers are scanned") {
  ManifestScan scan;
  ScanManifestText("all.yaml", R"(kind: DaemonSet
metadata: {name: logs, namespace: kube-system}
spec:
  template:
    spec:
      containers: [{name: c, image: x}]
      volumes: [{name: d, hostPath: {path: /var/lib/docker/containers}}]
---
kind: CronJob
metadata: {name: prune}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: i, image: 'docker:cli'}]
          containers: [{name: c, image: x}]
---
kind: List
items:
- kind: Pod
  metadata: {name: one}
  spec: {containers: [{name: c, image: x, command: [dockerd]}]}
- kind: Pod
  metadata: {name: two}
  spec: {containers: [{name: c, image: x}]}
---
kind: ConfigMap
metadata: {name: not-a-pod}
data: {script: docker ps}
)",
                   scan);
  CHECK(scan.errors.empty());
  CHECK(scan.objects == 4);
  REQUIRE(scan.findings.size() == 3);
  CHECK(scan.findings[0].object == "DaemonSet kube-system/logs");
  CHECK(scan.findings[1].object == "CronJob default/prune");
  CHECK(absl::StrContains(scan.findings[1].reasons[0], "container \"i\" uses image docker:cli"));
  CHECK(scan.findings[2].object == "Pod default/one");
}

TEST_CASE("host paths are normalized") {
  CHECK(NormalizeHostPath("/var//run/./docker.sock/") == "/var/run/docker.sock");
  CHECK(NormalizeHostPath("/var/lib/../run/x") == "/var/run/x");
  CHECK(NormalizeHostPath("/") == "/");
  CHECK(NormalizeHostPath("relative/x") == "/relative/x");
}

}  // namespace
}  // namespace krl::tools::dockerless_check
