// KRL_SKIP_WITHOUT_CONTAINERD(): the first statement of a Catch2 test case that needs a real
// containerd. When the machine cannot run one (ContainerdHarness::MissingPrerequisite), the test
// case ends there, saying why both in Catch2's output and on stderr, so a skip is never silent.
#ifndef KRL_TESTING_CONTAINERD_SKIP_WITHOUT_CONTAINERD_H_
#define KRL_TESTING_CONTAINERD_SKIP_WITHOUT_CONTAINERD_H_

#include <iostream>
#include <optional>
#include <string>

#include "testing/containerd/containerd_harness.h"

#define KRL_SKIP_WITHOUT_CONTAINERD()                                                     \
  do {                                                                                    \
    if (std::optional<std::string> missing =                                              \
            ::krl::testing::containerd::ContainerdHarness::MissingPrerequisite()) {       \
      WARN("SKIPPED: containerd cannot run here: " << *missing);                          \
      std::cerr << "WARNING: test case skipped, containerd cannot run here: " << *missing \
                << std::endl;                                                             \
      return;                                                                             \
    }                                                                                     \
  } while (false)

#endif  // KRL_TESTING_CONTAINERD_SKIP_WITHOUT_CONTAINERD_H_
