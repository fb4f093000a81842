#include "tools/cri/cri_cli.h"

#include <google/protobuf/util/json_util.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"
#include "testing/fakes/fake_runtime_service.h"

namespace krl {
namespace tools {
namespace cri_cli {
namespace {

constexpr char kImage[] = "registry.example/busybox:1.36";

constexpr char kPodJson[] = R"({
  "metadata": {"name": "web", "namespace": "default", "uid": "uid-web", "attempt": 1},
  "labels": {"app": "web"}
})";

constexpr char kContainerJson[] = R"({
  "metadata": {"name": "app"},
  "image": {"image": "registry.example/busybox:1.36"},
  "command": ["sleep", "3600"]
})";

struct Result {
  int code;
  std::string out;
  std::string err;
};

// A short private folder under /tmp for the JSON input files.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/cri-cli-XXXXXX";
    const char* made = mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    for (const std::string& file : files_) std::remove(file.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& contents) {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << contents;
    files_.push_back(file);
    return file;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

struct Fixture {
  krl::testing::FakeClock clock;
  krl::testing::FakeImageService images{clock};
  krl::testing::FakeRuntimeService runtime{clock, &images};
  TempDir dir;
  CliContext context{&clock, nullptr};

  Result Run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = RunCli(args, runtime, images, out, err, context);
    return {code, out.str(), err.str()};
  }

  // Runs a command that prints one id and returns it.
  std::string RunForId(const std::vector<std::string>& args) {
    Result r = Run(args);
    INFO(r.err);
    REQUIRE(r.code == 0);
    REQUIRE(r.out.size() == 65);  // 64 hex digits and a newline
    return r.out.substr(0, 64);
  }

  // A pulled image, a ready pod and a running container; returns {pod id, container id}.
  std::pair<std::string, std::string> RunningContainer() {
    REQUIRE(Run({"pull", kImage}).code == 0);
    const std::string pod_json = dir.Write("pod.json", kPodJson);
    const std::string container_json = dir.Write("container.json", kContainerJson);
    const std::string pod = RunForId({"runp", pod_json});
    const std::string container = RunForId({"create", pod, container_json, pod_json});
    REQUIRE(Run({"start", container}).code == 0);
    return {pod, container};
  }
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

template <typename Message>
Message ParseJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  INFO(json);
  REQUIRE(status.ok());
  return message;
}

