#include "tools/dockerless_check/migration_check.h"

#include <grpcpp/grpcpp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/cri/v1/cri.h"

namespace krl::tools::dockerless_check {
namespace {

// A fresh short folder under /tmp (socket paths must stay under 108 bytes), removed at the end.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/krl-dlc-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The smallest CRI runtime: only Version is implemented.
class VersionOnlyRuntime final : public cri::RuntimeService::Service {
 public:
  grpc::Status Version(grpc::ServerContext*, const cri::VersionRequest* request,
                       cri::VersionResponse* response) override {
    response->set_version(request->version());
    response->set_runtime_name("fake-runtime");
    response->set_runtime_version("1.2.3");
    response->set_runtime_api_version("v1");
    return grpc::Status::OK;
  }
};

// Serves VersionOnlyRuntime on a unix socket until destroyed.
class FakeRuntimeServer {
 public:
  explicit FakeRuntimeServer(const std::string& socket_path) : socket_path_(socket_path) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix://" + socket_path, grpc::InsecureServerCredentials());
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~FakeRuntimeServer() { server_->Shutdown(); }
  std::string endpoint() const { return "unix://" + socket_path_; }

 private:
  std::string socket_path_;
  VersionOnlyRuntime service_;
  std::unique_ptr<grpc::Server> server_;
};

// A unix socket that exists but is never listened on: connecting is refused.
void BindDeadSocket(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(address.sun_path));
  path.copy(address.sun_path, path.size());
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  close(fd);
}

// Runs MigrationCheckMain on a command line.
struct Run {
  int code = -1;
  std::string out;
  std::string err;
};
Run RunMain(std::vector<std::string> args) {
  args.insert(args.begin(), "dockerless_check");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  std::ostringstream out;
  std::ostringstream err;
  Run run;
  run.code = MigrationCheckMain(static_cast<int>(argv.size()), argv.data(), out, err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

CheckOptions EndpointOnly(const std::string& endpoint) {
  CheckOptions options;
  options.endpoints = {endpoint};
  options.well_known = false;
  options.timeout = absl::Seconds(2);
  return options;
}

TEST_CASE("a fake runtime given with --endpoint is found and suggested") {
  TempDir dir;
  FakeRuntimeServer server(dir.path() + "/cri.sock");
  const CheckReport report = RunMigrationCheck(EndpointOnly(server.endpoint()));
  REQUIRE(report.runtimes.size() == 1);
  const RuntimeProbe& probe = report.runtimes[0].probe;
  CHECK(probe.answered);
  CHECK(probe.runtime_name == "fake-runtime");
  CHECK(probe.runtime_version == "1.2.3");
  CHECK(probe.runtime_api_version == "v1");
  CHECK(report.container_runtime_endpoint == server.endpoint());
  CHECK(report.attention.empty());
  CHECK(report.ok());
}

TEST_CASE("the command line finds the fake runtime, prints the endpoint to use and exits 0") {
  TempDir dir;
  FakeRuntimeServer server(dir.path() + "/cri.sock");
  const Run run = RunMain({"--endpoint", dir.path() + "/cri.sock", "--well-known=false"});
  CHECK(run.code == 0);
  CHECK(absl::StrContains(run.out, "answers: fake-runtime 1.2.3 (CRI v1)"));
  CHECK(absl::StrContains(run.out, "use: --container-runtime-endpoint=" + server.endpoint()));
  CHECK(absl::StrContains(run.out, "result: ready"));
}

TEST_CASE("a socket that does not answer needs attention") {
  TempDir dir;
  BindDeadSocket(dir.path() + "/dead.sock");
  CheckOptions options = EndpointOnly("unix://" + dir.path() + "/dead.sock");
  options.timeout = absl::Seconds(1);
  const CheckReport report = RunMigrationCheck(options);
  REQUIRE(report.runtimes.size() == 1);
  CHECK(report.runtimes[0].probe.present);
  CHECK(report.runtimes[0].probe.is_socket);
  CHECK_FALSE(report.runtimes[0].probe.answered);
  CHECK(report.container_runtime_endpoint.empty());
  CHECK_FALSE(report.ok());
  CHECK(report.attention.size() == 2);  // the endpoint itself, and no runtime at all
}

TEST_CASE("a missing --endpoint and a file that is not a socket are reported as such") {
  TempDir dir;
  std::ofstream(dir.path() + "/plain") << "x";
  CheckOptions options = EndpointOnly("unix://" + dir.path() + "/missing.sock");
  options.endpoints.push_back("unix://" + dir.path() + "/plain");
  const CheckReport report = RunMigrationCheck(options);
  REQUIRE(report.runtimes.size() == 2);
  CHECK(report.runtimes[0].probe.error == "not present");
  CHECK(report.runtimes[1].probe.error == "exists but is not a socket");
  CHECK_FALSE(report.ok());
}

TEST_CASE("well-known sockets are probed under --host-root and named by their runtime") {
  TempDir root;
  std::filesystem::create_directories(root.path() + "/run/containerd");
  FakeRuntimeServer server(root.path() + "/run/containerd/containerd.sock");
  CheckOptions options;
  options.host_root = root.path();
  const CheckReport report = RunMigrationCheck(options);
  REQUIRE(report.runtimes.size() == 3);
  CHECK(report.runtimes[0].runtime == "containerd");
  CHECK(report.runtimes[0].probe.answered);
  // The endpoint is the node's path, as the kubelet on the node must be given it.
  CHECK(report.container_runtime_endpoint == "unix:///run/containerd/containerd.sock");
  CHECK_FALSE(report.runtimes[1].probe.present);
  CHECK_FALSE(report.runtimes[2].probe.present);
  CHECK(report.ok());
}

TEST_CASE("an endpoint given twice, or also well known, is probed once") {
  TempDir root;
  std::filesystem::create_directories(root.path() + "/run/containerd");
  FakeRuntimeServer server(root.path() + "/run/containerd/containerd.sock");
  CheckOptions options;
  options.host_root = root.path();
  options.endpoints = {server.endpoint(), server.endpoint()};
  const CheckReport report = RunMigrationCheck(options);
  CHECK(report.runtimes.size() == 3);  // the endpoint, then CRI-O and cri-dockerd
  CHECK(report.runtimes[0].runtime == "--endpoint");
  CHECK(report.notes.size() == 1);  // manifests not scanned; no "several runtimes" note
}

TEST_CASE("a manifest folder with a pod mounting docker.sock makes the exit status 1") {
  TempDir dir;
  FakeRuntimeServer server(dir.path() + "/cri.sock");
  std::filesystem::create_directories(dir.path() + "/manifests");
  std::ofstream(dir.path() + "/manifests/agent.yaml")
      << "kind: Pod\nmetadata: {name: agent}\nspec:\n  containers: [{name: a, image: x}]\n"
         "  volumes: [{name: s, hostPath: {path: /var/run/docker.sock}}]\n";
  std::ofstream(dir.path() + "/manifests/web.yaml")
      << "kind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: w, image: nginx}]\n";

  const Run run = RunMain({"--endpoint=" + server.endpoint(), "--well-known=false",
                           "--pod-manifest-path=" + dir.path() + "/manifests"});
  CHECK(run.code == 1);
  CHECK(absl::StrContains(run.out, "2 files, 2 pods, 1 need changes"));
  CHECK(absl::StrContains(run.out, dir.path() + "/manifests/agent.yaml: Pod default/agent"));
  CHECK(absl::StrContains(run.out, "mounts host path /var/run/docker.sock"));
  CHECK(absl::StrContains(run.out, "result: 1 things need attention"));

  std::filesystem::remove(dir.path() + "/manifests/agent.yaml");
  const Run clean = RunMain({"--endpoint=" + server.endpoint(), "--well-known=false",
                             "--pod-manifest-path=" + dir.path() + "/manifests"});
  CHECK(clean.code == 0);
  CHECK(absl::StrContains(clean.out, "1 files, 1 pods, 0 need changes"));
}

TEST_CASE("-o json gives one object scripts can read") {
  TempDir dir;
  FakeRuntimeServer server(dir.path() + "/cri.sock");
  std::filesystem::create_directories(dir.path() + "/m");
  std::ofstream(dir.path() + "/m/a.yaml")
      << "kind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: 'docker:cli'}]\n";
  const Run run = RunMain({"--endpoint", server.endpoint(), "--well-known=false", "-o", "json",
                           "--pod-manifest-path", dir.path() + "/m"});
  CHECK(run.code == 1);
  CHECK(absl::StartsWith(run.out, "{\n  \"runtimes\": [\n    {\"runtime\": \"--endpoint\""));
  CHECK(absl::StrContains(run.out, "\"answered\": true"));
  CHECK(absl::StrContains(run.out, "\"runtime_name\": \"fake-runtime\""));
  CHECK(
      absl::StrContains(run.out, "\"container_runtime_endpoint\": \"" + server.endpoint() + "\""));
  CHECK(absl::StrContains(
      run.out, "\"manifests\": {\"path\": \"" + dir.path() + "/m\", \"files\": 1, \"pods\": 1}"));
  CHECK(absl::StrContains(run.out, "\"object\": \"Pod default/a\""));
  CHECK(absl::StrContains(run.out, "\"ok\": false"));
  CHECK(absl::EndsWith(run.out, "}\n"));
}

TEST_CASE("bad usage exits 2 with the usage text; --help exits 0") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--bogus"},
                                               {"--endpoint=tcp://127.0.0.1:1"},
                                               {"--endpoint=relative.sock"},
                                               {"-o", "yaml"},
                                               {"--timeout=soon"},
                                               {"--endpoint"},
                                               {"--host-root=relative"}}) {
    INFO(args[0]);
    const Run run = RunMain(args);
    CHECK(run.code == 2);
    CHECK(absl::StrContains(run.err, "usage: dockerless_check"));
  }
  const Run help = RunMain({"--help"});
  CHECK(help.code == 0);
  CHECK(absl::StartsWith(help.out, "usage: dockerless_check"));
}

TEST_CASE("endpoints are normalized to unix:///path") {
  CHECK(*NormalizeEndpoint("/run/x.sock") == "unix:///run/x.sock");
  CHECK(*NormalizeEndpoint("unix:///run/x.sock") == "unix:///run/x.sock");
  CHECK_FALSE(NormalizeEndpoint("npipe:////./pipe/x").ok());
  CHECK(EndpointPath("unix:///run/x.sock") == "/run/x.sock");
}

}  // namespace
}  // namespace krl::tools::dockerless_check
