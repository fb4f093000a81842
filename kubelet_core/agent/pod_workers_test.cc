#include "kubelet_core/agent/pod_workers.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/metrics/registry.h"
#include "runtime/util/mutex.h"
#include "testing/fake_clock.h"

namespace krl {
namespace kubelet_core {
namespace agent {
namespace {

constexpr absl::Duration kWait = absl::Seconds(10);

corev1::Pod MakePod(const std::string& uid, const std::string& name, int version = 1) {
  corev1::Pod pod;
  pod.metadata.uid = uid;
  pod.metadata.name = name;
  pod.metadata.annotations["version"] = absl::StrCat(version);
  pod.spec.containers.emplace_back().name = "c";
  return pod;
}

// Records every call; calls for blocked uids wait until they are released.
class RecordingHandler : public PodWorkHandler {
 public:
  struct Call {
    std::string uid;
    UpdateType type;
    std::string version;
  };

  absl::Status HandlePodWork(const PodUpdate& update) override {
    const std::string uid = update.Uid();
    krl::MutexLock lock(&mu_);
    calls_.push_back({uid, update.type,
                      update.pod != nullptr ? update.pod->metadata.annotations.at("version") : ""});
    ++started_;
    if (++running_[uid] > 1) overlapped_ = true;
    ++running_total_;
    max_running_total_ = std::max(max_running_total_, running_total_);
    auto released = [this, uid]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return blocked_.count(uid) == 0; };
    mu_.Await(absl::Condition(&released));
    --running_[uid];
    --running_total_;
    ++finished_;
    auto fail = failures_.find(uid);
    if (fail != failures_.end() && fail->second > 0) {
      --fail->second;
      return absl::UnavailableError("injected");
    }
    return absl::OkStatus();
  }

  void Block(const std::string& uid) {
    krl::MutexLock lock(&mu_);
    blocked_.insert(uid);
  }
  void Release(const std::string& uid) {
    krl::MutexLock lock(&mu_);
    blocked_.erase(uid);
  }
  void FailNext(const std::string& uid, int times) {
    krl::MutexLock lock(&mu_);
    failures_[uid] = times;
  }
  // Waits until `n` calls started in all.
  bool WaitForStarted(int n) {
    krl::MutexLock lock(&mu_);
    auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return started_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), kWait);
  }
  std::vector<Call> CallsFor(const std::string& uid) const {
    krl::MutexLock lock(&mu_);
    std::vector<Call> out;
    for (const Call& c : calls_) {
      if (c.uid == uid) out.push_back(c);
    }
    return out;
  }
  std::vector<Call> Calls() const {
    krl::MutexLock lock(&mu_);
    return calls_;
  }
  bool overlapped() const {
    krl::MutexLock lock(&mu_);
    return overlapped_;
  }
  int max_running_total() const {
    krl::MutexLock lock(&mu_);
    return max_running_total_;
  }
  int running_total() const {
    krl::MutexLock lock(&mu_);
    return running_total_;
  }

 private:
  mutable krl::Mutex mu_;
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> blocked_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> running_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
  int running_total_ ABSL_GUARDED_BY(mu_) = 0;
  int max_running_total_ ABSL_GUARDED_BY(mu_) = 0;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  int finished_ ABSL_GUARDED_BY(mu_) = 0;
  bool overlapped_ ABSL_GUARDED_BY(mu_) = false;
};

PodWorkers::Options TestOptions(int workers = 4) {
  PodWorkers::Options options;
  options.workers = workers;
  options.resync_interval = absl::Seconds(10);
  options.error_backoff = absl::Seconds(5);
  return options;
}

TEST_CASE("a pod's updates never overlap and only the latest pending one runs") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(), nullptr);
  handler.Block("a");
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 1)));
  REQUIRE(handler.WaitForStarted(1));
  for (int v = 2; v <= 5; ++v) workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", v)));
  REQUIRE(workers.State("a")->working);
  REQUIRE(workers.State("a")->pending);
  handler.Release("a");
  REQUIRE(workers.WaitIdle(kWait));

  std::vector<RecordingHandler::Call> calls = handler.CallsFor("a");
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].version == "1");
  CHECK(calls[1].version == "5");
  CHECK_FALSE(handler.overlapped());
}

