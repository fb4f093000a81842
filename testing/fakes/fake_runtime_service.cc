#include "testing/fakes/fake_runtime_service.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace krl {
namespace testing {
namespace {

using ContainerScript = FakeRuntimeService::ContainerScript;

// containerd's exit codes and reasons (pkg/cri/server/helpers.go).
constexpr int kStartErrorExitCode = 128;
constexpr int kKilledExitCode = 137;  // 128 + SIGKILL; also what an OOM kill reports
constexpr int kUnknownExitCode = 255;
constexpr absl::string_view kStartErrorReason = "StartError";
constexpr absl::string_view kCompletedReason = "Completed";
constexpr absl::string_view kErrorReason = "Error";
constexpr absl::string_view kOomReason = "OOMKilled";
constexpr absl::string_view kUnknownReason = "Unknown";

constexpr uint64_t kMiB = 1024 * 1024;

// Go's %q for the ids and names that appear in containerd's messages.
std::string Quote(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

// Keeps the code, prefixes the message: how containerd wraps errors with fmt.Errorf("...: %w").
absl::Status Wrap(absl::string_view context, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

absl::Status Unimplemented(absl::string_view method) {
  return absl::UnimplementedError(absl::StrCat("method ", method, " not implemented"));
}

// Go's time.Duration String() for whole seconds: "5s", "1m30s", "2h0m0s".
std::string GoDuration(int64_t seconds) {
  if (seconds < 60) return absl::StrCat(seconds, "s");
  if (seconds < 3600) return absl::StrCat(seconds / 60, "m", seconds % 60, "s");
  return absl::StrCat(seconds / 3600, "h", (seconds % 3600) / 60, "m", seconds % 60, "s");
}

bool MatchLabels(const google::protobuf::Map<std::string, std::string>& selector,
                 const google::protobuf::Map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

// containerd's truncindex: the exact id or the only id with that prefix.
template <typename Map>
absl::StatusOr<typename Map::mapped_type*> TruncLookup(Map& map, absl::string_view id) {
  if (id.empty()) return absl::UnknownError("Prefix can't be empty");
  if (absl::StrContains(id, ' ')) return absl::UnknownError("illegal character: ' '");
  auto exact = map.find(std::string(id));
  if (exact != map.end()) return &exact->second;
  typename Map::mapped_type* match = nullptr;
  for (auto it = map.lower_bound(std::string(id));
       it != map.end() && absl::StartsWith(it->first, id); ++it) {
    if (match != nullptr) {
      return absl::UnknownError(absl::StrCat("Multiple IDs found with provided prefix: ", id));
    }
    match = &it->second;
  }
  if (match == nullptr) return absl::NotFoundError("not found");
  return match;
}

std::string MakeSandboxName(const cri::PodSandboxMetadata& m) {
  return absl::StrCat(m.name(), "_", m.namespace_(), "_", m.uid(), "_", m.attempt());
}

std::string MakeContainerName(const cri::ContainerMetadata& c, const cri::PodSandboxMetadata& s) {
  return absl::StrCat(c.name(), "_", s.name(), "_", s.namespace_(), "_", s.uid(), "_", c.attempt());
}

// RFC 3339 with nanoseconds and trailing zeros trimmed, as CRI log lines carry it.
std::string CriLogTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

// strerror as Go prints it ("no such file or directory").
std::string ErrnoText(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = absl::ascii_tolower(text[0]);
  return text;
}

// mkdir -p with 0755 folders; errors read like Go's os.MkdirAll ("mkdir /a/b: not a directory",
// naming the first part of the path that is not a folder).
absl::Status MakeDirectories(const std::string& path) {
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string part = path.substr(0, end);
    struct stat info;
    if (::stat(part.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) {
        return absl::UnknownError(absl::StrCat("mkdir ", part, ": ", ErrnoText(ENOTDIR)));
      }
    } else if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::UnknownError(absl::StrCat("mkdir ", part, ": ", ErrnoText(errno)));
    }
    if (end == std::string::npos) return absl::OkStatus();
  }
}

bool HostNetwork(const cri::PodSandboxConfig& config) {
  return config.linux().security_context().namespace_options().network() == cri::NODE;
}

// Sets a stats section's timestamp when the test left it zero.
template <typename Usage>
void FillTimestamp(int64_t now, Usage* usage) {
  if (usage->timestamp() == 0) usage->set_timestamp(now);
}

// The request's filter, or null when it has none.
template <typename Request>
auto FilterOf(const Request& request) -> decltype(&request.filter()) {
  return request.has_filter() ? &request.filter() : nullptr;
}

// Oldest first, ties by id: the order containerd lists sandboxes and containers in.
template <typename Object>
void SortByCreation(std::vector<Object*>& objects) {
  std::sort(objects.begin(), objects.end(), [](const Object* a, const Object* b) {
    return std::tie(a->created_at, a->id) < std::tie(b->created_at, b->id);
  });
}

}  // namespace

cri::ContainerState FakeRuntimeService::Container::State() const {
  if (unknown) return cri::CONTAINER_UNKNOWN;
  if (finished_at != 0) return cri::CONTAINER_EXITED;
  if (started_at != 0) return cri::CONTAINER_RUNNING;
  return cri::CONTAINER_CREATED;
}

FakeRuntimeService::FakeRuntimeService(Clock& clock, FakeImageService* images)
    : FakeRuntimeService(clock, images, Options()) {}

FakeRuntimeService::FakeRuntimeService(Clock& clock, FakeImageService* images, Options options)
    : CallRecorder(clock),
      options_(std::move(options)),
      images_(images),
      fake_clock_(dynamic_cast<FakeClock*>(&clock)),
      ids_(options_.id_seed) {
  for (absl::string_view type : {"RuntimeReady", "NetworkReady"}) {
    cri::RuntimeCondition condition;
    condition.set_type(std::string(type));
    condition.set_status(true);
    conditions_.push_back(condition);
  }
  if (fake_clock_ != nullptr) {
    listener_guard_ = std::make_shared<ListenerGuard>();
    {
      krl::MutexLock lock(&listener_guard_->mu);
      listener_guard_->fake = this;
    }
    listener_id_ = fake_clock_->AddListener([guard = listener_guard_](absl::Time now) {
      krl::MutexLock lock(&guard->mu);
      if (guard->fake != nullptr) guard->fake->OnTime(now);
    });
  } else {
    timer_ = std::thread([this] { TimerLoop(); });
  }
}

FakeRuntimeService::~FakeRuntimeService() {
  {
    krl::MutexLock lock(&mu_);
    shutting_down_ = true;
  }
  if (timer_.joinable()) timer_.join();
  if (fake_clock_ != nullptr) {
    fake_clock_->RemoveListener(listener_id_);
    krl::MutexLock lock(&listener_guard_->mu);
    listener_guard_->fake = nullptr;
  }
}

// ------------------------------------------------------------------------------------------------
// Time

int64_t FakeRuntimeService::NowNanos() const { return absl::ToUnixNanos(clock().Now()); }

void FakeRuntimeService::OnTime(absl::Time now) {
  krl::MutexLock lock(&mu_);
  ProcessDueLocked(now);
}

void FakeRuntimeService::TimerLoop() {
  krl::MutexLock lock(&mu_);
  while (!shutting_down_) {
    ProcessDueLocked(clock().Now());
    // Past ProcessDueLocked, the first armed entry is the earliest deadline (or a stale one,
    // which only wakes the loop early once).
    std::optional<absl::Time> earliest;
    if (!armed_exits_.empty()) earliest = armed_exits_.begin()->first;
    const uint64_t generation = timer_generation_;
    auto woken = [this, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return shutting_down_ || timer_generation_ != generation;
    };
    if (earliest.has_value()) {
      mu_.AwaitWithDeadline(absl::Condition(&woken), *earliest);
    } else {
      mu_.Await(absl::Condition(&woken));
    }
  }
}

void FakeRuntimeService::ProcessDueLocked(absl::Time now) {
  // Every call runs this: it reads only the armed deadlines that have passed, in (deadline, id)
  // order, not every container. Entries whose container was removed, re-armed or stopped
  // meanwhile are stale and dropped here.
  std::vector<Container*> due;
  while (!armed_exits_.empty() && armed_exits_.begin()->first <= now) {
    auto node = armed_exits_.extract(armed_exits_.begin());
    auto it = containers_.find(node.value().second);
    if (it == containers_.end()) continue;
    Container& c = it->second;
    if (c.exit_deadline != node.value().first || c.State() != cri::CONTAINER_RUNNING) continue;
    due.push_back(&c);
  }
  for (Container* c : due) {
    // The process ended at its deadline, not when the fake noticed.
    int64_t finished = absl::ToUnixNanos(*c->exit_deadline);
    if (c->script.oom_killed) {
      ExitLocked(*c, kKilledExitCode, kOomReason, finished);
    } else {
      ExitLocked(*c, c->script.exit_code, "", finished);
    }
  }
}

void FakeRuntimeService::ArmExitLocked(Container& container, absl::Time from) {
  container.exit_deadline.reset();
  if (!container.script.exit_after.has_value()) return;
  container.exit_deadline = from + std::max(absl::ZeroDuration(), *container.script.exit_after);
  armed_exits_.emplace(*container.exit_deadline, container.id);
  ++timer_generation_;
}

// ------------------------------------------------------------------------------------------------
// State helpers

absl::StatusOr<FakeRuntimeService::Sandbox*> FakeRuntimeService::FindSandboxLocked(
    absl::string_view id) {
  return TruncLookup(sandboxes_, id);
}

absl::StatusOr<FakeRuntimeService::Container*> FakeRuntimeService::FindContainerLocked(
    absl::string_view id) {
  return TruncLookup(containers_, id);
}

absl::StatusOr<FakeRuntimeService::Sandbox*> FakeRuntimeService::LookupSandboxLocked(
    absl::string_view id) {
  absl::StatusOr<Sandbox*> found = FindSandboxLocked(id);
  if (found.ok()) return found;
  return Wrap(absl::StrCat("an error occurred when try to find sandbox ", Quote(id)),
              found.status());
}

absl::StatusOr<FakeRuntimeService::Container*> FakeRuntimeService::LookupContainerLocked(
    absl::string_view id) {
  absl::StatusOr<Container*> found = FindContainerLocked(id);
  if (found.ok()) return found;
  return Wrap(absl::StrCat("an error occurred when try to find container ", Quote(id)),
              found.status());
}

std::vector<FakeRuntimeService::Container*> FakeRuntimeService::ContainersOfLocked(
    const std::string& sandbox_id) {
  std::vector<Container*> result;
  auto ids = sandbox_containers_.find(sandbox_id);
  if (ids == sandbox_containers_.end()) return result;
  result.reserve(ids->second.size());
  for (const std::string& id : ids->second) {
    auto it = containers_.find(id);
    if (it != containers_.end()) result.push_back(&it->second);
  }
  SortByCreation(result);
  return result;
}

void FakeRuntimeService::ExitLocked(Container& container, int exit_code, absl::string_view reason,
                                    int64_t finished_at) {
  if (container.finished_at != 0) return;
  container.finished_at = finished_at;
  container.exit_code = exit_code;
  if (!reason.empty()) container.reason = std::string(reason);
  container.unknown = false;
  container.pid = 0;
  container.exit_deadline.reset();
  PublishLocked(container.id, container.sandbox_id, cri::CONTAINER_STOPPED_EVENT);
}

void FakeRuntimeService::KillLocked(Container& container) {
  switch (container.State()) {
    case cri::CONTAINER_RUNNING:
      ExitLocked(container, kKilledExitCode, "", NowNanos());
      break;
    case cri::CONTAINER_UNKNOWN:
      // containerd cleans an unknown container up as exited with its unknown exit code.
      container.unknown = false;
      if (container.finished_at == 0) container.finished_at = NowNanos();
      container.exit_deadline.reset();
      PublishLocked(container.id, container.sandbox_id, cri::CONTAINER_STOPPED_EVENT);
      break;
    default:
      break;  // created or exited: nothing runs
  }
}

void FakeRuntimeService::FailStartLocked(Container& container, absl::string_view message) {
  container.finished_at = NowNanos();
  container.exit_code = kStartErrorExitCode;
  container.reason = std::string(kStartErrorReason);
  container.message = std::string(message);
  container.pid = 0;
}

void FakeRuntimeService::StopSandboxLocked(Sandbox& sandbox) {
  for (Container* c : ContainersOfLocked(sandbox.id)) KillLocked(*c);
  sandbox.netns_closed = true;
  EndPauseLocked(sandbox);
}

void FakeRuntimeService::EndPauseLocked(Sandbox& sandbox) {
  if (!sandbox.ready) return;
  sandbox.ready = false;
  sandbox.pid = 0;
  PublishLocked(sandbox.id, sandbox.id, cri::CONTAINER_STOPPED_EVENT);
}

void FakeRuntimeService::RemoveContainerLocked(const std::string& container_id) {
  const std::string id = container_id;  // the argument may live in the erased container
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  KillLocked(it->second);
  std::string sandbox_id = it->second.sandbox_id;
  container_names_.erase(it->second.name);
  auto siblings = sandbox_containers_.find(sandbox_id);
  if (siblings != sandbox_containers_.end()) {
    siblings->second.erase(id);
    if (siblings->second.empty()) sandbox_containers_.erase(siblings);
  }
  containers_.erase(it);
  PublishLocked(id, sandbox_id, cri::CONTAINER_DELETED_EVENT);
}

absl::Status FakeRuntimeService::OpenLogLocked(const Container& container,
                                               bool append_script_lines) {
  if (container.log_path.empty()) return absl::OkStatus();
  if (options_.require_log_directory) {
    // As containerd: the log file's missing folders are created first.
    const size_t slash = container.log_path.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      if (absl::Status made = MakeDirectories(container.log_path.substr(0, slash)); !made.ok()) {
        return absl::UnknownError(
            absl::StrCat("failed to create and open log file: ", made.message()));
      }
    }
  }
  int fd = ::open(container.log_path.c_str(), O_CREAT | O_APPEND | O_WRONLY | O_CLOEXEC, 0640);
  if (fd < 0) {
    if (!options_.require_log_directory) return absl::OkStatus();
    return absl::UnknownError(absl::StrCat("failed to create and open log file: open ",
                                           container.log_path, ": ", ErrnoText(errno)));
  }
  if (append_script_lines) {
    std::string text;
    std::string timestamp = CriLogTimestamp(clock().Now());
    for (const std::string& line : container.script.log_lines) {
      absl::StrAppend(&text, timestamp, " stdout F ", line, "\n");
    }
    size_t written = 0;
    while (written < text.size()) {
      ssize_t n = ::write(fd, text.data() + written, text.size() - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return absl::OkStatus();
}

std::string FakeRuntimeService::AllocateIpLocked(const cri::PodSandboxConfig& config) {
  if (HostNetwork(config)) return "";  // the node's address; runtimes report none
  std::string cidr = pod_cidr_.empty() ? options_.default_pod_cidr : pod_cidr_;
  std::vector<std::string> parts = absl::StrSplit(cidr, absl::MaxSplits('/', 1));
  std::vector<std::string> octets = absl::StrSplit(parts[0], '.');
  int prefix = 24;
  if (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &prefix)) prefix = 24;
  uint32_t base = 0;
  if (octets.size() != 4) return "";
  for (const std::string& octet : octets) {
    uint32_t value = 0;
    if (!absl::SimpleAtoi(octet, &value) || value > 255) return "";
    base = (base << 8) | value;
  }
  prefix = std::min(30, std::max(8, prefix));
  const uint32_t hosts = (1u << (32 - prefix)) - 3;  // skip network, gateway and broadcast
  base &= ~((1u << (32 - prefix)) - 1);
  uint32_t address = base + 2 + ((next_ip_++ - 2) % hosts);
  return absl::StrCat(address >> 24, ".", (address >> 16) & 255, ".", (address >> 8) & 255, ".",
                      address & 255);
}

void FakeRuntimeService::PublishLocked(const std::string& object_id, const std::string& sandbox_id,
                                       cri::ContainerEventType type) {
  cri::ContainerEventResponse event;
  event.set_container_id(object_id);
  event.set_container_event_type(type);
  event.set_created_at(NowNanos());
  auto sandbox = sandboxes_.find(sandbox_id);
  if (sandbox != sandboxes_.end()) {
    *event.mutable_pod_sandbox_status() = SandboxStatusLocked(sandbox->second);
  }
  for (Container* c : ContainersOfLocked(sandbox_id)) {
    *event.add_containers_statuses() = ContainerStatusLocked(*c);
  }
  hub_.Publish(event);
}

// ------------------------------------------------------------------------------------------------
// Conversions

cri::PodSandboxStatus FakeRuntimeService::SandboxStatusLocked(const Sandbox& sandbox) const {
  cri::PodSandboxStatus status;
  status.set_id(sandbox.id);
  *status.mutable_metadata() = sandbox.config.metadata();
  status.set_state(sandbox.ready ? cri::SANDBOX_READY : cri::SANDBOX_NOTREADY);
  status.set_created_at(sandbox.created_at);
  status.mutable_network()->set_ip(sandbox.netns_closed ? "" : sandbox.ip);
  const cri::NamespaceOption& ns = sandbox.config.linux().security_context().namespace_options();
  cri::NamespaceOption* options = status.mutable_linux()->mutable_namespaces()->mutable_options();
  options->set_network(ns.network());
  options->set_pid(ns.pid());
  options->set_ipc(ns.ipc());
  *status.mutable_labels() = sandbox.config.labels();
  *status.mutable_annotations() = sandbox.config.annotations();
  status.set_runtime_handler(sandbox.runtime_handler);
  return status;
}

cri::ContainerStatus FakeRuntimeService::ContainerStatusLocked(const Container& c) const {
  cri::ContainerStatus status;
  status.set_id(c.id);
  *status.mutable_metadata() = c.config.metadata();
  const cri::ContainerState state = c.State();
  status.set_state(state);
  status.set_created_at(c.created_at);
  if (state != cri::CONTAINER_CREATED) status.set_started_at(c.started_at);
  if (state == cri::CONTAINER_EXITED || state == cri::CONTAINER_UNKNOWN) {
    status.set_finished_at(c.finished_at);
  }
  status.set_exit_code(c.exit_code);
  // As containerd: the image's first repo tag and first repo digest while the image exists,
  // else the image as requested and its id.
  *status.mutable_image() = c.config.image();
  status.set_image_ref(c.image_id);
  if (images_ != nullptr) {
    absl::StatusOr<FakeImageService::Resolved> image = images_->Resolve(c.image_id);
    if (image.ok()) {
      if (!image->repo_tag.empty()) {
        status.mutable_image()->Clear();
        status.mutable_image()->set_image(image->repo_tag);
      }
      if (!image->repo_digest.empty()) status.set_image_ref(image->repo_digest);
    }
  }
  status.set_image_id(c.image_id);
  std::string reason = c.reason;
  if (state == cri::CONTAINER_EXITED && reason.empty()) {
    reason = std::string(c.exit_code == 0 ? kCompletedReason : kErrorReason);
  }
  status.set_reason(reason);
  status.set_message(c.message);
  *status.mutable_labels() = c.config.labels();
  *status.mutable_annotations() = c.config.annotations();
  *status.mutable_mounts() = c.config.mounts();
  status.set_log_path(c.log_path);
  if (c.resources.has_value()) {
    *status.mutable_resources()->mutable_linux() = *c.resources;
  } else if (c.config.linux().has_resources()) {
    *status.mutable_resources()->mutable_linux() = c.config.linux().resources();
  }
  status.set_stop_signal(c.config.stop_signal());
  return status;
}

cri::PodSandbox FakeRuntimeService::SandboxItem(const Sandbox& sandbox) const {
  cri::PodSandbox item;
  item.set_id(sandbox.id);
  *item.mutable_metadata() = sandbox.config.metadata();
  item.set_state(sandbox.ready ? cri::SANDBOX_READY : cri::SANDBOX_NOTREADY);
  item.set_created_at(sandbox.created_at);
  *item.mutable_labels() = sandbox.config.labels();
  *item.mutable_annotations() = sandbox.config.annotations();
  item.set_runtime_handler(sandbox.runtime_handler);
  return item;
}

cri::Container FakeRuntimeService::ContainerItem(const Container& c) const {
  cri::Container item;
  item.set_id(c.id);
  item.set_pod_sandbox_id(c.sandbox_id);
  *item.mutable_metadata() = c.config.metadata();
  *item.mutable_image() = c.config.image();
  item.set_image_ref(c.image_id);
  item.set_state(c.State());
  item.set_created_at(c.created_at);
  *item.mutable_labels() = c.config.labels();
  *item.mutable_annotations() = c.config.annotations();
  item.set_image_id(c.image_id);
  return item;
}

cri::ContainerStats FakeRuntimeService::ContainerStatsLocked(const Container& c,
                                                             int64_t now) const {
  cri::ContainerStats stats;
  cri::ContainerAttributes* attributes = stats.mutable_attributes();
  attributes->set_id(c.id);
  *attributes->mutable_metadata() = c.config.metadata();
  *attributes->mutable_labels() = c.config.labels();
  *attributes->mutable_annotations() = c.config.annotations();

  cri::FilesystemUsage* layer = stats.mutable_writable_layer();
  layer->set_timestamp(now);
  layer->mutable_fs_id()->set_mountpoint(options_.writable_layer_mountpoint);
  layer->mutable_used_bytes()->set_value(8192);
  layer->mutable_inodes_used()->set_value(2);

  // Only a running container has a task, hence cpu and memory numbers.
  if (c.State() == cri::CONTAINER_RUNNING) {
    // A container that uses 1% of a core and 16 MiB.
    cri::CpuUsage* cpu = stats.mutable_cpu();
    cpu->set_timestamp(now);
    cpu->mutable_usage_core_nano_seconds()->set_value(
        static_cast<uint64_t>(std::max<int64_t>(0, now - c.started_at) / 100));
    cpu->mutable_usage_nano_cores()->set_value(10'000'000);
    cri::MemoryUsage* memory = stats.mutable_memory();
    memory->set_timestamp(now);
    memory->mutable_working_set_bytes()->set_value(16 * kMiB);
    memory->mutable_usage_bytes()->set_value(16 * kMiB);
    memory->mutable_rss_bytes()->set_value(12 * kMiB);
    memory->mutable_page_faults()->set_value(1000);
    memory->mutable_major_page_faults()->set_value(0);
    int64_t limit = c.resources.has_value() ? c.resources->memory_limit_in_bytes()
                                            : c.config.linux().resources().memory_limit_in_bytes();
    if (limit > static_cast<int64_t>(16 * kMiB)) {
      memory->mutable_available_bytes()->set_value(static_cast<uint64_t>(limit) - 16 * kMiB);
    }
  }
  if (c.stats.has_value()) {
    const cri::ContainerStats& set = *c.stats;
    if (set.has_cpu()) *stats.mutable_cpu() = set.cpu();
    if (set.has_memory()) *stats.mutable_memory() = set.memory();
    if (set.has_writable_layer()) *stats.mutable_writable_layer() = set.writable_layer();
    if (set.has_swap()) *stats.mutable_swap() = set.swap();
    if (set.has_io()) *stats.mutable_io() = set.io();
  }
  if (stats.has_cpu()) FillTimestamp(now, stats.mutable_cpu());
  if (stats.has_memory()) FillTimestamp(now, stats.mutable_memory());
  if (stats.has_writable_layer()) {
    FillTimestamp(now, stats.mutable_writable_layer());
  }
  if (stats.has_swap()) FillTimestamp(now, stats.mutable_swap());
  if (stats.has_io()) FillTimestamp(now, stats.mutable_io());
  return stats;
}

cri::PodSandboxStats FakeRuntimeService::SandboxStatsLocked(const Sandbox& sandbox, int64_t now) {
  cri::PodSandboxStats stats;
  cri::PodSandboxAttributes* attributes = stats.mutable_attributes();
  attributes->set_id(sandbox.id);
  *attributes->mutable_metadata() = sandbox.config.metadata();
  *attributes->mutable_labels() = sandbox.config.labels();
  *attributes->mutable_annotations() = sandbox.config.annotations();

  cri::LinuxPodSandboxStats* linux = stats.mutable_linux();
  uint64_t core_nanos = 0, nano_cores = 0, working_set = 0, usage = 0, rss = 0, running = 0;
  for (Container* c : ContainersOfLocked(sandbox.id)) {
    cri::ContainerStats container_stats = ContainerStatsLocked(*c, now);
    if (container_stats.has_cpu()) {
      core_nanos += container_stats.cpu().usage_core_nano_seconds().value();
      nano_cores += container_stats.cpu().usage_nano_cores().value();
    }
    if (container_stats.has_memory()) {
      working_set += container_stats.memory().working_set_bytes().value();
      usage += container_stats.memory().usage_bytes().value();
      rss += container_stats.memory().rss_bytes().value();
    }
    if (c->State() == cri::CONTAINER_RUNNING) ++running;
    *linux->add_containers() = std::move(container_stats);
  }
  cri::CpuUsage* cpu = linux->mutable_cpu();
  cpu->set_timestamp(now);
  cpu->mutable_usage_core_nano_seconds()->set_value(core_nanos);
  cpu->mutable_usage_nano_cores()->set_value(nano_cores);
  cri::MemoryUsage* memory = linux->mutable_memory();
  memory->set_timestamp(now);
  memory->mutable_working_set_bytes()->set_value(working_set);
  memory->mutable_usage_bytes()->set_value(usage);
  memory->mutable_rss_bytes()->set_value(rss);
  if (!HostNetwork(sandbox.config)) {
    cri::NetworkUsage* network = linux->mutable_network();
    network->set_timestamp(now);
    cri::NetworkInterfaceUsage* eth0 = network->mutable_default_interface();
    eth0->set_name("eth0");
    eth0->mutable_rx_bytes()->set_value(0);
    eth0->mutable_rx_errors()->set_value(0);
    eth0->mutable_tx_bytes()->set_value(0);
    eth0->mutable_tx_errors()->set_value(0);
  }
  cri::ProcessUsage* process = linux->mutable_process();
  process->set_timestamp(now);
  process->mutable_process_count()->set_value(running);

  if (sandbox.stats.has_value()) {
    const cri::LinuxPodSandboxStats& set = sandbox.stats->linux();
    if (set.has_cpu()) *linux->mutable_cpu() = set.cpu();
    if (set.has_memory()) *linux->mutable_memory() = set.memory();
    if (set.has_network()) *linux->mutable_network() = set.network();
    if (set.has_process()) *linux->mutable_process() = set.process();
    if (set.has_io()) *linux->mutable_io() = set.io();
    FillTimestamp(now, linux->mutable_cpu());
    FillTimestamp(now, linux->mutable_memory());
    FillTimestamp(now, linux->mutable_process());
    if (linux->has_network()) FillTimestamp(now, linux->mutable_network());
    if (linux->has_io()) FillTimestamp(now, linux->mutable_io());
  }
  return stats;
}

// ------------------------------------------------------------------------------------------------
// Listing with containerd's filter semantics

std::vector<cri::PodSandbox> FakeRuntimeService::ListSandboxesLocked(
    const cri::PodSandboxFilter* filter) {
  std::vector<const Sandbox*> all;
  for (const auto& [id, s] : sandboxes_) all.push_back(&s);
  SortByCreation(all);
  std::string id_filter;
  if (filter != nullptr) {
    // A truncated id that names one sandbox matches it; anything else must match exactly.
    id_filter = filter->id();
    absl::StatusOr<Sandbox*> found = FindSandboxLocked(id_filter);
    if (found.ok()) id_filter = (*found)->id;
  }
  std::vector<cri::PodSandbox> items;
  for (const Sandbox* s : all) {
    if (filter != nullptr) {
      if (!id_filter.empty() && id_filter != s->id) continue;
      if (filter->has_state() &&
          filter->state().state() != (s->ready ? cri::SANDBOX_READY : cri::SANDBOX_NOTREADY)) {
        continue;
      }
      if (!MatchLabels(filter->label_selector(), s->config.labels())) continue;
    }
    items.push_back(SandboxItem(*s));
  }
  return items;
}

std::vector<cri::Container> FakeRuntimeService::ListContainersLocked(
    const cri::ContainerFilter* filter) {
  std::vector<const Container*> all;
  for (const auto& [id, c] : containers_) all.push_back(&c);
  SortByCreation(all);
  std::string id_filter, sandbox_filter;
  if (filter != nullptr) {
    id_filter = filter->id();
    absl::StatusOr<Container*> container = FindContainerLocked(id_filter);
    if (container.ok()) id_filter = (*container)->id;
    sandbox_filter = filter->pod_sandbox_id();
    absl::StatusOr<Sandbox*> sandbox = FindSandboxLocked(sandbox_filter);
    if (sandbox.ok()) sandbox_filter = (*sandbox)->id;
  }
  std::vector<cri::Container> items;
  for (const Container* c : all) {
    if (filter != nullptr) {
      if (!id_filter.empty() && id_filter != c->id) continue;
      if (!sandbox_filter.empty() && sandbox_filter != c->sandbox_id) continue;
      if (filter->has_state() && filter->state().state() != c->State()) continue;
      if (!MatchLabels(filter->label_selector(), c->config.labels())) continue;
    }
    items.push_back(ContainerItem(*c));
  }
  return items;
}

std::vector<cri::ContainerStats> FakeRuntimeService::ListContainerStatsLocked(
    const cri::ContainerStatsFilter* filter) {
  std::vector<cri::ContainerStats> stats;
  cri::ContainerFilter container_filter;
  if (filter != nullptr) {
    container_filter.set_id(filter->id());
    container_filter.set_pod_sandbox_id(filter->pod_sandbox_id());
    *container_filter.mutable_label_selector() = filter->label_selector();
  }
  const int64_t now = NowNanos();
  for (const cri::Container& item : ListContainersLocked(filter ? &container_filter : nullptr)) {
    stats.push_back(ContainerStatsLocked(containers_.at(item.id()), now));
  }
  return stats;
}

absl::StatusOr<std::vector<cri::PodSandboxStats>> FakeRuntimeService::ListSandboxStatsLocked(
    const cri::PodSandboxStatsFilter* filter) {
  cri::PodSandboxFilter sandbox_filter;
  // Only ready sandboxes have metrics (containerd skips the others).
  sandbox_filter.mutable_state()->set_state(cri::SANDBOX_READY);
  if (filter != nullptr) {
    sandbox_filter.set_id(filter->id());
    *sandbox_filter.mutable_label_selector() = filter->label_selector();
  }
  std::vector<cri::PodSandboxStats> stats;
  const int64_t now = NowNanos();
  for (const cri::PodSandbox& item : ListSandboxesLocked(&sandbox_filter)) {
    Sandbox& sandbox = sandboxes_.at(item.id());
    // One ready sandbox without a cgroup parent fails the whole list, as in containerd.
    if (sandbox.config.linux().cgroup_parent().empty()) {
      return absl::UnknownError(absl::StrCat("failed to obtain metrics for sandbox ",
                                             Quote(sandbox.id),
                                             ": failed to get cgroup metrics for sandbox ",
                                             sandbox.id, " because cgroupPath is empty"));
    }
    stats.push_back(SandboxStatsLocked(sandbox, now));
  }
  return stats;
}

std::vector<cri::PodSandboxMetrics> FakeRuntimeService::ListMetricsLocked() {
  std::vector<cri::PodSandboxMetrics> metrics;
  cri::PodSandboxFilter ready;
  ready.mutable_state()->set_state(cri::SANDBOX_READY);
  for (const cri::PodSandbox& item : ListSandboxesLocked(&ready)) {
    cri::PodSandboxMetrics pod;
    pod.set_pod_sandbox_id(item.id());
    for (Container* c : ContainersOfLocked(item.id())) {
      if (c->State() == cri::CONTAINER_RUNNING)
        pod.add_container_metrics()->set_container_id(c->id);
    }
    metrics.push_back(std::move(pod));
  }
  return metrics;
}

template <typename Item, typename List>
absl::StatusOr<std::vector<Item>> FakeRuntimeService::ListNow(List& list) {
  krl::MutexLock lock(&mu_);
  ProcessDueLocked(clock().Now());
  return list();
}

template <typename Response, typename Item, typename List>
absl::StatusOr<Response> FakeRuntimeService::HandleList(
    absl::string_view method, const google::protobuf::Message& request,
    google::protobuf::RepeatedPtrField<Item>* (Response::*field)(), List list) {
  return HandleCall<Response>(method, request, [&]() -> absl::StatusOr<Response> {
    absl::StatusOr<std::vector<Item>> items = ListNow<Item>(list);
    if (!items.ok()) return items.status();
    Response response;
    for (Item& item : *items) *(response.*field)()->Add() = std::move(item);
    return response;
  });
}

template <typename Message, typename Item, typename List>
absl::Status FakeRuntimeService::HandleListStream(
    absl::string_view method, const google::protobuf::Message& request,
    const std::function<void(Message&&)>& on_message,
    google::protobuf::RepeatedPtrField<Item>* (Message::*field)(), List list) {
  return HandleStream(method, request, on_message,
                      [&](const std::function<void(Message &&)>& sink) -> absl::Status {
                        absl::StatusOr<std::vector<Item>> items = ListNow<Item>(list);
                        if (!items.ok()) return items.status();
                        SendBatches(std::move(*items), options_.stream_batch_size, field, sink);
                        return absl::OkStatus();
                      });
}

template <typename Response>
absl::StatusOr<Response> FakeRuntimeService::HandleUnimplemented(
    absl::string_view method, const google::protobuf::Message& request) {
  return HandleCall<Response>(method, request,
                              [&]() -> absl::StatusOr<Response> { return Unimplemented(method); });
}

// ------------------------------------------------------------------------------------------------
// RuntimeService: version and sandboxes

absl::StatusOr<cri::VersionResponse> FakeRuntimeService::Version(
    const cri::VersionRequest& request) {
  return HandleCall<cri::VersionResponse>(
      "Version", request, [&]() -> absl::StatusOr<cri::VersionResponse> {
        cri::VersionResponse response;
        response.set_version("0.1.0");  // the kubelet API version containerd reports
        response.set_runtime_name(options_.runtime_name);
        response.set_runtime_version(options_.runtime_version);
        response.set_runtime_api_version("v1");
        return response;
      });
}

absl::StatusOr<cri::RunPodSandboxResponse> FakeRuntimeService::RunPodSandbox(
    const cri::RunPodSandboxRequest& request) {
  return HandleCall<cri::RunPodSandboxResponse>(
      "RunPodSandbox", request, [&]() -> absl::StatusOr<cri::RunPodSandboxResponse> {
        const cri::PodSandboxConfig& config = request.config();
        if (!config.has_metadata())
          return absl::UnknownError("sandbox config must include metadata");
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        const std::string name = MakeSandboxName(config.metadata());
        auto reserved = sandbox_names_.find(name);
        if (reserved != sandbox_names_.end()) {
          return absl::UnknownError(absl::StrCat("failed to reserve sandbox name ", Quote(name),
                                                 ": name ", Quote(name), " is reserved for ",
                                                 Quote(reserved->second)));
        }
        const std::string& handler = request.runtime_handler();
        if (!handler.empty() &&
            std::find(options_.runtime_handlers.begin(), options_.runtime_handlers.end(),
                      handler) == options_.runtime_handlers.end()) {
          return absl::UnknownError(absl::StrCat("failed to get sandbox runtime: no runtime for ",
                                                 Quote(handler), " is configured"));
        }
        if (HostNetwork(config) && !config.hostname().empty()) {
          // A host-network pod shares the node's UTS namespace, where runc refuses to set a
          // hostname (the kubelet sets none for such pods). containerd releases the name again.
          return absl::UnknownError(
              "failed to create containerd task: failed to create shim task: OCI runtime create "
              "failed: runc create failed: unable to set hostname without a private UTS namespace: "
              "unknown");
        }
        Sandbox sandbox;
        sandbox.id = ids_.NewId();
        sandbox.name = name;
        sandbox.config = config;
        sandbox.runtime_handler = handler;
        sandbox.created_at = NowNanos();
        sandbox.ip = AllocateIpLocked(config);
        sandbox.pid = next_pid_++;
        const std::string id = sandbox.id;
        sandbox_names_[name] = id;
        sandboxes_.emplace(id, std::move(sandbox));
        PublishLocked(id, id, cri::CONTAINER_CREATED_EVENT);
        PublishLocked(id, id, cri::CONTAINER_STARTED_EVENT);
        cri::RunPodSandboxResponse response;
        response.set_pod_sandbox_id(id);
        return response;
      });
}

absl::StatusOr<cri::StopPodSandboxResponse> FakeRuntimeService::StopPodSandbox(
    const cri::StopPodSandboxRequest& request) {
  return HandleCall<cri::StopPodSandboxResponse>(
      "StopPodSandbox", request, [&]() -> absl::StatusOr<cri::StopPodSandboxResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Sandbox*> sandbox = LookupSandboxLocked(request.pod_sandbox_id());
        if (!sandbox.ok()) {
          // Idempotent for ids that no longer exist (containerd >= 1.6.35, 1.7, 2.x).
          if (absl::IsNotFound(sandbox.status())) return cri::StopPodSandboxResponse();
          return sandbox.status();
        }
        StopSandboxLocked(**sandbox);
        return cri::StopPodSandboxResponse();
      });
}

absl::StatusOr<cri::RemovePodSandboxResponse> FakeRuntimeService::RemovePodSandbox(
    const cri::RemovePodSandboxRequest& request) {
  return HandleCall<cri::RemovePodSandboxResponse>(
      "RemovePodSandbox", request, [&]() -> absl::StatusOr<cri::RemovePodSandboxResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Sandbox*> found = LookupSandboxLocked(request.pod_sandbox_id());
        if (!found.ok()) {
          if (absl::IsNotFound(found.status())) return cri::RemovePodSandboxResponse();
          return found.status();
        }
        // As containerd: stop it first (its containers too), then remove its containers, then it.
        Sandbox& sandbox = **found;
        StopSandboxLocked(sandbox);
        const std::string id = sandbox.id;
        for (Container* c : ContainersOfLocked(id)) RemoveContainerLocked(c->id);
        sandbox_names_.erase(sandbox.name);
        sandboxes_.erase(id);
        PublishLocked(id, id, cri::CONTAINER_DELETED_EVENT);
        return cri::RemovePodSandboxResponse();
      });
}

absl::StatusOr<cri::PodSandboxStatusResponse> FakeRuntimeService::PodSandboxStatus(
    const cri::PodSandboxStatusRequest& request) {
  return HandleCall<cri::PodSandboxStatusResponse>(
      "PodSandboxStatus", request, [&]() -> absl::StatusOr<cri::PodSandboxStatusResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Sandbox*> sandbox = FindSandboxLocked(request.pod_sandbox_id());
        if (!sandbox.ok()) {
          return Wrap("an error occurred when try to find sandbox", sandbox.status());
        }
        cri::PodSandboxStatusResponse response;
        *response.mutable_status() = SandboxStatusLocked(**sandbox);
        if (request.verbose()) {
          const Sandbox& s = **sandbox;
          (*response.mutable_info())["info"] = absl::StrCat(
              "{\"pid\":", s.pid, ",\"processStatus\":\"", s.ready ? "running" : "deleted",
              "\",\"netNamespaceClosed\":", s.netns_closed ? "true" : "false",
              ",\"runtimeHandler\":\"", s.runtime_handler, "\"}");
        }
        return response;
      });
}

