#include "runtime/remote/response_validation.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

template <typename Status>
absl::Status ValidateStatusCommon(absl::string_view rpc, absl::string_view id, bool has_status,
                                  const Status& status) {
  if (!has_status) return InvalidResponse(rpc, id, "status is not set");
  if (status.id().empty()) return InvalidResponse(rpc, id, "status.id is empty");
  if (!status.has_metadata()) return InvalidResponse(rpc, id, "status.metadata is not set");
  if (status.metadata().name().empty()) {
    return InvalidResponse(rpc, id, "status.metadata.name is empty");
  }
  if (status.created_at() == 0) return InvalidResponse(rpc, id, "status.created_at is 0");
  return absl::OkStatus();
}

template <typename Item>
absl::Status ValidateWithMetadata(absl::string_view rpc,
                                  const google::protobuf::RepeatedPtrField<Item>& items) {
  for (int i = 0; i < items.size(); ++i) {
    const Item& item = items.Get(i);
    if (item.id().empty()) {
      return InvalidResponse(rpc, "", absl::StrCat("entry ", i, " has an empty id"));
    }
    if (!item.has_metadata()) {
      return InvalidResponse(rpc, "",
                             absl::StrCat("entry ", i, " (\"", item.id(), "\") has no metadata"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InvalidResponse(absl::string_view rpc, absl::string_view id, absl::string_view what) {
  std::string message(rpc);
  if (!id.empty()) absl::StrAppend(&message, " \"", id, "\"");
  absl::StrAppend(&message, ": invalid response from the runtime: ", what);
  return absl::UnknownError(message);
}

absl::Status ValidateRunPodSandbox(const cri::RunPodSandboxResponse& response,
                                   absl::string_view pod_name) {
  if (response.pod_sandbox_id().empty()) {
    return InvalidResponse("RunPodSandbox", pod_name, "pod_sandbox_id is empty");
  }
  return absl::OkStatus();
}

absl::Status ValidateCreateContainer(const cri::CreateContainerResponse& response,
                                     absl::string_view id) {
  if (response.container_id().empty()) {
    return InvalidResponse("CreateContainer", id, "container_id is empty");
  }
  return absl::OkStatus();
}

absl::Status ValidateRestorePod(const cri::RestorePodResponse& response,
                                absl::string_view checkpoint_path) {
  if (response.pod_sandbox_id().empty()) {
    return InvalidResponse("RestorePod", checkpoint_path, "pod_sandbox_id is empty");
  }
  return absl::OkStatus();
}

absl::Status ValidatePodSandboxStatus(const cri::PodSandboxStatusResponse& response,
                                      absl::string_view id) {
  return ValidateStatusCommon("PodSandboxStatus", id, response.has_status(), response.status());
}

absl::Status ValidateContainerStatus(const cri::ContainerStatusResponse& response,
                                     absl::string_view id) {
  return ValidateStatusCommon("ContainerStatus", id, response.has_status(), response.status());
}

absl::Status ValidatePodSandboxes(
    absl::string_view rpc, const google::protobuf::RepeatedPtrField<cri::PodSandbox>& items) {
  return ValidateWithMetadata(rpc, items);
}

absl::Status ValidateContainers(absl::string_view rpc,
                                const google::protobuf::RepeatedPtrField<cri::Container>& items) {
  return ValidateWithMetadata(rpc, items);
}

absl::Status ValidateImages(absl::string_view rpc,
                            const google::protobuf::RepeatedPtrField<cri::Image>& items) {
  for (int i = 0; i < items.size(); ++i) {
    if (items.Get(i).id().empty()) {
      return InvalidResponse(rpc, "", absl::StrCat("entry ", i, " has an empty id"));
    }
  }
  return absl::OkStatus();
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
