// Wire compatibility of the CRI v1 schema with a real containerd, through the generated stubs
// only: if a field number or a method name were wrong, these calls would fail or come back empty.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/cri/v1/cri.h"
#include "testing/containerd/containerd_harness.h"

namespace krl {
namespace {

using ::krl::testing::containerd::ContainerdHarness;

// One containerd for every section (Catch2 re-enters the test case once per section); it is
// stopped and cleaned when the test binary exits.
ContainerdHarness* SharedHarnessOrSkip() {
  if (auto missing = ContainerdHarness::MissingPrerequisite()) {
    WARN("SKIPPED: containerd wire test needs containerd: " << *missing);
    return nullptr;
  }
  static absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start({});
  INFO((harness.ok() ? std::string() : std::string(harness.status().message())));
  REQUIRE(harness.ok());
  return harness->get();
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return context;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST_CASE("containerd answers the CRI v1 schema through the generated stubs") {
  ContainerdHarness* harness = SharedHarnessOrSkip();
  if (!harness) return;
  auto channel = grpc::CreateChannel(harness->endpoint(), grpc::InsecureChannelCredentials());
  auto runtime = cri::RuntimeService::NewStub(channel);
  auto images = cri::ImageService::NewStub(channel);

  SECTION("Version reports CRI v1") {
    cri::VersionRequest request;
    request.set_version("v1");
    cri::VersionResponse response;
    grpc::Status status = runtime->Version(Context().get(), request, &response);
    REQUIRE(status.ok());
    CHECK(response.runtime_api_version() == "v1");
    CHECK(response.runtime_name() == "containerd");
    CHECK_FALSE(response.runtime_version().empty());
  }

  SECTION("Status reports the runtime ready and both conditions") {
    cri::StatusRequest request;
    cri::StatusResponse response;
    REQUIRE(runtime->Status(Context().get(), request, &response).ok());
    bool runtime_ready = false;
    bool saw_network = false;
    for (const auto& condition : response.status().conditions()) {
      if (condition.type() == "RuntimeReady") runtime_ready = condition.status();
      if (condition.type() == "NetworkReady") saw_network = true;
    }
    CHECK(runtime_ready);
    CHECK(saw_network);
  }

  SECTION("ImageFsInfo reports the image filesystem") {
    cri::ImageFsInfoResponse response;
    REQUIRE(images->ImageFsInfo(Context().get(), cri::ImageFsInfoRequest(), &response).ok());
    REQUIRE(response.image_filesystems_size() >= 1);
    CHECK(response.image_filesystems(0).timestamp() > 0);
    CHECK_FALSE(response.image_filesystems(0).fs_id().mountpoint().empty());
  }

  SECTION("ListImages sees the imported test images with ids and sizes") {
    cri::ListImagesResponse response;
    REQUIRE(images->ListImages(Context().get(), cri::ListImagesRequest(), &response).ok());
    std::vector<std::string> tags;
    for (const auto& image : response.images()) {
      CHECK(image.id().rfind("sha256:", 0) == 0);
      CHECK(image.size() > 0);
      for (const auto& tag : image.repo_tags()) tags.push_back(tag);
    }
    CHECK(std::find(tags.begin(), tags.end(), harness->pause_image()) != tags.end());
    CHECK(std::find(tags.begin(), tags.end(), harness->busybox_image()) != tags.end());
  }

  SECTION("a host-network pod runs a container to completion and its log holds the output") {
    char log_dir_template[] = "/tmp/krl-wire-logs-XXXXXX";
    REQUIRE(mkdtemp(log_dir_template) != nullptr);
    const std::string log_dir = log_dir_template;

    cri::PodSandboxConfig pod;
    pod.mutable_metadata()->set_name("wire");
    pod.mutable_metadata()->set_namespace_("default");
    pod.mutable_metadata()->set_uid("wire-uid-1");
    pod.mutable_metadata()->set_attempt(0);
    pod.set_log_directory(log_dir);
    pod.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
        cri::NamespaceMode::NODE);

    cri::RunPodSandboxRequest run;
    *run.mutable_config() = pod;
    cri::RunPodSandboxResponse ran;
    grpc::Status status = runtime->RunPodSandbox(Context().get(), run, &ran);
    INFO(status.error_message() << "\n" << harness->LogTail());
    REQUIRE(status.ok());
    REQUIRE(ran.pod_sandbox_id().size() == 64);
    const std::string pod_id = ran.pod_sandbox_id();

    cri::CreateContainerRequest create;
    create.set_pod_sandbox_id(pod_id);
    *create.mutable_sandbox_config() = pod;
    cri::ContainerConfig* config = create.mutable_config();
    config->mutable_metadata()->set_name("echo");
    config->mutable_image()->set_image(harness->busybox_image());
    config->add_command("/bin/sh");
    config->add_args("-c");
    config->add_args("echo hello from the wire test");
    config->set_log_path("echo/0.log");
    cri::CreateContainerResponse created;
    status = runtime->CreateContainer(Context().get(), create, &created);
    INFO(status.error_message());
    REQUIRE(status.ok());
    const std::string container_id = created.container_id();
    REQUIRE(container_id.size() == 64);

    cri::StartContainerRequest start;
    start.set_container_id(container_id);
    cri::StartContainerResponse started;
    status = runtime->StartContainer(Context().get(), start, &started);
    INFO(status.error_message());
    REQUIRE(status.ok());

    cri::ContainerStatusResponse container_status;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      cri::ContainerStatusRequest request;
      request.set_container_id(container_id);
      container_status.Clear();
      REQUIRE(runtime->ContainerStatus(Context().get(), request, &container_status).ok());
      if (container_status.status().state() == cri::ContainerState::CONTAINER_EXITED) break;
      REQUIRE(std::chrono::steady_clock::now() < give_up);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const cri::ContainerStatus& exited = container_status.status();
    CHECK(exited.exit_code() == 0);
    CHECK(exited.reason() == "Completed");
    CHECK(exited.metadata().name() == "echo");
    CHECK(exited.created_at() > 0);
    CHECK(exited.started_at() >= exited.created_at());
    // containerd stamps started_at after the start call returns, so a process that exits at
    // once can carry a finished_at a fraction of a millisecond before it; both follow creation.
    CHECK(exited.finished_at() >= exited.created_at());
    CHECK(exited.finished_at() > exited.started_at() - 1000000000);
    CHECK(exited.log_path() == log_dir + "/echo/0.log");

    // CRI log lines: "<RFC3339Nano timestamp> stdout F hello from the wire test".
    const std::string log = ReadFile(log_dir + "/echo/0.log");
    CHECK(log.find(" stdout F hello from the wire test") != std::string::npos);

    cri::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(pod_id);
    cri::StopPodSandboxResponse stopped;
    REQUIRE(runtime->StopPodSandbox(Context().get(), stop, &stopped).ok());
    cri::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(pod_id);
    cri::RemovePodSandboxResponse removed;
    REQUIRE(runtime->RemovePodSandbox(Context().get(), remove, &removed).ok());

    cri::ListPodSandboxResponse listed;
    REQUIRE(runtime->ListPodSandbox(Context().get(), cri::ListPodSandboxRequest(), &listed).ok());
    CHECK(listed.items_size() == 0);
    std::string rm = "rm -rf " + log_dir;
    CHECK(system(rm.c_str()) == 0);
  }
}

}  // namespace
}  // namespace krl
