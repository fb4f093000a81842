#include "tools/dockerless/verifier.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/dockerless/binutils.h"
#include "tools/dockerless/printable_strings.h"

namespace krl::tools::dockerless {
namespace {

// Long strings are shown as a window around the first hit, so the report stays readable.
std::string Excerpt(absl::string_view text, size_t hit) {
  constexpr size_t kWidth = 160;
  if (text.size() <= kWidth) return std::string(text);
  const size_t start = hit > kWidth / 2 ? hit - kWidth / 2 : 0;
  return absl::StrCat(start > 0 ? "..." : "", text.substr(start, kWidth),
                      start + kWidth < text.size() ? "..." : "");
}

}  // namespace

const char* OffenceKindName(Offence::Kind kind) {
  switch (kind) {
    case Offence::Kind::kGraph:
      return "graph";
    case Offence::Kind::kSymbol:
      return "symbol";
    case Offence::Kind::kString:
      return "string";
    case Offence::Kind::kLibrary:
      return "library";
  }
  return "?";
}

Verifier::Verifier(PatternSet patterns, AllowList allow_list, std::ostream& log)
    : patterns_(std::move(patterns)), allow_list_(std::move(allow_list)), log_(log) {}

void Verifier::AddOffence(Offence::Kind kind, std::string location, std::string subject,
                          const std::vector<PatternSet::Hit>& hits) {
  Offence offence{kind, std::move(location), std::move(subject), PatternSet::PatternsOf(hits)};
  log_ << "OFFENCE " << OffenceKindName(offence.kind) << " at " << offence.location << ": "
       << offence.subject << " [" << absl::StrJoin(offence.patterns, ", ") << "]\n";
  offences_.push_back(std::move(offence));
}

void Verifier::CheckName(Offence::Kind kind, const std::string& location, const std::string& name) {
  std::vector<PatternSet::Hit> hits = patterns_.Find(name);
  if (!hits.empty()) AddOffence(kind, location, name, hits);
}

void Verifier::CheckManifest(const DependencyManifest& manifest) {
  ++totals_.manifests;
  totals_.roots += manifest.Count("root");
  totals_.targets += manifest.Count("target");
  totals_.repositories += manifest.Count("repository");
  totals_.files += manifest.Count("file") + manifest.Count("generated");
  totals_.linkopts += manifest.Count("linkopt");
  for (const DependencyManifest::Entry& entry : manifest.entries()) {
    CheckName(Offence::Kind::kGraph, absl::StrCat(manifest.path(), ":", entry.line),
              absl::StrCat(entry.kind, " ", entry.value));
  }
  log_ << "checked manifest " << manifest.path() << ": " << manifest.Count("root") << " roots, "
       << manifest.Count("target") << " targets, " << manifest.Count("repository")
       << " repositories, " << manifest.Count("file") + manifest.Count("generated") << " files, "
       << manifest.Count("linkopt") << " link options\n";
  for (const std::string& path : manifest.Values("binary")) CheckArtifact(path);
  for (const std::string& path : manifest.Values("library")) CheckArtifact(path);
}

size_t Verifier::CheckSymbols(const std::string& path, bool dynamic) {
  absl::StatusOr<std::vector<Symbol>> symbols = ListSymbols(path, dynamic);
  if (!symbols.ok()) {
    errors_.push_back(std::string(symbols.status().message()));
    return 0;
  }
  for (const Symbol& symbol : *symbols) {
    std::vector<PatternSet::Hit> hits = patterns_.Find(symbol.name);
    if (!hits.empty()) {
      AddOffence(Offence::Kind::kSymbol,
                 absl::StrCat(path, dynamic ? " (nm -D -C, " : " (nm -C, ", "type ",
                              std::string(1, symbol.type), ")"),
                 symbol.name, hits);
    }
  }
  return symbols->size();
}

size_t Verifier::CheckStrings(const std::string& path, absl::string_view bytes) {
  return ForEachPrintableString(bytes, kMinStringLength, [&](size_t offset, absl::string_view s) {
    if (!patterns_.MayMatch(s)) return;
    std::vector<PatternSet::Hit> hits = patterns_.Find(s);
    if (hits.empty() || allow_list_.Allows(path, s)) return;
    AddOffence(Offence::Kind::kString,
               absl::StrFormat("%s+0x%x", path, offset + hits.front().offset),
               absl::StrCat("\"", Excerpt(s, hits.front().offset), "\""), hits);
  });
}

void Verifier::CheckSystemLibrary(const std::string& path) {
  if (!system_libraries_checked_.insert(path).second) return;
  ++totals_.system_libraries;
  absl::StatusOr<std::vector<Symbol>> symbols = ListSymbols(path, /*dynamic=*/true);
  if (!symbols.ok()) {
    errors_.push_back(std::string(symbols.status().message()));
    return;
  }
  totals_.system_symbols += symbols->size();
  for (const Symbol& symbol : *symbols) {
    std::vector<PatternSet::Hit> hits = patterns_.Find(symbol.name);
    if (!hits.empty()) {
      AddOffence(Offence::Kind::kSymbol, absl::StrCat(path, " (nm -D -C)"), symbol.name, hits);
    }
  }
}

void Verifier::CheckDynamicLinking(const std::string& path) {
  absl::StatusOr<DynamicSection> dynamic = ReadDynamicSection(path);
  if (!dynamic.ok()) {
    errors_.push_back(std::string(dynamic.status().message()));
    return;
  }
  totals_.needed += dynamic->needed.size();
  for (const std::string& needed : dynamic->needed) {
    CheckName(Offence::Kind::kLibrary, absl::StrCat(path, " NEEDED"), needed);
  }
  for (const std::string& runpath : dynamic->runpaths) {
    CheckName(Offence::Kind::kLibrary, absl::StrCat(path, " RUNPATH"), runpath);
  }
  if (dynamic->needed.empty()) return;

  absl::StatusOr<std::vector<LoadedLibrary>> loaded = ListLoadedLibraries(path);
  if (!loaded.ok()) {
    errors_.push_back(std::string(loaded.status().message()));
    return;
  }
  for (const LoadedLibrary& library : *loaded) {
    CheckName(Offence::Kind::kLibrary, absl::StrCat(path, " loads"), library.name);
    if (!library.found) {
      // Its name was checked; what it would load in turn cannot be.
      errors_.push_back(absl::StrCat(path, ": ldd cannot find ", library.name));
      continue;
    }
    if (library.path.empty()) continue;  // the vDSO
    CheckName(Offence::Kind::kLibrary, absl::StrCat(path, " loads ", library.name), library.path);
    CheckSystemLibrary(library.path);
  }
}

void Verifier::CheckArtifact(const std::string& path) {
  CheckName(Offence::Kind::kGraph, "artifact path", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors_.push_back(absl::StrCat("cannot read ", path));
    return;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  totals_.bytes += bytes.size();

  const FileKind kind = DetectFileKind(bytes);
  size_t symbols = 0;
  size_t dynamic_symbols = 0;
  const size_t needed_before = totals_.needed;
  const size_t libraries_before = totals_.system_libraries;
  switch (kind) {
    case FileKind::kExecutable:
    case FileKind::kSharedObject:
      ++totals_.binaries;
      symbols = CheckSymbols(path, /*dynamic=*/false);
      dynamic_symbols = CheckSymbols(path, /*dynamic=*/true);
      CheckDynamicLinking(path);
      break;
    case FileKind::kArchive:
    case FileKind::kRelocatable:
      ++totals_.libraries;
      symbols = CheckSymbols(path, /*dynamic=*/false);
      break;
    case FileKind::kOther:
      // Not code (a script, a data file): its strings are still checked.
      ++totals_.libraries;
      break;
  }
  const size_t strings = CheckStrings(path, bytes);
  totals_.symbols += symbols;
  totals_.dynamic_symbols += dynamic_symbols;
  totals_.strings += strings;
  log_ << "checked " << FileKindName(kind) << " " << path << ": " << bytes.size() << " bytes, "
       << symbols << " symbols, " << dynamic_symbols << " dynamic symbols, " << strings
       << " strings, " << totals_.needed - needed_before << " NEEDED, "
       << totals_.system_libraries - libraries_before << " new shared objects loaded\n";
}

void Verifier::PrintSummary(std::ostream& out) const {
  const VerifierTotals& t = totals_;
  out << "\nchecked: " << t.manifests << " manifests (" << t.roots << " roots, " << t.targets
      << " targets, " << t.repositories << " repositories, " << t.files << " files, " << t.linkopts
      << " link options)\n"
      << "checked: " << t.binaries << " binaries and " << t.libraries << " libraries (" << t.bytes
      << " bytes): " << t.symbols << " symbols, " << t.dynamic_symbols << " dynamic symbols, "
      << t.strings << " strings, " << t.needed << " NEEDED\n"
      << "checked: " << t.system_libraries << " shared objects loaded by them: " << t.system_symbols
      << " dynamic symbols\n"
      << "patterns: " << patterns_.matches().size() << " (except "
      << absl::StrJoin(patterns_.exceptions(), ", ")
      << "); allow-list entries: " << allow_list_.entries().size() << "\n";
  for (const AllowList::Entry& entry : allow_list_.Unused()) {
    out << "note: allow-list entry at line " << entry.line << " matched no scanned string: ["
        << entry.scope << "] " << entry.text << "\n";
  }
  for (const std::string& error : errors_) out << "ERROR " << error << "\n";
  for (const Offence& o : offences_) {
    out << "OFFENCE " << OffenceKindName(o.kind) << " at " << o.location << ": " << o.subject
        << " [" << absl::StrJoin(o.patterns, ", ") << "]\n";
  }
  if (offences_.empty() && errors_.empty()) {
    out << "PASS: no offences\n";
  } else {
    out << "FAIL: " << offences_.size() << " offences, " << errors_.size()
        << " things that could not be checked\n";
  }
}

int Verifier::ExitCode() const {
  if (!offences_.empty()) return 1;
  return errors_.empty() ? 0 : 2;
}

}  // namespace krl::tools::dockerless
