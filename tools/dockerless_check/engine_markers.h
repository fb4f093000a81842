// Everything the migration check knows that names Docker, in one place: where its engine and the
// old dockershim keep sockets and state, its client programs, and where CRI runtimes listen.
//
// The strings in engine_markers.cc are the entries of tools/dockerless/allowlist.txt scoped to
// tools/dockerless_check/: a migration check has to name what it looks for, and the verifier lets
// exactly these strings through, in this tool only.
//
//   if (const HostPathMarker* marker = FindEngineHostPath("/var/lib/docker/containers")) {
//     std::cout << marker->what << "\n";
//   }
#ifndef KRL_TOOLS_DOCKERLESS_CHECK_ENGINE_MARKERS_H_
#define KRL_TOOLS_DOCKERLESS_CHECK_ENGINE_MARKERS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace krl::tools::dockerless_check {

// A host path whose use ties a pod to Docker Engine or the dockershim.
struct HostPathMarker {
  absl::string_view path;  // normalized: no trailing '/', no '//'
  absl::string_view what;  // why it matters, for the report
};

absl::Span<const HostPathMarker> EngineHostPaths();

// The marker `path` (normalized) equals or lies under, or nullptr.
const HostPathMarker* FindEngineHostPath(absl::string_view path);

// Whether a program name (the basename of a command word) is one of Docker's client programs.
bool IsEngineClientProgram(absl::string_view basename);

// Whether an image reference names Docker's client image (`docker:24-cli`, `docker:dind`,
// `library/docker`) or one of Docker's own tool images (`docker/compose`). Images merely hosted
// on Docker Hub (`docker.io/library/nginx`) are not.
bool IsEngineClientImage(absl::string_view image);
// What IsEngineClientImage matched, for the report.
absl::string_view EngineClientImageWhat();

// The environment variable that points a client at an engine.
absl::string_view EngineHostVariable();

// A CRI runtime's usual socket.
struct KnownSocket {
  absl::string_view runtime;  // "containerd", "CRI-O", ...
  absl::string_view path;
};

// containerd, CRI-O and cri-dockerd at their usual paths, in the order they are preferred.
absl::Span<const KnownSocket> WellKnownCriSockets();

// The socket the dockershim served, and what to tell a user who still has one.
absl::string_view ShimSocketPath();
absl::string_view ShimSocketAdvice();

// Docker Engine's own API socket (not a CRI endpoint), and the note printed when it exists.
absl::string_view EngineSocketPath();
absl::string_view EngineSocketNote();

}  // namespace krl::tools::dockerless_check

#endif  // KRL_TOOLS_DOCKERLESS_CHECK_ENGINE_MARKERS_H_
