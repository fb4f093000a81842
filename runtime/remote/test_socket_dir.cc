#include "runtime/remote/test_socket_dir.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace krl {
namespace runtime {
namespace remote {

TestSocketDir::TestSocketDir() {
  char pattern[] = "/tmp/krl-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  dir_ = pattern;
}

TestSocketDir::~TestSocketDir() {
  if (DIR* d = ::opendir(dir_.c_str())) {
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(d)) {
      if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
        names.emplace_back(entry->d_name);
      }
    }
    ::closedir(d);
    for (const std::string& name : names) ::unlink(Path(name).c_str());
  }
  ::rmdir(dir_.c_str());
}

std::string TestSocketDir::Path(absl::string_view name) const {
  return absl::StrCat(dir_, "/", name);
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
