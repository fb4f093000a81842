// RemoteContainerEventSubscription: a GetContainerEvents stream read on its own thread.
//
// Created by RemoteRuntimeService::GetContainerEvents; users hold it as a
// runtime::ContainerEventSubscription.
//
//   auto sub = RemoteContainerEventSubscription::Start(stub, request, std::move(handlers));
//   ...                 // handlers.on_event runs per event on the subscription's thread
//   sub->Cancel();      // handlers.on_done(OK) follows; the destructor joins the thread
//
// Threads: Start and Cancel from any thread (Cancel not from the handlers); the handlers run on
// the subscription's thread only, one at a time. No lock: the context's TryCancel is thread safe
// and the cancelled flag is atomic.
#ifndef KRL_RUNTIME_REMOTE_REMOTE_CONTAINER_EVENT_SUBSCRIPTION_H_
#define KRL_RUNTIME_REMOTE_REMOTE_CONTAINER_EVENT_SUBSCRIPTION_H_

#include <grpcpp/client_context.h>

#include <atomic>
#include <memory>
#include <thread>

#include "api/cri/v1/cri.h"
#include "runtime/runtime_service.h"

namespace krl {
namespace runtime {
namespace remote {

class RemoteContainerEventSubscription final : public ContainerEventSubscription {
 public:
  // Opens the stream (the call has no deadline: it lives until cancelled) and starts reading.
  // The stub is shared so the stream may outlive the service that opened it.
  static std::unique_ptr<RemoteContainerEventSubscription> Start(
      std::shared_ptr<cri::RuntimeService::Stub> stub, const cri::GetEventsRequest& request,
      ContainerEventHandlers handlers);

  // Cancels the stream and waits for the thread (and so for the handlers) to finish.
  ~RemoteContainerEventSubscription() override;

  void Cancel() override;

 private:
  RemoteContainerEventSubscription(std::shared_ptr<cri::RuntimeService::Stub> stub,
                                   ContainerEventHandlers handlers);
  void Run(cri::GetEventsRequest request);

  std::shared_ptr<cri::RuntimeService::Stub> stub_;
  ContainerEventHandlers handlers_;
  grpc::ClientContext context_;
  std::atomic<bool> cancelled_{false};
  std::thread thread_;
};

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REMOTE_CONTAINER_EVENT_SUBSCRIPTION_H_
