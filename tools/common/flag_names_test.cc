#include "tools/common/flag_names.h"

#include <catch2/catch.hpp>

namespace krl {
namespace tools {
namespace {

TEST_CASE("dashed flag names become underscored, values and positionals stay") {
  const char* argv[] = {"prog", "--pod-manifest-path=/etc/a-b", "--node-name", "n-1", "x-y",
                        "--",   "--not-a-flag"};
  std::vector<std::string> args = NormalizeFlagNames(7, const_cast<char**>(argv));
  CHECK(args == std::vector<std::string>{"prog", "--pod_manifest_path=/etc/a-b", "--node_name",
                                         "n-1", "x-y", "--", "--not-a-flag"});
}

}  // namespace
}  // namespace tools
}  // namespace krl
