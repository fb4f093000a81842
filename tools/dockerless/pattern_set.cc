#include "tools/dockerless/pattern_set.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace krl::tools::dockerless {
namespace {

// Marks every byte of every occurrence of `needle` in `haystack`.
void CoverAll(absl::string_view haystack, absl::string_view needle, std::vector<bool>& cover) {
  if (needle.empty()) return;
  for (size_t at = haystack.find(needle); at != absl::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    std::fill(cover.begin() + at, cover.begin() + at + needle.size(), true);
  }
}

}  // namespace

absl::StatusOr<PatternSet> PatternSet::Parse(absl::string_view text) {
  PatternSet set;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    std::string value = absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv.second));
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": empty entry"));
    }
    if (kv.first == "match") {
      set.matches_.push_back(std::move(value));
    } else if (kv.first == "except") {
      set.exceptions_.push_back(std::move(value));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": expected `match <text>` or `except <text>`, got: ", line));
    }
  }
  if (set.matches_.empty()) return absl::InvalidArgumentError("no `match` entries");
  for (const std::string& exception : set.exceptions_) {
    if (!set.MayMatch(exception)) {
      return absl::InvalidArgumentError(
          absl::StrCat("`except ", exception, "` contains no match, so it excuses nothing"));
    }
  }
  return set;
}

absl::StatusOr<PatternSet> PatternSet::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read pattern file ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<PatternSet> set = Parse(buffer.str());
  if (!set.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", set.status().message()));
  }
  return set;
}

bool PatternSet::MayMatch(absl::string_view text) const {
  const std::string lower = absl::AsciiStrToLower(text);
  for (const std::string& pattern : matches_) {
    if (absl::StrContains(lower, pattern)) return true;
  }
  return false;
}

std::vector<PatternSet::Hit> PatternSet::Find(absl::string_view text) const {
  std::vector<Hit> hits;
  if (!MayMatch(text)) return hits;
  const std::string lower = absl::AsciiStrToLower(text);
  std::vector<bool> cover(lower.size(), false);
  for (const std::string& exception : exceptions_) CoverAll(lower, exception, cover);

  for (const std::string& pattern : matches_) {
    for (size_t at = lower.find(pattern); at != std::string::npos;
         at = lower.find(pattern, at + 1)) {
      bool uncovered = false;
      for (size_t i = at; i < at + pattern.size(); ++i) {
        if (!cover[i]) {
          uncovered = true;
          break;
        }
      }
      if (uncovered) hits.push_back({at, pattern});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.pattern < b.pattern;
  });
  return hits;
}

std::vector<std::string> PatternSet::PatternsOf(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  for (const Hit& hit : hits) {
    if (std::find(out.begin(), out.end(), hit.pattern) == out.end()) out.push_back(hit.pattern);
  }
  return out;
}

}  // namespace krl::tools::dockerless
