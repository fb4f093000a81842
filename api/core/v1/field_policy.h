// FieldPolicy: what the node agent does with every field of a Kubernetes Pod manifest.
//
// One table, the single source of truth for the decoder (manifest_decoder.h) and the README's
// "Pod fields" section: per object type ("PodSpec", "Container", "SecurityContext", ...), each JSON
// field name with its class and a short note on what happens.
//   - kHonoured: decoded into pod.h, validated, acted on by the agent.
//   - kClusterOnly: a scheduling or API-server field with no meaning on a node: accepted, ignored.
//   - kRefused: the node cannot do what it asks: the manifest is refused, naming the field and why.
// A key in no row is unknown (a typo, or a newer Kubernetes field) and is refused too.
//
//   const FieldRule* rule = FindFieldRule("Container", "envFrom");
//   if (rule && rule->field_class == FieldClass::kRefused) Fail(rule->note);
//   for (const FieldRule& r : FieldPolicy()) PrintRow(r);
#ifndef KRL_API_CORE_V1_FIELD_POLICY_H_
#define KRL_API_CORE_V1_FIELD_POLICY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

enum class FieldClass { kHonoured, kClusterOnly, kRefused };

// "honoured", "cluster-only", "not supported" (the words of the README table).
absl::string_view ToString(FieldClass field_class);

struct FieldRule {
  absl::string_view object;  // the Kubernetes Go type name: "PodSpec", "Container", ...
  absl::string_view field;   // the JSON name: "imagePullPolicy"
  FieldClass field_class;
  absl::string_view note;  // what happens; for kRefused, the reason given in the error
  // kRefused only: the one value that is accepted (and ignored) because it is what this node does
  // anyway, e.g. hostUsers: true. A scalar compared as written; "true" matches any YAML true.
  absl::string_view accepted_value = {};
  // kClusterOnly only: the object type of the value, whose own rules are still enforced before
  // the field is ignored (os is ignored, but os.name must be linux).
  absl::string_view checked_as = {};
};

// Every rule, grouped by object type. Object and field pairs are unique. Thread safe.
absl::Span<const FieldRule> FieldPolicy();

// The rule for `field` of `object`, or nullptr when the field is unknown.
const FieldRule* FindFieldRule(absl::string_view object, absl::string_view field);

// True for the object types where an unknown key is always an error, even when the decoder is
// told to relax unknown keys to warnings: every securityContext part, resources, volumes and their
// sources, volumeMounts, and the top level of the pod spec and of a container (where a new
// restriction would appear).
bool UnknownFieldsAlwaysRefused(absl::string_view object);

// The known field of `object` nearest to `unknown` by edit distance, when close enough to be a
// likely typo (a case-only difference always is); nullopt otherwise.
std::optional<std::string> SuggestField(absl::string_view object, absl::string_view unknown);

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_FIELD_POLICY_H_
