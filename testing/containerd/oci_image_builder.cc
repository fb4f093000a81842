#include "testing/containerd/oci_image_builder.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "testing/containerd/sha256.h"
#include "testing/containerd/tar_writer.h"

namespace krl::testing::containerd {
namespace {

constexpr char kManifestMediaType[] = "application/vnd.oci.image.manifest.v1+json";
constexpr char kConfigMediaType[] = "application/vnd.oci.image.config.v1+json";
constexpr char kLayerMediaType[] = "application/vnd.oci.image.layer.v1.tar";
constexpr char kIndexMediaType[] = "application/vnd.oci.image.index.v1+json";
constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const std::string& v : values) quoted.push_back(JsonString(v));
  return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
}

std::string Descriptor(absl::string_view media_type, absl::string_view blob) {
  return absl::StrCat("{\"mediaType\":", JsonString(media_type),
                      ",\"digest\":", JsonString(OciDigest(blob)), ",\"size\":", blob.size(), "}");
}

// The tag of a reference such as "krl.test/busybox:1": the part after a colon that follows the
// last slash (a colon before it belongs to a registry port).
std::string TagOf(const std::string& name) {
  const size_t slash = name.rfind('/');
  const size_t colon = name.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "";
  return name.substr(colon + 1);
}

absl::StatusOr<std::string> ReadHostFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error while reading ", path));
  return buf.str();
}

