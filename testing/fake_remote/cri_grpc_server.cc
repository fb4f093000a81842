#include "testing/fake_remote/cri_grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "api/cri/v1/cri.h"

namespace krl {
namespace testing {
namespace {

// The kubelet's default limit; large lists of containers exceed gRPC's 4 MiB default.
constexpr int kMaxMessageBytes = 16 * 1024 * 1024;
// How often an event stream handler notices a cancelled client or a shutdown.
constexpr absl::Duration kEventPollInterval = absl::Milliseconds(50);

// absl and gRPC share the canonical code numbers.
grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

template <typename Response>
grpc::Status Answer(absl::StatusOr<Response> result, Response* response) {
  if (!result.ok()) return ToGrpc(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

// Events of one GetContainerEvents call, handed from the subscription's thread to the gRPC one.
class EventQueue {
 public:
  void Push(cri::ContainerEventResponse event) {
    krl::MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }
  void Finish(const absl::Status& status) {
    krl::MutexLock lock(&mu_);
    done_ = status;
  }
  // Waits up to `timeout` for something to do; moves out the queued events.
  std::deque<cri::ContainerEventResponse> Take(absl::Duration timeout,
                                               std::optional<absl::Status>* done) {
    krl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !events_.empty() || done_.has_value();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    *done = done_;
    return std::exchange(events_, {});
  }

 private:
  krl::Mutex mu_;
  std::deque<cri::ContainerEventResponse> events_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> done_ ABSL_GUARDED_BY(mu_);
};

#define KRL_UNARY(Method)                                                        \
  grpc::Status Method(grpc::ServerContext*, const cri::Method##Request* request, \
                      cri::Method##Response* response) override {                \
    return Answer(service_->Method(*request), response);                         \
  }

#define KRL_SERVER_STREAM(Method)                                                        \
  grpc::Status Method(grpc::ServerContext* context, const cri::Method##Request* request, \
                      grpc::ServerWriter<cri::Method##Response>* writer) override {      \
    return ToGrpc(service_->Method(*request, [&](cri::Method##Response&& message) {      \
      if (!context->IsCancelled()) writer->Write(message);                               \
    }));                                                                                 \
  }

class RuntimeServiceImpl final : public cri::RuntimeService::Service {
 public:
  RuntimeServiceImpl(runtime::RuntimeService* service, const std::atomic<bool>* stopping,
                     std::atomic<int>* open_streams)
      : service_(service), stopping_(stopping), open_streams_(open_streams) {}

  KRL_UNARY(Version)
  KRL_UNARY(RunPodSandbox)
  KRL_UNARY(StopPodSandbox)
  KRL_UNARY(RemovePodSandbox)
  KRL_UNARY(PodSandboxStatus)
  KRL_UNARY(ListPodSandbox)
  KRL_SERVER_STREAM(StreamPodSandboxes)
  KRL_UNARY(CreateContainer)
  KRL_UNARY(StartContainer)
  KRL_UNARY(StopContainer)
  KRL_UNARY(RemoveContainer)
  KRL_UNARY(ListContainers)
  KRL_SERVER_STREAM(StreamContainers)
  KRL_UNARY(ContainerStatus)
  KRL_UNARY(UpdateContainerResources)
  KRL_UNARY(ReopenContainerLog)
  KRL_UNARY(ExecSync)
  KRL_UNARY(Exec)
  KRL_UNARY(Attach)
  KRL_UNARY(PortForward)
  KRL_UNARY(ContainerStats)
  KRL_UNARY(ListContainerStats)
  KRL_SERVER_STREAM(StreamContainerStats)
  KRL_UNARY(PodSandboxStats)
  KRL_UNARY(ListPodSandboxStats)
  KRL_SERVER_STREAM(StreamPodSandboxStats)
  KRL_UNARY(UpdateRuntimeConfig)
  KRL_UNARY(Status)
  KRL_UNARY(CheckpointContainer)
  KRL_UNARY(CheckpointPod)
  KRL_UNARY(RestorePod)
  KRL_UNARY(ListMetricDescriptors)
  KRL_UNARY(ListPodSandboxMetrics)
  KRL_SERVER_STREAM(StreamPodSandboxMetrics)
  KRL_UNARY(RuntimeConfig)
  KRL_UNARY(UpdatePodSandboxResources)

  grpc::Status GetContainerEvents(
      grpc::ServerContext* context, const cri::GetEventsRequest* request,
      grpc::ServerWriter<cri::ContainerEventResponse>* writer) override {
    auto queue = std::make_shared<EventQueue>();
    absl::StatusOr<std::unique_ptr<runtime::ContainerEventSubscription>> subscription =
        service_->GetContainerEvents(
            *request,
            {[queue](cri::ContainerEventResponse event) { queue->Push(std::move(event)); },
             [queue](const absl::Status& status) { queue->Finish(status); }});
    if (!subscription.ok()) return ToGrpc(subscription.status());
    open_streams_->fetch_add(1);
    grpc::Status result;
    while (true) {
      std::optional<absl::Status> done;
      std::deque<cri::ContainerEventResponse> events = queue->Take(kEventPollInterval, &done);
      bool client_gone = false;
      for (const cri::ContainerEventResponse& event : events) {
        if (!writer->Write(event)) {
          client_gone = true;
          break;
        }
      }
      if (client_gone || context->IsCancelled()) {
        result = grpc::Status(grpc::StatusCode::CANCELLED, "event stream cancelled by the client");
        break;
      }
      if (done.has_value()) {
        // The service ended the stream; OK only if someone cancelled the subscription itself.
        result = ToGrpc(*done);
        break;
      }
      if (stopping_->load()) {
        result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "CRI server shutting down");
        break;
      }
    }
    subscription->reset();  // cancels and waits for the delivery thread
    open_streams_->fetch_sub(1);
    return result;
  }

 private:
  runtime::RuntimeService* const service_;
  const std::atomic<bool>* const stopping_;
  std::atomic<int>* const open_streams_;
};

class ImageServiceImpl final : public cri::ImageService::Service {
 public:
  explicit ImageServiceImpl(runtime::ImageService* service) : service_(service) {}

  KRL_UNARY(ListImages)
  KRL_SERVER_STREAM(StreamImages)
  KRL_UNARY(ImageStatus)
  KRL_UNARY(PullImage)
  KRL_UNARY(RemoveImage)
  KRL_UNARY(ImageFsInfo)

 private:
  runtime::ImageService* const service_;
};

#undef KRL_UNARY
#undef KRL_SERVER_STREAM

bool IsSocket(const std::string& path) {
  struct stat info;
  return ::lstat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode);
}

}  // namespace

CriGrpcServer::CriGrpcServer(runtime::RuntimeService* runtime, runtime::ImageService* images)
    : runtime_(runtime), images_(images) {}

CriGrpcServer::~CriGrpcServer() { Shutdown(absl::Seconds(1)); }

absl::Status CriGrpcServer::Start(absl::string_view endpoint) {
  absl::string_view path = endpoint;
  absl::ConsumePrefix(&path, "unix://");
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CRI server endpoint \"", endpoint, "\" must be unix:///absolute/path or /absolute/path"));
  }
  if (path.size() >= 108) {
    return absl::InvalidArgumentError(
        absl::StrCat("CRI server socket path \"", path, "\" is too long for a unix socket"));
  }
  krl::MutexLock lock(&mu_);
  if (server_ != nullptr) return absl::FailedPreconditionError("CRI server already started");
  const std::string socket_path(path);
  if (IsSocket(socket_path)) ::unlink(socket_path.c_str());  // left by a crashed server
  stopping_ = false;
  auto runtime_service =
      std::make_unique<RuntimeServiceImpl>(runtime_, &stopping_, &open_event_streams_);
  std::unique_ptr<ImageServiceImpl> image_service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + socket_path, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(runtime_service.get());
  if (images_ != nullptr) {
    image_service = std::make_unique<ImageServiceImpl>(images_);
    builder.RegisterService(image_service.get());
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("CRI server cannot listen on \"", socket_path, "\""));
  }
  server_ = std::move(server);
  runtime_service_ = std::move(runtime_service);
  image_service_ = std::move(image_service);
  socket_path_ = socket_path;
  return absl::OkStatus();
}

void CriGrpcServer::Shutdown(absl::Duration deadline) {
  krl::MutexLock lock(&mu_);
  if (server_ == nullptr) return;
  stopping_ = true;  // event stream handlers end within one poll interval
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
  server_.reset();
  runtime_service_.reset();
  image_service_.reset();
  if (IsSocket(socket_path_)) ::unlink(socket_path_.c_str());
  socket_path_.clear();
}

std::string CriGrpcServer::endpoint() const {
  krl::MutexLock lock(&mu_);
  return socket_path_.empty() ? "" : "unix://" + socket_path_;
}

std::string CriGrpcServer::socket_path() const {
  krl::MutexLock lock(&mu_);
  return socket_path_;
}

}  // namespace testing
}  // namespace krl
