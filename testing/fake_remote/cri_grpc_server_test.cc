#include "testing/fake_remote/cri_grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "api/cri/v1/cri.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace testing {
namespace {

constexpr char kImage[] = "registry.example/app:1.0";

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/krl-cri-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string path;
};

bool Exists(const std::string& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0;
}

// Polls `predicate` until it holds or `timeout` passes; returns whether it held.
template <typename Predicate>
bool WaitUntil(Predicate predicate, absl::Duration timeout = absl::Seconds(10)) {
  absl::Time deadline = absl::Now() + timeout;
  while (!predicate()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// Fakes served on a socket in a fresh temporary folder, with connected stubs.
struct Served {
  Served() : images(clock), runtime(clock, &images), server(&runtime, &images) {
    REQUIRE(server.Start("unix://" + dir.path + "/cri.sock").ok());
    auto channel = grpc::CreateChannel(server.endpoint(), grpc::InsecureChannelCredentials());
    runtime_stub = cri::RuntimeService::NewStub(channel);
    image_stub = cri::ImageService::NewStub(channel);
  }

  TempDir dir;
  FakeClock clock;
  FakeImageService images;
  FakeRuntimeService runtime;
  CriGrpcServer server;
  std::unique_ptr<cri::RuntimeService::Stub> runtime_stub;
  std::unique_ptr<cri::ImageService::Stub> image_stub;
};

TEST_CASE("a full pod lifecycle round-trips through the generated stubs") {
  Served s;
  auto& rs = *s.runtime_stub;

  cri::VersionResponse version;
  REQUIRE(rs.Version(Context().get(), cri::VersionRequest(), &version).ok());
  CHECK(version.runtime_api_version() == "v1");

  cri::PullImageRequest pull;
  pull.mutable_image()->set_image(kImage);
  cri::PullImageResponse pulled;
  REQUIRE(s.image_stub->PullImage(Context().get(), pull, &pulled).ok());

  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("web");
  run.mutable_config()->mutable_metadata()->set_namespace_("default");
  run.mutable_config()->mutable_metadata()->set_uid("u1");
  cri::RunPodSandboxResponse sandbox;
  REQUIRE(rs.RunPodSandbox(Context().get(), run, &sandbox).ok());

  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("app");
  create.mutable_config()->mutable_image()->set_image(kImage);
  *create.mutable_sandbox_config() = run.config();
  cri::CreateContainerResponse created;
  REQUIRE(rs.CreateContainer(Context().get(), create, &created).ok());

  cri::StartContainerRequest start;
  start.set_container_id(created.container_id());
  cri::StartContainerResponse started;
  REQUIRE(rs.StartContainer(Context().get(), start, &started).ok());

  cri::ContainerStatusRequest status_request;
  status_request.set_container_id(created.container_id());
  cri::ContainerStatusResponse status;
  REQUIRE(rs.ContainerStatus(Context().get(), status_request, &status).ok());
  CHECK(status.status().state() == cri::CONTAINER_RUNNING);
  CHECK(status.status().image_id() == pulled.image_ref());

  s.runtime.ScriptExec({"echo", "hi"}, {"hi\n", "", 0});
  cri::ExecSyncRequest exec;
  exec.set_container_id(created.container_id());
  exec.add_cmd("echo");
  exec.add_cmd("hi");
  cri::ExecSyncResponse exec_result;
  REQUIRE(rs.ExecSync(Context().get(), exec, &exec_result).ok());
  CHECK(exec_result.stdout() == "hi\n");

  cri::ListContainersResponse list;
  REQUIRE(rs.ListContainers(Context().get(), cri::ListContainersRequest(), &list).ok());
  CHECK(list.containers_size() == 1);

  cri::StopContainerRequest stop;
  stop.set_container_id(created.container_id());
  cri::StopContainerResponse stopped;
  REQUIRE(rs.StopContainer(Context().get(), stop, &stopped).ok());
  cri::RemoveContainerRequest remove;
  remove.set_container_id(created.container_id());
  cri::RemoveContainerResponse removed;
  REQUIRE(rs.RemoveContainer(Context().get(), remove, &removed).ok());
  cri::StopPodSandboxRequest stop_pod;
  stop_pod.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  cri::StopPodSandboxResponse stopped_pod;
  REQUIRE(rs.StopPodSandbox(Context().get(), stop_pod, &stopped_pod).ok());
  cri::RemovePodSandboxRequest remove_pod;
  remove_pod.set_pod_sandbox_id(sandbox.pod_sandbox_id());
  cri::RemovePodSandboxResponse removed_pod;
  REQUIRE(rs.RemovePodSandbox(Context().get(), remove_pod, &removed_pod).ok());

  CHECK(s.runtime
            .AssertCalls({"Version", "RunPodSandbox", "CreateContainer", "StartContainer",
                          "ContainerStatus", "ExecSync", "ListContainers", "StopContainer",
                          "RemoveContainer", "StopPodSandbox", "RemovePodSandbox"})
            .ok());
  CHECK(s.runtime.SandboxIds().empty());
}

TEST_CASE("error codes and messages are preserved end to end") {
  Served s;
  cri::ContainerStatusRequest request;
  request.set_container_id("missing");
  cri::ContainerStatusResponse response;
  grpc::Status status = s.runtime_stub->ContainerStatus(Context().get(), request, &response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(status.error_message() ==
        "an error occurred when try to find container \"missing\": not found");

  for (absl::Status injected :
       {absl::UnavailableError("restarting"), absl::DeadlineExceededError("slow"),
        absl::InvalidArgumentError("bad"), absl::ResourceExhaustedError("full"),
        absl::UnimplementedError("no"), absl::FailedPreconditionError("state")}) {
    s.runtime.InjectError("Version", injected);
    cri::VersionResponse version;
    grpc::Status answer = s.runtime_stub->Version(Context().get(), cri::VersionRequest(), &version);
    CHECK(static_cast<int>(answer.error_code()) == static_cast<int>(injected.code()));
    CHECK(answer.error_message() == injected.message());
  }
  s.images.InjectError("ImageFsInfo", absl::PermissionDeniedError("denied"));
  cri::ImageFsInfoResponse info;
  CHECK(s.image_stub->ImageFsInfo(Context().get(), cri::ImageFsInfoRequest(), &info).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
}

TEST_CASE("server-streaming list RPCs deliver every message") {
  Served s;
  REQUIRE(s.images.AddImage({kImage}).ok());
  REQUIRE(s.images.AddImage({"registry.example/other:1"}).ok());
  auto context = Context();
  auto reader = s.image_stub->StreamImages(context.get(), cri::StreamImagesRequest());
  cri::StreamImagesResponse message;
  int images = 0;
  while (reader->Read(&message)) images += message.images_size();
  CHECK(reader->Finish().ok());
  CHECK(images == 2);

  s.runtime.InjectError("StreamContainers", absl::UnavailableError("down"));
  auto context2 = Context();
  auto failing = s.runtime_stub->StreamContainers(context2.get(), cri::StreamContainersRequest());
  cri::StreamContainersResponse ignored;
  while (failing->Read(&ignored)) {
  }
  CHECK(failing->Finish().error_code() == grpc::StatusCode::UNAVAILABLE);
}

TEST_CASE("the event stream delivers events and ends when the client cancels") {
  Served s;
  grpc::ClientContext context;
  auto reader = s.runtime_stub->GetContainerEvents(&context, cri::GetEventsRequest());
  REQUIRE(s.runtime.WaitForEventSubscribers(1));
  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("web");
  REQUIRE(s.runtime.RunPodSandbox(run).ok());
  cri::ContainerEventResponse event;
  REQUIRE(reader->Read(&event));
  CHECK(event.container_event_type() == cri::CONTAINER_CREATED_EVENT);
  REQUIRE(reader->Read(&event));
  CHECK(event.container_event_type() == cri::CONTAINER_STARTED_EVENT);
  CHECK(s.server.open_event_streams() == 1);
  context.TryCancel();
  while (reader->Read(&event)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::CANCELLED);
  CHECK(WaitUntil([&] { return s.server.open_event_streams() == 0; }));
  CHECK(WaitUntil([&] { return s.runtime.EventSubscriberCount() == 0; }));
}

TEST_CASE("a broken event stream reaches the client with its code") {
  Served s;
  grpc::ClientContext context;
  auto reader = s.runtime_stub->GetContainerEvents(&context, cri::GetEventsRequest());
  REQUIRE(s.runtime.WaitForEventSubscribers(1));
  s.runtime.BreakEventStreams(absl::UnavailableError("containerd restarted"));
  cri::ContainerEventResponse event;
  while (reader->Read(&event)) {
  }
  grpc::Status status = reader->Finish();
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(status.error_message() == "containerd restarted");
}

TEST_CASE("shutdown ends open event streams, returns promptly and removes the socket") {
  Served s;
  const std::string socket = s.server.socket_path();
  CHECK(Exists(socket));
  grpc::ClientContext context;
  auto reader = s.runtime_stub->GetContainerEvents(&context, cri::GetEventsRequest());
  REQUIRE(s.runtime.WaitForEventSubscribers(1));
  absl::Time before = absl::Now();
  s.server.Shutdown(absl::Seconds(5));
  CHECK(absl::Now() - before < absl::Seconds(3));
  cri::ContainerEventResponse event;
  while (reader->Read(&event)) {
  }
  CHECK(reader->Finish().error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_FALSE(Exists(socket));
  CHECK(s.server.endpoint().empty());
  s.server.Shutdown();  // idempotent
}

TEST_CASE("Start refuses bad endpoints and replaces a stale socket") {
  TempDir dir;
  FakeClock clock;
  FakeRuntimeService runtime(clock, nullptr);
  CriGrpcServer server(&runtime, nullptr);
  CHECK(absl::IsInvalidArgument(server.Start("tcp://127.0.0.1:1234")));
  CHECK(absl::IsInvalidArgument(server.Start("unix://relative.sock")));
  CHECK(absl::IsInvalidArgument(server.Start("/" + std::string(200, 'x'))));

  // A socket file left behind by a dead server.
  const std::string path = dir.path + "/stale.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  ::close(fd);
  REQUIRE(Exists(path));
  REQUIRE(server.Start(path).ok());
  CHECK(absl::IsFailedPrecondition(server.Start(path)));
  auto stub = cri::RuntimeService::NewStub(
      grpc::CreateChannel("unix://" + path, grpc::InsecureChannelCredentials()));
  cri::VersionResponse version;
  CHECK(stub->Version(Context().get(), cri::VersionRequest(), &version).ok());
  // Without an image service, image calls are unimplemented.
  auto image_stub = cri::ImageService::NewStub(
      grpc::CreateChannel("unix://" + path, grpc::InsecureChannelCredentials()));
  cri::ListImagesResponse images;
  CHECK(image_stub->ListImages(Context().get(), cri::ListImagesRequest(), &images).error_code() ==
        grpc::StatusCode::UNIMPLEMENTED);
  server.Shutdown();
  CHECK_FALSE(Exists(path));
}

}  // namespace
}  // namespace testing
}  // namespace krl
