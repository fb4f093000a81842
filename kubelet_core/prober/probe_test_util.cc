#include "kubelet_core/prober/probe_test_util.h"

#include <catch2/catch.hpp>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace kubelet_core {
namespace prober {

corev1::Probe ExecProbe(std::vector<std::string> command, int timeout_seconds) {
  corev1::Probe probe;
  probe.exec = corev1::ExecAction{std::move(command)};
  probe.timeout_seconds = timeout_seconds;
  return probe;
}

ExecFixture::ExecFixture() : runtime(clock, nullptr) {
  cri::RunPodSandboxRequest sandbox;
  sandbox.mutable_config()->mutable_metadata()->set_name("web");
  sandbox.mutable_config()->mutable_metadata()->set_namespace_("default");
  sandbox.mutable_config()->mutable_metadata()->set_uid("uid-web");
  auto pod = runtime.RunPodSandbox(sandbox);
  REQUIRE(pod.ok());
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(pod->pod_sandbox_id());
  create.mutable_config()->mutable_metadata()->set_name("app");
  create.mutable_config()->mutable_image()->set_image("app:1");
  *create.mutable_sandbox_config() = sandbox.config();
  auto created = runtime.CreateContainer(create);
  REQUIRE(created.ok());
  container_id = created->container_id();
  cri::StartContainerRequest start;
  start.set_container_id(container_id);
  REQUIRE(runtime.StartContainer(start).ok());
  target.container_id = container_id;
}

LocalHttpServer::LocalHttpServer(std::unique_ptr<httplib::Server> server)
    : server_(std::move(server)) {
  port_ = server_->bind_to_any_port("127.0.0.1");
  REQUIRE(port_ > 0);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!server_->is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  REQUIRE(server_->is_running());
}

LocalHttpServer::~LocalHttpServer() {
  server_->stop();
  thread_.join();
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
