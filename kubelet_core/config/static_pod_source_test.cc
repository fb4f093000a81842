#include "kubelet_core/config/static_pod_source.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kubelet_core/config/static_pod.h"
#include "runtime/util/log.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"

namespace krl {
namespace kubelet_core {
namespace config {
namespace {

// A fresh folder under /tmp, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/krl-sps-XXXXXX";
    REQUIRE(mkdtemp(pattern) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    nftw(
        path_.c_str(),
        [](const char* path, const struct stat*, int, struct FTW*) { return remove(path); }, 16,
        FTW_DEPTH | FTW_PHYS);
  }
  const std::string& path() const { return path_; }
  std::string Path(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, absl::string_view content) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  REQUIRE(close(fd) == 0);
}

std::string PodYaml(absl::string_view name, absl::string_view image = "nginx:1.25") {
  return absl::StrCat("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ", name,
                      "\nspec:\n  containers:\n  - name: app\n    image: ", image, "\n");
}

// The source's last snapshot, as values.
std::vector<corev1::Pod> PodsOf(const StaticPodSource& source) {
  std::vector<corev1::Pod> pods;
  for (const corev1::PodPtr& pod : source.Pods()) pods.push_back(*pod);
  return pods;
}

// Records every snapshot the source emits.
class Recorder {
 public:
  StaticPodSource::SnapshotCallback Callback() {
    return [this](const std::vector<corev1::PodPtr>& pods) {
      krl::MutexLock lock(&mu_);
      snapshots_.push_back(pods);
    };
  }
  size_t count() const {
    krl::MutexLock lock(&mu_);
    return snapshots_.size();
  }
  std::vector<corev1::PodPtr> Last() const {
    krl::MutexLock lock(&mu_);
    return snapshots_.empty() ? std::vector<corev1::PodPtr>() : snapshots_.back();
  }
  std::vector<std::string> LastNames() const {
    krl::MutexLock lock(&mu_);
    std::vector<std::string> names;
    if (snapshots_.empty()) return names;
    for (const corev1::PodPtr& pod : snapshots_.back()) names.push_back(pod->metadata.name);
    return names;
  }

 private:
  mutable krl::Mutex mu_;
  std::vector<std::vector<corev1::PodPtr>> snapshots_ ABSL_GUARDED_BY(mu_);
};

StaticPodSource::Options ManualOptions(const std::string& dir, const std::string& node = "node-1") {
  StaticPodSource::Options options;
  options.manifest_dir = dir;
  options.node_name = node;
  options.watch_thread = false;
  return options;
}

int CountLinesContaining(const log::CaptureSink& sink, absl::string_view text) {
  int count = 0;
  for (const std::string& line : sink.Lines()) count += absl::StrContains(line, text) ? 1 : 0;
  return count;
}

TEST_CASE("the first scan emits every pod of the folder with the static pod defaults") {
  TempDir dir;
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  WriteFile(dir.Path("router.json"),
            R"({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "router", "namespace": "edge"},
                "spec": {"containers": [{"name": "r", "image": "router:2"}]}})");
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());

