// The CRI v1 messages and services under a short name the rest of the project uses.
//
// protoc places the schema in ::runtime::v1, which collides with the project's own
// krl::runtime namespace; `krl::cri::X` always means the CRI v1 message X.
//
//   #include "api/cri/v1/cri.h"
//   krl::cri::VersionRequest request;
//   request.set_version("v1");
#ifndef KRL_API_CRI_V1_CRI_H_
#define KRL_API_CRI_V1_CRI_H_

#include "api/cri/v1/api.grpc.pb.h"
#include "api/cri/v1/api.pb.h"

namespace krl {
namespace cri = ::runtime::v1;
}  // namespace krl

#endif  // KRL_API_CRI_V1_CRI_H_
