#include "kubelet_core/kuberuntime/atomic_writer.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "testing/test_files.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

// A fresh folder for one test, removed at its end.
struct TempDir : testing::TempDir {
  TempDir() : testing::TempDir("krl-aw") {}
};

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Link(const std::string& path) {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof(buffer));
  return n < 0 ? std::string() : std::string(buffer, static_cast<size_t>(n));
}

// The folder's entries other than the data folder(s), sorted.
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("the atomic writer publishes a timestamped data folder through ..data and symlinks") {
  TempDir dir;
  std::map<std::string, FileProjection> payload = {{"labels", {"app=\"web\"", 0644}},
                                                   {"conf/limits/cpu", {"2", 0400}}};
  absl::StatusOr<bool> written = WriteAtomically(dir.path(), payload, nullptr);
  REQUIRE(written.ok());
  CHECK(*written);

  const std::string data = Link(dir.path() + "/..data");
  CHECK(std::regex_match(data, std::regex(R"(\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+)")));
  CHECK(Link(dir.path() + "/labels") == "..data/labels");
  CHECK(Link(dir.path() + "/conf") == "..data/conf");
  CHECK(Entries(dir.path()) == std::vector<std::string>{data, "..data", "conf", "labels"});
  CHECK(Read(dir.path() + "/labels") == "app=\"web\"");
  CHECK(Read(dir.path() + "/conf/limits/cpu") == "2");

  struct stat st;
  REQUIRE(::stat((dir.path() + "/labels").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  REQUIRE(::stat((dir.path() + "/conf/limits/cpu").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0400);
  REQUIRE(::stat((dir.path() + "/" + data).c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
}

TEST_CASE("an unchanged payload writes nothing; a change swaps ..data and drops old names") {
  TempDir dir;
  std::map<std::string, FileProjection> payload = {{"labels", {"a=\"1\"", 0644}},
                                                   {"name", {"web", 0644}}};
  REQUIRE(*WriteAtomically(dir.path(), payload, nullptr));
  const std::string first = Link(dir.path() + "/..data");
  CHECK_FALSE(*WriteAtomically(dir.path(), payload, nullptr));
  CHECK(Link(dir.path() + "/..data") == first);

  payload.erase("name");
  payload["labels"].data = "a=\"2\"";
  int perms_calls = 0;
  std::string perms_dir;
  absl::StatusOr<bool> written =
      WriteAtomically(dir.path(), payload, [&](const std::string& data_dir) {
        ++perms_calls;
        perms_dir = data_dir;
        return absl::OkStatus();
      });
  REQUIRE(written.ok());
  CHECK(*written);
  const std::string second = Link(dir.path() + "/..data");
  CHECK(second != first);
  CHECK(perms_calls == 1);
  CHECK(perms_dir == dir.path() + "/" + second);
  CHECK(Read(dir.path() + "/labels") == "a=\"2\"");
  CHECK(Entries(dir.path()) == std::vector<std::string>{second, "..data", "labels"});
}

TEST_CASE("a ..data link the writer did not make is never followed or removed") {
  TempDir dir;
  TempDir victim;
  std::ofstream(victim.path() + "/keep") << "host file";
  // What a container that could write the volume would plant.
  REQUIRE(::symlink(victim.path().c_str(), (dir.path() + "/..data").c_str()) == 0);
  std::map<std::string, FileProjection> payload = {{"labels", {"app=\"web\"", 0644}}};
  absl::StatusOr<bool> written = WriteAtomically(dir.path(), payload, nullptr);
  REQUIRE(written.ok());
  CHECK(*written);
  CHECK(Read(victim.path() + "/keep") == "host file");
  CHECK(Read(dir.path() + "/labels") == "app=\"web\"");
  CHECK(Link(dir.path() + "/..data") != victim.path());
}

TEST_CASE("payload paths must be relative, without '..', and short enough") {
  CHECK(ValidatePayloadPath("labels").ok());
  CHECK(ValidatePayloadPath("a/b/c").ok());
  CHECK(ValidatePayloadPath("..").ok() == false);
  CHECK_FALSE(ValidatePayloadPath("").ok());
  CHECK_FALSE(ValidatePayloadPath("/etc/passwd").ok());
  CHECK_FALSE(ValidatePayloadPath("a/../../b").ok());
  CHECK_FALSE(ValidatePayloadPath("..data").ok());
  CHECK_FALSE(ValidatePayloadPath(std::string(256, 'x')).ok());
  TempDir dir;
  CHECK_FALSE(WriteAtomically(dir.path(), {{"../escape", {"x", 0644}}}, nullptr).ok());
  CHECK_FALSE(WriteAtomically(dir.path() + "/missing", {{"a", {"x", 0644}}}, nullptr).ok());
  CHECK(Entries(dir.path()).empty());
}

TEST_CASE("a failing permission hook publishes nothing and leaves no data folder") {
  TempDir dir;
  absl::StatusOr<bool> written =
      WriteAtomically(dir.path(), {{"a", {"x", 0644}}},
                      [](const std::string&) { return absl::PermissionDeniedError("no"); });
  CHECK(absl::IsPermissionDenied(written.status()));
  CHECK(Entries(dir.path()).empty());
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
