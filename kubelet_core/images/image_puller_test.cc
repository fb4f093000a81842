#include "kubelet_core/images/image_puller.h"

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "api/cri/v1/cri.h"
#include "testing/fake_clock.h"
#include "testing/fakes/fake_image_service.h"

namespace krl {
namespace kubelet_core {
namespace images {
namespace {

constexpr absl::Duration kTimeout = absl::Seconds(10);
constexpr absl::Duration kPullLatency = absl::Seconds(30);

cri::PullImageRequest Request(const std::string& image) {
  cri::PullImageRequest request;
  request.mutable_image()->set_image(image);
  return request;
}

std::vector<std::string> PulledImages(const testing::FakeImageService& fake) {
  std::vector<std::string> images;
  for (const auto& r : fake.RequestsTo<cri::PullImageRequest>("PullImage")) {
    images.push_back(r.image().image());
  }
  return images;
}

// Pulls on their own threads, each started only once the previous one is inside the puller, so
// arrival order (and therefore admission order) is known.
class Pullers {
 public:
  Pullers(ImagePuller& puller, testing::FakeClock& clock) : puller_(puller), clock_(clock) {}
  // After a failed check, pulls may still wait on the clock: let them finish so the threads end.
  ~Pullers() {
    for (int i = 0; i < 100 && !threads_.empty(); ++i) {
      ImagePuller::Stats s = puller_.stats();
      if (s.running + s.queued == 0) break;
      clock_.Advance(absl::Hours(1));
      (void)puller_.AwaitStats([](const ImagePuller::Stats& s) { return s.running == 0; },
                               absl::Milliseconds(100));
    }
    Join();
  }

  void Start(const std::string& image) {
    const int arrived = Arrived();
    results_.emplace_back(std::make_unique<absl::StatusOr<std::string>>());
    absl::StatusOr<std::string>* result = results_.back().get();
    threads_.emplace_back([this, image, result] { *result = puller_.Pull(Request(image)); });
    REQUIRE(puller_.AwaitStats(
        [arrived](const ImagePuller::Stats& s) {
          return s.running + s.queued + s.finished + s.joined > arrived;
        },
        kTimeout));
  }

  void Join() {
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

  const absl::StatusOr<std::string>& result(size_t i) const { return *results_[i]; }

 private:
  int Arrived() const {
    ImagePuller::Stats s = puller_.stats();
    return static_cast<int>(s.running + s.queued + s.finished + s.joined);
  }

  ImagePuller& puller_;
  testing::FakeClock& clock_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<absl::StatusOr<std::string>>> results_;
};

bool AwaitFinished(const ImagePuller& puller, int finished, int running) {
  return puller.AwaitStats(
      [=](const ImagePuller::Stats& s) { return s.finished == finished && s.running == running; },
      kTimeout);
}

TEST_CASE("Serialized pulls run one at a time in arrival order") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  fake.SetLatency("PullImage", kPullLatency);
  auto puller = ImagePuller::Create(fake, ImagePuller::Options());
  REQUIRE(puller.ok());
  CHECK((*puller)->limit() == 1);

  Pullers pullers(**puller, clock);
  pullers.Start("a:1");
  pullers.Start("b:1");
  pullers.Start("c:1");
  REQUIRE(clock.WaitForSleepers(1, kTimeout));
  CHECK((*puller)->stats().queued == 2);
  CHECK(PulledImages(fake) == std::vector<std::string>{"a:1"});

  clock.Advance(kPullLatency);
  REQUIRE(AwaitFinished(**puller, 1, 1));
  REQUIRE(clock.WaitForSleepers(1, kTimeout));
  CHECK(PulledImages(fake) == std::vector<std::string>{"a:1", "b:1"});

  clock.Advance(kPullLatency);
  REQUIRE(AwaitFinished(**puller, 2, 1));
  REQUIRE(clock.WaitForSleepers(1, kTimeout));
  clock.Advance(kPullLatency);
  REQUIRE(AwaitFinished(**puller, 3, 0));
  pullers.Join();

  CHECK(PulledImages(fake) == std::vector<std::string>{"a:1", "b:1", "c:1"});
  CHECK((*puller)->stats().max_running == 1);
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE(pullers.result(i).ok());
    CHECK(absl::StartsWith(*pullers.result(i), "sha256:"));
  }
  CHECK(fake.HasImage("c:1"));
}

TEST_CASE("Parallel pulls run up to the limit at once and queue the rest") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  fake.SetLatency("PullImage", kPullLatency);
  ImagePuller::Options options;
  options.serialize_image_pulls = false;
  options.max_parallel_image_pulls = 2;
  auto puller = ImagePuller::Create(fake, options);
  REQUIRE(puller.ok());

  Pullers pullers(**puller, clock);
  for (const char* image : {"a:1", "b:1", "c:1", "d:1"}) pullers.Start(image);
  // Two pulls wait inside the runtime at the same time; the others have not reached it.
  REQUIRE(clock.WaitForSleepers(2, kTimeout));
  CHECK(fake.CallCount("PullImage") == 2);
  CHECK((*puller)->stats().running == 2);
  CHECK((*puller)->stats().queued == 2);

