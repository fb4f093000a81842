#include "kubelet_core/kuberuntime/container_logs.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "testing/test_files.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

// A fresh folder for one test, removed at its end.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("krl-logs") {}
};

TEST_CASE("log paths follow the kubelet's layout") {
  CHECK(BuildPodLogsDirectory("/var/log/pods", "ns", "web", "u1") == "/var/log/pods/ns_web_u1");
  CHECK(BuildPodLogsDirectory("/var/log/pods/", "ns", "web", "u1") == "/var/log/pods/ns_web_u1");
  CHECK(BuildContainerLogsDirectory("/r", "ns", "web", "u1", "app") == "/r/ns_web_u1/app");
  CHECK(BuildContainerLogsPath("app", 3) == "app/3.log");
  CHECK(ParsePodUIDFromLogsDirectory("ns_web_u1") == "u1");
  CHECK(ParsePodUIDFromLogsDirectory("my_ns_my_pod_abc-123") == "abc-123");
}

TEST_CASE("the restart count continues after the largest log file") {
  TempDir dir;
  CHECK(CalcRestartCountByLogDir(dir.path() + "/missing") == 0);
  CHECK(CalcRestartCountByLogDir(dir.path()) == 0);
  for (const char* name : {"0.log", "2.log", "5.log.20260101-000000", "x.log", "7.txt"}) {
    std::ofstream(dir.path() + "/" + name) << "";
  }
  CHECK(CalcRestartCountByLogDir(dir.path()) == 6);
}

TEST_CASE("ReadAtMost returns the last bytes of a file") {
  TempDir dir;
  std::ofstream(dir.path() + "/f") << "0123456789";
  CHECK(*ReadAtMost(dir.path() + "/f", 4) == "6789");
  CHECK(*ReadAtMost(dir.path() + "/f", 100) == "0123456789");
  CHECK(absl::IsNotFound(ReadAtMost(dir.path() + "/none", 4).status()));
}

TEST_CASE("CRI log lines are parsed with their stream and partial tag") {
  std::optional<CriLogLine> line =
      ParseCriLogLine("2026-01-01T00:00:00.000000001Z stderr P half a line");
  REQUIRE(line.has_value());
  CHECK(line->stream == "stderr");
  CHECK(line->partial);
  CHECK(line->text == "half a line");
  line = ParseCriLogLine("2026-01-01T00:00:00Z stdout F");
  REQUIRE(line.has_value());
  CHECK(line->text.empty());
  CHECK_FALSE(ParseCriLogLine("garbage").has_value());
  CHECK_FALSE(ParseCriLogLine("2026 stdin F x").has_value());
}

TEST_CASE("the log tail joins partial lines and is bounded by lines and bytes") {
  TempDir dir;
  const std::string path = dir.path() + "/0.log";
  {
    std::ofstream log(path);
    for (int i = 0; i < 90; ++i) log << "2026-01-01T00:00:00Z stdout F line " << i << "\n";
    log << "2026-01-01T00:00:00Z stderr P par\n";
    log << "2026-01-01T00:00:00Z stderr F tial\n";
  }
  std::string text = ReadLastLogText(path, 80, 100000);
  CHECK_THAT(text, Catch::StartsWith("line 12\n"));
  CHECK_THAT(text, Catch::EndsWith("line 89\npartial\n"));
  CHECK(ReadLastLogText(path, 80, 8) == "partial\n");
  CHECK_THAT(ReadLastLogText(dir.path() + "/none", 80, 2048),
             Catch::StartsWith("Error on reading termination message from logs: "));
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
