#include "tools/run_demo/child_process.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <string>

namespace krl {
namespace tools {
namespace run_demo {
namespace {

TEST_CASE("a child's stdout lines are read until the one asked for, then it is stopped") {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Spawn(
      {"/bin/sh", "-c", "echo first; echo 'serving http://127.0.0.1:4242 (x)'; exec sleep 60"}, "");
  REQUIRE(child.ok());
  absl::StatusOr<std::string> line = (*child)->WaitForLine("serving", absl::Seconds(10));
  REQUIRE(line.ok());
  CHECK(*ParsePortFromLine(*line) == 4242);
  CHECK((*child)->output().find("first") != std::string::npos);
  CHECK((*child)->running());
  absl::StatusOr<int> code = (*child)->Stop(absl::Seconds(5));
  REQUIRE(code.ok());
  CHECK(*code == 128 + SIGTERM);
}

TEST_CASE("a child that exits before printing the line is reported, with its exit code") {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Spawn({"/bin/sh", "-c", "echo nothing here; exit 3"}, "");
  REQUIRE(child.ok());
  absl::StatusOr<std::string> line = (*child)->WaitForLine("serving", absl::Seconds(10));
  CHECK(line.status().code() == absl::StatusCode::kUnavailable);
  absl::StatusOr<int> code = (*child)->Wait(absl::Seconds(10));
  REQUIRE(code.ok());
  CHECK(*code == 3);
}

TEST_CASE("a line without a port is refused") {
  CHECK_FALSE(ParsePortFromLine("nodeagent: serving").ok());
  CHECK(*ParsePortFromLine("nodeagent: serving http://127.0.0.1:10255 (/healthz)") == 10255);
}

}  // namespace
}  // namespace run_demo
}  // namespace tools
}  // namespace krl
