// Builds single-layer OCI image-layout tarballs that `ctr images import` accepts, so tests can
// run containers without reaching any registry.
#ifndef KRL_TESTING_CONTAINERD_OCI_IMAGE_BUILDER_H_
#define KRL_TESTING_CONTAINERD_OCI_IMAGE_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace krl::testing::containerd {

// What WriteTarball produced; digests are "sha256:<hex>".
struct OciImageInfo {
  std::string name;
  std::string manifest_digest;
  std::string config_digest;
  // The layer is stored uncompressed, so this is also the config's rootfs.diff_ids entry.
  std::string layer_digest;
  int64_t layer_size = 0;
};

// Collects the files of one linux/amd64 image and writes it as an OCI image layout in a tarball:
// `oci-layout`, `index.json` (its manifest annotated with the full image name under
// `io.containerd.image.name`, and the tag under `org.opencontainers.image.ref.name`) and
// `blobs/sha256/` holding an uncompressed layer tar, the image config and the manifest.
//
// Paths inside the image are absolute ("/bin/sh"); missing parent directories are added with mode
// 0755. Mistakes in the Add* calls are reported by WriteTarball, so calls can be chained.
// The output depends only on the inputs (fixed owners and times), so digests are reproducible.
// Not thread-safe.
class OciImageBuilder {
 public:
  // `name` is a full reference with a tag, e.g. "krl.test/busybox:1". A domain with a dot keeps
  // the CRI plugin from rewriting it to docker.io/library/...
  explicit OciImageBuilder(std::string name);

  // Copies the host file at `host_path` (read when WriteTarball runs) to `image_path`.
  OciImageBuilder& AddFile(const std::string& host_path, const std::string& image_path,
                           uint32_t mode = 0755);
  OciImageBuilder& AddFileContents(const std::string& image_path, std::string contents,
                                   uint32_t mode = 0644);
  OciImageBuilder& AddSymlink(const std::string& image_path, const std::string& target);
  OciImageBuilder& AddDirectory(const std::string& image_path, uint32_t mode = 0755);

  OciImageBuilder& SetEntrypoint(std::vector<std::string> entrypoint);
  OciImageBuilder& SetCmd(std::vector<std::string> cmd);
  // Replaces the default environment, which is a PATH covering the usual bin folders.
  OciImageBuilder& SetEnv(std::vector<std::string> env);
  OciImageBuilder& SetWorkingDir(std::string dir);

  // Writes the tarball to `path`, replacing any file there.
  absl::StatusOr<OciImageInfo> WriteTarball(const std::string& path) const;

  const std::string& name() const { return name_; }

 private:
  struct Entry {
    enum class Kind { kDirectory, kFile, kSymlink };
    Kind kind = Kind::kDirectory;
    uint32_t mode = 0755;
    std::string host_path;  // kFile from the host; empty when `contents` holds the bytes
    std::string contents;
    std::string target;     // kSymlink
    bool implicit = false;  // a parent directory nobody asked for explicitly
  };

  // Records `entry` at `image_path`, adding parents; the first problem is kept in error_.
  void Add(const std::string& image_path, Entry entry);
  absl::StatusOr<std::string> BuildLayer() const;

  std::string name_;
  // Keyed by the path without its leading slash; ordered, so parents precede their children.
  std::map<std::string, Entry> entries_;
  std::vector<std::string> entrypoint_;
  std::vector<std::string> cmd_;
  std::vector<std::string> env_;
  std::string working_dir_;
  absl::Status error_;
};

}  // namespace krl::testing::containerd

#endif  // KRL_TESTING_CONTAINERD_OCI_IMAGE_BUILDER_H_
