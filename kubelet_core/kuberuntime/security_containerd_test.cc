// Each security restriction a pod declares, enforced by a real containerd (testing/containerd
// harness) and seen from inside the running container through ExecSync: seccomp (RuntimeDefault,
// Unconfined, Localhost, the seccompDefault option), no_new_privs, capabilities, a read-only root,
// masked and read-only /proc paths, users and groups, runAsNonRoot, sysctls, AppArmor on a host
// without it, and the downward API env, /etc/hosts and memory emptyDir. Skipped, with a warning,
// where containerd cannot run.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "kubelet_core/admission/apparmor_admit_handler.h"
#include "kubelet_core/container/simple_image_manager.h"
#include "kubelet_core/kuberuntime/kube_runtime_manager.h"
#include "kubelet_core/kuberuntime/pod_volumes.h"
#include "runtime/remote/remote_services.h"
#include "runtime/util/clock.h"
#include "testing/containerd/containerd_harness.h"
#include "testing/containerd/skip_without_containerd.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using testing::containerd::ContainerdHarness;

// What the host-network pods' /etc/hosts is copied from, and the node IP they report.
constexpr char kNodeHosts[] = "127.0.0.1\tlocalhost\n192.0.2.10\tkrl-node\n";
constexpr char kNodeIP[] = "192.0.2.10";

// One containerd for the whole binary (starting it takes seconds), with two managers on it: the
// kubelet's defaults (seccompDefault off) and one with seccompDefault on.
struct Node {
  std::unique_ptr<ContainerdHarness> harness;
  runtime::remote::RemoteServices services;
  std::unique_ptr<container::SimpleImageManager> images;
  std::unique_ptr<KubeRuntimeManager> manager;
  std::unique_ptr<KubeRuntimeManager> seccomp_default_manager;
  std::string dir;

