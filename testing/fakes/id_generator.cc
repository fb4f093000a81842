#include "testing/fakes/id_generator.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"

namespace krl {
namespace testing {
namespace {

uint64_t SeedFromEntropy() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

IdGenerator::IdGenerator(uint64_t seed) : engine_(seed != 0 ? seed : SeedFromEntropy()) {}

std::string IdGenerator::NewId() {
  std::string bytes(32, '\0');
  krl::MutexLock lock(&mu_);
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t word = engine_();
    for (size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<char>((word >> (8 * j)) & 0xff);
  }
  return absl::BytesToHexString(bytes);
}

std::string IdGenerator::NewToken() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string token(8, 'A');
  krl::MutexLock lock(&mu_);
  uint64_t word = engine_();
  for (char& c : token) {
    c = kAlphabet[word & 63];
    word >>= 6;
  }
  return token;
}

std::string IdGenerator::Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace testing
}  // namespace krl
