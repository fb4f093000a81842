#include "tools/dockerless_check/migration_check.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <climits>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "tools/dockerless_check/engine_markers.h"

namespace krl::tools::dockerless_check {

const char kCheckUsage[] =
    "usage: dockerless_check [--endpoint=unix:///PATH]... [--pod-manifest-path=PATH]\n"
    "                        [--host-root=DIR] [--well-known=true|false] [--timeout=2s]\n"
    "                        [-o text|json]\n"
    "Checks a node before its kubelet moves to a CRI runtime: finds the CRI runtimes here and\n"
    "the --container-runtime-endpoint to use, and lists pod manifests that need changes.\n"
    "  --endpoint            a CRI socket to probe first (repeatable)\n"
    "  --pod-manifest-path   the kubelet's static pod folder (or one file) to scan\n"
    "  --host-root           where the node's / is mounted, when run inside a container\n"
    "  --well-known=false    probe only the --endpoint sockets\n"
    "  --timeout             deadline of each Version call (default 2s)\n"
    "  -o, --output          text (default) or json\n"
    "Exit status: 0 ready, 1 something needs attention, 2 bad usage.\n";

namespace {

// Accepts `--name=value` and `--name value`; advances `i` past a separate value.
bool TakeValue(int argc, char** argv, int& i, std::initializer_list<absl::string_view> names,
               std::string* value, absl::Status* error) {
  absl::string_view arg = argv[i];
  for (absl::string_view name : names) {
    if (arg == name) {
      if (i + 1 >= argc) {
        *error = absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
        return true;
      }
      *value = argv[++i];
      return true;
    }
    absl::string_view rest = arg;
    if (absl::ConsumePrefix(&rest, name) && absl::ConsumePrefix(&rest, "=")) {
      *value = std::string(rest);
      return true;
    }
  }
  return false;
}

std::string OnHost(const std::string& host_root, absl::string_view path) {
  absl::string_view root = absl::StripSuffix(host_root, "/");
  return absl::StrCat(root, path);
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

// The same socket may be reached by two names (/var/run -> /run, an --endpoint that is also a
// well-known path); it is probed once.
std::string Identity(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
}

std::string Describe(const RuntimeProbe& probe) {
  if (probe.answered) {
    return absl::StrCat("answers: ", probe.runtime_name, " ", probe.runtime_version, " (CRI ",
                        probe.runtime_api_version, ")");
  }
  return probe.error;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string JsonStrings(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    absl::StrAppend(&out, i ? ", " : "", JsonString(values[i]));
  }
  return out + "]";
}

}  // namespace

absl::StatusOr<CheckOptions> ParseCheckArgs(int argc, char** argv, bool* help) {
  CheckOptions options;
  *help = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    std::string value;
    absl::Status error;
    if (arg == "-h" || arg == "--help") {
      *help = true;
      return CheckOptions();
    } else if (TakeValue(argc, argv, i, {"--endpoint"}, &value, &error)) {
      if (!error.ok()) return error;
      absl::StatusOr<std::string> endpoint = NormalizeEndpoint(value);
      if (!endpoint.ok()) return endpoint.status();
      options.endpoints.push_back(*endpoint);
    } else if (TakeValue(argc, argv, i, {"--pod-manifest-path"}, &value, &error)) {
      if (!error.ok()) return error;
      options.pod_manifest_path = value;
    } else if (TakeValue(argc, argv, i, {"--host-root"}, &value, &error)) {
      if (!error.ok()) return error;
      if (!absl::StartsWith(value, "/")) {
        return absl::InvalidArgumentError("--host-root needs an absolute path");
      }
      options.host_root = value;
    } else if (TakeValue(argc, argv, i, {"--timeout"}, &value, &error)) {
      if (!error.ok()) return error;
      if (!absl::ParseDuration(value, &options.timeout) ||
          options.timeout <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat("bad --timeout ", value, " (try 2s)"));
      }
    } else if (TakeValue(argc, argv, i, {"-o", "--output"}, &value, &error)) {
      if (!error.ok()) return error;
      if (value != "json" && value != "text") {
        return absl::InvalidArgumentError(
            absl::StrCat("bad output format ", value, " (text or json)"));
      }
      options.json = value == "json";
    } else if (arg == "--well-known" || arg == "--well-known=true") {
      options.well_known = true;
    } else if (arg == "--well-known=false") {
      options.well_known = false;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument ", arg));
    }
  }
  return options;
}

