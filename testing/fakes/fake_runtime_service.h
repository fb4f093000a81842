// FakeRuntimeService: an in-memory CRI RuntimeService that behaves like containerd's CRI plugin.
//
// It keeps real state: sandboxes (READY / NOTREADY) and containers (CREATED / RUNNING / EXITED /
// UNKNOWN) with 64-hex ids, timestamps from the injected clock, exit codes and reasons, labels,
// annotations, log paths and images checked against a FakeImageService. Errors use the codes and
// messages containerd 1.6 answers with (NotFound `an error occurred when try to find container
// "x": not found`, ...). Tests script exits, OOM kills, start failures and exec results (per
// exact command, or decided by a handler from the container and the time), inject faults
// (errors before or after a call's effect, latency and delays, corrupted responses, a fault
// hook: see CallRecorder), read the call log and receive GetContainerEvents events.
//
//   testing::FakeClock clock;
//   testing::FakeImageService images(clock);
//   testing::FakeRuntimeService runtime(clock, &images);
//
// Time: timestamps and scripted exits use the clock. With a FakeClock, a scripted exit happens
// (and its event is published) when the test advances the clock past it; with any other clock a
// timer thread fires it in real time. Every call also applies exits that are due, so a status
// read right after FakeClock::Advance already shows them.
//
// Threads: any thread may call any method. One mutex guards all sandbox and container state and
// the scripts; it is never held while a call sleeps on the clock (latency, exec delays, stop
// timeouts). Lock order: this fake's mutex, then the FakeImageService's, then the event hub's.
// Event callbacks run on each subscription's own thread with no lock held.
#ifndef KRL_TESTING_FAKES_FAKE_RUNTIME_SERVICE_H_
#define KRL_TESTING_FAKES_FAKE_RUNTIME_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"
#include "testing/fakes/call_recorder.h"
#include "testing/fakes/container_event_hub.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/id_generator.h"

namespace krl {
namespace testing {

class FakeRuntimeService final : public runtime::RuntimeService, public CallRecorder {
 public:
  struct Options {
    std::string runtime_name = "krl-fake-cri";
    std::string runtime_version = "0.1.0";
    // Non-zero: reproducible ids.
    uint64_t id_seed = 0;
    // Runtime handlers RunPodSandbox accepts besides "" (the default one).
    std::vector<std::string> runtime_handlers = {"runc"};
    // Log files as containerd handles them: true creates the log file's missing folders (as
    // containerd does) and fails StartContainer (StartError) when the file still cannot be
    // created, e.g. because part of its path is a regular file. By default the fake writes the
    // log file only when its folder exists and otherwise starts the container anyway, so unit
    // tests need no real folders and never create any.
    bool require_log_directory = false;
    // Base of the URLs Exec, Attach and PortForward return (nothing listens there).
    std::string streaming_url = "http://127.0.0.1:10010";
    // Mountpoint reported for container writable layers.
    std::string writable_layer_mountpoint = "/var/lib/krl-fake/snapshots";
    // Items per message of the Stream* RPCs.
    int stream_batch_size = 100;
    // Pod IPs come from the pod CIDR set by UpdateRuntimeConfig, or from this one.
    std::string default_pod_cidr = "198.18.0.0/24";
  };

  // How a container behaves once created. Applied by metadata name (ScriptContainer) or by id.
  struct ContainerScript {
    // The main process exits by itself this long after the container started.
    std::optional<absl::Duration> exit_after;
    // Exit code of that exit.
    int exit_code = 0;
    // That exit is an OOM kill: exit code 137, reason "OOMKilled".
    bool oom_killed = false;
    // Non-OK: StartContainer fails with this status and leaves the container EXITED with exit
    // code 128, reason "StartError" and the status message, as containerd does.
    absl::Status start_error;
    // Exit code when StopContainer's SIGTERM ends the process (143: killed by the signal; a
    // program that handles SIGTERM may exit 0).
    int sigterm_exit_code = 143;
    // The process ignores SIGTERM: StopContainer waits its timeout on the clock, then kills it
    // (exit code 137).
    bool ignore_sigterm = false;
    // Lines written to the container's log file (CRI format, stdout) when it starts.
    std::vector<std::string> log_lines;
  };

  // The answer of ExecSync for one command.
  struct ExecResult {
    std::string stdout_data;
    std::string stderr_data;
    int exit_code = 0;
    // The command runs this long on the clock; longer than the request's timeout means
    // DeadlineExceeded after the timeout.
    absl::Duration delay = absl::ZeroDuration();
  };

