#include "tools/dockerless_check/runtime_probe.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "api/cri/v1/cri.h"

namespace krl::tools::dockerless_check {
namespace {

// What the kubelet sends as its own CRI API version in VersionRequest.
constexpr char kKubeletRuntimeApiVersion[] = "0.1.0";
// sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

}  // namespace

absl::StatusOr<std::string> NormalizeEndpoint(absl::string_view endpoint) {
  absl::string_view path = endpoint;
  if (!absl::ConsumePrefix(&path, "unix://") && absl::StrContains(endpoint, "://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported endpoint ", endpoint, ": CRI endpoints are unix:///path"));
  }
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint ", endpoint, " needs an absolute socket path (unix:///path)"));
  }
  return absl::StrCat("unix://", path);
}

std::string EndpointPath(absl::string_view endpoint) {
  absl::ConsumePrefix(&endpoint, "unix://");
  return std::string(endpoint);
}

RuntimeProbe ProbeRuntime(const std::string& endpoint, const std::string& dial_path,
                          absl::Duration timeout) {
  RuntimeProbe probe;
  probe.endpoint = endpoint;
  probe.dial_path = dial_path;

  struct stat st;
  if (stat(dial_path.c_str(), &st) != 0) {
    probe.error = errno == ENOENT ? "not present" : absl::StrCat("stat: ", std::strerror(errno));
    return probe;
  }
  probe.present = true;
  probe.is_socket = S_ISSOCK(st.st_mode);
  if (!probe.is_socket) {
    probe.error = "exists but is not a socket";
    return probe;
  }
  if (dial_path.size() > kMaxSocketPath) {
    probe.error = absl::StrCat("socket path longer than ", kMaxSocketPath, " bytes");
    return probe;
  }

  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel("unix://" + dial_path, grpc::InsecureChannelCredentials());
  std::unique_ptr<cri::RuntimeService::Stub> stub = cri::RuntimeService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  cri::VersionRequest request;
  request.set_version(kKubeletRuntimeApiVersion);
  cri::VersionResponse response;
  const grpc::Status status = stub->Version(&context, request, &response);
  if (!status.ok()) {
    probe.error = status.error_code() == grpc::StatusCode::UNIMPLEMENTED
                      ? "answers, but not CRI v1 (runtime.v1.RuntimeService/Version unimplemented)"
                      : absl::StrCat("Version failed: ", status.error_message(), " (code ",
                                     static_cast<int>(status.error_code()), ")");
    return probe;
  }
  probe.answered = true;
  probe.runtime_name = response.runtime_name();
  probe.runtime_version = response.runtime_version();
  probe.runtime_api_version = response.runtime_api_version();
  return probe;
}

}  // namespace krl::tools::dockerless_check
