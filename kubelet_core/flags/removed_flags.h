// The kubelet flags that went away with the dockershim, and what replaces each one.
//
// The node agent refuses them (exit status 2) instead of ignoring them or failing with a bare
// "unknown flag", so a node moved over from a dockershim kubelet says exactly what to change. The
// table holds every flag the kubelet removed with the dockershim in Kubernetes 1.24
// (kubernetes/kubernetes#106907, #107096), --container-runtime (deprecated in 1.24, removed in
// 1.27), the older dockershim-only flags, and the cAdvisor flags that configured Docker Engine
// access. The messages name Docker on purpose; they are listed in tools/dockerless/allowlist.txt.
//
//   namespace flags = krl::kubelet_core::flags;
//   if (int code = flags::RefuseRemovedFlags(argc, argv, std::cerr)) return code;  // in main()
//   std::optional<flags::RemovedFlag> flag = flags::FindRemovedFlag("--network-plugin=cni");
#ifndef KRL_KUBELET_CORE_FLAGS_REMOVED_FLAGS_H_
#define KRL_KUBELET_CORE_FLAGS_REMOVED_FLAGS_H_

#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace krl::kubelet_core::flags {

struct RemovedFlag {
  // With its two dashes ("--network-plugin"): the string the binary carries is then a flag name,
  // never the bare word the dockerless verifier would have to allow everywhere.
  absl::string_view name;
  absl::string_view history;      // when the kubelet dropped it
  absl::string_view replacement;  // what to do instead, one or two sentences
};

// The whole table, in a stable order.
absl::Span<const RemovedFlag> RemovedFlags();

// The entry for a command-line argument: `--flag`, `--flag=value`, `-flag` or `-flag=value`
// (underscores count as dashes, as the kubelet's flag parser treats them). nullopt for anything
// else, including values and a bare `--`.
std::optional<RemovedFlag> FindRemovedFlag(absl::string_view arg);

// "error: --network-plugin is not supported (removed ...). Pod networking is ...".
std::string RefusalMessage(const RemovedFlag& flag);

// Scans argv[1..] up to a bare `--` and, at the first removed flag, writes its refusal message
// (one line) to `err` and returns 2; returns 0 when there is none.
int RefuseRemovedFlags(int argc, char** argv, std::ostream& err);

}  // namespace krl::kubelet_core::flags

#endif  // KRL_KUBELET_CORE_FLAGS_REMOVED_FLAGS_H_
