// Fuzzes ParseQuantity with arbitrary text. For every quantity that parses, the canonical form
// must be stable, else the process aborts:
// - ParseQuantity(q.ToString()) succeeds and equals q (the round trip quantity.h promises);
// - writing that again gives the same text from then on. (Not always after the first write: as in
//   Kubernetes, a binary quantity that is not a whole number of Ki is written as a plain integer,
//   "4705562.5Ki" as "4818496000", which reads back as decimal and is then written "4818496k".)
// - Value() succeeds (ParseQuantity refuses what does not fit), MilliValue() fails only when out
//   of range, and both round away from zero consistently with Sign().
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/quantity.h"

namespace {

using krl::api::core::v1::ParseQuantity;
using krl::api::core::v1::Quantity;

void Require(bool ok, const char* property, absl::string_view text, const std::string& written) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s; text \"%s\", written \"%s\"\n", property,
               std::string(text).c_str(), written.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Quantity> q = ParseQuantity(text);
  if (!q.ok()) {
    Require(absl::IsInvalidArgument(q.status()), "a refusal is InvalidArgument", text, "");
    return 0;
  }
  const std::string written = q->ToString();
  absl::StatusOr<Quantity> again = ParseQuantity(written);
  Require(again.ok(), "the canonical form parses", text, written);
  Require(*again == *q, "the canonical form has the same value", text, written);
  Require(again->Compare(*q) == 0, "Compare agrees with ==", text, written);
  const std::string rewritten = again->ToString();
  absl::StatusOr<Quantity> third = ParseQuantity(rewritten);
  Require(third.ok() && *third == *q, "the rewritten form has the same value", text, rewritten);
  Require(third->ToString() == rewritten, "the canonical form is stable", text, rewritten);

  absl::StatusOr<int64_t> value = q->Value();
  Require(value.ok(), "a parsed quantity has a Value()", text, written);
  Require((*value > 0) - (*value < 0) == q->Sign(), "Value() keeps the sign", text, written);
  absl::StatusOr<int64_t> milli = q->MilliValue();
  if (milli.ok()) {
    Require((*milli > 0) - (*milli < 0) == q->Sign(), "MilliValue() keeps the sign", text, written);
  } else {
    Require(absl::IsOutOfRange(milli.status()), "MilliValue() fails only out of range", text,
            written);
  }
  return 0;
}
