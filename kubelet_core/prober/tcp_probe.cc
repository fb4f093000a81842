#include "kubelet_core/prober/tcp_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

std::string HostPort(absl::string_view host, int port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

// 0 on success, else the errno of the failure (ETIMEDOUT when the time ran out).
int ConnectOne(const struct addrinfo& address, absl::Time deadline) {
  int fd = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  address.ai_protocol);
  if (fd < 0) return errno;
  int error = 0;
  if (connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    error = errno;
    if (error == EINPROGRESS) {
      error = ETIMEDOUT;
      while (true) {
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) break;
        struct pollfd pfd = {fd, POLLOUT, 0};
        const int ms = static_cast<int>((absl::ToInt64Microseconds(left) + 999) / 1000);
        const int ready = poll(&pfd, 1, ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        socklen_t length = sizeof(error);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
        break;
      }
    }
  }
  close(fd);
  return error;
}

}  // namespace

ProbeOutcome TcpProbe(absl::string_view host, int port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string target = HostPort(host, port);
  struct addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  struct addrinfo* addresses = nullptr;
  const std::string host_text(host);
  const std::string port_text = std::to_string(port);
  const int resolved = getaddrinfo(host_text.c_str(), port_text.c_str(), &hints, &addresses);
  if (resolved != 0) {
    return {ProbeResult::kFailure,
            absl::StrCat("dial tcp ", target, ": lookup ", host, ": ", gai_strerror(resolved))};
  }
  int error = ETIMEDOUT;
  for (const struct addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    error = ConnectOne(*a, deadline);
    if (error == 0 || absl::Now() >= deadline) break;
  }
  freeaddrinfo(addresses);
  if (error == 0) return {ProbeResult::kSuccess, ""};
  if (error == ETIMEDOUT) {
    return {ProbeResult::kFailure, absl::StrCat("dial tcp ", target, ": i/o timeout")};
  }
  return {ProbeResult::kFailure, absl::StrCat("dial tcp ", target, ": ", std::strerror(error))};
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
