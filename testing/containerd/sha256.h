// SHA-256 digests in the forms OCI image layouts use.
#ifndef KRL_TESTING_CONTAINERD_SHA256_H_
#define KRL_TESTING_CONTAINERD_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace krl::testing::containerd {

// The SHA-256 of `data` as 64 lower-case hex digits.
std::string Sha256Hex(absl::string_view data);

// The OCI content digest of `data`: "sha256:" followed by Sha256Hex(data).
std::string OciDigest(absl::string_view data);

}  // namespace krl::testing::containerd

#endif  // KRL_TESTING_CONTAINERD_SHA256_H_
