// fake_cri_server: the in-process CRI fakes served on a unix socket, for trying the node agent,
// the CRI command-line client or crictl without a container runtime.
//
//   fake_cri_server --listen unix:///tmp/krl/cri.sock --seed-pods 3 --containers-per-pod 2
//
// Seeds N ready pod sandboxes, each with M running containers labelled as the kubelet labels
// them, and the image they use. --streaming-lists=false answers the Stream* list RPCs
// Unimplemented, as containerd (up to 2.1) and CRI-O do, so clients use the unary lists and their
// 16 MiB limit. Runs on the real clock until SIGTERM or SIGINT, then shuts down and removes its
// socket.
// Flag names may be written with dashes or underscores.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "api/cri/v1/cri.h"
#include "runtime/util/clock.h"
#include "runtime/util/log.h"
#include "testing/fake_remote/cri_grpc_server.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"
#include "tools/common/flag_names.h"

ABSL_FLAG(std::string, listen, "", "Endpoint to serve CRI on: unix:///absolute/path (required).");
ABSL_FLAG(int, seed_pods, 0, "Ready pod sandboxes to create at start.");
ABSL_FLAG(int, containers_per_pod, 1, "Running containers in each seeded pod sandbox.");
ABSL_FLAG(std::string, seed_image, "registry.example/krl/seed:1.0",
          "Image the seeded containers use (added to the image store).");
ABSL_FLAG(bool, streaming_lists, true,
          "Serve the Stream* list RPCs; false answers them Unimplemented, as containerd does.");

namespace krl {
namespace {

absl::Status Seed(testing::FakeRuntimeService& runtime, testing::FakeImageService& images, int pods,
                  int containers_per_pod, const std::string& image) {
  if (pods <= 0) return absl::OkStatus();
  testing::FakeImageService::Image seed_image;
  seed_image.ref = image;
  if (absl::StatusOr<std::string> added = images.AddImage(seed_image); !added.ok()) {
    return added.status();
  }
  for (int p = 0; p < pods; ++p) {
    cri::RunPodSandboxRequest run;
    cri::PodSandboxConfig* config = run.mutable_config();
    const std::string name = absl::StrCat("seed-pod-", p);
    config->mutable_metadata()->set_name(name);
    config->mutable_metadata()->set_namespace_("default");
    const std::string uid = absl::StrCat("seed-uid-", p);
    config->mutable_metadata()->set_uid(uid);
    (*config->mutable_labels())["io.kubernetes.pod.name"] = name;
    (*config->mutable_labels())["io.kubernetes.pod.namespace"] = "default";
    (*config->mutable_labels())["io.kubernetes.pod.uid"] = uid;
    absl::StatusOr<cri::RunPodSandboxResponse> sandbox = runtime.RunPodSandbox(run);
    if (!sandbox.ok()) return sandbox.status();
    for (int c = 0; c < containers_per_pod; ++c) {
      cri::CreateContainerRequest create;
      create.set_pod_sandbox_id(sandbox->pod_sandbox_id());
      const std::string container = absl::StrCat("container-", c);
      create.mutable_config()->mutable_metadata()->set_name(container);
      create.mutable_config()->mutable_image()->set_image(image);
      auto& labels = *create.mutable_config()->mutable_labels();
      labels["io.kubernetes.pod.name"] = name;
      labels["io.kubernetes.pod.namespace"] = "default";
      labels["io.kubernetes.pod.uid"] = uid;
      labels["io.kubernetes.container.name"] = container;
      *create.mutable_sandbox_config() = *config;
      absl::StatusOr<cri::CreateContainerResponse> created = runtime.CreateContainer(create);
      if (!created.ok()) return created.status();
      cri::StartContainerRequest start;
      start.set_container_id(created->container_id());
      if (absl::StatusOr<cri::StartContainerResponse> started = runtime.StartContainer(start);
          !started.ok()) {
        return started.status();
      }
    }
    runtime.ClearCalls();  // the seeding is not part of what clients did (nor kept in memory)
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves fake CRI runtime and image services on a unix socket.\n"
      "  fake_cri_server --listen unix:///path/cri.sock [--seed-pods N --containers-per-pod M]");
  std::vector<std::string> args = ::krl::tools::NormalizeFlagNames(argc, argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  absl::ParseCommandLine(static_cast<int>(arg_pointers.size()), arg_pointers.data());

  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) {
    log::Error("missing --listen", {{"example", "--listen unix:///tmp/krl/cri.sock"}});
    return 2;
  }
  // Block the stop signals before gRPC starts its threads, so only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Clock& clock = RealClock::Get();
  testing::FakeImageService images(clock);
  testing::FakeRuntimeService runtime(clock, &images);
  const int pods = absl::GetFlag(FLAGS_seed_pods);
  const int containers = absl::GetFlag(FLAGS_containers_per_pod);
  if (absl::Status seeded =
          Seed(runtime, images, pods, containers, absl::GetFlag(FLAGS_seed_image));
      !seeded.ok()) {
    log::Error("seeding failed", {{"error", seeded}});
    return 1;
  }
  if (!absl::GetFlag(FLAGS_streaming_lists)) {
    for (const char* rpc : {"StreamPodSandboxes", "StreamContainers", "StreamContainerStats",
                            "StreamPodSandboxStats", "StreamPodSandboxMetrics"}) {
      runtime.InjectError(rpc,
                          absl::UnimplementedError(absl::StrCat(
                              "unknown method ", rpc, " for service runtime.v1.RuntimeService")),
                          testing::CallRecorder::kForever);
    }
    images.InjectError(
        "StreamImages",
        absl::UnimplementedError("unknown method StreamImages for service runtime.v1.ImageService"),
        testing::CallRecorder::kForever);
  }
  testing::CriGrpcServer server(&runtime, &images);
  if (absl::Status started = server.Start(listen); !started.ok()) {
    log::Error("cannot serve CRI", {{"endpoint", listen}, {"error", started}});
    return 1;
  }
  log::Info("fake CRI server listening",
            {{"endpoint", server.endpoint()},
             {"pods", pods},
             {"containers", pods * containers},
             {"streaming_lists", absl::GetFlag(FLAGS_streaming_lists)}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.Shutdown(absl::Seconds(2));
  log::Info("fake CRI server stopped", {{"endpoint", listen}});
  return 0;
}

}  // namespace
}  // namespace krl

int main(int argc, char** argv) { return krl::Main(argc, argv); }
