#include "runtime/remote/remote_image_service.h"

#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/remote/scripted_cri_server.h"
#include "runtime/remote/test_socket_dir.h"
#include "runtime/util/log.h"
#include "testing/fake_clock.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

using google::protobuf::util::MessageDifferencer;

struct Fixture {
  TestSocketDir dir;
  ScriptedCriServer server{dir.Path("cri.sock")};
  testing::FakeClock clock;

  RemoteOptions Options() {
    RemoteOptions options;
    options.runtime_endpoint = server.endpoint();
    options.connect_timeout = absl::Seconds(5);
    options.request_timeout = absl::Seconds(5);
    options.clock = &clock;
    return options;
  }

  std::unique_ptr<RemoteImageService> Client(const RemoteOptions& options) {
    absl::StatusOr<std::unique_ptr<RemoteImageService>> client =
        RemoteImageService::Create(options);
    INFO(client.status().ToString());
    REQUIRE(client.ok());
    return *std::move(client);
  }
  std::unique_ptr<RemoteImageService> Client() { return Client(Options()); }
};

cri::Image Image(const std::string& id) {
  cri::Image image;
  image.set_id(id);
  image.add_repo_tags("registry.example/" + id + ":1.0");
  image.set_size(1234);
  return image;
}

TEST_CASE("every unary image RPC round-trips its request and response") {
  Fixture f;
  auto client = f.Client();

  cri::ListImagesRequest list;
  list.mutable_filter()->mutable_image()->set_image("busybox");
  cri::ListImagesResponse list_response;
  *list_response.add_images() = Image("sha256:aaa");
  f.server.SetResponse("ListImages", list_response);
  absl::StatusOr<cri::ListImagesResponse> images = client->ListImages(list);
  REQUIRE(images.ok());
  CHECK(MessageDifferencer::Equals(*images, list_response));
  CHECK(
      MessageDifferencer::Equals(f.server.LastRequest<cri::ListImagesRequest>("ListImages"), list));

  cri::ImageStatusRequest status;
  status.mutable_image()->set_image("busybox:1.36");
  status.set_verbose(true);
  cri::ImageStatusResponse status_response;
  *status_response.mutable_image() = Image("sha256:aaa");
  f.server.SetResponse("ImageStatus", status_response);
  absl::StatusOr<cri::ImageStatusResponse> got_status = client->ImageStatus(status);
  REQUIRE(got_status.ok());
  CHECK(MessageDifferencer::Equals(*got_status, status_response));
  CHECK(MessageDifferencer::Equals(f.server.LastRequest<cri::ImageStatusRequest>("ImageStatus"),
                                   status));

  // An absent image is an answer without an image, not an error.
  f.server.SetResponse("ImageStatus", cri::ImageStatusResponse());
  got_status = client->ImageStatus(status);
  REQUIRE(got_status.ok());
  CHECK_FALSE(got_status->has_image());

  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("busybox:1.36");
  pull.mutable_auth()->set_username("alice");
  pull.mutable_auth()->set_password("hunter2");
  cri::PullImageResponse pull_response;
  pull_response.set_image_ref("sha256:aaa");
  f.server.SetResponse("PullImage", pull_response);
  absl::StatusOr<cri::PullImageResponse> pulled = client->PullImage(pull);
  REQUIRE(pulled.ok());
  CHECK(pulled->image_ref() == "sha256:aaa");
  // The credentials do reach the runtime.
  CHECK(MessageDifferencer::Equals(f.server.LastRequest<cri::PullImageRequest>("PullImage"), pull));

  cri::RemoveImageRequest remove;
  remove.mutable_image()->set_image("sha256:aaa");
  f.server.SetResponse("RemoveImage", cri::RemoveImageResponse());
  REQUIRE(client->RemoveImage(remove).ok());
  CHECK(MessageDifferencer::Equals(f.server.LastRequest<cri::RemoveImageRequest>("RemoveImage"),
                                   remove));

  cri::ImageFsInfoResponse fs;
  fs.add_image_filesystems()->mutable_used_bytes()->set_value(4096);
  f.server.SetResponse("ImageFsInfo", fs);
  absl::StatusOr<cri::ImageFsInfoResponse> got_fs = client->ImageFsInfo(cri::ImageFsInfoRequest());
  REQUIRE(got_fs.ok());
  CHECK(MessageDifferencer::Equals(*got_fs, fs));
}

