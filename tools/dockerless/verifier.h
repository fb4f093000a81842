// Proves a build dockerless: no label, repository, file or link option of its Bazel graph, no
// symbol, no printable string and no linked library of its binaries names docker (the words in
// patterns.txt), except the reviewed user-facing strings of allowlist.txt.
//
// CheckManifest() checks the names a dependency manifest lists, then every binary and library in
// it; CheckArtifact() checks one file. Offences and errors accumulate; PrintSummary() reports what
// was checked (counts) and every offence with its location.
//
//   Verifier verifier(*std::move(patterns), *std::move(allow_list), std::cout);
//   verifier.CheckManifest(*manifest);
//   verifier.PrintSummary(std::cout);  return verifier.ExitCode();
#ifndef KRL_TOOLS_DOCKERLESS_VERIFIER_H_
#define KRL_TOOLS_DOCKERLESS_VERIFIER_H_

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "tools/dockerless/allow_list.h"
#include "tools/dockerless/dependency_manifest.h"
#include "tools/dockerless/pattern_set.h"

namespace krl::tools::dockerless {

struct Offence {
  enum class Kind {
    kGraph,    // a label, repository, file or link option in the Bazel graph
    kSymbol,   // a demangled symbol of a binary, library or loaded shared object
    kString,   // a printable string of a binary or library
    kLibrary,  // a NEEDED name, a RUNPATH entry, or a loaded shared object's name or path
  };
  Kind kind = Kind::kGraph;
  std::string location;  // manifest:line, file, file+0xOFFSET
  std::string subject;   // what names it: the label, symbol, string or library
  std::vector<std::string> patterns;
};

const char* OffenceKindName(Offence::Kind kind);

// What was checked, for the report: a pass means something only next to these numbers.
struct VerifierTotals {
  size_t manifests = 0;
  size_t roots = 0;
  size_t targets = 0;
  size_t repositories = 0;
  size_t files = 0;  // source and generated files in the graph
  size_t linkopts = 0;
  size_t binaries = 0;          // ELF executables and shared objects scanned
  size_t libraries = 0;         // archives and object files scanned
  size_t symbols = 0;           // nm -C lines of scanned files
  size_t dynamic_symbols = 0;   // nm -D -C lines of scanned files
  size_t strings = 0;           // printable strings of scanned files
  size_t bytes = 0;             // bytes read for the string scan
  size_t needed = 0;            // NEEDED entries of scanned files
  size_t system_libraries = 0;  // distinct shared objects loaded, direct or transitive
  size_t system_symbols = 0;    // nm -D -C lines of those shared objects
};

// Single-threaded: one verifier run owns it.
class Verifier {
 public:
  // Progress lines ("checked binary ...") go to `log`.
  Verifier(PatternSet patterns, AllowList allow_list, std::ostream& log);

  void CheckManifest(const DependencyManifest& manifest);
  // `path` is opened as given (relative to the working directory, which in a test is the
  // runfiles tree of the main repository).
  void CheckArtifact(const std::string& path);

  const std::vector<Offence>& offences() const { return offences_; }
  // What could not be checked (a missing file, nm failing): the run cannot pass.
  const std::vector<std::string>& errors() const { return errors_; }
  const VerifierTotals& totals() const { return totals_; }

  void PrintSummary(std::ostream& out) const;
  // 0 when clean, 1 with offences, else 2 when something could not be checked.
  int ExitCode() const;

 private:
  void AddOffence(Offence::Kind kind, std::string location, std::string subject,
                  const std::vector<PatternSet::Hit>& hits);
  void CheckName(Offence::Kind kind, const std::string& location, const std::string& name);
  size_t CheckSymbols(const std::string& path, bool dynamic);
  size_t CheckStrings(const std::string& path, absl::string_view bytes);
  void CheckDynamicLinking(const std::string& path);
  void CheckSystemLibrary(const std::string& path);

  PatternSet patterns_;
  AllowList allow_list_;
  std::ostream& log_;
  std::vector<Offence> offences_;
  std::vector<std::string> errors_;
  VerifierTotals totals_;
  std::set<std::string> system_libraries_checked_;
};

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_VERIFIER_H_