absl::StatusOr<cri::ListPodSandboxResponse> FakeRuntimeService::ListPodSandbox(
    const cri::ListPodSandboxRequest& request) {
  return HandleList(
      "ListPodSandbox", request, &cri::ListPodSandboxResponse::mutable_items,
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListSandboxesLocked(FilterOf(request)); });
}

absl::Status FakeRuntimeService::StreamPodSandboxes(
    const cri::StreamPodSandboxesRequest& request,
    const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) {
  return HandleListStream(
      "StreamPodSandboxes", request, on_message,
      &cri::StreamPodSandboxesResponse::mutable_pod_sandboxes,
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListSandboxesLocked(FilterOf(request)); });
}

// ------------------------------------------------------------------------------------------------
// RuntimeService: containers

absl::StatusOr<cri::CreateContainerResponse> FakeRuntimeService::CreateContainer(
    const cri::CreateContainerRequest& request) {
  return HandleCall<cri::CreateContainerResponse>(
      "CreateContainer", request, [&]() -> absl::StatusOr<cri::CreateContainerResponse> {
        const cri::ContainerConfig& config = request.config();
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Sandbox*> sandbox = FindSandboxLocked(request.pod_sandbox_id());
        if (!sandbox.ok()) {
          return Wrap(absl::StrCat("failed to find sandbox id ", Quote(request.pod_sandbox_id())),
                      sandbox.status());
        }
        const std::string sandbox_id = (*sandbox)->id;
        if (!(*sandbox)->ready) {
          // The sandbox's task is gone once it stopped; containerd fails to load it.
          return absl::NotFoundError(
              absl::StrCat("failed to get sandbox container task: no running task found: task ",
                           sandbox_id, " not found: not found"));
        }
        if (!config.has_metadata())
          return absl::UnknownError("container config must include metadata");
        // containerd names the container after the sandbox metadata sent with this request.
        const std::string name =
            MakeContainerName(config.metadata(), request.sandbox_config().metadata());
        auto reserved = container_names_.find(name);
        if (reserved != container_names_.end()) {
          return absl::UnknownError(absl::StrCat("failed to reserve container name ", Quote(name),
                                                 ": name ", Quote(name), " is reserved for ",
                                                 Quote(reserved->second)));
        }
        const std::string& image = config.image().image();
        std::string image_id;
        if (images_ != nullptr) {
          absl::StatusOr<FakeImageService::Resolved> resolved = images_->Resolve(image);
          if (!resolved.ok()) {
            return Wrap(absl::StrCat("failed to resolve image ", Quote(image)), resolved.status());
          }
          image_id = resolved->id;
        } else {
          image_id = absl::StrCat("sha256:", IdGenerator::Sha256Hex("config:" + image));
        }
        Container container;
        container.id = ids_.NewId();
        container.name = name;
        container.sandbox_id = sandbox_id;
        container.config = config;
        container.image_id = image_id;
        const std::string& log_directory = request.sandbox_config().log_directory();
        if (!log_directory.empty() && !config.log_path().empty()) {
          container.log_path = absl::StrCat(
              log_directory, absl::EndsWith(log_directory, "/") ? "" : "/", config.log_path());
        }
        container.created_at = NowNanos();
        auto script = scripts_by_name_.find(config.metadata().name());
        if (script != scripts_by_name_.end()) container.script = script->second;
        const std::string id = container.id;
        container_names_[name] = id;
        sandbox_containers_[sandbox_id].insert(id);
        containers_.emplace(id, std::move(container));
        PublishLocked(id, sandbox_id, cri::CONTAINER_CREATED_EVENT);
        cri::CreateContainerResponse response;
        response.set_container_id(id);
        return response;
      });
}

