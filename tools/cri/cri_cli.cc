#include "tools/cri/cri_cli.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/cri/global_options.h"
#include "tools/cri/output_format.h"
#include "tools/cri/table_printer.h"

namespace krl {
namespace tools {
namespace cri_cli {
namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsageError = 2;

enum class Output { kTable, kJson };

struct OptionSpec {
  const char* long_name;  // without dashes: "output"
  char short_name;        // 0 when none
  bool takes_value;
  const char* help;
};

// A command line after option parsing.
struct Args {
  std::map<std::string, std::string> options;  // long name -> value ("" for flags)
  std::vector<std::string> positional;
  std::vector<std::string> after_dashes;  // what followed "--"
  bool has_dashes = false;

  bool Has(const std::string& name) const { return options.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
};

struct CommandSpec;

// Everything a command handler needs.
struct Invocation {
  const CommandSpec* spec = nullptr;
  Args args;
  Output output = Output::kTable;
  Services services;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  Clock* clock = nullptr;
  Interrupt* interrupt = nullptr;
  // Inputs read before connecting (runp, create), so a bad file fails without a runtime.
  krl::cri::PodSandboxConfig pod_config;
  krl::cri::ContainerConfig container_config;
};

using Handler = int (*)(Invocation&);
using Preparer = absl::Status (*)(Invocation&);

struct CommandSpec {
  const char* name;
  const char* synopsis;  // after the name, for usage
  const char* summary;
  std::vector<OptionSpec> options;
  int min_positional;
  int max_positional;  // -1: no limit
  bool takes_command;  // exec-sync: a command after "--"
  Output default_output;
  Handler run;
  Preparer prepare;  // reads input files before connecting; may be nullptr
  bool needs_services;
  Preparer validate = nullptr;  // checks option values; an error is a usage error
};

const OptionSpec kOutputOption{"output", 'o', true, "output format: table or json"};
const OptionSpec kQuietOption{"quiet", 'q', false, "print full ids only"};
const OptionSpec kNoTruncOption{"no-trunc", 0, false, "do not truncate ids"};

// --- small helpers ---

std::string StatusText(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ", status.message());
}

int Fail(Invocation& inv, absl::string_view what, const absl::Status& status) {
  *inv.err << "cri " << inv.spec->name << ": " << what << ": " << StatusText(status) << "\n";
  return kFailure;
}

std::string Id(const Invocation& inv, absl::string_view id) {
  return inv.args.Has("no-trunc") ? std::string(id) : TruncateId(id);
}

std::string Ago(const Invocation& inv, int64_t unix_nanos) {
  return TimeAgo(FromUnixNanos(unix_nanos), inv.clock->Now());
}

std::string Rfc3339(int64_t unix_nanos) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", FromUnixNanos(unix_nanos), absl::UTCTimeZone());
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) return absl::InternalError(status.ToString());
  while (!json.empty() && (json.back() == '\n' || json.back() == ' ')) json.pop_back();
  return json;
}

int PrintJson(Invocation& inv, const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = ToJson(message, /*pretty=*/true);
  if (!json.ok()) return Fail(inv, "printing JSON", json.status());
  *inv.out << *json << "\n";
  return kOk;
}

absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* message) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return absl::DataLossError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field should not be silently dropped
  auto status = google::protobuf::util::JsonStringToMessage(contents.str(), message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not a valid ", message->GetDescriptor()->name(), " (", status.ToString(), ")"));
  }
  return absl::OkStatus();
}

// A full id from an id or a unique prefix of one. Exact matches win over longer ids.
absl::StatusOr<std::string> MatchPrefix(absl::string_view kind, const std::string& prefix,
                                        const std::vector<std::string>& ids) {
  if (prefix.empty()) return absl::InvalidArgumentError(absl::StrCat("empty ", kind, " ID"));
  std::vector<std::string> matches;
  for (const std::string& id : ids) {
    if (id == prefix) return id;
    if (absl::StartsWith(id, prefix)) matches.push_back(id);
  }
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat("no ", kind, " with ID or ID prefix \"", prefix, "\""));
  }
  if (matches.size() > 1) {
    std::sort(matches.begin(), matches.end());
    std::vector<std::string> shown;
    for (size_t i = 0; i < matches.size() && i < 5; ++i) shown.push_back(TruncateId(matches[i]));
    return absl::InvalidArgumentError(
        absl::StrCat(kind, " ID prefix \"", prefix, "\" is ambiguous: it matches ", matches.size(),
                     " ", kind, "s (", absl::StrJoin(shown, ", "),
                     matches.size() > 5 ? ", ..." : "", "); give more characters"));
  }
  return matches.front();
}

absl::StatusOr<std::string> ResolveContainer(Invocation& inv, const std::string& prefix) {
  absl::StatusOr<krl::cri::ListContainersResponse> list =
      inv.services.runtime->ListContainers(krl::cri::ListContainersRequest());
  if (!list.ok()) return list.status();
  std::vector<std::string> ids;
  for (const auto& c : list->containers()) ids.push_back(c.id());
  return MatchPrefix("container", prefix, ids);
}

absl::StatusOr<std::string> ResolvePod(Invocation& inv, const std::string& prefix) {
  absl::StatusOr<krl::cri::ListPodSandboxResponse> list =
      inv.services.runtime->ListPodSandbox(krl::cri::ListPodSandboxRequest());
  if (!list.ok()) return list.status();
  std::vector<std::string> ids;
  for (const auto& p : list->items()) ids.push_back(p.id());
  return MatchPrefix("pod", prefix, ids);
}