  ~Node() {
    manager.reset();
    seccomp_default_manager.reset();
    // Medium-Memory emptyDirs a failed test left mounted: removing through them would empty them.
    if (absl::Status unmounted = UnmountPodDirectory(dir); !unmounted.ok()) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

KubeRuntimeManagerOptions OptionsIn(const std::string& dir) {
  KubeRuntimeManagerOptions options;
  options.pod_logs_root = dir + "/logs";
  options.root_dir = dir + "/root";  // Localhost seccomp profiles: <root_dir>/seccomp
  options.etc_hosts_path = dir + "/node-hosts";
  options.node_ips = {kNodeIP};
  return options;
}

// Started on first use; stopped (containerd, its containers, the folders) when the binary exits.
Node& TheNode() {
  static std::unique_ptr<Node> node;
  if (node != nullptr) return *node;
  auto n = std::make_unique<Node>();
  absl::StatusOr<std::unique_ptr<ContainerdHarness>> harness =
      ContainerdHarness::Start(ContainerdHarness::Options());
  INFO(harness.status().ToString());
  REQUIRE(harness.ok());
  n->harness = *std::move(harness);
  runtime::remote::RemoteOptions remote;
  remote.runtime_endpoint = n->harness->endpoint();
  absl::StatusOr<runtime::remote::RemoteServices> services =
      runtime::remote::CreateRemoteServices(remote);
  INFO(services.status().ToString());
  REQUIRE(services.ok());
  n->services = *std::move(services);
  n->images = std::make_unique<container::SimpleImageManager>(*n->services.image);
  char dir[] = "/tmp/krl-sec-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  n->dir = dir;
  {
    std::ofstream hosts(n->dir + "/node-hosts");
    hosts << kNodeHosts;
  }
  absl::StatusOr<std::unique_ptr<KubeRuntimeManager>> manager = KubeRuntimeManager::Create(
      *n->services.runtime, *n->services.image, *n->images, RealClock::Get(), OptionsIn(n->dir));
  INFO(manager.status().ToString());
  REQUIRE(manager.ok());
  n->manager = *std::move(manager);
  KubeRuntimeManagerOptions with_default = OptionsIn(n->dir);
  with_default.seccomp_default = true;
  manager = KubeRuntimeManager::Create(*n->services.runtime, *n->services.image, *n->images,
                                       RealClock::Get(), with_default);
  INFO(manager.status().ToString());
  REQUIRE(manager.ok());
  n->seccomp_default_manager = *std::move(manager);
  node = std::move(n);
  return *node;
}

// Sleeps that end at once on SIGTERM, so stops are quick.
std::vector<std::string> Serve() {
  return {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"};
}

corev1::Container Busybox(const std::string& name,
                          std::optional<corev1::SecurityContext> security = std::nullopt) {
  corev1::Container c;
  c.name = name;
  c.image = ContainerdHarness::kBusyboxImage;
  c.image_pull_policy = corev1::PullPolicy::kIfNotPresent;
  c.command = Serve();
  c.security_context = std::move(security);
  return c;
}

corev1::Pod Pod(const std::string& name, std::vector<corev1::Container> containers) {
  corev1::Pod pod;
  pod.metadata.name = name;
  pod.metadata.namespace_ = "krl-sec";
  pod.metadata.uid = absl::StrCat("uid-", name, "-", absl::ToUnixNanos(absl::Now()));
  pod.spec.host_network = true;  // the harness has no CNI
  pod.spec.termination_grace_period_seconds = 5;
  pod.spec.containers = std::move(containers);
  return pod;
}

container::PodStatus Status(KubeRuntimeManager& manager, const corev1::Pod& pod) {
  absl::StatusOr<container::PodStatus> status =
      manager.GetPodStatus(pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  INFO(status.status().ToString());
  REQUIRE(status.ok());
  return *status;
}

bool AllRunning(const corev1::PodStatus& s) {
  if (s.phase != corev1::PodPhase::kRunning) return false;
  for (const corev1::ContainerStatus& c : s.container_statuses) {
    if (!c.state.running) return false;
  }
  return true;
}

// Syncs `pod` every 100 ms until all its containers run; the last sync's result on failure.
void RunUntilAllRunning(KubeRuntimeManager& manager, const corev1::Pod& pod) {
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  container::PodSyncResult last;
  while (absl::Now() < deadline) {
    container::PodStatus status = Status(manager, pod);
    if (AllRunning(manager.GenerateAPIPodStatus(pod, status))) return;
    last = manager.SyncPod(pod, status);
    absl::SleepFor(absl::Milliseconds(100));
  }
  INFO("last sync: " << last.Error().ToString());
  FAIL("pod " << pod.metadata.name << " did not reach Running");
}

// Kills the pod (retrying as the pod worker would: a container exiting while it is stopped can
// make containerd answer "ttrpc: closed"), removes its sandboxes (and so its containers) and
// its folder under root_dir (unmounting its memory emptyDirs first).
void Cleanup(KubeRuntimeManager& manager, const corev1::Pod& pod) {
  absl::Status killed;
  for (int attempt = 0; attempt < 3; ++attempt) {
    container::Pod running =
        container::ConvertPodStatusToRunningPod(manager.Type(), Status(manager, pod));
    killed = manager.KillPod(&pod, running, 0);
    if (killed.ok()) break;
    WARN("KillPod failed, retrying: " << killed.message());
    absl::SleepFor(absl::Milliseconds(500));
  }
  CHECK(killed.ok());
  for (const cri::PodSandboxStatus& sandbox : Status(manager, pod).sandbox_statuses) {
    cri::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(sandbox.id());
    absl::StatusOr<cri::RemovePodSandboxResponse> removed =
        TheNode().services.runtime->RemovePodSandbox(request);
    INFO(removed.status().ToString());
    CHECK(removed.ok());
  }
  CHECK(Status(manager, pod).sandbox_statuses.empty());
  const std::string pod_dir = PodDirectory(manager.options(), pod.metadata.uid);
  absl::Status unmounted = UnmountPodDirectory(pod_dir);
  INFO(unmounted.ToString());
  CHECK(unmounted.ok());
  if (unmounted.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(pod_dir, ignored);
  }
}

struct ExecResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string ContainerID(KubeRuntimeManager& manager, const corev1::Pod& pod,
                        const std::string& name) {
  container::PodStatus status = Status(manager, pod);
  const container::ContainerStatus* c = status.FindContainerStatusByName(name);
  INFO("container " << name);
  REQUIRE(c != nullptr);
  return c->id.id;
}

// Runs `command` in the running container `name` of `pod`, as `kubectl exec` would.
ExecResult Exec(KubeRuntimeManager& manager, const corev1::Pod& pod, const std::string& name,
                const std::vector<std::string>& command) {
  cri::ExecSyncRequest request;
  request.set_container_id(ContainerID(manager, pod, name));
  for (const std::string& arg : command) request.add_cmd(arg);
  request.set_timeout(10);
  absl::StatusOr<cri::ExecSyncResponse> response = TheNode().services.runtime->ExecSync(request);
  INFO("exec " << absl::StrJoin(command, " ") << " in " << name << ": "
               << response.status().ToString());
  REQUIRE(response.ok());
  return ExecResult{response->exit_code(), response->stdout(), response->stderr()};
}

ExecResult Shell(KubeRuntimeManager& manager, const corev1::Pod& pod, const std::string& name,
                 const std::string& script) {
  return Exec(manager, pod, name, {"sh", "-c", script});
}

// The value of `field` ("Seccomp", "CapEff", ...) in the container's /proc/1/status.
std::string ProcStatusField(KubeRuntimeManager& manager, const corev1::Pod& pod,
                            const std::string& name, absl::string_view field) {
  ExecResult r = Exec(manager, pod, name, {"cat", "/proc/1/status"});
  REQUIRE(r.exit_code == 0);
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    if (absl::ConsumePrefix(&line, field) && absl::ConsumePrefix(&line, ":")) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  FAIL("no " << field << " in /proc/1/status of " << name << ":\n" << r.out);
  return "";
}

uint64_t Hex(const std::string& text) {
  uint64_t value = 0;
  INFO(text);
  REQUIRE(absl::SimpleHexAtoi(text, &value));
  return value;
}

constexpr uint64_t kCapNetBindService = uint64_t{1} << 10;
constexpr uint64_t kCapNetRaw = uint64_t{1} << 13;
constexpr uint64_t kCapSysAdmin = uint64_t{1} << 21;
// containerd 1.6's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID
// SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE.
constexpr uint64_t kContainerdDefaultCaps = 0x00000000a80425fb;

corev1::SecurityContext Seccomp(corev1::SeccompProfileType type,
                                std::optional<std::string> localhost = std::nullopt) {
  corev1::SecurityContext sc;
  sc.seccomp_profile = corev1::SeccompProfile{type, std::move(localhost)};
  return sc;
}

TEST_CASE("containerd runs each container with the seccomp profile its pod asks for") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  // A Localhost profile under the manager's seccomp root that denies only mkdir.
  const std::string profile_dir = manager.options().root_dir + "/seccomp/krl-test";
  std::filesystem::create_directories(profile_dir);
  {
    std::ofstream profile(profile_dir + "/deny-mkdir.json");
    profile << R"({"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})";
  }
  corev1::Pod pod = Pod(
      "seccomp",
      {Busybox("runtime-default", Seccomp(corev1::SeccompProfileType::kRuntimeDefault)),
       Busybox("unconfined", Seccomp(corev1::SeccompProfileType::kUnconfined)), Busybox("unset"),
       Busybox("localhost",
               Seccomp(corev1::SeccompProfileType::kLocalhost, "krl-test/deny-mkdir.json"))});
  RunUntilAllRunning(manager, pod);

  CHECK(ProcStatusField(manager, pod, "runtime-default", "Seccomp") == "2");
  CHECK(ProcStatusField(manager, pod, "unconfined", "Seccomp") == "0");
  // No profile and seccompDefault off (the kubelet's default): unconfined.
  CHECK(ProcStatusField(manager, pod, "unset", "Seccomp") == "0");
  CHECK(ProcStatusField(manager, pod, "localhost", "Seccomp") == "2");
  // The Localhost profile's one rule: mkdir fails with EPERM, everything else works.
  ExecResult mkdir = Shell(manager, pod, "localhost", "mkdir /tmp/denied");
  CHECK(mkdir.exit_code != 0);
  CHECK_THAT(mkdir.err, Catch::Contains("Operation not permitted"));
  CHECK(Shell(manager, pod, "localhost", "test -e /tmp/denied").exit_code != 0);
  CHECK(Shell(manager, pod, "localhost", "touch /tmp/allowed && ls /tmp/allowed").exit_code == 0);
  // The same mkdir elsewhere in the pod works: the rule is the profile's.
  CHECK(Shell(manager, pod, "unset", "mkdir /tmp/made").exit_code == 0);
  CHECK(Shell(manager, pod, "runtime-default", "mkdir /tmp/made").exit_code == 0);
  Cleanup(manager, pod);
}

TEST_CASE(
    "with seccompDefault containerd runs a container whose pod names no profile with "
    "RuntimeDefault") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& with_default = *TheNode().seccomp_default_manager;
  corev1::Pod pod = Pod(
      "seccomp-default",
      {Busybox("unset"), Busybox("unconfined", Seccomp(corev1::SeccompProfileType::kUnconfined))});
  RunUntilAllRunning(with_default, pod);
  CHECK(ProcStatusField(with_default, pod, "unset", "Seccomp") == "2");
  CHECK(ProcStatusField(with_default, pod, "unconfined", "Seccomp") == "0");
  Cleanup(with_default, pod);
}

