#include "runtime/remote/remote_container_event_subscription.h"

#include <utility>

#include "runtime/grpc_status.h"
#include "runtime/util/log.h"

namespace krl {
namespace runtime {
namespace remote {

std::unique_ptr<RemoteContainerEventSubscription> RemoteContainerEventSubscription::Start(
    std::shared_ptr<cri::RuntimeService::Stub> stub, const cri::GetEventsRequest& request,
    ContainerEventHandlers handlers) {
  std::unique_ptr<RemoteContainerEventSubscription> subscription(
      new RemoteContainerEventSubscription(std::move(stub), std::move(handlers)));
  // The thread starts after construction so Run sees a fully built object.
  RemoteContainerEventSubscription* self = subscription.get();
  self->thread_ = std::thread([self, request] { self->Run(request); });
  return subscription;
}

RemoteContainerEventSubscription::RemoteContainerEventSubscription(
    std::shared_ptr<cri::RuntimeService::Stub> stub, ContainerEventHandlers handlers)
    : stub_(std::move(stub)), handlers_(std::move(handlers)) {}

RemoteContainerEventSubscription::~RemoteContainerEventSubscription() {
  Cancel();
  if (thread_.joinable()) thread_.join();
}

void RemoteContainerEventSubscription::Cancel() {
  cancelled_.store(true, std::memory_order_release);
  // Safe before the call exists too: the context then cancels the call as it starts.
  context_.TryCancel();
}

void RemoteContainerEventSubscription::Run(cri::GetEventsRequest request) {
  std::unique_ptr<grpc::ClientReader<cri::ContainerEventResponse>> reader =
      stub_->GetContainerEvents(&context_, request);
  cri::ContainerEventResponse event;
  while (reader->Read(&event)) {
    if (cancelled_.load(std::memory_order_acquire)) continue;  // drain quietly after Cancel
    if (handlers_.on_event) handlers_.on_event(std::move(event));
  }
  grpc::Status finished = reader->Finish();
  absl::Status status;
  if (cancelled_.load(std::memory_order_acquire)) {
    status = absl::OkStatus();
  } else if (finished.ok()) {
    // An event stream has no natural end: the runtime went away or dropped the subscriber.
    status = absl::UnavailableError(
        "GetContainerEvents: rpc error: the runtime closed the container event stream");
  } else {
    status = FromGrpcStatus(finished, "GetContainerEvents");
  }
  if (!status.ok()) {
    log::Warning("container event stream ended", {{"error", status}});
  }
  if (handlers_.on_done) handlers_.on_done(status);
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
