#include "kubelet_core/agent/status_server.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <string>

#include "api/core/v1/json_encoder.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/agent/agent_test_env.h"
#include "kubelet_core/agent/node_agent.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

corev1::Pod MakePod() { return TestPod("web", "uid-web"); }

// An agent on the fakes, driven by hand, running one pod.
struct Fixture : AgentTestEnv {
  Fixture() : AgentTestEnv("krl-status") {
    Start();
    agent().SetPods({MakePod()});
    REQUIRE(agent().WaitForWorkersIdle());
    clock().Advance(absl::Seconds(1));
    agent().Tick();
    REQUIRE(agent().WaitForWorkersIdle());
  }
};

TEST_CASE("the status endpoints answer health, pods and metrics on loopback") {
  Fixture f;
  StatusServer server(f.agent(), {"127.0.0.1", 0});
  REQUIRE(server.Start().ok());
  REQUIRE(server.port() > 0);
  httplib::Client client("127.0.0.1", server.port());

  httplib::Result healthz = client.Get("/healthz");
  REQUIRE(healthz);
  CHECK(healthz->status == 200);
  CHECK(healthz->body == "ok");

  httplib::Result verbose = client.Get("/healthz?verbose=1");
  REQUIRE(verbose);
  CHECK(verbose->status == 200);
  CHECK(verbose->body.find("[+]pleg ok") != std::string::npos);
  CHECK(verbose->body.find("node ready: true") != std::string::npos);

  httplib::Result pods = client.Get("/pods");
  REQUIRE(pods);
  CHECK(pods->status == 200);
  CHECK(pods->get_header_value("Content-Type") == "application/json");
  CHECK(pods->body.find("\"kind\": \"PodList\"") != std::string::npos);
  CHECK(pods->body.find("\"name\": \"web\"") != std::string::npos);
  CHECK(pods->body.find("\"phase\": \"Running\"") != std::string::npos);

  httplib::Result metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(
      metrics->body.find("kubelet_runtime_operations_total{operation_type=\"run_podsandbox\"} 1") !=
      std::string::npos);
  CHECK(metrics->body.find("kubelet_running_pods 1") != std::string::npos);

  httplib::Result missing = client.Get("/nothing");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  server.Stop();
}

TEST_CASE("/pods, built one pod at a time, is exactly the indented PodList of every pod") {
  Fixture f;
  auto expected = [&] {
    return corev1::PodListToJson(f.agent().Pods(), corev1::JsonStyle::kIndented) + "\n";
  };
  CHECK(StatusServer::PodList(f.agent()).body == expected());

  corev1::Pod db = MakePod();
  db.metadata.name = "db";
  db.metadata.uid = "uid-db";
  f.agent().SetPods({MakePod(), db});
  REQUIRE(f.agent().WaitForWorkersIdle());
  REQUIRE(f.agent().Pods().size() == 2);
  CHECK(StatusServer::PodList(f.agent()).body == expected());

  f.agent().SetPods(std::vector<corev1::PodPtr>());
  REQUIRE(f.agent().Pods().empty());
  CHECK(StatusServer::PodList(f.agent()).body == expected());
}

TEST_CASE("the status endpoints are read-only: other methods answer 405") {
  Fixture f;
  StatusServer server(f.agent(), {"127.0.0.1", 0});
  REQUIRE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  httplib::Result post = client.Post("/pods", "{}", "application/json");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(post->get_header_value("Allow") == "GET, HEAD");
  httplib::Result del = client.Delete("/pods");
  REQUIRE(del);
  CHECK(del->status == 405);
  httplib::Result put = client.Put("/healthz", "", "text/plain");
  REQUIRE(put);
  CHECK(put->status == 405);
  // Nothing changed.
  CHECK(f.agent().Pods().size() == 1);
}

TEST_CASE("healthz fails with the failing check named when the runtime is not ready") {
  Fixture f;
  f.runtime().SetRuntimeCondition("RuntimeReady", false, "Broken", "runtime is broken");
  f.clock().Advance(absl::Seconds(5));
  f.agent().Tick();
  StatusServer::Response response = StatusServer::Healthz(f.agent(), /*verbose=*/false);
  CHECK(response.status == 500);
  CHECK(response.body.find("[-]runtime failed: container runtime is not ready: Broken") !=
        std::string::npos);
  CHECK(response.body.find("[+]pleg ok") != std::string::npos);
  CHECK(response.body.find("healthz check failed") != std::string::npos);
}

TEST_CASE("a port already in use is reported with the address") {
  Fixture f;
  StatusServer first(f.agent(), {"127.0.0.1", 0});
  REQUIRE(first.Start().ok());
  StatusServer second(f.agent(), {"127.0.0.1", first.port()});
  absl::Status started = second.Start();
  CHECK(started.code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(started.message()).find("127.0.0.1") != std::string::npos);
}

}  // namespace
}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