TEST_CASE(
    "allowPrivilegeEscalation false sets no_new_privs on containerd and unset leaves it off") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::SecurityContext no_escalation;
  no_escalation.allow_privilege_escalation = false;
  corev1::Pod pod = Pod("nnp", {Busybox("default"), Busybox("no-escalation", no_escalation)});
  RunUntilAllRunning(manager, pod);
  CHECK(ProcStatusField(manager, pod, "no-escalation", "NoNewPrivs") == "1");
  CHECK(ProcStatusField(manager, pod, "default", "NoNewPrivs") == "0");
  Cleanup(manager, pod);
}

TEST_CASE("containerd gives a container exactly the capabilities left after drop and add") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::SecurityContext net_bind_only;
  net_bind_only.capabilities = corev1::Capabilities{{"NET_BIND_SERVICE"}, {"ALL"}};
  corev1::SecurityContext drop_net_raw;
  drop_net_raw.capabilities = corev1::Capabilities{{}, {"NET_RAW"}};
  corev1::Pod pod = Pod("caps", {Busybox("default"), Busybox("net-bind-only", net_bind_only),
                                 Busybox("no-net-raw", drop_net_raw)});
  RunUntilAllRunning(manager, pod);
  // drop ALL + add NET_BIND_SERVICE: that one bit, effective and bounding.
  CHECK(Hex(ProcStatusField(manager, pod, "net-bind-only", "CapEff")) == kCapNetBindService);
  CHECK(Hex(ProcStatusField(manager, pod, "net-bind-only", "CapBnd")) == kCapNetBindService);
  // No capabilities field: containerd's default set, without CAP_SYS_ADMIN.
  CHECK(Hex(ProcStatusField(manager, pod, "default", "CapEff")) == kContainerdDefaultCaps);
  CHECK((kContainerdDefaultCaps & kCapSysAdmin) == 0);
  // drop NET_RAW: the default set less that bit.
  const uint64_t no_net_raw = Hex(ProcStatusField(manager, pod, "no-net-raw", "CapEff"));
  CHECK((no_net_raw & kCapNetRaw) == 0);
  CHECK(no_net_raw == (kContainerdDefaultCaps & ~kCapNetRaw));
  Cleanup(manager, pod);
}