// An image by reference (as the runtime resolves it), full id, or unique prefix of an id.
absl::StatusOr<krl::cri::ImageStatusResponse> ResolveImage(Invocation& inv,
                                                           const std::string& ref) {
  krl::cri::ImageStatusRequest request;
  request.mutable_image()->set_image(ref);
  request.set_verbose(true);
  absl::StatusOr<krl::cri::ImageStatusResponse> status = inv.services.image->ImageStatus(request);
  if (!status.ok()) return status.status();
  if (status->has_image()) return status;
  absl::StatusOr<krl::cri::ListImagesResponse> list =
      inv.services.image->ListImages(krl::cri::ListImagesRequest());
  if (!list.ok()) return list.status();
  std::vector<std::string> ids;
  std::string bare = ref;
  if (absl::StartsWith(bare, "sha256:")) bare = bare.substr(7);
  for (const auto& image : list->images()) {
    std::string id = image.id();
    if (absl::StartsWith(id, "sha256:")) id = id.substr(7);
    ids.push_back(id);
  }
  absl::StatusOr<std::string> id = MatchPrefix("image", bare, ids);
  if (!id.ok()) {
    if (absl::IsNotFound(id.status())) {
      return absl::NotFoundError(absl::StrCat("no image \"", ref, "\""));
    }
    return id.status();
  }
  for (const auto& image : list->images()) {
    if (absl::EndsWith(image.id(), *id)) {
      request.mutable_image()->set_image(image.id());
      return inv.services.image->ImageStatus(request);
    }
  }
  return absl::NotFoundError(absl::StrCat("no image \"", ref, "\""));
}

// Applies `action` to every (resolved) id argument; reports each failure and goes on.
template <typename Resolve, typename Action>
int ForEachId(Invocation& inv, absl::string_view what, Resolve resolve, Action action) {
  int code = kOk;
  for (const std::string& arg : inv.args.positional) {
    absl::StatusOr<std::string> id = resolve(inv, arg);
    if (!id.ok()) {
      code = Fail(inv, arg, id.status());
      continue;
    }
    absl::Status status = action(*id);
    if (!status.ok()) {
      code = Fail(inv, absl::StrCat(what, " ", *id), status);
      continue;
    }
    *inv.out << *id << "\n";
  }
  return code;
}

// --- commands ---

int RunVersion(Invocation& inv) {
  krl::cri::VersionRequest request;
  request.set_version("v1");
  absl::StatusOr<krl::cri::VersionResponse> version = inv.services.runtime->Version(request);
  if (!version.ok()) return Fail(inv, "Version", version.status());
  if (inv.output == Output::kJson) return PrintJson(inv, *version);
  *inv.out << "Version:  " << version->version() << "\n"
           << "RuntimeName:  " << version->runtime_name() << "\n"
           << "RuntimeVersion:  " << version->runtime_version() << "\n"
           << "RuntimeApiVersion:  " << version->runtime_api_version() << "\n"
           << DockerlessLine() << "\n";
  return kOk;
}

int RunInfo(Invocation& inv) {
  krl::cri::StatusRequest request;
  request.set_verbose(true);
  absl::StatusOr<krl::cri::StatusResponse> status = inv.services.runtime->Status(request);
  if (!status.ok()) return Fail(inv, "Status", status.status());
  absl::StatusOr<krl::cri::RuntimeConfigResponse> config =
      inv.services.runtime->RuntimeConfig(krl::cri::RuntimeConfigRequest());
  const bool config_unsupported = !config.ok() && absl::IsUnimplemented(config.status());
  if (!config.ok() && !config_unsupported) return Fail(inv, "RuntimeConfig", config.status());

  if (inv.output == Output::kJson) {
    absl::StatusOr<std::string> status_json = ToJson(*status, true);
    if (!status_json.ok()) return Fail(inv, "printing JSON", status_json.status());
    std::string config_json = "null";
    if (config.ok()) {
      absl::StatusOr<std::string> json = ToJson(*config, true);
      if (!json.ok()) return Fail(inv, "printing JSON", json.status());
      config_json = *json;
    }
    *inv.out << "{\n\"status\": " << *status_json << ",\n\"runtimeConfig\": " << config_json
             << "\n}\n";
    return kOk;
  }
  for (const auto& condition : status->status().conditions()) {
    *inv.out << condition.type() << ": " << (condition.status() ? "true" : "false");
    if (!condition.reason().empty() || !condition.message().empty()) {
      *inv.out << " (" << condition.reason()
               << (condition.reason().empty() || condition.message().empty() ? "" : ": ")
               << condition.message() << ")";
    }
    *inv.out << "\n";
  }
  if (status->runtime_handlers_size() > 0) {
    std::vector<std::string> handlers;
    for (const auto& h : status->runtime_handlers()) {
      handlers.push_back(h.name().empty() ? "(default)" : h.name());
    }
    *inv.out << "RuntimeHandlers: " << absl::StrJoin(handlers, ", ") << "\n";
  }
  *inv.out << "RuntimeConfig: ";
  if (config_unsupported) {
    *inv.out << "not supported by this runtime\n";
  } else {
    *inv.out << "cgroup driver " << krl::cri::CgroupDriver_Name(config->linux().cgroup_driver())
             << "\n";
  }
  std::vector<std::string> keys;
  for (const auto& entry : status->info()) keys.push_back(entry.first);
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    const std::string& value = status->info().at(key);
    if (value.size() <= 80 && value.find('\n') == std::string::npos) {
      *inv.out << "Info " << key << ": " << value << "\n";
    } else {
      *inv.out << "Info " << key << ": (" << value.size() << " bytes; see -o json)\n";
    }
  }
  return kOk;
}

