#include "tools/dockerless/testdata/bad_fixture.h"

namespace krl::tools::dockerless::testdata {
namespace {

// A named array (not a literal folded into code) keeps the path in .rodata as one string, which
// is what the string check must find.
const char kEngineSocket[] = "/var/run/docker.sock";

}  // namespace

const char* dockershim_connect() { return kEngineSocket; }

}  // namespace krl::tools::dockerless::testdata