TEST_CASE(
    "readOnlyRootFilesystem on containerd refuses writes to / but not to a mounted emptyDir") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::SecurityContext read_only;
  read_only.read_only_root_filesystem = true;
  corev1::Container container = Busybox("read-only", read_only);
  corev1::VolumeMount scratch;
  scratch.name = "scratch";
  scratch.mount_path = "/scratch";
  container.volume_mounts.push_back(scratch);
  corev1::Pod pod = Pod("read-only", {container, Busybox("writable")});
  corev1::Volume volume;
  volume.name = "scratch";
  volume.empty_dir = corev1::EmptyDirVolumeSource{};
  pod.spec.volumes.push_back(volume);
  RunUntilAllRunning(manager, pod);
  ExecResult root = Shell(manager, pod, "read-only", "touch /probe");
  CHECK(root.exit_code != 0);
  CHECK_THAT(root.err, Catch::Contains("Read-only file system"));
  CHECK(Shell(manager, pod, "read-only", "touch /scratch/probe").exit_code == 0);
  CHECK(Shell(manager, pod, "writable", "touch /probe").exit_code == 0);
  Cleanup(manager, pod);
}

TEST_CASE(
    "procMount Default on containerd masks the kernel's /proc files and makes /proc/sys "
    "read-only") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::SecurityContext proc_default;
  proc_default.proc_mount = corev1::ProcMountType::kDefault;
  // Root with containerd's default capabilities: only the mounts stand in the way.
  corev1::Pod pod = Pod("proc", {Busybox("unset"), Busybox("default", proc_default)});
  RunUntilAllRunning(manager, pod);
  // Masked files read empty (/dev/null is mounted over them) though the host's have content;
  // /proc/kcore is not in this kernel (CONFIG_PROC_KCORE off), so it is checked only where it is.
  std::vector<std::string> masked = {"/proc/timer_list"};
  if (std::filesystem::exists("/proc/kcore")) masked.push_back("/proc/kcore");
  for (const std::string& path : masked) {
    INFO(path << " on the host");
    std::ifstream host(path);
    REQUIRE(host.get() != std::char_traits<char>::eof());
  }
  for (const char* name : {"unset", "default"}) {
    INFO("container " << name);
    for (const std::string& path : masked) {
      INFO(path);
      ExecResult read =
          Shell(manager, pod, name, absl::StrCat("test -e ", path, " && cat ", path, " | wc -c"));
      CHECK(read.exit_code == 0);
      CHECK(absl::StripAsciiWhitespace(read.out) == "0");
      CHECK(Shell(manager, pod, name, absl::StrCat("grep -q ' ", path, " ' /proc/mounts"))
                .exit_code == 0);
    }
    // A masked folder is an empty read-only tmpfs.
    CHECK(Shell(manager, pod, name, "ls -A /sys/firmware").out.empty());
    ExecResult sys = Shell(manager, pod, name, "echo 1 > /proc/sys/kernel/shm_rmid_forced");
    CHECK(sys.exit_code != 0);
    CHECK_THAT(sys.err, Catch::Contains("Read-only file system"));
    CHECK(Shell(manager, pod, name, "grep -q ' /proc/sys proc ro,' /proc/mounts").exit_code == 0);
  }
  Cleanup(manager, pod);
}

