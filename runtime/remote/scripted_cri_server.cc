#include "runtime/remote/scripted_cri_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

// Blocked handlers and event streams re-check cancellation this often: the sync API has no
// cancellation callback.
constexpr absl::Duration kPollInterval = absl::Milliseconds(5);
// No handler waits longer than this, so a broken test cannot hang the server's threads forever.
constexpr absl::Duration kMaxWait = absl::Seconds(60);

}  // namespace

#define KRL_SCRIPTED_UNARY(Name)                                                     \
  grpc::Status Name(grpc::ServerContext* context, const cri::Name##Request* request, \
                    cri::Name##Response* response) override {                        \
    return server_->HandleUnary(context, #Name, *request, response);                 \
  }
#define KRL_SCRIPTED_STREAM(Name)                                                    \
  grpc::Status Name(grpc::ServerContext* context, const cri::Name##Request* request, \
                    grpc::ServerWriter<cri::Name##Response>* writer) override {      \
    return server_->HandleStream(context, #Name, *request, writer);                  \
  }

class ScriptedCriServer::RuntimeImpl final : public cri::RuntimeService::Service {
 public:
  explicit RuntimeImpl(ScriptedCriServer* server) : server_(server) {}

  KRL_SCRIPTED_UNARY(Version)
  KRL_SCRIPTED_UNARY(RunPodSandbox)
  KRL_SCRIPTED_UNARY(StopPodSandbox)
  KRL_SCRIPTED_UNARY(RemovePodSandbox)
  KRL_SCRIPTED_UNARY(PodSandboxStatus)
  KRL_SCRIPTED_UNARY(ListPodSandbox)
  KRL_SCRIPTED_STREAM(StreamPodSandboxes)
  KRL_SCRIPTED_UNARY(CreateContainer)
  KRL_SCRIPTED_UNARY(StartContainer)
  KRL_SCRIPTED_UNARY(StopContainer)
  KRL_SCRIPTED_UNARY(RemoveContainer)
  KRL_SCRIPTED_UNARY(ListContainers)
  KRL_SCRIPTED_STREAM(StreamContainers)
  KRL_SCRIPTED_UNARY(ContainerStatus)
  KRL_SCRIPTED_UNARY(UpdateContainerResources)
  KRL_SCRIPTED_UNARY(ReopenContainerLog)
  KRL_SCRIPTED_UNARY(ExecSync)
  KRL_SCRIPTED_UNARY(Exec)
  KRL_SCRIPTED_UNARY(Attach)
  KRL_SCRIPTED_UNARY(PortForward)
  KRL_SCRIPTED_UNARY(ContainerStats)
  KRL_SCRIPTED_UNARY(ListContainerStats)
  KRL_SCRIPTED_STREAM(StreamContainerStats)
  KRL_SCRIPTED_UNARY(PodSandboxStats)
  KRL_SCRIPTED_UNARY(ListPodSandboxStats)
  KRL_SCRIPTED_STREAM(StreamPodSandboxStats)
  KRL_SCRIPTED_UNARY(UpdateRuntimeConfig)
  KRL_SCRIPTED_UNARY(Status)
  KRL_SCRIPTED_UNARY(CheckpointContainer)
  KRL_SCRIPTED_UNARY(CheckpointPod)
  KRL_SCRIPTED_UNARY(RestorePod)
  KRL_SCRIPTED_UNARY(ListMetricDescriptors)
  KRL_SCRIPTED_UNARY(ListPodSandboxMetrics)
  KRL_SCRIPTED_STREAM(StreamPodSandboxMetrics)
  KRL_SCRIPTED_UNARY(RuntimeConfig)
  KRL_SCRIPTED_UNARY(UpdatePodSandboxResources)

  grpc::Status GetContainerEvents(
      grpc::ServerContext* context, const cri::GetEventsRequest*,
      grpc::ServerWriter<cri::ContainerEventResponse>* writer) override {
    return server_->HandleEvents(context, writer);
  }

 private:
  ScriptedCriServer* const server_;
};

class ScriptedCriServer::ImageImpl final : public cri::ImageService::Service {
 public:
  explicit ImageImpl(ScriptedCriServer* server) : server_(server) {}

  KRL_SCRIPTED_UNARY(ListImages)
  KRL_SCRIPTED_STREAM(StreamImages)
  KRL_SCRIPTED_UNARY(ImageStatus)
  KRL_SCRIPTED_UNARY(PullImage)
  KRL_SCRIPTED_UNARY(RemoveImage)
  KRL_SCRIPTED_UNARY(ImageFsInfo)

 private:
  ScriptedCriServer* const server_;
};

#undef KRL_SCRIPTED_UNARY
#undef KRL_SCRIPTED_STREAM

ScriptedCriServer::ScriptedCriServer(const std::string& socket_path)
    : socket_path_(socket_path),
      endpoint_(absl::StrCat("unix://", socket_path)),
      runtime_impl_(std::make_unique<RuntimeImpl>(this)),
      image_impl_(std::make_unique<ImageImpl>(this)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(endpoint_, grpc::InsecureServerCredentials());
  builder.RegisterService(runtime_impl_.get());
  builder.RegisterService(image_impl_.get());
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  builder.SetMaxSendMessageSize(-1);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    std::fprintf(stderr, "ScriptedCriServer: cannot listen on %s\n", endpoint_.c_str());
    std::abort();
  }
}

ScriptedCriServer::~ScriptedCriServer() { Shutdown(); }

void ScriptedCriServer::Shutdown() {
  {
    krl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  // A deadline of now cancels what is still running instead of waiting for it.
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  ::unlink(socket_path_.c_str());
}

ScriptedCriServer::Script& ScriptedCriServer::ScriptOf(absl::string_view rpc) {
  auto it = scripts_.find(rpc);
  if (it == scripts_.end()) it = scripts_.emplace(std::string(rpc), Script()).first;
  return it->second;
}

void ScriptedCriServer::SetResponse(absl::string_view rpc,
                                    const google::protobuf::Message& response) {
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  script.kind = Kind::kResponse;
  script.response.reset(response.New());
  script.response->CopyFrom(response);
}

void ScriptedCriServer::SetError(absl::string_view rpc, const grpc::Status& status) {
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  script.kind = Kind::kError;
  script.status = status;
}

void ScriptedCriServer::SetHandler(absl::string_view rpc, Handler handler) {
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  script.kind = Kind::kHandler;
  script.handler = std::move(handler);
}

void ScriptedCriServer::SetStreamMessages(
    absl::string_view rpc, std::vector<std::unique_ptr<google::protobuf::Message>> batches,
    const grpc::Status& status) {
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  script.kind = Kind::kStream;
  script.batches = std::move(batches);
  script.status = status;
}

void ScriptedCriServer::Reset(absl::string_view rpc) {
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  script.kind = Kind::kDefault;
  script.response.reset();
  script.handler = nullptr;
  script.batches.clear();
}

void ScriptedCriServer::Block(absl::string_view rpc) {
  krl::MutexLock lock(&mu_);
  ScriptOf(rpc).blocked = true;
}

void ScriptedCriServer::Release(absl::string_view rpc) {
  krl::MutexLock lock(&mu_);
  ScriptOf(rpc).blocked = false;
}

int ScriptedCriServer::CallCount(absl::string_view rpc) const {
  krl::MutexLock lock(&mu_);
  auto it = scripts_.find(rpc);
  return it == scripts_.end() ? 0 : it->second.calls;
}

bool ScriptedCriServer::WaitForCalls(absl::string_view rpc, int count,
                                     absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = scripts_.find(rpc);
    return it != scripts_.end() && it->second.calls >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

void ScriptedCriServer::CopyLastRequest(absl::string_view rpc,
                                        google::protobuf::Message* out) const {
  krl::MutexLock lock(&mu_);
  auto it = scripts_.find(rpc);
  if (it != scripts_.end() && it->second.last_request != nullptr) {
    out->CopyFrom(*it->second.last_request);
  }
}

std::optional<absl::Duration> ScriptedCriServer::LastDeadlineBudget(absl::string_view rpc) const {
  krl::MutexLock lock(&mu_);
  auto it = scripts_.find(rpc);
  return it == scripts_.end() ? std::nullopt : it->second.last_budget;
}

bool ScriptedCriServer::Arrive(grpc::ServerContext* context, absl::string_view rpc,
                               const google::protobuf::Message& request) {
  const auto deadline = context->deadline();
  std::optional<absl::Duration> budget;
  if (deadline != std::chrono::system_clock::time_point::max()) {
    budget = absl::FromChrono(deadline) - absl::Now();
  }
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  ++script.calls;
  script.last_request.reset(request.New());
  script.last_request->CopyFrom(request);
  script.last_budget = budget;
  const absl::Time give_up = absl::Now() + kMaxWait;
  while (script.blocked && !shut_down_ && absl::Now() < give_up) {
    if (context->IsCancelled()) return false;
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](Script* s) { return !s->blocked; }, &script),
                         kPollInterval);
  }
  return !context->IsCancelled();
}

