#include "api/core/v1/internal/utf8.h"

#include <catch2/catch.hpp>
#include <string>

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace internal {
namespace {

TEST_CASE("well-formed UTF-8 is accepted, including four-byte sequences") {
  CHECK(FindInvalidUtf8("") == absl::string_view::npos);
  CHECK(FindInvalidUtf8("plain ascii") == absl::string_view::npos);
  CHECK(FindInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == absl::string_view::npos);
  CHECK(FindInvalidUtf8(std::string("nul\0inside", 10)) == absl::string_view::npos);
}

TEST_CASE("ill-formed UTF-8 is found at the first bad byte") {
  CHECK(FindInvalidUtf8("ab\xFF") == 2);
  CHECK(FindInvalidUtf8("\xC0\xAF") == 0);          // overlong '/'
  CHECK(FindInvalidUtf8("x\xED\xA0\x80") == 1);     // a UTF-16 surrogate
  CHECK(FindInvalidUtf8("\xF4\x90\x80\x80") == 0);  // above U+10FFFF
  CHECK(FindInvalidUtf8("ok\xE2\x82") == 2);        // truncated
}

TEST_CASE("sanitizing replaces each bad byte with U+FFFD and keeps the rest") {
  CHECK(SanitizeUtf8("fine") == "fine");
  CHECK(SanitizeUtf8("a\xFF"
                     "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(SanitizeUtf8("\xC3\xA9\xC3") == "\xC3\xA9\xEF\xBF\xBD");
}

}  // namespace
}  // namespace internal
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
