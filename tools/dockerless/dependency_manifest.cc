#include "tools/dockerless/dependency_manifest.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace krl::tools::dockerless {
namespace {

constexpr absl::string_view kKinds[] = {"root",      "repository", "target", "file",
                                        "generated", "linkopt",    "binary", "library"};

bool KnownKind(absl::string_view kind) {
  for (absl::string_view known : kKinds) {
    if (kind == known) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<DependencyManifest> DependencyManifest::Parse(std::string path,
                                                             absl::string_view text) {
  DependencyManifest manifest;
  manifest.path_ = std::move(path);
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripTrailingAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (!KnownKind(kv.first) || kv.second.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(manifest.path_, ":", line_number,
                                                     ": expected `<kind> <value>`, got: ", line));
    }
    manifest.entries_.push_back({std::string(kv.first), std::string(kv.second), line_number});
  }
  if (manifest.Count("root") == 0) {
    return absl::InvalidArgumentError(absl::StrCat(manifest.path_, ": no `root` lines"));
  }
  return manifest;
}

absl::StatusOr<DependencyManifest> DependencyManifest::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read manifest ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(path, buffer.str());
}

std::vector<std::string> DependencyManifest::Values(absl::string_view kind) const {
  std::vector<std::string> out;
  for (const Entry& entry : entries_) {
    if (entry.kind == kind) out.push_back(entry.value);
  }
  return out;
}

size_t DependencyManifest::Count(absl::string_view kind) const {
  size_t n = 0;
  for (const Entry& entry : entries_) n += entry.kind == kind ? 1 : 0;
  return n;
}

}  // namespace krl::tools::dockerless
