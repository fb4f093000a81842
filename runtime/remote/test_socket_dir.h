// TestSocketDir: a private temporary directory for unix sockets of one test.
//
// Socket paths must stay under 108 bytes, which Bazel's TEST_TMPDIR exceeds; this lives in /tmp.
//
//   TestSocketDir dir;                                   // /tmp/krl-XXXXXX
//   ScriptedCriServer server(dir.Path("cri.sock"));
//   // the directory and everything in it are removed with `dir`
//
// Not thread safe; one owner.
#ifndef KRL_RUNTIME_REMOTE_TEST_SOCKET_DIR_H_
#define KRL_RUNTIME_REMOTE_TEST_SOCKET_DIR_H_

#include <string>

#include "absl/strings/string_view.h"

namespace krl {
namespace runtime {
namespace remote {

class TestSocketDir {
 public:
  // Aborts when no directory can be made: the test could not run anyway.
  TestSocketDir();
  ~TestSocketDir();
  TestSocketDir(const TestSocketDir&) = delete;
  TestSocketDir& operator=(const TestSocketDir&) = delete;

  const std::string& dir() const { return dir_; }
  std::string Path(absl::string_view name) const;

 private:
  std::string dir_;
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_TEST_SOCKET_DIR_H_
