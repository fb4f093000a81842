// RegisterContractCases: one Catch2 test per contract case for one target.
//
// Each test binary of this folder registers the whole suite for its target from a static
// initializer; the test names are "<target>: <sentence>" and carry the tags [contract] and
// [<tag>], so `--list-tests` shows which behaviour ran where.
//
//   static const bool registered = RegisterContractCases(
//       "fake", "fake", [] { return FakeRuntimeTarget::Create(FakeRuntimeTarget::Mode::kInProcess);
//       });
#ifndef KRL_TESTING_CONTRACT_CONTRACT_REGISTRATION_H_
#define KRL_TESTING_CONTRACT_CONTRACT_REGISTRATION_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "testing/contract/runtime_target.h"

namespace krl {
namespace testing {
namespace contract {

// Gives the target a case runs on: a fresh one per case, or one shared by every case. An error
// fails the case with its message.
using TargetFactory = std::function<absl::StatusOr<std::shared_ptr<RuntimeTarget>>()>;

// Registers every case of AllContractCases() for `target_name`. Call during static
// initialization (before Catch2's main runs). Returns true, for use as a static's initializer.
bool RegisterContractCases(const std::string& target_name, const std::string& tag,
                           TargetFactory factory);

// Registers a single test for `target_name` that reports, as a warning, why the target's cases
// cannot run on this machine. A skip is never silent.
bool RegisterSkippedContractCases(const std::string& target_name, const std::string& tag,
                                  const std::string& reason);

}  // namespace contract
}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_CONTRACT_CONTRACT_REGISTRATION_H_
