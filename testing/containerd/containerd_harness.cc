#include "testing/containerd/containerd_harness.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "testing/containerd/oci_image_builder.h"
#include "testing/containerd/subprocess.h"

extern char** environ;

namespace krl::testing::containerd {
namespace {

// Programs the harness runs; containerd starts the shim, which starts runc.
constexpr const char* kRequiredPrograms[] = {"containerd", "containerd-shim-runc-v2", "runc", "ctr",
                                             "busybox"};
// Where the runc shim of containerd 1.6 puts its sockets whatever the config says.
constexpr char kShimSocketDir[] = "/run/containerd/s/";
// Where ctr-started containers keep runc state unless told otherwise.
constexpr char kDefaultRuncRoot[] = "/run/containerd/runc";
constexpr size_t kMaxSocketPath = 107;  // sun_path is 108 bytes including the NUL

std::string ErrnoText(int err) { return std::strerror(err); }

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool IsSocket(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names.emplace_back(e->d_name);
    }
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status MakeDir(const std::string& path, mode_t mode = 0700) {
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("mkdir ", path, ": ", ErrnoText(errno)));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// A container image needs static programs: it has no libc or dynamic loader. A dynamically
// linked one fails only inside the container, with an obscure "no such file" from runc.
absl::Status CheckStaticElf(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(what, " not readable at ", path));
  Elf64_Ehdr eh;
  if (!in.read(reinterpret_cast<char*>(&eh), sizeof(eh)) ||
      std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " at ", path, " is not a 64-bit ELF executable"));
  }
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + static_cast<uint64_t>(i) * eh.e_phentsize));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof(ph))) break;
    if (ph.p_type == PT_INTERP) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, " at ", path, " is dynamically linked; the image needs a static one",
                       what == "busybox" ? " (Debian package busybox-static)" : ""));
    }
  }
  return absl::OkStatus();
}

// Whether the kernel lets us stack an overlay on the file system under `dir`. It refuses, for
// example, when `dir` is itself on overlayfs; containerd's overlayfs snapshotter then fails.
bool OverlayWorksIn(const std::string& dir) {
  const std::string probe = dir + "/overlay-probe";
  const std::string lower = probe + "/lower", upper = probe + "/upper", work = probe + "/work",
                    merged = probe + "/merged";
  bool ok = false;
  if (mkdir(probe.c_str(), 0700) == 0 && mkdir(lower.c_str(), 0700) == 0 &&
      mkdir(upper.c_str(), 0700) == 0 && mkdir(work.c_str(), 0700) == 0 &&
      mkdir(merged.c_str(), 0700) == 0) {
    const std::string data =
        absl::StrCat("lowerdir=", lower, ",upperdir=", upper, ",workdir=", work);
    if (mount("overlay", merged.c_str(), "overlay", 0, data.c_str()) == 0) {
      ok = true;
      umount2(merged.c_str(), MNT_DETACH);
    }
  }
  // overlayfs leaves a root-only "work" folder inside workdir; remove depth-first.
  rmdir((work + "/work").c_str());
  for (const std::string& d : {merged, work, upper, lower, probe}) rmdir(d.c_str());
  return ok;
}

