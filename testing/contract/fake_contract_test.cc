// The contract suite on the in-process fakes (FakeRuntimeService, FakeImageService), a fresh
// pair with a FakeClock for every case.
#include <memory>
#include <utility>

#include "testing/contract/contract_registration.h"
#include "testing/contract/fake_runtime_target.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

absl::StatusOr<std::shared_ptr<RuntimeTarget>> NewFakes() {
  absl::StatusOr<std::unique_ptr<FakeRuntimeTarget>> target =
      FakeRuntimeTarget::Create(FakeRuntimeTarget::Mode::kInProcess);
  if (!target.ok()) return target.status();
  return std::shared_ptr<RuntimeTarget>(std::move(*target));
}

[[maybe_unused]] const bool registered = RegisterContractCases("fake", "fake", &NewFakes);

}  // namespace
}  // namespace contract
}  // namespace testing
}  // namespace krl