TEST_CASE("StreamImages delivers batches, and ListImages prefers it") {
  Fixture f;
  auto client = f.Client();
  cri::StreamImagesResponse a, b;
  *a.add_images() = Image("sha256:aaa");
  *b.add_images() = Image("sha256:bbb");
  *b.add_images() = Image("sha256:ccc");
  f.server.SetStream("StreamImages", std::vector<cri::StreamImagesResponse>{a, b});

  std::vector<cri::StreamImagesResponse> got;
  cri::StreamImagesRequest request;
  request.mutable_filter()->mutable_image()->set_image("busybox");
  REQUIRE(client
              ->StreamImages(request,
                             [&](cri::StreamImagesResponse&& m) { got.push_back(std::move(m)); })
              .ok());
  REQUIRE(got.size() == 2);
  CHECK(MessageDifferencer::Equals(got[1], b));
  CHECK(MessageDifferencer::Equals(f.server.LastRequest<cri::StreamImagesRequest>("StreamImages"),
                                   request));

  absl::StatusOr<cri::ListImagesResponse> list = client->ListImages(cri::ListImagesRequest());
  REQUIRE(list.ok());
  REQUIRE(list->images_size() == 3);
  CHECK(list->images(2).id() == "sha256:ccc");
  CHECK(f.server.CallCount("ListImages") == 0);
}

TEST_CASE("ListImages falls back to the unary RPC once when StreamImages is unimplemented") {
  Fixture f;
  auto client = f.Client();
  cri::ListImagesResponse list_response;
  *list_response.add_images() = Image("sha256:aaa");
  f.server.SetResponse("ListImages", list_response);
  for (int round = 1; round <= 3; ++round) {
    REQUIRE(client->ListImages(cri::ListImagesRequest()).ok());
  }
  CHECK(f.server.CallCount("StreamImages") == 1);
  CHECK(f.server.CallCount("ListImages") == 3);
}

TEST_CASE("listed images without an id are rejected") {
  Fixture f;
  auto client = f.Client();
  cri::ListImagesResponse bad;
  bad.add_images()->add_repo_tags("nameless:1");
  f.server.SetResponse("ListImages", bad);
  absl::Status status = client->ListImages(cri::ListImagesRequest()).status();
  CHECK(status.code() == absl::StatusCode::kUnknown);
  CHECK(status.message() ==
        "ListImages: invalid response from the runtime: entry 0 has an empty id");
}

TEST_CASE("credentials never appear in the error or the log of a failing pull") {
  Fixture f;
  auto client = f.Client();
  const std::string password = "Pa55w0rd-QUOKKA-9141";
  const std::string registry_token = "regtok-ZEBRA-4242";
  const std::string identity_token = "idtok-OKAPI-7777";
  const std::string auth = absl::Base64Escape("alice:" + password);
  // A careless runtime quoting everything it tried back at the caller.
  f.server.SetHandler(
      "PullImage", [&](const google::protobuf::Message& request, google::protobuf::Message*) {
        const auto& pull = static_cast<const cri::PullImageRequest&>(request);
        return grpc::Status(
            grpc::StatusCode::UNAUTHENTICATED,
            absl::StrCat("pulling ", pull.image().image(), " as ", pull.auth().username(), ":",
                         pull.auth().password(), " (auth ", pull.auth().auth(), ", token ",
                         pull.auth().registry_token(), ", identity ", pull.auth().identity_token(),
                         ") failed: 401 Unauthorized"));
      });
  cri::PullImageRequest pull;
  pull.mutable_image()->set_image("registry.example/private/app:2.0");
  pull.mutable_auth()->set_username("alice");
  pull.mutable_auth()->set_password(password);
  pull.mutable_auth()->set_auth(auth);
  pull.mutable_auth()->set_registry_token(registry_token);
  pull.mutable_auth()->set_identity_token(identity_token);
  pull.mutable_auth()->set_server_address("registry.example");

  log::CaptureSink sink;
  absl::StatusOr<cri::PullImageResponse> pulled = client->PullImage(pull);
  REQUIRE_FALSE(pulled.ok());
  CHECK(pulled.status().code() == absl::StatusCode::kUnauthenticated);
  const std::string message(pulled.status().message());
  CHECK(absl::StartsWith(message, "PullImage \"registry.example/private/app:2.0\": rpc error: "));
  CHECK(absl::StrContains(message, "401 Unauthorized"));
  CHECK(absl::StrContains(message, "[redacted]"));
  std::vector<std::string> texts = sink.Lines();
  REQUIRE_FALSE(texts.empty());
  texts.push_back(pulled.status().ToString());
  for (const std::string& text : texts) {
    INFO(text);
    for (const std::string& secret : {password, registry_token, identity_token, auth}) {
      CHECK_FALSE(absl::StrContains(text, secret));
    }
  }
}

