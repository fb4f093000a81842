#include "api/core/v1/manifest_decoder.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "api/core/v1/field_policy.h"
#include "api/core/v1/internal/utf8.h"
#include "api/core/v1/json_encoder.h"
#include "api/core/v1/quantity.h"
#include "api/core/v1/validation.h"

namespace krl {
namespace api {
namespace core {
namespace v1 {
namespace {

#define KRL_RETURN_IF_ERROR(expr)              \
  do {                                         \
    absl::Status krl_status_ = (expr);         \
    if (!krl_status_.ok()) return krl_status_; \
  } while (false)

// Bounds the work per file: YAML aliases can make a small file expand into a huge tree.
constexpr int64_t kMaxNodes = 1000000;

// The message of the status a field callback returns for a key it does not read.
constexpr char kNotHandled[] = "field not handled";

// How a scalar reads under YAML 1.1 resolution, which Kubernetes' YAML reader uses.
enum class ScalarKind { kString, kInt, kFloat, kBool };

bool IsOneOf(absl::string_view s, absl::Span<const absl::string_view> words) {
  for (absl::string_view word : words) {
    if (s == word) return true;
  }
  return false;
}

// Parses a YAML 1.1 integer: an optional sign, then decimal, 0x hex, 0o or leading-0 octal, or 0b
// binary digits, with '_' separators allowed.
bool ParseYamlInt(const std::string& text, int64_t* value) {
  std::string s;
  for (char c : text) {
    if (c != '_') s.push_back(c);
  }
  if (s.empty()) return false;
  size_t pos = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    pos = 1;
  }
  int base = 10;
  if (s.size() > pos + 1 && s[pos] == '0') {
    char marker = s[pos + 1];
    if (marker == 'x' || marker == 'X') {
      base = 16;
      pos += 2;
    } else if (marker == 'o' || marker == 'O') {
      base = 8;
      pos += 2;
    } else if (marker == 'b' || marker == 'B') {
      base = 2;
      pos += 2;
    } else {
      base = 8;
      pos += 1;
    }
  }
  if (pos >= s.size()) return false;
  uint64_t magnitude = 0;
  for (size_t i = pos; i < s.size(); ++i) {
    int digit;
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    if (digit >= base) return false;
    // Saturate: anything beyond int64 is reported as out of range by the caller.
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / base) {
      magnitude = std::numeric_limits<uint64_t>::max();
    } else {
      magnitude = magnitude * base + digit;
    }
  }
  // Values beyond int64 saturate to its bounds; callers refuse the bounds as out of range.
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    *value = magnitude > kMaxPositive ? std::numeric_limits<int64_t>::min()
                                      : -static_cast<int64_t>(magnitude);
  } else {
    *value = magnitude > kMaxPositive ? std::numeric_limits<int64_t>::max()
                                      : static_cast<int64_t>(magnitude);
  }
  return true;
}

bool IsYamlFloat(const std::string& s) {
  static constexpr absl::string_view kSpecial[] = {".inf",  ".Inf",  ".INF",  "+.inf",
                                                   "+.Inf", "+.INF", "-.inf", "-.Inf",
                                                   "-.INF", ".nan",  ".NaN",  ".NAN"};
  if (IsOneOf(s, kSpecial)) return true;
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t pos = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
  size_t integer_digits = 0;
  while (pos < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[pos]))) {
    ++pos;
    ++integer_digits;
  }
  size_t fraction_digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[pos]))) {
      ++pos;
      ++fraction_digits;
    }
  }
  if (integer_digits == 0 && fraction_digits == 0) return false;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
    size_t exponent_digits = 0;
    while (pos < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[pos]))) {
      ++pos;
      ++exponent_digits;
    }
    if (exponent_digits == 0) return false;
  }
  return pos == s.size();
}

constexpr absl::string_view kTrueWords[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                            "True", "TRUE", "on",  "On",  "ON"};
constexpr absl::string_view kFalseWords[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                             "False", "FALSE", "off", "Off", "OFF"};

ScalarKind Resolve(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  // "!" marks a quoted or block scalar: always a string. Explicit tags are taken at their word.
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return ScalarKind::kString;
  if (tag == "tag:yaml.org,2002:int") return ScalarKind::kInt;
  if (tag == "tag:yaml.org,2002:float") return ScalarKind::kFloat;
  if (tag == "tag:yaml.org,2002:bool") return ScalarKind::kBool;
  const std::string& s = node.Scalar();
  if (IsOneOf(s, kTrueWords) || IsOneOf(s, kFalseWords)) return ScalarKind::kBool;
  int64_t ignored;
  if (ParseYamlInt(s, &ignored)) return ScalarKind::kInt;
  if (IsYamlFloat(s)) return ScalarKind::kFloat;
  return ScalarKind::kString;
}

std::string Quote(absl::string_view s) {
  constexpr size_t kMaxShown = 60;
  if (s.size() > kMaxShown)
    return absl::StrCat("\"", absl::CHexEscape(s.substr(0, kMaxShown)), "...\"");
  return absl::StrCat("\"", absl::CHexEscape(s), "\"");
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "an object";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      switch (Resolve(node)) {
        case ScalarKind::kString:
          return absl::StrCat("the string ", Quote(node.Scalar()));
        case ScalarKind::kInt:
        case ScalarKind::kFloat:
          return absl::StrCat("the number ", node.Scalar());
        case ScalarKind::kBool:
          return absl::StrCat("the boolean ", node.Scalar());
      }
      break;
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? 0 : mark.line + 1;
}