absl::StatusOr<cri::StartContainerResponse> FakeRuntimeService::StartContainer(
    const cri::StartContainerRequest& request) {
  return HandleCall<cri::StartContainerResponse>(
      "StartContainer", request, [&]() -> absl::StatusOr<cri::StartContainerResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = LookupContainerLocked(request.container_id());
        if (!found.ok()) return found.status();
        Container& c = **found;
        if (c.State() != cri::CONTAINER_CREATED) {
          return absl::UnknownError(absl::StrCat("failed to set starting state for container ",
                                                 Quote(c.id), ": container is in ",
                                                 cri::ContainerState_Name(c.State()), " state"));
        }
        // From here on a failure leaves the container EXITED with StartError, as in containerd.
        auto sandbox = sandboxes_.find(c.sandbox_id);
        if (sandbox == sandboxes_.end()) {
          std::string message =
              absl::StrCat("sandbox ", Quote(c.sandbox_id), " not found: not found");
          FailStartLocked(c, message);
          return absl::NotFoundError(message);
        }
        if (!sandbox->second.ready) {
          std::string message =
              absl::StrCat("sandbox container ", Quote(c.sandbox_id), " is not running");
          FailStartLocked(c, message);
          return absl::UnknownError(message);
        }
        if (absl::Status log = OpenLogLocked(c, /*append_script_lines=*/true); !log.ok()) {
          std::string message =
              absl::StrCat("failed to create containerd task: failed to create container loggers: ",
                           log.message());
          FailStartLocked(c, message);
          return absl::UnknownError(message);
        }
        if (!c.script.start_error.ok()) {
          FailStartLocked(c, c.script.start_error.message());
          return c.script.start_error;
        }
        const absl::Time now = clock().Now();
        c.started_at = absl::ToUnixNanos(now);
        c.pid = next_pid_++;
        PublishLocked(c.id, c.sandbox_id, cri::CONTAINER_STARTED_EVENT);
        ArmExitLocked(c, now);
        ProcessDueLocked(now);  // a zero exit_after exits right away
        return cri::StartContainerResponse();
      });
}