  // What an exec handler (SetExecHandler) is told about one ExecSync in a running container.
  struct ExecContext {
    std::string container_id;
    // The container's metadata name, and its sandbox's metadata (name, namespace, uid, attempt).
    std::string container_name;
    cri::PodSandboxMetadata pod;
    // When this container (this attempt) started, and the time of the call, on the fake's clock:
    // `now - started_at` is how long its process has run.
    absl::Time started_at;
    absl::Time now;
    std::vector<std::string> cmd;
  };
  // Answers an ExecSync from the container and the time, or nullopt to leave the command to the
  // default answer.
  using ExecHandler = std::function<std::optional<ExecResult>(const ExecContext& context)>;

  // `images` may be null: then every image reference is accepted. Not owned; must outlive this.
  FakeRuntimeService(Clock& clock, FakeImageService* images);
  FakeRuntimeService(Clock& clock, FakeImageService* images, Options options);
  // Open event subscriptions end with Unavailable.
  ~FakeRuntimeService() override;

  // --- runtime::RuntimeService ---
  absl::StatusOr<cri::VersionResponse> Version(const cri::VersionRequest& request) override;
  absl::StatusOr<cri::RunPodSandboxResponse> RunPodSandbox(
      const cri::RunPodSandboxRequest& request) override;
  absl::StatusOr<cri::StopPodSandboxResponse> StopPodSandbox(
      const cri::StopPodSandboxRequest& request) override;
  absl::StatusOr<cri::RemovePodSandboxResponse> RemovePodSandbox(
      const cri::RemovePodSandboxRequest& request) override;
  absl::StatusOr<cri::PodSandboxStatusResponse> PodSandboxStatus(
      const cri::PodSandboxStatusRequest& request) override;
  absl::StatusOr<cri::ListPodSandboxResponse> ListPodSandbox(
      const cri::ListPodSandboxRequest& request) override;
  absl::Status StreamPodSandboxes(
      const cri::StreamPodSandboxesRequest& request,
      const std::function<void(cri::StreamPodSandboxesResponse&& message)>& on_message) override;
  absl::StatusOr<cri::CreateContainerResponse> CreateContainer(
      const cri::CreateContainerRequest& request) override;
  absl::StatusOr<cri::StartContainerResponse> StartContainer(
      const cri::StartContainerRequest& request) override;
  absl::StatusOr<cri::StopContainerResponse> StopContainer(
      const cri::StopContainerRequest& request) override;
  absl::StatusOr<cri::RemoveContainerResponse> RemoveContainer(
      const cri::RemoveContainerRequest& request) override;
  absl::StatusOr<cri::ListContainersResponse> ListContainers(
      const cri::ListContainersRequest& request) override;
  absl::Status StreamContainers(
      const cri::StreamContainersRequest& request,
      const std::function<void(cri::StreamContainersResponse&& message)>& on_message) override;
  absl::StatusOr<cri::ContainerStatusResponse> ContainerStatus(
      const cri::ContainerStatusRequest& request) override;
  absl::StatusOr<cri::UpdateContainerResourcesResponse> UpdateContainerResources(
      const cri::UpdateContainerResourcesRequest& request) override;
  absl::StatusOr<cri::ReopenContainerLogResponse> ReopenContainerLog(
      const cri::ReopenContainerLogRequest& request) override;
  absl::StatusOr<cri::ExecSyncResponse> ExecSync(const cri::ExecSyncRequest& request) override;
  absl::StatusOr<cri::ExecResponse> Exec(const cri::ExecRequest& request) override;
  absl::StatusOr<cri::AttachResponse> Attach(const cri::AttachRequest& request) override;
  absl::StatusOr<cri::PortForwardResponse> PortForward(
      const cri::PortForwardRequest& request) override;
  absl::StatusOr<cri::ContainerStatsResponse> ContainerStats(
      const cri::ContainerStatsRequest& request) override;
  absl::StatusOr<cri::ListContainerStatsResponse> ListContainerStats(
      const cri::ListContainerStatsRequest& request) override;
  absl::Status StreamContainerStats(
      const cri::StreamContainerStatsRequest& request,
      const std::function<void(cri::StreamContainerStatsResponse&& message)>& on_message) override;
  absl::StatusOr<cri::PodSandboxStatsResponse> PodSandboxStats(
      const cri::PodSandboxStatsRequest& request) override;
  absl::StatusOr<cri::ListPodSandboxStatsResponse> ListPodSandboxStats(
      const cri::ListPodSandboxStatsRequest& request) override;
  absl::Status StreamPodSandboxStats(
      const cri::StreamPodSandboxStatsRequest& request,
      const std::function<void(cri::StreamPodSandboxStatsResponse&& message)>& on_message) override;
  absl::StatusOr<cri::ListMetricDescriptorsResponse> ListMetricDescriptors(
      const cri::ListMetricDescriptorsRequest& request) override;
  absl::StatusOr<cri::ListPodSandboxMetricsResponse> ListPodSandboxMetrics(
      const cri::ListPodSandboxMetricsRequest& request) override;
  absl::Status StreamPodSandboxMetrics(
      const cri::StreamPodSandboxMetricsRequest& request,
      const std::function<void(cri::StreamPodSandboxMetricsResponse&& message)>& on_message)
      override;
  absl::StatusOr<cri::UpdateRuntimeConfigResponse> UpdateRuntimeConfig(
      const cri::UpdateRuntimeConfigRequest& request) override;
  absl::StatusOr<cri::StatusResponse> Status(const cri::StatusRequest& request) override;
  absl::StatusOr<cri::RuntimeConfigResponse> RuntimeConfig(
      const cri::RuntimeConfigRequest& request) override;
  absl::StatusOr<cri::UpdatePodSandboxResourcesResponse> UpdatePodSandboxResources(
      const cri::UpdatePodSandboxResourcesRequest& request) override;
  absl::StatusOr<cri::CheckpointContainerResponse> CheckpointContainer(
      const cri::CheckpointContainerRequest& request) override;
  absl::StatusOr<cri::CheckpointPodResponse> CheckpointPod(
      const cri::CheckpointPodRequest& request) override;
  absl::StatusOr<cri::RestorePodResponse> RestorePod(
      const cri::RestorePodRequest& request) override;
  absl::StatusOr<std::unique_ptr<runtime::ContainerEventSubscription>> GetContainerEvents(
      const cri::GetEventsRequest& request, runtime::ContainerEventHandlers handlers) override;