std::string Join(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

template <typename E>
std::string SupportedValues() {
  std::vector<std::string> names;
  for (const auto& entry : EnumValues<E>()) {
    if (!entry.second.empty()) names.push_back(absl::StrCat("\"", entry.second, "\""));
  }
  return absl::StrJoin(names, ", ");
}

class Decoder {
 public:
  Decoder(absl::string_view file_name, const DecodeOptions& options)
      : options_(options), file_name_(file_name) {}

  // Appends the pods of one YAML document to `pods`.
  absl::Status DecodeDocument(const YAML::Node& document, std::vector<Pod>* pods) {
    if (document.IsNull()) return absl::OkStatus();
    lines_.clear();
    document_line_ = LineOf(document);
    if (!document.IsMap()) {
      return Fail(document, "",
                  absl::StrCat("expected a Pod object (apiVersion: v1, kind: Pod), got ",
                               Describe(document)));
    }
    std::string kind;
    KRL_RETURN_IF_ERROR(CheckTypeFields(document, "", /*required=*/true, &kind));
    if (kind == "Pod") {
      Pod pod;
      KRL_RETURN_IF_ERROR(DecodePod(document, "", &pod));
      pods->push_back(std::move(pod));
      return absl::OkStatus();
    }
    // A PodList.
    return Object(
        document, "", "PodList",
        [&](const std::string& key, const YAML::Node& value,
            const std::string& path) -> absl::Status {
          if (key == "apiVersion" || key == "kind") return absl::OkStatus();  // checked above
          if (key != "items") return NotHandled();
          return List(value, path, [&](const YAML::Node& item, const std::string& item_path) {
            std::string item_kind;
            if (item.IsMap()) {
              KRL_RETURN_IF_ERROR(CheckTypeFields(item, item_path, /*required=*/false, &item_kind));
            }
            Pod pod;
            KRL_RETURN_IF_ERROR(DecodePod(item, item_path, &pod));
            pods->push_back(std::move(pod));
            return absl::OkStatus();
          });
        });
  }

 private:
  // The error for two pods with the same namespace and name in one file.
  absl::Status CheckUnique(const Pod& pod, int line) {
    std::string key = absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name);
    auto [it, inserted] = pod_lines_.emplace(key, line);
    if (inserted) return absl::OkStatus();
    return Error(
        line, "metadata.name",
        absl::StrCat("duplicate pod ", Quote(key), " (also defined at line ", it->second, ")"));
  }

  using FieldFn = std::function<absl::Status(const std::string& key, const YAML::Node& value,
                                             const std::string& path)>;
  using ItemFn = std::function<absl::Status(const YAML::Node& item, const std::string& path)>;

  absl::Status Error(int line, absl::string_view path, absl::string_view detail) const {
    std::string where = line > 0 ? absl::StrCat(file_name_, ":", line) : file_name_;
    if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", detail));
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", path, ": ", detail));
  }

  // An error at `path`: on the line of its key when it has one (a block value starts on the next
  // line), else on the node's line, else on the document's.
  absl::Status Fail(const YAML::Node& node, absl::string_view path, absl::string_view detail) {
    auto it = lines_.find(std::string(path));
    int line = it != lines_.end() && it->second > 0 ? it->second : LineOf(node);
    return Error(line > 0 ? line : document_line_, path, detail);
  }

  // An error on the line of `node` itself, e.g. the second of two equal keys.
  absl::Status FailHere(const YAML::Node& node, absl::string_view path, absl::string_view detail) {
    int line = LineOf(node);
    return Error(line > 0 ? line : document_line_, path, detail);
  }

  absl::Status Spend(const YAML::Node& node, const std::string& path) {
    if (++nodes_ > kMaxNodes) {
      return Fail(node, path,
                  absl::StrCat("manifest too large: more than ", kMaxNodes,
                               " values (are YAML aliases expanding it?)"));
    }
    return absl::OkStatus();
  }

  // apiVersion and kind of a document (required) or of a PodList item (optional).
  absl::Status CheckTypeFields(const YAML::Node& node, const std::string& path, bool required,
                               std::string* kind) {
    std::optional<std::string> api_version;
    YAML::Node api_version_node;
    YAML::Node kind_node;
    KRL_RETURN_IF_ERROR(Object(node, path, /*type=*/"",
                               [&](const std::string& key, const YAML::Node& value,
                                   const std::string& field) -> absl::Status {
                                 if (key == "apiVersion") {
                                   api_version.emplace();
                                   api_version_node.reset(value);
                                   return String(value, field, &*api_version);
                                 }
                                 if (key == "kind") {
                                   kind_node.reset(value);
                                   return String(value, field, kind);
                                 }
                                 return NotHandled();
                               }));
    if (kind->empty() && required) {
      return Fail(node, Join(path, "kind"), "missing; a Pod manifest needs kind: Pod");
    }
    if (!kind->empty() && *kind != "Pod" && (!required || *kind != "PodList")) {
      return Fail(kind_node, Join(path, "kind"),
                  absl::StrCat("unsupported value ", Quote(*kind),
                               required ? ": want \"Pod\" (or \"PodList\")"
                                        : ": want \"Pod\" (PodList items are Pods)"));
    }
    if (!api_version) {
      if (!required) return absl::OkStatus();
      return Fail(node, Join(path, "apiVersion"), "missing; a Pod manifest needs apiVersion: v1");
    }
    if (*api_version != "v1") {
      return Fail(api_version_node, Join(path, "apiVersion"),
                  absl::StrCat("unsupported value ", Quote(*api_version), ": Pods are in v1"));
    }
    return absl::OkStatus();
  }

  // ---- Structure ----

  // What a callback returns for a key it does not read. For a key the field policy says is
  // honoured that is a decoder bug (a forgotten field), reported as Internal.
  static absl::Status NotHandled() { return absl::UnimplementedError(kNotHandled); }
  static bool IsNotHandled(const absl::Status& status) {
    return status.code() == absl::StatusCode::kUnimplemented && status.message() == kNotHandled;
  }

  // Calls `fn` for each honoured field of an object of Kubernetes type `type` (field_policy.h)
  // whose value is not null (null means "not set"). Cluster-only fields are skipped, refused
  // fields and unknown fields fail. An empty `type` hands every key to `fn` (apiVersion and kind
  // are read before the type is known).
  absl::Status Object(const YAML::Node& node, const std::string& path, absl::string_view type,
                      const FieldFn& fn) {
    if (node.IsNull()) return absl::OkStatus();
    if (!node.IsMap()) {
      return Fail(node, path, absl::StrCat("expected an object, got ", Describe(node)));
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      // Copies: yaml-cpp's iterator hands out a temporary pair, so references would dangle.
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      KRL_RETURN_IF_ERROR(Spend(key_node, path));
      if (!key_node.IsScalar()) {
        return Fail(key_node, path,
                    absl::StrCat("field names must be strings, got ", Describe(key_node)));
      }
      const std::string& key = key_node.Scalar();
      std::string field = Join(path, key);
      if (!seen.insert(key).second) return FailHere(key_node, field, "given more than once");
      if (value.IsNull()) continue;
      lines_.emplace(field, LineOf(key_node));
      if (type.empty()) {
        absl::Status status = fn(key, value, field);
        if (!IsNotHandled(status)) KRL_RETURN_IF_ERROR(status);
        continue;
      }
      const FieldRule* rule = FindFieldRule(type, key);
      if (rule == nullptr) {
        KRL_RETURN_IF_ERROR(UnknownField(key_node, type, key, field));
        continue;
      }
      switch (rule->field_class) {
        case FieldClass::kClusterOnly:
          if (!rule->checked_as.empty()) {
            KRL_RETURN_IF_ERROR(Object(value, field, rule->checked_as,
                                       [](const std::string&, const YAML::Node&,
                                          const std::string&) { return NotHandled(); }));
          }
          break;
        case FieldClass::kRefused:
          if (!IsAcceptedValue(*rule, value)) {
            return Fail(value, field, absl::StrCat("not supported here: ", rule->note));
          }
          break;
        case FieldClass::kHonoured: {
          absl::Status status = fn(key, value, field);
          if (IsNotHandled(status)) {
            return absl::InternalError(absl::StrCat(
                file_name_, ":", LineOf(key_node), ": ", field, ": internal error: ", type, ".",
                key, " is honoured by the field policy but the decoder does not read it"));
          }
          KRL_RETURN_IF_ERROR(status);
          break;
        }
      }
    }
    return absl::OkStatus();
  }

  // A refused field given the one value this node has anyway (hostUsers: true).
  static bool IsAcceptedValue(const FieldRule& rule, const YAML::Node& value) {
    if (rule.accepted_value.empty() || !value.IsScalar()) return false;
    if (rule.accepted_value == "true") {
      return Resolve(value) == ScalarKind::kBool && IsOneOf(value.Scalar(), kTrueWords);
    }
    return Resolve(value) == ScalarKind::kString && value.Scalar() == rule.accepted_value;
  }

  // An error, as kubectl's strict validation gives, or in relaxed mode outside the security and
  // resource objects a warning.
  absl::Status UnknownField(const YAML::Node& key_node, absl::string_view type,
                            const std::string& key, const std::string& field) {
    std::string detail = absl::StrCat("unknown field ", Quote(key));
    if (std::optional<std::string> suggestion = SuggestField(type, key)) {
      absl::StrAppend(&detail, " (did you mean ", Quote(*suggestion), "?)");
    }
    if (options_.refuse_unknown_fields || UnknownFieldsAlwaysRefused(type)) {
      return FailHere(key_node, field, detail);
    }
    if (options_.warnings != nullptr) {
      int line = LineOf(key_node);
      options_.warnings->push_back(absl::StrCat(file_name_, ":", line > 0 ? line : document_line_,
                                                ": ", field, ": ", detail, "; ignored"));
    }
    return absl::OkStatus();
  }

  absl::Status List(const YAML::Node& node, const std::string& path, const ItemFn& fn) {
    if (!node.IsSequence()) {
      return Fail(node, path, absl::StrCat("expected a list, got ", Describe(node)));
    }
    size_t index = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++index) {
      KRL_RETURN_IF_ERROR(Spend(*it, path));
      std::string item_path = absl::StrCat(path, "[", index, "]");
      lines_.emplace(item_path, LineOf(*it));
      KRL_RETURN_IF_ERROR(fn(*it, item_path));
    }
    return absl::OkStatus();
  }

  // ---- Scalars ----

  absl::Status String(const YAML::Node& node, const std::string& path, std::string* out) {
    if (!node.IsScalar() || Resolve(node) != ScalarKind::kString) {
      std::string hint = node.IsScalar() ? " (quote it to make it a string)" : "";
      return Fail(node, path, absl::StrCat("expected a string, got ", Describe(node), hint));
    }
    *out = node.Scalar();
    return absl::OkStatus();
  }

  absl::Status OptionalString(const YAML::Node& node, const std::string& path,
                              std::optional<std::string>* out) {
    return String(node, path, &out->emplace());
  }

  absl::Status Integer(const YAML::Node& node, const std::string& path, int64_t minimum,
                       int64_t maximum, int64_t* out) {
    int64_t value = 0;
    if (!node.IsScalar() || Resolve(node) != ScalarKind::kInt ||
        !ParseYamlInt(node.Scalar(), &value)) {
      return Fail(node, path, absl::StrCat("expected an integer, got ", Describe(node)));
    }
    if (value < minimum || value > maximum) {
      return Fail(node, path,
                  absl::StrCat("integer ", node.Scalar(), " is out of range (", minimum, " to ",
                               maximum, ")"));
    }
    *out = value;
    return absl::OkStatus();
  }

  absl::Status Int32(const YAML::Node& node, const std::string& path, int32_t* out) {
    int64_t value;
    KRL_RETURN_IF_ERROR(Integer(node, path, std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max(), &value));
    *out = static_cast<int32_t>(value);
    return absl::OkStatus();
  }

  absl::Status Int64(const YAML::Node& node, const std::string& path, int64_t* out) {
    // A saturated parse is reported as out of range by the bounds just inside int64.
    return Integer(node, path, std::numeric_limits<int64_t>::min() + 1,
                   std::numeric_limits<int64_t>::max() - 1, out);
  }

  absl::Status OptionalInt32(const YAML::Node& node, const std::string& path,
                             std::optional<int32_t>* out) {
    return Int32(node, path, &out->emplace());
  }

  absl::Status OptionalInt64(const YAML::Node& node, const std::string& path,
                             std::optional<int64_t>* out) {
    return Int64(node, path, &out->emplace());
  }

  absl::Status Bool(const YAML::Node& node, const std::string& path, bool* out) {
    if (!node.IsScalar() || Resolve(node) != ScalarKind::kBool) {
      return Fail(node, path,
                  absl::StrCat("expected a boolean (true or false), got ", Describe(node)));
    }
    if (node.Tag() == "tag:yaml.org,2002:bool" && !IsOneOf(node.Scalar(), kTrueWords) &&
        !IsOneOf(node.Scalar(), kFalseWords)) {
      return Fail(node, path,
                  absl::StrCat("expected a boolean (true or false), got ", Quote(node.Scalar())));
    }
    *out = IsOneOf(node.Scalar(), kTrueWords);
    return absl::OkStatus();
  }

  absl::Status OptionalBool(const YAML::Node& node, const std::string& path,
                            std::optional<bool>* out) {
    return Bool(node, path, &out->emplace());
  }

  template <typename E>
  absl::Status Enum(const YAML::Node& node, const std::string& path, E* out) {
    std::string text;
    KRL_RETURN_IF_ERROR(String(node, path, &text));
    if (text.empty()) return absl::OkStatus();  // "" means "use the default", as in Kubernetes
    if (!ParseEnum(text, out)) {
      return Fail(node, path,
                  absl::StrCat("unsupported value ", Quote(text),
                               " (supported: ", SupportedValues<E>(), ")"));
    }
    return absl::OkStatus();
  }

  template <typename E>
  absl::Status OptionalEnum(const YAML::Node& node, const std::string& path,
                            std::optional<E>* out) {
    E value{};
    std::string text;
    KRL_RETURN_IF_ERROR(String(node, path, &text));
    if (text.empty()) return absl::OkStatus();
    KRL_RETURN_IF_ERROR(Enum(node, path, &value));
    *out = value;
    return absl::OkStatus();
  }

  absl::Status StringList(const YAML::Node& node, const std::string& path,
                          std::vector<std::string>* out) {
    out->clear();
    return List(node, path, [&](const YAML::Node& item, const std::string& item_path) {
      return String(item, item_path, &out->emplace_back());
    });
  }

  absl::Status StringMap(const YAML::Node& node, const std::string& path,
                         std::map<std::string, std::string>* out) {
    if (node.IsNull()) return absl::OkStatus();
    if (!node.IsMap()) {
      return Fail(node, path, absl::StrCat("expected an object, got ", Describe(node)));
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key_node = it->first;  // a copy: the iterator's pair is a temporary
      const YAML::Node value = it->second;
      KRL_RETURN_IF_ERROR(Spend(key_node, path));
      if (!key_node.IsScalar()) {
        return Fail(key_node, path, absl::StrCat("keys must be strings, got ", Describe(key_node)));
      }
      const std::string key = key_node.Scalar();
      std::string field = absl::StrCat(path, "[", key, "]");
      if (out->count(key) > 0) return FailHere(key_node, field, "given more than once");
      lines_.emplace(field, LineOf(key_node));
      if (value.IsNull()) {
        (*out)[key] = "";
        continue;
      }
      KRL_RETURN_IF_ERROR(String(value, field, &(*out)[key]));
    }
    return absl::OkStatus();
  }

  absl::Status QuantityValue(const YAML::Node& node, const std::string& path, Quantity* out) {
    if (!node.IsScalar() || Resolve(node) == ScalarKind::kBool) {
      return Fail(node, path,
                  absl::StrCat("expected a quantity such as 500m or 128Mi, got ", Describe(node)));
    }
    int64_t integer;
    if (Resolve(node) == ScalarKind::kInt && ParseYamlInt(node.Scalar(), &integer) &&
        integer != std::numeric_limits<int64_t>::min() &&
        integer != std::numeric_limits<int64_t>::max()) {
      // A YAML integer (also 0x1F, 0o17, 1_000) is a number of units, as Kubernetes reads it.
      *out = Quantity::FromValue(integer);
      return absl::OkStatus();
    }
    absl::StatusOr<Quantity> q = ParseQuantity(node.Scalar());
    if (!q.ok()) return Fail(node, path, q.status().message());
    *out = *q;
    return absl::OkStatus();
  }

  absl::Status OptionalQuantity(const YAML::Node& node, const std::string& path,
                                std::optional<Quantity>* out) {
    return QuantityValue(node, path, &out->emplace());
  }

  absl::Status Port(const YAML::Node& node, const std::string& path, IntOrString* out) {
    if (node.IsScalar() && Resolve(node) == ScalarKind::kInt) {
      int32_t value;
      KRL_RETURN_IF_ERROR(Int32(node, path, &value));
      *out = IntOrString::FromInt(value);
      return absl::OkStatus();
    }
    if (node.IsScalar() && Resolve(node) == ScalarKind::kString) {
      *out = IntOrString::FromString(node.Scalar());
      return absl::OkStatus();
    }
    return Fail(node, path,
                absl::StrCat("expected a port number or a port name, got ", Describe(node)));
  }

  // ---- The pod ----
  //
  // Each callback reads the honoured fields of its object type (field_policy.cc) and ends with
  // NotHandled(), so a field the table honours but no callback reads is an internal error.

  absl::Status DecodePod(const YAML::Node& node, const std::string& path, Pod* pod) {
    KRL_RETURN_IF_ERROR(Object(node, path, "Pod",
                               [&](const std::string& key, const YAML::Node& value,
                                   const std::string& field) -> absl::Status {
                                 if (key == "apiVersion" || key == "kind") {
                                   return absl::OkStatus();  // checked by CheckTypeFields
                                 }
                                 if (key == "metadata") {
                                   return Metadata(value, field, &pod->metadata);
                                 }
                                 if (key == "spec") return Spec(value, field, &pod->spec);
                                 return NotHandled();
                               }));
    if (pod->metadata.namespace_.empty()) pod->metadata.namespace_ = "default";

    int pod_line = LineOf(node) > 0 ? LineOf(node) : document_line_;
    std::optional<FieldError> invalid = FirstInvalidField(*pod);
    if (invalid) {
      std::string field = path.empty() ? invalid->field : Join(path, invalid->field);
      return Error(LineForField(field, pod_line), field, invalid->detail);
    }
    return CheckUnique(*pod, LineForField(Join(path, "metadata.name"), pod_line));
  }

  // The line of `field`, or of its nearest recorded parent (a missing field has no line).
  int LineForField(std::string field, int fallback) const {
    while (!field.empty()) {
      auto it = lines_.find(field);
      if (it != lines_.end() && it->second > 0) return it->second;
      size_t cut = field.find_last_of(".[");
      if (cut == std::string::npos) break;
      field.resize(cut);
    }
    return fallback;
  }

  absl::Status Metadata(const YAML::Node& node, const std::string& path, ObjectMeta* meta) {
    return Object(node, path, "ObjectMeta",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "name") return String(value, field, &meta->name);
                    if (key == "namespace") return String(value, field, &meta->namespace_);
                    if (key == "uid") return String(value, field, &meta->uid);
                    if (key == "labels") return StringMap(value, field, &meta->labels);
                    if (key == "annotations") return StringMap(value, field, &meta->annotations);
                    return NotHandled();
                  });
  }

  absl::Status Spec(const YAML::Node& node, const std::string& path, PodSpec* spec) {
    return Object(
        node, path, "PodSpec",
        [&](const std::string& key, const YAML::Node& value,
            const std::string& field) -> absl::Status {
          if (key == "volumes") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              return DecodeVolume(item, item_path, &spec->volumes.emplace_back());
            });
          }
          if (key == "initContainers" || key == "containers") {
            auto* containers = key == "containers" ? &spec->containers : &spec->init_containers;
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              return DecodeContainer(item, item_path, &containers->emplace_back());
            });
          }
          if (key == "restartPolicy") return Enum(value, field, &spec->restart_policy);
          if (key == "terminationGracePeriodSeconds") {
            return Int64(value, field, &spec->termination_grace_period_seconds);
          }
          if (key == "activeDeadlineSeconds") {
            return OptionalInt64(value, field, &spec->active_deadline_seconds);
          }
          if (key == "dnsPolicy") return Enum(value, field, &spec->dns_policy);
          if (key == "dnsConfig") return DNSConfig(value, field, &spec->dns_config.emplace());
          if (key == "nodeName") return String(value, field, &spec->node_name);
          if (key == "hostNetwork") return Bool(value, field, &spec->host_network);
          if (key == "hostPID") return Bool(value, field, &spec->host_pid);
          if (key == "hostIPC") return Bool(value, field, &spec->host_ipc);
          if (key == "shareProcessNamespace") {
            return OptionalBool(value, field, &spec->share_process_namespace);
          }
          if (key == "securityContext") {
            return PodSecurity(value, field, &spec->security_context);
          }
          if (key == "hostname") return String(value, field, &spec->hostname);
          if (key == "subdomain") return String(value, field, &spec->subdomain);
          if (key == "setHostnameAsFQDN") {
            return OptionalBool(value, field, &spec->set_hostname_as_fqdn);
          }
          if (key == "hostAliases") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              HostAlias& alias = spec->host_aliases.emplace_back();
              return Object(item, item_path, "HostAlias",
                            [&](const std::string& k, const YAML::Node& v,
                                const std::string& f) -> absl::Status {
                              if (k == "ip") return String(v, f, &alias.ip);
                              if (k == "hostnames") return StringList(v, f, &alias.hostnames);
                              return NotHandled();
                            });
            });
          }
          if (key == "serviceAccountName") {
            return String(value, field, &spec->service_account_name);
          }
          if (key == "priority") return OptionalInt32(value, field, &spec->priority);
          if (key == "runtimeClassName") {
            return OptionalString(value, field, &spec->runtime_class_name);
          }
          return NotHandled();
        });
  }

  absl::Status DNSConfig(const YAML::Node& node, const std::string& path, PodDNSConfig* config) {
    return Object(node, path, "PodDNSConfig",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "nameservers") return StringList(value, field, &config->nameservers);
                    if (key == "searches") return StringList(value, field, &config->searches);
                    if (key == "options") {
                      return List(value, field,
                                  [&](const YAML::Node& item, const std::string& item_path) {
                                    PodDNSConfigOption& option = config->options.emplace_back();
                                    return Object(item, item_path, "PodDNSConfigOption",
                                                  [&](const std::string& k, const YAML::Node& v,
                                                      const std::string& f) -> absl::Status {
                                                    if (k == "name")
                                                      return String(v, f, &option.name);
                                                    if (k == "value")
                                                      return OptionalString(v, f, &option.value);
                                                    return NotHandled();
                                                  });
                                  });
                    }
                    return NotHandled();
                  });
  }

  // A seccompProfile or appArmorProfile: the two have the same fields.
  template <typename Profile>
  absl::Status SecurityProfile(const YAML::Node& node, const std::string& path,
                               absl::string_view object, Profile* profile) {
    return Object(node, path, object,
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "type") return Enum(value, field, &profile->type);
                    if (key == "localhostProfile") {
                      return OptionalString(value, field, &profile->localhost_profile);
                    }
                    return NotHandled();
                  });
  }

  absl::Status Seccomp(const YAML::Node& node, const std::string& path, SeccompProfile* profile) {
    return SecurityProfile(node, path, "SeccompProfile", profile);
  }

  absl::Status AppArmor(const YAML::Node& node, const std::string& path, AppArmorProfile* profile) {
    return SecurityProfile(node, path, "AppArmorProfile", profile);
  }

  absl::Status SELinux(const YAML::Node& node, const std::string& path, SELinuxOptions* options) {
    return Object(node, path, "SELinuxOptions",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "user") return String(value, field, &options->user);
                    if (key == "role") return String(value, field, &options->role);
                    if (key == "type") return String(value, field, &options->type);
                    if (key == "level") return String(value, field, &options->level);
                    return NotHandled();
                  });
  }

  // Seccomp, AppArmor and SELinux need an explicit type: the decoder does not guess one.
  template <typename T, typename Fn>
  absl::Status Required(const YAML::Node& node, const std::string& path, absl::string_view name,
                        std::optional<T>* out, Fn decode) {
    KRL_RETURN_IF_ERROR((this->*decode)(node, path, &out->emplace()));
    if (!node.IsMap()) return absl::OkStatus();
    const YAML::Node field = node[std::string(name)];
    if (!field.IsDefined() || field.IsNull() || (field.IsScalar() && field.Scalar().empty())) {
      return Fail(node, Join(path, name), "missing; it is required");
    }
    return absl::OkStatus();
  }

  absl::Status PodSecurity(const YAML::Node& node, const std::string& path,
                           PodSecurityContext* sc) {
    return Object(
        node, path, "PodSecurityContext",
        [&](const std::string& key, const YAML::Node& value,
            const std::string& field) -> absl::Status {
          if (key == "runAsUser") return OptionalInt64(value, field, &sc->run_as_user);
          if (key == "runAsGroup") return OptionalInt64(value, field, &sc->run_as_group);
          if (key == "runAsNonRoot") return OptionalBool(value, field, &sc->run_as_non_root);
          if (key == "fsGroup") return OptionalInt64(value, field, &sc->fs_group);
          if (key == "fsGroupChangePolicy") {
            return OptionalEnum(value, field, &sc->fs_group_change_policy);
          }
          if (key == "supplementalGroups") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              return Int64(item, item_path, &sc->supplemental_groups.emplace_back());
            });
          }
          if (key == "sysctls") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              Sysctl& sysctl = sc->sysctls.emplace_back();
              return Object(item, item_path, "Sysctl",
                            [&](const std::string& k, const YAML::Node& v,
                                const std::string& f) -> absl::Status {
                              if (k == "name") return String(v, f, &sysctl.name);
                              if (k == "value") return String(v, f, &sysctl.value);
                              return NotHandled();
                            });
            });
          }
          if (key == "seccompProfile") {
            return Required(value, field, "type", &sc->seccomp_profile, &Decoder::Seccomp);
          }
          if (key == "appArmorProfile") {
            return Required(value, field, "type", &sc->app_armor_profile, &Decoder::AppArmor);
          }
          if (key == "seLinuxOptions")
            return SELinux(value, field, &sc->se_linux_options.emplace());
          return NotHandled();
        });
  }

  absl::Status FieldSelector(const YAML::Node& node, const std::string& path,
                             ObjectFieldSelector* selector) {
    KRL_RETURN_IF_ERROR(Object(node, path, "ObjectFieldSelector",
                               [&](const std::string& key, const YAML::Node& value,
                                   const std::string& field) -> absl::Status {
                                 if (key == "apiVersion") {
                                   return String(value, field, &selector->api_version);
                                 }
                                 if (key == "fieldPath") {
                                   return String(value, field, &selector->field_path);
                                 }
                                 return NotHandled();
                               }));
    // Kubernetes defaulting: an empty apiVersion is v1.
    if (selector->api_version.empty()) selector->api_version = ObjectFieldSelector().api_version;
    return absl::OkStatus();
  }

  absl::Status ResourceSelector(const YAML::Node& node, const std::string& path,
                                ResourceFieldSelector* selector) {
    KRL_RETURN_IF_ERROR(Object(node, path, "ResourceFieldSelector",
                               [&](const std::string& key, const YAML::Node& value,
                                   const std::string& field) -> absl::Status {
                                 if (key == "containerName") {
                                   return String(value, field, &selector->container_name);
                                 }
                                 if (key == "resource")
                                   return String(value, field, &selector->resource);
                                 if (key == "divisor")
                                   return OptionalQuantity(value, field, &selector->divisor);
                                 return NotHandled();
                               }));
    // Kubernetes reads a zero divisor as unset (1).
    if (selector->divisor && selector->divisor->IsZero()) selector->divisor.reset();
    return absl::OkStatus();
  }

  absl::Status DecodeVolume(const YAML::Node& node, const std::string& path, Volume* volume) {
    return Object(node, path, "Volume",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "name") return String(value, field, &volume->name);
                    if (key == "hostPath") {
                      HostPathVolumeSource& host_path = volume->host_path.emplace();
                      return Object(value, field, "HostPathVolumeSource",
                                    [&](const std::string& k, const YAML::Node& v,
                                        const std::string& f) -> absl::Status {
                                      if (k == "path") return String(v, f, &host_path.path);
                                      if (k == "type") return Enum(v, f, &host_path.type);
                                      return NotHandled();
                                    });
                    }
                    if (key == "emptyDir") {
                      EmptyDirVolumeSource& empty_dir = volume->empty_dir.emplace();
                      return Object(value, field, "EmptyDirVolumeSource",
                                    [&](const std::string& k, const YAML::Node& v,
                                        const std::string& f) -> absl::Status {
                                      if (k == "medium") return Enum(v, f, &empty_dir.medium);
                                      if (k == "sizeLimit")
                                        return OptionalQuantity(v, f, &empty_dir.size_limit);
                                      return NotHandled();
                                    });
                    }
                    if (key == "downwardAPI")
                      return DownwardAPI(value, field, &volume->downward_api.emplace());
                    return NotHandled();
                  });
  }

  absl::Status DownwardAPI(const YAML::Node& node, const std::string& path,
                           DownwardAPIVolumeSource* source) {
    return Object(
        node, path, "DownwardAPIVolumeSource",
        [&](const std::string& key, const YAML::Node& value,
            const std::string& field) -> absl::Status {
          if (key == "defaultMode") return Int32(value, field, &source->default_mode);
          if (key == "items") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              DownwardAPIVolumeFile& file = source->items.emplace_back();
              return Object(item, item_path, "DownwardAPIVolumeFile",
                            [&](const std::string& k, const YAML::Node& v,
                                const std::string& f) -> absl::Status {
                              if (k == "path") return String(v, f, &file.path);
                              if (k == "fieldRef") {
                                return FieldSelector(v, f, &file.field_ref.emplace());
                              }
                              if (k == "resourceFieldRef") {
                                return ResourceSelector(v, f, &file.resource_field_ref.emplace());
                              }
                              if (k == "mode") return OptionalInt32(v, f, &file.mode);
                              return NotHandled();
                            });
            });
          }
          return NotHandled();
        });
  }

  absl::Status DecodeContainer(const YAML::Node& node, const std::string& path, Container* c) {
    return Object(
        node, path, "Container",
        [&](const std::string& key, const YAML::Node& value,
            const std::string& field) -> absl::Status {
          if (key == "name") return String(value, field, &c->name);
          if (key == "image") return String(value, field, &c->image);
          if (key == "imagePullPolicy") return OptionalEnum(value, field, &c->image_pull_policy);
          if (key == "command") return StringList(value, field, &c->command);
          if (key == "args") return StringList(value, field, &c->args);
          if (key == "env") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              return DecodeEnv(item, item_path, &c->env.emplace_back());
            });
          }
          if (key == "workingDir") return String(value, field, &c->working_dir);
          if (key == "ports") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              return DecodePort(item, item_path, &c->ports.emplace_back());
            });
          }
          if (key == "resources") return Resources(value, field, &c->resources);
          if (key == "volumeMounts") {
            return List(value, field, [&](const YAML::Node& item, const std::string& item_path) {
              return DecodeVolumeMount(item, item_path, &c->volume_mounts.emplace_back());
            });
          }
          if (key == "livenessProbe")
            return DecodeProbe(value, field, &c->liveness_probe.emplace());
          if (key == "readinessProbe")
            return DecodeProbe(value, field, &c->readiness_probe.emplace());
          if (key == "startupProbe") return DecodeProbe(value, field, &c->startup_probe.emplace());
          if (key == "lifecycle") return DecodeLifecycle(value, field, &c->lifecycle.emplace());
          if (key == "terminationMessagePath") {
            KRL_RETURN_IF_ERROR(String(value, field, &c->termination_message_path));
            if (c->termination_message_path.empty()) {
              c->termination_message_path = Container().termination_message_path;
            }
            return absl::OkStatus();
          }
          if (key == "terminationMessagePolicy") {
            return Enum(value, field, &c->termination_message_policy);
          }
          if (key == "restartPolicy") return OptionalEnum(value, field, &c->restart_policy);
          if (key == "securityContext") {
            return DecodeSecurity(value, field, &c->security_context.emplace());
          }
          if (key == "stdin") return Bool(value, field, &c->stdin_open);
          if (key == "stdinOnce") return Bool(value, field, &c->stdin_once);
          if (key == "tty") return Bool(value, field, &c->tty);
          return NotHandled();
        });
  }

  absl::Status DecodeEnv(const YAML::Node& node, const std::string& path, EnvVar* env) {
    return Object(node, path, "EnvVar",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "name") return String(value, field, &env->name);
                    if (key == "value") return String(value, field, &env->value);
                    if (key == "valueFrom") {
                      EnvVarSource& source = env->value_from.emplace();
                      return Object(value, field, "EnvVarSource",
                                    [&](const std::string& k, const YAML::Node& v,
                                        const std::string& f) -> absl::Status {
                                      if (k == "fieldRef") {
                                        return FieldSelector(v, f, &source.field_ref.emplace());
                                      }
                                      if (k == "resourceFieldRef") {
                                        return ResourceSelector(
                                            v, f, &source.resource_field_ref.emplace());
                                      }
                                      return NotHandled();
                                    });
                    }
                    return NotHandled();
                  });
  }

  absl::Status DecodePort(const YAML::Node& node, const std::string& path, ContainerPort* port) {
    return Object(node, path, "ContainerPort",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "name") return String(value, field, &port->name);
                    if (key == "containerPort") return Int32(value, field, &port->container_port);
                    if (key == "hostPort") return Int32(value, field, &port->host_port);
                    if (key == "protocol") return Enum(value, field, &port->protocol);
                    if (key == "hostIP") return String(value, field, &port->host_ip);
                    return NotHandled();
                  });
  }

  absl::Status Resources(const YAML::Node& node, const std::string& path,
                         ResourceRequirements* resources) {
    return Object(node, path, "ResourceRequirements",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "limits")
                      return DecodeResourceList(value, field, &resources->limits);
                    if (key == "requests")
                      return DecodeResourceList(value, field, &resources->requests);
                    return NotHandled();
                  });
  }

  // A map of resource names, not an object with fields: every name is taken (extended resources).
  absl::Status DecodeResourceList(const YAML::Node& node, const std::string& path,
                                  ResourceList* list) {
    return Object(node, path, /*type=*/"",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "cpu") return OptionalQuantity(value, field, &list->cpu);
                    if (key == "memory") return OptionalQuantity(value, field, &list->memory);
                    if (key == "ephemeral-storage") {
                      return OptionalQuantity(value, field, &list->ephemeral_storage);
                    }
                    return QuantityValue(value, field, &list->other[key]);
                  });
  }

  absl::Status DecodeVolumeMount(const YAML::Node& node, const std::string& path,
                                 VolumeMount* mount) {
    return Object(node, path, "VolumeMount",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "name") return String(value, field, &mount->name);
                    if (key == "mountPath") return String(value, field, &mount->mount_path);
                    if (key == "readOnly") return Bool(value, field, &mount->read_only);
                    if (key == "subPath") return String(value, field, &mount->sub_path);
                    if (key == "subPathExpr") return String(value, field, &mount->sub_path_expr);
                    if (key == "mountPropagation") {
                      return OptionalEnum(value, field, &mount->mount_propagation);
                    }
                    return NotHandled();
                  });
  }

  absl::Status DecodeExec(const YAML::Node& node, const std::string& path, ExecAction* exec) {
    return Object(node, path, "ExecAction",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "command") return StringList(value, field, &exec->command);
                    return NotHandled();
                  });
  }

  absl::Status DecodeHTTPGet(const YAML::Node& node, const std::string& path,
                             HTTPGetAction* http_get) {
    return Object(node, path, "HTTPGetAction",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key == "path") return String(value, field, &http_get->path);
                    if (key == "port") return Port(value, field, &http_get->port);
                    if (key == "host") return String(value, field, &http_get->host);
                    if (key == "scheme") return Enum(value, field, &http_get->scheme);
                    if (key == "httpHeaders") {
                      return List(value, field,
                                  [&](const YAML::Node& item, const std::string& item_path) {
                                    HTTPHeader& header = http_get->http_headers.emplace_back();
                                    return Object(item, item_path, "HTTPHeader",
                                                  [&](const std::string& k, const YAML::Node& v,
                                                      const std::string& f) -> absl::Status {
                                                    if (k == "name")
                                                      return String(v, f, &header.name);
                                                    if (k == "value")
                                                      return String(v, f, &header.value);
                                                    return NotHandled();
                                                  });
                                  });
                    }
                    return NotHandled();
                  });
  }

  absl::Status DecodeProbe(const YAML::Node& node, const std::string& path, Probe* probe) {
    KRL_RETURN_IF_ERROR(Object(node, path, "Probe",
                               [&](const std::string& key, const YAML::Node& value,
                                   const std::string& field) -> absl::Status {
                                 if (key == "exec")
                                   return DecodeExec(value, field, &probe->exec.emplace());
                                 if (key == "httpGet")
                                   return DecodeHTTPGet(value, field, &probe->http_get.emplace());
                                 if (key == "tcpSocket") {
                                   TCPSocketAction& tcp = probe->tcp_socket.emplace();
                                   return Object(value, field, "TCPSocketAction",
                                                 [&](const std::string& k, const YAML::Node& v,
                                                     const std::string& f) -> absl::Status {
                                                   if (k == "port") return Port(v, f, &tcp.port);
                                                   if (k == "host") return String(v, f, &tcp.host);
                                                   return NotHandled();
                                                 });
                                 }
                                 if (key == "grpc") {
                                   GRPCAction& grpc = probe->grpc.emplace();
                                   return Object(value, field, "GRPCAction",
                                                 [&](const std::string& k, const YAML::Node& v,
                                                     const std::string& f) -> absl::Status {
                                                   if (k == "port") return Int32(v, f, &grpc.port);
                                                   if (k == "service")
                                                     return OptionalString(v, f, &grpc.service);
                                                   return NotHandled();
                                                 });
                                 }
                                 if (key == "initialDelaySeconds") {
                                   return Int32(value, field, &probe->initial_delay_seconds);
                                 }
                                 if (key == "timeoutSeconds")
                                   return Int32(value, field, &probe->timeout_seconds);
                                 if (key == "periodSeconds")
                                   return Int32(value, field, &probe->period_seconds);
                                 if (key == "successThreshold")
                                   return Int32(value, field, &probe->success_threshold);
                                 if (key == "failureThreshold")
                                   return Int32(value, field, &probe->failure_threshold);
                                 if (key == "terminationGracePeriodSeconds") {
                                   return OptionalInt64(value, field,
                                                        &probe->termination_grace_period_seconds);
                                 }
                                 return NotHandled();
                               }));
    // Kubernetes defaulting: a zero means "the default".
    const Probe defaults;
    if (probe->timeout_seconds == 0) probe->timeout_seconds = defaults.timeout_seconds;
    if (probe->period_seconds == 0) probe->period_seconds = defaults.period_seconds;
    if (probe->success_threshold == 0) probe->success_threshold = defaults.success_threshold;
    if (probe->failure_threshold == 0) probe->failure_threshold = defaults.failure_threshold;
    return absl::OkStatus();
  }

  absl::Status DecodeLifecycle(const YAML::Node& node, const std::string& path,
                               Lifecycle* lifecycle) {
    return Object(node, path, "Lifecycle",
                  [&](const std::string& key, const YAML::Node& value,
                      const std::string& field) -> absl::Status {
                    if (key != "postStart" && key != "preStop") return NotHandled();
                    LifecycleHandler& hook = key == "postStart" ? lifecycle->post_start.emplace()
                                                                : lifecycle->pre_stop.emplace();
                    return Object(value, field, "LifecycleHandler",
                                  [&](const std::string& k, const YAML::Node& v,
                                      const std::string& f) -> absl::Status {
                                    if (k == "exec") return DecodeExec(v, f, &hook.exec.emplace());
                                    if (k == "httpGet")
                                      return DecodeHTTPGet(v, f, &hook.http_get.emplace());
                                    return NotHandled();
                                  });
                  });
  }

  absl::Status DecodeSecurity(const YAML::Node& node, const std::string& path,
                              SecurityContext* sc) {
    return Object(
        node, path, "SecurityContext",
        [&](const std::string& key, const YAML::Node& value,
            const std::string& field) -> absl::Status {
          if (key == "privileged") return OptionalBool(value, field, &sc->privileged);
          if (key == "runAsUser") return OptionalInt64(value, field, &sc->run_as_user);
          if (key == "runAsGroup") return OptionalInt64(value, field, &sc->run_as_group);
          if (key == "runAsNonRoot") return OptionalBool(value, field, &sc->run_as_non_root);
          if (key == "readOnlyRootFilesystem") {
            return OptionalBool(value, field, &sc->read_only_root_filesystem);
          }
          if (key == "allowPrivilegeEscalation") {
            return OptionalBool(value, field, &sc->allow_privilege_escalation);
          }
          if (key == "capabilities") {
            Capabilities& caps = sc->capabilities.emplace();
            return Object(value, field, "Capabilities",
                          [&](const std::string& k, const YAML::Node& v,
                              const std::string& f) -> absl::Status {
                            if (k == "add") return StringList(v, f, &caps.add);
                            if (k == "drop") return StringList(v, f, &caps.drop);
                            return NotHandled();
                          });
          }
          if (key == "seccompProfile") {
            return Required(value, field, "type", &sc->seccomp_profile, &Decoder::Seccomp);
          }
          if (key == "appArmorProfile") {
            return Required(value, field, "type", &sc->app_armor_profile, &Decoder::AppArmor);
          }
          if (key == "seLinuxOptions")
            return SELinux(value, field, &sc->se_linux_options.emplace());
          if (key == "procMount") return OptionalEnum(value, field, &sc->proc_mount);
          return NotHandled();
        });
  }

  const DecodeOptions options_;
  std::string file_name_;
  int document_line_ = 0;
  // Field path -> 1-based line of its key (or list item), for errors found after decoding.
  std::map<std::string, int> lines_;
  // "namespace/name" -> line, across the documents of the file.
  std::map<std::string, int> pod_lines_;
  int64_t nodes_ = 0;
};