absl::StatusOr<cri::StopContainerResponse> FakeRuntimeService::StopContainer(
    const cri::StopContainerRequest& request) {
  return HandleCall<cri::StopContainerResponse>(
      "StopContainer", request, [&]() -> absl::StatusOr<cri::StopContainerResponse> {
        std::string id;
        {
          krl::MutexLock lock(&mu_);
          ProcessDueLocked(clock().Now());
          absl::StatusOr<Container*> found = LookupContainerLocked(request.container_id());
          if (!found.ok()) {
            if (absl::IsNotFound(found.status())) return cri::StopContainerResponse();
            return found.status();
          }
          Container& c = **found;
          if (c.State() == cri::CONTAINER_UNKNOWN) {
            KillLocked(c);
            return cri::StopContainerResponse();
          }
          // Stopping a created or exited container does nothing (a created one stays CREATED).
          if (c.State() != cri::CONTAINER_RUNNING) return cri::StopContainerResponse();
          if (request.timeout() <= 0) {
            ExitLocked(c, kKilledExitCode, "", NowNanos());
            return cri::StopContainerResponse();
          }
          if (!c.script.ignore_sigterm) {
            ExitLocked(c, c.script.sigterm_exit_code, "", NowNanos());
            return cri::StopContainerResponse();
          }
          id = c.id;
        }
        // SIGTERM is ignored: wait out the grace period (without the lock), then SIGKILL.
        clock().SleepFor(absl::Seconds(request.timeout()));
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        auto it = containers_.find(id);
        if (it != containers_.end() && it->second.State() == cri::CONTAINER_RUNNING) {
          ExitLocked(it->second, kKilledExitCode, "", NowNanos());
        }
        return cri::StopContainerResponse();
      });
}

