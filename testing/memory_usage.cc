#include "testing/memory_usage.h"

#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace krl {
namespace testing {
namespace {

// The value of "<field>:   1234 kB" in /proc/self/status, in bytes.
int64_t StatusField(absl::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, "kB");
    int64_t kib = 0;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &kib)) return -1;
    return kib * 1024;
  }
  return -1;
}

}  // namespace

int64_t ResidentBytes() { return StatusField("VmRSS"); }
int64_t PeakResidentBytes() { return StatusField("VmHWM"); }

bool ResetPeakResident() {
  std::FILE* file = std::fopen("/proc/self/clear_refs", "w");
  if (file == nullptr) return false;
  const bool written = std::fputs("5", file) >= 0;
  return std::fclose(file) == 0 && written;
}

PeakMemoryGrowth::PeakMemoryGrowth() {
  // Freed memory the allocator kept would be reused without showing as growth.
  ::malloc_trim(0);
  reset_ = ResetPeakResident();
  baseline_ = reset_ ? ResidentBytes() : PeakResidentBytes();
}

int64_t PeakMemoryGrowth::Bytes() const {
  return std::max<int64_t>(0, PeakResidentBytes() - baseline_);
}

std::string PeakMemoryGrowth::Describe() const {
  return absl::StrFormat("%s (peak resident growth%s)", FormatMiB(Bytes()),
                         reset_ ? "" : ", peak not resettable: may under-report");
}

std::string FormatMiB(int64_t bytes) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / kMiB);
}

}  // namespace testing
}  // namespace krl
