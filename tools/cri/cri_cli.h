// The `cri` command: a CRI v1 client for people debugging a node (pods, containers, images,
// exec, stats, events), on any runtime::RuntimeService / runtime::ImageService.
//
//   testing::FakeRuntimeService runtime(clock);  testing::FakeImageService images(clock);
//   std::ostringstream out, err;
//   int code = cri_cli::RunCli({"ps", "-a"}, runtime, images, out, err);
//
// main.cc parses the global flags (global_options.h), connects lazily through a ServicesFactory
// and calls RunCli; everything else lives here so tests drive it in-process. The namespace is
// krl::tools::cri_cli, not krl::tools::cri, because the latter would hide the krl::cri messages.
//
// Exit codes: 0 success; 1 a runtime, file or lookup error (message on err); 2 a usage error
// (unknown command or option, missing or extra arguments); exec-sync returns the command's own
// exit code. Bad input never crashes.
#ifndef KRL_TOOLS_CRI_CRI_CLI_H_
#define KRL_TOOLS_CRI_CRI_CLI_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/image_service.h"
#include "runtime/runtime_service.h"
#include "runtime/util/clock.h"
#include "tools/cri/interrupt.h"

namespace krl {
namespace tools {
namespace cri_cli {

// The services a command uses; not owned.
struct Services {
  runtime::RuntimeService* runtime = nullptr;
  runtime::ImageService* image = nullptr;
};

// Connects on demand, once the command line is known to be valid, so usage errors and `help`
// never need a runtime. An error is printed as a connection failure (exit code 1).
using ServicesFactory = std::function<absl::StatusOr<Services>()>;

struct CliContext {
  // "N seconds ago" is measured against this clock; nullptr means RealClock.
  Clock* clock = nullptr;
  // `events` runs until this is triggered (main triggers it on SIGINT/SIGTERM) or the stream
  // ends; nullptr means until the stream ends.
  Interrupt* interrupt = nullptr;
};

// Runs one command: `args` is the command name and its arguments (no program name, no global
// flags). Returns the process exit code. Thread: the caller's; `events` also writes to `out`
// from the subscription's thread while the caller waits.
int RunCli(const std::vector<std::string>& args, const ServicesFactory& connect, std::ostream& out,
           std::ostream& err, const CliContext& context = {});
int RunCli(const std::vector<std::string>& args, runtime::RuntimeService& runtime,
           runtime::ImageService& image, std::ostream& out, std::ostream& err,
           const CliContext& context = {});

// The top-level usage text (commands and global flags).
std::string Usage();

// "dockerless: true" in the default (dockerless) build, "dockerless: false" otherwise.
const char* DockerlessLine();

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_CRI_CRI_CLI_H_