absl::StatusOr<cri::RemoveContainerResponse> FakeRuntimeService::RemoveContainer(
    const cri::RemoveContainerRequest& request) {
  return HandleCall<cri::RemoveContainerResponse>(
      "RemoveContainer", request, [&]() -> absl::StatusOr<cri::RemoveContainerResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = LookupContainerLocked(request.container_id());
        if (!found.ok()) {
          if (absl::IsNotFound(found.status())) return cri::RemoveContainerResponse();
          return found.status();
        }
        // A running container is killed first, as containerd's forcible stop does.
        RemoveContainerLocked((*found)->id);
        return cri::RemoveContainerResponse();
      });
}

absl::StatusOr<cri::ListContainersResponse> FakeRuntimeService::ListContainers(
    const cri::ListContainersRequest& request) {
  return HandleList(
      "ListContainers", request, &cri::ListContainersResponse::mutable_containers,
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListContainersLocked(FilterOf(request)); });
}

absl::Status FakeRuntimeService::StreamContainers(
    const cri::StreamContainersRequest& request,
    const std::function<void(cri::StreamContainersResponse&& message)>& on_message) {
  return HandleListStream(
      "StreamContainers", request, on_message, &cri::StreamContainersResponse::mutable_containers,
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListContainersLocked(FilterOf(request)); });
}

