// HttpProbe: the httpGet probe. One GET; a status from 200 to 399 is success, any other status or
// no answer within the timeout is failure.
//
//   HttpProbeRequest request{corev1::URIScheme::kHTTP, "127.0.0.1", 8080, "/healthz"};
//   ProbeOutcome outcome = HttpProbe(request, absl::Seconds(1));
//   // kFailure, "HTTP probe failed with statuscode: 500"
//
// As the kubelet sends it: User-Agent "kube-probe/<version>" and Accept "*/*" unless the probe's
// headers set them, the probe's headers (a Host header replaces the request's host), the path as
// given ("/" when empty). HTTPS does not verify the server's certificate (the kubelet skips
// verification too: probes check liveness, not identity). Redirects are not followed: a 3xx
// answer counts as success, which is what the kubelet reports for a redirect to another host.
// At most the first kMaxHttpProbeBodyLength (10 KiB) of the body is read, as the kubelet does: the
// connection is then closed and the status code decides, so an endless body neither fills memory
// nor holds the probe. A body still arriving after `timeout` fails the probe.
//
// Thread safe; blocks up to about `timeout` for the connection and again for the answer (real
// time: a network wait, not the agent's clock).
#ifndef KRL_KUBELET_CORE_PROBER_HTTP_PROBE_H_
#define KRL_KUBELET_CORE_PROBER_HTTP_PROBE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "kubelet_core/prober/probe_types.h"

namespace krl {
namespace kubelet_core {
namespace prober {

struct HttpProbeRequest {
  corev1::URIScheme scheme = corev1::URIScheme::kHTTP;
  std::string host;
  int port = 0;
  std::string path;  // may carry a query ("/ready?full=1")
  std::vector<corev1::HTTPHeader> headers;
  std::string user_agent = std::string(kDefaultUserAgent);
};

ProbeOutcome HttpProbe(const HttpProbeRequest& request, absl::Duration timeout);

}  // namespace prober
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PROBER_HTTP_PROBE_H_