  REQUIRE(recorder.count() == 1);
  CHECK(source.generation() == 1);
  // Ordered by file name: router.json before web.yaml.
  CHECK(recorder.LastNames() == std::vector<std::string>{"router-node-1", "web-node-1"});
  const std::vector<corev1::Pod> pods = PodsOf(source);
  REQUIRE(pods.size() == 2);
  CHECK(pods[0].metadata.namespace_ == "edge");
  CHECK(pods[1].metadata.namespace_ == "default");
  const corev1::Pod& web = pods[1];
  CHECK(web.metadata.uid.size() == 32);
  CHECK(web.spec.node_name == "node-1");
  CHECK(web.metadata.annotations.at("kubernetes.io/config.hash") == web.metadata.uid);
  CHECK(web.metadata.annotations.at("kubernetes.io/config.source") == "file");
  CHECK(web.metadata.annotations.at("kubernetes.io/config.seen") == "2026-01-01T00:00:00Z");
  CHECK(source.Errors().empty());
}

TEST_CASE("an empty folder still emits one empty snapshot so the agent knows it was read") {
  TempDir dir;
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK(recorder.count() == 1);
  CHECK(PodsOf(source).empty());
  CHECK_FALSE(source.Rescan());
  CHECK(recorder.count() == 1);
}

TEST_CASE("several documents of one file give several pods in file order") {
  TempDir dir;
  WriteFile(dir.Path("pods.yaml"), absl::StrCat(PodYaml("b"), "---\n", PodYaml("a"), "---\n"));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK(recorder.LastNames() == std::vector<std::string>{"b-node-1", "a-node-1"});
}

TEST_CASE("hidden files, editor swap files and sub-folders are ignored") {
  TempDir dir;
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  WriteFile(dir.Path(".hidden.yaml"), PodYaml("hidden"));
  WriteFile(dir.Path(".web.yaml.swp"), "\x01\x02 not yaml at all: [");
  REQUIRE(mkdir(dir.Path("sub").c_str(), 0755) == 0);
  WriteFile(dir.Path("sub/inner.yaml"), PodYaml("inner"));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
  CHECK(source.Errors().empty());
}

TEST_CASE("a symlink to a manifest is read like the file") {
  TempDir dir;
  TempDir elsewhere;
  WriteFile(elsewhere.Path("real.yaml"), PodYaml("linked"));
  REQUIRE(symlink(elsewhere.Path("real.yaml").c_str(), dir.Path("link.yaml").c_str()) == 0);
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK(recorder.LastNames() == std::vector<std::string>{"linked-node-1"});
}

TEST_CASE("the uid is stable for the same content and node and differs for another node") {
  TempDir dir;
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  testing::FakeClock clock;
  Recorder a, b, c;
  StaticPodSource first(ManualOptions(dir.path(), "node-1"), clock, a.Callback());
  StaticPodSource again(ManualOptions(dir.path(), "node-1"), clock, b.Callback());
  StaticPodSource other(ManualOptions(dir.path(), "node-2"), clock, c.Callback());
  REQUIRE(first.Start().ok());
  REQUIRE(again.Start().ok());
  REQUIRE(other.Start().ok());
  const std::string uid = PodsOf(first).at(0).metadata.uid;
  CHECK(PodsOf(again).at(0).metadata.uid == uid);
  CHECK(PodsOf(other).at(0).metadata.uid != uid);
  CHECK(PodsOf(other).at(0).metadata.name == "web-node-2");
  // Rewriting the same content keeps the uid (a restarted agent adopts its pods).
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  CHECK_FALSE(first.Rescan());
  CHECK(PodsOf(first).at(0).metadata.uid == uid);
}

TEST_CASE("a pod that did not change is the same shared object in every snapshot") {
  TempDir dir;
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  const corev1::PodPtr web = recorder.Last().at(0);
  CHECK(source.Pods().at(0) == web);

  clock.Advance(absl::Seconds(5));
  WriteFile(dir.Path("db.yaml"), PodYaml("db"));
  REQUIRE(source.Rescan());
  REQUIRE(recorder.Last().size() == 2);
  CHECK(recorder.Last()[1] == web);  // not copied again
  CHECK(recorder.Last()[1]->metadata.annotations.at("kubernetes.io/config.seen") ==
        "2026-01-01T00:00:00Z");

  // Rewriting a manifest with the same content decodes nothing new and emits nothing.
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  CHECK_FALSE(source.Rescan());
  CHECK(source.Pods().at(1) == web);
}

TEST_CASE("adding, editing and removing manifests each emit a new snapshot on rescan") {
  TempDir dir;
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  const std::string old_uid = PodsOf(source).at(0).metadata.uid;

  CHECK_FALSE(source.Rescan());  // nothing changed: nothing emitted
  CHECK(recorder.count() == 1);

  clock.Advance(absl::Seconds(5));
  WriteFile(dir.Path("db.yaml"), PodYaml("db"));
  CHECK(source.Rescan());
  CHECK(recorder.LastNames() == std::vector<std::string>{"db-node-1", "web-node-1"});
  // The pod already running keeps its first-seen time; the new one gets the current time.
  CHECK(PodsOf(source)[0].metadata.annotations.at("kubernetes.io/config.seen") ==
        "2026-01-01T00:00:05Z");
  CHECK(PodsOf(source)[1].metadata.annotations.at("kubernetes.io/config.seen") ==
        "2026-01-01T00:00:00Z");

  clock.Advance(absl::Seconds(5));
  WriteFile(dir.Path("web.yaml"), PodYaml("web", "nginx:1.26"));
  CHECK(source.Rescan());
  const corev1::Pod web = PodsOf(source).at(1);
  CHECK(web.spec.containers[0].image == "nginx:1.26");
  CHECK(web.metadata.uid != old_uid);  // an edit replaces the pod
  CHECK(web.metadata.annotations.at("kubernetes.io/config.seen") == "2026-01-01T00:00:10Z");

  REQUIRE(unlink(dir.Path("db.yaml").c_str()) == 0);
  CHECK(source.Rescan());
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
  CHECK(recorder.count() == 4);
}

TEST_CASE("a bad manifest gets one error naming file, line and field and the rest keeps running") {
  TempDir dir;
  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  const std::string bad = dir.Path("bad.yaml");
  WriteFile(bad, R"(apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
  - name: app
    image: nginx
    resources:
      limits:
        memory: 12Gx
)");
  log::CaptureSink sink;
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});

  const std::string expected = absl::StrCat(
      bad,
      ":11: spec.containers[0].resources.limits.memory: invalid quantity \"12Gx\": unknown "
      "suffix \"Gx\" (want one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent like e3)");
  const std::map<std::string, absl::Status> errors = source.Errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors.at(bad).code() == absl::StatusCode::kInvalidArgument);
  CHECK(errors.at(bad).message() == expected);

  // Logged once, not on every re-scan.
  for (int i = 0; i < 3; ++i) {
    clock.Advance(absl::Seconds(20));
    CHECK_FALSE(source.Rescan());
  }
  // (The log quotes the message, so look for its quote-free head.)
  CHECK(CountLinesContaining(
            sink, absl::StrCat(bad, ":11: spec.containers[0].resources.limits.memory")) == 1);

  // Fixing the file brings its pod in and clears the error.
  WriteFile(bad, PodYaml("bad"));
  CHECK(source.Rescan());
  CHECK(recorder.LastNames() == std::vector<std::string>{"bad-node-1", "web-node-1"});
  CHECK(source.Errors().empty());
}

