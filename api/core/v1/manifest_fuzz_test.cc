// Fuzzes the manifest decoder (YAML or JSON bytes into validated Pods) and validation. For every
// input, else the process aborts:
// - decoding never throws, crashes or reports Internal: bad input is InvalidArgument, and its
//   message starts with the file name (every error names the file, see manifest_decoder.h);
// - every decoded pod passes Validate and FirstInvalidField (the decoder validated it);
// - every decoded pod's JSON decodes back to the same pod (DecodeForFuzzing).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/manifest_decoder.h"
#include "api/core/v1/validation.h"

namespace {

namespace v1 = krl::api::core::v1;

void Require(bool ok, const char* property, const absl::Status& status) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s; status %s\n", property, status.ToString().c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view content(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<v1::Pod>> pods = v1::DecodePodManifests(content, "fuzz.yaml");
  if (!pods.ok()) {
    Require(absl::IsInvalidArgument(pods.status()), "a refusal is InvalidArgument", pods.status());
    Require(absl::StartsWith(pods.status().message(), "fuzz.yaml"), "a refusal names the file",
            pods.status());
    return 0;
  }
  for (const v1::Pod& pod : *pods) {
    absl::Status valid = v1::Validate(pod);
    Require(valid.ok(), "a decoded pod is valid", valid);
    Require(!v1::FirstInvalidField(pod).has_value(), "a decoded pod has no invalid field", valid);
  }
  absl::Status round_trip = v1::DecodeForFuzzing(data, size);
  Require(round_trip.ok(), "a decoded pod's JSON decodes to the same pod", round_trip);
  return 0;
}
