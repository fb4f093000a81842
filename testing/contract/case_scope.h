// CaseScope: what one contract case creates on a target, and removes again when it ends.
//
// Every object a case makes carries the label krl.contract/case=<token>, with a token unique to
// the case, so cases can share one runtime (one containerd for the whole run) and still list
// exactly their own objects. Names get the token too: CRI reserves names until removal.
//
//   CaseScope scope(target);
//   CaseScope::Pod pod = scope.RunPod("web");
//   std::string id = scope.StartContainer(pod, "app", RuntimeTarget::Process::RunsUntilStopped());
//
// The destructor removes the case's containers and stops and removes its pods (errors ignored,
// it also runs while a failed assertion unwinds). One thread; the main test thread.
#ifndef KRL_TESTING_CONTRACT_CASE_SCOPE_H_
#define KRL_TESTING_CONTRACT_CASE_SCOPE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "testing/contract/runtime_target.h"

namespace krl {
namespace testing {
namespace contract {

// Fails the current case unless `status` has `code`; prints the status either way.
#define KRL_CHECK_CODE(status_expr, expected_code)   \
  do {                                               \
    const absl::Status krl_checked_ = (status_expr); \
    INFO("status: " << krl_checked_);                \
    CHECK(krl_checked_.code() == (expected_code));   \
  } while (false)

// Fails the current case (and ends it) unless `status` is OK.
#define KRL_REQUIRE_OK(status_expr)                  \
  do {                                               \
    const absl::Status krl_checked_ = (status_expr); \
    INFO("status: " << krl_checked_);                \
    REQUIRE(krl_checked_.ok());                      \
  } while (false)

using Labels = std::map<std::string, std::string>;

class CaseScope {
 public:
  static constexpr char kCaseLabel[] = "krl.contract/case";

  struct Pod {
    std::string id;
    cri::PodSandboxConfig config;
  };

  explicit CaseScope(RuntimeTarget& target);
  ~CaseScope();
  CaseScope(const CaseScope&) = delete;
  CaseScope& operator=(const CaseScope&) = delete;

  RuntimeTarget& target() { return target_; }
  runtime::RuntimeService& rs() { return target_.runtime(); }
  runtime::ImageService& is() { return target_.images(); }
  const std::string& token() const { return token_; }
  // `base` made unique to this case: "<base>-<token>".
  std::string Unique(absl::string_view base) const;
  // The label selector matching everything this case created (plus `extra`).
  Labels Selector(const Labels& extra = {}) const;

  // --- Pods ---
  // A host-network pod config with unique metadata, the case label plus `labels`, an annotation
  // and a log directory that exists.
  cri::PodSandboxConfig PodConfig(absl::string_view name, const Labels& labels = {});
  // RunPodSandbox; a pod that runs is removed with the scope.
  absl::StatusOr<Pod> TryRunPod(const cri::PodSandboxConfig& config);
  // The same, failing the case on error.
  Pod RunPod(absl::string_view name, const Labels& labels = {});
  // The target's long-lived ready pod (made on first use); cases never stop it.
  Pod SharedPod();

  // --- Containers ---
  // A container config named Unique(name), labelled, annotated, logging to "<name>.log" in
  // the pod's log directory, whose process behaves as `process` on the target.
  cri::CreateContainerRequest ContainerRequest(const Pod& pod, absl::string_view name,
                                               const RuntimeTarget::Process& process,
                                               const Labels& labels = {});
  // CreateContainer; a container that was created is removed with the scope.
  absl::StatusOr<std::string> TryCreateContainer(const cri::CreateContainerRequest& request);
  std::string CreateContainer(const Pod& pod, absl::string_view name,
                              const RuntimeTarget::Process& process, const Labels& labels = {});
  // CreateContainer then StartContainer, failing the case on error.
  std::string StartContainer(const Pod& pod, absl::string_view name,
                             const RuntimeTarget::Process& process, const Labels& labels = {});

  // --- Reading state (failing the case on error) ---
  cri::PodSandboxStatus SandboxStatus(const std::string& id);
  cri::ContainerStatus ContainerStatus(const std::string& id);
  std::vector<cri::PodSandbox> ListPods(const cri::PodSandboxFilter& filter);
  std::vector<cri::Container> ListContainers(const cri::ContainerFilter& filter);
  // Waits (on the target's clock) until the container is in `state`; false on timeout.
  [[nodiscard]] bool WaitForContainerState(const std::string& id, cri::ContainerState state,
                                           absl::Duration timeout = absl::Seconds(20));

 private:
  RuntimeTarget& target_;
  const std::string token_;
  std::vector<std::string> sandboxes_;
  std::vector<std::string> containers_;
};

// Ids of the listed objects, in the order listed.
std::vector<std::string> Ids(const std::vector<cri::PodSandbox>& pods);
std::vector<std::string> Ids(const std::vector<cri::Container>& containers);
bool Contains(const std::vector<std::string>& ids, const std::string& id);

// Checks that `nanos` is a CRI timestamp in nanoseconds close to the target's now.
void CheckRecentTimestamp(RuntimeTarget& target, int64_t nanos, absl::string_view what);

}  // namespace contract
}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_CONTRACT_CASE_SCOPE_H_
