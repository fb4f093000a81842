#include "tools/dockerless/allow_list.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace krl::tools::dockerless {

absl::StatusOr<AllowList> AllowList::Parse(absl::string_view text, const PatternSet& patterns) {
  AllowList list;
  // Whether the lines since the last blank line include a comment that explains what follows.
  bool explained = false;
  int line_number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::string_view line = absl::StripSuffix(raw, "\r");
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) {
      explained = false;
      continue;
    }
    if (trimmed.front() == '#') {
      if (!absl::StripAsciiWhitespace(trimmed.substr(1)).empty()) explained = true;
      continue;
    }
    const std::string where = absl::StrCat("line ", line_number, ": ");
    if (line.front() != '[') {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected `[scope] exact text`, got: ", line));
    }
    const size_t close = line.find("] ");
    if (close == absl::string_view::npos || close == 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected `[scope] exact text`, got: ", line));
    }
    Entry entry;
    entry.scope = std::string(line.substr(1, close - 1));
    entry.text = std::string(line.substr(close + 2));
    entry.line = line_number;
    if (entry.text.empty()) return absl::InvalidArgumentError(absl::StrCat(where, "empty text"));
    if (!explained) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "entry without a comment above it saying why it is allowed: ", entry.text));
    }
    if (patterns.Find(entry.text).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "entry mentions no pattern, so it is not needed: ", entry.text));
    }
    list.entries_.push_back(std::move(entry));
  }
  list.used_.assign(list.entries_.size(), false);
  return list;
}

absl::StatusOr<AllowList> AllowList::Load(const std::string& path, const PatternSet& patterns) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read allow-list ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<AllowList> list = Parse(buffer.str(), patterns);
  if (!list.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", list.status().message()));
  }
  return list;
}

bool AllowList::InScope(const Entry& entry, absl::string_view file) {
  if (entry.scope == "*") return true;
  absl::ConsumePrefix(&file, "./");
  return absl::StartsWith(file, entry.scope);
}

bool AllowList::Allows(absl::string_view file, absl::string_view text) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].text == text && InScope(entries_[i], file)) {
      used_[i] = true;
      return true;
    }
  }
  return false;
}

std::vector<AllowList::Entry> AllowList::Unused() const {
  std::vector<Entry> out;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!used_[i]) out.push_back(entries_[i]);
  }
  return out;
}

}  // namespace krl::tools::dockerless
