// Writes POSIX ustar archives in memory: the layer of an OCI image and the image tarball itself.
#ifndef KRL_TESTING_CONTAINERD_TAR_WRITER_H_
#define KRL_TESTING_CONTAINERD_TAR_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace krl::testing::containerd {

// Appends entries to an in-memory archive. Entries are owned by root with a fixed modification
// time, so the same input always gives the same bytes and hence the same image digests.
// Paths are relative ("bin/sh"); callers add parent directories before their children.
// Not thread-safe.
class TarWriter {
 public:
  absl::Status AddDirectory(absl::string_view path, uint32_t mode);
  absl::Status AddFile(absl::string_view path, uint32_t mode, absl::string_view contents);
  absl::Status AddSymlink(absl::string_view path, absl::string_view target);

  // Appends the end-of-archive marker and returns the archive; the writer is empty afterwards.
  std::string Finish();

 private:
  absl::Status AddHeader(absl::string_view path, char type, uint32_t mode, uint64_t size,
                         absl::string_view link_target);

  std::string data_;
};

}  // namespace krl::testing::containerd

#endif  // KRL_TESTING_CONTAINERD_TAR_WRITER_H_
