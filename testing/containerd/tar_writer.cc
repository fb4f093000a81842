#include "testing/containerd/tar_writer.h"

#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace krl::testing::containerd {
namespace {

constexpr size_t kBlock = 512;
// 2023-11-14; any fixed value keeps digests stable, and a real date keeps tools from warning.
constexpr uint64_t kModTime = 1700000000;

// Writes `value` as zero-padded octal into a field of `width` bytes, NUL-terminated.
void PutOctal(char* field, size_t width, uint64_t value) {
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(value));
}

void PutString(char* field, size_t width, absl::string_view value) {
  if (value.empty()) return;  // an empty view may carry a null pointer, which memcpy forbids
  std::memcpy(field, value.data(), value.size() < width ? value.size() : width);
}

// Splits a path that does not fit the 100-byte name field into ustar's prefix and name fields.
bool SplitName(absl::string_view path, absl::string_view* prefix, absl::string_view* name) {
  if (path.size() <= 100) {
    *prefix = absl::string_view();
    *name = path;
    return true;
  }
  // The cut must be at a slash, with at most 155 bytes before it and 100 after it.
  for (size_t cut = path.size() > 101 ? path.size() - 101 : 0; cut < path.size(); ++cut) {
    if (path[cut] != '/' || cut > 155) continue;
    if (path.size() - cut - 1 > 100 || cut == 0) continue;
    *prefix = path.substr(0, cut);
    *name = path.substr(cut + 1);
    return true;
  }
  return false;
}

}  // namespace

absl::Status TarWriter::AddHeader(absl::string_view path, char type, uint32_t mode, uint64_t size,
                                  absl::string_view link_target) {
  if (path.empty()) return absl::InvalidArgumentError("tar entry with an empty path");
  absl::string_view prefix, name;
  if (!SplitName(path, &prefix, &name)) {
    return absl::InvalidArgumentError(absl::StrCat("path too long for a ustar header: ", path));
  }
  if (link_target.size() > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("symlink target longer than 100 bytes: ", path, " -> ", link_target));
  }
  char header[kBlock];
  std::memset(header, 0, sizeof(header));
  PutString(header + 0, 100, name);
  PutOctal(header + 100, 8, mode & 07777);
  PutOctal(header + 108, 8, 0);  // uid
  PutOctal(header + 116, 8, 0);  // gid
  PutOctal(header + 124, 12, size);
  PutOctal(header + 136, 12, kModTime);
  std::memset(header + 148, ' ', 8);  // The checksum is computed with its own field as spaces.
  header[156] = type;
  PutString(header + 157, 100, link_target);
  std::memcpy(header + 257, "ustar", 6);  // magic, NUL-terminated
  std::memcpy(header + 263, "00", 2);     // version
  PutString(header + 265, 32, "root");
  PutString(header + 297, 32, "root");
  PutOctal(header + 329, 8, 0);  // devmajor
  PutOctal(header + 337, 8, 0);  // devminor
  PutString(header + 345, 155, prefix);
  unsigned int sum = 0;
  for (unsigned char c : header) sum += c;
  std::snprintf(header + 148, 8, "%06o", sum);  // six digits, NUL, and the space left in place
  data_.append(header, sizeof(header));
  return absl::OkStatus();
}

absl::Status TarWriter::AddDirectory(absl::string_view path, uint32_t mode) {
  std::string dir(path);
  if (dir.back() != '/') dir.push_back('/');
  return AddHeader(dir, '5', mode, 0, "");
}

absl::Status TarWriter::AddFile(absl::string_view path, uint32_t mode, absl::string_view contents) {
  if (absl::Status s = AddHeader(path, '0', mode, contents.size(), ""); !s.ok()) return s;
  data_.append(contents.data(), contents.size());
  data_.append((kBlock - contents.size() % kBlock) % kBlock, '\0');
  return absl::OkStatus();
}

absl::Status TarWriter::AddSymlink(absl::string_view path, absl::string_view target) {
  return AddHeader(path, '2', 0777, 0, target);
}

std::string TarWriter::Finish() {
  data_.append(2 * kBlock, '\0');
  std::string out;
  out.swap(data_);
  return out;
}

}  // namespace krl::testing::containerd