CheckReport RunMigrationCheck(const CheckOptions& options) {
  CheckReport report;
  std::set<std::string> probed;

  for (const std::string& endpoint : options.endpoints) {
    // An endpoint given by hand is a path on this machine, not under --host-root.
    const std::string path = EndpointPath(endpoint);
    if (!probed.insert(Identity(path)).second) continue;
    RuntimeStatus status{"--endpoint", ProbeRuntime(endpoint, path, options.timeout)};
    if (!status.probe.answered) {
      report.attention.push_back(
          absl::StrCat("--endpoint ", endpoint, " does not answer: ", status.probe.error));
    }
    report.runtimes.push_back(std::move(status));
  }

  if (options.well_known) {
    for (const KnownSocket& known : WellKnownCriSockets()) {
      const std::string dial_path = OnHost(options.host_root, known.path);
      if (!probed.insert(Identity(dial_path)).second) continue;
      RuntimeStatus status{
          std::string(known.runtime),
          ProbeRuntime(absl::StrCat("unix://", known.path), dial_path, options.timeout)};
      if (status.probe.present && !status.probe.answered) {
        report.attention.push_back(absl::StrCat(known.runtime, " socket ", known.path,
                                                " does not answer: ", status.probe.error));
      }
      report.runtimes.push_back(std::move(status));
    }
    if (Exists(OnHost(options.host_root, ShimSocketPath()))) {
      report.attention.push_back(absl::StrCat(ShimSocketPath(), " exists: ", ShimSocketAdvice()));
    }
    if (Exists(OnHost(options.host_root, EngineSocketPath()))) {
      report.notes.push_back(absl::StrCat(EngineSocketPath(), " exists: ", EngineSocketNote()));
    }
  }

  int answered = 0;
  for (const RuntimeStatus& status : report.runtimes) {
    if (!status.probe.answered) continue;
    if (++answered == 1) report.container_runtime_endpoint = status.probe.endpoint;
  }
  if (answered == 0) {
    report.attention.push_back(
        "no CRI runtime answered: start containerd or CRI-O (or give its socket with --endpoint)");
  } else if (answered > 1) {
    report.notes.push_back(
        absl::StrCat(answered,
                     " CRI runtimes answer; the kubelet talks to exactly one, so the first that "
                     "answered is suggested"));
  }

  if (!options.pod_manifest_path.empty()) {
    absl::StatusOr<ManifestScan> scan = ScanManifests(options.pod_manifest_path);
    if (!scan.ok()) {
      report.attention.push_back(std::string(scan.status().message()));
    } else {
      for (const std::string& error : scan->errors) report.attention.push_back(error);
      for (const PodFinding& finding : scan->findings) {
        report.attention.push_back(absl::StrCat(
            finding.file, ": ", finding.object, " needs changes (", finding.reasons.size(),
            finding.reasons.size() == 1 ? " reason)" : " reasons)"));
      }
      report.manifests = *std::move(scan);
    }
  } else {
    report.notes.push_back("pod manifests were not scanned: give --pod-manifest-path");
  }
  return report;
}