grpc::Status ScriptedCriServer::HandleUnary(grpc::ServerContext* context, absl::string_view rpc,
                                            const google::protobuf::Message& request,
                                            google::protobuf::Message* response) {
  if (!Arrive(context, rpc, request)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled while blocked");
  }
  Handler handler;
  {
    krl::MutexLock lock(&mu_);
    Script& script = ScriptOf(rpc);
    switch (script.kind) {
      case Kind::kResponse:
        response->CopyFrom(*script.response);
        return grpc::Status::OK;
      case Kind::kError:
      case Kind::kStream:
        return script.status;
      case Kind::kHandler:
        handler = script.handler;
        break;
      case Kind::kDefault:
        if (rpc == "Version") {
          auto* version = static_cast<cri::VersionResponse*>(response);
          version->set_version("0.1.0");
          version->set_runtime_name("scripted");
          version->set_runtime_version("0.0.1");
          version->set_runtime_api_version("v1");
          return grpc::Status::OK;
        }
        if (rpc == "ImageFsInfo") return grpc::Status::OK;
        return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            absl::StrCat("method ", rpc, " not scripted"));
    }
  }
  return handler(request, response);
}

grpc::Status ScriptedCriServer::BeginStream(
    grpc::ServerContext* context, absl::string_view rpc, const google::protobuf::Message& request,
    std::vector<std::unique_ptr<google::protobuf::Message>>* batches) {
  if (!Arrive(context, rpc, request)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled while blocked");
  }
  krl::MutexLock lock(&mu_);
  Script& script = ScriptOf(rpc);
  switch (script.kind) {
    case Kind::kStream:
      for (const auto& batch : script.batches) {
        batches->emplace_back(batch->New());
        batches->back()->CopyFrom(*batch);
      }
      return grpc::Status::OK;
    case Kind::kError:
      return script.status;
    default:
      return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          absl::StrCat("method ", rpc, " not scripted"));
  }
}