TEST_CASE("a pod and a container go through their whole lifecycle with the cli") {
  Fixture f;
  Result pulled = f.Run({"pull", kImage});
  REQUIRE(pulled.code == 0);
  CHECK(absl::StartsWith(pulled.out, "Image is up to date for sha256:"));

  const std::string pod_json = f.dir.Write("pod.json", kPodJson);
  const std::string container_json = f.dir.Write("container.json", kContainerJson);
  const std::string pod = f.RunForId({"runp", pod_json});
  // The pod is named by a unique prefix of its id.
  const std::string container = f.RunForId({"create", pod.substr(0, 6), container_json, pod_json});

  CHECK(Lines(f.Run({"ps"}).out).size() == 1);  // only the header: nothing runs yet
  Result all = f.Run({"ps", "-a"});
  REQUIRE(Lines(all.out).size() == 2);
  CHECK(absl::StrContains(all.out, "Created"));

  Result started = f.Run({"start", container.substr(0, 8)});
  CHECK(started.code == 0);
  CHECK(started.out == container + "\n");  // prefixes resolve to the full id

  f.clock.Advance(absl::Seconds(42));
  Result ps = f.Run({"ps"});
  REQUIRE(ps.code == 0);
  std::vector<std::string> lines = Lines(ps.out);
  REQUIRE(lines.size() == 2);
  CHECK(absl::StartsWith(lines[0], "CONTAINER"));
  std::vector<std::string> cells = absl::StrSplit(lines[1], "   ", absl::SkipWhitespace());
  for (std::string& cell : cells) cell = std::string(absl::StripAsciiWhitespace(cell));
  CHECK(cells == std::vector<std::string>{container.substr(0, 13), kImage, "42 seconds ago",
                                          "Running", "app", "0", pod.substr(0, 13), "web"});

  Result inspect = f.Run({"inspect", container.substr(0, 10)});
  REQUIRE(inspect.code == 0);
  auto status = ParseJson<krl::cri::ContainerStatusResponse>(inspect.out);
  CHECK(status.status().id() == container);
  CHECK(status.status().state() == krl::cri::CONTAINER_RUNNING);

  Result inspectp = f.Run({"inspectp", pod.substr(0, 10)});
  REQUIRE(inspectp.code == 0);
  CHECK(ParseJson<krl::cri::PodSandboxStatusResponse>(inspectp.out).status().metadata().name() ==
        "web");

  krl::testing::FakeRuntimeService::ExecResult exec;
  exec.stdout_data = "hello\n";
  exec.stderr_data = "careful\n";
  exec.exit_code = 3;
  f.runtime.ScriptExec({"echo", "hello"}, exec);
  Result ran = f.Run({"exec-sync", container.substr(0, 8), "--", "echo", "hello"});
  CHECK(ran.code == 3);  // the command's own exit code
  CHECK(ran.out == "hello\n");
  CHECK(ran.err == "careful\n");

  Result stopped = f.Run({"stop", "-t", "5", container.substr(0, 8)});
  CHECK(stopped.code == 0);
  CHECK(stopped.out == container + "\n");
  auto stop_requests = f.runtime.RequestsTo<krl::cri::StopContainerRequest>("StopContainer");
  REQUIRE(stop_requests.size() == 1);
  CHECK(stop_requests[0].timeout() == 5);
  CHECK(absl::StrContains(f.Run({"ps", "-a"}).out, "Exited"));

  CHECK(f.Run({"rm", container.substr(0, 8)}).out == container + "\n");
  CHECK(Lines(f.Run({"ps", "-a"}).out).size() == 1);
  CHECK(f.Run({"stopp", pod.substr(0, 8)}).out == pod + "\n");
  CHECK(absl::StrContains(f.Run({"pods"}).out, "NotReady"));
  CHECK(f.Run({"rmp", pod}).out == pod + "\n");
  CHECK(f.runtime.SandboxIds().empty());
  CHECK(Lines(f.Run({"pods"}).out).size() == 1);
}

TEST_CASE("the pods table shows truncated ids, ages and pod metadata") {
  Fixture f;
  const std::string pod = f.RunForId({"runp", f.dir.Write("pod.json", kPodJson)});
  f.clock.Advance(absl::Minutes(3));
  Result pods = f.Run({"pods"});
  REQUIRE(pods.code == 0);
  CHECK(pods.out ==
        "POD ID          CREATED         STATE   NAME   NAMESPACE   ATTEMPT   RUNTIME\n" +
            pod.substr(0, 13) +
            "   3 minutes ago   Ready   web    default     1         (default)\n");
  CHECK(f.Run({"pods", "-q"}).out == pod + "\n");
  CHECK(absl::StrContains(f.Run({"pods", "--no-trunc"}).out, pod));
}

