// Gauge: a value that goes up and down (running pods, queue depth), lock-free.
//
//   metrics::Gauge& running = registry.AddGauge("agent_running_pods", "Pods with a sandbox.");
//   running.Set(3);
//   running.Add(-1);
#ifndef KRL_RUNTIME_METRICS_GAUGE_H_
#define KRL_RUNTIME_METRICS_GAUGE_H_

#include <atomic>
#include <cstdint>
#include <cstring>

namespace krl {
namespace runtime {
namespace metrics {

// Any thread may call any method. The double is kept as its bit pattern in an atomic integer;
// Add is a compare-and-swap loop, which stays lock-free on every platform the project targets.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { bits_.store(ToBits(value), std::memory_order_relaxed); }
  void Add(double delta) {
    uint64_t old_bits = bits_.load(std::memory_order_relaxed);
    while (!bits_.compare_exchange_weak(old_bits, ToBits(FromBits(old_bits) + delta),
                                        std::memory_order_relaxed)) {
    }
  }
  double Value() const { return FromBits(bits_.load(std::memory_order_relaxed)); }

 private:
  static uint64_t ToBits(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits;
  }
  static double FromBits(uint64_t bits) {
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }

  std::atomic<uint64_t> bits_{0};  // 0 is the bit pattern of +0.0.
};

}  // namespace metrics
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_METRICS_GAUGE_H_