absl::StatusOr<cri::ContainerStatusResponse> FakeRuntimeService::ContainerStatus(
    const cri::ContainerStatusRequest& request) {
  return HandleCall<cri::ContainerStatusResponse>(
      "ContainerStatus", request, [&]() -> absl::StatusOr<cri::ContainerStatusResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = LookupContainerLocked(request.container_id());
        if (!found.ok()) return found.status();
        cri::ContainerStatusResponse response;
        *response.mutable_status() = ContainerStatusLocked(**found);
        if (request.verbose()) {
          const Container& c = **found;
          (*response.mutable_info())["info"] =
              absl::StrCat("{\"sandboxID\":\"", c.sandbox_id, "\",\"pid\":", c.pid,
                           ",\"removing\":false,\"runtimeType\":\"io.containerd.runc.v2\"}");
        }
        return response;
      });
}

absl::StatusOr<cri::UpdateContainerResourcesResponse> FakeRuntimeService::UpdateContainerResources(
    const cri::UpdateContainerResourcesRequest& request) {
  return HandleCall<cri::UpdateContainerResourcesResponse>(
      "UpdateContainerResources", request,
      [&]() -> absl::StatusOr<cri::UpdateContainerResourcesResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = FindContainerLocked(request.container_id());
        if (!found.ok()) return Wrap("failed to find container", found.status());
        if (request.has_linux()) (*found)->resources = request.linux();
        return cri::UpdateContainerResourcesResponse();
      });
}

absl::StatusOr<cri::ReopenContainerLogResponse> FakeRuntimeService::ReopenContainerLog(
    const cri::ReopenContainerLogRequest& request) {
  return HandleCall<cri::ReopenContainerLogResponse>(
      "ReopenContainerLog", request, [&]() -> absl::StatusOr<cri::ReopenContainerLogResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = LookupContainerLocked(request.container_id());
        if (!found.ok()) return found.status();
        if ((*found)->State() != cri::CONTAINER_RUNNING) {
          return absl::UnknownError("container is not running");
        }
        // A rotated log is reopened: the file is created anew.
        if (absl::Status log = OpenLogLocked(**found, /*append_script_lines=*/false); !log.ok()) {
          return log;
        }
        return cri::ReopenContainerLogResponse();
      });
}

absl::StatusOr<cri::ExecSyncResponse> FakeRuntimeService::ExecSync(
    const cri::ExecSyncRequest& request) {
  return HandleCall<cri::ExecSyncResponse>(
      "ExecSync", request, [&]() -> absl::StatusOr<cri::ExecSyncResponse> {
        ExecResult result;
        std::shared_ptr<const ExecHandler> handler;
        ExecContext context;
        {
          krl::MutexLock lock(&mu_);
          const absl::Time now = clock().Now();
          ProcessDueLocked(now);
          absl::StatusOr<Container*> found = FindContainerLocked(request.container_id());
          if (!found.ok()) {
            return Wrap(absl::StrCat("failed to exec in container: failed to find container ",
                                     Quote(request.container_id()), " in store"),
                        found.status());
          }
          const Container& c = **found;
          if (c.State() != cri::CONTAINER_RUNNING) {
            return absl::UnknownError(absl::StrCat("failed to exec in container: container is in ",
                                                   cri::ContainerState_Name(c.State()), " state"));
          }
          std::vector<std::string> cmd(request.cmd().begin(), request.cmd().end());
          auto in = exec_scripts_in_.find({c.id, cmd});
          auto any = exec_scripts_.find(cmd);
          if (in != exec_scripts_in_.end()) {
            result = in->second;
          } else if (any != exec_scripts_.end()) {
            result = any->second;
          } else {
            result = default_exec_;
            handler = exec_handler_;
            if (handler != nullptr) {
              context.container_id = c.id;
              context.container_name = c.config.metadata().name();
              auto sandbox = sandboxes_.find(c.sandbox_id);
              if (sandbox != sandboxes_.end()) context.pod = sandbox->second.config.metadata();
              context.started_at = absl::FromUnixNanos(c.started_at);
              context.now = now;
              context.cmd = std::move(cmd);
            }
          }
        }
        // The handler is the test's code: it runs without the fake's lock (see SetExecHandler).
        if (handler != nullptr) {
          if (std::optional<ExecResult> answer = (*handler)(context); answer.has_value()) {
            result = *std::move(answer);
          }
        }
        const int64_t timeout = request.timeout();
        if (timeout > 0 && result.delay > absl::Seconds(timeout)) {
          clock().SleepFor(absl::Seconds(timeout));
          return absl::DeadlineExceededError(absl::StrCat("failed to exec in container: timeout ",
                                                          GoDuration(timeout),
                                                          " exceeded: context deadline exceeded"));
        }
        if (result.delay > absl::ZeroDuration()) clock().SleepFor(result.delay);
        cri::ExecSyncResponse response;
        response.set_stdout(result.stdout_data);
        response.set_stderr(result.stderr_data);
        response.set_exit_code(result.exit_code);
        return response;
      });
}

absl::StatusOr<cri::ExecResponse> FakeRuntimeService::Exec(const cri::ExecRequest& request) {
  return HandleCall<cri::ExecResponse>("Exec", request, [&]() -> absl::StatusOr<cri::ExecResponse> {
    krl::MutexLock lock(&mu_);
    ProcessDueLocked(clock().Now());
    absl::StatusOr<Container*> found = FindContainerLocked(request.container_id());
    if (!found.ok()) {
      return Wrap(
          absl::StrCat("failed to find container ", Quote(request.container_id()), " in store"),
          found.status());
    }
    if ((*found)->State() != cri::CONTAINER_RUNNING) {
      return absl::UnknownError(
          absl::StrCat("container is in ", cri::ContainerState_Name((*found)->State()), " state"));
    }
    // The streaming server's request validation.
    if (request.tty() && request.stderr()) {
      return absl::InvalidArgumentError("tty and stderr cannot both be true");
    }
    if (!request.stdin() && !request.stdout() && !request.stderr()) {
      return absl::InvalidArgumentError("one of stdin, stdout, or stderr must be set");
    }
    cri::ExecResponse response;
    response.set_url(absl::StrCat(options_.streaming_url, "/exec/", ids_.NewToken()));
    return response;
  });
}