TEST_CASE("json output is the CRI message in protobuf's JSON mapping and parses back") {
  Fixture f;
  auto ids = f.RunningContainer();
  Result pods = f.Run({"pods", "-o", "json"});
  REQUIRE(pods.code == 0);
  auto pod_list = ParseJson<krl::cri::ListPodSandboxResponse>(pods.out);
  REQUIRE(pod_list.items_size() == 1);
  CHECK(pod_list.items(0).id() == ids.first);

  auto containers = ParseJson<krl::cri::ListContainersResponse>(f.Run({"ps", "-o=json"}).out);
  REQUIRE(containers.containers_size() == 1);
  CHECK(containers.containers(0).id() == ids.second);

  auto images = ParseJson<krl::cri::ListImagesResponse>(f.Run({"images", "--output", "json"}).out);
  REQUIRE(images.images_size() == 1);
  CHECK(images.images(0).repo_tags(0) == kImage);

  auto version = ParseJson<krl::cri::VersionResponse>(f.Run({"version", "-o", "json"}).out);
  CHECK(version.runtime_name() == "krl-fake-cri");

  auto fs = ParseJson<krl::cri::ImageFsInfoResponse>(f.Run({"imagefsinfo", "-o", "json"}).out);
  CHECK(fs.image_filesystems_size() == 1);
}

TEST_CASE("version names the runtime and reports the dockerless build") {
  Fixture f;
  Result version = f.Run({"version"});
  REQUIRE(version.code == 0);
  CHECK(absl::StrContains(version.out, "RuntimeName:  krl-fake-cri\n"));
  CHECK(absl::StrContains(version.out, "RuntimeApiVersion:  v1\n"));
  // The default build is the dockerless configuration: the select() on //bazel:dockerless set
  // the define.
  CHECK(std::string(DockerlessLine()) == "dockerless: true");
  CHECK(absl::EndsWith(version.out, "dockerless: true\n"));
}

TEST_CASE("info prints conditions and says when RuntimeConfig is not supported") {
  Fixture f;
  f.runtime.SetRuntimeCondition("NetworkReady", false, "NetworkPluginNotReady", "no CNI config");
  Result info = f.Run({"info"});
  REQUIRE(info.code == 0);
  CHECK(absl::StrContains(info.out, "RuntimeReady: true\n"));
  CHECK(absl::StrContains(info.out, "NetworkReady: false (NetworkPluginNotReady: no CNI config)"));
  CHECK(absl::StrContains(info.out, "RuntimeConfig: cgroup driver CGROUPFS\n"));

  f.runtime.InjectError("RuntimeConfig", absl::UnimplementedError("unknown method"));
  Result old = f.Run({"info"});
  CHECK(old.code == 0);
  CHECK(absl::StrContains(old.out, "RuntimeConfig: not supported by this runtime\n"));

  f.runtime.InjectError("RuntimeConfig", absl::UnimplementedError("unknown method"));
  Result json = f.Run({"info", "-o", "json"});
  CHECK(json.code == 0);
  CHECK(absl::StrContains(json.out, "\"runtimeConfig\": null"));
}

TEST_CASE("images, inspecti and rmi accept references, ids and id prefixes") {
  Fixture f;
  REQUIRE(f.Run({"pull", kImage}).code == 0);
  absl::StatusOr<krl::testing::FakeImageService::Resolved> image = f.images.Resolve(kImage);
  REQUIRE(image.ok());
  const std::string hex = image->id.substr(7);
  Result list = f.Run({"images"});
  CHECK(list.out ==
        "IMAGE                      TAG    IMAGE ID        SIZE\n"
        "registry.example/busybox   1.36   " +
            hex.substr(0, 13) + "   5.24MB\n");
  Result by_ref = f.Run({"inspecti", kImage});
  REQUIRE(by_ref.code == 0);
  CHECK(ParseJson<krl::cri::ImageStatusResponse>(by_ref.out).image().id() == image->id);
  Result by_prefix = f.Run({"inspecti", hex.substr(0, 8), "-o", "table"});
  REQUIRE(by_prefix.code == 0);
  CHECK(absl::StrContains(by_prefix.out, "ID: " + image->id));
  Result missing = f.Run({"inspecti", "registry.example/nothing:1"});
  CHECK(missing.code == 1);
  CHECK(absl::StrContains(missing.err, "no image \"registry.example/nothing:1\""));

  Result removed = f.Run({"rmi", hex.substr(0, 8)});
  CHECK(removed.code == 0);
  CHECK(removed.out == "Deleted: " + hex.substr(0, 8) + "\n");
  CHECK(Lines(f.Run({"images"}).out).size() == 1);
}

