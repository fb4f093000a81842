// Fuzzes ParseEndpoint with arbitrary bytes. Properties checked on every input:
// - an accepted endpoint becomes "unix:///..." with an absolute path that fits sun_path;
// - the result is a fixed point: parsing it again accepts it and gives it back unchanged;
// - a refusal is InvalidArgument.
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "runtime/endpoint.h"
#include "runtime/util/log.h"

namespace {

[[noreturn]] void Violated(const char* property, absl::string_view input) {
  std::fprintf(stderr, "property violated: %s; endpoint \"%s\"\n", property,
               std::string(input).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A bare path is accepted with a deprecation warning: not worth a line per input.
  krl::log::SetMinimumLevel(krl::log::Level::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view endpoint(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> target = krl::runtime::ParseEndpoint(endpoint);
  if (!target.ok()) {
    if (!absl::IsInvalidArgument(target.status()))
      Violated("refusal is not InvalidArgument", endpoint);
    return 0;
  }
  constexpr absl::string_view kPrefix = "unix:///";
  if (!absl::StartsWith(*target, kPrefix)) Violated("target is not unix:///...", endpoint);
  const size_t path_size = target->size() - (kPrefix.size() - 1);
  if (path_size >= sizeof(sockaddr_un::sun_path)) Violated("path does not fit sun_path", endpoint);
  absl::StatusOr<std::string> again = krl::runtime::ParseEndpoint(*target);
  if (!again.ok() || *again != *target) Violated("target does not parse to itself", endpoint);
  return 0;
}