absl::StatusOr<cri::AttachResponse> FakeRuntimeService::Attach(const cri::AttachRequest& request) {
  return HandleCall<cri::AttachResponse>(
      "Attach", request, [&]() -> absl::StatusOr<cri::AttachResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = FindContainerLocked(request.container_id());
        if (!found.ok()) return Wrap("failed to find container in store", found.status());
        if ((*found)->State() != cri::CONTAINER_RUNNING) {
          return absl::UnknownError(absl::StrCat(
              "container is in ", cri::ContainerState_Name((*found)->State()), " state"));
        }
        if (request.tty() && request.stderr()) {
          return absl::InvalidArgumentError("tty and stderr cannot both be true");
        }
        if (!request.stdin() && !request.stdout() && !request.stderr()) {
          return absl::InvalidArgumentError("one of stdin, stdout, and stderr must be set");
        }
        cri::AttachResponse response;
        response.set_url(absl::StrCat(options_.streaming_url, "/attach/", ids_.NewToken()));
        return response;
      });
}

absl::StatusOr<cri::PortForwardResponse> FakeRuntimeService::PortForward(
    const cri::PortForwardRequest& request) {
  return HandleCall<cri::PortForwardResponse>(
      "PortForward", request, [&]() -> absl::StatusOr<cri::PortForwardResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Sandbox*> found = FindSandboxLocked(request.pod_sandbox_id());
        if (!found.ok()) {
          return Wrap(absl::StrCat("failed to find sandbox ", Quote(request.pod_sandbox_id())),
                      found.status());
        }
        if (!(*found)->ready) return absl::UnknownError("sandbox container is not running");
        cri::PortForwardResponse response;
        response.set_url(absl::StrCat(options_.streaming_url, "/portforward/", ids_.NewToken()));
        return response;
      });
}

// ------------------------------------------------------------------------------------------------
// RuntimeService: stats and metrics

absl::StatusOr<cri::ContainerStatsResponse> FakeRuntimeService::ContainerStats(
    const cri::ContainerStatsRequest& request) {
  return HandleCall<cri::ContainerStatsResponse>(
      "ContainerStats", request, [&]() -> absl::StatusOr<cri::ContainerStatsResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        absl::StatusOr<Container*> found = FindContainerLocked(request.container_id());
        if (!found.ok()) return Wrap("failed to find container", found.status());
        // containerd asks the task for metrics; a container without a running task has none.
        if ((*found)->State() != cri::CONTAINER_RUNNING) {
          return absl::UnknownError("unexpected metrics response: []");
        }
        cri::ContainerStatsResponse response;
        *response.mutable_stats() = ContainerStatsLocked(**found, NowNanos());
        return response;
      });
}

absl::StatusOr<cri::ListContainerStatsResponse> FakeRuntimeService::ListContainerStats(
    const cri::ListContainerStatsRequest& request) {
  return HandleList("ListContainerStats", request, &cri::ListContainerStatsResponse::mutable_stats,
                    [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                      return ListContainerStatsLocked(FilterOf(request));
                    });
}

absl::Status FakeRuntimeService::StreamContainerStats(
    const cri::StreamContainerStatsRequest& request,
    const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) {
  return HandleListStream("StreamContainerStats", request, on_message,
                          &cri::StreamContainerStatsResponse::mutable_container_stats,
                          [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                            return ListContainerStatsLocked(FilterOf(request));
                          });
}

absl::StatusOr<cri::PodSandboxStatsResponse> FakeRuntimeService::PodSandboxStats(
    const cri::PodSandboxStatsRequest& request) {
  return HandleCall<cri::PodSandboxStatsResponse>(
      "PodSandboxStats", request, [&]() -> absl::StatusOr<cri::PodSandboxStatsResponse> {
        krl::MutexLock lock(&mu_);
        ProcessDueLocked(clock().Now());
        const std::string& id = request.pod_sandbox_id();
        absl::StatusOr<Sandbox*> found = FindSandboxLocked(id);
        if (!found.ok()) {
          return Wrap(absl::StrCat("an error occurred when trying to find sandbox ", id),
                      found.status());
        }
        if ((*found)->config.linux().cgroup_parent().empty()) {
          // containerd reads a sandbox's usage from its cgroup parent (the kubelet always sets one)
          // and fails without it, even before it looks at the sandbox's state.
          return absl::UnknownError(absl::StrCat("failed getting metrics for sandbox ",
                                                 (*found)->id,
                                                 ": failed to get cgroup metrics for sandbox ",
                                                 (*found)->id, " because cgroupPath is empty"));
        }
        if (!(*found)->ready) {
          return absl::UnknownError(
              absl::StrCat("failed to decode pod sandbox metrics ", id,
                           ": failed to get pod sandbox stats since sandbox container ",
                           Quote((*found)->id), " is not in ready state"));
        }
        cri::PodSandboxStatsResponse response;
        *response.mutable_stats() = SandboxStatsLocked(**found, NowNanos());
        return response;
      });
}

absl::StatusOr<cri::ListPodSandboxStatsResponse> FakeRuntimeService::ListPodSandboxStats(
    const cri::ListPodSandboxStatsRequest& request) {
  return HandleList(
      "ListPodSandboxStats", request, &cri::ListPodSandboxStatsResponse::mutable_stats,
      [&]()
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListSandboxStatsLocked(FilterOf(request)); });
}

absl::Status FakeRuntimeService::StreamPodSandboxStats(
    const cri::StreamPodSandboxStatsRequest& request,
    const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) {
  return HandleListStream("StreamPodSandboxStats", request, on_message,
                          &cri::StreamPodSandboxStatsResponse::mutable_pod_sandbox_stats,
                          [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                            return ListSandboxStatsLocked(FilterOf(request));
                          });
}

absl::StatusOr<cri::ListMetricDescriptorsResponse> FakeRuntimeService::ListMetricDescriptors(
    const cri::ListMetricDescriptorsRequest& request) {
  return HandleCall<cri::ListMetricDescriptorsResponse>(
      "ListMetricDescriptors", request,
      [&]() -> absl::StatusOr<cri::ListMetricDescriptorsResponse> {
        return cri::ListMetricDescriptorsResponse();  // the fake reports no extra metrics
      });
}

absl::StatusOr<cri::ListPodSandboxMetricsResponse> FakeRuntimeService::ListPodSandboxMetrics(
    const cri::ListPodSandboxMetricsRequest& request) {
  return HandleList("ListPodSandboxMetrics", request,
                    &cri::ListPodSandboxMetricsResponse::mutable_pod_metrics,
                    [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListMetricsLocked(); });
}

absl::Status FakeRuntimeService::StreamPodSandboxMetrics(
    const cri::StreamPodSandboxMetricsRequest& request,
    const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message) {
  return HandleListStream("StreamPodSandboxMetrics", request, on_message,
                          &cri::StreamPodSandboxMetricsResponse::mutable_pod_sandbox_metrics,
                          [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ListMetricsLocked(); });
}

// ------------------------------------------------------------------------------------------------
// RuntimeService: runtime state, checkpoints, events

absl::StatusOr<cri::UpdateRuntimeConfigResponse> FakeRuntimeService::UpdateRuntimeConfig(
    const cri::UpdateRuntimeConfigRequest& request) {
  return HandleCall<cri::UpdateRuntimeConfigResponse>(
      "UpdateRuntimeConfig", request, [&]() -> absl::StatusOr<cri::UpdateRuntimeConfigResponse> {
        krl::MutexLock lock(&mu_);
        const std::string& cidr = request.runtime_config().network_config().pod_cidr();
        if (!cidr.empty()) pod_cidr_ = cidr;
        return cri::UpdateRuntimeConfigResponse();
      });
}

absl::StatusOr<cri::StatusResponse> FakeRuntimeService::Status(const cri::StatusRequest& request) {
  return HandleCall<cri::StatusResponse>(
      "Status", request, [&]() -> absl::StatusOr<cri::StatusResponse> {
        cri::StatusResponse response;
        krl::MutexLock lock(&mu_);
        for (const cri::RuntimeCondition& condition : conditions_) {
          *response.mutable_status()->add_conditions() = condition;
        }
        response.add_runtime_handlers()->set_name("");
        for (const std::string& handler : options_.runtime_handlers) {
          response.add_runtime_handlers()->set_name(handler);
        }
        if (request.verbose()) {
          (*response.mutable_info())["config"] = absl::StrCat(
              "{\"runtimeName\":\"", options_.runtime_name, "\",\"podCIDR\":\"", pod_cidr_, "\"}");
        }
        return response;
      });
}

