#include "kubelet_core/pleg/new_pleg.h"

namespace krl {
namespace kubelet_core {
namespace pleg {

std::unique_ptr<PodLifecycleEventGenerator> NewPLEG(const PlegOptions& options,
                                                    container::Runtime& runtime,
                                                    runtime::RuntimeService* runtime_service,
                                                    Cache& cache, Clock& clock,
                                                    runtime::metrics::Registry* registry) {
  if (options.kind == PlegKind::kEvented && runtime_service != nullptr) {
    return std::make_unique<EventedPLEG>(runtime, *runtime_service, cache, clock, registry,
                                         options.evented);
  }
  return std::make_unique<GenericPLEG>(runtime, cache, clock, registry, options.generic);
}

}  // namespace pleg
}  // namespace kubelet_core
}  // namespace krl