TEST_CASE(
    "containerd runs a container as runAsUser and runAsGroup with fsGroup and supplementalGroups") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::Pod pod = Pod("ids", {Busybox("a")});
  pod.spec.security_context.run_as_user = 1234;
  pod.spec.security_context.run_as_group = 2345;
  pod.spec.security_context.fs_group = 4567;
  pod.spec.security_context.supplemental_groups = {3456};
  pod.spec.security_context.run_as_non_root = true;
  RunUntilAllRunning(manager, pod);

  CHECK(absl::StripAsciiWhitespace(Exec(manager, pod, "a", {"id", "-u"}).out) == "1234");
  CHECK(absl::StripAsciiWhitespace(Exec(manager, pod, "a", {"id", "-g"}).out) == "2345");
  std::set<std::string> groups;
  for (absl::string_view g :
       absl::StrSplit(Exec(manager, pod, "a", {"id", "-G"}).out, ' ', absl::SkipWhitespace())) {
    groups.emplace(absl::StripAsciiWhitespace(g));
  }
  CHECK(groups == std::set<std::string>{"2345", "3456", "4567"});
  // The main process itself, not only what exec starts.
  CHECK_THAT(ProcStatusField(manager, pod, "a", "Uid"), Catch::StartsWith("1234\t1234"));
  CHECK_THAT(ProcStatusField(manager, pod, "a", "Gid"), Catch::StartsWith("2345\t2345"));
  std::set<std::string> proc_groups;
  for (absl::string_view g :
       absl::StrSplit(ProcStatusField(manager, pod, "a", "Groups"), ' ', absl::SkipWhitespace())) {
    proc_groups.emplace(g);
  }
  CHECK(proc_groups.count("3456") == 1);
  CHECK(proc_groups.count("4567") == 1);
  CHECK(proc_groups.count("0") == 0);
  Cleanup(manager, pod);
}

