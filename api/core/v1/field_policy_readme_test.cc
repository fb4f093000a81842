// The README's "Pod fields" table lists every field of the field policy, with its class, so no
// key can be dropped (or change class) without a line saying so.
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api/core/v1/field_policy.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

// The "## Pod fields" section of README.md (a data dependency, in the runfiles).
std::string PodFieldsSection() {
  std::ifstream in("README.md", std::ios::binary);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  size_t start = readme.find("\n## Pod fields\n");
  REQUIRE(start != std::string::npos);
  size_t end = readme.find("\n## ", start + 1);
  return readme.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST_CASE("every field of the field policy has a row in the README with its class") {
  const std::string section = PodFieldsSection();
  for (const FieldRule& rule : FieldPolicy()) {
    const std::string row = absl::StrCat("\n| `", rule.object, ".", rule.field, "` | ",
                                         ToString(rule.field_class), " |");
    INFO("missing README row starting: " << row.substr(1));
    CHECK(absl::StrContains(section, row));
  }
}

TEST_CASE("every row of the README table is a field of the field policy") {
  for (absl::string_view line : absl::StrSplit(PodFieldsSection(), '\n')) {
    if (!absl::ConsumePrefix(&line, "| `")) continue;
    absl::string_view path = line.substr(0, line.find('`'));
    std::pair<std::string, std::string> parts = absl::StrSplit(path, '.');
    INFO("README row for an unknown field: " << path);
    CHECK(FindFieldRule(parts.first, parts.second) != nullptr);
  }
}

TEST_CASE("object and field pairs of the field policy are unique") {
  std::set<std::string> seen;
  for (const FieldRule& rule : FieldPolicy()) {
    INFO(rule.object << "." << rule.field);
    CHECK(seen.insert(absl::StrCat(rule.object, ".", rule.field)).second);
    CHECK_FALSE(rule.note.empty());
    if (!rule.accepted_value.empty()) CHECK(rule.field_class == FieldClass::kRefused);
    if (!rule.checked_as.empty()) CHECK(rule.field_class == FieldClass::kClusterOnly);
  }
}

TEST_CASE("a suggestion is offered only for a likely typo") {
  CHECK(SuggestField("Container", "imagePullPolicyy") == "imagePullPolicy");
  CHECK(SuggestField("Container", "ImagePullPolicy") == "imagePullPolicy");
  CHECK(SuggestField("ObjectMeta", "lables") == "labels");
  CHECK(SuggestField("PodSpec", "someFutureField") == std::nullopt);
  CHECK(SuggestField("Container", "x") == std::nullopt);
  CHECK(SuggestField("NoSuchType", "name") == std::nullopt);
}

TEST_CASE("unknown keys stay errors in security, resource and volume objects") {
  for (absl::string_view strict :
       {"PodSpec", "Container", "SecurityContext", "PodSecurityContext", "SeccompProfile",
        "ResourceRequirements", "Volume", "VolumeMount", "DownwardAPIVolumeFile"}) {
    INFO(strict);
    CHECK(UnknownFieldsAlwaysRefused(strict));
  }
  CHECK_FALSE(UnknownFieldsAlwaysRefused("ObjectMeta"));
  CHECK_FALSE(UnknownFieldsAlwaysRefused("Probe"));
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