int RunPods(Invocation& inv) {
  absl::StatusOr<krl::cri::ListPodSandboxResponse> list =
      inv.services.runtime->ListPodSandbox(krl::cri::ListPodSandboxRequest());
  if (!list.ok()) return Fail(inv, "ListPodSandbox", list.status());
  auto* items = list->mutable_items();
  std::stable_sort(items->begin(), items->end(),
                   [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  if (inv.output == Output::kJson) return PrintJson(inv, *list);
  if (inv.args.Has("quiet")) {
    for (const auto& pod : list->items()) *inv.out << pod.id() << "\n";
    return kOk;
  }
  TablePrinter table({"POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"});
  for (const auto& pod : list->items()) {
    table.AddRow({Id(inv, pod.id()), Ago(inv, pod.created_at()), PodStateName(pod.state()),
                  pod.metadata().name(), pod.metadata().namespace_(),
                  absl::StrCat(pod.metadata().attempt()),
                  pod.runtime_handler().empty() ? "(default)" : pod.runtime_handler()});
  }
  table.Print(*inv.out);
  return kOk;
}

int RunInspectPod(Invocation& inv) {
  absl::StatusOr<std::string> id = ResolvePod(inv, inv.args.positional[0]);
  if (!id.ok()) return Fail(inv, inv.args.positional[0], id.status());
  krl::cri::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(*id);
  request.set_verbose(true);
  absl::StatusOr<krl::cri::PodSandboxStatusResponse> status =
      inv.services.runtime->PodSandboxStatus(request);
  if (!status.ok()) return Fail(inv, "PodSandboxStatus", status.status());
  if (inv.output == Output::kJson) return PrintJson(inv, *status);
  const krl::cri::PodSandboxStatus& pod = status->status();
  *inv.out << "ID: " << pod.id() << "\n"
           << "Name: " << pod.metadata().name() << "\n"
           << "Namespace: " << pod.metadata().namespace_() << "\n"
           << "UID: " << pod.metadata().uid() << "\n"
           << "Attempt: " << pod.metadata().attempt() << "\n"
           << "State: " << PodStateName(pod.state()) << "\n"
           << "Created: " << Rfc3339(pod.created_at()) << " (" << Ago(inv, pod.created_at())
           << ")\n";
  if (!pod.network().ip().empty()) *inv.out << "IP: " << pod.network().ip() << "\n";
  return kOk;
}

int RunPs(Invocation& inv) {
  krl::cri::ListContainersRequest request;
  if (!inv.args.Has("all")) {
    request.mutable_filter()->mutable_state()->set_state(krl::cri::CONTAINER_RUNNING);
  }
  if (inv.args.Has("pod")) {
    absl::StatusOr<std::string> pod = ResolvePod(inv, inv.args.Get("pod"));
    if (!pod.ok()) return Fail(inv, inv.args.Get("pod"), pod.status());
    request.mutable_filter()->set_pod_sandbox_id(*pod);
  }
  absl::StatusOr<krl::cri::ListContainersResponse> list =
      inv.services.runtime->ListContainers(request);
  if (!list.ok()) return Fail(inv, "ListContainers", list.status());
  auto* containers = list->mutable_containers();
  std::stable_sort(containers->begin(), containers->end(),
                   [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
  if (inv.output == Output::kJson) return PrintJson(inv, *list);
  if (inv.args.Has("quiet")) {
    for (const auto& c : list->containers()) *inv.out << c.id() << "\n";
    return kOk;
  }
  // Pod names make the table readable; without them the table is still right.
  std::map<std::string, std::string> pod_names;
  absl::StatusOr<krl::cri::ListPodSandboxResponse> pods =
      inv.services.runtime->ListPodSandbox(krl::cri::ListPodSandboxRequest());
  if (pods.ok()) {
    for (const auto& pod : pods->items()) pod_names[pod.id()] = pod.metadata().name();
  }
  TablePrinter table(
      {"CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"});
  for (const auto& c : list->containers()) {
    std::string image = c.image().image().empty() ? c.image_ref() : c.image().image();
    if (absl::StartsWith(image, "sha256:") && !inv.args.Has("no-trunc")) {
      image = TruncateId(image);
    }
    table.AddRow({Id(inv, c.id()), image, Ago(inv, c.created_at()), ContainerStateName(c.state()),
                  c.metadata().name(), absl::StrCat(c.metadata().attempt()),
                  Id(inv, c.pod_sandbox_id()), pod_names[c.pod_sandbox_id()]});
  }
  table.Print(*inv.out);
  return kOk;
}

int RunInspect(Invocation& inv) {
  absl::StatusOr<std::string> id = ResolveContainer(inv, inv.args.positional[0]);
  if (!id.ok()) return Fail(inv, inv.args.positional[0], id.status());
  krl::cri::ContainerStatusRequest request;
  request.set_container_id(*id);
  request.set_verbose(true);
  absl::StatusOr<krl::cri::ContainerStatusResponse> status =
      inv.services.runtime->ContainerStatus(request);
  if (!status.ok()) return Fail(inv, "ContainerStatus", status.status());
  if (inv.output == Output::kJson) return PrintJson(inv, *status);
  const krl::cri::ContainerStatus& c = status->status();
  *inv.out << "ID: " << c.id() << "\n"
           << "Name: " << c.metadata().name() << "\n"
           << "Attempt: " << c.metadata().attempt() << "\n"
           << "State: " << ContainerStateName(c.state()) << "\n"
           << "Image: " << c.image().image() << "\n"
           << "ImageRef: " << c.image_ref() << "\n"
           << "Created: " << Rfc3339(c.created_at()) << " (" << Ago(inv, c.created_at()) << ")\n";
  if (c.started_at() != 0) *inv.out << "Started: " << Rfc3339(c.started_at()) << "\n";
  if (c.finished_at() != 0) {
    *inv.out << "Finished: " << Rfc3339(c.finished_at()) << "\n"
             << "ExitCode: " << c.exit_code() << "\n";
  }
  if (!c.reason().empty()) *inv.out << "Reason: " << c.reason() << "\n";
  if (!c.message().empty()) *inv.out << "Message: " << c.message() << "\n";
  if (!c.log_path().empty()) *inv.out << "LogPath: " << c.log_path() << "\n";
  return kOk;
}

int RunImages(Invocation& inv) {
  absl::StatusOr<krl::cri::ListImagesResponse> list =
      inv.services.image->ListImages(krl::cri::ListImagesRequest());
  if (!list.ok()) return Fail(inv, "ListImages", list.status());
  if (inv.output == Output::kJson) return PrintJson(inv, *list);
  if (inv.args.Has("quiet")) {
    std::set<std::string> seen;
    for (const auto& image : list->images()) {
      if (seen.insert(image.id()).second) *inv.out << image.id() << "\n";
    }
    return kOk;
  }
  struct Row {
    std::string repo, tag, id, size;
  };
  std::vector<Row> rows;
  for (const auto& image : list->images()) {
    const std::string id = Id(inv, image.id());
    const std::string size = HumanSize(image.size());
    if (image.repo_tags_size() == 0) {
      std::string repo = "<none>";
      if (image.repo_digests_size() > 0) repo = SplitRepoTag(image.repo_digests(0)).first;
      rows.push_back({repo, "<none>", id, size});
    }
    for (const std::string& ref : image.repo_tags()) {
      std::pair<std::string, std::string> split = SplitRepoTag(ref);
      rows.push_back({split.first, split.second, id, size});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.repo, a.tag, a.id) < std::tie(b.repo, b.tag, b.id);
  });
  TablePrinter table({"IMAGE", "TAG", "IMAGE ID", "SIZE"});
  for (const Row& row : rows) table.AddRow({row.repo, row.tag, row.id, row.size});
  table.Print(*inv.out);
  return kOk;
}

int RunInspectImage(Invocation& inv) {
  absl::StatusOr<krl::cri::ImageStatusResponse> status = ResolveImage(inv, inv.args.positional[0]);
  if (!status.ok()) return Fail(inv, inv.args.positional[0], status.status());
  if (inv.output == Output::kJson) return PrintJson(inv, *status);
  const krl::cri::Image& image = status->image();
  *inv.out << "ID: " << image.id() << "\n"
           << "Tags: " << absl::StrJoin(image.repo_tags(), ", ") << "\n"
           << "Digests: " << absl::StrJoin(image.repo_digests(), ", ") << "\n"
           << "Size: " << HumanSize(image.size()) << " (" << image.size() << " bytes)\n";
  if (image.has_uid()) *inv.out << "UID: " << image.uid().value() << "\n";
  if (!image.username().empty()) *inv.out << "User: " << image.username() << "\n";
  if (image.pinned()) *inv.out << "Pinned: true\n";
  return kOk;
}

int RunImageFsInfo(Invocation& inv) {
  absl::StatusOr<krl::cri::ImageFsInfoResponse> info =
      inv.services.image->ImageFsInfo(krl::cri::ImageFsInfoRequest());
  if (!info.ok()) return Fail(inv, "ImageFsInfo", info.status());
  if (inv.output == Output::kJson) return PrintJson(inv, *info);
  TablePrinter table({"TYPE", "MOUNTPOINT", "USED", "INODES"});
  auto add = [&](absl::string_view type, const krl::cri::FilesystemUsage& fs) {
    table.AddRow({std::string(type), fs.fs_id().mountpoint(),
                  fs.has_used_bytes() ? HumanSize(fs.used_bytes().value()) : "-",
                  fs.has_inodes_used() ? absl::StrCat(fs.inodes_used().value()) : "-"});
  };
  for (const auto& fs : info->image_filesystems()) add("image", fs);
  for (const auto& fs : info->container_filesystems()) add("container", fs);
  table.Print(*inv.out);
  return kOk;
}

int RunExecSync(Invocation& inv) {
  const std::string& target = inv.args.positional[0];
  std::vector<std::string> command(inv.args.positional.begin() + 1, inv.args.positional.end());
  command.insert(command.end(), inv.args.after_dashes.begin(), inv.args.after_dashes.end());
  int64_t timeout = 0;
  if (inv.args.Has("timeout") && !absl::SimpleAtoi(inv.args.Get("timeout"), &timeout)) {
    // Checked by ValidateTimeout; unreachable.
    timeout = 0;
  }
  absl::StatusOr<std::string> id = ResolveContainer(inv, target);
  if (!id.ok()) return Fail(inv, target, id.status());
  krl::cri::ExecSyncRequest request;
  request.set_container_id(*id);
  for (const std::string& arg : command) request.add_cmd(arg);
  request.set_timeout(timeout);
  absl::StatusOr<krl::cri::ExecSyncResponse> result = inv.services.runtime->ExecSync(request);
  if (!result.ok()) return Fail(inv, "ExecSync", result.status());
  *inv.out << result->stdout();
  *inv.err << result->stderr();
  inv.out->flush();
  inv.err->flush();
  const int code = result->exit_code();
  // Exit statuses are 8 bits: keep a failure a failure even when its low byte is 0.
  if (code == 0) return 0;
  return (code & 0xff) != 0 ? (code & 0xff) : kFailure;
}

int RunStats(Invocation& inv) {
  krl::cri::ListContainerStatsRequest request;
  if (!inv.args.positional.empty()) {
    absl::StatusOr<std::string> id = ResolveContainer(inv, inv.args.positional[0]);
    if (!id.ok()) return Fail(inv, inv.args.positional[0], id.status());
    request.mutable_filter()->set_id(*id);
  }
  if (inv.args.Has("pod")) {
    absl::StatusOr<std::string> pod = ResolvePod(inv, inv.args.Get("pod"));
    if (!pod.ok()) return Fail(inv, inv.args.Get("pod"), pod.status());
    request.mutable_filter()->set_pod_sandbox_id(*pod);
  }
  absl::StatusOr<krl::cri::ListContainerStatsResponse> stats =
      inv.services.runtime->ListContainerStats(request);
  if (!stats.ok()) return Fail(inv, "ListContainerStats", stats.status());
  auto* items = stats->mutable_stats();
  std::stable_sort(items->begin(), items->end(), [](const auto& a, const auto& b) {
    return a.attributes().metadata().name() < b.attributes().metadata().name();
  });
  if (inv.output == Output::kJson) return PrintJson(inv, *stats);
  TablePrinter table({"CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES"});
  for (const auto& s : stats->stats()) {
    char cpu[32] = "-";
    if (s.cpu().has_usage_nano_cores()) {
      std::snprintf(cpu, sizeof cpu, "%.2f",
                    static_cast<double>(s.cpu().usage_nano_cores().value()) / 1e7);
    }
    table.AddRow(
        {Id(inv, s.attributes().id()), s.attributes().metadata().name(), cpu,
         s.memory().has_working_set_bytes() ? HumanSize(s.memory().working_set_bytes().value())
                                            : "-",
         s.writable_layer().has_used_bytes() ? HumanSize(s.writable_layer().used_bytes().value())
                                             : "-",
         s.writable_layer().has_inodes_used()
             ? absl::StrCat(s.writable_layer().inodes_used().value())
             : "-"});
  }
  table.Print(*inv.out);
  return kOk;
}

int RunEvents(Invocation& inv) {
  Interrupt local;  // waits for the stream's end alone when nobody can interrupt
  Interrupt& interrupt = inv.interrupt != nullptr ? *inv.interrupt : local;
  bool done = false;  // guarded by interrupt.mu()
  absl::Status end;   // guarded by interrupt.mu()
  const bool json = inv.output == Output::kJson;
  if (!json) {
    *inv.out << "TIME   EVENT   CONTAINER   POD\n";
    inv.out->flush();
  }
  runtime::ContainerEventHandlers handlers;
  handlers.on_event = [&inv, json](krl::cri::ContainerEventResponse event) {
    if (json) {
      absl::StatusOr<std::string> line = ToJson(event, /*pretty=*/false);
      *inv.out << (line.ok() ? *line : std::string("{}")) << "\n";
    } else {
      const std::string pod = event.pod_sandbox_status().metadata().name().empty()
                                  ? Id(inv, event.pod_sandbox_status().id())
                                  : event.pod_sandbox_status().metadata().name();
      *inv.out << Rfc3339(event.created_at()) << "   "
               << EventTypeName(event.container_event_type()) << "   "
               << Id(inv, event.container_id()) << "   " << pod << "\n";
    }
    inv.out->flush();
  };
  handlers.on_done = [&interrupt, &done, &end](const absl::Status& status) {
    krl::MutexLock lock(&interrupt.mu());
    end = status;
    done = true;
  };
  absl::StatusOr<std::unique_ptr<runtime::ContainerEventSubscription>> subscription =
      inv.services.runtime->GetContainerEvents(krl::cri::GetEventsRequest(), handlers);
  if (!subscription.ok()) return Fail(inv, "GetContainerEvents", subscription.status());
  const bool interrupted =
      interrupt.WaitUntil([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return done; });
  // Cancels the stream (if still open) and waits for the callbacks to finish.
  subscription->reset();
  if (interrupted) return kOk;
  krl::MutexLock lock(&interrupt.mu());
  if (!end.ok()) return Fail(inv, "event stream ended", end);
  return kOk;
}

absl::Status PrepareRunPod(Invocation& inv) {
  return ReadJsonFile(inv.args.positional[0], &inv.pod_config);
}

int RunRunPod(Invocation& inv) {
  krl::cri::RunPodSandboxRequest request;
  *request.mutable_config() = inv.pod_config;
  request.set_runtime_handler(inv.args.Get("runtime"));
  absl::StatusOr<krl::cri::RunPodSandboxResponse> response =
      inv.services.runtime->RunPodSandbox(request);
  if (!response.ok()) return Fail(inv, "RunPodSandbox", response.status());
  *inv.out << response->pod_sandbox_id() << "\n";
  return kOk;
}

absl::Status PrepareCreate(Invocation& inv) {
  absl::Status status = ReadJsonFile(inv.args.positional[1], &inv.container_config);
  if (!status.ok()) return status;
  return ReadJsonFile(inv.args.positional[2], &inv.pod_config);
}

int RunCreate(Invocation& inv) {
  absl::StatusOr<std::string> pod = ResolvePod(inv, inv.args.positional[0]);
  if (!pod.ok()) return Fail(inv, inv.args.positional[0], pod.status());
  krl::cri::CreateContainerRequest request;
  request.set_pod_sandbox_id(*pod);
  *request.mutable_config() = inv.container_config;
  *request.mutable_sandbox_config() = inv.pod_config;
  absl::StatusOr<krl::cri::CreateContainerResponse> response =
      inv.services.runtime->CreateContainer(request);
  if (!response.ok()) return Fail(inv, "CreateContainer", response.status());
  *inv.out << response->container_id() << "\n";
  return kOk;
}

int RunStart(Invocation& inv) {
  return ForEachId(inv, "starting container", ResolveContainer, [&](const std::string& id) {
    krl::cri::StartContainerRequest request;
    request.set_container_id(id);
    return inv.services.runtime->StartContainer(request).status();
  });
}

absl::Status ValidateTimeout(Invocation& inv) {
  int64_t seconds;
  if (inv.args.Has("timeout") &&
      (!absl::SimpleAtoi(inv.args.Get("timeout"), &seconds) || seconds < 0)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid --timeout \"", inv.args.Get("timeout"),
                                                   "\": give whole seconds, 0 or more"));
  }
  return absl::OkStatus();
}

int RunStop(Invocation& inv) {
  int64_t timeout = 0;
  if (inv.args.Has("timeout")) (void)absl::SimpleAtoi(inv.args.Get("timeout"), &timeout);
  return ForEachId(inv, "stopping container", ResolveContainer, [&](const std::string& id) {
    krl::cri::StopContainerRequest request;
    request.set_container_id(id);
    request.set_timeout(timeout);
    return inv.services.runtime->StopContainer(request).status();
  });
}

int RunRemove(Invocation& inv) {
  return ForEachId(inv, "removing container", ResolveContainer, [&](const std::string& id) {
    krl::cri::RemoveContainerRequest request;
    request.set_container_id(id);
    return inv.services.runtime->RemoveContainer(request).status();
  });
}

int RunStopPod(Invocation& inv) {
  return ForEachId(inv, "stopping pod", ResolvePod, [&](const std::string& id) {
    krl::cri::StopPodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    return inv.services.runtime->StopPodSandbox(request).status();
  });
}

int RunRemovePod(Invocation& inv) {
  return ForEachId(inv, "removing pod", ResolvePod, [&](const std::string& id) {
    krl::cri::RemovePodSandboxRequest request;
    request.set_pod_sandbox_id(id);
    return inv.services.runtime->RemovePodSandbox(request).status();
  });
}

int RunRemoveImage(Invocation& inv) {
  int code = kOk;
  for (const std::string& ref : inv.args.positional) {
    absl::StatusOr<krl::cri::ImageStatusResponse> status = ResolveImage(inv, ref);
    if (!status.ok()) {
      code = Fail(inv, ref, status.status());
      continue;
    }
    krl::cri::RemoveImageRequest request;
    request.mutable_image()->set_image(status->image().id());
    absl::StatusOr<krl::cri::RemoveImageResponse> removed =
        inv.services.image->RemoveImage(request);
    if (!removed.ok()) {
      code = Fail(inv, absl::StrCat("removing image ", ref), removed.status());
      continue;
    }
    *inv.out << "Deleted: " << ref << "\n";
  }
  return code;
}

int RunPull(Invocation& inv) {
  krl::cri::PullImageRequest request;
  request.mutable_image()->set_image(inv.args.positional[0]);
  absl::StatusOr<krl::cri::PullImageResponse> pulled = inv.services.image->PullImage(request);
  if (!pulled.ok()) return Fail(inv, "PullImage", pulled.status());
  *inv.out << "Image is up to date for " << pulled->image_ref() << "\n";
  return kOk;
}

int RunHelp(Invocation& inv);

const std::vector<CommandSpec>& Commands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"version",
       "[-o table|json]",
       "runtime name and version, CRI version, build flavour",
       {kOutputOption},
       0,
       0,
       false,
       Output::kTable,
       RunVersion,
       nullptr,
       true},
      {"info",
       "[-o table|json]",
       "runtime conditions, handlers and configuration (Status, RuntimeConfig)",
       {kOutputOption},
       0,
       0,
       false,
       Output::kTable,
       RunInfo,
       nullptr,
       true},
      {"pods",
       "[-q] [--no-trunc] [-o table|json]",
       "list pod sandboxes, newest first",
       {kOutputOption, kQuietOption, kNoTruncOption},
       0,
       0,
       false,
       Output::kTable,
       RunPods,
       nullptr,
       true},
      {"inspectp",
       "POD-ID [-o json|table]",
       "status of one pod sandbox",
       {kOutputOption},
       1,
       1,
       false,
       Output::kJson,
       RunInspectPod,
       nullptr,
       true},
      {"ps",
       "[-a] [-q] [-p POD-ID] [--no-trunc] [-o table|json]",
       "list running containers (-a: all), newest first",
       {kOutputOption,
        kQuietOption,
        kNoTruncOption,
        {"all", 'a', false, "show containers in every state"},
        {"pod", 'p', true, "only containers of this pod"}},
       0,
       0,
       false,
       Output::kTable,
       RunPs,
       nullptr,
       true},
      {"inspect",
       "CONTAINER-ID [-o json|table]",
       "status of one container",
       {kOutputOption},
       1,
       1,
       false,
       Output::kJson,
       RunInspect,
       nullptr,
       true},
      {"images",
       "[-q] [--no-trunc] [-o table|json]",
       "list images",
       {kOutputOption, kQuietOption, kNoTruncOption},
       0,
       0,
       false,
       Output::kTable,
       RunImages,
       nullptr,
       true},
      {"inspecti",
       "IMAGE [-o json|table]",
       "status of one image (reference, id or id prefix)",
       {kOutputOption},
       1,
       1,
       false,
       Output::kJson,
       RunInspectImage,
       nullptr,
       true},
      {"imagefsinfo",
       "[-o table|json]",
       "usage of the image and container filesystems",
       {kOutputOption},
       0,
       0,
       false,
       Output::kTable,
       RunImageFsInfo,
       nullptr,
       true},
      {"exec-sync",
       "[-t SECONDS] CONTAINER-ID -- COMMAND [ARG...]",
       "run a command in a container and wait; exits with the command's exit code",
       {{"timeout", 't', true, "seconds before the command is killed (default 0: none)"}},
       1,
       -1,
       true,
       Output::kTable,
       RunExecSync,
       nullptr,
       true,
       ValidateTimeout},
      {"stats",
       "[CONTAINER-ID] [-p POD-ID] [--no-trunc] [-o table|json]",
       "resource usage of containers",
       {kOutputOption, kNoTruncOption, {"pod", 'p', true, "only containers of this pod"}},
       0,
       1,
       false,
       Output::kTable,
       RunStats,
       nullptr,
       true},
      {"events",
       "[--no-trunc] [-o table|json]",
       "stream container events until interrupted (Ctrl-C)",
       {kOutputOption, kNoTruncOption},
       0,
       0,
       false,
       Output::kTable,
       RunEvents,
       nullptr,
       true},
      {"runp",
       "[--runtime HANDLER] POD-CONFIG.json",
       "start a pod sandbox from a PodSandboxConfig (protobuf JSON); prints its id",
       {{"runtime", 0, true, "runtime handler (RuntimeClass) to use"}},
       1,
       1,
       false,
       Output::kTable,
       RunRunPod,
       PrepareRunPod,
       true},
      {"create",
       "POD-ID CONTAINER-CONFIG.json POD-CONFIG.json",
       "create a container in a pod from a ContainerConfig (protobuf JSON); prints its id",
       {},
       3,
       3,
       false,
       Output::kTable,
       RunCreate,
       PrepareCreate,
       true},
      {"start",
       "CONTAINER-ID...",
       "start created containers",
       {},
       1,
       -1,
       false,
       Output::kTable,
       RunStart,
       nullptr,
       true},
      {"stop",
       "[-t SECONDS] CONTAINER-ID...",
       "stop running containers",
       {{"timeout", 't', true, "grace period in seconds before SIGKILL (default 0)"}},
       1,
       -1,
       false,
       Output::kTable,
       RunStop,
       nullptr,
       true,
       ValidateTimeout},
      {"rm",
       "CONTAINER-ID...",
       "remove containers",
       {},
       1,
       -1,
       false,
       Output::kTable,
       RunRemove,
       nullptr,
       true},
      {"stopp",
       "POD-ID...",
       "stop pod sandboxes and their containers",
       {},
       1,
       -1,
       false,
       Output::kTable,
       RunStopPod,
       nullptr,
       true},
      {"rmp",
       "POD-ID...",
       "remove pod sandboxes and their containers",
       {},
       1,
       -1,
       false,
       Output::kTable,
       RunRemovePod,
       nullptr,
       true},
      {"rmi",
       "IMAGE...",
       "remove images (reference, id or id prefix)",
       {},
       1,
       -1,
       false,
       Output::kTable,
       RunRemoveImage,
       nullptr,
       true},
      {"pull", "IMAGE", "pull an image", {}, 1, 1, false, Output::kTable, RunPull, nullptr, true},
      {"help",
       "[COMMAND]",
       "this help, or a command's",
       {},
       0,
       1,
       false,
       Output::kTable,
       RunHelp,
       nullptr,
       false},
  };
  return *commands;
}

