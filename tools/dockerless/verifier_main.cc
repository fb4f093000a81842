// The dockerless verifier. Run by //tools/dockerless:dockerless_test over every shipped binary and
// library; run it by hand on any binary that embeds this project's libraries:
//
//   bazel run //tools/dockerless:verifier -- --patterns=$PWD/tools/dockerless/patterns.txt
//       --allowlist=$PWD/tools/dockerless/allowlist.txt --artifact=/path/to/your/binary
//
// Exit status: 0 clean, 1 offences found, 2 something could not be checked or bad usage.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "tools/dockerless/allow_list.h"
#include "tools/dockerless/dependency_manifest.h"
#include "tools/dockerless/pattern_set.h"
#include "tools/dockerless/verifier.h"

namespace {

constexpr char kUsage[] =
    "usage: verifier --patterns=FILE --allowlist=FILE [--manifest=FILE]... [--artifact=FILE]...\n"
    "  --patterns   the words that must not appear (tools/dockerless/patterns.txt)\n"
    "  --allowlist  reviewed user-facing strings allowed to contain them\n"
    "  --manifest   a dependency manifest (//bazel:dependency_manifest.bzl): checks its graph,\n"
    "               then every binary and library it lists\n"
    "  --artifact   one more binary, shared object or archive to check\n";

bool TakeFlag(absl::string_view arg, absl::string_view name, std::string* value) {
  if (!absl::ConsumePrefix(&arg, name) || !absl::ConsumePrefix(&arg, "=")) return false;
  *value = std::string(arg);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace dl = krl::tools::dockerless;
  std::string patterns_path;
  std::string allowlist_path;
  std::vector<std::string> manifests;
  std::vector<std::string> artifacts;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    std::string value;
    if (TakeFlag(arg, "--patterns", &value)) {
      patterns_path = value;
    } else if (TakeFlag(arg, "--allowlist", &value)) {
      allowlist_path = value;
    } else if (TakeFlag(arg, "--manifest", &value)) {
      manifests.push_back(value);
    } else if (TakeFlag(arg, "--artifact", &value)) {
      artifacts.push_back(value);
    } else {
      std::cerr << "unknown argument: " << arg << "\n" << kUsage;
      return 2;
    }
  }
  if (patterns_path.empty() || allowlist_path.empty() || (manifests.empty() && artifacts.empty())) {
    std::cerr << kUsage;
    return 2;
  }

  absl::StatusOr<dl::PatternSet> patterns = dl::PatternSet::Load(patterns_path);
  if (!patterns.ok()) {
    std::cerr << "error: " << patterns.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<dl::AllowList> allow_list = dl::AllowList::Load(allowlist_path, *patterns);
  if (!allow_list.ok()) {
    std::cerr << "error: " << allow_list.status().message() << "\n";
    return 2;
  }

  dl::Verifier verifier(*std::move(patterns), *std::move(allow_list), std::cout);
  for (const std::string& path : manifests) {
    absl::StatusOr<dl::DependencyManifest> manifest = dl::DependencyManifest::Load(path);
    if (!manifest.ok()) {
      std::cerr << "error: " << manifest.status().message() << "\n";
      return 2;
    }
    verifier.CheckManifest(*manifest);
  }
  for (const std::string& path : artifacts) verifier.CheckArtifact(path);
  verifier.PrintSummary(std::cout);
  return verifier.ExitCode();
}
