// Links the fixture as a shared object, so the verifier's NEEDED check has something to find.
#include <cstdio>

#include "tools/dockerless/testdata/bad_fixture.h"

int main() {
  std::puts(krl::tools::dockerless::testdata::dockershim_connect());
  return 0;
}
