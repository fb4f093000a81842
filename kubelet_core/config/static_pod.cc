#include "kubelet_core/config/static_pod.h"

#include <openssl/evp.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "api/core/v1/json_encoder.h"

namespace krl {
namespace kubelet_core {
namespace config {
namespace {

constexpr size_t kMaxSubdomainLength = 253;

bool IsAlnum(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); }

}  // namespace

std::string StaticPodUid(const corev1::Pod& decoded, absl::string_view node_name,
                         absl::string_view file_path) {
  // The kubelet writes the pod first, then the node and the file, into one MD5.
  const std::string input =
      absl::StrCat(corev1::PodToJson(decoded), "host:", node_name, "file:", file_path);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_md5(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

void ApplyStaticPodDefaults(absl::string_view node_name, absl::string_view file_path,
                            corev1::Pod* pod) {
  if (pod->metadata.uid.empty()) pod->metadata.uid = StaticPodUid(*pod, node_name, file_path);
  pod->metadata.name = absl::StrCat(pod->metadata.name, "-", absl::AsciiStrToLower(node_name));
  if (pod->metadata.namespace_.empty()) pod->metadata.namespace_ = "default";
  pod->spec.node_name = std::string(node_name);
  pod->metadata.annotations[std::string(kConfigHashAnnotation)] = pod->metadata.uid;
  pod->metadata.annotations[std::string(kConfigSourceAnnotation)] = std::string(kFileSource);
  pod->status.phase = corev1::PodPhase::kPending;
}

absl::Status ValidateNodeName(absl::string_view node_name) {
  const std::string lower = absl::AsciiStrToLower(node_name);
  if (lower.empty()) return absl::InvalidArgumentError("the node name must not be empty");
  bool ok = lower.size() <= kMaxSubdomainLength && IsAlnum(lower.front()) && IsAlnum(lower.back());
  for (char c : lower) ok = ok && (IsAlnum(c) || c == '-' || c == '.');
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node name \"", node_name,
        "\" is not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', starting and "
        "ending with a letter or digit, at most 253 characters); static pod names end with it"));
  }
  return absl::OkStatus();
}

std::string FormatSeenTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

}  // namespace config
}  // namespace kubelet_core
}  // namespace krl
