#include "testing/contract/fake_runtime_target.h"

#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace krl {
namespace testing {
namespace contract {
namespace {

// The names the containerd harness imports, so cases read the same on every target.
constexpr char kBusyboxImage[] = "krl.test/busybox:1";
constexpr char kPauseImage[] = "krl.test/pause:1";

// Small steps keep a scripted exit from being overshot by much.
constexpr absl::Duration kWaitStep = absl::Milliseconds(100);

FakeRuntimeService::Options ContainerdLikeOptions() {
  FakeRuntimeService::Options options;
  options.require_log_directory = true;  // log files as containerd handles them
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FakeRuntimeTarget>> FakeRuntimeTarget::Create(Mode mode) {
  char pattern[] = "/tmp/krl-contract-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  std::unique_ptr<FakeRuntimeTarget> target(new FakeRuntimeTarget(mode, pattern));
  for (const char* ref : {kPauseImage, kBusyboxImage}) {
    FakeImageService::Image image;
    image.ref = ref;
    if (absl::StatusOr<std::string> id = target->fake_images_.AddImage(image); !id.ok()) {
      return id.status();
    }
  }
  if (mode == Mode::kOverGrpc) {
    target->server_ =
        std::make_unique<CriGrpcServer>(&target->fake_runtime_, &target->fake_images_);
    absl::Status started =
        target->server_->Start(absl::StrCat("unix://", target->scratch_dir_, "/cri.sock"));
    if (!started.ok()) return started;
    runtime::remote::RemoteOptions options;
    options.runtime_endpoint = target->server_->endpoint();
    options.connect_timeout = absl::Seconds(10);
    absl::StatusOr<runtime::remote::RemoteServices> remote =
        runtime::remote::CreateRemoteServices(options);
    if (!remote.ok()) return remote.status();
    target->remote_ = std::move(*remote);
  }
  return target;
}

FakeRuntimeTarget::FakeRuntimeTarget(Mode mode, std::string scratch_dir)
    : mode_(mode),
      name_(mode == Mode::kInProcess ? "fake" : "fake over gRPC"),
      scratch_dir_(std::move(scratch_dir)),
      fake_images_(clock_),
      fake_runtime_(clock_, &fake_images_, ContainerdLikeOptions()) {}

FakeRuntimeTarget::~FakeRuntimeTarget() {
  remote_.runtime.reset();
  remote_.image.reset();
  if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  std::error_code ignored;
  std::filesystem::remove_all(scratch_dir_, ignored);
}

runtime::RuntimeService& FakeRuntimeTarget::runtime() {
  if (mode_ == Mode::kOverGrpc) return *remote_.runtime;
  return fake_runtime_;
}

runtime::ImageService& FakeRuntimeTarget::images() {
  if (mode_ == Mode::kOverGrpc) return *remote_.image;
  return fake_images_;
}

std::string FakeRuntimeTarget::image() const { return kBusyboxImage; }

std::string FakeRuntimeTarget::pause_image() const { return kPauseImage; }

void FakeRuntimeTarget::SetProcess(cri::ContainerConfig* config, const Process& process) {
  config->mutable_image()->set_image(kBusyboxImage);
  FakeRuntimeService::ContainerScript script;
  switch (process.kind) {
    case Process::Kind::kRunsUntilStopped:
      script.ignore_sigterm = process.ignores_sigterm;
      break;
    case Process::Kind::kExitsWhenTold:
      break;  // TellToExit ends it
    case Process::Kind::kExitsAtOnce:
      script.exit_after = absl::ZeroDuration();
      script.exit_code = process.exit_code;
      script.log_lines = process.stdout_lines;
      break;
  }
  fake_runtime_.ScriptContainer(config->metadata().name(), std::move(script));
}

absl::Status FakeRuntimeTarget::TellToExit(const std::string& container_id, int exit_code) {
  return fake_runtime_.ExitContainer(container_id, exit_code);
}

void FakeRuntimeTarget::ExpectExec(const std::string& container_id,
                                   const std::vector<std::string>& cmd, const ExecAnswer& answer) {
  FakeRuntimeService::ExecResult result;
  result.stdout_data = answer.stdout_data;
  result.stderr_data = answer.stderr_data;
  result.exit_code = answer.exit_code;
  result.delay = answer.runs_for;
  fake_runtime_.ScriptExecIn(container_id, cmd, std::move(result));
}

absl::Status FakeRuntimeTarget::AddImage(const std::string& ref) {
  FakeImageService::Image image;
  image.ref = ref;
  return fake_images_.AddImage(image).status();
}

absl::Status FakeRuntimeTarget::TagImage(const std::string& existing_ref,
                                         const std::string& new_ref) {
  absl::StatusOr<FakeImageService::Resolved> existing = fake_images_.Resolve(existing_ref);
  if (!existing.ok()) return existing.status();
  FakeImageService::Image image;
  image.ref = new_ref;
  image.id = existing->id;
  return fake_images_.AddImage(image).status();
}

bool FakeRuntimeTarget::WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = clock_.Now() + timeout;
  while (!done()) {
    if (clock_.Now() >= deadline) return false;
    clock_.Advance(kWaitStep);
  }
  return true;
}

void FakeRuntimeTarget::RunWhileTimePasses(const std::function<void()>& call,
                                           absl::Duration elapse) {
  std::atomic<bool> finished{false};
  std::thread caller([&] {
    call();
    finished = true;
  });
  // The call sleeps on the clock (directly, or in a server thread over gRPC); once it does,
  // the time it waits for passes at once. A call that fails early never sleeps.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!finished && absl::Now() < give_up) {
    if (clock_.WaitForSleepers(1, absl::Milliseconds(10))) {
      clock_.Advance(elapse);
      break;
    }
  }
  caller.join();
}

}  // namespace contract
}  // namespace testing
}  // namespace krl
