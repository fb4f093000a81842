#include "runtime/util/log.h"

#include <catch2/catch.hpp>

namespace krl {
namespace log {
namespace {

TEST_CASE("a log line is the message followed by key=value fields") {
  CHECK(Format("pod started", {{"pod", "web"}, {"attempt", 2}}) == "pod started pod=web attempt=2");
}

TEST_CASE("values with spaces, quotes or equals signs are quoted and escaped") {
  CHECK(Format("m", {{"err", "no such \"pod\""}}) == R"(m err="no such \"pod\"")");
  CHECK(Format("m", {{"v", "a=b"}, {"e", ""}}) == R"(m v="a=b" e="")");
}

TEST_CASE("statuses, durations and booleans render readably") {
  CHECK(Format("m", {{"s", absl::NotFoundError("gone")}}) == R"(m s="NOT_FOUND: gone")");
  CHECK(Format("m", {{"d", absl::Seconds(90)}, {"ok", true}}) == "m d=1m30s ok=true");
}

TEST_CASE("a capture sink records lines at or above the verbosity") {
  CaptureSink sink;
  SetVerbosity(0);
  Debug("hidden");
  Info("shown", {{"k", 1}});
  REQUIRE(sink.Lines() == std::vector<std::string>{"shown k=1"});
  SetVerbosity(2);
  Debug("now shown");
  CHECK(sink.Lines().size() == 2);
  SetVerbosity(0);
}

}  // namespace
}  // namespace log
}  // namespace krl