TEST_CASE("an unknown key makes a manifest invalid unless unknown keys are relaxed to warnings") {
  TempDir dir;
  const std::string file = dir.Path("web.yaml");
  WriteFile(file, R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  lables: {app: web}
spec:
  containers:
  - name: app
    image: nginx
)");
  testing::FakeClock clock;
  {
    Recorder recorder;
    StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
    REQUIRE(source.Start().ok());
    CHECK(recorder.LastNames().empty());
    const std::map<std::string, absl::Status> errors = source.Errors();
    REQUIRE(errors.size() == 1);
    CHECK(errors.at(file).message() ==
          absl::StrCat(file,
                       ":5: metadata.lables: unknown field \"lables\" (did you mean "
                       "\"labels\"?)"));
  }
  {
    log::CaptureSink sink;
    Recorder recorder;
    StaticPodSource::Options options = ManualOptions(dir.path());
    options.refuse_unknown_fields = false;
    StaticPodSource source(options, clock, recorder.Callback());
    REQUIRE(source.Start().ok());
    CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
    CHECK(source.Errors().empty());
    CHECK(CountLinesContaining(sink, "pod manifest field ignored") == 1);
    CHECK(CountLinesContaining(sink, absl::StrCat(file, ":5: metadata.lables")) == 1);

    // A typo under securityContext is never relaxed: it could be a restriction.
    WriteFile(file, R"(apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx
    securityContext: {runAsNonroot: true}
)");
    source.Rescan();
    const std::map<std::string, absl::Status> errors = source.Errors();
    REQUIRE(errors.size() == 1);
    CHECK(errors.at(file).message() ==
          absl::StrCat(file,
                       ":9: spec.containers[0].securityContext.runAsNonroot: unknown field "
                       "\"runAsNonroot\" (did you mean \"runAsNonRoot\"?)"));
  }
}