TEST_CASE("a pull gets its own deadline") {
  Fixture f;
  RemoteOptions options = f.Options();
  options.pull_image_timeout = absl::Minutes(45);
  auto client = f.Client(options);
  f.server.SetResponse("PullImage", cri::PullImageResponse());
  REQUIRE(client->PullImage(cri::PullImageRequest()).ok());
  std::optional<absl::Duration> budget = f.server.LastDeadlineBudget("PullImage");
  REQUIRE(budget.has_value());
  // gRPC rounds the timeout it sends up to a few significant digits.
  CHECK(absl::AbsDuration(*budget - absl::Minutes(45)) < absl::Seconds(30));

  options.pull_image_timeout = absl::InfiniteDuration();
  auto unbounded = f.Client(options);
  REQUIRE(unbounded->PullImage(cri::PullImageRequest()).ok());
  CHECK_FALSE(f.server.LastDeadlineBudget("PullImage").has_value());
}

TEST_CASE("other image calls get the request timeout") {
  Fixture f;
  auto client = f.Client();
  f.server.SetResponse("RemoveImage", cri::RemoveImageResponse());
  REQUIRE(client->RemoveImage(cri::RemoveImageRequest()).ok());
  std::optional<absl::Duration> budget = f.server.LastDeadlineBudget("RemoveImage");
  REQUIRE(budget.has_value());
  CHECK(absl::AbsDuration(*budget - absl::Seconds(5)) < absl::Seconds(1));
}

TEST_CASE("an image service without CRI v1 is refused at creation") {
  Fixture f;
  f.server.SetError("ImageFsInfo", grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                                "unknown service runtime.v1.ImageService"));
  absl::StatusOr<std::unique_ptr<RemoteImageService>> client =
      RemoteImageService::Create(f.Options());
  CHECK(client.status().code() == absl::StatusCode::kUnimplemented);
  CHECK(absl::StrContains(client.status().message(), "does not serve CRI v1"));
  CHECK(absl::StrContains(client.status().message(), "--image-service-endpoint"));
}

TEST_CASE("an image service whose first answer is another error is still usable") {
  Fixture f;
  f.server.SetError("ImageFsInfo", grpc::Status(grpc::StatusCode::INTERNAL, "stat failed"));
  log::CaptureSink sink;
  auto client = f.Client();
  CHECK(sink.Lines().size() == 1);
}

TEST_CASE("the image endpoint overrides the runtime endpoint") {
  Fixture f;
  ScriptedCriServer images(f.dir.Path("img.sock"));
  RemoteOptions options = f.Options();
  options.image_endpoint = images.endpoint();
  auto client = f.Client(options);
  images.SetResponse("RemoveImage", cri::RemoveImageResponse());
  REQUIRE(client->RemoveImage(cri::RemoveImageRequest()).ok());
  CHECK(images.CallCount("RemoveImage") == 1);
  CHECK(f.server.CallCount("ImageFsInfo") == 0);
}

}  // namespace
}  // namespace remote
}  // namespace runtime
}  // namespace krl
