#include "testing/contract/containerd_runtime_target.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "testing/containerd/oci_image_builder.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

using containerd::ContainerdHarness;

// The file a kExitsWhenTold container waits for; it holds the exit code.
constexpr char kExitFile[] = "/tmp/krl-exit";
// Written by a test process once its SIGTERM trap is installed.
constexpr char kTrapSetFile[] = "/tmp/krl-trap-set";

std::string ShellQuote(absl::string_view s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

// major, minor, patch of "1.6.20~ds1", "v1.7.2", "2.0.0-rc.1"; missing parts are 0.
std::vector<int> VersionNumbers(absl::string_view version) {
  if (!version.empty() && version[0] == 'v') version.remove_prefix(1);
  std::vector<int> numbers;
  for (absl::string_view part : absl::StrSplit(version, '.')) {
    size_t digits = 0;
    while (digits < part.size() && absl::ascii_isdigit(part[digits])) ++digits;
    int n = 0;
    if (digits == 0 || !absl::SimpleAtoi(part.substr(0, digits), &n)) break;
    numbers.push_back(n);
    if (numbers.size() == 3 || digits != part.size()) break;
  }
  numbers.resize(3, 0);
  return numbers;
}

// Removes the cgroup `name` ("/krl-contract-123") and the empty cgroups below it, in the unified
// hierarchy and in each v1 hierarchy. runc deletes the containers' own cgroups but not the parent
// they were created under.
void RemoveCgroup(const std::string& name) {
  std::vector<std::filesystem::path> roots = {"/sys/fs/cgroup"};
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", error)) {
    if (entry.is_directory(error)) roots.push_back(entry.path());
  }
  for (const std::filesystem::path& root : roots) {
    const std::filesystem::path cgroup = root.string() + name;
    if (!std::filesystem::is_directory(cgroup, error)) continue;
    // Children before parents: a cgroup folder goes only once it has no sub-cgroups.
    std::vector<std::filesystem::path> folders = {cgroup};
    for (const auto& entry : std::filesystem::recursive_directory_iterator(cgroup, error)) {
      if (entry.is_directory(error)) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end(),
              [](const auto& a, const auto& b) { return a.string().size() > b.string().size(); });
    for (const std::filesystem::path& folder : folders) ::rmdir(folder.c_str());
  }
}

}  // namespace

RuntimeTarget::Quirks ContainerdRuntimeTarget::QuirksOf(absl::string_view containerd_version) {
  const std::vector<int> v = VersionNumbers(containerd_version);
  auto at_least = [&v](int major, int minor, int patch) {
    return std::tie(v[0], v[1], v[2]) >= std::tie(major, minor, patch);
  };
  Quirks quirks;
  // Made idempotent in 1.6.35 and 1.7; 1.6.20 (Debian 12) still answers NotFound.
  quirks.stop_unknown_sandbox_not_found = !at_least(1, 6, 35);
  quirks.stop_unknown_container_not_found = !at_least(1, 6, 35);
  // The CRI event stream (evented PLEG) arrived in 1.7.
  quirks.has_event_stream = at_least(1, 7, 0);
  // RuntimeConfig (the cgroup driver) arrived in 2.0.
  quirks.has_runtime_config = at_least(2, 0, 0);
  // No containerd release serves the Stream* list RPCs; the client falls back to the lists.
  quirks.has_stream_rpcs = false;
  // ListMetricDescriptors and ListPodSandboxMetrics arrived in 2.0.
  quirks.has_pod_sandbox_metrics = at_least(2, 0, 0);
  // The harness configures no CNI, so the CRI plugin reports the network as not ready.
  quirks.network_ready = false;
  return quirks;
}

absl::StatusOr<std::unique_ptr<ContainerdRuntimeTarget>> ContainerdRuntimeTarget::Start() {
  std::unique_ptr<ContainerdRuntimeTarget> target(new ContainerdRuntimeTarget());
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start(ContainerdHarness::Options());
  if (!harness.ok()) return harness.status();
  target->harness_ = std::move(*harness);

  char pattern[] = "/tmp/krl-contract-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  target->scratch_dir_ = pattern;
  target->cgroup_parent_ = absl::StrCat("/krl-contract-", getpid());

  runtime::remote::RemoteOptions options;
  options.runtime_endpoint = target->harness_->endpoint();
  absl::StatusOr<runtime::remote::RemoteServices> remote =
      runtime::remote::CreateRemoteServices(options);
  if (!remote.ok()) return remote.status();
  target->remote_ = std::move(*remote);
  target->quirks_ = QuirksOf(target->remote_.runtime->verified_version().runtime_version());
  return target;
}

ContainerdRuntimeTarget::~ContainerdRuntimeTarget() {
  remote_.runtime.reset();
  remote_.image.reset();
  if (harness_ != nullptr) harness_.reset();  // stops containerd and removes its folder
  if (!cgroup_parent_.empty()) RemoveCgroup(cgroup_parent_);
  if (!scratch_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_dir_, ignored);
  }
}

