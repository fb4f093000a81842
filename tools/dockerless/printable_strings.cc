#include "tools/dockerless/printable_strings.h"

namespace krl::tools::dockerless {
namespace {

bool Printable(unsigned char c) { return c == '\t' || (c >= 0x20 && c <= 0x7e); }

}  // namespace

size_t ForEachPrintableString(absl::string_view bytes, size_t min_length,
                              const std::function<void(size_t, absl::string_view)>& visit) {
  size_t count = 0;
  size_t start = 0;
  for (size_t i = 0; i <= bytes.size(); ++i) {
    if (i < bytes.size() && Printable(static_cast<unsigned char>(bytes[i]))) continue;
    if (i - start >= min_length) {
      ++count;
      visit(start, bytes.substr(start, i - start));
    }
    start = i + 1;
  }
  return count;
}

}  // namespace krl::tools::dockerless
