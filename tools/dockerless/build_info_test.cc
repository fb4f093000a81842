#include "tools/dockerless/build_info.h"

#include <catch2/catch.hpp>

namespace krl::tools::dockerless {
namespace {

// .bazelrc applies --config=dockerless to every command, so a plain `bazel test` sees it set.
TEST_CASE("the default build is dockerless") {
  CHECK(DockerlessBuild());
  CHECK(BuildInfoLine() == "dockerless: true");
}

}  // namespace
}  // namespace krl::tools::dockerless