// Turns the octal escapes of /proc/self/mountinfo ("\040" for a space) back into bytes.
std::string UnescapeMountPath(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && absl::ascii_isdigit(s[i + 1]) &&
        absl::ascii_isdigit(s[i + 2]) && absl::ascii_isdigit(s[i + 3])) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool IsUnder(absl::string_view path, absl::string_view dir) {
  return path == dir ||
         (absl::StartsWith(path, dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

// Mount points at or below `dir`, deepest first so children go before their parents.
std::vector<std::string> MountsUnder(const std::string& dir) {
  std::vector<std::string> mounts;
  std::optional<std::string> info = ReadSmallFile("/proc/self/mountinfo");
  if (!info) return mounts;
  for (absl::string_view line : absl::StrSplit(*info, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    if (fields.size() < 5) continue;
    std::string mount_point = UnescapeMountPath(fields[4]);
    if (IsUnder(mount_point, dir)) mounts.push_back(std::move(mount_point));
  }
  std::sort(mounts.begin(), mounts.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return mounts;
}

struct ProcInfo {
  pid_t ppid = 0;
  char state = '?';
};

// Reads the parent and state of a process from /proc/PID/stat; the command name in parentheses
// may contain spaces, so parse from the last ')'.
std::optional<ProcInfo> ReadProcInfo(pid_t pid) {
  std::optional<std::string> stat = ReadSmallFile(absl::StrCat("/proc/", pid, "/stat"));
  if (!stat) return std::nullopt;
  const size_t close = stat->rfind(')');
  if (close == std::string::npos || close + 4 >= stat->size()) return std::nullopt;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(*stat).substr(close + 2), ' ');
  if (fields.size() < 2 || fields[0].empty()) return std::nullopt;
  ProcInfo info;
  info.state = fields[0][0];
  int ppid = 0;
  if (!absl::SimpleAtoi(fields[1], &ppid)) return std::nullopt;
  info.ppid = ppid;
  return info;
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  for (const std::string& name : ListDir("/proc")) {
    int pid = 0;
    if (absl::SimpleAtoi(name, &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

// Whether a process belongs to the harness: its command line names the private folder (the
// shims get the socket path as -address), or its root is inside it (container processes).
bool ReferencesDir(pid_t pid, const std::string& dir) {
  if (std::optional<std::string> cmdline = ReadSmallFile(absl::StrCat("/proc/", pid, "/cmdline"));
      cmdline && absl::StrContains(*cmdline, dir + "/")) {
    return true;
  }
  char buf[4096];
  const ssize_t n = readlink(absl::StrCat("/proc/", pid, "/root").c_str(), buf, sizeof(buf) - 1);
  return n > 0 && IsUnder(absl::string_view(buf, static_cast<size_t>(n)), dir);
}

bool Gone(pid_t pid) {
  std::optional<ProcInfo> info = ReadProcInfo(pid);
  return !info || info->state == 'Z' || info->state == 'X';
}

// Collects (runc root, container id) pairs below `dir`: a folder holding state.json is a
// container, any other folder may be a runc root (the shim appends the namespace to the root it
// is given, so roots nest). With a non-empty `must_mention`, only containers whose state names
// it are taken, which picks ours out of a shared root.
void FindRuncContainers(const std::string& dir, const std::string& must_mention, int depth,
                        std::vector<std::pair<std::string, std::string>>* out) {
  if (depth == 0) return;
  for (const std::string& name : ListDir(dir)) {
    const std::string sub = absl::StrCat(dir, "/", name);
    struct stat st;
    if (lstat(sub.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (std::optional<std::string> state = ReadSmallFile(sub + "/state.json")) {
      if (must_mention.empty() || absl::StrContains(*state, must_mention)) {
        out->emplace_back(dir, name);
      }
    } else {
      FindRuncContainers(sub, must_mention, depth - 1, out);
    }
  }
}

int RemoveEntry(const char* path, const struct stat* /*st*/, int type, FTW* /*ftw*/) {
  const int rc = type == FTW_DP ? rmdir(path) : unlink(path);
  if (rc != 0 && errno != ENOENT) {
    std::fprintf(stderr, "containerd harness: cannot remove %s: %s\n", path, std::strerror(errno));
  }
  return 0;  // keep going; whatever is left is reported by the caller
}

}  // namespace

std::optional<std::string> ContainerdHarness::MissingPrerequisite() {
  if (geteuid() != 0) return "the containerd harness must run as root";
  std::vector<std::string> missing;
  for (const char* program : kRequiredPrograms) {
    if (!FindExecutable(program)) missing.emplace_back(program);
  }
  if (missing.empty()) return std::nullopt;
  return absl::StrCat("not found on ", SearchPath(), ": ", absl::StrJoin(missing, ", "),
                      " (Debian packages containerd, runc, busybox-static)");
}

absl::StatusOr<std::string> ContainerdHarness::DefaultPauseBinary() {
  constexpr char kRelative[] = "testing/containerd/pause";
  std::vector<std::string> candidates;
  for (const char* var : {"TEST_SRCDIR", "RUNFILES_DIR"}) {
    if (const char* dir = std::getenv(var); dir != nullptr && *dir != '\0') {
      candidates.push_back(absl::StrCat(dir, "/krl/", kRelative));
      candidates.push_back(absl::StrCat(dir, "/__main__/", kRelative));
    }
  }
  candidates.push_back(kRelative);
  candidates.push_back(absl::StrCat("bazel-bin/", kRelative));
  for (const std::string& candidate : candidates) {
    char resolved[PATH_MAX];
    if (access(candidate.c_str(), X_OK) == 0 && realpath(candidate.c_str(), resolved) != nullptr) {
      return std::string(resolved);
    }
  }
  return absl::NotFoundError(
      absl::StrCat("pause binary not found; tried ", absl::StrJoin(candidates, ", ")));
}

ContainerdHarness::ContainerdHarness(const Options& options) : options_(options) {}

ContainerdHarness::~ContainerdHarness() {
  if (absl::Status s = Stop(); !s.ok()) {
    std::cerr << "containerd harness: cleanup incomplete: " << s << std::endl;
  }
}

absl::StatusOr<std::unique_ptr<ContainerdHarness>> ContainerdHarness::Start(
    const Options& options) {
  if (std::optional<std::string> missing = MissingPrerequisite()) {
    return absl::UnavailableError(*missing);
  }
  RemoveStaleDirs(options);
  std::unique_ptr<ContainerdHarness> harness(new ContainerdHarness(options));
  absl::Status s = harness->Prepare();
  if (s.ok()) s = harness->SpawnContainerd();
  if (s.ok()) s = harness->WaitUntilReady();
  if (s.ok()) s = harness->BuildAndImportImages();
  if (!s.ok()) {
    // The error goes first: cleanup problems are secondary and printed by the destructor.
    const absl::Status failure = harness->WithLog(s);
    harness.reset();
    return failure;
  }
  return harness;
}

void ContainerdHarness::RemoveStaleDirs(const Options& options) {
  for (const std::string& name : ListDir(options.temp_parent)) {
    if (!absl::StartsWith(name, "krl-ctd-")) continue;
    const std::string dir = absl::StrCat(options.temp_parent, "/", name);
    // No lock file: a folder being set up right now, or one kept for debugging.
    const int fd = open((dir + "/.lock").c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {  // its harness is alive
      close(fd);
      continue;
    }
    std::unique_ptr<ContainerdHarness> stale(new ContainerdHarness(options));
    stale->options_.keep_temp_dir = false;
    stale->root_dir_ = dir;
    stale->runc_path_ = FindExecutable("runc").value_or("runc");
    stale->lock_fd_ = fd;
    if (absl::Status s = stale->Stop(); !s.ok()) {
      std::cerr << "containerd harness: removing stale " << dir << ": " << s << std::endl;
    }
  }
}

absl::Status ContainerdHarness::Prepare() {
  containerd_path_ = *FindExecutable("containerd");
  ctr_path_ = *FindExecutable("ctr");
  runc_path_ = *FindExecutable("runc");

  if (options_.pause_binary.empty()) {
    absl::StatusOr<std::string> pause = DefaultPauseBinary();
    if (!pause.ok()) return pause.status();
    options_.pause_binary = *pause;
  }
  if (options_.busybox_binary.empty()) options_.busybox_binary = *FindExecutable("busybox");
  if (absl::Status s = CheckStaticElf(options_.pause_binary, "pause"); !s.ok()) return s;
  if (absl::Status s = CheckStaticElf(options_.busybox_binary, "busybox"); !s.ok()) return s;

  if (absl::StrContains(options_.temp_parent, "\"") ||
      absl::StrContains(options_.temp_parent, "\\")) {
    return absl::InvalidArgumentError("temp_parent must not contain quotes or backslashes");
  }
  std::string pattern = absl::StrCat(options_.temp_parent, "/krl-ctd-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", ErrnoText(errno)));
  }
  root_dir_ = pattern;
  // The lock tells RemoveStaleDirs in other processes that this folder is alive. O_CLOEXEC, and
  // the fd clean-up in every child, keep it from outliving this process in containerd or ctr.
  lock_fd_ = open((root_dir_ + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX) != 0) {
    return absl::InternalError(absl::StrCat("cannot lock ", root_dir_, ": ", ErrnoText(errno)));
  }
  config_path_ = root_dir_ + "/config.toml";
  log_path_ = root_dir_ + "/containerd.log";
  socket_path_ = root_dir_ + "/containerd.sock";
  if (socket_path_.size() + std::strlen(".ttrpc") > kMaxSocketPath) {
    return absl::InvalidArgumentError(absl::StrCat("socket path ", socket_path_,
                                                   ".ttrpc is longer than ", kMaxSocketPath,
                                                   " bytes; use a shorter temp_parent"));
  }
  for (const char* sub :
       {"/root", "/state", "/tmp", "/opt", "/cni", "/cni/bin", "/cni/conf", "/images"}) {
    if (absl::Status s = MakeDir(root_dir_ + sub); !s.ok()) return s;
  }

  snapshotter_ = options_.snapshotter;
  if (snapshotter_.empty()) {
    snapshotter_ = OverlayWorksIn(root_dir_ + "/root") ? "overlayfs" : "native";
  } else if (snapshotter_ != "overlayfs" && snapshotter_ != "native") {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshotter must be overlayfs or native, not ", snapshotter_));
  }
  return WriteConfig();
}

absl::Status ContainerdHarness::WriteConfig() {
  // Every path containerd, the shims and runc write to lives under {dir}: nothing is shared with
  // a system containerd. The reasons for the other settings are in the file's comments.
  constexpr char kTemplate[] = R"(# containerd config of the krl test harness.
version = 2
root = "{dir}/root"
state = "{dir}/state"
temp = "{dir}/tmp"
oom_score = 0
# Snapshotters that cannot work here only add start-up time and log noise. The v1 linux runtime
# must stay: in containerd 1.6 the tasks service, and with it the CRI plugin, needs it.
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "{socket}"

[ttrpc]
  address = "{socket}.ttrpc"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "{dir}/opt"

  [plugins."io.containerd.grpc.v1.cri"]
    # Some machines refuse negative oom_score_adj values; without this every sandbox fails with
    # "can't get final child's PID from pipe: EOF".
    restrict_oom_score_adj = true
    # No registry is reachable: the sandbox image is the locally imported one.
    sandbox_image = "{pause_image}"
    # Network namespaces of non-host-network pods go into our state folder, not /var/run/netns.
    netns_mounts_under_state_dir = true
    disable_tcp_service = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false

    # An empty private CNI config: pods use host networking, NetworkReady is false.
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "{dir}/cni/bin"
      conf_dir = "{dir}/cni/conf"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "{snapshotter}"
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          # The shim's default runc root is /run/containerd/runc, outside our folder.
          Root = "{dir}/state/runc"
)";
  const std::string config = absl::StrReplaceAll(kTemplate, {{"{dir}", root_dir_},
                                                             {"{socket}", socket_path_},
                                                             {"{pause_image}", pause_image_},
                                                             {"{snapshotter}", snapshotter_}});
  return WriteFile(config_path_, config);
}

absl::Status ContainerdHarness::SpawnContainerd() {
  // Everything the child needs is built before fork(): only async-signal-safe calls follow.
  const std::vector<std::string> args = {containerd_path_, "--config", config_path_};
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, "PATH=", 5) != 0 && std::strncmp(*e, "TMPDIR=", 7) != 0) {
      env.emplace_back(*e);
    }
  }
  env.push_back(absl::StrCat("PATH=", SearchPath()));
  env.push_back(absl::StrCat("TMPDIR=", root_dir_, "/tmp"));
  std::vector<char*> argv_c, env_c;
  for (const std::string& a : args) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  for (const std::string& e : env) env_c.push_back(const_cast<char*>(e.c_str()));
  env_c.push_back(nullptr);

  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("open ", log_path_, ": ", ErrnoText(errno)));
  }
  struct stat log_stat;
  log_offset_ = fstat(log_fd, &log_stat) == 0 ? static_cast<size_t>(log_stat.st_size) : 0;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", ErrnoText(err)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // the parent died before the request took effect
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // Descriptors of the test process must not live on in containerd and its shims.
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 4096; ++fd) close(fd);
    }
    execve(argv_c[0], argv_c.data(), env_c.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;
  return absl::OkStatus();
}

absl::Status ContainerdHarness::WaitUntilReady() {
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  std::string last_error = "socket not created yet";
  bool answered = false;
  absl::Time answered_at;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError(absl::StrCat("containerd exited during start-up with ",
                                              WIFEXITED(status)
                                                  ? absl::StrCat("status ", WEXITSTATUS(status))
                                                  : absl::StrCat("signal ", WTERMSIG(status))));
    }
    if (!answered && IsSocket(socket_path_)) {
      absl::StatusOr<std::string> version =
          RunCommandOk({ctr_path_, "--address", socket_path_, "version"}, absl::Seconds(5));
      if (version.ok()) {
        // containerd serves even when a plugin failed to load; without CRI it is useless here.
        absl::StatusOr<std::string> plugins =
            RunCommandOk({ctr_path_, "--address", socket_path_, "plugins", "ls"}, absl::Seconds(5));
        if (!plugins.ok()) return plugins.status();
        bool cri_ok = false;
        for (absl::string_view line : absl::StrSplit(*plugins, '\n')) {
          std::vector<absl::string_view> cols = absl::StrSplit(line, ' ', absl::SkipWhitespace());
          if (cols.size() >= 3 && cols[0] == "io.containerd.grpc.v1" && cols[1] == "cri") {
            cri_ok = cols.back() == "ok";
          }
        }
        if (!cri_ok) return absl::InternalError("containerd's CRI plugin did not load");
        answered = true;
        answered_at = absl::Now();
      } else {
        last_error = std::string(version.status().message());
      }
    }
    if (answered) {
      // The CRI plugin finishes initializing in the background, and until then refuses calls
      // ("server is not initialized yet"). Its last start-up step logs this line. Should a
      // future containerd word it differently, give up waiting for it after a few seconds.
      std::optional<std::string> log = ReadSmallFile(log_path_);
      if ((log && log->size() > log_offset_ &&
           absl::StrContains(absl::string_view(*log).substr(log_offset_),
                             "Start streaming server")) ||
          absl::Now() - answered_at > absl::Seconds(5)) {
        return absl::OkStatus();
      }
    }
    absl::SleepFor(absl::Milliseconds(answered ? 10 : 50));
  }
  return absl::DeadlineExceededError(absl::StrCat("containerd did not answer within ",
                                                  absl::FormatDuration(options_.start_timeout),
                                                  "; last error: ", last_error));
}