// Walks the YAML events of every document without building nodes. yaml-cpp 0.7's LoadAll never
// returns for some malformed input (e.g. "[a]," makes it emit empty documents forever while
// allocating), so the documents are counted here first against the most the text can hold.
class DocumentScanner : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { last_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { last_ = mark; }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { last_ = mark; }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    last_ = mark;
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    last_ = mark;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    last_ = mark;
  }
  void OnMapEnd() override {}

  const YAML::Mark& last() const { return last_; }

 private:
  YAML::Mark last_ = YAML::Mark::null_mark();
};

// Every document after the first starts with "---" or follows "..." at the start of a line.
size_t MaxDocuments(absl::string_view content) {
  size_t markers = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (absl::StartsWith(line, "---") || absl::StartsWith(line, "...")) ++markers;
  }
  return markers + 1;
}

// OK when yaml-cpp can split `content` into documents; else the syntax error, with its place.
absl::Status ScanDocuments(const std::string& content, absl::string_view file_name) {
  std::istringstream stream(content);
  YAML::Parser parser(stream);
  DocumentScanner scanner;
  const size_t max_documents = MaxDocuments(content);
  size_t documents = 0;
  while (parser.HandleNextDocument(scanner)) {  // throws YAML::ParserException on bad syntax
    if (++documents > max_documents) {
      const YAML::Mark& mark = scanner.last();
      if (mark.is_null()) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_name, ": invalid YAML: unexpected text after a value"));
      }
      return absl::InvalidArgumentError(absl::StrCat(file_name, ":", mark.line + 1,
                                                     ": invalid YAML: unexpected text after a "
                                                     "value (column ",
                                                     mark.column + 1, ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Pod>> DecodePodManifests(absl::string_view content,
                                                    absl::string_view file_name) {
  return DecodePodManifests(content, file_name, DecodeOptions());
}

absl::StatusOr<std::vector<Pod>> DecodePodManifests(absl::string_view content,
                                                    absl::string_view file_name,
                                                    const DecodeOptions& options) {
  // Kubernetes' YAML reader refuses text that is not UTF-8; say where, rather than decode junk.
  size_t bad = internal::FindInvalidUtf8(content);
  if (bad != absl::string_view::npos) {
    absl::string_view before = content.substr(0, bad);
    size_t line_start = before.rfind('\n');
    size_t column = line_start == absl::string_view::npos ? bad + 1 : bad - line_start;
    return absl::InvalidArgumentError(absl::StrCat(
        file_name, ":", std::count(before.begin(), before.end(), '\n') + 1,
        ": invalid UTF-8: byte 0x", absl::Hex(static_cast<uint8_t>(content[bad]), absl::kZeroPad2),
        " at column ", column));
  }

  const std::string text(content);
  std::vector<YAML::Node> documents;
  try {
    KRL_RETURN_IF_ERROR(ScanDocuments(text, file_name));
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    std::string where =
        e.mark.is_null() ? std::string(file_name) : absl::StrCat(file_name, ":", e.mark.line + 1);
    std::string column = e.mark.is_null() ? "" : absl::StrCat(" (column ", e.mark.column + 1, ")");
    return absl::InvalidArgumentError(absl::StrCat(where, ": invalid YAML: ", e.msg, column));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(file_name, ": invalid YAML: ", e.what()));
  }

  std::vector<Pod> pods;
  Decoder decoder(file_name, options);
  try {
    for (const YAML::Node& document : documents) {
      KRL_RETURN_IF_ERROR(decoder.DecodeDocument(document, &pods));
    }
  } catch (const std::exception& e) {
    // yaml-cpp throws for misuse, never for input we check first; still never let it escape.
    return absl::InternalError(absl::StrCat(file_name, ": decoding failed: ", e.what()));
  }
  return pods;
}

absl::Status DecodeForFuzzing(const uint8_t* data, size_t size) {
  absl::string_view content(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<Pod>> pods = DecodePodManifests(content, "fuzz.yaml");
  if (!pods.ok()) return pods.status();
  for (const Pod& pod : *pods) {
    std::string json = PodToJson(pod);
    absl::StatusOr<std::vector<Pod>> again = DecodePodManifests(json, "fuzz.json");
    if (!again.ok()) {
      return absl::InternalError(
          absl::StrCat("the JSON of a valid pod does not decode: ", again.status().message()));
    }
    if (again->size() != 1 || !SpecEquals(again->front(), pod)) {
      return absl::InternalError(absl::StrCat("the JSON round trip changed the pod: ", json));
    }
  }
  return absl::OkStatus();
}

}  // namespace v1
}  // namespace core
}  // namespace api
}  // namespace krl
