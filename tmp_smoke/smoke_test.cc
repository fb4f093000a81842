#include <catch2/catch.hpp>
#include "absl/status/statusor.h"
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
TEST_CASE("smoke") { absl::StatusOr<int> s = 3; REQUIRE(fmt::format("{}", *s) == "3"); auto ch = grpc::CreateChannel("unix:///tmp/x", grpc::InsecureChannelCredentials()); REQUIRE(ch != nullptr); }
