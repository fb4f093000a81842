// EventedPlegMetrics: the EventedPLEG's stream metrics, under the kubelet's names.
//
//   runtime::metrics::Registry registry;
//   EventedPlegMetrics metrics(registry);
//   metrics.connection_success.Increment();
//
// Thread safe: the metrics are lock-free; the references live as long as the registry.
#ifndef KRL_KUBELET_CORE_PLEG_EVENTED_PLEG_METRICS_H_
#define KRL_KUBELET_CORE_PLEG_EVENTED_PLEG_METRICS_H_

#include "runtime/metrics/registry.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

struct EventedPlegMetrics {
  explicit EventedPlegMetrics(runtime::metrics::Registry& registry);

  // kubelet_evented_pleg_connection_success_count: streams opened.
  runtime::metrics::Counter& connection_success;
  // kubelet_evented_pleg_connection_error_count: streams that failed to open or broke.
  runtime::metrics::Counter& connection_errors;
  // kubelet_evented_pleg_connection_latency_seconds: from an event's creation in the runtime to
  // its processing here.
  runtime::metrics::Histogram& connection_latency;
};

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_EVENTED_PLEG_METRICS_H_
