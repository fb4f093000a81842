#include "kubelet_core/images/image_name.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/match.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

const std::string kSha = std::string(64, 'a');

TEST_CASE("Valid references parse into domain, path, tag and digest") {
  struct Case {
    std::string reference;
    std::string domain;
    std::string path;
    std::string tag;
    std::string digest;
  };
  const Case cases[] = {
      {"busybox", "", "busybox", "", ""},
      {"busybox:1.36", "", "busybox", "1.36", ""},
      {"library/busybox:latest", "", "library/busybox", "latest", ""},
      {"registry.example/team/app:v1.2.3-rc_1", "registry.example", "team/app", "v1.2.3-rc_1", ""},
      {"registry.example:5000/app", "registry.example:5000", "app", "", ""},
      {"127.0.0.1:5000/app:1", "127.0.0.1:5000", "app", "1", ""},
      {"localhost/app", "localhost", "app", "", ""},
      {"[::1]:5000/app:x", "[::1]:5000", "app", "x", ""},
      {"Registry.Example/app", "Registry.Example", "app", "", ""},
      {"app@sha256:" + kSha, "", "app", "", "sha256:" + kSha},
      {"app:1.0@sha256:" + kSha, "", "app", "1.0", "sha256:" + kSha},
      {"a/b__c/d-e---f/g.h", "", "a/b__c/d-e---f/g.h", "", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.reference);
    absl::StatusOr<ImageName> name = ImageName::Parse(c.reference);
    REQUIRE(name.ok());
    CHECK(name->domain() == c.domain);
    CHECK(name->path() == c.path);
    CHECK(name->tag() == c.tag);
    CHECK(name->digest() == c.digest);
    CHECK(name->reference() == c.reference);
  }
}

TEST_CASE("Malformed references are rejected with the reason") {
  struct Case {
    std::string reference;
    std::string why;
  };
  const Case cases[] = {
      {"", "empty"},
      {"Busybox", "must be lowercase"},
      {"team/App:1", "must be lowercase"},
      {"busy box", "bad repository path"},
      {" busybox", "bad repository path"},
      {"busybox:", "bad tag"},
      {"busybox:-x", "bad tag"},
      {"busybox:" + std::string(129, 'a'), "bad tag"},
      {"app@sha256:abc", "bad digest"},
      {"app@sha256:" + std::string(64, 'A'), "bad digest"},
      {"app@md5:" + kSha, "unsupported digest algorithm"},
      {"app@", "digest without algorithm"},
      {"a..b", "bad repository path"},
      {"a/", "bad repository path"},
      {"/a", "bad repository path"},
      {"-a", "bad repository path"},
      {"a_-b", "bad repository path"},
      {"registry.example:port/app", "bad port"},
      {"-bad.example/app", "bad domain"},
      {"[::1/app", "unterminated IPv6"},
      {":tag", "empty repository name"},
      {std::string(256, 'a'), "longer than 255"},
      {kSha, "64-byte hexadecimal"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.reference);
    absl::StatusOr<ImageName> name = ImageName::Parse(c.reference);
    REQUIRE_FALSE(name.ok());
    CHECK(name.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(absl::StrContains(name.status().message(), "invalid reference format"));
    CHECK(absl::StrContains(name.status().message(), c.why));
  }
}

TEST_CASE("The default tag latest is added only when there is neither tag nor digest") {
  CHECK(ImageName::Parse("busybox")->WithDefaultTag() == "busybox:latest");
  CHECK(ImageName::Parse("host:5000/app")->WithDefaultTag() == "host:5000/app:latest");
  CHECK(ImageName::Parse("busybox:1.36")->WithDefaultTag() == "busybox:1.36");
  CHECK(ImageName::Parse("busybox:latest")->WithDefaultTag() == "busybox:latest");
  CHECK(ImageName::Parse("app@sha256:" + kSha)->WithDefaultTag() == "app@sha256:" + kSha);
}

}  // namespace
}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