  // --- Scripting (not recorded as calls) ---
  // Every container created from now on whose metadata name is `container_name` follows
  // `script` (all attempts).
  void ScriptContainer(absl::string_view container_name, ContainerScript script);
  // Replaces the script of an existing container. For a running container, exit_after counts
  // from now. NotFound for an unknown id.
  absl::Status ScriptContainerById(absl::string_view container_id, ContainerScript script);
  // ExecSync of exactly `cmd` answers `result`: in every container, or only in `container_id`
  // (which wins over the former).
  void ScriptExec(std::vector<std::string> cmd, ExecResult result);
  void ScriptExecIn(absl::string_view container_id, std::vector<std::string> cmd,
                    ExecResult result);
  // The answer for commands without a script (default: exit 0, no output).
  void SetDefaultExecResult(ExecResult result);
  // Asks `handler` for the answer of every ExecSync in a running container that no ScriptExecIn
  // or ScriptExec names (null removes it; a new one replaces the old). The answer comes from,
  // in order: ScriptExecIn (that container, that exact command), ScriptExec (that exact
  // command), the handler, SetDefaultExecResult; a handler returning nullopt passes the command
  // on to the default. Exact scripts win: a test that names a command means that answer, and a
  // handler is a general model (e.g. of the files a container's script creates).
  // The handler runs on the calling thread, possibly on several threads at once, with no lock of
  // the fake held (it may call the fake's inspection and scripting methods, not its CRI methods,
  // which would be recorded); the container may exit meanwhile, as a process may during a probe.
  // Its result's delay and the request's timeout apply as for scripted answers.
  void SetExecHandler(ExecHandler handler);

  // The running container's process exits now with `exit_code` (STOPPED event).
  absl::Status ExitContainer(absl::string_view container_id, int exit_code);
  // The running container is OOM-killed now: exit code 137, reason "OOMKilled".
  absl::Status OomKillContainer(absl::string_view container_id);
  // The runtime loses track of the container (as after a crash): state UNKNOWN, exit code 255,
  // reason "Unknown". StopContainer then moves it to EXITED.
  absl::Status MarkContainerUnknown(absl::string_view container_id);
  // The sandbox's pause process dies: the sandbox becomes NOTREADY (STOPPED event); its
  // containers keep running, as with containerd.
  absl::Status KillPodSandbox(absl::string_view sandbox_id);

