// Proof that the verifier can fail: run on the deliberately bad fixture (testdata/), it must
// report the docker symbol, the docker string, the NEEDED library and the graph entry, and exit
// non-zero. The fixture's names appear below because they are what must be found; test binaries
// are not shipped and not scanned.
#include <stdio.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace {

struct Run {
  int exit_code = -1;
  std::string output;
};

// The working directory of a test is its runfiles tree; the data files sit at their package paths.
Run RunVerifier(const std::string& manifest) {
  const std::string command =
      "tools/dockerless/verifier --patterns=tools/dockerless/patterns.txt "
      "--allowlist=tools/dockerless/allowlist.txt --manifest=" +
      manifest + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  Run run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  REQUIRE(WIFEXITED(status));
  run.exit_code = WEXITSTATUS(status);
  return run;
}

bool HasOffence(const std::string& output, const std::string& kind, const std::string& needle) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(line, "OFFENCE " + kind + " ") && absl::StrContains(line, needle)) {
      return true;
    }
  }
  return false;
}

TEST_CASE("the verifier reports the bad fixture's symbol, string, library and graph entry") {
  const Run run = RunVerifier("tools/dockerless/negative_manifest.txt");
  INFO(run.output);
  CHECK(run.exit_code == 1);
  // The symbol, defined in the archive and the shared object, imported by the binary.
  CHECK(HasOffence(run.output, "symbol",
                   "tools/dockerless/testdata/libbad_fixture.a (nm -C, type T): "
                   "krl::tools::dockerless::testdata::dockershim_connect()"));
  CHECK(HasOffence(run.output, "symbol", "libdockershim_fixture.so (nm -D -C, type T)"));
  CHECK(HasOffence(run.output, "symbol", "bad_fixture_main (nm -D -C, type U)"));
  // The string, with the offset it sits at.
  CHECK(HasOffence(run.output, "string", "tools/dockerless/testdata/libbad_fixture.a+0x"));
  CHECK(HasOffence(run.output, "string", ": \"/var/run/docker.sock\" [/var/run/docker"));
  // The binary's NEEDED entry, and the graph: a label and a data file naming the shim.
  CHECK(HasOffence(run.output, "library",
                   "tools/dockerless/testdata/bad_fixture_main NEEDED: libdockershim_fixture.so"));
  CHECK(HasOffence(run.output, "graph", "file tools/dockerless/testdata/dockershim_marker.txt"));
  CHECK(HasOffence(run.output, "graph",
                   "target @//tools/dockerless/testdata:libdockershim_fixture.so"));
  CHECK(absl::StrContains(run.output, "\nFAIL: "));
}

TEST_CASE("the shipped manifest never reaches the fixture") {
  std::ifstream in("tools/dockerless/shipped_manifest.txt");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(absl::StrContains(text.str(), "\nroot @//tools/dockerless:verifier\n"));
  CHECK_FALSE(absl::StrContains(text.str(), "testdata"));
}

}  // namespace
