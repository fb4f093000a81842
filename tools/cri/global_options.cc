#include "tools/cri/global_options.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace krl {
namespace tools {
namespace cri_cli {
namespace {

absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text) {
  absl::Duration d;
  double seconds;
  if (absl::SimpleAtod(text, &seconds)) {
    d = absl::Seconds(seconds);
  } else if (!absl::ParseDuration(text, &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --timeout \"", text, "\": use a duration such as 5s or 500ms"));
  }
  if (d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --timeout \"", text, "\": it must be positive"));
  }
  return d;
}

}  // namespace

absl::StatusOr<GlobalOptions> ParseGlobalOptions(
    const std::vector<std::string>& args, const std::function<const char*(const char*)>& getenv) {
  GlobalOptions options;
  std::string runtime_flag;
  std::string image_flag;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-') break;  // the command
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg == "-D" || arg == "--debug") {
      options.debug = true;
      continue;
    }
    std::string name = arg;
    std::string value;
    bool has_value = false;
    const size_t eq = arg.find('=');
    if (absl::StartsWith(arg, "--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    std::string* target = nullptr;
    bool is_timeout = false;
    if (name == "-r" || name == "--runtime-endpoint") {
      target = &runtime_flag;
    } else if (name == "-i" || name == "--image-endpoint") {
      target = &image_flag;
    } else if (name == "-t" || name == "--timeout") {
      is_timeout = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown global flag ", arg));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("flag ", name, " needs a value"));
      }
      value = args[++i];
    }
    if (is_timeout) {
      absl::StatusOr<absl::Duration> timeout = ParseTimeout(value);
      if (!timeout.ok()) return timeout.status();
      options.timeout = *timeout;
    } else {
      if (value.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("flag ", name, " needs a value"));
      }
      *target = value;
    }
  }
  options.command_args.assign(args.begin() + i, args.end());

  const char* runtime_env = getenv ? getenv(kRuntimeEndpointEnv) : nullptr;
  const char* image_env = getenv ? getenv(kImageEndpointEnv) : nullptr;
  if (!runtime_flag.empty()) {
    options.runtime_endpoint = runtime_flag;
  } else if (runtime_env != nullptr && *runtime_env != '\0') {
    options.runtime_endpoint = runtime_env;
  }
  if (!image_flag.empty()) {
    options.image_endpoint = image_flag;
  } else if (image_env != nullptr && *image_env != '\0') {
    options.image_endpoint = image_env;
  } else {
    options.image_endpoint = options.runtime_endpoint;
  }
  return options;
}

const char* GlobalOptionsHelp() {
  return "Global flags (before the command):\n"
         "  -r, --runtime-endpoint ENDPOINT  runtime socket (env CONTAINER_RUNTIME_ENDPOINT;\n"
         "                                   default unix:///run/containerd/containerd.sock)\n"
         "  -i, --image-endpoint ENDPOINT    image service socket (env IMAGE_SERVICE_ENDPOINT;\n"
         "                                   default: the runtime endpoint)\n"
         "  -t, --timeout DURATION           connection and call deadline (default 10s)\n"
         "  -D, --debug                      log the client's connections and failed calls\n"
         "  -h, --help                       this help\n";
}

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
