#include "tools/cri/global_options.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

namespace krl {
namespace tools {
namespace cri_cli {
namespace {

std::function<const char*(const char*)> Env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST_CASE("without flags or environment the containerd socket is used for both services") {
  absl::StatusOr<GlobalOptions> o = ParseGlobalOptions({"ps", "-a"}, Env({}));
  REQUIRE(o.ok());
  CHECK(o->runtime_endpoint == "unix:///run/containerd/containerd.sock");
  CHECK(o->image_endpoint == o->runtime_endpoint);
  CHECK(o->timeout == absl::Seconds(10));
  CHECK(o->command_args == std::vector<std::string>{"ps", "-a"});
}

TEST_CASE("the environment sets the endpoints and flags override it") {
  auto env = Env({{"CONTAINER_RUNTIME_ENDPOINT", "unix:///run/crio/crio.sock"},
                  {"IMAGE_SERVICE_ENDPOINT", "unix:///run/images.sock"}});
  absl::StatusOr<GlobalOptions> from_env = ParseGlobalOptions({"version"}, env);
  REQUIRE(from_env.ok());
  CHECK(from_env->runtime_endpoint == "unix:///run/crio/crio.sock");
  CHECK(from_env->image_endpoint == "unix:///run/images.sock");

  absl::StatusOr<GlobalOptions> flags =
      ParseGlobalOptions({"--runtime-endpoint=unix:///tmp/a.sock", "-i", "unix:///tmp/b.sock",
                          "--timeout", "500ms", "images"},
                         env);
  REQUIRE(flags.ok());
  CHECK(flags->runtime_endpoint == "unix:///tmp/a.sock");
  CHECK(flags->image_endpoint == "unix:///tmp/b.sock");
  CHECK(flags->timeout == absl::Milliseconds(500));
  CHECK(flags->command_args == std::vector<std::string>{"images"});
}

TEST_CASE("the image endpoint follows a runtime endpoint given by flag") {
  absl::StatusOr<GlobalOptions> o =
      ParseGlobalOptions({"-r", "unix:///tmp/a.sock", "-t", "3", "pods"}, Env({}));
  REQUIRE(o.ok());
  CHECK(o->image_endpoint == "unix:///tmp/a.sock");
  CHECK(o->timeout == absl::Seconds(3));
}

TEST_CASE("flags after the command belong to the command") {
  absl::StatusOr<GlobalOptions> o = ParseGlobalOptions({"stop", "-t", "5", "abc"}, Env({}));
  REQUIRE(o.ok());
  CHECK(o->timeout == absl::Seconds(10));
  CHECK(o->command_args == std::vector<std::string>{"stop", "-t", "5", "abc"});
}

TEST_CASE("bad global flags are errors that name the flag") {
  CHECK(ParseGlobalOptions({"--bogus", "ps"}, Env({})).status().message() ==
        "unknown global flag --bogus");
  CHECK(ParseGlobalOptions({"-r"}, Env({})).status().message() == "flag -r needs a value");
  CHECK(ParseGlobalOptions({"-t", "soon", "ps"}, Env({})).status().message() ==
        "invalid --timeout \"soon\": use a duration such as 5s or 500ms");
  CHECK(!ParseGlobalOptions({"-t", "-1s", "ps"}, Env({})).ok());
  CHECK(ParseGlobalOptions({"--help"}, Env({}))->help);
  CHECK(ParseGlobalOptions({"-D", "ps"}, Env({}))->debug);
  CHECK_FALSE(ParseGlobalOptions({"ps"}, Env({}))->debug);
}

}  // namespace
}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
