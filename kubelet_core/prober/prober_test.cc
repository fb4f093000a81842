#include "kubelet_core/prober/prober.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "kubelet_core/prober/http_probe.h"
#include "kubelet_core/prober/probe_test_util.h"
#include "kubelet_core/prober/tcp_probe.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

// A loopback TCP socket: listening (an open port) or only bound (a closed port).
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listening) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    struct sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<struct sockaddr*>(&address), sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd_, reinterpret_cast<struct sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    if (listening) REQUIRE(listen(fd_, 16) == 0);
  }
  ~LoopbackSocket() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("an exec probe succeeds on exit code 0 and fails on any other") {
  ExecFixture f;
  Prober prober(f.runtime);
  f.runtime.ScriptExec({"check"}, {"fine\n", "", 0});
  f.runtime.ScriptExec({"broken"}, {"partial ", "disk full\n", 2});
  ProbeOutcome ok = prober.Run(ExecProbe({"check"}), f.container, f.target);
  CHECK(ok.result == ProbeResult::kSuccess);
  CHECK(ok.output == "fine\n");
  ProbeOutcome bad = prober.Run(ExecProbe({"broken"}), f.container, f.target);
  CHECK(bad.result == ProbeResult::kFailure);
  CHECK(bad.output == "partial disk full\n");

  // The request carries the container, the command and the probe's timeout.
  const auto requests = f.runtime.RequestsTo<cri::ExecSyncRequest>("ExecSync");
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].container_id() == f.container_id);
  CHECK(requests[1].cmd_size() == 1);
  CHECK(requests[1].timeout() == 1);
}

TEST_CASE("an exec probe that outlives its timeout is a failure") {
  ExecFixture f;
  Prober prober(f.runtime);
  testing::FakeRuntimeService::ExecResult slow;
  slow.delay = absl::Seconds(5);
  f.runtime.ScriptExec({"slow"}, slow);
  std::future<ProbeOutcome> running = std::async(std::launch::async, [&] {
    return prober.Run(ExecProbe({"slow"}, 2), f.container, f.target);
  });
  REQUIRE(f.clock.WaitForSleepers(1));  // the runtime waits out the 2 s timeout on the clock
  f.clock.Advance(absl::Seconds(2));
  const ProbeOutcome outcome = running.get();
  CHECK(outcome.result == ProbeResult::kFailure);
  CHECK(absl::StartsWith(outcome.output, "command timed out"));
  CHECK(f.runtime.CallCount("ExecSync") == 1);  // a failure is not retried
}

TEST_CASE("an exec probe that cannot run is unknown after three attempts") {
  ExecFixture f;
  Prober prober(f.runtime);
  ProbeTarget gone = f.target;
  gone.container_id = "no-such-container";
  const ProbeOutcome outcome = prober.Run(ExecProbe({"check"}), f.container, gone);
  CHECK(outcome.result == ProbeResult::kUnknown);
  CHECK(absl::StrContains(outcome.output, "NOT_FOUND"));
  CHECK(f.runtime.CallCount("ExecSync") == 3);
}

TEST_CASE("a tcp probe succeeds on a listening port and fails on a closed one") {
  LoopbackSocket open(/*listening=*/true);
  LoopbackSocket closed(/*listening=*/false);
  CHECK(TcpProbe("127.0.0.1", open.port(), absl::Seconds(1)).result == ProbeResult::kSuccess);
  const ProbeOutcome refused = TcpProbe("127.0.0.1", closed.port(), absl::Seconds(1));
  CHECK(refused.result == ProbeResult::kFailure);
  CHECK(absl::StartsWith(refused.output, absl::StrCat("dial tcp 127.0.0.1:", closed.port())));
  CHECK(absl::StrContains(refused.output, "refused"));
}

TEST_CASE("a tcp probe goes to the pod IP, or to loopback for a host-network pod") {
  LoopbackSocket open(/*listening=*/true);
  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, nullptr);
  Prober prober(runtime);
  corev1::Probe probe;
  probe.tcp_socket = corev1::TCPSocketAction{corev1::IntOrString::FromInt(open.port()), ""};
  corev1::Container container;

  ProbeTarget pod_network{"c1", "127.0.0.1", false};
  CHECK(prober.Run(probe, container, pod_network).result == ProbeResult::kSuccess);
  ProbeTarget host_network{"c1", "", true};
  CHECK(prober.Run(probe, container, host_network).result == ProbeResult::kSuccess);
  ProbeTarget no_ip{"c1", "", false};
  const ProbeOutcome outcome = prober.Run(probe, container, no_ip);
  CHECK(outcome.result == ProbeResult::kUnknown);
  CHECK(outcome.output == "the pod has no IP address yet");
}

TEST_CASE("a probe port may be a container port's name") {
  corev1::Container container;
  container.name = "web";
  container.ports.push_back({"http", 8080});
  CHECK(*Prober::ResolvePort(corev1::IntOrString::FromString("http"), container) == 8080);
  CHECK(*Prober::ResolvePort(corev1::IntOrString::FromInt(9090), container) == 9090);
  CHECK(*Prober::ResolvePort(corev1::IntOrString::FromString("7070"), container) == 7070);
  CHECK(
      Prober::ResolvePort(corev1::IntOrString::FromString("admin"), container).status().message() ==
      "container \"web\" has no port named \"admin\"");
  CHECK(Prober::ResolvePort(corev1::IntOrString::FromInt(70000), container).status().message() ==
        "invalid port number: 70000");
}