void ContainerdRuntimeTarget::SetProcess(cri::ContainerConfig* config, const Process& process) {
  config->mutable_image()->set_image(harness_->busybox_image());
  config->clear_command();
  config->clear_args();
  std::string script;
  switch (process.kind) {
    case Process::Kind::kRunsUntilStopped:
      // A shell that handles SIGTERM ends as a process killed by it would (128 + 15); the
      // trap matters because PID 1 of a PID namespace has no default action for SIGTERM. An
      // ignored SIGTERM stays ignored across exec.
      script = process.ignores_sigterm ? "trap '' TERM; exec sleep 3600"
                                       : absl::StrCat("trap 'exit 143' TERM; : > ", kTrapSetFile,
                                                      "; sleep 3600 & wait");
      break;
    case Process::Kind::kExitsWhenTold:
      script = absl::StrCat("trap 'exit 143' TERM; : > ", kTrapSetFile, "; while [ ! -e ",
                            kExitFile, " ]; do sleep 0.05; done; exit $(cat ", kExitFile, ")");
      break;
    case Process::Kind::kExitsAtOnce:
      for (const std::string& line : process.stdout_lines) {
        absl::StrAppend(&script, "echo ", ShellQuote(line), "; ");
      }
      absl::StrAppend(&script, "exit ", process.exit_code);
      break;
  }
  config->add_command("sh");
  config->add_command("-c");
  config->add_command(script);
}

absl::Status ContainerdRuntimeTarget::WaitForProcessReady(const std::string& container_id,
                                                          const Process& process) {
  // Only the processes that trap SIGTERM write the file (an ignored SIGTERM is ignored from the
  // start; a process that exits at once has nothing to wait for).
  if (process.kind == Process::Kind::kExitsAtOnce || process.ignores_sigterm) {
    return absl::OkStatus();
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  absl::Status last = absl::OkStatus();
  while (absl::Now() < deadline) {
    cri::ExecSyncRequest request;
    request.set_container_id(container_id);
    request.add_cmd("test");
    request.add_cmd("-e");
    request.add_cmd(kTrapSetFile);
    request.set_timeout(5);
    absl::StatusOr<cri::ExecSyncResponse> response = remote_.runtime->ExecSync(request);
    if (response.ok() && response->exit_code() == 0) return absl::OkStatus();
    last = response.ok() ? absl::OkStatus() : response.status();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("container ", container_id, " did not write ",
                                                  kTrapSetFile, " within 10 s (its SIGTERM trap)",
                                                  last.ok() ? "" : ": ", last.message()));
}

absl::Status ContainerdRuntimeTarget::TellToExit(const std::string& container_id, int exit_code) {
  cri::ExecSyncRequest request;
  request.set_container_id(container_id);
  request.add_cmd("sh");
  request.add_cmd("-c");
  request.add_cmd(absl::StrCat("echo ", exit_code, " > ", kExitFile, ".new && mv ", kExitFile,
                               ".new ", kExitFile));
  request.set_timeout(10);
  absl::StatusOr<cri::ExecSyncResponse> response = remote_.runtime->ExecSync(request);
  if (!response.ok()) return response.status();
  if (response->exit_code() != 0) {
    return absl::InternalError(
        absl::StrCat("writing ", kExitFile, " failed: ", response->stderr()));
  }
  return absl::OkStatus();
}

absl::Status ContainerdRuntimeTarget::AddImage(const std::string& ref) {
  // Content unique to this reference: a different image id, so removing it leaves the others.
  containerd::OciImageBuilder builder(ref);
  builder.AddFileContents("/krl-image", absl::StrCat(ref, " ", ++images_added_, "\n"))
      .SetCmd({"/krl-image"});
  const std::string tarball = absl::StrCat(scratch_dir_, "/image-", images_added_, ".tar");
  absl::StatusOr<containerd::OciImageInfo> info = builder.WriteTarball(tarball);
  if (!info.ok()) return info.status();
  absl::StatusOr<std::string> out = harness_->Ctr(
      {"images", "import", "--snapshotter", harness_->snapshotter(), tarball}, absl::Seconds(60));
  if (!out.ok()) return out.status();
  return WaitForImage(ref);
}

absl::Status ContainerdRuntimeTarget::TagImage(const std::string& existing_ref,
                                               const std::string& new_ref) {
  absl::StatusOr<std::string> out = harness_->Ctr({"images", "tag", existing_ref, new_ref});
  if (!out.ok()) return out.status();
  return WaitForImage(new_ref);
}

absl::Status ContainerdRuntimeTarget::WaitForImage(const std::string& ref) {
  // The CRI plugin learns about images from containerd's events: wait until it knows this one.
  cri::ImageStatusRequest status;
  status.mutable_image()->set_image(ref);
  const bool known = WaitUntil(
      [&] {
        absl::StatusOr<cri::ImageStatusResponse> response = remote_.image->ImageStatus(status);
        return response.ok() && response->has_image();
      },
      absl::Seconds(10));
  if (!known) {
    return absl::DeadlineExceededError(absl::StrCat("the CRI plugin never listed ", ref));
  }
  return absl::OkStatus();
}

bool ContainerdRuntimeTarget::WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
