// The contract suite on a real containerd started by ContainerdHarness, through the remote CRI
// client. One containerd serves every case (started by the first, stopped when the run ends);
// each case makes uniquely named objects and removes them. Where containerd cannot run here
// (not root, programs missing), one test reports why as a warning instead.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <utility>

#include "testing/containerd/containerd_harness.h"
#include "testing/contract/containerd_runtime_target.h"
#include "testing/contract/contract_registration.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using SharedTarget = absl::StatusOr<std::shared_ptr<RuntimeTarget>>;

// Started by the first case; a failed start is kept so later cases fail at once with its error.
std::optional<SharedTarget>& Shared() {
  static auto* shared = new std::optional<SharedTarget>();
  return *shared;
}

SharedTarget SharedContainerd() {
  std::optional<SharedTarget>& shared = Shared();
  if (!shared.has_value()) {
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<std::unique_ptr<ContainerdRuntimeTarget>> target =
        ContainerdRuntimeTarget::Start();
    if (target.ok()) {
      std::cerr << "containerd contract target ready in "
                << std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count()
                << " ms, version " << (*target)->runtime().Version({})->runtime_version()
                << std::endl;
      shared = SharedTarget(std::shared_ptr<RuntimeTarget>(std::move(*target)));
    } else {
      shared = SharedTarget(target.status());
    }
  }
  return *shared;
}

// Stops containerd when the run ends, on the thread that started it (it dies with that thread).
class StopContainerdWhenTheRunEnds : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats& stats) override {
    Shared().reset();
    TestEventListenerBase::testRunEnded(stats);
  }
};
CATCH_REGISTER_LISTENER(StopContainerdWhenTheRunEnds)

bool Register() {
  if (std::optional<std::string> missing = containerd::ContainerdHarness::MissingPrerequisite()) {
    return RegisterSkippedContractCases("containerd", "containerd",
                                        "containerd cannot run here: " + *missing);
  }
  return RegisterContractCases("containerd", "containerd", &SharedContainerd);
}

[[maybe_unused]] const bool registered = Register();

}  // namespace
}  // namespace contract
}  // namespace testing
}  // namespace krl