TEST_CASE("an ambiguous or unknown id prefix is a clear error, not a guess") {
  Fixture f;
  const std::string pod_json = f.dir.Write("pod.json", kPodJson);
  // Seventeen pods: at least two ids share their first hex digit.
  std::map<char, int> first_digits;
  for (int i = 0; i < 17; ++i) {
    const std::string json = std::string(R"({"metadata": {"name": "p)") + std::to_string(i) +
                             R"(", "namespace": "default", "uid": "u)" + std::to_string(i) +
                             R"("}})";
    first_digits[f.RunForId({"runp", f.dir.Write("p" + std::to_string(i) + ".json", json)})[0]]++;
  }
  char shared = 0;
  for (const auto& entry : first_digits) {
    if (entry.second > 1) shared = entry.first;
  }
  REQUIRE(shared != 0);
  Result ambiguous = f.Run({"inspectp", std::string(1, shared)});
  CHECK(ambiguous.code == 1);
  CHECK(absl::StrContains(ambiguous.err,
                          "pod ID prefix \"" + std::string(1, shared) + "\" is ambiguous"));
  CHECK(absl::StrContains(ambiguous.err, "give more characters"));

  Result unknown = f.Run({"stopp", "zzzz"});
  CHECK(unknown.code == 1);
  CHECK(absl::StrContains(unknown.err, "no pod with ID or ID prefix \"zzzz\""));
  Result no_container = f.Run({"inspect", "zzzz"});
  CHECK(no_container.code == 1);
  CHECK(absl::StrContains(no_container.err, "no container with ID or ID prefix \"zzzz\""));
  CHECK(f.runtime.CallCount("StopPodSandbox") == 0);
}

TEST_CASE("several ids are handled one by one and any failure fails the command") {
  Fixture f;
  auto ids = f.RunningContainer();
  Result stop = f.Run({"stop", ids.second, "zzzz"});
  CHECK(stop.code == 1);
  CHECK(stop.out == ids.second + "\n");
  CHECK(absl::StrContains(stop.err, "zzzz"));
}

TEST_CASE("usage errors exit 2 with a message and never reach the runtime") {
  Fixture f;
  int connects = 0;
  ServicesFactory connect = [&]() -> absl::StatusOr<Services> {
    ++connects;
    return Services{&f.runtime, &f.images};
  };
  auto run = [&](const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = RunCli(args, connect, out, err, f.context);
    return Result{code, out.str(), err.str()};
  };
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "Usage: cri"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"inspect"}, "missing arguments"},
      {{"version", "extra"}, "unexpected argument \"extra\""},
      {{"ps", "--bogus"}, "unknown option --bogus"},
      {{"ps", "-o", "yaml"}, "unknown output format \"yaml\""},
      {{"ps", "-p"}, "option -p needs a value"},
      {{"ps", "-a=1"}, "option -a takes no value"},
      {{"stop", "-t", "soon", "abc"}, "invalid --timeout \"soon\""},
      {{"exec-sync", "abc"}, "missing the command to run"},
      {{"create", "pod", "c.json"}, "missing arguments"},
  };
  for (const auto& c : cases) {
    Result r = run(c.first);
    INFO(absl::StrJoin(c.first, " ") << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(absl::StrContains(r.err, c.second));
    CHECK(r.out.empty());
  }
  CHECK(connects == 0);

  Result help = run({"help"});
  CHECK(help.code == 0);
  CHECK(absl::StrContains(help.out, "exec-sync"));
  Result command_help = run({"ps", "--help"});
  CHECK(command_help.code == 0);
  CHECK(absl::StrContains(command_help.out, "--all"));
  CHECK(connects == 0);
}

