#include "kubelet_core/kuberuntime/handler_runner.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <thread>

#include "testing/fake_clock.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

corev1::Pod APod() {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.uid = "u";
  return pod;
}

std::string RunningContainer(testing::FakeRuntimeService& runtime) {
  cri::RunPodSandboxRequest run;
  run.mutable_config()->mutable_metadata()->set_name("web");
  run.mutable_config()->mutable_metadata()->set_uid("u");
  std::string sandbox = runtime.RunPodSandbox(run)->pod_sandbox_id();
  cri::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox);
  create.mutable_config()->mutable_metadata()->set_name("c");
  create.mutable_config()->mutable_image()->set_image("busybox");
  std::string id = runtime.CreateContainer(create)->container_id();
  cri::StartContainerRequest start;
  start.set_container_id(id);
  (void)runtime.StartContainer(start);
  return id;
}

TEST_CASE("an exec hook runs through ExecSync and fails on a non-zero exit") {
  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, nullptr);
  const std::string id = RunningContainer(runtime);
  HandlerRunner runner(runtime);
  corev1::Container c;
  c.name = "c";
  corev1::LifecycleHandler hook;
  hook.exec.emplace().command = {"/bin/ok"};
  CHECK(runner.Run(id, APod(), c, hook, "", absl::Seconds(3)).ok());
  auto execs = runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync");
  REQUIRE(execs.size() == 1);
  CHECK(execs[0].timeout() == 3);

  runtime.ScriptExec({"/bin/bad"}, {"out", "err", 2});
  hook.exec->command = {"/bin/bad"};
  absl::Status failed = runner.Run(id, APod(), c, hook, "", absl::ZeroDuration());
  CHECK_FALSE(failed.ok());
  CHECK_THAT(std::string(failed.message()),
             Catch::StartsWith("Exec lifecycle hook ([/bin/bad]) for Container \"c\" in Pod "
                               "\"web_default(u)\" failed - error: command '[/bin/bad]' exited "
                               "with 2: outerr"));
  CHECK(runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync")[1].timeout() == 0);
}

TEST_CASE("an httpGet hook requests the path on the named port, and fails on an error status") {
  httplib::Server server;
  std::string seen_header;
  server.Get("/quit", [&](const httplib::Request& request, httplib::Response& response) {
    seen_header = request.get_header_value("X-Hook");
    response.set_content("bye", "text/plain");
  });
  server.Get("/broken",
             [](const httplib::Request&, httplib::Response& response) { response.status = 500; });
  int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread serving([&] { server.listen_after_bind(); });
  // bind_to_any_port already listens: connections queue until the thread accepts them.

  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, nullptr);
  HandlerRunner runner(runtime);
  corev1::Container c;
  c.name = "c";
  corev1::ContainerPort named;
  named.name = "admin";
  named.container_port = port;
  c.ports = {named};
  corev1::LifecycleHandler hook;
  hook.http_get.emplace().path = "/quit";
  hook.http_get->port = corev1::IntOrString::FromString("admin");
  hook.http_get->http_headers = {{"X-Hook", "prestop"}};
  CHECK(runner.Run("id", APod(), c, hook, "127.0.0.1", absl::Seconds(5)).ok());
  CHECK(seen_header == "prestop");

  hook.http_get->path = "/broken";
  absl::Status failed = runner.Run("id", APod(), c, hook, "127.0.0.1", absl::Seconds(5));
  CHECK_THAT(std::string(failed.message()), Catch::Contains("HTTP status 500"));
  hook.http_get->port = corev1::IntOrString::FromString("nope");
  CHECK(runner.Run("id", APod(), c, hook, "", absl::Seconds(5)).code() ==
        absl::StatusCode::kInvalidArgument);
  server.stop();
  serving.join();
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
