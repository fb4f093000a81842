// FakeContainerScripts: how `nodeagent --container-runtime-endpoint=fake://` makes the in-process
// fake runtime behave like the containers of the manifests, without running any process.
//
//   FakeContainerScripts scripts;
//   scripts.Apply(pods, fake_runtime);   // before agent.SetPods(pods), on every snapshot
//
// The fake runs no program, so it reads each container's command (command + args; for
// `sh -c SCRIPT` the script) and scripts the fake's containers of that name
// (FakeRuntimeService::ScriptContainer):
// - A command ending in `exit N` exits with N; `false` exits with 1 and `true` with 0; an init
//   container that is not a sidecar exits with 0 (its work is done). Such a container exits after
//   the first `sleep S` of the command (S seconds, or with busybox's m, h or d suffix), or after
//   1 s without one.
// - Every other container runs until it is stopped.
// - The text of each `echo` in the command is written to the container's log when it starts.
// Scripts are keyed by container name in the fake, so two pods with a same-named container but
// different commands share the script of the last one (a warning says so): give containers
// distinct names in fake mode.
//
// Exec commands (probes, hooks) follow the files the script creates and removes: FileTimeline
// reads the script's `touch F`, `: > F`, `echo ... > F` (or `>>`), `rm F`, `rm -f F`, `sleep S`,
// `echo`, `true` and `exit` statements (separated by `;`, `&&` or newlines) into the times, from
// the container's start, at which each file exists. It is a small reader, not a shell: the first
// statement it does not understand (a loop, a pipe, `||`, `$var`, a glob, any other command)
// ends the timeline there, and files keep the state they had before it. The fake's exec handler
// then answers the file tests a probe runs, `cat F`, `test -e F`, `test -f F`, `[ -e F ]` and
// `[ -f F ]` (also as `sh -c "..."`), as busybox would at that moment of the container's life:
// exit 0 (cat prints what was echoed into F) while F exists, else exit 1 (cat says "can't
// open"). A file counts as missing before the script creates it, but a file the script only
// removes is unknown before that. Every other command, and every file the script does not
// mention, succeeds as before (exit 0, no output): the image's files are not known. A restarted
// container is a new container: its timeline starts again at its own start. Timelines are keyed
// by pod (namespace, name) and container name, so same-named containers of two pods keep theirs.
//
// Apply is not thread safe: call it from the pod source's callback only. The exec handler it
// installs may run on any thread.
#ifndef KRL_TOOLS_NODEAGENT_FAKE_CONTAINER_SCRIPTS_H_
#define KRL_TOOLS_NODEAGENT_FAKE_CONTAINER_SCRIPTS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "api/core/v1/pod.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace tools {
namespace nodeagent {

// The files a container's shell script creates and removes, by time since the container started
// (see the comment at the top of this file for what it reads).
class FileTimeline {
 public:
  enum class State {
    kUnknown,  // the script (as far as it was read) does not say
    kMissing,
    kPresent,
  };
  struct File {
    State state = State::kUnknown;
    // What the script wrote into it (`echo` lines); empty after `touch`.
    std::string content;
  };
  // One step of the script: `path` exists (with `content`) or not from `at` on.
  struct Change {
    absl::Duration at;
    std::string path;
    bool exists = false;
    std::string content;
  };

  // The timeline of a script's text.
  static FileTimeline FromScript(absl::string_view script);
  // The timeline of a container's command (command + args; for `sh -c SCRIPT`, the script).
  static FileTimeline For(const corev1::Container& container);

  // The state of `path` `elapsed` after the container started.
  File At(absl::string_view path, absl::Duration elapsed) const;

  const std::vector<Change>& changes() const { return changes_; }
  bool empty() const { return changes_.empty(); }
  // The first statement the reader did not understand, where the timeline ends (empty when it
  // read the whole script, or up to an `exit`).
  const std::string& stopped_at() const { return stopped_at_; }
  // For logs: when each file exists, e.g. "/tmp/healthy [0s, 10s)".
  std::string Summary() const;

 private:
  std::vector<Change> changes_;
  std::string stopped_at_;
};

class FakeContainerScripts {
 public:
  using ExecResult = testing::FakeRuntimeService::ExecResult;

  FakeContainerScripts();

  // The script for one container (`init`: it is a non-sidecar init container).
  static testing::FakeRuntimeService::ContainerScript ScriptFor(const corev1::Container& container,
                                                                bool init);

  // The answer to exec `cmd` in a container whose script has `timeline`, `elapsed` after the
  // container started: for a file test (`cat F`, `test -e|-f F`, `[ -e|-f F ]`, or one of them
  // as `sh -c`) on a file the timeline knows, busybox's answer; otherwise nullopt (the fake's
  // default answer applies).
  static std::optional<ExecResult> AnswerExec(const std::vector<std::string>& cmd,
                                              const FileTimeline& timeline, absl::Duration elapsed);

  // Scripts every container of `pods` on `runtime`, replacing the previous snapshot's timelines,
  // and installs the exec handler that answers from them (once per runtime; it replaces any
  // handler set on `runtime` before).
  void Apply(const std::vector<corev1::PodPtr>& pods, testing::FakeRuntimeService& runtime);
  void Apply(const std::vector<corev1::Pod>& pods, testing::FakeRuntimeService& runtime);

 private:
  // (pod namespace, pod name, container name): how the fake's ExecContext names a container.
  using ContainerKey = std::tuple<std::string, std::string, std::string>;
  // The timelines the exec handler reads; shared with it, so it outlives this object.
  struct Timelines;

  // container name -> the pod whose script it got, and a summary of that script.
  std::map<std::string, std::pair<std::string, std::string>> applied_;
  // The file timelines logged last, to log only what changed.
  std::map<ContainerKey, std::string> logged_timelines_;
  std::shared_ptr<Timelines> timelines_;
  const testing::FakeRuntimeService* handler_installed_on_ = nullptr;
};

}  // namespace nodeagent
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_NODEAGENT_FAKE_CONTAINER_SCRIPTS_H_
