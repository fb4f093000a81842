#include "kubelet_core/pleg/evented_pleg_metrics.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

namespace m = runtime::metrics;

EventedPlegMetrics::EventedPlegMetrics(m::Registry& registry)
    : connection_success(registry.AddCounter("kubelet_evented_pleg_connection_success_count",
                                             "The number of times a CRI event stream was opened.")),
      connection_errors(
          registry.AddCounter("kubelet_evented_pleg_connection_error_count",
                              "The number of errors opening or keeping a CRI event stream.")),
      connection_latency(registry.AddHistogram(
          "kubelet_evented_pleg_connection_latency_seconds",
          "Seconds from an event's creation in the runtime to its processing by the PLEG.",
          m::DefaultBuckets())) {}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
