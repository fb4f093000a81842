// Runs the fake_cri_server binary as a user would: start, call it, SIGTERM, socket gone.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"

extern char** environ;

namespace krl {
namespace {

std::string BinaryPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  std::string root = srcdir != nullptr && workspace != nullptr
                         ? std::string(srcdir) + "/" + workspace + "/"
                         : std::string();
  return root + "tools/fake_cri_server/fake_cri_server";
}

bool Exists(const std::string& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0;
}

// Waits (real time, bounded) for the child to exit; returns its wait status or -1 on timeout.
int WaitForExit(pid_t pid, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return -1;
}

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

TEST_CASE("the fake CRI server serves seeded pods and stops cleanly on SIGTERM") {
  char pattern[] = "/tmp/krl-fcs-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  const std::string socket = dir + "/cri.sock";
  std::vector<std::string> args = {BinaryPath(),  "--listen", "unix://" + socket,
                                   "--seed-pods", "2",        "--containers-per-pod=3"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);

  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  bool connected = channel->WaitForConnected(In(20));
  if (!connected) kill(pid, SIGKILL);
  REQUIRE(connected);
  auto stub = cri::RuntimeService::NewStub(channel);

  grpc::ClientContext version_context;
  version_context.set_deadline(In(10));
  cri::VersionResponse version;
  REQUIRE(stub->Version(&version_context, cri::VersionRequest(), &version).ok());
  CHECK(version.runtime_api_version() == "v1");

  grpc::ClientContext list_context;
  list_context.set_deadline(In(10));
  cri::ListContainersRequest list;
  list.mutable_filter()->mutable_state()->set_state(cri::CONTAINER_RUNNING);
  cri::ListContainersResponse containers;
  REQUIRE(stub->ListContainers(&list_context, list, &containers).ok());
  CHECK(containers.containers_size() == 6);

  grpc::ClientContext pods_context;
  pods_context.set_deadline(In(10));
  cri::ListPodSandboxResponse pods;
  REQUIRE(stub->ListPodSandbox(&pods_context, cri::ListPodSandboxRequest(), &pods).ok());
  CHECK(pods.items_size() == 2);

  auto images = cri::ImageService::NewStub(channel);
  grpc::ClientContext images_context;
  images_context.set_deadline(In(10));
  cri::ListImagesResponse image_list;
  REQUIRE(images->ListImages(&images_context, cri::ListImagesRequest(), &image_list).ok());
  CHECK(image_list.images_size() == 1);

  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = WaitForExit(pid, absl::Seconds(20));
  if (status == -1) kill(pid, SIGKILL);
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_FALSE(Exists(socket));
  ::rmdir(dir.c_str());
}

TEST_CASE("the fake CRI server refuses to start without --listen") {
  std::vector<std::string> args = {BinaryPath()};
  std::vector<char*> argv = {args[0].data(), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  int status = WaitForExit(pid, absl::Seconds(20));
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
}

}  // namespace
}  // namespace krl
