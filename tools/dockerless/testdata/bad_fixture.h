// A deliberately bad library: it names the dockershim in a symbol and carries the Docker Engine
// socket path as a string. It exists only to prove that //tools/dockerless:verifier fails on
// such code (verifier_negative_test); every target here is testonly, so nothing shipped can
// depend on it.
//
//   const char* socket = krl::tools::dockerless::testdata::dockershim_connect();
//   // socket points at the fixture's string constant; nothing is connected.
#ifndef KRL_TOOLS_DOCKERLESS_TESTDATA_BAD_FIXTURE_H_
#define KRL_TOOLS_DOCKERLESS_TESTDATA_BAD_FIXTURE_H_

namespace krl::tools::dockerless::testdata {

// The name is the offence the symbol check must find.
const char* dockershim_connect();

}  // namespace krl::tools::dockerless::testdata

#endif  // KRL_TOOLS_DOCKERLESS_TESTDATA_BAD_FIXTURE_H_
