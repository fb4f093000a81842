// What binutils and the dynamic loader say about a binary: symbols (nm -C, nm -D -C), the dynamic
// section (readelf -d) and every shared object it loads (ldd). Run through popen; the programs
// come from Debian's binutils and libc-bin.
//
//   absl::StatusOr<std::vector<Symbol>> symbols = ListSymbols("tools/cri/cri", /*dynamic=*/false);
//   absl::StatusOr<DynamicSection> dynamic = ReadDynamicSection("tools/cri/cri");
//   absl::StatusOr<std::vector<LoadedLibrary>> loaded = ListLoadedLibraries("tools/cri/cri");
#ifndef KRL_TOOLS_DOCKERLESS_BINUTILS_H_
#define KRL_TOOLS_DOCKERLESS_BINUTILS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl::tools::dockerless {

enum class FileKind { kExecutable, kSharedObject, kRelocatable, kArchive, kOther };

// From the first bytes of a file: ELF type, or an `ar` archive.
FileKind DetectFileKind(absl::string_view bytes);
const char* FileKindName(FileKind kind);

struct Symbol {
  char type = '?';   // nm's letter: T, U, W, ...
  std::string name;  // demangled
};

// `nm -C` (or `nm -D -C` when `dynamic`): every symbol, defined and undefined. A file without a
// symbol table gives an empty list; a failure of nm is an error carrying its output.
[[nodiscard]] absl::StatusOr<std::vector<Symbol>> ListSymbols(const std::string& path,
                                                              bool dynamic);

struct DynamicSection {
  std::vector<std::string> needed;    // DT_NEEDED, in order
  std::vector<std::string> runpaths;  // DT_RUNPATH and DT_RPATH entries, split at ':'
  std::string soname;
};

// `readelf -d`: an empty section for files without one (static binaries, archives).
[[nodiscard]] absl::StatusOr<DynamicSection> ReadDynamicSection(const std::string& path);

struct LoadedLibrary {
  std::string name;  // as NEEDED names it
  std::string path;  // resolved path; empty for the vDSO or when not found
  bool found = true;
};

// `ldd`: every shared object the loader maps for `path`, direct and transitive.
[[nodiscard]] absl::StatusOr<std::vector<LoadedLibrary>> ListLoadedLibraries(
    const std::string& path);

// Parsers, separate so tests can feed them captured output.
std::vector<Symbol> ParseNmOutput(absl::string_view output);
DynamicSection ParseReadelfDynamic(absl::string_view output);
std::vector<LoadedLibrary> ParseLddOutput(absl::string_view output);

// Runs `command` with /bin/sh, returning stdout and stderr together; `exit_code` gets its status.
[[nodiscard]] absl::StatusOr<std::string> RunCommand(const std::string& command, int* exit_code);
std::string ShellQuote(absl::string_view arg);

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_BINUTILS_H_
