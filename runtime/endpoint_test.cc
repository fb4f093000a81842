#include "runtime/endpoint.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"
#include "runtime/util/log.h"

namespace krl {
namespace runtime {
namespace {

TEST_CASE("unix endpoints with an absolute path are accepted as they are") {
  absl::StatusOr<std::string> target = ParseEndpoint("unix:///run/containerd/containerd.sock");
  REQUIRE(target.ok());
  CHECK(*target == "unix:///run/containerd/containerd.sock");
  CHECK(ParseEndpoint("unix:///var/run/crio/crio.sock").value() ==
        "unix:///var/run/crio/crio.sock");
}

TEST_CASE("a bare absolute path is accepted as a unix socket with a deprecation warning") {
  log::CaptureSink sink;
  absl::StatusOr<std::string> target = ParseEndpoint("/run/containerd/containerd.sock");
  REQUIRE(target.ok());
  CHECK(*target == "unix:///run/containerd/containerd.sock");
  std::vector<std::string> lines = sink.Lines();
  REQUIRE(lines.size() == 1);
  CHECK(absl::StrContains(lines[0], "deprecated"));
  CHECK(absl::StrContains(lines[0], "unix:///run/containerd/containerd.sock"));
}

TEST_CASE("the unix form logs no warning") {
  log::CaptureSink sink;
  REQUIRE(ParseEndpoint("unix:///run/x.sock").ok());
  CHECK(sink.Lines().empty());
}

TEST_CASE("endpoints that are not absolute unix sockets are refused with a clear message") {
  struct Row {
    std::string endpoint;
    std::string says;
  };
  const std::string long_path = "/" + std::string(120, 'a');
  const std::vector<Row> rows = {
      {"", "no container runtime endpoint given"},
      {"tcp://127.0.0.1:2375", "TCP endpoints are not supported"},
      {"TCP://localhost:1234", "TCP endpoints are not supported"},
      {"npipe:////./pipe/containerd-containerd", "named pipes are Windows endpoints"},
      {"http://localhost/cri", "unsupported scheme"},
      {"run/containerd/containerd.sock", "a relative path is not an endpoint"},
      {"containerd.sock", "a relative path is not an endpoint"},
      {"unix://run/containerd/containerd.sock", "absolute path (three slashes)"},
      {"unix://", "the socket path must be absolute"},
      {"unix:///run/containerd/", "names a directory"},
      {"unix://" + long_path, "unix sockets allow at most 107"},
      {long_path, "unix sockets allow at most 107"},
  };
  for (const Row& row : rows) {
    INFO("endpoint: " << row.endpoint);
    absl::StatusOr<std::string> target = ParseEndpoint(row.endpoint);
    REQUIRE_FALSE(target.ok());
    const std::string message(target.status().message());
    CHECK(target.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(message, row.says));
    CHECK(absl::StrContains(message, "--container-runtime-endpoint"));
    CHECK(absl::StrContains(message, "unix:///"));
    if (!row.endpoint.empty()) CHECK(absl::StrContains(message, "\"" + row.endpoint + "\""));
  }
}

}  // namespace
}  // namespace runtime
}  // namespace krl
