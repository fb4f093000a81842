#include "tools/dockerless/allow_list.h"

#include <catch2/catch.hpp>

#include "kubelet_core/flags/removed_flags.h"

namespace krl::tools::dockerless {
namespace {

PatternSet Patterns() {
  absl::StatusOr<PatternSet> set = PatternSet::Load("tools/dockerless/patterns.txt");
  REQUIRE(set.ok());
  return *std::move(set);
}

TEST_CASE("the reviewed allow-list parses against the reviewed patterns") {
  absl::StatusOr<AllowList> list = AllowList::Load("tools/dockerless/allowlist.txt", Patterns());
  INFO(list.status().ToString());
  REQUIRE(list.ok());
  CHECK(list->entries().size() > 20);
}

TEST_CASE("every string of the removed-flags table that names docker is allowed, in any binary") {
  const PatternSet patterns = Patterns();
  absl::StatusOr<AllowList> list = AllowList::Load("tools/dockerless/allowlist.txt", patterns);
  REQUIRE(list.ok());
  int needed = 0;
  for (const kubelet_core::flags::RemovedFlag& flag : kubelet_core::flags::RemovedFlags()) {
    for (absl::string_view text : {flag.name, flag.history, flag.replacement}) {
      if (patterns.Find(text).empty()) continue;
      ++needed;
      INFO(text);
      CHECK(list->Allows("tools/nodeagent/nodeagent", text));
    }
  }
  CHECK(needed > 10);
}

TEST_CASE("an entry allows exactly its own text, in its scope only") {
  absl::StatusOr<AllowList> list = AllowList::Parse(
      "# the migration hint\n[*] use cri-dockerd\n"
      "# the check's own path\n[tools/check/] /var/run/docker.sock\n",
      Patterns());
  REQUIRE(list.ok());
  CHECK(list->Allows("tools/anything/bin", "use cri-dockerd"));
  CHECK_FALSE(list->Allows("tools/anything/bin", "use cri-dockerd now"));
  CHECK_FALSE(list->Allows("tools/anything/bin", "please use cri-dockerd"));
  CHECK(list->Allows("tools/check/check", "/var/run/docker.sock"));
  CHECK(list->Allows("./tools/check/libcheck.a", "/var/run/docker.sock"));
  CHECK_FALSE(list->Allows("tools/nodeagent/nodeagent", "/var/run/docker.sock"));
}

TEST_CASE("entries that no string used are reported as unused") {
  absl::StatusOr<AllowList> list =
      AllowList::Parse("# why\n[*] use cri-dockerd\n[*] the dockershim is gone\n", Patterns());
  REQUIRE(list.ok());
  CHECK(list->Unused().size() == 2);
  CHECK(list->Allows("x", "use cri-dockerd"));
  REQUIRE(list->Unused().size() == 1);
  CHECK(list->Unused()[0].text == "the dockershim is gone");
  CHECK(list->Unused()[0].line == 3);
}

TEST_CASE("entries need a comment right above them saying why") {
  const PatternSet patterns = Patterns();
  CHECK(AllowList::Parse("[*] use cri-dockerd\n", patterns).status().message() ==
        "line 1: entry without a comment above it saying why it is allowed: use cri-dockerd");
  // A blank line ends what a comment explains.
  CHECK(absl::IsInvalidArgument(
      AllowList::Parse("# why\n\n[*] use cri-dockerd\n", patterns).status()));
  CHECK(absl::IsInvalidArgument(AllowList::Parse("#\n[*] use cri-dockerd\n", patterns).status()));
  // Consecutive entries share one comment.
  CHECK(AllowList::Parse("# why\n[*] use cri-dockerd\n[*] no dockershim\n", patterns).ok());
}

TEST_CASE("entries must be well formed and must mention a pattern") {
  const PatternSet patterns = Patterns();
  CHECK(absl::IsInvalidArgument(AllowList::Parse("# why\nuse cri-dockerd\n", patterns).status()));
  CHECK(
      absl::IsInvalidArgument(AllowList::Parse("# why\n[] use cri-dockerd\n", patterns).status()));
  CHECK(
      absl::IsInvalidArgument(AllowList::Parse("# why\n[*]use cri-dockerd\n", patterns).status()));
  CHECK(absl::IsInvalidArgument(AllowList::Parse("# why\n[*] \n", patterns).status()));
  CHECK(AllowList::Parse("# why\n[*] use containerd\n", patterns).status().message() ==
        "line 2: entry mentions no pattern, so it is not needed: use containerd");
  CHECK(absl::IsNotFound(AllowList::Load("/nonexistent/allowlist.txt", patterns).status()));
}

}  // namespace
}  // namespace krl::tools::dockerless
