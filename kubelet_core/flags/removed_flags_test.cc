#include "kubelet_core/flags/removed_flags.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace krl::kubelet_core::flags {
namespace {

// argv as main() gets it, for RefuseRemovedFlags.
class Argv {
 public:
  explicit Argv(std::vector<std::string> args) : args_(std::move(args)) {
    for (std::string& arg : args_) pointers_.push_back(arg.data());
  }
  int argc() { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> pointers_;
};

TEST_CASE("every flag the kubelet removed with the dockershim in 1.24 is in the table") {
  // kubernetes/kubernetes#106907 (the dockershim's own flags) and #107096 (kubenet's).
  const std::vector<std::string> removed_in_124 = {"experimental-dockershim-root-directory",
                                                   "docker-endpoint",
                                                   "image-pull-progress-deadline",
                                                   "network-plugin",
                                                   "cni-conf-dir",
                                                   "cni-bin-dir",
                                                   "cni-cache-dir",
                                                   "network-plugin-mtu",
                                                   "non-masquerade-cidr"};
  for (const std::string& name : removed_in_124) {
    INFO(name);
    std::optional<RemovedFlag> flag = FindRemovedFlag("--" + name);
    REQUIRE(flag.has_value());
    CHECK(flag->name == "--" + name);
    CHECK(absl::StrContains(flag->history, "1.24"));
  }
  for (const char* name : {"container-runtime", "docker-disable-shared-pid",
                           "experimental-dockershim", "docker-exec-handler"}) {
    INFO(name);
    CHECK(FindRemovedFlag(absl::StrCat("--", name)).has_value());
  }
}

TEST_CASE("every entry is found in each spelling the kubelet accepted") {
  for (const RemovedFlag& flag : RemovedFlags()) {
    REQUIRE(absl::StartsWith(flag.name, "--"));
    const std::string name(flag.name.substr(2));
    INFO(name);
    for (const std::string& arg : {"--" + name, "--" + name + "=value", "-" + name,
                                   "-" + name + "=x=y", "--" + name + "="}) {
      INFO(arg);
      std::optional<RemovedFlag> found = FindRemovedFlag(arg);
      REQUIRE(found.has_value());
      CHECK(found->name == flag.name);
    }
    // The kubelet's flag parser reads '_' as '-'.
    const std::string underscored = absl::StrReplaceAll(name, {{"-", "_"}});
    CHECK(FindRemovedFlag("--" + underscored).has_value());
  }
}

TEST_CASE("every entry says when it went and what replaces it") {
  std::set<std::string> names;
  for (const RemovedFlag& flag : RemovedFlags()) {
    INFO(flag.name);
    CHECK(names.insert(std::string(flag.name)).second);
    CHECK(absl::StartsWith(flag.name, "--"));
    CHECK_FALSE(absl::StartsWith(flag.name, "---"));
    CHECK(absl::StrContains(flag.history, "Kubernetes") ==
          !absl::StrContains(flag.history, "cAdvisor"));
    CHECK(flag.replacement.size() > 20);
    CHECK(absl::EndsWith(flag.replacement, "."));
    const std::string message = RefusalMessage(flag);
    CHECK(absl::StartsWith(message, absl::StrCat("error: ", flag.name, " is not supported (")));
    CHECK(absl::StrContains(message, flag.replacement));
    CHECK_FALSE(absl::StrContains(message, "\n"));
  }
  CHECK(names.size() == RemovedFlags().size());
}

TEST_CASE("the endpoint flags point at --container-runtime-endpoint") {
  for (const char* name : {"container-runtime", "docker-endpoint", "experimental-dockershim"}) {
    INFO(name);
    CHECK(absl::StrContains(FindRemovedFlag(absl::StrCat("--", name))->replacement,
                            "--container-runtime-endpoint"));
  }
}

TEST_CASE("flags that still exist, values and look-alikes are not refused") {
  for (const char* arg :
       {"--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
        "--image-service-endpoint", "--pod-manifest-path=/etc/kubernetes/manifests", "--v=2",
        "network-plugin", "cni", "--", "-", "--=x", "--network-plugins", "--cni-conf",
        "---network-plugin", "--Network-Plugin", ""}) {
    INFO(arg);
    CHECK_FALSE(FindRemovedFlag(arg).has_value());
  }
}

TEST_CASE("RefuseRemovedFlags exits 2 with the message of the first removed flag") {
  Argv args({"nodeagent", "--v=2", "--network-plugin=cni", "--docker-endpoint=unix:///x"});
  std::ostringstream err;
  CHECK(RefuseRemovedFlags(args.argc(), args.argv(), err) == 2);
  CHECK(err.str() == RefusalMessage(*FindRemovedFlag("--network-plugin")) + "\n");
}

TEST_CASE("RefuseRemovedFlags refuses every entry of the table") {
  for (const RemovedFlag& flag : RemovedFlags()) {
    INFO(flag.name);
    Argv args({"nodeagent", absl::StrCat(flag.name, "=1")});
    std::ostringstream err;
    CHECK(RefuseRemovedFlags(args.argc(), args.argv(), err) == 2);
    CHECK(absl::StrContains(err.str(), flag.replacement));
  }
}

TEST_CASE("RefuseRemovedFlags returns 0 and writes nothing for current flags") {
  Argv args({"nodeagent", "--container-runtime-endpoint=unix:///run/crio/crio.sock", "--v=4"});
  std::ostringstream err;
  CHECK(RefuseRemovedFlags(args.argc(), args.argv(), err) == 0);
  CHECK(err.str().empty());
}

TEST_CASE("RefuseRemovedFlags stops at a bare --") {
  Argv args({"nodeagent", "--", "--network-plugin=cni"});
  std::ostringstream err;
  CHECK(RefuseRemovedFlags(args.argc(), args.argv(), err) == 0);
}

}  // namespace
}  // namespace krl::kubelet_core::flags
