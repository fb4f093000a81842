// IdGenerator: the identifiers the CRI fakes hand out, shaped like containerd's.
//
// Sandbox and container ids are 64 random lower-case hex digits (32 random bytes), image ids
// are "sha256:" plus the SHA-256 of some content, streaming tokens are short url-safe strings.
//
//   IdGenerator ids(/*seed=*/42);          // 0 seeds from the system's entropy
//   std::string id = ids.NewId();          // "3f9c...", 64 hex digits
//   IdGenerator::Sha256Hex("content");     // deterministic
//
// Thread safe (one mutex guards the random engine).
#ifndef KRL_TESTING_FAKES_ID_GENERATOR_H_
#define KRL_TESTING_FAKES_ID_GENERATOR_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/string_view.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace testing {

class IdGenerator {
 public:
  // A non-zero seed makes the sequence of ids reproducible.
  explicit IdGenerator(uint64_t seed = 0);

  // 64 lower-case hex digits.
  std::string NewId();
  // 8 url-safe characters, as in a streaming server URL.
  std::string NewToken();

  // The SHA-256 of `data` as 64 lower-case hex digits.
  static std::string Sha256Hex(absl::string_view data);

 private:
  krl::Mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_ID_GENERATOR_H_
