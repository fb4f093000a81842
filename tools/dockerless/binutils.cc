#include "tools/dockerless/binutils.h"

#include <stdio.h>
#include <sys/wait.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace krl::tools::dockerless {
namespace {

// The text between the first '[' and the last ']' of a readelf line.
absl::string_view Bracketed(absl::string_view line) {
  const size_t open = line.find('[');
  const size_t close = line.rfind(']');
  if (open == absl::string_view::npos || close == absl::string_view::npos || close < open) {
    return {};
  }
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

FileKind DetectFileKind(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "!<arch>\n")) return FileKind::kArchive;
  if (bytes.size() < 18 || !absl::StartsWith(bytes,
                                             "\x7f"
                                             "ELF"))
    return FileKind::kOther;
  // e_type sits at offset 16; every target this project builds for is little-endian.
  const unsigned type =
      static_cast<unsigned char>(bytes[16]) | (static_cast<unsigned char>(bytes[17]) << 8);
  switch (type) {
    case 1:
      return FileKind::kRelocatable;
    case 2:
      return FileKind::kExecutable;
    case 3:
      // Position-independent executables are ET_DYN too; both get the same checks.
      return FileKind::kSharedObject;
    default:
      return FileKind::kOther;
  }
}

const char* FileKindName(FileKind kind) {
  switch (kind) {
    case FileKind::kExecutable:
      return "executable";
    case FileKind::kSharedObject:
      return "shared object";
    case FileKind::kRelocatable:
      return "object file";
    case FileKind::kArchive:
      return "archive";
    case FileKind::kOther:
      break;
  }
  return "other";
}

std::string ShellQuote(absl::string_view arg) {
  return absl::StrCat("'", absl::StrReplaceAll(arg, {{"'", "'\\''"}}), "'");
}

absl::StatusOr<std::string> RunCommand(const std::string& command, int* exit_code) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return absl::InternalError(
        absl::StrCat("popen failed for: ", command, ": ", std::strerror(errno)));
  }
  std::string output;
  char buffer[1 << 16];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1) return absl::InternalError(absl::StrCat("pclose failed for: ", command));
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // The shell answers 127 when the program itself is missing.
  if (*exit_code == 127) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run `", command, "` (install Debian packages binutils and libc-bin): ", output));
  }
  return output;
}

std::vector<Symbol> ParseNmOutput(absl::string_view output) {
  std::vector<Symbol> symbols;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    // Diagnostics ("nm: x: no symbols") are not symbols; neither are archive member headers
    // ("x.o:"), which have no type letter and fall through the checks below.
    if (line.empty() || absl::StartsWith(line, "nm: ")) continue;
    // "<address> <type> <name>", or "<spaces> <type> <name>" for undefined symbols.
    absl::string_view rest = line;
    if (line.front() != ' ') {
      const size_t space = rest.find(' ');
      if (space == absl::string_view::npos) continue;
      rest.remove_prefix(space);
    }
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (rest.size() < 3 || rest[1] != ' ') continue;
    symbols.push_back({rest[0], std::string(rest.substr(2))});
  }
  return symbols;
}

absl::StatusOr<std::vector<Symbol>> ListSymbols(const std::string& path, bool dynamic) {
  const std::string command = absl::StrCat("nm ", dynamic ? "-D " : "", "-C ", ShellQuote(path));
  int exit_code = 0;
  absl::StatusOr<std::string> output = RunCommand(command, &exit_code);
  if (!output.ok()) return output.status();
  if (exit_code != 0) {
    return absl::InternalError(absl::StrCat("`", command, "` exited ", exit_code, ": ", *output));
  }
  return ParseNmOutput(*output);
}

DynamicSection ParseReadelfDynamic(absl::string_view output) {
  DynamicSection section;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StrContains(line, "(NEEDED)")) {
      section.needed.emplace_back(Bracketed(line));
    } else if (absl::StrContains(line, "(RUNPATH)") || absl::StrContains(line, "(RPATH)")) {
      for (absl::string_view dir : absl::StrSplit(Bracketed(line), ':', absl::SkipEmpty())) {
        section.runpaths.emplace_back(dir);
      }
    } else if (absl::StrContains(line, "(SONAME)")) {
      section.soname = std::string(Bracketed(line));
    }
  }
  return section;
}

absl::StatusOr<DynamicSection> ReadDynamicSection(const std::string& path) {
  const std::string command = absl::StrCat("readelf -d ", ShellQuote(path));
  int exit_code = 0;
  absl::StatusOr<std::string> output = RunCommand(command, &exit_code);
  if (!output.ok()) return output.status();
  if (exit_code != 0) {
    return absl::InternalError(absl::StrCat("`", command, "` exited ", exit_code, ": ", *output));
  }
  return ParseReadelfDynamic(*output);
}

std::vector<LoadedLibrary> ParseLddOutput(absl::string_view output) {
  std::vector<LoadedLibrary> libraries;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || absl::StrContains(line, "statically linked")) continue;
    // Drop the load address: "libx.so.1 => /lib/libx.so.1 (0x00007f...)".
    const size_t address = line.rfind(" (0x");
    if (address != absl::string_view::npos) line = line.substr(0, address);
    LoadedLibrary library;
    const size_t arrow = line.find(" => ");
    if (arrow == absl::string_view::npos) {
      library.name = std::string(line);
      if (absl::StartsWith(line, "/")) library.path = library.name;
    } else {
      library.name = std::string(line.substr(0, arrow));
      absl::string_view target = absl::StripAsciiWhitespace(line.substr(arrow + 4));
      if (target == "not found") {
        library.found = false;
      } else {
        library.path = std::string(target);
      }
    }
    libraries.push_back(std::move(library));
  }
  return libraries;
}

absl::StatusOr<std::vector<LoadedLibrary>> ListLoadedLibraries(const std::string& path) {
  const std::string command = absl::StrCat("ldd ", ShellQuote(path));
  int exit_code = 0;
  absl::StatusOr<std::string> output = RunCommand(command, &exit_code);
  if (!output.ok()) return output.status();
  if (exit_code != 0) {
    return absl::InternalError(absl::StrCat("`", command, "` exited ", exit_code, ": ", *output));
  }
  return ParseLddOutput(*output);
}

}  // namespace krl::tools::dockerless
