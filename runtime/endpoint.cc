#include "runtime/endpoint.h"

#include <sys/un.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/util/log.h"

namespace krl {
namespace runtime {
namespace {

constexpr absl::string_view kUnixScheme = "unix://";
constexpr absl::string_view kExpected =
    "expected unix:///absolute/path/to/socket, e.g. "
    "--container-runtime-endpoint=unix:///run/containerd/containerd.sock";

absl::Status Invalid(absl::string_view endpoint, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid container runtime endpoint \"", endpoint,
                                                 "\": ", why, "; ", kExpected));
}

absl::StatusOr<std::string> CheckSocketPath(absl::string_view endpoint, absl::string_view path) {
  if (path.empty() || path.front() != '/') {
    return Invalid(endpoint, "the socket path must be absolute");
  }
  if (path.back() == '/') {
    return Invalid(endpoint, "the socket path names a directory");
  }
  // sun_path holds the path and its terminating NUL; a longer path cannot be connected to.
  constexpr size_t kMaxPath = sizeof(sockaddr_un::sun_path) - 1;
  if (path.size() > kMaxPath) {
    return Invalid(endpoint, absl::StrCat("the socket path is ", path.size(),
                                          " bytes long; unix sockets allow at most ", kMaxPath));
  }
  return absl::StrCat(kUnixScheme, path);
}

}  // namespace

absl::StatusOr<std::string> ParseEndpoint(absl::string_view endpoint) {
  if (endpoint.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no container runtime endpoint given; ", kExpected));
  }
  if (absl::StartsWith(endpoint, kUnixScheme)) {
    absl::string_view path = endpoint.substr(kUnixScheme.size());
    if (!path.empty() && path.front() != '/') {
      return Invalid(endpoint, "unix:// must be followed by an absolute path (three slashes)");
    }
    return CheckSocketPath(endpoint, path);
  }
  if (endpoint.front() == '/') {
    absl::StatusOr<std::string> target = CheckSocketPath(endpoint, endpoint);
    if (target.ok()) {
      log::Warning("a bare path as container runtime endpoint is deprecated; use the unix:// form",
                   {{"endpoint", endpoint}, {"use", *target}});
    }
    return target;
  }
  if (absl::StartsWithIgnoreCase(endpoint, "tcp://")) {
    return Invalid(endpoint, "TCP endpoints are not supported, CRI is served on a unix socket");
  }
  if (absl::StartsWithIgnoreCase(endpoint, "npipe://")) {
    return Invalid(endpoint, "named pipes are Windows endpoints, on Linux use a unix socket");
  }
  if (absl::StrContains(endpoint, "://")) {
    return Invalid(endpoint, "unsupported scheme");
  }
  return Invalid(endpoint, "a relative path is not an endpoint");
}

}  // namespace runtime
}  // namespace krl
