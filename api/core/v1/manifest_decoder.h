// DecodePodManifests: Kubernetes Pod manifests (YAML or JSON) into validated Pods.
//
// The static pod source reads each manifest file with it. A bad manifest gives one error that
// names the file, the line and the field, so a person can fix it without guessing:
//   pods/web.yaml:14: spec.containers[1].resources.limits.memory: invalid quantity "12Gx": ...
//
//   absl::StatusOr<std::vector<corev1::Pod>> pods = DecodePodManifests(content, "pods/web.yaml");
//   if (!pods.ok()) return pods.status();  // InvalidArgument "pods/web.yaml:14: field: detail"
//   for (const corev1::Pod& pod : *pods) Run(pod);
//
// What is accepted, and why:
// - One or more YAML documents separated by `---` (JSON is YAML, so a JSON file works too); empty
//   documents are skipped, so an empty file gives no pods and no error. Each document is
//   `apiVersion: v1` with `kind: Pod`, or `kind: PodList` with `items` (the kubelet accepts both).
// - Every field of the Pod is in one of three classes, listed in one table (field_policy.h, and
//   the README's "Pod fields" section): honoured (decoded, validated, acted on), cluster-only
//   (scheduling and API-server fields, accepted and ignored: affinity, tolerations, status, ...)
//   or not supported here (refused with the reason: envFrom, secrets and config maps, volume
//   types other than hostPath, emptyDir and downwardAPI, user namespaces, ...). Nothing a pod
//   asks of the node is dropped silently.
// - An unknown key (a typo, or a field newer than this table) is refused as `kubectl apply
//   --validate=strict` refuses it, with the nearest known field when one is close:
//     pods/web.yaml:9: spec.containers[0].imagePullPolicyy: unknown field "imagePullPolicyy"
//     (did you mean "imagePullPolicy"?)
//   DecodeOptions::refuse_unknown_fields = false turns that into a warning, except in the objects
//   where a new field could be a restriction the node must not drop (UnknownFieldsAlwaysRefused):
//   the pod spec's and a container's own keys, every securityContext part, resources, volumes
//   and their sources, volumeMounts. There an unknown key is always an error.
// - Types follow Kubernetes' JSON: a string field needs a string (`value: 123` is an error that
//   says to quote it, as kubectl and the kubelet refuse it too; so are unquoted YAML 1.1 booleans
//   such as `N` or `on`), an integer field an integer, a boolean field true/false (or a YAML 1.1
//   spelling such as yes/no, as Kubernetes' YAML reader takes them), a quantity a string or a
//   number, a port an integer or a name. null means "not set". A key given twice in one object
//   is an error.
// - Kubernetes defaults are applied (namespace "default", restartPolicy Always, probe periods, ...;
//   a probe's 0 timeout/period/threshold means its default), then every pod is checked with
//   FirstInvalidField (validation.h); that error gets the line of the offending field too.
// - Two pods with the same namespace and name in one file are an error.
// - Errors are the first problem found, as InvalidArgument "FILE:LINE: FIELD: DETAIL" (lines are
//   1-based; a YAML syntax error is "FILE:LINE: invalid YAML: ...", text that is not UTF-8 is
//   "FILE:LINE: invalid UTF-8: ..."). Nothing throws. Work is bounded: YAML aliases cannot expand
//   a file beyond a million values, and inputs on which yaml-cpp 0.7 would loop are refused.
#ifndef KRL_API_CORE_V1_MANIFEST_DECODER_H_
#define KRL_API_CORE_V1_MANIFEST_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "api/core/v1/pod.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {

struct DecodeOptions {
  // false: an unknown key is a warning instead of an error, outside the objects where it always
  // is an error (UnknownFieldsAlwaysRefused in field_policy.h).
  bool refuse_unknown_fields = true;
  // Receives one "FILE:LINE: FIELD: unknown field ...; ignored" line per ignored unknown key when
  // refuse_unknown_fields is false. May be null. Not owned; not shared between threads.
  std::vector<std::string>* warnings = nullptr;
};

// Decodes every pod of one manifest file. `file_name` is used only in error messages. Thread safe
// (for the options' warnings, one call at a time per vector).
[[nodiscard]] absl::StatusOr<std::vector<Pod>> DecodePodManifests(absl::string_view content,
                                                                  absl::string_view file_name,
                                                                  const DecodeOptions& options);

// The same with the default options: unknown keys are errors.
[[nodiscard]] absl::StatusOr<std::vector<Pod>> DecodePodManifests(absl::string_view content,
                                                                  absl::string_view file_name);

// For fuzzers: decodes `data` like a manifest file; for each decoded pod, checks that its JSON
// (json_encoder.h) decodes back to the same metadata and spec. Returns the decoding error for bad
// input (expected, ignore it) and Internal only for a broken round trip, which is a bug.
[[nodiscard]] absl::Status DecodeForFuzzing(const uint8_t* data, size_t size);

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl

#endif  // KRL_API_CORE_V1_MANIFEST_DECODER_H_
