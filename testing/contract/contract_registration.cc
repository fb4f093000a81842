#include "testing/contract/contract_registration.h"

#include <catch2/catch.hpp>
#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "testing/contract/contract_case.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

// Catch2 keeps references to names and tags until it has copied them: keep them alive.
std::deque<std::string>& Strings() {
  static auto* strings = new std::deque<std::string>();
  return *strings;
}

Catch::StringRef Keep(std::string s) {
  Strings().push_back(std::move(s));
  return Catch::StringRef(Strings().back().c_str(), Strings().back().size());
}

class CaseInvoker final : public Catch::ITestInvoker {
 public:
  CaseInvoker(ContractCase contract_case, TargetFactory factory)
      : case_(std::move(contract_case)), factory_(std::move(factory)) {}

  void invoke() const override {
    absl::StatusOr<std::shared_ptr<RuntimeTarget>> target = factory_();
    INFO("setting up the target: " << target.status());
    REQUIRE(target.ok());
    case_.run(**target);
  }

 private:
  ContractCase case_;
  TargetFactory factory_;
};

class SkipInvoker final : public Catch::ITestInvoker {
 public:
  explicit SkipInvoker(std::string reason) : reason_(std::move(reason)) {}
  void invoke() const override { WARN(reason_); }

 private:
  std::string reason_;
};

void Register(Catch::ITestInvoker* invoker, std::string name, const std::string& tag) {
  // AutoReg only adds the test to Catch2's registry; the object itself can go.
  Catch::AutoReg(
      invoker, Catch::SourceLineInfo(__FILE__, static_cast<std::size_t>(__LINE__)),
      Catch::StringRef(),
      Catch::NameAndTags(Keep(std::move(name)), Keep(absl::StrCat("[contract][", tag, "]"))));
}

}  // namespace

bool RegisterContractCases(const std::string& target_name, const std::string& tag,
                           TargetFactory factory) {
  for (const ContractCase& c : AllContractCases()) {
    Register(new CaseInvoker(c, factory), absl::StrCat(target_name, ": ", c.sentence), tag);
  }
  return true;
}

bool RegisterSkippedContractCases(const std::string& target_name, const std::string& tag,
                                  const std::string& reason) {
  Register(new SkipInvoker(absl::StrCat(target_name, " contract cases skipped: ", reason)),
           absl::StrCat(target_name, ": the contract cases cannot run on this machine"), tag);
  return true;
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