TEST_CASE("a manifest that turns bad keeps the pods it last defined until fixed or removed") {
  TempDir dir;
  const std::string web = dir.Path("web.yaml");
  WriteFile(web, PodYaml("web"));
  log::CaptureSink sink;
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  const std::vector<corev1::Pod> good = PodsOf(source);

  // A validation error (an upper-case name) is reported the same way.
  WriteFile(web, PodYaml("Web"));
  CHECK_FALSE(source.Rescan());
  CHECK(PodsOf(source) == good);
  const std::string message = std::string(source.Errors().at(web).message());
  CHECK(absl::StartsWith(message, absl::StrCat(web, ":4: metadata.name: pod name \"Web\"")));
  CHECK(CountLinesContaining(sink, "the pods it last defined keep running") == 1);

  REQUIRE(unlink(web.c_str()) == 0);
  CHECK(source.Rescan());
  CHECK(PodsOf(source).empty());
  CHECK(source.Errors().empty());
}

TEST_CASE("a pod name defined by two files is rejected in the second, naming both files") {
  TempDir dir;
  WriteFile(dir.Path("a.yaml"), PodYaml("web"));
  WriteFile(dir.Path("b.yaml"), absl::StrCat(PodYaml("web", "other:1"), "---\n", PodYaml("db")));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  // b.yaml's other pod is unaffected.
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1", "db-node-1"});
  CHECK(PodsOf(source)[0].spec.containers[0].image == "nginx:1.25");
  CHECK(source.Errors().at(dir.Path("b.yaml")).message() ==
        absl::StrCat(dir.Path("b.yaml"), ": pod \"default/web-node-1\" is already defined in ",
                     dir.Path("a.yaml"), "; this one is ignored (pod names must be unique)"));
}

TEST_CASE("a running pod keeps its name when a new file that sorts first claims it too") {
  TempDir dir;
  WriteFile(dir.Path("b.yaml"), PodYaml("web"));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  const std::vector<corev1::Pod> before = PodsOf(source);
  WriteFile(dir.Path("a.yaml"), PodYaml("web", "intruder:1"));
  CHECK_FALSE(source.Rescan());
  CHECK(PodsOf(source) == before);
  CHECK(absl::StrContains(source.Errors().at(dir.Path("a.yaml")).message(),
                          absl::StrCat("is already defined in ", dir.Path("b.yaml"))));
}

TEST_CASE("inotify events are noticed by PollOnce: write, rename into place, delete") {
  TempDir dir;
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir.path()), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK_FALSE(source.PollOnce());  // nothing happened yet

  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  REQUIRE(source.PollOnce(absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});

  // The usual atomic update: write a hidden temp file (ignored), then rename it into place.
  WriteFile(dir.Path(".db.yaml.tmp"), PodYaml("db"));
  REQUIRE(rename(dir.Path(".db.yaml.tmp").c_str(), dir.Path("db.yaml").c_str()) == 0);
  REQUIRE(source.PollOnce(absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"db-node-1", "web-node-1"});

  REQUIRE(unlink(dir.Path("web.yaml").c_str()) == 0);
  REQUIRE(source.PollOnce(absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"db-node-1"});
  CHECK(recorder.count() == 4);
}

TEST_CASE("the periodic re-scan finds changes inotify could not see, when the clock says so") {
  TempDir parent;
  const std::string dir = parent.Path("pods");  // does not exist yet: no watch can be set
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir), clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  CHECK(recorder.count() == 1);
  CHECK(PodsOf(source).empty());
  CHECK(source.Errors().at(dir).code() == absl::StatusCode::kNotFound);

  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  WriteFile(absl::StrCat(dir, "/web.yaml"), PodYaml("web"));
  CHECK_FALSE(source.PollOnce());  // unwatched and not due
  clock.Advance(absl::Seconds(19));
  CHECK_FALSE(source.PollOnce());
  clock.Advance(absl::Seconds(1));
  CHECK(source.PollOnce());
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
  CHECK(source.Errors().empty());

  // The re-scan also set up the watch: the next change is seen without the clock.
  WriteFile(absl::StrCat(dir, "/db.yaml"), PodYaml("db"));
  CHECK(source.PollOnce(absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"db-node-1", "web-node-1"});
}