TEST_CASE("a runAsNonRoot container whose image runs as root is not created on containerd") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::SecurityContext non_root;
  non_root.run_as_non_root = true;
  corev1::Pod pod = Pod("non-root", {Busybox("root-image", non_root)});

  container::PodSyncResult result = manager.SyncPod(pod, Status(manager, pod));
  INFO(result.Error().ToString());
  const container::SyncResult* start = nullptr;
  for (const container::SyncResult& step : result.steps) {
    if (step.action == container::SyncAction::kStartContainer && step.target == "root-image") {
      start = &step;
    }
  }
  REQUIRE(start != nullptr);
  CHECK(start->error == container::kErrCreateContainerConfig);
  CHECK_THAT(start->message,
             Catch::StartsWith("container has runAsNonRoot and image will run as root"));
  CHECK_THAT(start->message, Catch::Contains("root-image"));
  // Nothing was created in containerd: the sandbox alone exists.
  container::PodStatus status = Status(manager, pod);
  CHECK(status.sandbox_statuses.size() == 1);
  CHECK(status.container_statuses.empty());
  corev1::PodStatus api = manager.GenerateAPIPodStatus(pod, status);
  REQUIRE(api.container_statuses.size() == 1);
  REQUIRE(api.container_statuses[0].state.waiting);
  CHECK(api.container_statuses[0].state.waiting->reason == "CreateContainerConfigError");
  Cleanup(manager, pod);
}

TEST_CASE("a pod's safe sysctl is set in its own namespace and not on the host") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  // kernel.shm_rmid_forced lives in the IPC namespace, which the pod has even on the host network
  // (the harness has no CNI, so net.* sysctls would be the node's and runc refuses them).
  const std::string host_before = [] {
    std::ifstream in("/proc/sys/kernel/shm_rmid_forced");
    std::string v;
    in >> v;
    return v;
  }();
  REQUIRE(!host_before.empty());
  const std::string wanted = host_before == "1" ? "0" : "1";
  corev1::Pod pod = Pod("sysctl", {Busybox("a")});
  pod.spec.security_context.sysctls = {corev1::Sysctl{"kernel.shm_rmid_forced", wanted}};
  RunUntilAllRunning(manager, pod);

  ExecResult inside = Exec(manager, pod, "a", {"cat", "/proc/sys/kernel/shm_rmid_forced"});
  CHECK(inside.exit_code == 0);
  CHECK(absl::StripAsciiWhitespace(inside.out) == wanted);
  ExecResult sysctl = Exec(manager, pod, "a", {"sysctl", "-n", "kernel.shm_rmid_forced"});
  CHECK(absl::StripAsciiWhitespace(sysctl.out) == wanted);
  std::ifstream host("/proc/sys/kernel/shm_rmid_forced");
  std::string host_after;
  host >> host_after;
  CHECK(host_after == host_before);
  Cleanup(manager, pod);
}

TEST_CASE("an AppArmor pod is refused on this host, which lacks AppArmor") {
  // The "host lacks it" path: containerd with AppArmor disabled in the kernel cannot enforce a
  // profile, so the admission refuses the pod before it reaches the runtime.
  const absl::Status host = admission::AppArmorAdmitHandler::HostStatus();
  if (host.ok()) {
    WARN("SKIPPED: this host enforces AppArmor; the refusal path does not apply");
    return;
  }
  corev1::Pod pod = Pod("apparmor", {Busybox("a")});
  pod.spec.security_context.app_armor_profile =
      corev1::AppArmorProfile{corev1::AppArmorProfileType::kRuntimeDefault, std::nullopt};
  admission::AdmitResult result = admission::AppArmorAdmitHandler(host).Admit(pod);
  CHECK_FALSE(result.admit);
  CHECK(result.reason == "AppArmor");
  CHECK_THAT(result.message, Catch::StartsWith("Cannot enforce AppArmor"));
  // Unconfined asks nothing of the host.
  pod.spec.security_context.app_armor_profile->type = corev1::AppArmorProfileType::kUnconfined;
  CHECK(admission::AppArmorAdmitHandler(host).Admit(pod).admit);
}

TEST_CASE("containerd refuses to create an AppArmor RuntimeDefault container on this host") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  if (admission::AppArmorAdmitHandler::HostStatus().ok()) {
    WARN("SKIPPED: this host enforces AppArmor; the refusal path does not apply");
    return;
  }
  // Past admission (an embedder without it), the runtime is the last line: it must not run the
  // container unconfined.
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::SecurityContext apparmor;
  apparmor.app_armor_profile =
      corev1::AppArmorProfile{corev1::AppArmorProfileType::kRuntimeDefault, std::nullopt};
  corev1::Pod pod = Pod("apparmor-runtime", {Busybox("a", apparmor)});
  container::PodSyncResult result = manager.SyncPod(pod, Status(manager, pod));
  INFO(result.Error().ToString());
  const container::SyncResult* start = nullptr;
  for (const container::SyncResult& step : result.steps) {
    if (step.action == container::SyncAction::kStartContainer && step.target == "a") start = &step;
  }
  REQUIRE(start != nullptr);
  CHECK(start->error == "CreateContainerError");
  CHECK_THAT(start->message, Catch::Contains("apparmor is not supported"));
  CHECK(Status(manager, pod).container_statuses.empty());
  Cleanup(manager, pod);
}

