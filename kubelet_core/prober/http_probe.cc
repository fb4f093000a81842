#include "kubelet_core/prober/http_probe.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

// The kubelet keeps this much of a probe's answer for its event message.
constexpr size_t kMaxOutputBytes = 10 * 1024;

bool HasHeader(const std::vector<corev1::HTTPHeader>& headers, absl::string_view name) {
  for (const corev1::HTTPHeader& header : headers) {
    if (absl::EqualsIgnoreCase(header.name, name)) return true;
  }
  return false;
}

std::string ErrorText(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused or unreachable";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "no answer within the timeout (or the connection was reset)";
    case httplib::Error::Write:
      return "the request could not be sent";
    case httplib::Error::SSLConnection:
      return "TLS handshake failed";
    case httplib::Error::SSLServerVerification:
      return "TLS server verification failed";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace

ProbeOutcome HttpProbe(const HttpProbeRequest& request, absl::Duration timeout) {
  const bool https = request.scheme == corev1::URIScheme::kHTTPS;
  std::unique_ptr<httplib::ClientImpl> client;
  if (https) {
    auto tls = std::make_unique<httplib::SSLClient>(request.host, request.port);
    tls->enable_server_certificate_verification(false);
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(request.host, request.port);
  }
  const auto micros = std::chrono::microseconds(absl::ToInt64Microseconds(timeout));
  client->set_connection_timeout(micros);
  client->set_read_timeout(micros);
  client->set_write_timeout(micros);
  client->set_follow_location(false);
  client->set_keep_alive(false);

  httplib::Headers headers;
  for (const corev1::HTTPHeader& header : request.headers) {
    headers.emplace(header.name, header.value);
  }
  if (!HasHeader(request.headers, "User-Agent")) headers.emplace("User-Agent", request.user_agent);
  if (!HasHeader(request.headers, "Accept")) headers.emplace("Accept", "*/*");

  std::string path = request.path.empty() ? "/" : request.path;
  if (path.front() != '/') path.insert(path.begin(), '/');
  const std::string url =
      absl::StrCat(https ? "https://" : "http://", request.host, ":", request.port, path);

  std::string body;
  httplib::Result result = client->Get(path, headers, [&body](const char* data, size_t length) {
    if (body.size() < kMaxOutputBytes)
      body.append(data, std::min(length, kMaxOutputBytes - body.size()));
    return true;  // read (and drop) the rest so the answer completes
  });
  if (!result) {
    return {ProbeResult::kFailure, absl::StrCat("Get \"", url, "\": ", ErrorText(result.error()))};
  }
  const int status = result->status;
  if (status >= 200 && status < 400) {
    if (status >= 300) {
      return {ProbeResult::kSuccess,
              absl::StrCat("Probe terminated redirects, Response body: ", body)};
    }
    return {ProbeResult::kSuccess, body};
  }
  return {ProbeResult::kFailure, absl::StrCat("HTTP probe failed with statuscode: ", status)};
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
