// The main of a fuzz target in the ordinary build: runs every seed input given on the command
// line (files, or folders of files) through LLVMFuzzerTestOneInput once, so `bazel test` keeps the
// seed corpus passing without clang or libFuzzer. Under --config=fuzz libFuzzer's own main is
// linked instead (bazel/defs.bzl, krl_cc_fuzz_test).
//
// A crash or a failed property aborts, failing the test with the input's name printed first. An
// empty corpus fails too: a fuzz target without seeds would pass while testing nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional in a fuzz target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

// The files of `path` (itself when it is a file), sorted so runs are repeatable.
bool CollectInputs(const std::string& path, std::vector<std::string>* inputs) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
      if (entry.is_regular_file()) found.push_back(entry.path().string());
    }
    if (error) {
      std::fprintf(stderr, "cannot list %s: %s\n", path.c_str(), error.message().c_str());
      return false;
    }
    std::sort(found.begin(), found.end());
    inputs->insert(inputs->end(), found.begin(), found.end());
    return true;
  }
  if (std::filesystem::is_regular_file(path, error)) {
    inputs->push_back(path);
    return true;
  }
  std::fprintf(stderr, "no such seed file or folder: %s\n", path.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!CollectInputs(argv[i], &inputs)) return 1;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "error: the seed corpus is empty; add seeds under testdata/fuzz/\n");
    return 1;
  }
  for (const std::string& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", input.c_str());
      return 1;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
    // Written before the run so a crash names its input.
    std::fprintf(stderr, "running %s (%zu bytes)\n", input.c_str(), bytes.size());
    // A copy of exactly the input's size, as libFuzzer passes inputs, so that a read past the
    // end is a heap overflow under AddressSanitizer rather than a read of spare capacity.
    std::vector<uint8_t> exact(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(exact.data(), exact.size());
  }
  std::printf("replayed %zu seed inputs through LLVMFuzzerTestOneInput\n", inputs.size());
  // The line tools/dev summary reads, in Catch2's words: one test case, one check per input.
  std::printf("All tests passed (%zu assertions in 1 test case)\n", inputs.size());
  return 0;
}