TEST_CASE("a bad input file names the file and the parse error, before connecting") {
  Fixture f;
  int connects = 0;
  ServicesFactory connect = [&]() -> absl::StatusOr<Services> {
    ++connects;
    return Services{&f.runtime, &f.images};
  };
  auto run = [&](const std::vector<std::string>& args) {
    std::ostringstream out, err;
    const int code = RunCli(args, connect, out, err, f.context);
    return Result{code, out.str(), err.str()};
  };
  const std::string broken = f.dir.Write("broken.json", "{\"metadata\": {\"name\": ");
  Result bad = run({"runp", broken});
  CHECK(bad.code == 1);
  CHECK(absl::StrContains(bad.err, broken + ": not a valid PodSandboxConfig"));

  const std::string misspelt = f.dir.Write("misspelt.json", R"({"metadatta": {}})");
  Result unknown_field = run({"runp", misspelt});
  CHECK(unknown_field.code == 1);
  CHECK(absl::StrContains(unknown_field.err, "metadatta"));

  Result missing = run({"runp", "/tmp/cri-cli-no-such-dir/pod.json"});
  CHECK(missing.code == 1);
  CHECK(absl::StrContains(missing.err, "cannot read /tmp/cri-cli-no-such-dir/pod.json"));

  const std::string pod = f.dir.Write("pod.json", kPodJson);
  Result bad_container = run({"create", "abc", broken, pod});
  CHECK(bad_container.code == 1);
  CHECK(absl::StrContains(bad_container.err, "not a valid ContainerConfig"));
  CHECK(connects == 0);
  CHECK(f.runtime.Calls().empty());
}

TEST_CASE("runtime errors and connection failures exit 1 with the gRPC code") {
  Fixture f;
  f.runtime.InjectError("ListContainers", absl::UnavailableError("runtime restarting"));
  Result ps = f.Run({"ps"});
  CHECK(ps.code == 1);
  CHECK(ps.err == "cri ps: ListContainers: UNAVAILABLE: runtime restarting\n");

  std::ostringstream out, err;
  ServicesFactory down = []() -> absl::StatusOr<Services> {
    return absl::UnavailableError("nothing listens on unix:///tmp/x.sock");
  };
  CHECK(RunCli({"version"}, down, out, err) == 1);
  CHECK(absl::StrContains(err.str(), "cri version: cannot reach the runtime: UNAVAILABLE"));

  Result pull = [&] {
    f.images.MarkUnpullable("registry.example/missing:1.0");
    return f.Run({"pull", "registry.example/missing:1.0"});
  }();
  CHECK(pull.code == 1);
  CHECK(absl::StrContains(pull.err, "cri pull: PullImage: NOT_FOUND"));
}

TEST_CASE("exec-sync passes its timeout and keeps failures failures") {
  Fixture f;
  auto ids = f.RunningContainer();
  krl::testing::FakeRuntimeService::ExecResult fails;
  fails.exit_code = 256;  // the low byte is 0: must not look like success
  f.runtime.ScriptExec({"false"}, fails);
  CHECK(f.Run({"exec-sync", "-t", "7", ids.second.substr(0, 6), "--", "false"}).code == 1);
  auto requests = f.runtime.RequestsTo<krl::cri::ExecSyncRequest>("ExecSync");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].timeout() == 7);
  CHECK(requests[0].container_id() == ids.second);
  // Without "--" the words after the id are the command.
  CHECK(f.Run({"exec-sync", ids.second, "true"}).code == 0);
}

