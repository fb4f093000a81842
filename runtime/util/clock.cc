#include "runtime/util/clock.h"

namespace krl {

RealClock& RealClock::Get() {
  static RealClock* const clock = new RealClock();
  return *clock;
}

}  // namespace krl
