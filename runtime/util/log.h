// Leveled, structured logging: `msg key=value key=value`, on spdlog.
//
//   log::Info("pod sandbox started", {{"pod", pod_name}, {"id", sandbox_id}});
//   log::Warning("CRI call failed", {{"rpc", "StopContainer"}, {"error", status}});
//
// Never pass credentials (AuthConfig) or environment variable values as fields.
// Thread safe: spdlog's default logger serializes writes.
#ifndef KRL_RUNTIME_UTIL_LOG_H_
#define KRL_RUNTIME_UTIL_LOG_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace krl {
namespace log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// One `key=value` pair; the value is rendered once, when the field is built.
struct Field {
  template <typename T>
  Field(absl::string_view k, const T& v) : key(k), value(absl::StrCat(v)) {}
  Field(absl::string_view k, const absl::Status& v) : key(k), value(v.ToString()) {}
  Field(absl::string_view k, absl::Duration v) : key(k), value(absl::FormatDuration(v)) {}
  Field(absl::string_view k, bool v) : key(k), value(v ? "true" : "false") {}

  absl::string_view key;
  std::string value;
};

using Fields = std::initializer_list<Field>;

// Verbosity like the kubelet's --v: 0 logs info and above, 2 and more adds debug lines.
void SetVerbosity(int v);
// Tools that print results on stdout may raise the bar (e.g. to kWarning). Lines go to stderr.
void SetMinimumLevel(Level level);
bool Enabled(Level level);

// Renders `msg key=value ...`, quoting values that contain spaces, quotes or '='.
std::string Format(absl::string_view msg, Fields fields);

void Write(Level level, absl::string_view msg, Fields fields);

inline void Debug(absl::string_view msg, Fields fields = {}) { Write(Level::kDebug, msg, fields); }
inline void Info(absl::string_view msg, Fields fields = {}) { Write(Level::kInfo, msg, fields); }
inline void Warning(absl::string_view msg, Fields fields = {}) {
  Write(Level::kWarning, msg, fields);
}
inline void Error(absl::string_view msg, Fields fields = {}) { Write(Level::kError, msg, fields); }

// Tests capture what would be logged; while a sink is installed nothing goes to stderr.
class CaptureSink {
 public:
  CaptureSink();
  ~CaptureSink();
  CaptureSink(const CaptureSink&) = delete;
  CaptureSink& operator=(const CaptureSink&) = delete;

  // Every line written since the sink was installed, one per entry.
  std::vector<std::string> Lines() const;
};

}  // namespace log
}  // namespace krl

#endif  // KRL_RUNTIME_UTIL_LOG_H_