grpc::Status ScriptedCriServer::EndStream(absl::string_view rpc) {
  krl::MutexLock lock(&mu_);
  return ScriptOf(rpc).status;
}

void ScriptedCriServer::PushEvent(const cri::ContainerEventResponse& event) {
  krl::MutexLock lock(&mu_);
  events_.push_back(event);
}

void ScriptedCriServer::CloseEvents(const grpc::Status& status) {
  krl::MutexLock lock(&mu_);
  events_closed_ = status;
}

bool ScriptedCriServer::WaitForEventStreams(int count, absl::Duration timeout) const {
  krl::MutexLock lock(&mu_);
  auto reached = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return event_streams_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

grpc::Status ScriptedCriServer::HandleEvents(
    grpc::ServerContext* context, grpc::ServerWriter<cri::ContainerEventResponse>* writer) {
  size_t sent = 0;
  krl::MutexLock lock(&mu_);
  ++event_streams_;
  ScriptOf("GetContainerEvents").calls++;
  grpc::Status result(grpc::StatusCode::CANCELLED, "event stream cancelled");
  while (!shut_down_ && !context->IsCancelled()) {
    if (sent < events_.size()) {
      cri::ContainerEventResponse event = events_[sent++];
      mu_.Unlock();
      const bool written = writer->Write(event);
      mu_.Lock();
      if (!written) break;
      continue;
    }
    if (events_closed_.has_value()) {
      result = *events_closed_;
      break;
    }
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return shut_down_ || sent < events_.size() || events_closed_.has_value();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), kPollInterval);
  }
  --event_streams_;
  return result;
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl
