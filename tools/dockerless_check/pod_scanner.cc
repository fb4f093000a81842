#include "tools/dockerless_check/pod_scanner.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/dockerless_check/engine_markers.h"

namespace krl::tools::dockerless_check {
namespace {

namespace fs = std::filesystem;

// Reading a missing key of a const node never inserts; non-maps have no children.
YAML::Node Child(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap()) return YAML::Node();
  return node[key];
}

std::string Scalar(const YAML::Node& node) {
  return node && node.IsScalar() ? node.Scalar() : std::string();
}

std::vector<YAML::Node> Items(const YAML::Node& node) {
  std::vector<YAML::Node> items;
  if (node && node.IsSequence()) {
    for (const YAML::Node& item : node) items.push_back(item);
  }
  return items;
}

// Command words: a shell command line is split at anything that cannot be part of a path.
std::vector<std::string> Words(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    const bool path_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '-' || c == '_';
    if (path_char) {
      word.push_back(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string Basename(absl::string_view word) {
  const size_t slash = word.rfind('/');
  return std::string(slash == absl::string_view::npos ? word : word.substr(slash + 1));
}

std::string Excerpt(absl::string_view text) {
  constexpr size_t kMax = 80;
  return text.size() <= kMax ? std::string(text) : absl::StrCat(text.substr(0, kMax), "...");
}

void CheckContainer(const YAML::Node& container,
                    const std::map<std::string, std::string>& host_volumes,
                    std::vector<std::string>& reasons) {
  const std::string name = Scalar(Child(container, "name"));
  const std::string who = absl::StrCat("container \"", name, "\"");

  const std::string image = Scalar(Child(container, "image"));
  if (!image.empty() && IsEngineClientImage(image)) {
    reasons.push_back(absl::StrCat(who, " uses image ", image, ": ", EngineClientImageWhat()));
  }

  // A hostPath of /var/run is harmless until a mount picks docker.sock out of it by subPath.
  for (const YAML::Node& mount : Items(Child(container, "volumeMounts"))) {
    const auto volume = host_volumes.find(Scalar(Child(mount, "name")));
    const std::string sub_path = Scalar(Child(mount, "subPath"));
    if (volume == host_volumes.end() || sub_path.empty()) continue;
    if (FindEngineHostPath(volume->second) != nullptr) continue;  // reported with the volume
    const std::string path = NormalizeHostPath(absl::StrCat(volume->second, "/", sub_path));
    if (const HostPathMarker* marker = FindEngineHostPath(path)) {
      reasons.push_back(absl::StrCat(who, " mounts host path ", path, " (volume \"", volume->first,
                                     "\", subPath ", sub_path, "): ", marker->what));
    }
  }

  std::vector<std::string> argv;
  for (const char* key : {"command", "args"}) {
    for (const YAML::Node& word : Items(Child(container, key))) argv.push_back(Scalar(word));
  }
  const std::string command_line = absl::StrJoin(argv, " ");
  bool reported_program = false;
  for (const std::string& word : Words(command_line)) {
    const std::string program = Basename(word);
    if (!reported_program && IsEngineClientProgram(program)) {
      reasons.push_back(absl::StrCat(who, " runs ", program, ": ", Excerpt(command_line)));
      reported_program = true;
    }
    if (word.front() == '/') {
      if (const HostPathMarker* marker = FindEngineHostPath(NormalizeHostPath(word))) {
        reasons.push_back(absl::StrCat(who, " command uses ", word, ": ", marker->what));
      }
    }
  }

  for (const YAML::Node& env : Items(Child(container, "env"))) {
    // The value is not printed: environment values may hold secrets.
    if (Scalar(Child(env, "name")) == EngineHostVariable()) {
      reasons.push_back(absl::StrCat(who, " sets ", EngineHostVariable()));
    }
  }
}

std::vector<std::string> CheckPodSpec(const YAML::Node& spec) {
  std::vector<std::string> reasons;
  std::map<std::string, std::string> host_volumes;
  for (const YAML::Node& volume : Items(Child(spec, "volumes"))) {
    const std::string raw = Scalar(Child(Child(volume, "hostPath"), "path"));
    if (raw.empty()) continue;
    const std::string name = Scalar(Child(volume, "name"));
    const std::string path = NormalizeHostPath(raw);
    host_volumes[name] = path;
    if (const HostPathMarker* marker = FindEngineHostPath(path)) {
      reasons.push_back(
          absl::StrCat("volume \"", name, "\" mounts host path ", path, ": ", marker->what));
    }
  }
  for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
    for (const YAML::Node& container : Items(Child(spec, list))) {
      CheckContainer(container, host_volumes, reasons);
    }
  }
  return reasons;
}

// The pod spec of an object: a Pod's own, or the template of a workload object.
YAML::Node PodSpecOf(const YAML::Node& object, const std::string& kind) {
  const YAML::Node spec = Child(object, "spec");
  if (kind == "CronJob") {
    return Child(Child(Child(Child(spec, "jobTemplate"), "spec"), "template"), "spec");
  }
  const YAML::Node from_template = Child(Child(spec, "template"), "spec");
  if (from_template && from_template.IsMap()) return from_template;
  if (kind == "Pod" || kind.empty() || Child(spec, "containers")) return spec;
  return YAML::Node();
}

void ScanObject(const std::string& file, const YAML::Node& object, ManifestScan& scan) {
  if (!object.IsMap()) return;
  const std::string kind = Scalar(Child(object, "kind"));
  if (kind == "List" || absl::EndsWith(kind, "List")) {
    for (const YAML::Node& item : Items(Child(object, "items"))) ScanObject(file, item, scan);
    return;
  }
  const YAML::Node spec = PodSpecOf(object, kind);
  if (!spec || !spec.IsMap()) return;
  ++scan.objects;
  std::vector<std::string> reasons = CheckPodSpec(spec);
  if (reasons.empty()) return;
  const YAML::Node metadata = Child(object, "metadata");
  std::string ns = Scalar(Child(metadata, "namespace"));
  if (ns.empty()) ns = "default";
  scan.findings.push_back(
      {file,
       absl::StrCat(kind.empty() ? "Pod" : kind, " ", ns, "/", Scalar(Child(metadata, "name"))),
       std::move(reasons)});
}

}  // namespace

std::string NormalizeHostPath(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

void ScanManifestText(const std::string& file, absl::string_view text, ManifestScan& scan) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    scan.errors.push_back(absl::StrCat(file, ": cannot parse: ", e.what()));
    return;
  }
  for (const YAML::Node& document : documents) ScanObject(file, document, scan);
}

absl::StatusOr<ManifestScan> ScanManifests(const std::string& path) {
  ManifestScan scan;
  scan.path = path;
  std::error_code error;
  std::vector<std::string> files;
  if (fs::is_directory(path, error)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.front() == '.' || !entry.is_regular_file(error)) continue;
      files.push_back(entry.path().string());
    }
    if (error) {
      return absl::PermissionDeniedError(absl::StrCat("cannot list ", path, ": ", error.message()));
    }
    std::sort(files.begin(), files.end());
  } else if (fs::is_regular_file(path, error)) {
    files.push_back(path);
  } else {
    return absl::NotFoundError(absl::StrCat("no manifest folder or file at ", path));
  }
  for (const std::string& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      scan.errors.push_back(absl::StrCat(file, ": cannot read"));
      continue;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    ++scan.files;
    ScanManifestText(file, buffer.str(), scan);
  }
  return scan;
}

}  // namespace krl::tools::dockerless_check
