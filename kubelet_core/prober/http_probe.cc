#include "kubelet_core/prober/http_probe.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kubelet_core/prober/limits.h"
#include "runtime/util/log.h"

namespace krl {
namespace kubelet_core {
namespace prober {
namespace {

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

  // Reading stops at the body limit or the deadline; httplib then reports the request as
  // canceled and drops the response, so the status code is kept from the headers.
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  bool truncated = false;
  bool late = false;
  std::string body;
  httplib::Result result = client->Get(
      path, headers,
      [&status](const httplib::Response& response) {
        status = response.status;
        return true;
      },
      [&](const char* data, size_t length) {
        if (body.size() + length > kMaxHttpProbeBodyLength) {
          body.append(data, kMaxHttpProbeBodyLength - body.size());
          truncated = true;
          return false;
        }
        body.append(data, length);
        if (absl::Now() > deadline) {
          late = true;
          return false;
        }
        return true;
      });
  if (late) {
    return {ProbeResult::kFailure,
            absl::StrCat("Get \"", url, "\": the response body was still arriving after ",
                         absl::FormatDuration(timeout))};
  }
  if (!result && !(truncated && result.error() == httplib::Error::Canceled)) {
    return {ProbeResult::kFailure, absl::StrCat("Get \"", url, "\": ", ErrorText(result.error()))};
  }
  if (result) status = result->status;
  if (truncated) {
    log::Debug("HTTP probe body truncated", {{"url", url}, {"kept", kMaxHttpProbeBodyLength}});
  }
  if (status >= 200 && status < 400) {
    if (status >= 300) {
      return {ProbeResult::kSuccess,
              absl::StrCat("Probe terminated redirects, Response body: ", body), truncated};
    }
    return {ProbeResult::kSuccess, std::move(body), truncated};
  }
  return {ProbeResult::kFailure, absl::StrCat("HTTP probe failed with statuscode: ", status),
          truncated};
}

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl
