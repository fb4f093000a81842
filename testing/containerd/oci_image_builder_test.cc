#include "testing/containerd/oci_image_builder.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "testing/containerd/subprocess.h"

namespace krl::testing::containerd {
namespace {

constexpr absl::Duration kToolTimeout = absl::Seconds(30);

// A fresh folder for one test case, removed at the end of it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TEST_TMPDIR");
    std::string pattern =
        absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/oci-builder-test-XXXXXX");
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() { (void)RunCommand({"rm", "-rf", path_}, kToolTimeout); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    lines.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return lines;
}

std::string Sha256Sum(const std::string& path) {
  absl::StatusOr<std::string> out = RunCommandOk({"sha256sum", path}, kToolTimeout);
  REQUIRE(out.ok());
  return out->substr(0, 64);
}

const std::string kLongDir = "/very/" + std::string(80, 'd') + "/nested";
const std::string kLongFile = kLongDir + "/" + std::string(60, 'f');

OciImageBuilder SampleImage(const std::string& host_file) {
  OciImageBuilder builder("krl.test/unit:1");
  builder.AddFile(host_file, "/bin/tool", 0755)
      .AddFileContents("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
      .AddSymlink("/bin/sh", "tool")
      .AddDirectory("/tmp", 01777)
      .AddFileContents(kLongFile, "deep\n", 0600)
      .SetEntrypoint({"/bin/tool"})
      .SetCmd({"--flag", "with \"quotes\""});
  return builder;
}

TEST_CASE("OciImageBuilder writes an OCI layout whose digests match the blobs") {
  ScratchDir scratch;
  const std::string host_file = scratch.path() + "/tool";
  WriteFile(host_file, "#!/bin/sh\necho tool\n");
  const std::string tarball = scratch.path() + "/image.tar";

  absl::StatusOr<OciImageInfo> info = SampleImage(host_file).WriteTarball(tarball);
  REQUIRE(info.ok());
  CHECK(info->name == "krl.test/unit:1");

  absl::StatusOr<std::string> listing = RunCommandOk({"tar", "-tf", tarball}, kToolTimeout);
  REQUIRE(listing.ok());
  const std::set<std::string> entries = [&] {
    std::vector<std::string> lines = Lines(*listing);
    return std::set<std::string>(lines.begin(), lines.end());
  }();
  const std::string blobs = "blobs/sha256/";
  CHECK(entries == std::set<std::string>{
                       "oci-layout", "index.json", "blobs/", blobs,
                       blobs + std::string(absl::StripPrefix(info->manifest_digest, "sha256:")),
                       blobs + std::string(absl::StripPrefix(info->config_digest, "sha256:")),
                       blobs + std::string(absl::StripPrefix(info->layer_digest, "sha256:"))});

  const std::string out = scratch.path() + "/layout";
  REQUIRE(mkdir(out.c_str(), 0700) == 0);
  REQUIRE(RunCommandOk({"tar", "-xf", tarball, "-C", out}, kToolTimeout).ok());

  // Every blob is named by the SHA-256 of its bytes, as sha256sum computes it.
  for (const std::string& digest :
       {info->manifest_digest, info->config_digest, info->layer_digest}) {
    const std::string hex(absl::StripPrefix(digest, "sha256:"));
    CHECK(Sha256Sum(out + "/" + blobs + hex) == hex);
  }

  const std::string index = ReadFile(out + "/index.json");
  CHECK(absl::StrContains(index, "\"io.containerd.image.name\":\"krl.test/unit:1\""));
  CHECK(absl::StrContains(index, "\"org.opencontainers.image.ref.name\":\"1\""));
  CHECK(absl::StrContains(index, absl::StrCat("\"digest\":\"", info->manifest_digest, "\"")));
  CHECK(absl::StrContains(index, "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}"));
  CHECK(ReadFile(out + "/oci-layout") == "{\"imageLayoutVersion\":\"1.0.0\"}");

  const std::string manifest = ReadFile(
      out + "/" + blobs + std::string(absl::StripPrefix(info->manifest_digest, "sha256:")));
  CHECK(absl::StrContains(manifest, absl::StrCat("\"digest\":\"", info->config_digest, "\"")));
  CHECK(absl::StrContains(manifest, absl::StrCat("\"digest\":\"", info->layer_digest,
                                                 "\",\"size\":", info->layer_size)));
  CHECK(absl::StrContains(manifest, "application/vnd.oci.image.layer.v1.tar\""));

  const std::string config =
      ReadFile(out + "/" + blobs + std::string(absl::StripPrefix(info->config_digest, "sha256:")));
  CHECK(absl::StrContains(config, absl::StrCat("\"diff_ids\":[\"", info->layer_digest, "\"]")));
  CHECK(absl::StrContains(config, "\"architecture\":\"amd64\""));
  CHECK(absl::StrContains(config, "\"os\":\"linux\""));
  CHECK(absl::StrContains(config, "\"Entrypoint\":[\"/bin/tool\"]"));
  CHECK(absl::StrContains(config, "\"Cmd\":[\"--flag\",\"with \\\"quotes\\\"\"]"));
  CHECK(absl::StrContains(config, "\"Env\":[\"PATH=/usr/local/sbin:"));
}

TEST_CASE("OciImageBuilder layer holds files, modes, symlinks, parents and long paths") {
  ScratchDir scratch;
  const std::string host_file = scratch.path() + "/tool";
  WriteFile(host_file, "#!/bin/sh\necho tool\n");
  const std::string tarball = scratch.path() + "/image.tar";
  absl::StatusOr<OciImageInfo> info = SampleImage(host_file).WriteTarball(tarball);
  REQUIRE(info.ok());

  const std::string layout = scratch.path() + "/layout";
  const std::string rootfs = scratch.path() + "/rootfs";
  REQUIRE(mkdir(layout.c_str(), 0700) == 0);
  REQUIRE(mkdir(rootfs.c_str(), 0700) == 0);
  REQUIRE(RunCommandOk({"tar", "-xf", tarball, "-C", layout}, kToolTimeout).ok());
  const std::string layer =
      absl::StrCat(layout, "/blobs/sha256/", absl::StripPrefix(info->layer_digest, "sha256:"));
  // --same-permissions keeps modes exactly even under a restrictive umask.
  REQUIRE(
      RunCommandOk({"tar", "--same-permissions", "-xf", layer, "-C", rootfs}, kToolTimeout).ok());

  absl::StatusOr<std::string> listing = RunCommandOk({"tar", "-tf", layer}, kToolTimeout);
  REQUIRE(listing.ok());
  const std::vector<std::string> names = Lines(*listing);
  // Parents come before their children, and implicit parents are present.
  CHECK(std::find(names.begin(), names.end(), "bin/") <
        std::find(names.begin(), names.end(), "bin/tool"));
  CHECK(std::find(names.begin(), names.end(), "etc/") != names.end());

  struct stat st;
  REQUIRE(stat((rootfs + "/bin/tool").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(ReadFile(rootfs + "/bin/tool") == "#!/bin/sh\necho tool\n");
  REQUIRE(stat((rootfs + "/tmp").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK((st.st_mode & 07777) == 01777);
  REQUIRE(stat((rootfs + "/etc").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(ReadFile(rootfs + "/etc/passwd") == "root:x:0:0:root:/root:/bin/sh\n");
  REQUIRE(stat((rootfs + kLongFile).c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(ReadFile(rootfs + kLongFile) == "deep\n");

  char target[PATH_MAX];
  const ssize_t n = readlink((rootfs + "/bin/sh").c_str(), target, sizeof(target));
  REQUIRE(n > 0);
  CHECK(std::string(target, static_cast<size_t>(n)) == "tool");
}

TEST_CASE("OciImageBuilder gives the same digests for the same input") {
  ScratchDir scratch;
  const std::string host_file = scratch.path() + "/tool";
  WriteFile(host_file, "binary");
  absl::StatusOr<OciImageInfo> first = SampleImage(host_file).WriteTarball(scratch.path() + "/a");
  absl::StatusOr<OciImageInfo> second = SampleImage(host_file).WriteTarball(scratch.path() + "/b");
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->manifest_digest == second->manifest_digest);
  CHECK(Sha256Sum(scratch.path() + "/a") == Sha256Sum(scratch.path() + "/b"));
}

TEST_CASE("OciImageBuilder reports mistakes with clear errors") {
  ScratchDir scratch;
  const std::string out = scratch.path() + "/image.tar";

  SECTION("a relative image path") {
    absl::StatusOr<OciImageInfo> r =
        OciImageBuilder("krl.test/x:1").AddFileContents("etc/passwd", "").WriteTarball(out);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "must be absolute"));
  }
  SECTION("a path added twice") {
    absl::StatusOr<OciImageInfo> r = OciImageBuilder("krl.test/x:1")
                                         .AddFileContents("/a", "1")
                                         .AddSymlink("/a", "b")
                                         .WriteTarball(out);
    CHECK(r.status().code() == absl::StatusCode::kAlreadyExists);
  }
  SECTION("a file used as a folder") {
    absl::StatusOr<OciImageInfo> r = OciImageBuilder("krl.test/x:1")
                                         .AddFileContents("/a", "1")
                                         .AddFileContents("/a/b", "2")
                                         .WriteTarball(out);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "not a directory"));
  }
  SECTION("a dot-dot component") {
    absl::StatusOr<OciImageInfo> r =
        OciImageBuilder("krl.test/x:1").AddFileContents("/a/../b", "1").WriteTarball(out);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("a missing host file") {
    absl::StatusOr<OciImageInfo> r = OciImageBuilder("krl.test/x:1")
                                         .AddFile(scratch.path() + "/missing", "/bin/x")
                                         .WriteTarball(out);
    CHECK(r.status().code() == absl::StatusCode::kNotFound);
    CHECK(absl::StrContains(r.status().message(), "/missing"));
  }
  SECTION("a name without a tag") {
    absl::StatusOr<OciImageInfo> r = OciImageBuilder("krl.test:5000/x").WriteTarball(out);
    CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(r.status().message(), "needs a tag"));
  }
  SECTION("an unwritable output") {
    absl::StatusOr<OciImageInfo> r =
        OciImageBuilder("krl.test/x:1").WriteTarball(scratch.path() + "/no/such/dir/x.tar");
    CHECK_FALSE(r.ok());
    CHECK(absl::StrContains(r.status().message(), "cannot create"));
  }
}

}  // namespace
}  // namespace krl::testing::containerd
