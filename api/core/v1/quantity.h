// Quantity: a Kubernetes resource quantity ("500m", "1.5Gi", "1e3", "128974848").
//
// Quantities size cpu (in cores; MilliValue() gives millicores) and memory or storage (in bytes;
// Value()). Like the API server, a parsed quantity keeps nano precision (finer values round away
// from zero) and remembers its format (decimal SI, binary SI, decimal exponent) for ToString().
//
//   absl::StatusOr<Quantity> memory = ParseQuantity("1.5Gi");
//   if (!memory.ok()) return memory.status();  // names the text and what is wrong with it
//   int64_t bytes = *memory->Value();           // 1610612736
#ifndef KRL_API_CORE_V1_QUANTITY_H_
#define KRL_API_CORE_V1_QUANTITY_H_

#include <cstdint>
#include <string>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

class Quantity {
 public:
  // How ToString() writes the quantity: the format of the suffix it was parsed with.
  enum class Format {
    kDecimalSI,        // "", n, u, m, k, M, G, T, P, E
    kBinarySI,         // Ki, Mi, Gi, Ti, Pi, Ei
    kDecimalExponent,  // e3, E-6
  };

  // Zero.
  Quantity() = default;

  // Exact values; `value` in units (bytes, cores), `milli_value` in thousandths of a unit.
  static Quantity FromValue(int64_t value, Format format = Format::kDecimalSI);
  static Quantity FromMilliValue(int64_t milli_value);

  // The value in units, rounded away from zero (as Kubernetes rounds "up"): 0.1 -> 1, -0.1 -> -1.
  // Never fails for a quantity from ParseQuantity or FromValue (both keep Value() in range).
  [[nodiscard]] absl::StatusOr<int64_t> Value() const;

  // The value in thousandths of a unit, rounded away from zero: cpu "0.5" -> 500, "1n" -> 1.
  // OutOfRange when it does not fit an int64 (above about 9.2e15 units).
  [[nodiscard]] absl::StatusOr<int64_t> MilliValue() const;

  bool IsZero() const { return nanos_ == 0; }
  // -1, 0 or 1.
  int Sign() const { return nanos_ < 0 ? -1 : (nanos_ > 0 ? 1 : 0); }
  Format format() const { return format_; }

  // The Kubernetes canonical form: the largest suffix of the quantity's format that keeps the
  // number an integer ("1000" -> "1k", "0.5" -> "500m", "1536Mi" stays, "1024Mi" -> "1Gi").
  // Binary quantities below 1024 or not whole units are written in decimal SI, as Kubernetes does.
  // ParseQuantity(q.ToString()) == q always holds.
  std::string ToString() const;

  // Compares values, not spellings: "1Gi" == "1024Mi", "1k" == "1000" (Kubernetes' semantics).
  int Compare(const Quantity& other) const;
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nanos_ == b.nanos_; }
  friend bool operator!=(const Quantity& a, const Quantity& b) { return !(a == b); }
  friend bool operator<(const Quantity& a, const Quantity& b) { return a.nanos_ < b.nanos_; }

 private:
  friend absl::StatusOr<Quantity> ParseQuantity(absl::string_view text);

  // The exact value in billionths of a unit; |value| <= about 9.2e27, so it always fits.
  absl::int128 nanos_ = 0;
  Format format_ = Format::kDecimalSI;
};

// Parses the Kubernetes quantity syntax: an optional sign, a decimal number ("5", "0.5", ".5",
// "5."), then one suffix: decimal SI (n u m k M G T P E, or none), binary SI (Ki Mi Gi Ti Pi Ei) or
// a decimal exponent ("e3", "E-2"). No spaces. InvalidArgument, with a message that starts
// `invalid quantity "TEXT": ` and says what is wrong, for a malformed text or a value whose
// Value() does not fit an int64. Thread safe.
[[nodiscard]] absl::StatusOr<Quantity> ParseQuantity(absl::string_view text);

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_QUANTITY_H_
