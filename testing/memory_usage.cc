#include "testing/memory_usage.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace krl {
namespace testing {

int64_t ProcStatusBytes(pid_t pid, absl::string_view field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
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

std::optional<absl::Duration> ProcessCpuTime(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (in parentheses) may hold spaces: count fields after its closing one.
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 > stat.size()) return std::nullopt;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(paren + 2), ' ');
  int64_t utime = 0, stime = 0;
  // utime and stime are fields 14 and 15 of proc(5): indexes 11 and 12 after the name.
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return std::nullopt;
  }
  return absl::Seconds(static_cast<double>(utime + stime) /
                       static_cast<double>(sysconf(_SC_CLK_TCK)));
}

int64_t ResidentBytes() { return ProcStatusBytes(getpid(), "VmRSS"); }
int64_t PeakResidentBytes() { return ProcStatusBytes(getpid(), "VmHWM"); }

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