const CommandSpec* FindCommand(absl::string_view name) {
  for (const CommandSpec& spec : Commands()) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

std::string CommandUsage(const CommandSpec& spec) {
  std::string text = absl::StrCat("Usage: cri [global flags] ", spec.name, " ", spec.synopsis,
                                  "\n  ", spec.summary, "\n");
  if (!spec.options.empty()) absl::StrAppend(&text, "Options:\n");
  for (const OptionSpec& option : spec.options) {
    std::string names =
        option.short_name != 0
            ? absl::StrCat("-", std::string(1, option.short_name), ", --", option.long_name)
            : absl::StrCat("    --", option.long_name);
    if (option.takes_value) absl::StrAppend(&names, " VALUE");
    names.resize(std::max<size_t>(names.size() + 2, 26), ' ');
    absl::StrAppend(&text, "  ", names, option.help, "\n");
  }
  return text;
}

int RunHelp(Invocation& inv) {
  if (inv.args.positional.empty()) {
    *inv.out << Usage();
    return kOk;
  }
  const CommandSpec* spec = FindCommand(inv.args.positional[0]);
  if (spec == nullptr) {
    *inv.err << "cri help: unknown command \"" << inv.args.positional[0] << "\"\n";
    return kUsageError;
  }
  *inv.out << CommandUsage(*spec);
  return kOk;
}

// Splits options from positional arguments. Accepts -x VALUE, -x=VALUE, --long VALUE,
// --long=VALUE; "--" ends options. Returns InvalidArgument naming the offending word.
absl::StatusOr<Args> ParseArgs(const CommandSpec& spec, const std::vector<std::string>& words,
                               bool* help) {
  Args args;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--") {
      args.has_dashes = true;
      args.after_dashes.assign(words.begin() + i + 1, words.end());
      break;
    }
    if (word.size() < 2 || word[0] != '-') {
      args.positional.push_back(word);
      continue;
    }
    if (word == "-h" || word == "--help") {
      *help = true;
      continue;
    }
    std::string name = word;
    std::string value;
    bool has_value = false;
    const size_t eq = word.find('=');
    if (eq != std::string::npos) {
      name = word.substr(0, eq);
      value = word.substr(eq + 1);
      has_value = true;
    }
    const OptionSpec* option = nullptr;
    for (const OptionSpec& candidate : spec.options) {
      if (name == absl::StrCat("--", candidate.long_name) ||
          (candidate.short_name != 0 && name == std::string{'-', candidate.short_name})) {
        option = &candidate;
      }
    }
    if (option == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option ", name));
    }
    if (option->takes_value) {
      if (!has_value) {
        if (i + 1 >= words.size()) {
          return absl::InvalidArgumentError(absl::StrCat("option ", name, " needs a value"));
        }
        value = words[++i];
      }
    } else if (has_value) {
      return absl::InvalidArgumentError(absl::StrCat("option ", name, " takes no value"));
    }
    args.options[option->long_name] = value;
  }
  if (args.has_dashes && !spec.takes_command) {
    // Everything after "--" is positional (lets an id start with a dash).
    args.positional.insert(args.positional.end(), args.after_dashes.begin(),
                           args.after_dashes.end());
    args.after_dashes.clear();
  }
  return args;
}

