// Helpers for probe tests: a running container in a CRI fake to point exec probes at, an exec
// probe, and an HTTP server on a loopback port for httpGet probes. Failures end the test through
// Catch2's REQUIRE, so these are for use inside a test case only.
//
//   ExecFixture f;
//   f.runtime.ScriptExec({"check"}, {"fine\n", "", 0});
//   ProbeOutcome outcome = Prober(f.runtime).Run(ExecProbe({"check"}), f.container, f.target);
#ifndef KRL_KUBELET_CORE_PROBER_PROBE_TEST_UTIL_H_
#define KRL_KUBELET_CORE_PROBER_PROBE_TEST_UTIL_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/core/v1/pod.h"
#include "kubelet_core/prober/prober.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace prober {

// An exec probe running `command`, with a timeout of `timeout_seconds`.
corev1::Probe ExecProbe(std::vector<std::string> command, int timeout_seconds = 1);

// A fake runtime holding one ready sandbox (pod "web", uid "uid-web", namespace "default") and in
// it one running container "app" (image app:1), which `target` points at.
struct ExecFixture {
  ExecFixture();

  testing::FakeClock clock;
  testing::FakeRuntimeService runtime;
  std::string container_id;
  ProbeTarget target;
  corev1::Container container;
};

// An httplib server on an ephemeral 127.0.0.1 port, served by its own thread from construction
// (once it accepts) until destruction.
class LocalHttpServer {
 public:
  explicit LocalHttpServer(std::unique_ptr<httplib::Server> server);
  ~LocalHttpServer();
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_PROBE_TEST_UTIL_H_