TEST_CASE("different pods run in parallel, never more than the pool size") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(/*workers=*/2), nullptr);
  for (const char* uid : {"a", "b", "c"}) handler.Block(uid);
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "pa")));
  workers.UpdatePod(PodUpdate::Sync(MakePod("b", "pb")));
  workers.UpdatePod(PodUpdate::Sync(MakePod("c", "pc")));
  REQUIRE(handler.WaitForStarted(2));
  CHECK(handler.running_total() == 2);
  CHECK(workers.Running() == 2);
  handler.Release("a");
  handler.Release("b");
  REQUIRE(handler.WaitForStarted(3));
  handler.Release("c");
  REQUIRE(workers.WaitIdle(kWait));
  CHECK(handler.max_running_total() == 2);
  CHECK(handler.Calls().size() == 3);
}

TEST_CASE("a kill replaces a pending sync, and a sync sent during the kill runs after it") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(), nullptr);
  handler.Block("a");
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 1)));
  REQUIRE(handler.WaitForStarted(1));
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 2)));
  workers.UpdatePod(PodUpdate::Kill(MakePod("a", "web", 2)));
  CHECK(workers.IsTerminating("a"));
  handler.Release("a");
  REQUIRE(handler.WaitForStarted(2));
  REQUIRE(workers.WaitIdle(kWait));
  std::vector<RecordingHandler::Call> calls = handler.CallsFor("a");
  REQUIRE(calls.size() == 2);
  CHECK(calls[1].type == UpdateType::kKill);
  // Killed and gone.
  CHECK_FALSE(workers.State("a").has_value());

  // A restart requested while the pod is being killed waits for the kill.
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 3)));
  REQUIRE(workers.WaitIdle(kWait));
  handler.Block("a");
  workers.UpdatePod(PodUpdate::Kill(MakePod("a", "web", 3)));
  REQUIRE(handler.WaitForStarted(4));
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 4)));
  CHECK(handler.CallsFor("a").size() == 4);  // the sync has not started
  handler.Release("a");
  REQUIRE(handler.WaitForStarted(5));
  REQUIRE(workers.WaitIdle(kWait));
  calls = handler.CallsFor("a");
  REQUIRE(calls.size() == 5);
  CHECK(calls[3].type == UpdateType::kKill);
  CHECK(calls[4].type == UpdateType::kSync);
  CHECK(calls[4].version == "4");
  CHECK_FALSE(workers.IsTerminating("a"));
  CHECK_FALSE(handler.overlapped());
}

TEST_CASE("a new pod with the same name starts only after the old one's kill completed") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(), nullptr);
  workers.UpdatePod(PodUpdate::Sync(MakePod("old", "web")));
  REQUIRE(workers.WaitIdle(kWait));

  // The kill fails once: the new pod keeps waiting until the retried kill succeeds.
  handler.Block("old");
  handler.FailNext("old", 1);
  workers.UpdatePod(PodUpdate::Sync(MakePod("new", "web")));  // sent first: still waits
  workers.UpdatePod(PodUpdate::Kill(MakePod("old", "web")));
  REQUIRE(handler.WaitForStarted(2));
  CHECK(workers.State("new")->waiting_for_name);
  handler.Release("old");
  REQUIRE(workers.WaitIdle(kWait));
  CHECK(handler.CallsFor("new").empty());
  CHECK(workers.IsTerminating("old"));
  CHECK_FALSE(workers.State("old")->last_result.ok());

  // Not yet due.
  clock.Advance(absl::Seconds(4));
  workers.EnqueueDueWork();
  REQUIRE(workers.WaitIdle(kWait));
  CHECK(handler.CallsFor("old").size() == 2);

  clock.Advance(absl::Seconds(1));
  workers.EnqueueDueWork();
  REQUIRE(workers.WaitIdle(kWait));
  std::vector<RecordingHandler::Call> calls = handler.Calls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[2].uid == "old");
  CHECK(calls[2].type == UpdateType::kKill);
  CHECK(calls[3].uid == "new");
  CHECK(calls[3].type == UpdateType::kSync);
  CHECK_FALSE(workers.State("old").has_value());
  CHECK_FALSE(workers.State("new")->waiting_for_name);
}