TEST_CASE("a folder removed and created again is watched again") {
  TempDir parent;
  const std::string dir = parent.Path("pods");
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  WriteFile(absl::StrCat(dir, "/web.yaml"), PodYaml("web"));
  testing::FakeClock clock;
  Recorder recorder;
  StaticPodSource source(ManualOptions(dir), clock, recorder.Callback());
  REQUIRE(source.Start().ok());

  REQUIRE(unlink(absl::StrCat(dir, "/web.yaml").c_str()) == 0);
  REQUIRE(rmdir(dir.c_str()) == 0);
  // The delete and the folder's removal may arrive in one or two reads.
  REQUIRE(source.PollOnce(absl::Seconds(10)));
  source.PollOnce(absl::Milliseconds(50));
  CHECK(PodsOf(source).empty());

  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  clock.Advance(absl::Seconds(20));
  source.PollOnce();  // the due re-scan watches the new folder
  WriteFile(absl::StrCat(dir, "/web.yaml"), PodYaml("web"));
  REQUIRE(source.PollOnce(absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
}

TEST_CASE("the watch thread delivers changes on the real clock and stops promptly") {
  TempDir dir;
  StaticPodSource::Options options;
  options.manifest_dir = dir.path() + "/";  // a trailing slash is fine
  options.node_name = "node-1";
  Recorder recorder;
  StaticPodSource source(options, RealClock::Get(), recorder.Callback());
  REQUIRE(source.Start().ok());
  REQUIRE(source.generation() == 1);

  WriteFile(dir.Path("web.yaml"), PodYaml("web"));
  REQUIRE(source.WaitForGeneration(2, absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
  CHECK(PodsOf(source).at(0).metadata.uid.size() == 32);

  const absl::Time before = absl::Now();
  source.Stop();
  CHECK(absl::Now() - before < absl::Seconds(5));
}

TEST_CASE("the watch thread re-scans when a fake clock passes the period") {
  TempDir parent;
  const std::string dir = parent.Path("pods");
  testing::FakeClock clock;
  StaticPodSource::Options options;
  options.manifest_dir = dir;
  options.node_name = "node-1";
  options.resync_period = absl::Seconds(30);
  Recorder recorder;
  StaticPodSource source(options, clock, recorder.Callback());
  REQUIRE(source.Start().ok());
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  WriteFile(absl::StrCat(dir, "/web.yaml"), PodYaml("web"));
  clock.Advance(absl::Seconds(30));
  REQUIRE(source.WaitForGeneration(2, absl::Seconds(10)));
  CHECK(recorder.LastNames() == std::vector<std::string>{"web-node-1"});
}

TEST_CASE("invalid options are refused by Start") {
  testing::FakeClock clock;
  SECTION("no folder") {
    StaticPodSource source({"", "node-1"}, clock, nullptr);
    CHECK(source.Start().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("a node name that cannot be a pod name suffix") {
    StaticPodSource source({"/tmp", "node_1"}, clock, nullptr);
    CHECK(source.Start().code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("a period that is not positive") {
    StaticPodSource source({"/tmp", "node-1", absl::ZeroDuration()}, clock, nullptr);
    CHECK(source.Start().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("a pod name too long once the node name is added is reported for its file") {
  TempDir dir;
  const std::string path = dir.Path("long.yaml");
  // Valid alone (a 63-character label); the "-node-1" suffix makes its last label too long.
  WriteFile(path, PodYaml(std::string(63, 'a')));
  testing::FakeClock clock;
  StaticPodSource source(ManualOptions(dir.path()), clock, nullptr);
  REQUIRE(source.Start().ok());
  CHECK(PodsOf(source).empty());
  const std::string message = std::string(source.Errors().at(path).message());
  CHECK(absl::StartsWith(message, absl::StrCat(path, ": pod \"aaaa")));
  CHECK(absl::StrContains(message, "with the node name suffix: metadata.name:"));
}

}  // namespace
}  // namespace config
}  // namespace kubelet_core
}  // namespace krl
