// The names a dockerless build must not contain, loaded from a reviewed data file (patterns.txt).
//
// Matching is case-insensitive substring search. `except` words (the project's own "dockerless")
// cover the bytes they span; a match is a hit when any of its bytes is left uncovered, so
// "dockerless" is no hit while "dockerless docker.sock" is.
//
//   absl::StatusOr<PatternSet> patterns = PatternSet::Load("tools/dockerless/patterns.txt");
//   std::vector<PatternSet::Hit> hits = patterns->Find("unix:///run/containerd/containerd.sock");
//   // hits.empty()
#ifndef KRL_TOOLS_DOCKERLESS_PATTERN_SET_H_
#define KRL_TOOLS_DOCKERLESS_PATTERN_SET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl::tools::dockerless {

// Immutable after Parse/Load; safe to share between threads.
class PatternSet {
 public:
  struct Hit {
    size_t offset = 0;    // where the match starts in the searched text
    std::string pattern;  // the `match` entry, lower case
  };

  // Lines `match <text>` and `except <text>`; `#` comments and blank lines are skipped. At least
  // one `match` is required, and every `except` word must contain some match (otherwise it
  // would excuse nothing and only hide mistakes).
  [[nodiscard]] static absl::StatusOr<PatternSet> Parse(absl::string_view text);
  [[nodiscard]] static absl::StatusOr<PatternSet> Load(const std::string& path);

  // Every match in `text` not entirely covered by an `except` word, sorted by offset, then
  // pattern.
  std::vector<Hit> Find(absl::string_view text) const;

  // Whether any pattern occurs at all, ignoring exceptions: a quick filter before Find.
  bool MayMatch(absl::string_view text) const;

  // The distinct patterns of `hits`, in the order first seen.
  static std::vector<std::string> PatternsOf(const std::vector<Hit>& hits);

  const std::vector<std::string>& matches() const { return matches_; }
  const std::vector<std::string>& exceptions() const { return exceptions_; }

 private:
  PatternSet() = default;

  std::vector<std::string> matches_;     // lower case
  std::vector<std::string> exceptions_;  // lower case
};

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_PATTERN_SET_H_