absl::StatusOr<cri::RuntimeConfigResponse> FakeRuntimeService::RuntimeConfig(
    const cri::RuntimeConfigRequest& request) {
  return HandleCall<cri::RuntimeConfigResponse>(
      "RuntimeConfig", request, [&]() -> absl::StatusOr<cri::RuntimeConfigResponse> {
        cri::RuntimeConfigResponse response;
        krl::MutexLock lock(&mu_);
        response.mutable_linux()->set_cgroup_driver(cgroup_driver_);
        return response;
      });
}

absl::StatusOr<cri::UpdatePodSandboxResourcesResponse>
FakeRuntimeService::UpdatePodSandboxResources(
    const cri::UpdatePodSandboxResourcesRequest& request) {
  return HandleCall<cri::UpdatePodSandboxResourcesResponse>(
      "UpdatePodSandboxResources", request,
      [&]() -> absl::StatusOr<cri::UpdatePodSandboxResourcesResponse> {
        krl::MutexLock lock(&mu_);
        absl::StatusOr<Sandbox*> found = LookupSandboxLocked(request.pod_sandbox_id());
        if (!found.ok()) return found.status();
        if (request.has_resources()) (*found)->resources = request.resources();
        return cri::UpdatePodSandboxResourcesResponse();
      });
}

absl::StatusOr<cri::CheckpointContainerResponse> FakeRuntimeService::CheckpointContainer(
    const cri::CheckpointContainerRequest& request) {
  return HandleUnimplemented<cri::CheckpointContainerResponse>("CheckpointContainer", request);
}

absl::StatusOr<cri::CheckpointPodResponse> FakeRuntimeService::CheckpointPod(
    const cri::CheckpointPodRequest& request) {
  return HandleUnimplemented<cri::CheckpointPodResponse>("CheckpointPod", request);
}

absl::StatusOr<cri::RestorePodResponse> FakeRuntimeService::RestorePod(
    const cri::RestorePodRequest& request) {
  return HandleUnimplemented<cri::RestorePodResponse>("RestorePod", request);
}

absl::StatusOr<std::unique_ptr<runtime::ContainerEventSubscription>>
FakeRuntimeService::GetContainerEvents(const cri::GetEventsRequest& request,
                                       runtime::ContainerEventHandlers handlers) {
  if (absl::Status injected = BeginCall("GetContainerEvents", request); !injected.ok()) {
    return injected;
  }
  return hub_.Subscribe(std::move(handlers));
}

// ------------------------------------------------------------------------------------------------
// Scripting and inspection

void FakeRuntimeService::ScriptContainer(absl::string_view container_name, ContainerScript script) {
  krl::MutexLock lock(&mu_);
  scripts_by_name_[std::string(container_name)] = std::move(script);
}

absl::Status FakeRuntimeService::ScriptContainerById(absl::string_view container_id,
                                                     ContainerScript script) {
  krl::MutexLock lock(&mu_);
  absl::StatusOr<Container*> found = FindContainerLocked(container_id);
  if (!found.ok()) return found.status();
  (*found)->script = std::move(script);
  if ((*found)->State() == cri::CONTAINER_RUNNING) {
    const absl::Time now = clock().Now();
    ArmExitLocked(**found, now);
    ProcessDueLocked(now);
  }
  return absl::OkStatus();
}

void FakeRuntimeService::ScriptExec(std::vector<std::string> cmd, ExecResult result) {
  krl::MutexLock lock(&mu_);
  exec_scripts_[std::move(cmd)] = std::move(result);
}

void FakeRuntimeService::ScriptExecIn(absl::string_view container_id, std::vector<std::string> cmd,
                                      ExecResult result) {
  krl::MutexLock lock(&mu_);
  std::string id(container_id);
  absl::StatusOr<Container*> found = FindContainerLocked(container_id);
  if (found.ok()) id = (*found)->id;
  exec_scripts_in_[{id, std::move(cmd)}] = std::move(result);
}

void FakeRuntimeService::SetDefaultExecResult(ExecResult result) {
  krl::MutexLock lock(&mu_);
  default_exec_ = std::move(result);
}

void FakeRuntimeService::SetExecHandler(ExecHandler handler) {
  std::shared_ptr<const ExecHandler> shared;
  if (handler) shared = std::make_shared<const ExecHandler>(std::move(handler));
  krl::MutexLock lock(&mu_);
  exec_handler_ = std::move(shared);
}

absl::Status FakeRuntimeService::ExitContainer(absl::string_view container_id, int exit_code) {
  return ExitRunningContainer(container_id, exit_code, "");
}

absl::Status FakeRuntimeService::OomKillContainer(absl::string_view container_id) {
  return ExitRunningContainer(container_id, kKilledExitCode, kOomReason);
}

absl::Status FakeRuntimeService::ExitRunningContainer(absl::string_view container_id, int exit_code,
                                                      absl::string_view reason) {
  krl::MutexLock lock(&mu_);
  ProcessDueLocked(clock().Now());
  absl::StatusOr<Container*> found = FindContainerLocked(container_id);
  if (!found.ok()) return found.status();
  if ((*found)->State() != cri::CONTAINER_RUNNING) {
    return absl::FailedPreconditionError("container is not running");
  }
  ExitLocked(**found, exit_code, reason, NowNanos());
  return absl::OkStatus();
}

absl::Status FakeRuntimeService::MarkContainerUnknown(absl::string_view container_id) {
  krl::MutexLock lock(&mu_);
  absl::StatusOr<Container*> found = FindContainerLocked(container_id);
  if (!found.ok()) return found.status();
  Container& c = **found;
  c.unknown = true;
  c.exit_code = kUnknownExitCode;
  c.reason = std::string(kUnknownReason);
  c.exit_deadline.reset();
  return absl::OkStatus();
}

absl::Status FakeRuntimeService::KillPodSandbox(absl::string_view sandbox_id) {
  krl::MutexLock lock(&mu_);
  absl::StatusOr<Sandbox*> found = FindSandboxLocked(sandbox_id);
  if (!found.ok()) return found.status();
  EndPauseLocked(**found);
  return absl::OkStatus();
}

absl::Status FakeRuntimeService::SetContainerStats(absl::string_view container_id,
                                                   const cri::ContainerStats& stats) {
  krl::MutexLock lock(&mu_);
  absl::StatusOr<Container*> found = FindContainerLocked(container_id);
  if (!found.ok()) return found.status();
  (*found)->stats = stats;
  return absl::OkStatus();
}

absl::Status FakeRuntimeService::SetPodSandboxStats(absl::string_view sandbox_id,
                                                    const cri::PodSandboxStats& stats) {
  krl::MutexLock lock(&mu_);
  absl::StatusOr<Sandbox*> found = FindSandboxLocked(sandbox_id);
  if (!found.ok()) return found.status();
  (*found)->stats = stats;
  return absl::OkStatus();
}

void FakeRuntimeService::SetRuntimeCondition(absl::string_view type, bool status,
                                             absl::string_view reason, absl::string_view message) {
  krl::MutexLock lock(&mu_);
  auto it = std::find_if(conditions_.begin(), conditions_.end(),
                         [&](const cri::RuntimeCondition& c) { return c.type() == type; });
  if (it == conditions_.end()) it = conditions_.insert(conditions_.end(), cri::RuntimeCondition());
  it->set_type(std::string(type));
  it->set_status(status);
  it->set_reason(std::string(reason));
  it->set_message(std::string(message));
}

void FakeRuntimeService::SetCgroupDriver(cri::CgroupDriver driver) {
  krl::MutexLock lock(&mu_);
  cgroup_driver_ = driver;
}

void FakeRuntimeService::BreakEventStreams(const absl::Status& status) { hub_.EndAll(status); }

int FakeRuntimeService::EventSubscriberCount() const { return hub_.SubscriberCount(); }

bool FakeRuntimeService::WaitForEventSubscribers(int count, absl::Duration timeout) const {
  return hub_.WaitForSubscribers(count, timeout);
}

std::vector<std::string> FakeRuntimeService::SandboxIds() const {
  krl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, s] : sandboxes_) ids.push_back(id);
  return ids;
}

std::vector<std::string> FakeRuntimeService::ContainerIds() const {
  krl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, c] : containers_) ids.push_back(id);
  return ids;
}

absl::StatusOr<cri::ContainerStatus> FakeRuntimeService::InspectContainer(
    absl::string_view container_id) const {
  auto* self = const_cast<FakeRuntimeService*>(this);
  krl::MutexLock lock(&mu_);
  self->ProcessDueLocked(clock().Now());
  absl::StatusOr<Container*> found = self->FindContainerLocked(container_id);
  if (!found.ok()) return found.status();
  return ContainerStatusLocked(**found);
}

absl::StatusOr<cri::PodSandboxStatus> FakeRuntimeService::InspectPodSandbox(
    absl::string_view sandbox_id) const {
  auto* self = const_cast<FakeRuntimeService*>(this);
  krl::MutexLock lock(&mu_);
  absl::StatusOr<Sandbox*> found = self->FindSandboxLocked(sandbox_id);
  if (!found.ok()) return found.status();
  return SandboxStatusLocked(**found);
}

std::string FakeRuntimeService::PodCidr() const {
  krl::MutexLock lock(&mu_);
  return pod_cidr_;
}

}  // namespace testing
}  // namespace krl
