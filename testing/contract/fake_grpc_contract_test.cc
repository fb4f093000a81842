// The contract suite through the remote CRI client (RemoteRuntimeService, RemoteImageService)
// to the fakes served by CriGrpcServer on a unix socket: fresh fakes, server and client for
// every case.
#include <memory>
#include <utility>

#include "testing/contract/contract_registration.h"
#include "testing/contract/fake_runtime_target.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

absl::StatusOr<std::shared_ptr<RuntimeTarget>> NewServedFakes() {
  absl::StatusOr<std::unique_ptr<FakeRuntimeTarget>> target =
      FakeRuntimeTarget::Create(FakeRuntimeTarget::Mode::kOverGrpc);
  if (!target.ok()) return target.status();
  return std::shared_ptr<RuntimeTarget>(std::move(*target));
}

[[maybe_unused]] const bool registered =
    RegisterContractCases("fake over gRPC", "fake_grpc", &NewServedFakes);

}  // namespace
}  // namespace contract
}  // namespace testing
}  // namespace krl
