#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {

const std::vector<ContractCase>& AllContractCases() {
  static const std::vector<ContractCase>* const cases = [] {
    auto* all = new std::vector<ContractCase>();
    for (std::vector<ContractCase> group : {RuntimeCases(), SandboxCases(), ContainerCases(),
                                            FilterCases(), ExecLogStatsCases(), ImageCases()}) {
      all->insert(all->end(), group.begin(), group.end());
    }
    return all;
  }();
  return *cases;
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
