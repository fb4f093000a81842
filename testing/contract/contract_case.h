// ContractCase: one behaviour every CRI runtime must show, written once against RuntimeTarget.
//
// The cases live in the *_cases.cc files of this folder, grouped by subject; AllContractCases()
// lists them in a fixed order. RegisterContractCases (contract_registration.h) turns each into
// one Catch2 test per target.
//
//   for (const ContractCase& c : AllContractCases()) {
//     c.run(target);  // fails through Catch2 assertions
//   }
#ifndef KRL_TESTING_CONTRACT_CONTRACT_CASE_H_
#define KRL_TESTING_CONTRACT_CONTRACT_CASE_H_

#include <string>
#include <vector>

#include "testing/contract/runtime_target.h"

namespace krl {
namespace testing {
namespace contract {

struct ContractCase {
  // A sentence saying the behaviour, e.g. "a stopped sandbox is NOTREADY".
  std::string sentence;
  // Runs the case on a target; asserts with Catch2 macros on the calling thread.
  void (*run)(RuntimeTarget& target) = nullptr;
};

// Every case, in a fixed order: runtime, sandboxes, containers, filters, logs and exec, stats,
// events, images.
const std::vector<ContractCase>& AllContractCases();

// The groups AllContractCases() is made of (one file each).
std::vector<ContractCase> RuntimeCases();
std::vector<ContractCase> SandboxCases();
std::vector<ContractCase> ContainerCases();
std::vector<ContractCase> FilterCases();
std::vector<ContractCase> ExecLogStatsCases();
std::vector<ContractCase> ImageCases();

}  // namespace contract
}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_CONTRACT_CONTRACT_CASE_H_
