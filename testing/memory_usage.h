// Memory figures of this process, for tests that prove a bound: how much the resident set grew
// at its peak while some code ran.
//
//   testing::PeakMemoryGrowth growth;          // resets the peak, records the baseline
//   ReadContainerLogs(path, options, sink);    // the code under test
//   CHECK(growth.Bytes() < 64 * kMiB);         // peak resident size minus the baseline
//
// Linux only (/proc/self/status, /proc/self/clear_refs). The baseline is taken after returning
// freed heap memory to the kernel (malloc_trim), so earlier work does not hide new allocations
// in pages already resident. The peak is the kernel's VmHWM, which
// writing "5" to /proc/self/clear_refs resets; where that write is refused, the figure is the
// growth of the old peak and may under-report (ResetSupported() says which). Resident pages
// count, not address space, so a sparse file read through a buffer costs only the buffer.
//
// Not thread safe with respect to other measurements in the same process (there is one peak).
#ifndef KRL_TESTING_MEMORY_USAGE_H_
#define KRL_TESTING_MEMORY_USAGE_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace krl {
namespace testing {

inline constexpr int64_t kKiB = 1024;
inline constexpr int64_t kMiB = 1024 * 1024;

// AddressSanitizer keeps freed blocks in quarantine (256 MiB by default) and pads every block, so
// under ASan a bound can only catch growth beyond that allowance.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr int64_t kSanitizerAllowance = 512 * kMiB;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr int64_t kSanitizerAllowance = 512 * kMiB;
#else
inline constexpr int64_t kSanitizerAllowance = 0;
#endif
#else
inline constexpr int64_t kSanitizerAllowance = 0;
#endif

// A "<field>: <n> kB" line of /proc/<pid>/status (e.g. VmRSS, VmHWM), in bytes; -1 when it
// cannot be read.
int64_t ProcStatusBytes(pid_t pid, absl::string_view field);
// User plus system CPU time of process `pid` so far (/proc/<pid>/stat); nullopt when unreadable.
std::optional<absl::Duration> ProcessCpuTime(pid_t pid);

// VmRSS and VmHWM of this process, in bytes (-1 when /proc is unreadable).
int64_t ResidentBytes();
int64_t PeakResidentBytes();
// Sets VmHWM back to the current VmRSS; false when the kernel refused.
bool ResetPeakResident();

class PeakMemoryGrowth {
 public:
  PeakMemoryGrowth();
  // Peak resident size since construction minus the resident size at construction (>= 0).
  int64_t Bytes() const;
  // Whether the peak was reset at construction (the figure is then exact).
  bool ResetSupported() const { return reset_; }
  // "12.3 MiB" for messages.
  std::string Describe() const;

 private:
  int64_t baseline_;
  bool reset_;
};

// "12.3 MiB".
std::string FormatMiB(int64_t bytes);

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_MEMORY_USAGE_H_