TEST_CASE(
    "downward API env, the managed /etc/hosts and a memory emptyDir appear inside on containerd") {
  KRL_SKIP_WITHOUT_CONTAINERD();
  KubeRuntimeManager& manager = *TheNode().manager;
  corev1::Container c = Busybox("a");
  auto field = [](const std::string& name, const std::string& path) {
    corev1::EnvVar e;
    e.name = name;
    e.value_from.emplace().field_ref = corev1::ObjectFieldSelector{"v1", path};
    return e;
  };
  c.env = {field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"),
           field("POD_UID", "metadata.uid"), field("POD_IP", "status.podIP")};
  corev1::EnvVar memory;
  memory.name = "MEMORY_LIMIT_MI";
  memory.value_from.emplace().resource_field_ref =
      corev1::ResourceFieldSelector{"", "limits.memory", *corev1::ParseQuantity("1Mi")};
  c.env.push_back(memory);
  c.resources.limits.memory = *corev1::ParseQuantity("96Mi");
  corev1::VolumeMount cache;
  cache.name = "cache";
  cache.mount_path = "/cache";
  c.volume_mounts.push_back(cache);
  corev1::Pod pod = Pod("downward", {c});
  corev1::Volume volume;
  volume.name = "cache";
  volume.empty_dir =
      corev1::EmptyDirVolumeSource{corev1::StorageMedium::kMemory, *corev1::ParseQuantity("16Mi")};
  pod.spec.volumes.push_back(volume);
  pod.spec.host_aliases = {corev1::HostAlias{"198.18.0.77", {"foo.test", "bar.test"}}};
  RunUntilAllRunning(manager, pod);

  {
    INFO("fieldRef and resourceFieldRef env");
    CHECK(Shell(manager, pod, "a", "echo \"$POD_NAME\"").out == "downward\n");
    CHECK(Shell(manager, pod, "a", "echo \"$POD_NAMESPACE\"").out == "krl-sec\n");
    CHECK(Shell(manager, pod, "a", "echo \"$POD_UID\"").out == pod.metadata.uid + "\n");
    // A host-network pod's IP is the node's.
    CHECK(Shell(manager, pod, "a", "echo \"$POD_IP\"").out == absl::StrCat(kNodeIP, "\n"));
    CHECK(Shell(manager, pod, "a", "echo \"$MEMORY_LIMIT_MI\"").out == "96\n");
  }
  {
    INFO("/etc/hosts: the node's file under the kubelet's header, then the hostAliases");
    CHECK(Exec(manager, pod, "a", {"cat", "/etc/hosts"}).out ==
          absl::StrCat("# Kubernetes-managed hosts file (host network).\n", kNodeHosts,
                       "\n# Entries added by HostAliases.\n198.18.0.77\tfoo.test\tbar.test\n"));
  }
  {
    INFO("a medium Memory emptyDir is a tmpfs of its sizeLimit");
    ExecResult mounts = Shell(manager, pod, "a", "grep ' /cache ' /proc/mounts");
    CHECK(mounts.exit_code == 0);
    CHECK_THAT(mounts.out, Catch::Contains(" /cache tmpfs rw"));
    CHECK_THAT(mounts.out, Catch::Contains("size=16384k"));
    ExecResult df = Shell(manager, pod, "a", "df -k /cache | tail -1");
    INFO(df.out);
    std::vector<std::string> columns = absl::StrSplit(df.out, ' ', absl::SkipWhitespace());
    REQUIRE(columns.size() >= 2);
    CHECK(columns[1] == "16384");
    CHECK(Shell(manager, pod, "a", "echo x > /cache/file && cat /cache/file").out == "x\n");
  }
  Cleanup(manager, pod);
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