  clock.Advance(kPullLatency);
  REQUIRE(AwaitFinished(**puller, 2, 2));
  REQUIRE(clock.WaitForSleepers(2, kTimeout));
  // Admission is in arrival order; two admitted pulls reach the runtime in either order.
  std::vector<std::string> pulled = PulledImages(fake);
  REQUIRE(pulled.size() == 4);
  CHECK(std::set<std::string>(pulled.begin(), pulled.begin() + 2) ==
        std::set<std::string>{"a:1", "b:1"});
  CHECK(std::set<std::string>(pulled.begin() + 2, pulled.end()) ==
        std::set<std::string>{"c:1", "d:1"});

  clock.Advance(kPullLatency);
  REQUIRE(AwaitFinished(**puller, 4, 0));
  pullers.Join();
  CHECK((*puller)->stats().max_running == 2);
  for (size_t i = 0; i < 4; ++i) CHECK(pullers.result(i).ok());
}

TEST_CASE("Parallel pulls without a limit all run at once") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  fake.SetLatency("PullImage", kPullLatency);
  ImagePuller::Options options;
  options.serialize_image_pulls = false;
  auto puller = ImagePuller::Create(fake, options);
  REQUIRE(puller.ok());
  CHECK((*puller)->limit() == 0);

  Pullers pullers(**puller, clock);
  for (const char* image : {"a:1", "b:1", "c:1", "d:1"}) pullers.Start(image);
  REQUIRE(clock.WaitForSleepers(4, kTimeout));
  CHECK(fake.CallCount("PullImage") == 4);
  clock.Advance(kPullLatency);
  REQUIRE(AwaitFinished(**puller, 4, 0));
  pullers.Join();
  CHECK((*puller)->stats().max_running == 4);
}

TEST_CASE("Concurrent pulls of one image share a single PullImage call") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  fake.SetLatency("PullImage", kPullLatency);
  ImagePuller::Options options;
  options.serialize_image_pulls = false;
  auto puller = ImagePuller::Create(fake, options);
  REQUIRE(puller.ok());

  Pullers pullers(**puller, clock);
  pullers.Start("app:1");
  REQUIRE(clock.WaitForSleepers(1, kTimeout));
  pullers.Start("app:1");
  pullers.Start("app:1");
  CHECK((*puller)->stats().joined == 2);

  clock.Advance(kPullLatency);
  pullers.Join();
  CHECK(fake.CallCount("PullImage") == 1);
  REQUIRE(pullers.result(0).ok());
  CHECK(pullers.result(1) == pullers.result(0));
  CHECK(pullers.result(2) == pullers.result(0));

  // Once it is over, the next request pulls again (Always policy).
  pullers.Start("app:1");
  REQUIRE(clock.WaitForSleepers(1, kTimeout));
  clock.Advance(kPullLatency);
  pullers.Join();
  CHECK(fake.CallCount("PullImage") == 2);
}

TEST_CASE("A shared pull that fails gives every waiter the runtime's error") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  fake.SetLatency("PullImage", kPullLatency);
  fake.MarkUnpullable("gone:1");
  auto puller = ImagePuller::Create(fake, ImagePuller::Options());
  REQUIRE(puller.ok());

  Pullers pullers(**puller, clock);
  pullers.Start("gone:1");
  REQUIRE(clock.WaitForSleepers(1, kTimeout));
  pullers.Start("gone:1");
  clock.Advance(kPullLatency);
  pullers.Join();
  CHECK(fake.CallCount("PullImage") == 1);
  for (size_t i = 0; i < 2; ++i) {
    REQUIRE_FALSE(pullers.result(i).ok());
    CHECK(pullers.result(i).status().code() == absl::StatusCode::kNotFound);
  }
}

TEST_CASE("Credentials are tried in order until one works and never appear in errors") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  ImagePuller::Options options;
  options.credentials = [](absl::string_view image) {
    std::vector<cri::AuthConfig> credentials(2);
    credentials[0].set_username("first");
    credentials[0].set_password("secret-one");
    credentials[1].set_username("second");
    credentials[1].set_password("secret-two");
    return credentials;
  };
  auto puller = ImagePuller::Create(fake, options);
  REQUIRE(puller.ok());

  fake.InjectError("PullImage", absl::UnauthenticatedError("pull access denied"));
  REQUIRE((*puller)->Pull(Request("private:1")).ok());
  auto requests = fake.RequestsTo<cri::PullImageRequest>("PullImage");
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].auth().username() == "first");
  CHECK(requests[1].auth().username() == "second");

  fake.InjectError("PullImage", absl::UnauthenticatedError("pull access denied"), 2);
  absl::StatusOr<std::string> failed = (*puller)->Pull(Request("private:2"));
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == absl::StatusCode::kUnauthenticated);
  CHECK(absl::StrContains(failed.status().message(), "credential 2"));
  CHECK_FALSE(absl::StrContains(failed.status().message(), "secret"));
}

TEST_CASE("Puller options the kubelet refuses are rejected") {
  testing::FakeClock clock;
  testing::FakeImageService fake(clock);
  ImagePuller::Options serialized_with_limit;
  serialized_with_limit.max_parallel_image_pulls = 3;
  CHECK(ImagePuller::Create(fake, serialized_with_limit).status().code() ==
        absl::StatusCode::kInvalidArgument);
  ImagePuller::Options negative;
  negative.serialize_image_pulls = false;
  negative.max_parallel_image_pulls = -1;
  CHECK(ImagePuller::Create(fake, negative).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace images
}  // namespace kubelet_core
}  // namespace krl
