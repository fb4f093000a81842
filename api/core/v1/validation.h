// Validate: the checks a pod must pass before the agent makes any CRI call for it.
//
// They follow the API server's pod validation for the fields this model has (names, images,
// ports, probes, volumes, resources, ...), and report the first failure, naming the field by its
// Kubernetes path. DecodePodManifests runs them on every decoded pod and adds the file and line.
//
//   absl::Status valid = Validate(pod);
//   if (!valid.ok()) return valid;  // "spec.containers[1].image: must not be empty"
//   runtime_manager.SyncPod(pod);
#ifndef KRL_API_CORE_V1_VALIDATION_H_
#define KRL_API_CORE_V1_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

// The largest terminationGracePeriodSeconds accepted (about 136 years). Kubernetes sets no bound;
// this one keeps every value exact in JSON (numbers are doubles there) and in absl::Duration.
inline constexpr int64_t kMaxGracePeriodSeconds = 4294967295;

// One invalid field: its path as Kubernetes writes it and what is wrong with it.
struct FieldError {
  std::string field;   // "spec.containers[1].resources.limits.memory", "metadata.labels[app]"
  std::string detail;  // "must not be empty"

  // "field: detail"
  std::string ToString() const;
};

// The first invalid field of `pod`, in the order metadata, volumes, init containers, containers,
// then the other spec fields; nullopt when the pod is valid. Status is not checked. Thread safe.
std::optional<FieldError> FirstInvalidField(const Pod& pod);

// OK, or InvalidArgument whose message is FirstInvalidField(pod)->ToString().
[[nodiscard]] absl::Status Validate(const Pod& pod);

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_VALIDATION_H_
