#include "tools/run_demo/pod_table.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace krl {
namespace tools {
namespace run_demo {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

const Value* Field(const Struct& object, const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? nullptr : &it->second;
}

const Struct* Object(const Struct& object, const std::string& name) {
  const Value* v = Field(object, name);
  return v != nullptr && v->has_struct_value() ? &v->struct_value() : nullptr;
}

std::string String(const Struct* object, const std::string& name) {
  if (object == nullptr) return "";
  const Value* v = Field(*object, name);
  return v != nullptr && v->kind_case() == Value::kStringValue ? v->string_value() : "";
}

double Number(const Struct* object, const std::string& name) {
  if (object == nullptr) return 0;
  const Value* v = Field(*object, name);
  return v != nullptr && v->kind_case() == Value::kNumberValue ? v->number_value() : 0;
}

bool Bool(const Struct* object, const std::string& name) {
  if (object == nullptr) return false;
  const Value* v = Field(*object, name);
  return v != nullptr && v->kind_case() == Value::kBoolValue && v->bool_value();
}

std::vector<const Struct*> Objects(const Struct* object, const std::string& name) {
  std::vector<const Struct*> out;
  if (object == nullptr) return out;
  const Value* v = Field(*object, name);
  if (v == nullptr || !v->has_list_value()) return out;
  for (const Value& item : v->list_value().values()) {
    if (item.has_struct_value()) out.push_back(&item.struct_value());
  }
  return out;
}

// A terminated state's reason as kubectl shows it.
std::string TerminatedReason(const Struct* terminated, absl::string_view prefix) {
  std::string reason = String(terminated, "reason");
  if (!reason.empty()) return absl::StrCat(prefix, reason);
  int signal = static_cast<int>(Number(terminated, "signal"));
  if (signal != 0) return absl::StrCat(prefix, "Signal:", signal);
  return absl::StrCat(prefix, "ExitCode:", static_cast<int>(Number(terminated, "exitCode")));
}

PodRow RowOf(const Struct& pod, absl::Time now) {
  PodRow row;
  const Struct* metadata = Object(pod, "metadata");
  const Struct* spec = Object(pod, "spec");
  const Struct* status = Object(pod, "status");
  row.name = String(metadata, "name");
  row.uid = String(metadata, "uid");

  std::string reason = String(status, "phase");
  if (!String(status, "reason").empty()) reason = String(status, "reason");

  const std::vector<const Struct*> init_specs = Objects(spec, "initContainers");
  bool initializing = false;
  int restarts = 0;
  const std::vector<const Struct*> init_statuses = Objects(status, "initContainerStatuses");
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const Struct* cs = init_statuses[i];
    restarts += static_cast<int>(Number(cs, "restartCount"));
    const Struct* state = Object(*cs, "state");
    const Struct* terminated = state ? Object(*state, "terminated") : nullptr;
    const Struct* waiting = state ? Object(*state, "waiting") : nullptr;
    bool sidecar = false;
    for (const Struct* s : init_specs) {
      if (String(s, "name") == String(cs, "name")) sidecar = String(s, "restartPolicy") == "Always";
    }
    if (terminated != nullptr && Number(terminated, "exitCode") == 0) continue;
    if (sidecar && Bool(cs, "started")) continue;
    initializing = true;
    if (terminated != nullptr) {
      reason = TerminatedReason(terminated, "Init:");
    } else if (waiting != nullptr && !String(waiting, "reason").empty() &&
               String(waiting, "reason") != "PodInitializing") {
      reason = absl::StrCat("Init:", String(waiting, "reason"));
    } else {
      reason = absl::StrCat("Init:", i, "/", init_specs.size());
    }
    break;
  }

  const std::vector<const Struct*> statuses = Objects(status, "containerStatuses");
  const size_t total = Objects(spec, "containers").size();
  int ready = 0;
  if (!initializing) {
    restarts = 0;
    bool has_running = false;
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const Struct* cs = *it;
      restarts += static_cast<int>(Number(cs, "restartCount"));
      const Struct* state = Object(*cs, "state");
      const Struct* waiting = state ? Object(*state, "waiting") : nullptr;
      const Struct* terminated = state ? Object(*state, "terminated") : nullptr;
      const Struct* running = state ? Object(*state, "running") : nullptr;
      if (waiting != nullptr && !String(waiting, "reason").empty()) {
        reason = String(waiting, "reason");
      } else if (terminated != nullptr) {
        reason = TerminatedReason(terminated, "");
      } else if (running != nullptr && Bool(cs, "ready")) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) reason = "Running";
  }
  if (String(status, "reason") == "NetworkNotReady") reason = "NetworkNotReady";
  row.status = reason;
  row.restarts = restarts;
  row.ready = absl::StrCat(ready, "/", total);
  row.all_ready = total > 0 && static_cast<size_t>(ready) == total;

  absl::Time since = absl::InfinitePast();
  std::string error;
  const Struct* annotations = metadata ? Object(*metadata, "annotations") : nullptr;
  std::string seen = String(annotations, "kubernetes.io/config.seen");
  if (seen.empty() || !absl::ParseTime(absl::RFC3339_full, seen, &since, &error)) {
    std::string start = String(status, "startTime");
    if (start.empty() || !absl::ParseTime(absl::RFC3339_full, start, &since, &error)) {
      since = absl::InfinitePast();
    }
  }
  row.age = since == absl::InfinitePast() ? "-" : HumanAge(now - since);
  return row;
}

}  // namespace

std::string HumanAge(absl::Duration age) {
  if (age < absl::ZeroDuration()) age = absl::ZeroDuration();
  int64_t s = absl::ToInt64Seconds(age);
  if (s < 120) return absl::StrCat(s, "s");
  int64_t m = s / 60;
  if (m < 10) return absl::StrCat(m, "m", s % 60, "s");
  if (m < 180) return absl::StrCat(m, "m");
  int64_t h = m / 60;
  if (h < 48) return absl::StrCat(h, "h", m % 60 == 0 ? "" : absl::StrCat(m % 60, "m"));
  return absl::StrCat(h / 24, "d", h % 24 == 0 ? "" : absl::StrCat(h % 24, "h"));
}

absl::StatusOr<std::vector<PodRow>> ParsePodList(absl::string_view json, absl::Time now) {
  Struct list;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &list);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("not JSON: ", parsed.ToString()));
  }
  if (String(&list, "kind") != "PodList") {
    return absl::InvalidArgumentError("not a PodList (kind is not \"PodList\")");
  }
  std::vector<PodRow> rows;
  for (const Struct* pod : Objects(&list, "items")) rows.push_back(RowOf(*pod, now));
  return rows;
}

std::string FormatPodTable(const std::vector<PodRow>& rows) {
  std::vector<std::vector<std::string>> cells = {{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}};
  for (const PodRow& row : rows) {
    cells.push_back({row.name, row.ready, row.status, absl::StrCat(row.restarts), row.age});
  }
  std::vector<size_t> widths(5, 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      absl::StrAppend(&text, line[i]);
      if (i + 1 < line.size()) text.append(widths[i] - line[i].size() + 3, ' ');
    }
    absl::StrAppend(&out, text, "\n");
  }
  return out;
}

}  // namespace run_demo
}  // namespace tools
}  // namespace krl
