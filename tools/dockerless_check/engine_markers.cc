#include "tools/dockerless_check/engine_markers.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace krl::tools::dockerless_check {
namespace {

constexpr absl::string_view kEngineSocketWhat = "the Docker Engine API socket";
constexpr absl::string_view kEngineStateWhat = "Docker Engine's state folder";

// Most specific first: a path is reported against the first marker it falls under.
constexpr HostPathMarker kEngineHostPaths[] = {
    {"/var/run/docker.sock", kEngineSocketWhat},
    {"/run/docker.sock", kEngineSocketWhat},
    {"/var/run/dockershim.sock", "the dockershim socket, gone since Kubernetes 1.24"},
    {"/var/lib/dockershim", "the dockershim state folder, gone since Kubernetes 1.24"},
    {"/var/lib/docker",
     "Docker Engine's data folder (under a CRI runtime, container logs are in /var/log/pods)"},
    {"/var/run/docker", kEngineStateWhat},
    {"/run/docker", kEngineStateWhat},
    {"/etc/docker", "Docker Engine's configuration folder"},
};

constexpr absl::string_view kEngineClientPrograms[] = {"docker", "dockerd", "docker-compose"};

constexpr KnownSocket kWellKnownCriSockets[] = {
    {"containerd", "/run/containerd/containerd.sock"},
    {"CRI-O", "/var/run/crio/crio.sock"},
    {"cri-dockerd", "/var/run/cri-dockerd.sock"},
};

}  // namespace

absl::Span<const HostPathMarker> EngineHostPaths() { return kEngineHostPaths; }

const HostPathMarker* FindEngineHostPath(absl::string_view path) {
  for (const HostPathMarker& marker : kEngineHostPaths) {
    if (path == marker.path) return &marker;
    if (absl::StartsWith(path, marker.path) && path[marker.path.size()] == '/') return &marker;
  }
  return nullptr;
}

bool IsEngineClientProgram(absl::string_view basename) {
  for (absl::string_view program : kEngineClientPrograms) {
    if (basename == program) return true;
  }
  return false;
}

bool IsEngineClientImage(absl::string_view image) {
  // Drop the digest and the tag (a ':' after the last '/'), then the registry host if any.
  image = image.substr(0, image.find('@'));
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
    image = image.substr(0, colon);
  }
  std::vector<absl::string_view> parts = absl::StrSplit(image, '/');
  if (parts.size() > 1 && (absl::StrContains(parts.front(), ".") ||
                           absl::StrContains(parts.front(), ":") || parts.front() == "localhost")) {
    parts.erase(parts.begin());
  }
  if (parts.empty()) return false;
  // The client's own image (`docker`, `library/docker`), or any image in the Docker Hub
  // namespace of the company's tools, which bears the client's name (`docker/compose`).
  return IsEngineClientProgram(parts.back()) ||
         (parts.size() > 1 && parts.front() == kEngineClientPrograms[0]);
}

absl::string_view EngineClientImageWhat() {
  return "an image of Docker's client tools, which need a Docker Engine to talk to";
}

absl::string_view EngineHostVariable() { return "DOCKER_HOST"; }

absl::Span<const KnownSocket> WellKnownCriSockets() { return kWellKnownCriSockets; }

absl::string_view ShimSocketPath() { return "/var/run/dockershim.sock"; }

absl::string_view ShimSocketAdvice() {
  return "the dockershim is gone since Kubernetes 1.24: move everything that used its socket "
         "(kubelet flags, /etc/crictl.yaml, monitoring agents) to the CRI endpoint above";
}

absl::string_view EngineSocketPath() { return "/var/run/docker.sock"; }

absl::string_view EngineSocketNote() {
  return "Docker Engine is installed; it is not a CRI runtime: the kubelet can use it only "
         "through cri-dockerd";
}

}  // namespace krl::tools::dockerless_check
