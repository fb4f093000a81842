#include "api/core/v1/quantity.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

constexpr int64_t kNanosPerUnit = 1000000000;
constexpr int64_t kNanosPerMilli = 1000000;
// An int128 holds any value below 1.7e38; parsed magnitudes are kept below 1e29 nanos (the
// largest int64 unit value is 9.2e27 nanos), so multiplying by 10 or 1024 never overflows.
constexpr int kMaxNanoDigits = 29;

absl::int128 Pow10(int n) {
  absl::int128 result = 1;
  for (int i = 0; i < n; ++i) result *= 10;
  return result;
}

std::string Int128ToString(absl::int128 value) {
  if (value == 0) return "0";
  bool negative = value < 0;
  absl::uint128 magnitude = negative ? absl::uint128(-(value + 1)) + 1 : absl::uint128(value);
  std::string digits;
  while (magnitude > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

// Divides by `divisor`, rounding a non-zero remainder away from zero; OutOfRange if the result
// does not fit an int64.
absl::StatusOr<int64_t> DivideAwayFromZero(absl::int128 nanos, int64_t divisor,
                                           absl::string_view unit) {
  absl::int128 quotient = nanos / divisor;  // truncates toward zero
  if (nanos % divisor != 0) quotient += nanos < 0 ? -1 : 1;
  if (quotient > std::numeric_limits<int64_t>::max() ||
      quotient < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError(absl::StrCat("quantity ", Int128ToString(nanos / kNanosPerUnit),
                                              " does not fit a 64-bit integer of ", unit));
  }
  return static_cast<int64_t>(quotient);
}

// Multiplies a decimal digit string in place by `factor` (< 2^20).
void MultiplyDigits(std::string* digits, uint32_t factor) {
  uint64_t carry = 0;
  for (auto it = digits->rbegin(); it != digits->rend(); ++it) {
    uint64_t product = static_cast<uint64_t>(*it - '0') * factor + carry;
    *it = static_cast<char>('0' + product % 10);
    carry = product / 10;
  }
  while (carry > 0) {
    digits->insert(digits->begin(), static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The text for error messages: escaped, and cut if it is very long.
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 64;
  if (text.size() > kMaxShown) {
    return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxShown)), "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

struct Suffix {
  int decimal_exponent = 0;
  int binary_exponent = 0;
  Quantity::Format format = Quantity::Format::kDecimalSI;
};

// Returns false if `text` is not a suffix; `error` then says why.
bool ParseSuffix(absl::string_view text, Suffix* suffix, std::string* error) {
  static constexpr struct {
    absl::string_view name;
    int decimal_exponent;
    int binary_exponent;
  } kNamed[] = {
      {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
      {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
      {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
  };
  for (const auto& named : kNamed) {
    if (text == named.name) {
      suffix->decimal_exponent = named.decimal_exponent;
      suffix->binary_exponent = named.binary_exponent;
      suffix->format =
          named.binary_exponent > 0 ? Quantity::Format::kBinarySI : Quantity::Format::kDecimalSI;
      return true;
    }
  }
  if (text.size() > 1 && (text[0] == 'e' || text[0] == 'E')) {
    absl::string_view exponent = text.substr(1);
    bool negative = false;
    if (exponent[0] == '+' || exponent[0] == '-') {
      negative = exponent[0] == '-';
      exponent.remove_prefix(1);
    }
    if (exponent.empty()) {
      *error = absl::StrCat("malformed exponent ", Quote(text), " (want e.g. e3 or e-3)");
      return false;
    }
    int value = 0;
    for (char c : exponent) {
      if (!IsDigit(c)) {
        *error = absl::StrCat("malformed exponent ", Quote(text), " (want e.g. e3 or e-3)");
        return false;
      }
      // Nine digits are far beyond any representable quantity; refusing more keeps int exact.
      if (value >= 100000000) {
        *error = absl::StrCat("exponent ", Quote(text), " is out of range");
        return false;
      }
      value = value * 10 + (c - '0');
    }
    suffix->decimal_exponent = negative ? -value : value;
    suffix->binary_exponent = 0;
    suffix->format = Quantity::Format::kDecimalExponent;
    return true;
  }
  if (IsDigit(text[0]) || text[0] == '.' || text[0] == '+' || text[0] == '-') {
    *error = absl::StrCat("malformed number: unexpected ", Quote(text.substr(0, 1)));
  } else {
    *error = absl::StrCat("unknown suffix ", Quote(text),
                          " (want one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent "
                          "like e3)");
  }
  return false;
}

}  // namespace

Quantity Quantity::FromValue(int64_t value, Format format) {
  Quantity q;
  q.nanos_ = absl::int128(value) * kNanosPerUnit;
  q.format_ = format;
  return q;
}

Quantity Quantity::FromMilliValue(int64_t milli_value) {
  Quantity q;
  q.nanos_ = absl::int128(milli_value) * kNanosPerMilli;
  q.format_ = Format::kDecimalSI;
  return q;
}

absl::StatusOr<int64_t> Quantity::Value() const {
  return DivideAwayFromZero(nanos_, kNanosPerUnit, "units");
}

absl::StatusOr<int64_t> Quantity::MilliValue() const {
  return DivideAwayFromZero(nanos_, kNanosPerMilli, "thousandths");
}

int Quantity::Compare(const Quantity& other) const {
  if (nanos_ < other.nanos_) return -1;
  return nanos_ > other.nanos_ ? 1 : 0;
}

std::string Quantity::ToString() const {
  if (nanos_ == 0) return "0";
  const std::string sign = nanos_ < 0 ? "-" : "";
  absl::int128 magnitude = nanos_ < 0 ? -nanos_ : nanos_;

  if (format_ == Format::kBinarySI && magnitude >= absl::int128(1024) * kNanosPerUnit &&
      magnitude % kNanosPerUnit == 0) {
    static constexpr absl::string_view kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    absl::int128 units = magnitude / kNanosPerUnit;
    int power = 0;
    while (power < 6 && units % 1024 == 0) {
      units /= 1024;
      ++power;
    }
    return absl::StrCat(sign, Int128ToString(units), kBinary[power]);
  }

  // Decimal: strip trailing zeros, then pick the largest multiple of three not above the
  // exponent so the mantissa stays an integer.
  int exponent = -9;
  while (magnitude % 10 == 0) {
    magnitude /= 10;
    ++exponent;
  }
  int scale = exponent >= 0 ? exponent / 3 * 3 : -((-exponent + 2) / 3 * 3);
  if (format_ != Format::kDecimalExponent && scale > 18) scale = 18;
  absl::int128 mantissa = magnitude * Pow10(exponent - scale);
  if (format_ == Format::kDecimalExponent) {
    return absl::StrCat(sign, Int128ToString(mantissa), scale == 0 ? "" : absl::StrCat("e", scale));
  }
  static constexpr absl::string_view kDecimal[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  return absl::StrCat(sign, Int128ToString(mantissa), kDecimal[(scale + 9) / 3]);
}

absl::StatusOr<Quantity> ParseQuantity(absl::string_view text) {
  auto invalid = [text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid quantity ", Quote(text), ": ", why));
  };
  if (text.empty())
    return invalid("it is empty (want a number with an optional suffix, like 128Mi)");

  size_t pos = 0;
  bool negative = false;
  if (text[pos] == '+' || text[pos] == '-') {
    negative = text[pos] == '-';
    ++pos;
  }
  size_t integer_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  absl::string_view integer_digits = text.substr(integer_start, pos - integer_start);
  absl::string_view fraction_digits;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t fraction_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    fraction_digits = text.substr(fraction_start, pos - fraction_start);
  }
  if (integer_digits.empty() && fraction_digits.empty()) {
    return invalid("missing number (a quantity starts with a number, like 128Mi or 0.5)");
  }

  Suffix suffix;
  std::string error;
  if (!ParseSuffix(text.substr(pos), &suffix, &error)) return invalid(error);

  std::string digits = absl::StrCat(integer_digits, fraction_digits);
  int64_t exponent =
      static_cast<int64_t>(suffix.decimal_exponent) - static_cast<int64_t>(fraction_digits.size());
  size_t first = digits.find_first_not_of('0');
  Quantity q;
  q.format_ = suffix.format;
  if (first == std::string::npos) return q;  // zero, whatever its sign or suffix
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  for (int bits = suffix.binary_exponent; bits > 0; bits -= 10) MultiplyDigits(&digits, 1024);

  // The magnitude in nanos is digits * 10^(exponent + 9); anything finer than a nano rounds away
  // from zero, as Kubernetes limits quantities to nano precision.
  const std::string out_of_range =
      "out of range (the value must fit a signed 64-bit integer: at most 9223372036854775807, "
      "about 8Ei)";
  int64_t shift = exponent + 9;
  absl::int128 nanos = 0;
  if (shift >= 0) {
    if (static_cast<int64_t>(digits.size()) + shift > kMaxNanoDigits) return invalid(out_of_range);
    for (char c : digits) nanos = nanos * 10 + (c - '0');
    nanos *= Pow10(static_cast<int>(shift));
  } else {
    size_t dropped = static_cast<size_t>(-shift);
    size_t kept = digits.size() > dropped ? digits.size() - dropped : 0;
    if (kept > static_cast<size_t>(kMaxNanoDigits)) return invalid(out_of_range);
    for (size_t i = 0; i < kept; ++i) nanos = nanos * 10 + (digits[i] - '0');
    // `digits` has no trailing zeros, so any dropped digit makes the remainder non-zero.
    if (kept < digits.size()) nanos += 1;
  }
  q.nanos_ = negative ? -nanos : nanos;
  if (!q.Value().ok()) return invalid(out_of_range);
  return q;
}

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
