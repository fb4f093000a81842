#include "tools/run_demo/metrics_text.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace krl {
namespace tools {
namespace run_demo {

double SumOfMetric(absl::string_view page, absl::string_view family, absl::string_view filter) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, family)) continue;
    if (rest.empty() || (rest[0] != '{' && rest[0] != ' ')) continue;  // a longer name
    if (!filter.empty() && !absl::StrContains(line, filter)) continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    if (space != absl::string_view::npos && absl::SimpleAtod(line.substr(space + 1), &value)) {
      sum += value;
    }
  }
  return sum;
}

}  // namespace run_demo
}  // namespace tools
}  // namespace krl