std::string RenderText(const CheckReport& report) {
  std::string out = "CRI runtimes:\n";
  for (const RuntimeStatus& status : report.runtimes) {
    absl::StrAppend(&out, absl::StrFormat("  %-12s %-45s %s\n", status.runtime,
                                          status.probe.endpoint, Describe(status.probe)));
  }
  if (report.runtimes.empty()) absl::StrAppend(&out, "  (none probed)\n");
  if (!report.container_runtime_endpoint.empty()) {
    absl::StrAppend(&out, "\nuse: --container-runtime-endpoint=", report.container_runtime_endpoint,
                    "\n");
  }
  if (report.manifests.has_value()) {
    const ManifestScan& scan = *report.manifests;
    absl::StrAppend(&out, "\npod manifests in ", scan.path, ": ", scan.files, " files, ",
                    scan.objects, " pods, ", scan.findings.size(), " need changes\n");
    for (const PodFinding& finding : scan.findings) {
      absl::StrAppend(&out, "  ", finding.file, ": ", finding.object, "\n");
      for (const std::string& reason : finding.reasons) {
        absl::StrAppend(&out, "    - ", reason, "\n");
      }
    }
  }
  if (!report.notes.empty()) {
    absl::StrAppend(&out, "\nnotes:\n");
    for (const std::string& note : report.notes) absl::StrAppend(&out, "  - ", note, "\n");
  }
  if (!report.attention.empty()) {
    absl::StrAppend(&out, "\nneeds attention:\n");
    for (const std::string& item : report.attention) absl::StrAppend(&out, "  - ", item, "\n");
  }
  absl::StrAppend(&out, "\nresult: ",
                  report.ok() ? std::string("ready")
                              : absl::StrCat(report.attention.size(), " things need attention"),
                  "\n");
  return out;
}

std::string RenderJson(const CheckReport& report) {
  std::string out = "{\n  \"runtimes\": [";
  for (size_t i = 0; i < report.runtimes.size(); ++i) {
    const RuntimeStatus& s = report.runtimes[i];
    absl::StrAppend(&out, i ? "," : "", "\n    {\"runtime\": ", JsonString(s.runtime),
                    ", \"endpoint\": ", JsonString(s.probe.endpoint),
                    ", \"present\": ", s.probe.present ? "true" : "false",
                    ", \"answered\": ", s.probe.answered ? "true" : "false",
                    ", \"runtime_name\": ", JsonString(s.probe.runtime_name),
                    ", \"runtime_version\": ", JsonString(s.probe.runtime_version),
                    ", \"runtime_api_version\": ", JsonString(s.probe.runtime_api_version),
                    ", \"error\": ", JsonString(s.probe.error), "}");
  }
  absl::StrAppend(&out, report.runtimes.empty() ? "],\n" : "\n  ],\n");
  absl::StrAppend(&out, "  \"container_runtime_endpoint\": ",
                  JsonString(report.container_runtime_endpoint), ",\n");
  if (report.manifests.has_value()) {
    absl::StrAppend(&out, "  \"manifests\": {\"path\": ", JsonString(report.manifests->path),
                    ", \"files\": ", report.manifests->files,
                    ", \"pods\": ", report.manifests->objects, "},\n");
  } else {
    absl::StrAppend(&out, "  \"manifests\": null,\n");
  }
  absl::StrAppend(&out, "  \"pods\": [");
  const std::vector<PodFinding> no_findings;
  const std::vector<PodFinding>& findings =
      report.manifests.has_value() ? report.manifests->findings : no_findings;
  for (size_t i = 0; i < findings.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", "\n    {\"file\": ", JsonString(findings[i].file),
                    ", \"object\": ", JsonString(findings[i].object),
                    ", \"reasons\": ", JsonStrings(findings[i].reasons), "}");
  }
  absl::StrAppend(&out, findings.empty() ? "],\n" : "\n  ],\n");
  absl::StrAppend(&out, "  \"attention\": ", JsonStrings(report.attention), ",\n");
  absl::StrAppend(&out, "  \"notes\": ", JsonStrings(report.notes), ",\n");
  absl::StrAppend(&out, "  \"ok\": ", report.ok() ? "true" : "false", "\n}\n");
  return out;
}

int MigrationCheckMain(int argc, char** argv, std::ostream& out, std::ostream& err) {
  bool help = false;
  absl::StatusOr<CheckOptions> options = ParseCheckArgs(argc, argv, &help);
  if (help) {
    out << kCheckUsage;
    return 0;
  }
  if (!options.ok()) {
    err << "error: " << options.status().message() << "\n" << kCheckUsage;
    return 2;
  }
  const CheckReport report = RunMigrationCheck(*options);
  out << (options->json ? RenderJson(report) : RenderText(report));
  return report.ok() ? 0 : 1;
}

}  // namespace krl::tools::dockerless_check