TEST_CASE("gRPC probes are reported as not supported") {
  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, nullptr);
  Prober prober(runtime);
  corev1::Probe probe;
  probe.grpc = corev1::GRPCAction{8080, std::nullopt};
  const ProbeOutcome outcome = prober.Run(probe, corev1::Container(), {"c1", "127.0.0.1", false});
  CHECK(outcome.result == ProbeResult::kUnknown);
  CHECK(absl::StrContains(outcome.output, "not supported"));
}

TEST_CASE("an http probe succeeds on 2xx and 3xx and fails on other answers") {
  auto server = std::make_unique<httplib::Server>();
  server->Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("healthy", "text/plain");
  });
  server->Get("/fail", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("oops", "text/plain");
  });
  server->Get("/moved", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("http://192.0.2.1/elsewhere", 302);  // never followed
  });
  LocalHttpServer local(std::move(server));

  HttpProbeRequest request;
  request.host = "127.0.0.1";
  request.port = local.port();
  request.path = "/ok";
  ProbeOutcome ok = HttpProbe(request, absl::Seconds(5));
  CHECK(ok.result == ProbeResult::kSuccess);
  CHECK(ok.output == "healthy");

  request.path = "/fail";
  ProbeOutcome fail = HttpProbe(request, absl::Seconds(5));
  CHECK(fail.result == ProbeResult::kFailure);
  CHECK(fail.output == "HTTP probe failed with statuscode: 500");

  request.path = "/moved";
  CHECK(HttpProbe(request, absl::Seconds(5)).result == ProbeResult::kSuccess);

  request.path = "/missing";
  CHECK(HttpProbe(request, absl::Seconds(5)).output == "HTTP probe failed with statuscode: 404");
}

TEST_CASE("an http probe that gets no answer within its timeout fails") {
  krl::Notification release;
  auto server = std::make_unique<httplib::Server>();
  server->Get("/slow", [&release](const httplib::Request&, httplib::Response& res) {
    release.WaitForNotificationWithTimeout(absl::Seconds(10));
    res.set_content("late", "text/plain");
  });
  LocalHttpServer local(std::move(server));
  HttpProbeRequest request{corev1::URIScheme::kHTTP, "127.0.0.1", local.port(), "/slow"};
  const absl::Time before = absl::Now();
  const ProbeOutcome outcome = HttpProbe(request, absl::Milliseconds(200));
  const absl::Duration took = absl::Now() - before;
  release.Notify();
  CHECK(outcome.result == ProbeResult::kFailure);
  CHECK(absl::StrContains(outcome.output, "no answer within the timeout"));
  CHECK(took < absl::Seconds(5));
}

TEST_CASE("an http probe to a closed port fails") {
  LoopbackSocket closed(/*listening=*/false);
  HttpProbeRequest request{corev1::URIScheme::kHTTP, "127.0.0.1", closed.port(), "/"};
  const ProbeOutcome outcome = HttpProbe(request, absl::Seconds(1));
  CHECK(outcome.result == ProbeResult::kFailure);
  CHECK(absl::StartsWith(outcome.output,
                         absl::StrCat("Get \"http://127.0.0.1:", closed.port(), "/\": ")));
}

TEST_CASE("an http probe sends the kube-probe user agent, the probe's headers and path") {
  krl::Mutex mu;
  httplib::Request seen;
  auto server = std::make_unique<httplib::Server>();
  server->Get("/healthz", [&](const httplib::Request& req, httplib::Response& res) {
    krl::MutexLock lock(&mu);
    seen = req;
    res.set_content("ok", "text/plain");
  });
  LocalHttpServer local(std::move(server));

  testing::FakeClock clock;
  testing::FakeRuntimeService runtime(clock, nullptr);
  Prober prober(runtime);
  corev1::Probe probe;
  corev1::HTTPGetAction action;
  action.path = "/healthz?verbose=1";
  action.port = corev1::IntOrString::FromString("http");
  action.http_headers = {{"X-Probe", "yes"}, {"Host", "web.example"}};
  probe.http_get = action;
  corev1::Container container;
  container.ports.push_back({"http", local.port()});
  REQUIRE(prober.Run(probe, container, {"c1", "127.0.0.1", false}).result == ProbeResult::kSuccess);

  krl::MutexLock lock(&mu);
  CHECK(seen.get_header_value("User-Agent") == "kube-probe/1.34");
  CHECK(seen.get_header_value("Accept") == "*/*");
  CHECK(seen.get_header_value("X-Probe") == "yes");
  CHECK(seen.get_header_value("Host") == "web.example");
  CHECK(seen.get_param_value("verbose") == "1");
}

// A throw-away self-signed certificate for 127.0.0.1.
struct SelfSigned {
  SelfSigned() {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(key != nullptr);
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

TEST_CASE("an https probe does not verify the server's certificate, like the kubelet") {
  SelfSigned identity;
  auto server = std::make_unique<httplib::SSLServer>(identity.cert, identity.key);
  REQUIRE(server->is_valid());
  server->Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("secure", "text/plain");
  });
  LocalHttpServer local(std::move(server));
  HttpProbeRequest request{corev1::URIScheme::kHTTPS, "127.0.0.1", local.port(), "/ok"};
  const ProbeOutcome outcome = HttpProbe(request, absl::Seconds(5));
  CHECK(outcome.result == ProbeResult::kSuccess);
  CHECK(outcome.output == "secure");
}

}  // namespace
}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
