#include "runtime/instrumented/instrumented_image_service.h"

#include <catch2/catch.hpp>
#include <string>

#include "runtime/metrics/registry.h"
#include "testing/fake_clock.h"

namespace krl {
namespace runtime {
namespace instrumented {
namespace {

// Answers with empty responses (or `error`) after advancing the fake clock by `latency`.
class StubImageService : public ImageService {
 public:
  explicit StubImageService(krl::testing::FakeClock& clock) : clock_(clock) {}

  absl::Duration latency = absl::ZeroDuration();
  absl::Status error;

  absl::StatusOr<cri::ListImagesResponse> ListImages(const cri::ListImagesRequest&) override {
    return Answer<cri::ListImagesResponse>();
  }
  absl::Status StreamImages(
      const cri::StreamImagesRequest&,
      const std::function<void(cri::StreamImagesResponse&&)>& on_message) override {
    clock_.Advance(latency);
    on_message(cri::StreamImagesResponse());
    return error;
  }
  absl::StatusOr<cri::ImageStatusResponse> ImageStatus(const cri::ImageStatusRequest&) override {
    return Answer<cri::ImageStatusResponse>();
  }
  absl::StatusOr<cri::PullImageResponse> PullImage(const cri::PullImageRequest& r) override {
    absl::StatusOr<cri::PullImageResponse> response = Answer<cri::PullImageResponse>();
    if (response.ok()) response->set_image_ref("sha256:" + r.image().image());
    return response;
  }
  absl::StatusOr<cri::RemoveImageResponse> RemoveImage(const cri::RemoveImageRequest&) override {
    return Answer<cri::RemoveImageResponse>();
  }
  absl::StatusOr<cri::ImageFsInfoResponse> ImageFsInfo(const cri::ImageFsInfoRequest&) override {
    return Answer<cri::ImageFsInfoResponse>();
  }

 private:
  template <typename Response>
  absl::StatusOr<Response> Answer() {
    clock_.Advance(latency);
    if (!error.ok()) return error;
    return Response();
  }

  krl::testing::FakeClock& clock_;
};

struct Fixture {
  krl::testing::FakeClock clock;
  metrics::Registry registry;
  RuntimeOperationMetrics op_metrics{registry};
  StubImageService stub{clock};
  InstrumentedImageService service{stub, op_metrics, clock};
};

TEST_CASE("every ImageService method is recorded under the kubelet's operation_type") {
  Fixture f;
  (void)f.service.ListImages({});
  (void)f.service.StreamImages({}, [](cri::StreamImagesResponse&&) {});
  (void)f.service.ImageStatus({});
  (void)f.service.PullImage({});
  (void)f.service.RemoveImage({});
  (void)f.service.ImageFsInfo({});
  std::map<std::string, OperationSnapshot> s = f.op_metrics.Snapshot();
  REQUIRE(s.size() == 6);
  for (const char* name : {"list_images", "stream_images", "image_status", "pull_image",
                           "remove_image", "image_fs_info"}) {
    INFO(name);
    CHECK(s[name].calls == 1);
  }
}

TEST_CASE("a failed pull is counted with its code and its response passes through otherwise") {
  Fixture f;
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("busybox");
  absl::StatusOr<cri::PullImageResponse> ok = f.service.PullImage(pull);
  REQUIRE(ok.ok());
  CHECK(ok->image_ref() == "sha256:busybox");

  f.stub.latency = absl::Seconds(90);
  f.stub.error = absl::DeadlineExceededError("pull timed out");
  CHECK(f.service.PullImage(pull).status() == f.stub.error);

  OperationSnapshot s = f.op_metrics.Snapshot("pull_image");
  CHECK(s.calls == 2);
  CHECK(s.errors == 1);
  CHECK(s.errors_by_code ==
        std::map<absl::StatusCode, uint64_t>{{absl::StatusCode::kDeadlineExceeded, 1}});
  CHECK(s.latency.bucket_counts[0] == 1);   // the instant success
  CHECK(s.latency.bucket_counts[11] == 1);  // 90 s: le=119.20928955078125
  CHECK(s.latency_sum_seconds == Approx(90));
}

TEST_CASE("image and runtime decorators share one set of kubelet families") {
  Fixture f;
  (void)f.service.ImageFsInfo({});
  const std::string text = f.registry.Render();
  CHECK(text.find("kubelet_runtime_operations_total{operation_type=\"image_fs_info\"} 1\n") !=
        std::string::npos);
  // A second metrics object on the same registry reuses the families instead of clashing.
  RuntimeOperationMetrics again(f.registry);
  CHECK(again.Snapshot("image_fs_info").calls == 1);
}

}  // namespace
}  // namespace instrumented
}  // namespace runtime
}  // namespace krl
