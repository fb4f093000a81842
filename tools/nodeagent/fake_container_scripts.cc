#include "tools/nodeagent/fake_container_scripts.h"

#include <cstdlib>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/util/log.h"
#include "runtime/util/mutex.h"

namespace krl {
namespace tools {
namespace nodeagent {
namespace {

using Script = testing::FakeRuntimeService::ContainerScript;

absl::string_view Basename(absl::string_view path) {
  size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// The script of `sh -c SCRIPT` (sh, bash or ash), or nullopt for another command.
std::optional<std::string> ShellScript(const std::vector<std::string>& argv) {
  if (argv.size() < 3 || argv[1] != "-c") return std::nullopt;
  absl::string_view shell = Basename(argv[0]);
  if (shell != "sh" && shell != "bash" && shell != "ash") return std::nullopt;
  return argv[2];
}

// The shell script of `sh -c SCRIPT`, else the command line joined.
std::string ScriptText(const std::vector<std::string>& argv) {
  return ShellScript(argv).value_or(absl::StrJoin(argv, " "));
}

// What the container runs: its command, then its args.
std::vector<std::string> Argv(const corev1::Container& container) {
  std::vector<std::string> argv = container.command;
  argv.insert(argv.end(), container.args.begin(), container.args.end());
  return argv;
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

// ---- The file timeline's reader ----

// A shell token: a word (quotes removed) or an operator the reader handles.
struct Token {
  enum class Kind {
    kWord,
    kAnd,          // &&
    kSemicolon,    // ; or a newline
    kRedirect,     // >
    kAppend,       // >>
    kUnsupported,  // anything else; the tokens end here
  };
  Kind kind = Kind::kWord;
  std::string text;
  // The word has an unquoted *, ? or [ (a glob), other than the word "[" itself.
  bool glob = false;
};

// The tokens of `script` up to the first thing the reader does not handle (pipes, `||`, `&`,
// other redirections, subshells, `$`, backquotes, backslashes, `~`, unterminated quotes), which
// ends the list as a kUnsupported token holding the rest of the text.
std::vector<Token> Tokenize(absl::string_view script) {
  std::vector<Token> tokens;
  Token word;
  bool in_word = false;
  auto end_word = [&] {
    if (!in_word) return;
    if (word.text == "[") word.glob = false;
    tokens.push_back(std::move(word));
    word = Token();
    in_word = false;
  };
  auto unsupported = [&](size_t at) {
    end_word();
    tokens.push_back({Token::Kind::kUnsupported, std::string(script.substr(at)), false});
    return tokens;
  };
  for (size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    switch (c) {
      case ' ':
      case '\t':
        end_word();
        break;
      case '\n':
      case ';':
        end_word();
        tokens.push_back({Token::Kind::kSemicolon, std::string(1, c), false});
        break;
      case '&':
        if (i + 1 >= script.size() || script[i + 1] != '&') return unsupported(i);
        end_word();
        tokens.push_back({Token::Kind::kAnd, "&&", false});
        ++i;
        break;
      case '>': {
        // `2> F` redirects another descriptor; `>&`, `>|` are other operators.
        if (in_word && !word.text.empty() &&
            word.text.find_first_not_of("0123456789") == std::string::npos) {
          return unsupported(i);
        }
        end_word();
        const bool append = i + 1 < script.size() && script[i + 1] == '>';
        if (append) ++i;
        if (i + 1 < script.size() && (script[i + 1] == '&' || script[i + 1] == '|')) {
          return unsupported(i);
        }
        tokens.push_back(
            {append ? Token::Kind::kAppend : Token::Kind::kRedirect, append ? ">>" : ">", false});
        break;
      }
      case '\'': {
        const size_t close = script.find('\'', i + 1);
        if (close == absl::string_view::npos) return unsupported(i);
        absl::StrAppend(&word.text, script.substr(i + 1, close - i - 1));
        in_word = true;
        i = close;
        break;
      }
      case '"': {
        size_t close = i + 1;
        while (close < script.size() && script[close] != '"') {
          if (script[close] == '$' || script[close] == '`' || script[close] == '\\') {
            return unsupported(i);
          }
          ++close;
        }
        if (close >= script.size()) return unsupported(i);
        absl::StrAppend(&word.text, script.substr(i + 1, close - i - 1));
        in_word = true;
        i = close;
        break;
      }
      case '#':
        if (in_word) {
          word.text.push_back(c);
        } else {  // a comment, to the end of the line
          while (i + 1 < script.size() && script[i + 1] != '\n') ++i;
        }
        break;
      case '|':
      case '<':
      case '(':
      case ')':
      case '$':
      case '`':
      case '\\':
        return unsupported(i);
      case '~':
        if (!in_word) return unsupported(i);
        word.text.push_back(c);
        break;
      case '*':
      case '?':
      case '[':
        word.glob = true;
        word.text.push_back(c);
        in_word = true;
        break;
      default:
        word.text.push_back(c);
        in_word = true;
        break;
    }
  }
  end_word();
  return tokens;
}

// One simple command: its words and at most one output redirection.
struct Command {
  std::vector<std::string> words;
  std::optional<std::string> redirect;  // the file `>` or `>>` names
  bool append = false;
};

// The command of a statement's tokens, or nullopt when the reader does not handle it.
std::optional<Command> ParseCommand(const std::vector<Token>& tokens) {
  Command command;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    switch (token.kind) {
      case Token::Kind::kWord:
        if (token.glob) return std::nullopt;
        command.words.push_back(token.text);
        break;
      case Token::Kind::kRedirect:
      case Token::Kind::kAppend:
        if (command.redirect.has_value() || i + 1 >= tokens.size() ||
            tokens[i + 1].kind != Token::Kind::kWord || tokens[i + 1].glob ||
            tokens[i + 1].text.empty()) {
          return std::nullopt;
        }
        command.redirect = tokens[i + 1].text;
        command.append = token.kind == Token::Kind::kAppend;
        ++i;
        break;
      default:
        return std::nullopt;
    }
  }
  return command;
}

// `sleep`'s argument: seconds, or a number with busybox's s, m, h or d suffix.
std::optional<absl::Duration> SleepDuration(absl::string_view arg) {
  absl::Duration unit = absl::Seconds(1);
  if (!arg.empty()) {
    switch (arg.back()) {
      case 's':
        arg.remove_suffix(1);
        break;
      case 'm':
        unit = absl::Minutes(1);
        arg.remove_suffix(1);
        break;
      case 'h':
        unit = absl::Hours(1);
        arg.remove_suffix(1);
        break;
      case 'd':
        unit = absl::Hours(24);
        arg.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  double value = 0;
  if (arg.empty() || !absl::SimpleAtod(arg, &value) || !(value >= 0) || value > 1e9) {
    return std::nullopt;
  }
  return value * unit;
}

bool IsOption(const std::string& word) { return !word.empty() && word[0] == '-'; }

// Runs the script's statements over a model of its files.
class TimelineReader {
 public:
  // The timeline's changes and where it stopped.
  std::pair<std::vector<FileTimeline::Change>, std::string> Read(absl::string_view script) {
    std::vector<Token> tokens = Tokenize(script);
    // Split into statements, each with the separator before it. Empty statements are dropped;
    // a newline right after `&&` continues the list, as in sh.
    std::vector<std::pair<Token::Kind, std::vector<Token>>> statements;
    Token::Kind before = Token::Kind::kSemicolon;
    std::vector<Token> current;
    for (Token& token : tokens) {
      if (token.kind != Token::Kind::kSemicolon && token.kind != Token::Kind::kAnd) {
        current.push_back(std::move(token));
        continue;
      }
      if (!current.empty()) {
        statements.emplace_back(before, std::move(current));
        current.clear();
        before = token.kind;
      } else if (token.kind == Token::Kind::kAnd) {
        return {std::move(changes_), "&&"};  // `&&` with nothing before it: a syntax error
      }
    }
    if (!current.empty()) statements.emplace_back(before, std::move(current));

    bool last_ok = true;  // the previous statement surely succeeded
    for (const auto& [separator, statement] : statements) {
      if (separator == Token::Kind::kAnd && !last_ok) {
        return {std::move(changes_), Text(statement)};  // it may or may not run
      }
      std::optional<Command> command = ParseCommand(statement);
      if (!command.has_value()) return {std::move(changes_), Text(statement)};
      std::optional<bool> ok = Run(*command);
      if (!ok.has_value()) return {std::move(changes_), Text(statement)};
      if (exited_) break;
      last_ok = *ok;
    }
    return {std::move(changes_), ""};
  }

 private:
  static std::string Text(const std::vector<Token>& statement) {
    std::vector<std::string> parts;
    for (const Token& token : statement) parts.push_back(token.text);
    return absl::StrJoin(parts, " ");
  }

  void Set(const std::string& path, bool exists, std::string content) {
    if (exists) {
      files_[path] = content;
    } else {
      files_.erase(path);
    }
    changes_.push_back({now_, path, exists, std::move(content)});
  }

  // The command's effect; its success (false: it may have failed), or nullopt when the reader
  // does not handle it.
  std::optional<bool> Run(const Command& command) {
    const std::vector<std::string>& w = command.words;
    // A redirection to a device changes no file.
    const bool to_file =
        command.redirect.has_value() && !absl::StartsWith(*command.redirect, "/dev/");
    auto write = [&](const std::string& text) {
      if (!to_file) return;
      std::string content = text;
      auto old = files_.find(*command.redirect);
      if (command.append && old != files_.end()) content = old->second + text;
      Set(*command.redirect, true, std::move(content));
    };
    if (w.empty() || w[0] == ":" || w[0] == "true") {
      write("");  // `: > F` and `> F` create or empty F
      return true;
    }
    if (w[0] == "echo") {
      size_t first = 1;
      bool newline = true;
      if (w.size() > 1 && w[1] == "-n") {
        newline = false;
        first = 2;
      } else if (w.size() > 1 && (w[1] == "-e" || w[1] == "-E")) {
        return std::nullopt;
      }
      std::vector<std::string> args(w.begin() + first, w.end());
      write(absl::StrCat(absl::StrJoin(args, " "), newline ? "\n" : ""));
      return true;
    }
    if (command.redirect.has_value()) return std::nullopt;
    if (w[0] == "touch") {
      if (w.size() < 2) return std::nullopt;
      for (size_t i = 1; i < w.size(); ++i) {
        if (IsOption(w[i])) return std::nullopt;
      }
      for (size_t i = 1; i < w.size(); ++i) {
        auto old = files_.find(w[i]);
        Set(w[i], true, old == files_.end() ? "" : old->second);
      }
      return true;
    }
    if (w[0] == "rm") {
      size_t first = 1;
      const bool force = w.size() > 1 && w[1] == "-f";
      if (force) first = 2;
      if (first >= w.size()) return std::nullopt;
      bool ok = true;
      for (size_t i = first; i < w.size(); ++i) {
        if (IsOption(w[i])) return std::nullopt;
      }
      for (size_t i = first; i < w.size(); ++i) {
        // Without -f, removing a file not known to exist may fail.
        if (!force && files_.count(w[i]) == 0) ok = false;
        Set(w[i], false, "");
      }
      return ok;
    }
    if (w[0] == "sleep") {
      if (w.size() != 2) return std::nullopt;
      std::optional<absl::Duration> duration = SleepDuration(w[1]);
      if (!duration.has_value()) return std::nullopt;
      now_ += *duration;
      return true;
    }
    if (w[0] == "exit") {
      int code = 0;
      if (w.size() > 2 || (w.size() == 2 && !absl::SimpleAtoi(w[1], &code))) return std::nullopt;
      exited_ = true;
      return true;
    }
    return std::nullopt;
  }

  absl::Duration now_ = absl::ZeroDuration();
  std::map<std::string, std::string> files_;  // path -> content, of the files known to exist
  std::vector<FileTimeline::Change> changes_;
  bool exited_ = false;
};

// The words of a file test command (`cat F`, ...), also inside `sh -c "..."`.
std::optional<std::vector<std::string>> ExecWords(const std::vector<std::string>& cmd) {
  std::optional<std::string> script = cmd.size() == 3 ? ShellScript(cmd) : std::nullopt;
  if (!script.has_value()) return cmd;
  std::optional<Command> command = ParseCommand(Tokenize(*script));
  if (!command.has_value() || command->redirect.has_value()) return std::nullopt;
  return command->words;
}

}  // namespace

// ---- FileTimeline ----

FileTimeline FileTimeline::FromScript(absl::string_view script) {
  FileTimeline timeline;
  std::tie(timeline.changes_, timeline.stopped_at_) = TimelineReader().Read(script);
  return timeline;
}

FileTimeline FileTimeline::For(const corev1::Container& container) {
  return FromScript(ScriptText(Argv(container)));
}

FileTimeline::File FileTimeline::At(absl::string_view path, absl::Duration elapsed) const {
  File file;
  bool first = true;
  for (const Change& change : changes_) {
    if (change.path != path) continue;
    if (change.at > elapsed) {
      // Before its first change a file is missing if the script creates it; a file the script
      // removes first may be in the image.
      if (first && change.exists) file.state = State::kMissing;
      break;
    }
    first = false;
    file.state = change.exists ? State::kPresent : State::kMissing;
    file.content = change.exists ? change.content : "";
  }
  return file;
}

std::string FileTimeline::Summary() const {
  // path -> "[from, until)" intervals, in the order the paths first appear.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> intervals;
  std::map<std::string, absl::Duration> since;  // open interval of a present file
  for (const Change& change : changes_) {
    if (intervals.emplace(change.path, std::vector<std::string>()).second) {
      order.push_back(change.path);
    }
    auto open = since.find(change.path);
    if (change.exists && open == since.end()) {
      since[change.path] = change.at;
    } else if (!change.exists && open != since.end()) {
      if (change.at > open->second) {
        intervals[change.path].push_back(absl::StrCat("[", absl::FormatDuration(open->second), ", ",
                                                      absl::FormatDuration(change.at), ")"));
      }
      since.erase(open);
    }
  }
  for (const auto& [path, from] : since) {
    intervals[path].push_back(absl::StrCat("[", absl::FormatDuration(from), ", end)"));
  }
  std::vector<std::string> parts;
  for (const std::string& path : order) {
    const std::vector<std::string>& spans = intervals[path];
    parts.push_back(absl::StrCat(path, " ", spans.empty() ? "never" : absl::StrJoin(spans, " ")));
  }
  std::string summary = absl::StrJoin(parts, "; ");
  if (!stopped_at_.empty()) absl::StrAppend(&summary, " (not read from: ", stopped_at_, ")");
  return summary;
}

// ---- FakeContainerScripts ----

struct FakeContainerScripts::Timelines {
  krl::Mutex mu;
  std::map<ContainerKey, std::shared_ptr<const FileTimeline>> by_container ABSL_GUARDED_BY(mu);
};

FakeContainerScripts::FakeContainerScripts() : timelines_(std::make_shared<Timelines>()) {}

std::optional<FakeContainerScripts::ExecResult> FakeContainerScripts::AnswerExec(
    const std::vector<std::string>& cmd, const FileTimeline& timeline, absl::Duration elapsed) {
  std::optional<std::vector<std::string>> words = ExecWords(cmd);
  if (!words.has_value() || words->empty()) return std::nullopt;
  const std::vector<std::string>& w = *words;
  const absl::string_view program = Basename(w[0]);
  const bool cat = program == "cat" && w.size() == 2;
  const bool test = program == "test" && w.size() == 3 && (w[1] == "-e" || w[1] == "-f");
  const bool bracket =
      program == "[" && w.size() == 4 && (w[1] == "-e" || w[1] == "-f") && w[3] == "]";
  if (!cat && !test && !bracket) return std::nullopt;
  const std::string& path = cat ? w[1] : w[2];
  FileTimeline::File file = timeline.At(path, elapsed);
  ExecResult result;
  switch (file.state) {
    case FileTimeline::State::kUnknown:
      return std::nullopt;
    case FileTimeline::State::kPresent:
      if (cat) result.stdout_data = file.content;
      return result;
    case FileTimeline::State::kMissing:
      result.exit_code = 1;
      if (cat) {
        result.stderr_data =
            absl::StrCat("cat: can't open '", path, "': No such file or directory\n");
      }
      return result;
  }
  return std::nullopt;
}

Script FakeContainerScripts::ScriptFor(const corev1::Container& container, bool init) {
  const std::vector<std::string> argv = Argv(container);
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
      if (std::optional<absl::Duration> slept = SleepDuration(words[1])) {
        delay = *slept;
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
  std::map<ContainerKey, std::shared_ptr<const FileTimeline>> timelines;
  std::map<ContainerKey, std::string> logged;
  auto apply = [&](const corev1::Pod& pod, const corev1::Container& container, bool init) {
    ContainerKey key{pod.metadata.namespace_, pod.metadata.name, container.name};
    auto timeline = std::make_shared<const FileTimeline>(FileTimeline::For(container));
    if (!timeline->empty()) {
      std::string summary = timeline->Summary();
      auto old = logged_timelines_.find(key);
      if (old == logged_timelines_.end() || old->second != summary) {
        log::Info("fake runtime: exec file tests follow the container's script",
                  {{"container", container.name}, {"pod", pod.metadata.name}, {"files", summary}});
      }
      logged[key] = std::move(summary);
      timelines[key] = std::move(timeline);
    }

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
  logged_timelines_ = std::move(logged);
  {
    krl::MutexLock lock(&timelines_->mu);
    timelines_->by_container = std::move(timelines);
  }
  if (handler_installed_on_ != &runtime) {
    handler_installed_on_ = &runtime;
    // The handler keeps the timelines alive; it reads them under their own lock, not the fake's.
    runtime.SetExecHandler(
        [timelines = timelines_](
            const testing::FakeRuntimeService::ExecContext& context) -> std::optional<ExecResult> {
          std::shared_ptr<const FileTimeline> timeline;
          {
            krl::MutexLock lock(&timelines->mu);
            auto it = timelines->by_container.find(
                ContainerKey{context.pod.namespace_(), context.pod.name(), context.container_name});
            if (it == timelines->by_container.end()) return std::nullopt;
            timeline = it->second;
          }
          return AnswerExec(context.cmd, *timeline, context.now - context.started_at);
        });
  }
}

}  // namespace nodeagent
}  // namespace tools
}  // namespace krl
