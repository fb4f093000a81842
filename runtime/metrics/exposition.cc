#include "runtime/metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace runtime {
namespace metrics {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

void AppendSeriesName(absl::string_view name, absl::string_view suffix, absl::string_view labels,
                      std::string* out) {
  absl::StrAppend(out, name, suffix);
  if (!labels.empty()) absl::StrAppend(out, "{", labels, "}");
  out->push_back(' ');
}

}  // namespace

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Go's strconv 'g' with shortest precision: scientific when the decimal exponent is < -4 or
  // >= 6, fixed otherwise; both with the shortest digits that round-trip.
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  const std::string text(buf, sci.ptr);
  const int exponent = std::atoi(text.c_str() + text.find('e') + 1);
  if (exponent < -4 || exponent >= 6) return text;
  auto fixed = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsValidMetricName(absl::string_view name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  for (char c : name) {
    if (!IsNameChar(c) && c != ':') return false;
  }
  return true;
}

bool IsValidLabelName(absl::string_view name) {
  if (name.empty() || !IsNameStart(name[0]) || absl::StartsWith(name, "__")) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

void AppendSamples(absl::string_view name, absl::string_view labels, const Counter& counter,
                   std::string* out) {
  AppendSeriesName(name, "", labels, out);
  absl::StrAppend(out, FormatValue(static_cast<double>(counter.Value())), "\n");
}

void AppendSamples(absl::string_view name, absl::string_view labels, const Gauge& gauge,
                   std::string* out) {
  AppendSeriesName(name, "", labels, out);
  absl::StrAppend(out, FormatValue(gauge.Value()), "\n");
}

void AppendSamples(absl::string_view name, absl::string_view labels, const Histogram& histogram,
                   std::string* out) {
  const HistogramSnapshot snapshot = histogram.Snapshot();
  const absl::string_view separator = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= snapshot.upper_bounds.size(); ++i) {
    cumulative += snapshot.bucket_counts[i];
    const std::string le =
        i < snapshot.upper_bounds.size() ? FormatValue(snapshot.upper_bounds[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket{", labels, separator, "le=\"", le, "\"} ",
                    FormatValue(static_cast<double>(cumulative)), "\n");
  }
  AppendSeriesName(name, "_sum", labels, out);
  absl::StrAppend(out, FormatValue(snapshot.sum), "\n");
  AppendSeriesName(name, "_count", labels, out);
  absl::StrAppend(out, FormatValue(static_cast<double>(snapshot.count)), "\n");
}

}  // namespace metrics
}  // namespace runtime
}  // namespace krl
