#include "tools/dockerless/binutils.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "tools/dockerless/printable_strings.h"

// A symbol with a name nothing else has, for the nm test to find in this very binary.
extern "C" int krl_binutils_test_marker() { return 42; }

namespace krl::tools::dockerless {
namespace {

// This test's own binary. /proc/self/exe itself would name nm when nm opens it.
std::string SelfPath() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  REQUIRE(n > 0);
  return std::string(path, n);
}

TEST_CASE("nm output is parsed into typed, demangled symbols") {
  const std::vector<Symbol> symbols = ParseNmOutput(
      "\n"
      "libx.a(a.o):\n"  // an archive member header (newer nm) ...
      "a.o:\n"          // ... or the older form: neither is a symbol
      "0000000000001139 T krl::Connect(std::string const&)\n"
      "                 U memcpy@GLIBC_2.14\n"
      "                 w __gmon_start__\n"
      "nm: b.o: no symbols\n");
  REQUIRE(symbols.size() == 3);
  CHECK(symbols[0].type == 'T');
  CHECK(symbols[0].name == "krl::Connect(std::string const&)");
  CHECK(symbols[1].type == 'U');
  CHECK(symbols[1].name == "memcpy@GLIBC_2.14");
  CHECK(symbols[2].type == 'w');
}

TEST_CASE("readelf -d output gives NEEDED, RUNPATH and SONAME") {
  const DynamicSection section = ParseReadelfDynamic(
      "Dynamic section at offset 0x2d00 contains 30 entries:\n"
      "  Tag        Type                         Name/Value\n"
      " 0x0000000000000001 (NEEDED)             Shared library: [libgrpc++.so.1.51]\n"
      " 0x0000000000000001 (NEEDED)             Shared library: [libc.so.6]\n"
      " 0x000000000000000e (SONAME)             Library soname: [libx.so]\n"
      " 0x000000000000001d (RUNPATH)            Library runpath: [$ORIGIN/a:$ORIGIN/b]\n");
  CHECK(section.needed == std::vector<std::string>{"libgrpc++.so.1.51", "libc.so.6"});
  CHECK(section.runpaths == std::vector<std::string>{"$ORIGIN/a", "$ORIGIN/b"});
  CHECK(section.soname == "libx.so");
}

TEST_CASE("ldd output gives every loaded object, its path, and what is missing") {
  const std::vector<LoadedLibrary> libraries = ParseLddOutput(
      "\tlinux-vdso.so.1 (0x00007ffc2a5f0000)\n"
      "\tlibgrpc++.so.1.51 => /lib/x86_64-linux-gnu/libgrpc++.so.1.51 (0x00007f0000000000)\n"
      "\tlibmissing.so => not found\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f0000001000)\n");
  REQUIRE(libraries.size() == 4);
  CHECK(libraries[0].name == "linux-vdso.so.1");
  CHECK(libraries[0].path.empty());
  CHECK(libraries[1].path == "/lib/x86_64-linux-gnu/libgrpc++.so.1.51");
  CHECK_FALSE(libraries[2].found);
  CHECK(libraries[3].path == "/lib64/ld-linux-x86-64.so.2");
}

TEST_CASE("file kinds come from the ELF header or the archive magic") {
  auto elf = [](char type) {
    std::string header =
        "\x7f"
        "ELF";
    header.resize(18, '\0');
    header[16] = type;
    return header;
  };
  CHECK(DetectFileKind(elf(1)) == FileKind::kRelocatable);
  CHECK(DetectFileKind(elf(2)) == FileKind::kExecutable);
  CHECK(DetectFileKind(elf(3)) == FileKind::kSharedObject);
  CHECK(DetectFileKind("!<arch>\nmember") == FileKind::kArchive);
  CHECK(DetectFileKind("#!/bin/sh\n") == FileKind::kOther);
  CHECK(DetectFileKind("") == FileKind::kOther);
}

TEST_CASE("binutils read this test binary: symbols, NEEDED and loaded libraries") {
  CHECK(krl_binutils_test_marker() == 42);
  absl::StatusOr<std::vector<Symbol>> symbols = ListSymbols(SelfPath(), false);
  REQUIRE(symbols.ok());
  bool found = false;
  for (const Symbol& symbol : *symbols) found |= symbol.name == "krl_binutils_test_marker";
  CHECK(found);

  absl::StatusOr<DynamicSection> dynamic = ReadDynamicSection(SelfPath());
  REQUIRE(dynamic.ok());
  CHECK(std::find(dynamic->needed.begin(), dynamic->needed.end(), "libc.so.6") !=
        dynamic->needed.end());

  absl::StatusOr<std::vector<LoadedLibrary>> loaded = ListLoadedLibraries(SelfPath());
  REQUIRE(loaded.ok());
  bool libc = false;
  for (const LoadedLibrary& library : *loaded) {
    libc |= library.name == "libc.so.6" && library.found && !library.path.empty();
  }
  CHECK(libc);
}

TEST_CASE("a missing program or file is an error, not an empty answer") {
  int exit_code = 0;
  CHECK(
      absl::IsFailedPrecondition(RunCommand("krl-no-such-program-anywhere", &exit_code).status()));
  CHECK_FALSE(ListSymbols("/nonexistent/file", false).ok());
  CHECK_FALSE(ReadDynamicSection("/nonexistent/file").ok());
}

TEST_CASE("arguments are quoted for the shell") {
  CHECK(ShellQuote("a b") == "'a b'");
  CHECK(ShellQuote("it's") == "'it'\\''s'");
}

TEST_CASE("printable strings are found like strings -n 6, with their offsets") {
  constexpr char kBytes[] = "\x01\x02hello\x00longer string\x00\x7f\tx tab\n";
  const std::string bytes(kBytes, sizeof(kBytes) - 1);
  std::vector<std::pair<size_t, std::string>> found;
  const size_t count = ForEachPrintableString(bytes, 6, [&](size_t offset, absl::string_view s) {
    found.emplace_back(offset, std::string(s));
  });
  CHECK(count == 2);
  REQUIRE(found.size() == 2);
  CHECK(found[0] == std::make_pair(size_t{8}, std::string("longer string")));
  CHECK(found[1] == std::make_pair(size_t{23}, std::string("\tx tab")));
}

}  // namespace
}  // namespace krl::tools::dockerless
