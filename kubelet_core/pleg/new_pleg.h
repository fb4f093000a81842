// NewPLEG: builds the agent's PLEG: the EventedPLEG (CRI event stream, relisting as fallback and
// safety net) when asked for and a RuntimeService is given, else the GenericPLEG.
//
//   PlegOptions options;  // kind = kEvented by default
//   std::unique_ptr<PodLifecycleEventGenerator> pleg =
//       NewPLEG(options, runtime, &runtime_service, cache, RealClock::Get(), &registry);
//
// The evented kind needs no probing first: a runtime without GetContainerEvents (containerd
// before 1.7 answers Unimplemented) simply leaves the EventedPLEG relisting every second, which
// is the generic PLEG's behaviour, and it checks again every 5 minutes.
#ifndef KRL_KUBELET_CORE_PLEG_NEW_PLEG_H_
#define KRL_KUBELET_CORE_PLEG_NEW_PLEG_H_

#include <memory>

#include "kubelet_core/container/runtime.h"
#include "kubelet_core/pleg/cache.h"
#include "kubelet_core/pleg/evented_pleg.h"
#include "kubelet_core/pleg/generic_pleg.h"
#include "kubelet_core/pleg/pod_lifecycle_event_generator.h"
#include "runtime/metrics/registry.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

enum class PlegKind { kGeneric, kEvented };

struct PlegOptions {
  PlegKind kind = PlegKind::kEvented;
  // Used for kGeneric (and when kEvented has no RuntimeService).
  GenericPLEG::Options generic;
  // Used for kEvented.
  EventedPLEG::Options evented;
};

// `runtime_service` may be null (then the generic PLEG is built); `registry` may be null.
// Everything passed must outlive the PLEG. The PLEG is not started.
std::unique_ptr<PodLifecycleEventGenerator> NewPLEG(const PlegOptions& options,
                                                    container::Runtime& runtime,
                                                    runtime::RuntimeService* runtime_service,
                                                    Cache& cache, Clock& clock,
                                                    runtime::metrics::Registry* registry);

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl

#endif  // KRL_KUBELET_CORE_PLEG_NEW_PLEG_H_