TEST_CASE("a killed orphan known only from the runtime holds its name until it is gone") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(), nullptr);
  container::Pod orphan;
  orphan.id = "old";
  orphan.name = "web";
  orphan.namespace_ = "default";
  handler.Block("old");
  workers.UpdatePod(PodUpdate::KillOrphan(orphan));
  REQUIRE(handler.WaitForStarted(1));
  workers.UpdatePod(PodUpdate::Sync(MakePod("new", "web")));
  CHECK(workers.State("new")->waiting_for_name);
  handler.Release("old");
  REQUIRE(handler.WaitForStarted(2));
  REQUIRE(workers.WaitIdle(kWait));
  CHECK(handler.Calls().back().uid == "new");
}

TEST_CASE("pods are synced again after the resync interval, and sooner after an error") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(), nullptr);
  workers.UpdatePod(PodUpdate::Sync(MakePod("ok", "a", 7)));
  handler.FailNext("bad", 1);
  workers.UpdatePod(PodUpdate::Sync(MakePod("bad", "b")));
  REQUIRE(workers.WaitIdle(kWait));
  CHECK(workers.State("ok")->next_due == clock.Now() + absl::Seconds(10));
  CHECK(workers.State("bad")->next_due == clock.Now() + absl::Seconds(5));

  clock.Advance(absl::Seconds(5));
  workers.EnqueueDueWork();
  REQUIRE(workers.WaitIdle(kWait));
  CHECK(handler.CallsFor("ok").size() == 1);
  CHECK(handler.CallsFor("bad").size() == 2);

  clock.Advance(absl::Seconds(5));
  workers.EnqueueDueWork();
  REQUIRE(workers.WaitIdle(kWait));
  REQUIRE(handler.CallsFor("ok").size() == 2);
  CHECK(handler.CallsFor("ok")[1].version == "7");  // the last spec, replayed
}

TEST_CASE("each handler call is timed in the pod worker duration histogram") {
  testing::FakeClock clock;
  RecordingHandler handler;
  runtime::metrics::Registry registry;
  PodWorkers workers(handler, clock, TestOptions(), &registry);
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web")));
  REQUIRE(workers.WaitIdle(kWait));
  workers.UpdatePod(PodUpdate::Kill(MakePod("a", "web")));
  REQUIRE(workers.WaitIdle(kWait));
  const std::string text = registry.Render();
  CHECK(text.find("kubelet_pod_worker_duration_seconds_count{operation_type=\"sync\"} 1") !=
        std::string::npos);
  CHECK(text.find("kubelet_pod_worker_duration_seconds_count{operation_type=\"kill\"} 1") !=
        std::string::npos);
}

TEST_CASE("stop lets running work finish, drops pending work and ignores later updates") {
  testing::FakeClock clock;
  RecordingHandler handler;
  PodWorkers workers(handler, clock, TestOptions(), nullptr);
  handler.Block("a");
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 1)));
  REQUIRE(handler.WaitForStarted(1));
  workers.UpdatePod(PodUpdate::Sync(MakePod("a", "web", 2)));
  // Stop() waits for the running call: release it once Stop() has begun.
  std::thread stopper([&] { workers.Stop(); });
  const absl::Time deadline = absl::Now() + kWait;
  while (!workers.stopping() && absl::Now() < deadline) std::this_thread::yield();
  REQUIRE(workers.stopping());
  handler.Release("a");
  stopper.join();
  workers.UpdatePod(PodUpdate::Sync(MakePod("b", "other")));
  CHECK(handler.Calls().size() == 1);
  CHECK(workers.WaitIdle(absl::Seconds(1)));
}

}  // namespace
}  // namespace agent
}  // namespace kubelet_core
}  // namespace krl