  // Sandbox stats (PodSandboxStats, ListPodSandboxStats) need the sandbox config's
  // linux.cgroup_parent, which the kubelet always sets: containerd reads the usage from that
  // cgroup and fails (Unknown) without it, and one such ready sandbox fails a whole list.
  //
  // Stats the stats RPCs report instead of the defaults. Sections set in `stats` (cpu, memory,
  // writable_layer, swap, io; for sandboxes linux.cpu/memory/network/process) replace the
  // default ones; attributes and zero timestamps are filled in.
  absl::Status SetContainerStats(absl::string_view container_id, const cri::ContainerStats& stats);
  absl::Status SetPodSandboxStats(absl::string_view sandbox_id, const cri::PodSandboxStats& stats);

  // Sets (or adds) a condition of the Status RPC. Default: RuntimeReady and NetworkReady true.
  void SetRuntimeCondition(absl::string_view type, bool status, absl::string_view reason = "",
                           absl::string_view message = "");
  // RuntimeConfig's answer (default CGROUPFS, containerd's default runc configuration).
  void SetCgroupDriver(cri::CgroupDriver driver);

  // Ends every open GetContainerEvents subscription with `status` (a runtime restart).
  void BreakEventStreams(const absl::Status& status);
  int EventSubscriberCount() const;
  [[nodiscard]] bool WaitForEventSubscribers(int count,
                                             absl::Duration timeout = absl::Seconds(10)) const;

  // --- Inspection (not recorded) ---
  std::vector<std::string> SandboxIds() const;
  std::vector<std::string> ContainerIds() const;
  // The status ContainerStatus / PodSandboxStatus would answer, without recording a call.
  absl::StatusOr<cri::ContainerStatus> InspectContainer(absl::string_view container_id) const;
  absl::StatusOr<cri::PodSandboxStatus> InspectPodSandbox(absl::string_view sandbox_id) const;
  // The pod CIDR last set by UpdateRuntimeConfig (empty if never).
  std::string PodCidr() const;

 private:
  struct Sandbox {
    std::string id;
    std::string name;
    cri::PodSandboxConfig config;
    std::string runtime_handler;
    bool ready = true;
    bool netns_closed = false;
    int64_t created_at = 0;
    std::string ip;
    uint32_t pid = 0;
    std::optional<cri::PodSandboxStats> stats;
    std::optional<cri::LinuxContainerResources> resources;
  };

  struct Container {
    std::string id;
    std::string name;
    std::string sandbox_id;
    cri::ContainerConfig config;
    std::string image_id;
    std::string log_path;
    int64_t created_at = 0;
    int64_t started_at = 0;
    int64_t finished_at = 0;
    int32_t exit_code = 0;
    std::string reason;
    std::string message;
    bool unknown = false;
    uint32_t pid = 0;
    ContainerScript script;
    std::optional<absl::Time> exit_deadline;
    std::optional<cri::LinuxContainerResources> resources;
    std::optional<cri::ContainerStats> stats;

    cri::ContainerState State() const;
  };

  // Keeps the FakeClock listener from calling into a destroyed fake.
  struct ListenerGuard {
    krl::Mutex mu;
    FakeRuntimeService* fake ABSL_GUARDED_BY(mu) = nullptr;
  };

  void OnTime(absl::Time now);
  void TimerLoop();
  void ProcessDueLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t NowNanos() const;

