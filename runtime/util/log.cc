#include "runtime/util/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <vector>

#include "runtime/util/mutex.h"

namespace krl {
namespace log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

struct Capture {
  krl::Mutex mu;
  bool active ABSL_GUARDED_BY(mu) = false;
  std::vector<std::string> lines ABSL_GUARDED_BY(mu);
};

// Log lines go to stderr (stdout belongs to a tool's output), one format for every binary.
spdlog::logger& Logger() {
  static spdlog::logger* const logger = [] {
    auto created = spdlog::stderr_color_mt("krl");
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%f%z %L %v");
    created->set_level(spdlog::level::debug);
    return created.get();
  }();
  return *logger;
}

Capture& GetCapture() {
  static Capture* const capture = new Capture();
  return *capture;
}

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  }
  return false;
}

void AppendQuoted(std::string& out, absl::string_view value) {
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void SetVerbosity(int v) {
  g_min_level.store(static_cast<int>(v >= 2 ? Level::kDebug : Level::kInfo));
}

void SetMinimumLevel(Level level) { g_min_level.store(static_cast<int>(level));
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_min_level.load(); }

std::string Format(absl::string_view msg, Fields fields) {
  std::string out(msg);
  for (const Field& field : fields) {
    out.push_back(' ');
    out.append(field.key.data(), field.key.size());
    out.push_back('=');
    if (NeedsQuotes(field.value)) {
      AppendQuoted(out, field.value);
    } else {
      out += field.value;
    }
  }
  return out;
}

void Write(Level level, absl::string_view msg, Fields fields) {
  if (!Enabled(level)) return;
  std::string line = Format(msg, fields);
  Capture& capture = GetCapture();
  {
    krl::MutexLock lock(&capture.mu);
    if (capture.active) {
      capture.lines.push_back(std::move(line));
      return;
    }
  }
  switch (level) {
    case Level::kDebug: Logger().debug("{}", line); break;
    case Level::kInfo: Logger().info("{}", line); break;
    case Level::kWarning: Logger().warn("{}", line); break;
    case Level::kError: Logger().error("{}", line); break;
  }
}

CaptureSink::CaptureSink() {
  Capture& capture = GetCapture();
  krl::MutexLock lock(&capture.mu);
  capture.active = true;
  capture.lines.clear();
}

CaptureSink::~CaptureSink() {
  Capture& capture = GetCapture();
  krl::MutexLock lock(&capture.mu);
  capture.active = false;
  capture.lines.clear();
}

std::vector<std::string> CaptureSink::Lines() const {
  Capture& capture = GetCapture();
  krl::MutexLock lock(&capture.mu);
  return capture.lines;
}

}  // namespace log
}  // namespace krl
