// The reviewed exceptions to the string check: user-facing migration text that must name docker.
//
// One file (allowlist.txt) holds every entry. An entry is `[scope] exact text`: the scope is `*`
// (any scanned file) or a path prefix (`tools/dockerless_check/`), and the text is allowed only
// when a scanned string equals it byte for byte (a string literal is one NUL-terminated run in
// the binary, so this is the literal itself; a longer string that merely contains it is not
// allowed). Every entry needs a comment saying why, on the lines right above it (consecutive
// entries may share one), and must mention a pattern (otherwise it is dead weight). Entries apply
// to printable strings only, never to symbols, labels, paths or libraries.
//
//   absl::StatusOr<AllowList> allow = AllowList::Load("tools/dockerless/allowlist.txt", patterns);
//   bool allowed = allow->Allows("tools/nodeagent/nodeagent", text);
#ifndef KRL_TOOLS_DOCKERLESS_ALLOW_LIST_H_
#define KRL_TOOLS_DOCKERLESS_ALLOW_LIST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/dockerless/pattern_set.h"

namespace krl::tools::dockerless {

// Not thread-safe: Allows() records which entries were used. One verifier thread owns it.
class AllowList {
 public:
  struct Entry {
    std::string scope;  // "*" or a path prefix
    std::string text;   // allowed exactly
    int line = 0;       // in the allow-list file
  };

  [[nodiscard]] static absl::StatusOr<AllowList> Parse(absl::string_view text,
                                                       const PatternSet& patterns);
  [[nodiscard]] static absl::StatusOr<AllowList> Load(const std::string& path,
                                                      const PatternSet& patterns);

  // Whether `text`, a whole string found in `file`, equals an entry whose scope covers `file`.
  bool Allows(absl::string_view file, absl::string_view text);

  const std::vector<Entry>& entries() const { return entries_; }
  // Entries no Allows() call has used so far.
  std::vector<Entry> Unused() const;

 private:
  static bool InScope(const Entry& entry, absl::string_view file);

  std::vector<Entry> entries_;
  std::vector<bool> used_;
};

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_ALLOW_LIST_H_
