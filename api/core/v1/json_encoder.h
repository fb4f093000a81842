// PodToJson: a Pod as Kubernetes writes it in JSON, for the agent's /pods endpoint.
//
// Field names and omissions follow Kubernetes' JSON (empty optional fields left out; defaulted
// ones such as restartPolicy, dnsPolicy and probe thresholds always written; quantities in their
// canonical form; times as RFC 3339 UTC with seconds, "2026-01-01T00:00:00Z"). Keys come out
// sorted, so the output is deterministic. DecodePodManifests(PodToJson(pod)) gives back the same
// metadata and spec (the status is written, never read).
//
//   std::string body = PodListToJson(pods, JsonStyle::kIndented);
//   response.set_content(body, "application/json");
//   std::string one = PodToJson(pods.front());
//
// Integers are JSON numbers, which are doubles: values above 2^53 would lose precision, which is
// why validation bounds the int64 fields (kMaxGracePeriodSeconds and Kubernetes' own bounds).
// Text that is not valid UTF-8 (e.g. a termination message) has the bad bytes replaced by U+FFFD.
#ifndef KRL_API_CORE_V1_JSON_ENCODER_H_
#define KRL_API_CORE_V1_JSON_ENCODER_H_

#include <google/protobuf/struct.pb.h>

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

enum class JsonStyle { kCompact, kIndented };

// {"apiVersion":"v1","kind":"Pod","metadata":{...},"spec":{...},"status":{...}}. Thread safe.
std::string PodToJson(const Pod& pod, JsonStyle style = JsonStyle::kCompact);

// {"apiVersion":"v1","items":[...],"kind":"PodList"}, as `kubectl get pods -o json` prints.
std::string PodListToJson(const std::vector<Pod>& pods, JsonStyle style = JsonStyle::kCompact);

// The object PodToJson prints, for embedding in a larger document.
google::protobuf::Struct PodToStruct(const Pod& pod);

// Prints any Struct with sorted keys (protobuf's own printer, fed a deterministic serialization:
// its map order is otherwise random from run to run).
std::string StructToJson(const google::protobuf::Struct& object,
                         JsonStyle style = JsonStyle::kCompact);

// RFC 3339 in UTC with whole seconds, as Kubernetes writes times: "2026-01-01T00:00:00Z".
std::string FormatRfc3339(absl::Time time);

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_JSON_ENCODER_H_
