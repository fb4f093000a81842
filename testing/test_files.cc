#include "testing/test_files.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace krl {
namespace testing {

std::string Runfile(const std::string& path) {
  const char* dir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(dir == nullptr ? "." : dir, "/krl/", path);
}

void WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::filesystem::path target(path);
  const std::filesystem::path aside = target.parent_path() / ".tmp-write";
  {
    std::ofstream out(aside);
    out << text;
  }
  std::filesystem::rename(aside, target);
}

}  // namespace testing
}  // namespace krl
