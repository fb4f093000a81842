// A dependency manifest written by //bazel:dependency_manifest.bzl: what a set of targets reaches
// in the Bazel graph (labels, repositories, files, link options) plus their binaries and
// libraries. One `kind value` line per fact; `#` lines are comments.
//
//   absl::StatusOr<DependencyManifest> manifest = DependencyManifest::Load("tools/x/shipped.txt");
//   for (const auto& entry : manifest->entries()) Check(entry.kind, entry.value);
//   for (const std::string& path : manifest->Values("binary")) Scan(path);
#ifndef KRL_TOOLS_DOCKERLESS_DEPENDENCY_MANIFEST_H_
#define KRL_TOOLS_DOCKERLESS_DEPENDENCY_MANIFEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl::tools::dockerless {

// Immutable after Parse/Load.
class DependencyManifest {
 public:
  struct Entry {
    std::string kind;   // root, repository, target, file, generated, linkopt, binary, library
    std::string value;  // a label, a repository name, a path or a link option
    int line = 0;
  };

  // Unknown kinds are an error, so a newer rule and an older verifier cannot silently disagree.
  [[nodiscard]] static absl::StatusOr<DependencyManifest> Parse(std::string path,
                                                                absl::string_view text);
  [[nodiscard]] static absl::StatusOr<DependencyManifest> Load(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<std::string> Values(absl::string_view kind) const;
  size_t Count(absl::string_view kind) const;

 private:
  std::string path_;
  std::vector<Entry> entries_;
};

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_DEPENDENCY_MANIFEST_H_
