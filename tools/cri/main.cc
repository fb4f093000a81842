// cri: a CRI v1 command-line client for debugging a node. See cri_cli.h; this file only reads
// global flags and the environment, handles signals and connects.
#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/remote/remote_options.h"
#include "runtime/remote/remote_services.h"
#include "runtime/util/log.h"
#include "tools/cri/cri_cli.h"
#include "tools/cri/global_options.h"
#include "tools/cri/interrupt.h"

namespace {

using krl::tools::cri_cli::Interrupt;

// stdout carries only results (ids, tables, JSON): the client library's log lines go to stderr,
// and only with --debug.
void ConfigureLogging(bool debug) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("cri"));
  if (debug) {
    krl::log::SetVerbosity(2);
  } else {
    spdlog::set_level(spdlog::level::off);
  }
}

// `events` ends cleanly on SIGINT/SIGTERM: the signals are blocked before any thread starts (so
// gRPC's threads inherit the mask) and one thread waits for them synchronously.
void TriggerOnSignal(Interrupt* interrupt) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([signals, interrupt] {
    int signal = 0;
    sigwait(&signals, &signal);
    interrupt->Trigger();
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = krl::tools::cri_cli;
  const std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<cli::GlobalOptions> options =
      cli::ParseGlobalOptions(args, [](const char* name) { return std::getenv(name); });
  if (!options.ok()) {
    std::cerr << "cri: " << options.status().message() << " (see: cri --help)\n";
    return 2;
  }
  if (options->help || (!options->command_args.empty() && options->command_args[0] == "help" &&
                        options->command_args.size() == 1)) {
    std::cout << cli::Usage();
    return 0;
  }

  ConfigureLogging(options->debug);

  // Leaked: the signal thread may outlive main's scope.
  static Interrupt* const interrupt = new Interrupt();
  if (!options->command_args.empty() && options->command_args[0] == "events") {
    TriggerOnSignal(interrupt);
  }

  krl::runtime::remote::RemoteServices remote;
  cli::ServicesFactory connect = [&]() -> absl::StatusOr<cli::Services> {
    krl::runtime::remote::RemoteOptions remote_options;
    remote_options.runtime_endpoint = options->runtime_endpoint;
    remote_options.image_endpoint = options->image_endpoint;
    remote_options.connect_timeout = options->timeout;
    remote_options.request_timeout = options->timeout;
    absl::StatusOr<krl::runtime::remote::RemoteServices> services =
        krl::runtime::remote::CreateRemoteServices(remote_options);
    if (!services.ok()) return services.status();
    remote = *std::move(services);
    return cli::Services{remote.runtime.get(), remote.image.get()};
  };
  cli::CliContext context;
  context.interrupt = interrupt;
  return cli::RunCli(options->command_args, connect, std::cout, std::cerr, context);
}
