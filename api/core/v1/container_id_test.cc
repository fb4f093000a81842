#include "api/core/v1/container_id.h"

#include <catch2/catch.hpp>

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

TEST_CASE("a container ID prints as runtime type, ://, then the runtime's id") {
  CHECK(ContainerID{"containerd", "4f2a9c"}.ToString() == "containerd://4f2a9c");
  CHECK(ContainerID{"cri-o", "abc"}.ToString() == "cri-o://abc");
  CHECK(ContainerID{"containerd", ""}.ToString().empty());
}

TEST_CASE("a container ID parses back into its type and id") {
  absl::StatusOr<ContainerID> id = ParseContainerID("containerd://4f2a9c");
  REQUIRE(id.ok());
  CHECK(id->type == "containerd");
  CHECK(id->id == "4f2a9c");
  CHECK(*id == ContainerID{"containerd", "4f2a9c"});
}

TEST_CASE("malformed container IDs are refused with the expected form in the message") {
  for (const char* text : {"", "4f2a9c", "://4f2a9c", "containerd://", "containerd:/4f2a9c"}) {
    INFO("text " << text);
    absl::StatusOr<ContainerID> id = ParseContainerID(text);
    REQUIRE_FALSE(id.ok());
    CHECK(id.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(id.status().message()), Catch::Contains("<runtime type>://<id>"));
  }
}

}  // namespace
}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
