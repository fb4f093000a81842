#include "tools/nodeagent/fake_container_scripts.h"

#include <cstdlib>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/util/log.h"

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

using Script = testing::FakeRuntimeService::ContainerScript;

absl::string_view Basename(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// The shell script of `sh -c SCRIPT` (any shell), else the command line joined.
std::string ScriptText(const std::vector<std::string>& argv) {
  if (argv.size() >= 3) {
    absl::string_view shell = Basename(argv[0]);
    if ((shell == "sh" || shell == "bash" || shell == "ash") && argv[1] == "-c") return argv[2];
  }
  return absl::StrJoin(argv, " ");
}

// The script's statements: split at ';', '&&', '||' and newlines.
std::vector<std::string> Statements(absl::string_view script) {
  std::string text(script);
  for (const char* separator : {"&&", "||", "\n"}) {
    size_t at;
    while ((at = text.find(separator)) != std::string::npos) {
      text.replace(at, std::string(separator).size(), ";");
    }
  }
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ';')) {
    std::string statement(absl::StripAsciiWhitespace(part));
    if (!statement.empty()) out.push_back(std::move(statement));
  }
  return out;
}

std::string Unquote(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

}  // namespace

Script FakeContainerScripts::ScriptFor(const corev1::Container& container, bool init) {
  std::vector<std::string> argv = container.command;
  argv.insert(argv.end(), container.args.begin(), container.args.end());
  Script script;
  const std::vector<std::string> statements = Statements(ScriptText(argv));

  std::optional<int> exit_code;
  if (!argv.empty()) {
    absl::string_view program = Basename(argv[0]);
    if (program == "false") exit_code = 1;
    if (program == "true") exit_code = 0;
  }
  if (!statements.empty()) {
    std::vector<std::string> last = absl::StrSplit(statements.back(), ' ', absl::SkipEmpty());
    int code = 0;
    if (last.size() == 2 && last[0] == "exit" && absl::SimpleAtoi(last[1], &code)) exit_code = code;
    if (last.size() == 1 && last[0] == "exit") exit_code = 0;
  }
  if (!exit_code.has_value() && init) exit_code = 0;

  absl::Duration delay = absl::Seconds(1);
  bool have_delay = false;
  for (const std::string& statement : statements) {
    std::vector<std::string> words = absl::StrSplit(statement, ' ', absl::SkipEmpty());
    if (words.empty()) continue;
    if (words[0] == "echo") {
      script.log_lines.push_back(Unquote(absl::StripPrefix(statement, "echo")));
    } else if (words[0] == "sleep" && words.size() >= 2 && !have_delay) {
      double seconds = 0;
      if (absl::SimpleAtod(words[1], &seconds) && seconds >= 0) {
        delay = absl::Seconds(seconds);
        have_delay = true;
      }
    }
  }
  if (exit_code.has_value()) {
    script.exit_after = delay;
    script.exit_code = *exit_code;
  }
  return script;
}

void FakeContainerScripts::Apply(const std::vector<corev1::Pod>& pods,
                                 testing::FakeRuntimeService& runtime) {
  std::vector<corev1::PodPtr> shared;
  for (const corev1::Pod& pod : pods) shared.push_back(std::make_shared<const corev1::Pod>(pod));
  Apply(shared, runtime);
}

void FakeContainerScripts::Apply(const std::vector<corev1::PodPtr>& pods,
                                 testing::FakeRuntimeService& runtime) {
  std::map<std::string, std::pair<std::string, std::string>> next;
  auto apply = [&](const corev1::Pod& pod, const corev1::Container& container, bool init) {
    Script script = ScriptFor(container, init);
    std::string summary = script.exit_after.has_value()
                              ? absl::StrCat("exits ", script.exit_code, " after ",
                                             absl::FormatDuration(*script.exit_after))
                              : "runs until stopped";
    const std::string pod_name = pod.metadata.name;
    auto seen = next.find(container.name);
    if (seen != next.end() && seen->second.second != summary) {
      log::Warning(
          "fake runtime: containers share a name but not a behaviour; the last one wins",
          {{"container", container.name}, {"pod", pod_name}, {"other_pod", seen->second.first}});
    }
    next[container.name] = {pod_name, summary};
    auto old = applied_.find(container.name);
    if (old == applied_.end() || old->second.second != summary) {
      log::Info("fake runtime: container scripted",
                {{"container", container.name}, {"pod", pod_name}, {"behaviour", summary}});
    }
    runtime.ScriptContainer(container.name, std::move(script));
  };
  for (const corev1::PodPtr& pod : pods) {
    for (const corev1::Container& c : pod->spec.init_containers)
      apply(*pod, c, !corev1::IsSidecar(c));
    for (const corev1::Container& c : pod->spec.containers) apply(*pod, c, false);
  }
  applied_ = std::move(next);
}

}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