  // containerd's truncated-id lookup: exact id or unique prefix.
  absl::StatusOr<Sandbox*> FindSandboxLocked(absl::string_view id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Container*> FindContainerLocked(absl::string_view id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The same lookups with the error containerd's handlers answer for an id a request names
  // (`an error occurred when try to find container "x": not found`); the code is kept.
  absl::StatusOr<Sandbox*> LookupSandboxLocked(absl::string_view id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Container*> LookupContainerLocked(absl::string_view id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<Container*> ContainersOfLocked(const std::string& sandbox_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void ExitLocked(Container& container, int exit_code, absl::string_view reason,
                  int64_t finished_at) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KillLocked(Container& container) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StopSandboxLocked(Sandbox& sandbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The sandbox's pause process ends: NOTREADY and a STOPPED event, once.
  void EndPauseLocked(Sandbox& sandbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // ExitContainer and OomKillContainer: the running container exits now.
  absl::Status ExitRunningContainer(absl::string_view container_id, int exit_code,
                                    absl::string_view reason);
  void RemoveContainerLocked(const std::string& container_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailStartLocked(Container& container, absl::string_view message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status OpenLogLocked(const Container& container, bool append_script_lines)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ArmExitLocked(Container& container, absl::Time from) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string AllocateIpLocked(const cri::PodSandboxConfig& config)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void PublishLocked(const std::string& object_id, const std::string& sandbox_id,
                     cri::ContainerEventType type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  cri::PodSandboxStatus SandboxStatusLocked(const Sandbox& sandbox) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  cri::ContainerStatus ContainerStatusLocked(const Container& container) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  cri::PodSandbox SandboxItem(const Sandbox& sandbox) const;
  cri::Container ContainerItem(const Container& container) const;
  cri::ContainerStats ContainerStatsLocked(const Container& container, int64_t now) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  cri::PodSandboxStats SandboxStatsLocked(const Sandbox& sandbox, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::vector<cri::PodSandbox> ListSandboxesLocked(const cri::PodSandboxFilter* filter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<cri::Container> ListContainersLocked(const cri::ContainerFilter* filter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<cri::ContainerStats> ListContainerStatsLocked(const cri::ContainerStatsFilter* filter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<cri::PodSandboxStats>> ListSandboxStatsLocked(
      const cri::PodSandboxStatsFilter* filter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<cri::PodSandboxMetrics> ListMetricsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The list RPCs. `list` runs with mu_ held once due exits are applied, and returns the items
  // (or a StatusOr of them, where listing can fail). The unary RPC answers every item in the
  // response's repeated `field`; the streaming one sends them in messages of
  // Options::stream_batch_size items (none for an empty list).
  template <typename Item, typename List>
  absl::StatusOr<std::vector<Item>> ListNow(List& list);
  template <typename Response, typename Item, typename List>
  absl::StatusOr<Response> HandleList(
      absl::string_view method, const google::protobuf::Message& request,
      google::protobuf::RepeatedPtrField<Item>* (Response::*field)(), List list);
  template <typename Message, typename Item, typename List>
  absl::Status HandleListStream(absl::string_view method, const google::protobuf::Message& request,
                                const std::function<void(Message&&)>& on_message,
                                google::protobuf::RepeatedPtrField<Item>* (Message::*field)(),
                                List list);
  // A CRI method the fake does not implement: recorded and faulted like any call, then
  // Unimplemented.
  template <typename Response>
  absl::StatusOr<Response> HandleUnimplemented(absl::string_view method,
                                               const google::protobuf::Message& request);

  const Options options_;
  FakeImageService* const images_;
  FakeClock* const fake_clock_;  // the injected clock when it is a FakeClock, else null
  IdGenerator ids_;
  ContainerEventHub hub_;

  mutable krl::Mutex mu_;
  std::map<std::string, Sandbox> sandboxes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Container> containers_ ABSL_GUARDED_BY(mu_);
  // Indexes that keep per-call work independent of the number of containers (a node of 5,000):
  // the containers of each sandbox, and the armed exits by (deadline, container id). An armed
  // entry may be stale (container removed, exited or re-armed); ProcessDueLocked skips those.
  std::map<std::string, std::set<std::string>> sandbox_containers_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<absl::Time, std::string>> armed_exits_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> sandbox_names_ ABSL_GUARDED_BY(mu_);    // name -> id
  std::map<std::string, std::string> container_names_ ABSL_GUARDED_BY(mu_);  // name -> id
  std::map<std::string, ContainerScript> scripts_by_name_ ABSL_GUARDED_BY(mu_);
  std::map<std::vector<std::string>, ExecResult> exec_scripts_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::vector<std::string>>, ExecResult> exec_scripts_in_
      ABSL_GUARDED_BY(mu_);
  ExecResult default_exec_ ABSL_GUARDED_BY(mu_);
  // Shared so that ExecSync can call it after releasing mu_ while SetExecHandler replaces it.
  std::shared_ptr<const ExecHandler> exec_handler_ ABSL_GUARDED_BY(mu_);
  std::vector<cri::RuntimeCondition> conditions_ ABSL_GUARDED_BY(mu_);
  cri::CgroupDriver cgroup_driver_ ABSL_GUARDED_BY(mu_) = cri::CGROUPFS;
  std::string pod_cidr_ ABSL_GUARDED_BY(mu_);
  uint32_t next_ip_ ABSL_GUARDED_BY(mu_) = 2;
  uint32_t next_pid_ ABSL_GUARDED_BY(mu_) = 1000;
  // Real-clock timer thread: woken when a deadline is armed or the fake shuts down.
  uint64_t timer_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;

  std::shared_ptr<ListenerGuard> listener_guard_;
  int listener_id_ = 0;
  std::thread timer_;
};

}  // namespace testing
}  // namespace krl

#endif  // KRL_TESTING_FAKES_FAKE_RUNTIME_SERVICE_H_
