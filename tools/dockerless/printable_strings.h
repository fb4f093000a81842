// The printable strings of a file's raw bytes, as `strings -a -n 6` finds them.
//
// A string is a run of at least `min_length` bytes that are printable ASCII or tab. Reading every
// byte (not only some ELF sections) means nothing hides in a section the scan forgot.
//
//   size_t n = ForEachPrintableString(bytes, 6, [](size_t offset, absl::string_view text) {
//     std::cout << offset << " " << text << "\n";
//   });
#ifndef KRL_TOOLS_DOCKERLESS_PRINTABLE_STRINGS_H_
#define KRL_TOOLS_DOCKERLESS_PRINTABLE_STRINGS_H_

#include <cstddef>
#include <functional>

#include "absl/strings/string_view.h"

namespace krl::tools::dockerless {

// The run length `strings` uses when asked for -n 6.
inline constexpr size_t kMinStringLength = 6;

// Calls `visit(offset, text)` for each string in file order and returns how many there were.
size_t ForEachPrintableString(absl::string_view bytes, size_t min_length,
                              const std::function<void(size_t, absl::string_view)>& visit);

}  // namespace krl::tools::dockerless

#endif  // KRL_TOOLS_DOCKERLESS_PRINTABLE_STRINGS_H_
