// Files for tests: where Bazel put a test's data, and writing a file that a watcher must never see
// half-written.
#ifndef KRL_TESTING_TEST_FILES_H_
#define KRL_TESTING_TEST_FILES_H_

#include <string>

namespace krl {
namespace testing {

// The path of `path` (relative to the workspace, e.g. "tools/nodeagent/nodeagent") among the
// test's runfiles; relative to the current folder outside `bazel test`.
std::string Runfile(const std::string& path);

// Writes `text` to a file beside `path`, then renames it onto `path`, as an editor or a config
// tool does: a folder watch never reads a half-written file.
void WriteFileAtomically(const std::string& path, const std::string& text);

// The whole content of a file; empty when it cannot be read.
std::string ReadFile(const std::string& path);

// A fresh folder /tmp/<prefix>-XXXXXX, removed with all it holds when the object goes. Aborts
// the test binary when no folder can be made.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "krl-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_TEST_FILES_H_
