// Fuzzes the conversion of CRI status messages (status_conversion.h) with messages a runtime
// could send: the first byte selects the message type, the rest is parsed as its protobuf wire
// format (inputs that do not parse are skipped):
//   0: ContainerStatus         -> ContainerStatusFromCri, and the annotations the manager reads
//   1: PodSandboxStatus        -> PodIPsFromSandbox, and PodStatusFromEvent of an event carrying it
//   2: ContainerEventResponse  -> PodStatusFromEvent
// Properties that must hold for every message abort when violated (see Check* below).
//
// Seeds are binary messages, written as text in testdata/fuzz/status_conversion_seeds (the name's
// prefix c-, s- or e- is the selector 0, 1 or 2) and encoded with protoc from the workspace root:
//   d=kubelet_core/kuberuntime/testdata/fuzz
//   (printf '\002'; protoc -I. --encode=runtime.v1.ContainerEventResponse api/cri/v1/api.proto
//    < $d/status_conversion_seeds/e-started.txtpb) > $d/status_conversion_fuzz_test/e-started
#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "api/cri/v1/cri.h"
#include "kubelet_core/kuberuntime/labels.h"
#include "kubelet_core/kuberuntime/status_conversion.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

constexpr absl::string_view kRuntime = "containerd";

void Require(bool ok, const char* property) {
  if (ok) return;
  std::fprintf(stderr, "property violated: %s\n", property);
  std::abort();
}

void CheckContainerStatus(const cri::ContainerStatus& in, const container::ContainerStatus& out) {
  Require(out.id.type == kRuntime && out.id.id == in.id(), "the id is the runtime's, typed");
  const std::string* label = FindLabel(in.labels(), kContainerNameLabel);
  Require(out.name == (label != nullptr && !label->empty() ? *label : in.metadata().name()),
          "the name is the container name label, else the metadata name");
  Require(out.created_at == absl::FromUnixNanos(in.created_at()), "created_at is the CRI time");
  Require(out.image_ref == in.image_ref(), "image_ref is the runtime's");
  Require(!out.image_id.empty() || (in.image_id().empty() && in.image_ref().empty()),
          "an image id or ref is kept");
  if (FindLabel(in.annotations(), kContainerHashLabel) == nullptr) {
    Require(out.hash == 0, "no hash annotation, no hash");
  }
  if (FindLabel(in.annotations(), kContainerRestartCountLabel) == nullptr) {
    Require(out.restart_count == 0, "no restart count annotation, no restarts");
  }
  switch (in.state()) {
    case cri::CONTAINER_CREATED:
      Require(out.state == container::State::kCreated, "created maps to created");
      break;
    case cri::CONTAINER_RUNNING:
      Require(out.state == container::State::kRunning, "running maps to running");
      break;
    case cri::CONTAINER_EXITED:
      Require(out.state == container::State::kExited, "exited maps to exited");
      break;
    default:
      Require(out.state == container::State::kUnknown, "any other state is unknown");
  }
  if (in.state() == cri::CONTAINER_CREATED) {
    Require(out.started_at == absl::UnixEpoch(), "a created container has not started");
  }
  if (in.state() == cri::CONTAINER_EXITED) {
    Require(
        out.exit_code == in.exit_code() && out.reason == in.reason() && out.message == in.message(),
        "an exited container keeps its exit code, reason and message");
  } else {
    Require(out.exit_code == 0 && out.reason.empty() && out.message.empty() &&
                out.finished_at == absl::UnixEpoch(),
            "a container that did not exit has no exit fields");
  }
}

void CheckPodStatus(const cri::ContainerEventResponse& event,
                    const absl::StatusOr<container::PodStatus>& status) {
  const bool identified = event.has_pod_sandbox_status() &&
                          event.pod_sandbox_status().has_metadata() &&
                          !event.pod_sandbox_status().metadata().uid().empty();
  Require(status.ok() == identified, "an event converts exactly when it names its pod");
  if (!status.ok()) {
    Require(absl::IsInvalidArgument(status.status()), "a refusal is InvalidArgument");
    return;
  }
  const cri::PodSandboxStatus& sandbox = event.pod_sandbox_status();
  Require(status->id == sandbox.metadata().uid(), "the pod uid is the sandbox's");
  Require(status->sandbox_statuses.size() == 1, "one sandbox");
  Require(status->ips == PodIPsFromSandbox(sandbox), "the IPs are the sandbox's");
  Require(status->timestamp == absl::FromUnixNanos(event.created_at()), "the event's time");
  Require(
      status->container_statuses.size() == static_cast<size_t>(event.containers_statuses_size()),
      "one status per container");
  for (size_t i = 1; i < status->container_statuses.size(); ++i) {
    const container::ContainerStatus& newer = status->container_statuses[i - 1];
    const container::ContainerStatus& older = status->container_statuses[i];
    Require(newer.created_at > older.created_at || (newer.created_at == older.created_at &&
                                                    newer.restart_count >= older.restart_count),
            "containers are ordered newest first");
  }
  for (const cri::ContainerStatus& c : event.containers_statuses()) {
    CheckContainerStatus(c, ContainerStatusFromCri(kRuntime, c));
  }
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Malformed annotations are logged, and protobuf logs strings that are not UTF-8: a line per
  // input would only slow the fuzzer down.
  krl::log::SetMinimumLevel(krl::log::Level::kError);
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace krl::kubelet_core::kuberuntime;  // NOLINT: the whole API is under test
  namespace cri = krl::cri;
  if (size == 0) return 0;
  const int selector = data[0] % 3;
  const uint8_t* message = data + 1;
  const int message_size = static_cast<int>(size - 1);
  if (selector == 0) {
    cri::ContainerStatus status;
    if (!status.ParseFromArray(message, message_size)) return 0;
    CheckContainerStatus(status, ContainerStatusFromCri(kRuntime, status));
    // The manager reads the rest of the annotations (grace period, preStop hook and ports as
    // JSON) when it kills the container: runtime data too, so it must never crash either.
    (void)GetContainerInfoFromAnnotations(status.annotations());
    (void)GetContainerInfoFromLabels(status.labels());
  } else if (selector == 1) {
    cri::ContainerEventResponse event;
    if (!event.mutable_pod_sandbox_status()->ParseFromArray(message, message_size)) return 0;
    (void)GetPodSandboxInfoFromLabels(event.pod_sandbox_status().labels());
    CheckPodStatus(event, PodStatusFromEvent(kRuntime, event));
  } else {
    cri::ContainerEventResponse event;
    if (!event.ParseFromArray(message, message_size)) return 0;
    CheckPodStatus(event, PodStatusFromEvent(kRuntime, event));
  }
  return 0;
}