absl::Status ContainerdHarness::BuildAndImportImages() {
  OciImageBuilder pause(pause_image_);
  pause.AddFile(options_.pause_binary, "/pause", 0755).SetEntrypoint({"/pause"});

  OciImageBuilder busybox(busybox_image_);
  busybox.AddFile(options_.busybox_binary, "/bin/busybox", 0755)
      .AddDirectory("/tmp", 01777)
      .AddDirectory("/root", 0700)
      .AddFileContents("/etc/passwd",
                       "root:x:0:0:root:/root:/bin/sh\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
      .AddFileContents("/etc/group", "root:x:0:\nnogroup:x:65534:\n")
      .SetCmd({"/bin/sh"});
  absl::StatusOr<std::string> applets =
      RunCommandOk({options_.busybox_binary, "--list"}, absl::Seconds(10));
  if (!applets.ok()) return applets.status();
  for (absl::string_view applet : absl::StrSplit(*applets, '\n', absl::SkipWhitespace())) {
    applet = absl::StripAsciiWhitespace(applet);
    if (applet != "busybox") busybox.AddSymlink(absl::StrCat("/bin/", applet), "busybox");
  }

  for (OciImageBuilder* image : {&pause, &busybox}) {
    const std::string tarball =
        absl::StrCat(root_dir_, "/images/", image == &pause ? "pause" : "busybox", ".tar");
    absl::StatusOr<OciImageInfo> info = image->WriteTarball(tarball);
    if (!info.ok()) return info.status();
    absl::StatusOr<std::string> out =
        Ctr({"images", "import", "--snapshotter", snapshotter_, tarball}, absl::Seconds(60));
    if (!out.ok()) return out.status();
  }

  absl::StatusOr<std::string> listed = Ctr({"images", "ls", "-q"});
  if (!listed.ok()) return listed.status();
  std::set<std::string> names;
  for (absl::string_view line : absl::StrSplit(*listed, '\n', absl::SkipWhitespace())) {
    names.emplace(absl::StripAsciiWhitespace(line));
  }
  for (const std::string& want : {pause_image_, busybox_image_}) {
    if (names.count(want) == 0) {
      return absl::InternalError(
          absl::StrCat("image ", want, " missing after import; ctr lists: ", *listed));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ContainerdHarness::Ctr(const std::vector<std::string>& args,
                                                   absl::Duration timeout) const {
  std::vector<std::string> argv = {ctr_path_, "--address", socket_path_, "--namespace",
                                   kCriNamespace};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommandOk(argv, timeout);
}

bool ContainerdHarness::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

bool ContainerdHarness::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      return true;
    }
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::Status ContainerdHarness::Kill() {
  if (!running()) return absl::FailedPreconditionError("containerd is not running");
  kill(pid_, SIGKILL);
  if (!WaitForExit(absl::Seconds(10))) {
    return absl::InternalError(absl::StrCat("containerd (pid ", pid_, ") survived SIGKILL"));
  }
  return absl::OkStatus();
}

absl::Status ContainerdHarness::StartAgain() {
  if (stopped_) return absl::FailedPreconditionError("the harness was stopped");
  if (running()) return absl::FailedPreconditionError("containerd is still running");
  absl::Status s = SpawnContainerd();
  if (s.ok()) s = WaitUntilReady();
  return WithLog(s);
}

absl::Status ContainerdHarness::Restart() {
  if (absl::Status s = Kill(); !s.ok()) return s;
  return StartAgain();
}

absl::Status ContainerdHarness::Suspend() {
  if (!running()) return absl::FailedPreconditionError("containerd is not running");
  if (kill(pid_, SIGSTOP) != 0) return absl::InternalError("SIGSTOP: " + ErrnoText(errno));
  return absl::OkStatus();
}

absl::Status ContainerdHarness::Resume() {
  if (!running()) return absl::FailedPreconditionError("containerd is not running");
  if (kill(pid_, SIGCONT) != 0) return absl::InternalError("SIGCONT: " + ErrnoText(errno));
  return absl::OkStatus();
}

absl::Status ContainerdHarness::Stop() {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  absl::Status result;
  if (running()) {
    kill(pid_, SIGTERM);
    kill(pid_, SIGCONT);  // a suspended containerd handles SIGTERM only once resumed
    if (!WaitForExit(options_.stop_timeout)) {
      kill(pid_, SIGKILL);
      if (!WaitForExit(absl::Seconds(10))) {
        result = absl::InternalError(absl::StrCat("containerd (pid ", pid_, ") survived SIGKILL"));
      }
    }
  }
  if (root_dir_.empty()) return result;  // Prepare() failed before creating anything
  if (absl::Status s = CleanUpLeftovers(); !s.ok() && result.ok()) result = s;
  if (options_.keep_temp_dir) {
    unlink((root_dir_ + "/.lock").c_str());  // or the next Start() would sweep it away
  } else {
    nftw(root_dir_.c_str(), RemoveEntry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    if (PathExists(root_dir_) && result.ok()) {
      result = absl::InternalError(absl::StrCat("could not remove ", root_dir_, " completely"));
    }
  }
  if (lock_fd_ >= 0) close(lock_fd_);
  lock_fd_ = -1;
  return result;
}

absl::Status ContainerdHarness::CleanUpLeftovers() {
  std::vector<std::string> problems;

  // Containers whose runc state names our folder: those the CRI plugin created (runc root in
  // our state folder) and those `ctr run` created (default runc root, bundle in our folder).
  // `runc delete --force` kills their processes and removes their cgroups.
  std::vector<std::pair<std::string, std::string>> runc_containers;  // (runc root, id)
  FindRuncContainers(root_dir_ + "/state/runc", "", 3, &runc_containers);
  FindRuncContainers(kDefaultRuncRoot, root_dir_ + "/", 3, &runc_containers);
  for (const auto& [runc_root, id] : runc_containers) {
    absl::StatusOr<CommandResult> r =
        RunCommand({runc_path_, "--root", runc_root, "delete", "--force", id}, absl::Seconds(10));
    if (!r.ok() || (r->exit_code != 0 && PathExists(absl::StrCat(runc_root, "/", id)))) {
      problems.push_back(
          absl::StrCat("runc delete ", id, ": ", r.ok() ? r->output : r.status().ToString()));
    }
  }

  // Shim sockets live outside our folder; each bundle records its shim's address.
  std::vector<std::string> shim_sockets;
  const std::string tasks = root_dir_ + "/state/io.containerd.runtime.v2.task";
  for (const std::string& ns : ListDir(tasks)) {
    for (const std::string& id : ListDir(absl::StrCat(tasks, "/", ns))) {
      std::optional<std::string> address =
          ReadSmallFile(absl::StrCat(tasks, "/", ns, "/", id, "/address"));
      if (!address) continue;
      absl::string_view path = absl::StripAsciiWhitespace(*address);
      absl::ConsumePrefix(&path, "unix://");
      if (absl::StartsWith(path, kShimSocketDir)) shim_sockets.emplace_back(path);
    }
  }

  // Shims, and anything still running inside our folder, plus all their descendants.
  std::map<pid_t, pid_t> parent_of;
  for (pid_t pid : AllPids()) {
    if (std::optional<ProcInfo> info = ReadProcInfo(pid)) parent_of[pid] = info->ppid;
  }
  std::set<pid_t> doomed;
  for (const auto& [pid, ppid] : parent_of) {
    if (pid != getpid() && pid != 1 && ReferencesDir(pid, root_dir_)) doomed.insert(pid);
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, ppid] : parent_of) {
      if (doomed.count(ppid) != 0 && doomed.insert(pid).second) grew = true;
    }
  }
  doomed.erase(getpid());
  for (pid_t pid : doomed) kill(pid, SIGKILL);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (pid_t pid : doomed) {
    while (!Gone(pid) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    if (!Gone(pid)) problems.push_back(absl::StrCat("process ", pid, " survived SIGKILL"));
  }
  for (const std::string& socket : shim_sockets) unlink(socket.c_str());

  // Container root file systems, sandbox /dev/shm and network namespaces are mounted under the
  // state folder. Detaching lets the folder go even if something still holds a mount busy.
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> mounts = MountsUnder(root_dir_);
    if (mounts.empty()) break;
    for (const std::string& m : mounts) umount2(m.c_str(), MNT_DETACH);
  }
  for (const std::string& m : MountsUnder(root_dir_)) {
    problems.push_back(absl::StrCat("still mounted: ", m));
  }

  if (problems.empty()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("containerd harness cleanup: ", absl::StrJoin(problems, "; ")));
}

std::string ContainerdHarness::LogTail(size_t max_bytes) const {
  std::optional<std::string> log = ReadSmallFile(log_path_);
  if (!log) return "(no containerd log)";
  if (log->size() <= max_bytes) return *log;
  std::string tail = log->substr(log->size() - max_bytes);
  const size_t newline = tail.find('\n');  // start at a whole line
  if (newline != std::string::npos) tail.erase(0, newline + 1);
  return "...\n" + tail;
}

absl::Status ContainerdHarness::WithLog(const absl::Status& status) const {
  if (status.ok() || log_path_.empty() || !PathExists(log_path_)) return status;
  return absl::Status(
      status.code(),
      absl::StrCat(status.message(), "\n--- tail of the containerd log ---\n", LogTail()));
}

}  // namespace krl::testing::containerd
