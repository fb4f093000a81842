// max_streamed_list_bytes: a list read through a Stream* RPC stops at the bound with
// ResourceExhausted naming the RPC and the option, and never falls back to the unary list (which
// could only hit the 16 MiB message limit).
#include "runtime/remote/streamed_list_budget.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/cri/v1/cri.h"
#include "runtime/remote/cri_channel.h"
#include "runtime/remote/remote_image_service.h"
#include "runtime/remote/remote_runtime_service.h"
#include "runtime/remote/scripted_cri_server.h"
#include "runtime/remote/test_socket_dir.h"

namespace krl {
namespace runtime {
namespace remote {
namespace {

cri::Container Container(int i) {
  cri::Container container;
  container.set_id(absl::StrCat("container-", i, std::string(64, 'x')));
  container.set_pod_sandbox_id("sandbox-1");
  container.mutable_metadata()->set_name(absl::StrCat("ctr-", i));
  container.set_created_at(1700000000000000000);
  return container;
}

// 20 batches of 100 containers, about 10 KiB each.
std::vector<cri::StreamContainersResponse> Batches() {
  std::vector<cri::StreamContainersResponse> batches(20);
  for (int b = 0; b < 20; ++b) {
    for (int i = 0; i < 100; ++i) *batches[b].add_containers() = Container(b * 100 + i);
  }
  return batches;
}

RemoteOptions Options(const ScriptedCriServer& server, int64_t max_streamed_list_bytes) {
  RemoteOptions options;
  options.runtime_endpoint = server.endpoint();
  options.connect_timeout = absl::Seconds(5);
  options.request_timeout = absl::Seconds(5);
  options.max_streamed_list_bytes = max_streamed_list_bytes;
  return options;
}

TEST_CASE("a streamed list within max_streamed_list_bytes is returned whole") {
  TestSocketDir dir;
  ScriptedCriServer server(dir.Path("cri.sock"));
  server.SetStream("StreamContainers", Batches());
  auto client = RemoteRuntimeService::Create(Options(server, 1024 * 1024));
  REQUIRE(client.ok());
  absl::StatusOr<cri::ListContainersResponse> list =
      (*client)->ListContainers(cri::ListContainersRequest());
  REQUIRE(list.ok());
  CHECK(list->containers_size() == 2000);
}

TEST_CASE("a streamed list over max_streamed_list_bytes fails naming the RPC and the bound") {
  TestSocketDir dir;
  ScriptedCriServer server(dir.Path("cri.sock"));
  server.SetStream("StreamContainers", Batches());
  auto client = RemoteRuntimeService::Create(Options(server, 50 * 1024));
  REQUIRE(client.ok());
  absl::StatusOr<cri::ListContainersResponse> list =
      (*client)->ListContainers(cri::ListContainersRequest());
  REQUIRE(absl::IsResourceExhausted(list.status()));
  const std::string message(list.status().message());
  CHECK(absl::StartsWith(message,
                         "StreamContainers: rpc error: the streamed list exceeded "
                         "max_streamed_list_bytes (51200 bytes) after "));
  CHECK(absl::StrContains(message, "raise max_streamed_list_bytes"));
  // No fallback to the unary list, now or later.
  CHECK(server.CallCount("ListContainers") == 0);
  CHECK(
      absl::IsResourceExhausted((*client)->ListContainers(cri::ListContainersRequest()).status()));
  CHECK(server.CallCount("StreamContainers") == 2);
  CHECK(server.CallCount("ListContainers") == 0);
}

TEST_CASE("streamed images are bounded by the same option") {
  TestSocketDir dir;
  ScriptedCriServer server(dir.Path("cri.sock"));
  std::vector<cri::StreamImagesResponse> batches(10);
  for (int b = 0; b < 10; ++b) {
    for (int i = 0; i < 100; ++i) {
      cri::Image* image = batches[b].add_images();
      image->set_id(absl::StrCat("sha256:", b, "-", i, std::string(64, 'a')));
      image->add_repo_tags(absl::StrCat("registry.example/app:", b, "-", i));
    }
  }
  server.SetStream("StreamImages", batches);
  auto images = RemoteImageService::Create(Options(server, 16 * 1024));
  REQUIRE(images.ok());
  absl::StatusOr<cri::ListImagesResponse> list = (*images)->ListImages(cri::ListImagesRequest());
  REQUIRE(absl::IsResourceExhausted(list.status()));
  CHECK(absl::StartsWith(list.status().message(), "StreamImages: rpc error: "));
}

TEST_CASE("the budget counts bytes and items, and the option must be positive") {
  StreamedListBudget budget("StreamContainers", 200);
  cri::StreamContainersResponse small;
  *small.add_containers() = Container(1);
  REQUIRE(small.ByteSizeLong() <= 200);
  REQUIRE(2 * small.ByteSizeLong() > 200);
  CHECK(budget.Add(small, 1).ok());
  CHECK(absl::IsResourceExhausted(budget.Add(small, 1)));
  CHECK(budget.items() == 2);
  CHECK(budget.bytes() == 2 * static_cast<int64_t>(small.ByteSizeLong()));

  RemoteOptions options;
  options.runtime_endpoint = "unix:///tmp/none.sock";
  options.max_streamed_list_bytes = 0;
  CHECK(absl::IsInvalidArgument(CheckRemoteOptions(options)));
}

}  // namespace
}  // namespace remote
}  // namespace runtime
}  // namespace krl
