#include "tools/dockerless/verifier.h"

#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/match.h"

namespace krl::tools::dockerless {
namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/krl-verifier-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string Write(const std::string& name, const std::string& bytes) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }

 private:
  std::string path_;
};

// A verifier with the reviewed patterns and a small allow-list of its own.
struct Fixture {
  Fixture() {
    absl::StatusOr<PatternSet> patterns = PatternSet::Load("tools/dockerless/patterns.txt");
    REQUIRE(patterns.ok());
    absl::StatusOr<AllowList> allow =
        AllowList::Parse("# a migration hint\n[*] use cri-dockerd\n", *patterns);
    REQUIRE(allow.ok());
    verifier = std::make_unique<Verifier>(*std::move(patterns), *std::move(allow), log);
  }
  std::ostringstream log;
  std::unique_ptr<Verifier> verifier;
};

std::string Bytes(std::initializer_list<absl::string_view> strings) {
  std::string out = "\x01\x02\x03";
  for (absl::string_view s : strings) out += std::string(s) + std::string(1, '\0');
  return out;
}

TEST_CASE("a docker string in a file is an offence with its offset") {
  TempDir dir;
  Fixture f;
  const std::string file = dir.Write("data.bin", Bytes({"harmless text", "/var/run/docker.sock"}));
  f.verifier->CheckArtifact(file);
  REQUIRE(f.verifier->offences().size() == 1);
  const Offence& offence = f.verifier->offences()[0];
  CHECK(offence.kind == Offence::Kind::kString);
  // 3 leading bytes and 13 + 1 for the first string: the first hit, /var/run/docker, starts the
  // second string at 0x11.
  CHECK(offence.location == file + "+0x11");
  CHECK(offence.subject == "\"/var/run/docker.sock\"");
  CHECK(std::find(offence.patterns.begin(), offence.patterns.end(), "docker.sock") !=
        offence.patterns.end());
  CHECK(f.verifier->ExitCode() == 1);
  CHECK(f.verifier->totals().strings == 2);
}

TEST_CASE("an allowed string passes only when it is the whole string") {
  TempDir dir;
  Fixture f;
  f.verifier->CheckArtifact(dir.Write("ok.bin", Bytes({"use cri-dockerd", "dockerless: true"})));
  CHECK(f.verifier->offences().empty());
  CHECK(f.verifier->ExitCode() == 0);
  f.verifier->CheckArtifact(dir.Write("bad.bin", Bytes({"please use cri-dockerd"})));
  CHECK(f.verifier->offences().size() == 1);
}

TEST_CASE("a manifest naming docker in a label, file or link option is a graph offence") {
  Fixture f;
  absl::StatusOr<DependencyManifest> manifest = DependencyManifest::Parse(
      "m.txt",
      "# header\nroot @//tools/x:x\nrepository krl\ntarget @//tools/x:x\n"
      "target @io_docker_engine//client:client\nfile tools/x/dockershim_client.cc\n"
      "linkopt -lcontainerd\n");
  REQUIRE(manifest.ok());
  f.verifier->CheckManifest(*manifest);
  REQUIRE(f.verifier->offences().size() == 2);
  CHECK(f.verifier->offences()[0].kind == Offence::Kind::kGraph);
  CHECK(f.verifier->offences()[0].location == "m.txt:5");
  CHECK(f.verifier->offences()[0].subject == "target @io_docker_engine//client:client");
  CHECK(f.verifier->offences()[1].location == "m.txt:6");
  CHECK(f.verifier->totals().targets == 2);
  CHECK(f.verifier->totals().files == 1);
  CHECK(f.verifier->totals().linkopts == 1);
}

TEST_CASE("a file that cannot be read makes the run fail with exit status 2") {
  Fixture f;
  f.verifier->CheckArtifact("/nonexistent/binary");
  CHECK(f.verifier->offences().empty());
  REQUIRE(f.verifier->errors().size() == 1);
  CHECK(f.verifier->ExitCode() == 2);
  std::ostringstream summary;
  f.verifier->PrintSummary(summary);
  CHECK(absl::StrContains(summary.str(), "ERROR cannot read /nonexistent/binary"));
  CHECK(absl::StrContains(summary.str(), "FAIL: 0 offences, 1 things that could not be checked"));
}

TEST_CASE("the summary counts what was checked and names unused allow-list entries") {
  TempDir dir;
  Fixture f;
  f.verifier->CheckArtifact(dir.Write("clean.bin", Bytes({"nothing to see", "containerd"})));
  std::ostringstream summary;
  f.verifier->PrintSummary(summary);
  CHECK(absl::StrContains(summary.str(), "0 binaries and 1 libraries"));
  CHECK(absl::StrContains(summary.str(), "2 strings"));
  CHECK(absl::StrContains(summary.str(), "note: allow-list entry at line 2 matched no scanned"));
  CHECK(absl::StrContains(summary.str(), "PASS: no offences"));
}

TEST_CASE("manifests with unknown kinds or no roots are refused") {
  CHECK_FALSE(DependencyManifest::Parse("m", "root @//x:x\nbogus value\n").ok());
  CHECK_FALSE(DependencyManifest::Parse("m", "target @//x:x\n").ok());
  CHECK_FALSE(DependencyManifest::Parse("m", "root\n").ok());
  absl::StatusOr<DependencyManifest> ok =
      DependencyManifest::Parse("m", "root @//x:x\nbinary x/x\nlibrary x/libx.a\n");
  REQUIRE(ok.ok());
  CHECK(ok->Values("binary") == std::vector<std::string>{"x/x"});
  CHECK(ok->Count("library") == 1);
}

}  // namespace
}  // namespace krl::tools::dockerless