int UsageError(std::ostream& err, const CommandSpec& spec, absl::string_view message) {
  err << "cri " << spec.name << ": " << message << "\n" << CommandUsage(spec);
  return kUsageError;
}

}  // namespace

const char* DockerlessLine() {
#ifdef KRL_DOCKERLESS
  return "dockerless: true";
#else
  return "dockerless: false";
#endif
}

std::string Usage() {
  std::string text =
      "Usage: cri [global flags] COMMAND [ARGS...]\n"
      "A CRI v1 client for debugging a node's container runtime.\n\nCommands:\n";
  for (const CommandSpec& spec : Commands()) {
    std::string name = spec.name;
    name.resize(14, ' ');
    absl::StrAppend(&text, "  ", name, spec.summary, "\n");
  }
  absl::StrAppend(&text, "\n", GlobalOptionsHelp(),
                  "\nIDs may be unique prefixes. `cri help COMMAND` shows a command's options.\n");
  return text;
}

int RunCli(const std::vector<std::string>& args, const ServicesFactory& connect, std::ostream& out,
           std::ostream& err, const CliContext& context) {
  if (args.empty()) {
    err << Usage();
    return kUsageError;
  }
  const CommandSpec* spec = FindCommand(args[0]);
  if (spec == nullptr) {
    err << "cri: unknown command \"" << args[0] << "\" (see: cri help)\n";
    return kUsageError;
  }
  bool help = false;
  absl::StatusOr<Args> parsed =
      ParseArgs(*spec, std::vector<std::string>(args.begin() + 1, args.end()), &help);
  if (help) {
    out << CommandUsage(*spec);
    return kOk;
  }
  if (!parsed.ok()) return UsageError(err, *spec, parsed.status().message());

  Invocation inv;
  inv.spec = spec;
  inv.args = *std::move(parsed);
  inv.out = &out;
  inv.err = &err;
  inv.clock = context.clock != nullptr ? context.clock : &RealClock::Get();
  inv.interrupt = context.interrupt;

  const int count = static_cast<int>(inv.args.positional.size());
  if (count < spec->min_positional) {
    return UsageError(err, *spec, "missing arguments");
  }
  if (spec->max_positional >= 0 && count > spec->max_positional) {
    return UsageError(
        err, *spec,
        absl::StrCat("unexpected argument \"", inv.args.positional[spec->max_positional], "\""));
  }
  if (spec->takes_command && inv.args.positional.size() + inv.args.after_dashes.size() < 2) {
    return UsageError(err, *spec, "missing the command to run (after --)");
  }
  inv.output = spec->default_output;
  if (inv.args.Has("output")) {
    const std::string format = inv.args.Get("output");
    if (format == "json") {
      inv.output = Output::kJson;
    } else if (format == "table") {
      inv.output = Output::kTable;
    } else {
      return UsageError(err, *spec,
                        absl::StrCat("unknown output format \"", format, "\" (table or json)"));
    }
  }
  if (spec->validate != nullptr) {
    absl::Status valid = spec->validate(inv);
    if (!valid.ok()) return UsageError(err, *spec, valid.message());
  }
  if (spec->prepare != nullptr) {
    absl::Status prepared = spec->prepare(inv);
    if (!prepared.ok()) {
      err << "cri " << spec->name << ": " << prepared.message() << "\n";
      return kFailure;
    }
  }
  if (spec->needs_services) {
    absl::StatusOr<Services> services = connect();
    if (!services.ok()) {
      err << "cri " << spec->name << ": cannot reach the runtime: " << StatusText(services.status())
          << "\n";
      return kFailure;
    }
    inv.services = *services;
  }
  return spec->run(inv);
}

int RunCli(const std::vector<std::string>& args, runtime::RuntimeService& runtime,
           runtime::ImageService& image, std::ostream& out, std::ostream& err,
           const CliContext& context) {
  Services services{&runtime, &image};
  return RunCli(
      args, [services]() -> absl::StatusOr<Services> { return services; }, out, err, context);
}

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