TEST_CASE("stats shows cpu, memory and writable layer usage") {
  Fixture f;
  auto ids = f.RunningContainer();
  krl::cri::ContainerStats stats;
  stats.mutable_cpu()->mutable_usage_nano_cores()->set_value(250000000);
  stats.mutable_memory()->mutable_working_set_bytes()->set_value(10000000);
  stats.mutable_writable_layer()->mutable_used_bytes()->set_value(4096);
  stats.mutable_writable_layer()->mutable_inodes_used()->set_value(12);
  REQUIRE(f.runtime.SetContainerStats(ids.second, stats).ok());
  Result r = f.Run({"stats"});
  REQUIRE(r.code == 0);
  std::vector<std::string> lines = Lines(r.out);
  REQUIRE(lines.size() == 2);
  std::vector<std::string> cells = absl::StrSplit(lines[1], "   ", absl::SkipWhitespace());
  for (std::string& cell : cells) cell = std::string(absl::StripAsciiWhitespace(cell));
  CHECK(cells ==
        std::vector<std::string>{ids.second.substr(0, 13), "app", "25.00", "10MB", "4.1kB", "12"});
  CHECK(Lines(f.Run({"stats", "-p", ids.first.substr(0, 6)}).out).size() == 2);
}

TEST_CASE("imagefsinfo lists the image filesystem") {
  Fixture f;
  REQUIRE(f.Run({"pull", kImage}).code == 0);
  Result r = f.Run({"imagefsinfo"});
  REQUIRE(r.code == 0);
  CHECK(absl::StrContains(r.out, "image   /var/lib/krl-fake/snapshots   5.24MB"));
}

// An ostream target that a test can wait on while another thread writes to it.
class SyncBuffer : public std::streambuf {
 public:
  bool WaitFor(const std::string& text, absl::Duration timeout = absl::Seconds(10)) {
    krl::MutexLock lock(&mu_);
    auto found = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return data_.find(text) != std::string::npos;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&found), timeout);
  }
  std::string Data() {
    krl::MutexLock lock(&mu_);
    return data_;
  }

 protected:
  int overflow(int c) override {
    if (c != EOF) {
      krl::MutexLock lock(&mu_);
      data_.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    krl::MutexLock lock(&mu_);
    data_.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  krl::Mutex mu_;
  std::string data_ ABSL_GUARDED_BY(mu_);
};

TEST_CASE("events streams container events until interrupted") {
  Fixture f;
  Interrupt interrupt;
  f.context.interrupt = &interrupt;
  SyncBuffer out_buffer;
  std::ostream out(&out_buffer);
  std::ostringstream err;
  int code = -1;
  std::thread cli([&] { code = RunCli({"events"}, f.runtime, f.images, out, err, f.context); });
  REQUIRE(f.runtime.WaitForEventSubscribers(1));

  auto ids = f.RunningContainer();
  CHECK(out_buffer.WaitFor("started   " + ids.second.substr(0, 13) + "   web\n"));
  CHECK(absl::StrContains(out_buffer.Data(), "created   " + ids.second.substr(0, 13)));
  interrupt.Trigger();
  cli.join();
  CHECK(code == 0);
  CHECK(err.str().empty());
  CHECK(f.runtime.EventSubscriberCount() == 0);
}

TEST_CASE("events in json prints one parseable event per line and fails when the stream breaks") {
  Fixture f;
  SyncBuffer out_buffer;
  std::ostream out(&out_buffer);
  std::ostringstream err;
  int code = -1;
  std::thread cli([&] {
    code = RunCli({"events", "-o", "json"}, f.runtime, f.images, out, err, f.context);
  });
  REQUIRE(f.runtime.WaitForEventSubscribers(1));
  auto ids = f.RunningContainer();
  REQUIRE(out_buffer.WaitFor("CONTAINER_STARTED_EVENT"));
  f.runtime.BreakEventStreams(absl::UnavailableError("runtime restarted"));
  cli.join();
  CHECK(code == 1);
  CHECK(absl::StrContains(err.str(), "event stream ended: UNAVAILABLE: runtime restarted"));
  for (const std::string& line : Lines(out_buffer.Data())) {
    auto event = ParseJson<krl::cri::ContainerEventResponse>(line);
    CHECK(!event.container_id().empty());
  }
}

}  // namespace
}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
