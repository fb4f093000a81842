#include "tools/dockerless/pattern_set.h"

#include <catch2/catch.hpp>

namespace krl::tools::dockerless {
namespace {

// The real, reviewed file (a data dependency of this test).
const PatternSet& Reviewed() {
  static const PatternSet* const set = [] {
    absl::StatusOr<PatternSet> loaded = PatternSet::Load("tools/dockerless/patterns.txt");
    REQUIRE(loaded.ok());
    return new PatternSet(*std::move(loaded));
  }();
  return *set;
}

TEST_CASE("the reviewed patterns catch every Docker endpoint and API name, in any case") {
  for (const char* text :
       {"unix:///var/run/docker.sock", "/run/docker.sock", "dockerd", "DOCKERD", "dockershim",
        "/var/lib/docker/containers", "DOCKER_HOST=tcp://x:2375", "docker-containerd-shim",
        "docker-runc", "http://localhost/v1.41/containers/json?all=1", "/images/create",
        "io.kubernetes.docker.type", "com.docker.compose.project", "/etc/docker/daemon.json",
        "Docker Engine", "npipe:////./pipe/docker_engine", "/root/.docker/config.json", "moby"}) {
    INFO(text);
    CHECK_FALSE(Reviewed().Find(text).empty());
  }
}

TEST_CASE("the reviewed patterns leave CRI runtimes and the project's own word alone") {
  for (const char* text :
       {"unix:///run/containerd/containerd.sock", "/var/run/crio/crio.sock",
        "runtime.v1.RuntimeService", "dockerless: true",
        "krl::tools::dockerless::DockerlessBuild()", "DOCKERLESS",
        "//tools/dockerless_check:dockerless_check", "containers", "/var/log/containers"}) {
    INFO(text);
    CHECK(Reviewed().Find(text).empty());
  }
}

TEST_CASE("an except word covers only its own bytes") {
  absl::StatusOr<PatternSet> set =
      PatternSet::Parse("match docker\nmatch docker.sock\nexcept dockerless\n");
  REQUIRE(set.ok());
  CHECK(set->Find("dockerless").empty());
  const std::vector<PatternSet::Hit> hits = set->Find("dockerless and /run/Docker.sock");
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].offset == 20);
  CHECK(hits[0].pattern == "docker");
  CHECK(hits[1].pattern == "docker.sock");
  CHECK(PatternSet::PatternsOf(hits) == std::vector<std::string>{"docker", "docker.sock"});
}

TEST_CASE("MayMatch ignores exceptions, Find does not") {
  absl::StatusOr<PatternSet> set = PatternSet::Parse("match docker\nexcept dockerless");
  REQUIRE(set.ok());
  CHECK(set->MayMatch("Dockerless"));
  CHECK(set->Find("Dockerless").empty());
  CHECK_FALSE(set->MayMatch("containerd"));
}

TEST_CASE("malformed pattern files are refused with the line") {
  CHECK(absl::IsInvalidArgument(PatternSet::Parse("# only comments\n").status()));
  CHECK(absl::IsInvalidArgument(PatternSet::Parse("match docker\nfind x\n").status()));
  CHECK(PatternSet::Parse("match docker\nfind x\n").status().message() ==
        "line 2: expected `match <text>` or `except <text>`, got: find x");
  CHECK(absl::IsInvalidArgument(PatternSet::Parse("match docker\nmatch\n").status()));
  // An exception that contains no match would excuse nothing.
  CHECK(absl::IsInvalidArgument(PatternSet::Parse("match docker\nexcept containerd\n").status()));
  CHECK(absl::IsNotFound(PatternSet::Load("/nonexistent/patterns.txt").status()));
}

}  // namespace
}  // namespace krl::tools::dockerless
