// Probe output is bounded: an exec probe keeps 10 KiB of megabytes of output, an httpGet probe
// reads 10 KiB of an endless body and closes the connection, a body that trickles past the
// timeout fails the probe instead of holding it. The figures are printed for
// docs/reliability/bounds.md.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "kubelet_core/prober/http_probe.h"
#include "kubelet_core/prober/limits.h"
#include "kubelet_core/prober/probe_test_util.h"
#include "kubelet_core/prober/prober.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_runtime_service.h"
#include "testing/memory_usage.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

using testing::kMiB;

TEST_CASE("an exec probe keeps the first 10 KiB of 8 MiB of output") {
  ExecFixture f;
  Prober prober(f.runtime);
  f.runtime.ScriptExec({"chatty"}, {std::string(8 * kMiB, 'o'), std::string(kMiB, 'e'), 1});
  f.runtime.ScriptExec({"quiet"}, {"ok", "", 0});
  ProbeOutcome chatty = prober.Run(ExecProbe({"chatty"}), f.container, f.target);
  CHECK(chatty.result == ProbeResult::kFailure);
  CHECK(chatty.output == std::string(kMaxExecProbeOutputLength, 'o'));
  CHECK(chatty.output_truncated);
  // stdout short, stderr long: stdout then the start of stderr, to the bound.
  f.runtime.ScriptExec({"mixed"}, {"out:", std::string(kMiB, 'e'), 0});
  ProbeOutcome mixed = prober.Run(ExecProbe({"mixed"}), f.container, f.target);
  CHECK(mixed.result == ProbeResult::kSuccess);
  CHECK(mixed.output.size() == kMaxExecProbeOutputLength);
  CHECK(absl::StartsWith(mixed.output, "out:eee"));
  CHECK(mixed.output_truncated);
  ProbeOutcome quiet = prober.Run(ExecProbe({"quiet"}), f.container, f.target);
  CHECK(quiet.output == "ok");
  CHECK_FALSE(quiet.output_truncated);
}

// An endless chunked body: 64 KiB chunks until the client goes away.
void ServeEndlessBody(httplib::Server& server, const std::string& path, int status,
                      std::atomic<int64_t>* sent) {
  server.Get(path, [status, sent](const httplib::Request&, httplib::Response& res) {
    res.status = status;
    res.set_chunked_content_provider("text/plain", [sent](size_t, httplib::DataSink& sink) {
      static const std::string chunk(64 * 1024, 'b');
      if (!sink.write(chunk.data(), chunk.size())) return false;
      sent->fetch_add(static_cast<int64_t>(chunk.size()));
      return true;
    });
  });
}

TEST_CASE("an http probe reads 10 KiB of an endless body, then closes the connection") {
  std::atomic<int64_t> sent{0};
  auto server = std::make_unique<httplib::Server>();
  ServeEndlessBody(*server, "/endless", 200, &sent);
  ServeEndlessBody(*server, "/endless-error", 503, &sent);
  server->Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(4 * kMiB, 'x'), "text/plain");
  });
  LocalHttpServer local(std::move(server));
  HttpProbeRequest request{corev1::URIScheme::kHTTP, "127.0.0.1", local.port(), "/endless"};

  const absl::Time start = absl::Now();
  testing::PeakMemoryGrowth growth;
  ProbeOutcome endless = HttpProbe(request, absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  std::cout << "bounds: http probe, endless body: kept " << endless.output.size()
            << " bytes, peak memory growth " << growth.Describe() << ", "
            << absl::FormatDuration(took) << "\n";
  CHECK(endless.result == ProbeResult::kSuccess);
  CHECK(endless.output == std::string(kMaxHttpProbeBodyLength, 'b'));
  CHECK(endless.output_truncated);
  CHECK(took < absl::Seconds(5));
  CHECK(growth.Bytes() < 16 * kMiB);

  request.path = "/endless-error";
  ProbeOutcome failing = HttpProbe(request, absl::Seconds(10));
  CHECK(failing.result == ProbeResult::kFailure);
  CHECK(failing.output == "HTTP probe failed with statuscode: 503");

  request.path = "/big";
  ProbeOutcome big = HttpProbe(request, absl::Seconds(10));
  CHECK(big.result == ProbeResult::kSuccess);
  CHECK(big.output.size() == kMaxHttpProbeBodyLength);
  CHECK(big.output_truncated);
}

TEST_CASE("an http probe whose body trickles past the timeout fails instead of waiting") {
  std::atomic<bool> stop{false};
  auto server = std::make_unique<httplib::Server>();
  server->Get("/trickle", [&stop](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/plain", [&stop](size_t, httplib::DataSink& sink) {
      // 8 bytes every 50 ms: each read is within the read timeout, the body never ends.
      if (stop.load()) return false;
      absl::SleepFor(absl::Milliseconds(50));
      return sink.write("trickle ", 8);
    });
  });
  LocalHttpServer local(std::move(server));
  HttpProbeRequest request{corev1::URIScheme::kHTTP, "127.0.0.1", local.port(), "/trickle"};
  const absl::Time start = absl::Now();
  ProbeOutcome outcome = HttpProbe(request, absl::Milliseconds(500));
  const absl::Duration took = absl::Now() - start;
  stop.store(true);
  std::cout << "bounds: http probe, body trickling forever, 500 ms timeout: returned after "
            << absl::FormatDuration(took) << "\n";
  CHECK(outcome.result == ProbeResult::kFailure);
  CHECK(absl::StrContains(outcome.output, "still arriving"));
  CHECK(took < absl::Seconds(3));
}

}  // namespace
}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