absl::Status WriteHostFile(const std::string& path, absl::string_view data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  const size_t written = std::fwrite(data.data(), 1, data.size(), f);
  const bool closed = std::fclose(f) == 0;
  if (written != data.size() || !closed) {
    return absl::DataLossError(absl::StrCat("short write to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

OciImageBuilder::OciImageBuilder(std::string name) : name_(std::move(name)), env_{kDefaultPath} {
  if (TagOf(name_).empty() || name_.find('@') != std::string::npos) {
    error_ = absl::InvalidArgumentError(absl::StrCat(
        "image name needs a tag and no digest, like krl.test/busybox:1; got \"", name_, "\""));
  }
}

void OciImageBuilder::Add(const std::string& image_path, Entry entry) {
  if (!error_.ok()) return;
  if (image_path.empty() || image_path[0] != '/') {
    error_ = absl::InvalidArgumentError(
        absl::StrCat("image path must be absolute: \"", image_path, "\""));
    return;
  }
  std::vector<std::string> parts = absl::StrSplit(image_path, '/', absl::SkipEmpty());
  for (const std::string& part : parts) {
    if (part == "." || part == "..") {
      error_ = absl::InvalidArgumentError(
          absl::StrCat("image path must not contain . or ..: \"", image_path, "\""));
      return;
    }
  }
  if (parts.empty()) {
    error_ = absl::InvalidArgumentError("the image root \"/\" cannot be added");
    return;
  }
  std::string path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    path = path.empty() ? parts[i] : absl::StrCat(path, "/", parts[i]);
    auto [it, inserted] = entries_.try_emplace(path);
    if (inserted) {
      it->second.implicit = true;
    } else if (it->second.kind != Entry::Kind::kDirectory) {
      error_ = absl::InvalidArgumentError(
          absl::StrCat("\"/", path, "\" is not a directory but \"", image_path, "\" is inside it"));
      return;
    }
  }
  path = absl::StrJoin(parts, "/");
  auto it = entries_.find(path);
  if (it != entries_.end()) {
    // An explicit directory may refine an implicit one (its mode, say); anything else clashes.
    const bool refine = it->second.implicit && entry.kind == Entry::Kind::kDirectory;
    if (!refine) {
      error_ = absl::AlreadyExistsError(absl::StrCat(
          "\"", image_path, "\" added twice, or it is a parent folder of an earlier path"));
      return;
    }
  }
  entries_[path] = std::move(entry);
}

OciImageBuilder& OciImageBuilder::AddFile(const std::string& host_path,
                                          const std::string& image_path, uint32_t mode) {
  Entry e;
  e.kind = Entry::Kind::kFile;
  e.mode = mode;
  e.host_path = host_path;
  if (host_path.empty() && error_.ok()) {
    error_ = absl::InvalidArgumentError(absl::StrCat("no host path for \"", image_path, "\""));
  }
  Add(image_path, std::move(e));
  return *this;
}

OciImageBuilder& OciImageBuilder::AddFileContents(const std::string& image_path,
                                                  std::string contents, uint32_t mode) {
  Entry e;
  e.kind = Entry::Kind::kFile;
  e.mode = mode;
  e.contents = std::move(contents);
  Add(image_path, std::move(e));
  return *this;
}

OciImageBuilder& OciImageBuilder::AddSymlink(const std::string& image_path,
                                             const std::string& target) {
  Entry e;
  e.kind = Entry::Kind::kSymlink;
  e.mode = 0777;
  e.target = target;
  if (target.empty() && error_.ok()) {
    error_ = absl::InvalidArgumentError(
        absl::StrCat("symlink \"", image_path, "\" has an empty target"));
  }
  Add(image_path, std::move(e));
  return *this;
}

OciImageBuilder& OciImageBuilder::AddDirectory(const std::string& image_path, uint32_t mode) {
  Entry e;
  e.kind = Entry::Kind::kDirectory;
  e.mode = mode;
  Add(image_path, std::move(e));
  return *this;
}

OciImageBuilder& OciImageBuilder::SetEntrypoint(std::vector<std::string> entrypoint) {
  entrypoint_ = std::move(entrypoint);
  return *this;
}

OciImageBuilder& OciImageBuilder::SetCmd(std::vector<std::string> cmd) {
  cmd_ = std::move(cmd);
  return *this;
}

OciImageBuilder& OciImageBuilder::SetEnv(std::vector<std::string> env) {
  env_ = std::move(env);
  return *this;
}

OciImageBuilder& OciImageBuilder::SetWorkingDir(std::string dir) {
  working_dir_ = std::move(dir);
  return *this;
}

absl::StatusOr<std::string> OciImageBuilder::BuildLayer() const {
  TarWriter tar;
  for (const auto& [path, entry] : entries_) {
    absl::Status s;
    switch (entry.kind) {
      case Entry::Kind::kDirectory:
        s = tar.AddDirectory(path, entry.mode);
        break;
      case Entry::Kind::kSymlink:
        s = tar.AddSymlink(path, entry.target);
        break;
      case Entry::Kind::kFile:
        if (entry.host_path.empty()) {
          s = tar.AddFile(path, entry.mode, entry.contents);
        } else {
          absl::StatusOr<std::string> data = ReadHostFile(entry.host_path);
          if (!data.ok()) return data.status();
          s = tar.AddFile(path, entry.mode, *data);
        }
        break;
    }
    if (!s.ok()) return s;
  }
  return tar.Finish();
}

absl::StatusOr<OciImageInfo> OciImageBuilder::WriteTarball(const std::string& path) const {
  if (!error_.ok()) {
    return absl::Status(error_.code(), absl::StrCat("image ", name_, ": ", error_.message()));
  }
  absl::StatusOr<std::string> layer = BuildLayer();
  if (!layer.ok()) {
    return absl::Status(layer.status().code(),
                        absl::StrCat("image ", name_, ": ", layer.status().message()));
  }

  std::string container_config = absl::StrCat("\"Env\":", JsonStringArray(env_));
  if (!entrypoint_.empty()) {
    absl::StrAppend(&container_config, ",\"Entrypoint\":", JsonStringArray(entrypoint_));
  }
  if (!cmd_.empty()) absl::StrAppend(&container_config, ",\"Cmd\":", JsonStringArray(cmd_));
  if (!working_dir_.empty()) {
    absl::StrAppend(&container_config, ",\"WorkingDir\":", JsonString(working_dir_));
  }
  const std::string config = absl::StrCat(
      "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{", container_config,
      "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[", JsonString(OciDigest(*layer)),
      "]},\"history\":[{\"created_by\":\"krl OciImageBuilder\"}]}");
  const std::string manifest =
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":", JsonString(kManifestMediaType),
                   ",\"config\":", Descriptor(kConfigMediaType, config), ",\"layers\":[",
                   Descriptor(kLayerMediaType, *layer), "]}");
  const std::string index =
      absl::StrCat("{\"schemaVersion\":2,\"mediaType\":", JsonString(kIndexMediaType),
                   ",\"manifests\":[{\"mediaType\":", JsonString(kManifestMediaType),
                   ",\"digest\":", JsonString(OciDigest(manifest)), ",\"size\":", manifest.size(),
                   ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}",
                   ",\"annotations\":{\"io.containerd.image.name\":", JsonString(name_),
                   ",\"org.opencontainers.image.ref.name\":", JsonString(TagOf(name_)), "}}]}");

  TarWriter out;
  absl::Status s = out.AddFile("oci-layout", 0644, "{\"imageLayoutVersion\":\"1.0.0\"}");
  if (s.ok()) s = out.AddFile("index.json", 0644, index);
  if (s.ok()) s = out.AddDirectory("blobs", 0755);
  if (s.ok()) s = out.AddDirectory("blobs/sha256", 0755);
  const std::string& layer_bytes = *layer;
  for (const std::string* blob : {&layer_bytes, &config, &manifest}) {
    if (s.ok()) s = out.AddFile(absl::StrCat("blobs/sha256/", Sha256Hex(*blob)), 0644, *blob);
  }
  if (s.ok()) s = WriteHostFile(path, out.Finish());
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("image ", name_, ": ", s.message()));
  }

  OciImageInfo info;
  info.name = name_;
  info.manifest_digest = OciDigest(manifest);
  info.config_digest = OciDigest(config);
  info.layer_digest = OciDigest(*layer);
  info.layer_size = static_cast<int64_t>(layer->size());
  return info;
}

}  // namespace krl::testing::containerd
