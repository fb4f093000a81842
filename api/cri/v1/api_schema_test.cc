// Self-check of the CRI v1 schema (api/cri/v1/api.proto): the services, their methods and
// streaming kinds, and a set of interop-relevant field numbers and enum values must match
// upstream Kubernetes runtime.v1.

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api/cri/v1/api.grpc.pb.h"
#include "api/cri/v1/api.pb.h"

namespace krl::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

// What upstream declares for one RPC.
struct MethodSpec {
  const char* path;         // Full gRPC path, "/<service>/<method>".
  const char* input_type;   // Full name of the request message.
  const char* output_type;  // Full name of the response message.
  bool server_streaming;    // No CRI v1 method is client streaming.
};

constexpr char kRuntimeService[] = "runtime.v1.RuntimeService";
constexpr char kImageService[] = "runtime.v1.ImageService";

// Every CRI v1 RuntimeService method, in upstream declaration order.
const std::vector<MethodSpec>& RuntimeMethods() {
  static const auto* const kMethods = new std::vector<MethodSpec>{
      {"/runtime.v1.RuntimeService/Version", "runtime.v1.VersionRequest",
       "runtime.v1.VersionResponse", false},
      {"/runtime.v1.RuntimeService/RunPodSandbox", "runtime.v1.RunPodSandboxRequest",
       "runtime.v1.RunPodSandboxResponse", false},
      {"/runtime.v1.RuntimeService/StopPodSandbox", "runtime.v1.StopPodSandboxRequest",
       "runtime.v1.StopPodSandboxResponse", false},
      {"/runtime.v1.RuntimeService/RemovePodSandbox", "runtime.v1.RemovePodSandboxRequest",
       "runtime.v1.RemovePodSandboxResponse", false},
      {"/runtime.v1.RuntimeService/PodSandboxStatus", "runtime.v1.PodSandboxStatusRequest",
       "runtime.v1.PodSandboxStatusResponse", false},
      {"/runtime.v1.RuntimeService/ListPodSandbox", "runtime.v1.ListPodSandboxRequest",
       "runtime.v1.ListPodSandboxResponse", false},
      {"/runtime.v1.RuntimeService/StreamPodSandboxes", "runtime.v1.StreamPodSandboxesRequest",
       "runtime.v1.StreamPodSandboxesResponse", true},
      {"/runtime.v1.RuntimeService/CreateContainer", "runtime.v1.CreateContainerRequest",
       "runtime.v1.CreateContainerResponse", false},
      {"/runtime.v1.RuntimeService/StartContainer", "runtime.v1.StartContainerRequest",
       "runtime.v1.StartContainerResponse", false},
      {"/runtime.v1.RuntimeService/StopContainer", "runtime.v1.StopContainerRequest",
       "runtime.v1.StopContainerResponse", false},
      {"/runtime.v1.RuntimeService/RemoveContainer", "runtime.v1.RemoveContainerRequest",
       "runtime.v1.RemoveContainerResponse", false},
      {"/runtime.v1.RuntimeService/ListContainers", "runtime.v1.ListContainersRequest",
       "runtime.v1.ListContainersResponse", false},
      {"/runtime.v1.RuntimeService/StreamContainers", "runtime.v1.StreamContainersRequest",
       "runtime.v1.StreamContainersResponse", true},
      {"/runtime.v1.RuntimeService/ContainerStatus", "runtime.v1.ContainerStatusRequest",
       "runtime.v1.ContainerStatusResponse", false},
      {"/runtime.v1.RuntimeService/UpdateContainerResources",
       "runtime.v1.UpdateContainerResourcesRequest", "runtime.v1.UpdateContainerResourcesResponse",
       false},
      {"/runtime.v1.RuntimeService/ReopenContainerLog", "runtime.v1.ReopenContainerLogRequest",
       "runtime.v1.ReopenContainerLogResponse", false},
      {"/runtime.v1.RuntimeService/ExecSync", "runtime.v1.ExecSyncRequest",
       "runtime.v1.ExecSyncResponse", false},
      {"/runtime.v1.RuntimeService/Exec", "runtime.v1.ExecRequest", "runtime.v1.ExecResponse",
       false},
      {"/runtime.v1.RuntimeService/Attach", "runtime.v1.AttachRequest",
       "runtime.v1.AttachResponse", false},
      {"/runtime.v1.RuntimeService/PortForward", "runtime.v1.PortForwardRequest",
       "runtime.v1.PortForwardResponse", false},
      {"/runtime.v1.RuntimeService/ContainerStats", "runtime.v1.ContainerStatsRequest",
       "runtime.v1.ContainerStatsResponse", false},
      {"/runtime.v1.RuntimeService/ListContainerStats", "runtime.v1.ListContainerStatsRequest",
       "runtime.v1.ListContainerStatsResponse", false},
      {"/runtime.v1.RuntimeService/StreamContainerStats",
       "runtime.v1.StreamContainerStatsRequest", "runtime.v1.StreamContainerStatsResponse", true},
      {"/runtime.v1.RuntimeService/PodSandboxStats", "runtime.v1.PodSandboxStatsRequest",
       "runtime.v1.PodSandboxStatsResponse", false},
      {"/runtime.v1.RuntimeService/ListPodSandboxStats", "runtime.v1.ListPodSandboxStatsRequest",
       "runtime.v1.ListPodSandboxStatsResponse", false},
      {"/runtime.v1.RuntimeService/StreamPodSandboxStats",
       "runtime.v1.StreamPodSandboxStatsRequest", "runtime.v1.StreamPodSandboxStatsResponse",
       true},
      {"/runtime.v1.RuntimeService/UpdateRuntimeConfig", "runtime.v1.UpdateRuntimeConfigRequest",
       "runtime.v1.UpdateRuntimeConfigResponse", false},
      {"/runtime.v1.RuntimeService/Status", "runtime.v1.StatusRequest",
       "runtime.v1.StatusResponse", false},
      {"/runtime.v1.RuntimeService/CheckpointContainer", "runtime.v1.CheckpointContainerRequest",
       "runtime.v1.CheckpointContainerResponse", false},
      {"/runtime.v1.RuntimeService/CheckpointPod", "runtime.v1.CheckpointPodRequest",
       "runtime.v1.CheckpointPodResponse", false},
      {"/runtime.v1.RuntimeService/RestorePod", "runtime.v1.RestorePodRequest",
       "runtime.v1.RestorePodResponse", false},
      {"/runtime.v1.RuntimeService/GetContainerEvents", "runtime.v1.GetEventsRequest",
       "runtime.v1.ContainerEventResponse", true},
      {"/runtime.v1.RuntimeService/ListMetricDescriptors",
       "runtime.v1.ListMetricDescriptorsRequest", "runtime.v1.ListMetricDescriptorsResponse",
       false},
      {"/runtime.v1.RuntimeService/ListPodSandboxMetrics",
       "runtime.v1.ListPodSandboxMetricsRequest", "runtime.v1.ListPodSandboxMetricsResponse",
       false},
      {"/runtime.v1.RuntimeService/StreamPodSandboxMetrics",
       "runtime.v1.StreamPodSandboxMetricsRequest", "runtime.v1.StreamPodSandboxMetricsResponse",
       true},
      {"/runtime.v1.RuntimeService/RuntimeConfig", "runtime.v1.RuntimeConfigRequest",
       "runtime.v1.RuntimeConfigResponse", false},
      {"/runtime.v1.RuntimeService/UpdatePodSandboxResources",
       "runtime.v1.UpdatePodSandboxResourcesRequest",
       "runtime.v1.UpdatePodSandboxResourcesResponse", false},
  };
  return *kMethods;
}

// Every CRI v1 ImageService method, in upstream declaration order.
const std::vector<MethodSpec>& ImageMethods() {
  static const auto* const kMethods = new std::vector<MethodSpec>{
      {"/runtime.v1.ImageService/ListImages", "runtime.v1.ListImagesRequest",
       "runtime.v1.ListImagesResponse", false},
      {"/runtime.v1.ImageService/StreamImages", "runtime.v1.StreamImagesRequest",
       "runtime.v1.StreamImagesResponse", true},
      {"/runtime.v1.ImageService/ImageStatus", "runtime.v1.ImageStatusRequest",
       "runtime.v1.ImageStatusResponse", false},
      {"/runtime.v1.ImageService/PullImage", "runtime.v1.PullImageRequest",
       "runtime.v1.PullImageResponse", false},
      {"/runtime.v1.ImageService/RemoveImage", "runtime.v1.RemoveImageRequest",
       "runtime.v1.RemoveImageResponse", false},
      {"/runtime.v1.ImageService/ImageFsInfo", "runtime.v1.ImageFsInfoRequest",
       "runtime.v1.ImageFsInfoResponse", false},
  };
  return *kMethods;
}

const ServiceDescriptor* FindService(const std::string& full_name) {
  return DescriptorPool::generated_pool()->FindServiceByName(full_name);
}

std::string MethodPath(const MethodDescriptor& method) {
  return "/" + method.service()->full_name() + "/" + method.name();
}

std::set<std::string> ActualPaths(const ServiceDescriptor& service) {
  std::set<std::string> paths;
  for (int i = 0; i < service.method_count(); ++i) paths.insert(MethodPath(*service.method(i)));
  return paths;
}

std::set<std::string> ExpectedPaths(const std::vector<MethodSpec>& specs) {
  std::set<std::string> paths;
  for (const MethodSpec& spec : specs) paths.insert(spec.path);
  return paths;
}

// Reports paths present in `actual` but not in `expected` (and vice versa) one by one, so a
// failure names the offending method.
void CheckSameMethodSet(const std::set<std::string>& expected,
                        const std::set<std::string>& actual) {
  for (const std::string& path : expected) {
    INFO("expected method missing from the schema: " << path);
    CHECK(actual.count(path) == 1);
  }
  for (const std::string& path : actual) {
    INFO("schema has a method that CRI v1 does not: " << path);
    CHECK(expected.count(path) == 1);
  }
  CHECK(actual == expected);
}

// Checks request/response types and streaming kind of every listed method.
void CheckMethodShapes(const ServiceDescriptor& service, const std::vector<MethodSpec>& specs) {
  for (const MethodSpec& spec : specs) {
    const std::string path = spec.path;
    const std::string name = path.substr(path.rfind('/') + 1);
    const MethodDescriptor* method = service.FindMethodByName(name);
    INFO("method " << path);
    REQUIRE(method != nullptr);
    CHECK(method->input_type()->full_name() == spec.input_type);
    CHECK(method->output_type()->full_name() == spec.output_type);
    CHECK_FALSE(method->client_streaming());
    CHECK(method->server_streaming() == spec.server_streaming);
  }
}

const FieldDescriptor* Field(const std::string& message, const std::string& field) {
  const Descriptor* descriptor = DescriptorPool::generated_pool()->FindMessageTypeByName(message);
  if (descriptor == nullptr) return nullptr;
  return descriptor->FindFieldByName(field);
}

// Number of `field` in `message`, or -1 when either does not exist.
int FieldNumber(const std::string& message, const std::string& field) {
  const FieldDescriptor* descriptor = Field("runtime.v1." + message, field);
  return descriptor == nullptr ? -1 : descriptor->number();
}

// Numeric value of `value` in `enum_name`, or -1 when either does not exist.
int EnumNumber(const std::string& enum_name, const std::string& value) {
  const EnumDescriptor* descriptor =
      DescriptorPool::generated_pool()->FindEnumTypeByName("runtime.v1." + enum_name);
  if (descriptor == nullptr) return -1;
  const auto* value_descriptor = descriptor->FindValueByName(value);
  return value_descriptor == nullptr ? -1 : value_descriptor->number();
}

TEST_CASE("the schema declares package runtime.v1 with exactly two services") {
  const ServiceDescriptor* runtime = FindService(kRuntimeService);
  REQUIRE(runtime != nullptr);
  CHECK(runtime->file()->package() == "runtime.v1");
  CHECK(runtime->file()->service_count() == 2);
  CHECK(FindService(kImageService) != nullptr);
}

TEST_CASE("the generated gRPC stubs name the same services as the descriptor pool") {
  CHECK(std::string(runtime::v1::RuntimeService::service_full_name()) == kRuntimeService);
  CHECK(std::string(runtime::v1::ImageService::service_full_name()) == kImageService);
}

TEST_CASE("the runtime service exposes exactly the 37 CRI v1 methods") {
  const ServiceDescriptor* service = FindService(kRuntimeService);
  REQUIRE(service != nullptr);
  REQUIRE(RuntimeMethods().size() == 37);
  CHECK(service->method_count() == 37);
  CheckSameMethodSet(ExpectedPaths(RuntimeMethods()), ActualPaths(*service));
}

TEST_CASE("the image service exposes exactly the 6 CRI v1 methods") {
  const ServiceDescriptor* service = FindService(kImageService);
  REQUIRE(service != nullptr);
  REQUIRE(ImageMethods().size() == 6);
  CHECK(service->method_count() == 6);
  CheckSameMethodSet(ExpectedPaths(ImageMethods()), ActualPaths(*service));
}

TEST_CASE("every runtime service method has the upstream request, response and streaming kind") {
  const ServiceDescriptor* service = FindService(kRuntimeService);
  REQUIRE(service != nullptr);
  CheckMethodShapes(*service, RuntimeMethods());
}

TEST_CASE("every image service method has the upstream request, response and streaming kind") {
  const ServiceDescriptor* service = FindService(kImageService);
  REQUIRE(service != nullptr);
  CheckMethodShapes(*service, ImageMethods());
}

TEST_CASE("only the event feed and the Stream list methods are server streaming") {
  std::set<std::string> streaming;
  for (const ServiceDescriptor* service :
       {FindService(kRuntimeService), FindService(kImageService)}) {
    REQUIRE(service != nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      CHECK_FALSE(method->client_streaming());
      if (method->server_streaming()) streaming.insert(MethodPath(*method));
    }
  }
  const std::set<std::string> expected = {
      "/runtime.v1.RuntimeService/GetContainerEvents",
      "/runtime.v1.RuntimeService/StreamPodSandboxes",
      "/runtime.v1.RuntimeService/StreamContainers",
      "/runtime.v1.RuntimeService/StreamContainerStats",
      "/runtime.v1.RuntimeService/StreamPodSandboxStats",
      "/runtime.v1.RuntimeService/StreamPodSandboxMetrics",
      "/runtime.v1.ImageService/StreamImages",
  };
  CHECK(streaming == expected);
}

TEST_CASE("sandbox and container config fields keep their upstream numbers") {
  CHECK(FieldNumber("PodSandboxConfig", "metadata") == 1);
  CHECK(FieldNumber("PodSandboxConfig", "log_directory") == 3);
  CHECK(FieldNumber("PodSandboxConfig", "linux") == 8);
  CHECK(FieldNumber("RunPodSandboxRequest", "runtime_handler") == 2);
  CHECK(FieldNumber("ContainerConfig", "metadata") == 1);
  CHECK(FieldNumber("ContainerConfig", "image") == 2);
  CHECK(FieldNumber("ContainerConfig", "command") == 3);
  CHECK(FieldNumber("ContainerConfig", "envs") == 6);
  CHECK(FieldNumber("ContainerConfig", "CDI_devices") == 17);
  CHECK(FieldNumber("ContainerConfig", "stop_signal") == 18);
  CHECK(FieldNumber("CreateContainerRequest", "sandbox_config") == 3);
  CHECK(FieldNumber("LinuxSandboxSecurityContext", "run_as_group") == 8);
  CHECK(FieldNumber("LinuxSandboxSecurityContext", "supplemental_groups_policy") == 11);
  CHECK(FieldNumber("LinuxContainerSecurityContext", "run_as_group") == 12);
  CHECK(FieldNumber("LinuxContainerSecurityContext", "supplemental_groups_policy") == 17);
  CHECK(FieldNumber("Mount", "uidMappings") == 6);
  CHECK(FieldNumber("Mount", "image") == 9);
  CHECK(FieldNumber("Mount", "mount_options") == 11);
  CHECK(FieldNumber("ImageSpec", "user_specified_image") == 18);
  CHECK(FieldNumber("ImageSpec", "runtime_handler") == 19);
  CHECK(FieldNumber("ImageSpec", "image_ref") == 20);

  // The generated C++ constants agree with the descriptors.
  STATIC_REQUIRE(runtime::v1::PodSandboxConfig::kMetadataFieldNumber == 1);
  STATIC_REQUIRE(runtime::v1::ContainerConfig::kImageFieldNumber == 2);
}

TEST_CASE("status, image and auth fields keep their upstream numbers") {
  CHECK(FieldNumber("ContainerStatus", "image_id") == 17);
  CHECK(FieldNumber("ContainerStatus", "user") == 18);
  CHECK(FieldNumber("ContainerStatus", "stop_signal") == 19);
  CHECK(FieldNumber("PodSandboxStatusResponse", "containers_statuses") == 3);
  CHECK(FieldNumber("PodSandboxStatusResponse", "timestamp") == 4);
  CHECK(FieldNumber("ContainerEventResponse", "containers_statuses") == 5);
  CHECK(FieldNumber("StatusResponse", "features") == 4);
  CHECK(FieldNumber("RuntimeFeatures", "mount_options") == 3);
  CHECK(FieldNumber("Image", "pinned") == 8);
  CHECK(FieldNumber("PullImageRequest", "auth") == 2);
  CHECK(FieldNumber("PullImageResponse", "image_ref") == 1);
  CHECK(FieldNumber("AuthConfig", "username") == 1);
  CHECK(FieldNumber("AuthConfig", "password") == 2);
  CHECK(FieldNumber("AuthConfig", "auth") == 3);
  CHECK(FieldNumber("AuthConfig", "server_address") == 4);
  CHECK(FieldNumber("AuthConfig", "identity_token") == 5);
  CHECK(FieldNumber("AuthConfig", "registry_token") == 6);
  CHECK(FieldNumber("RestorePodRequest", "container_configs") == 5);
  CHECK(FieldNumber("RestorePodResponse", "restored_containers") == 2);

  STATIC_REQUIRE(runtime::v1::AuthConfig::kPasswordFieldNumber == 2);
}

TEST_CASE("fields whose wire type matters keep their upstream types and cardinality") {
  const FieldDescriptor* env_value = Field("runtime.v1.KeyValue", "value");
  REQUIRE(env_value != nullptr);
  CHECK(env_value->type() == FieldDescriptor::TYPE_BYTES);

  const FieldDescriptor* mount_options = Field("runtime.v1.Mount", "mount_options");
  REQUIRE(mount_options != nullptr);
  CHECK(mount_options->is_repeated());
  CHECK(mount_options->type() == FieldDescriptor::TYPE_STRING);

  const FieldDescriptor* labels = Field("runtime.v1.PodSandboxConfig", "labels");
  REQUIRE(labels != nullptr);
  CHECK(labels->is_map());

  const FieldDescriptor* exec_stdout = Field("runtime.v1.ExecSyncResponse", "stdout");
  REQUIRE(exec_stdout != nullptr);
  CHECK(exec_stdout->type() == FieldDescriptor::TYPE_BYTES);

  const FieldDescriptor* psi_total = Field("runtime.v1.PsiData", "Total");
  REQUIRE(psi_total != nullptr);
  CHECK(psi_total->number() == 1);
  CHECK(psi_total->type() == FieldDescriptor::TYPE_UINT64);
}

TEST_CASE("ContainerState values are CREATED=0, RUNNING=1, EXITED=2, UNKNOWN=3") {
  CHECK(EnumNumber("ContainerState", "CONTAINER_CREATED") == 0);
  CHECK(EnumNumber("ContainerState", "CONTAINER_RUNNING") == 1);
  CHECK(EnumNumber("ContainerState", "CONTAINER_EXITED") == 2);
  CHECK(EnumNumber("ContainerState", "CONTAINER_UNKNOWN") == 3);
  CHECK(runtime::v1::ContainerState_ARRAYSIZE == 4);
}

TEST_CASE("NamespaceMode values are POD=0, CONTAINER=1, NODE=2, TARGET=3") {
  CHECK(EnumNumber("NamespaceMode", "POD") == 0);
  CHECK(EnumNumber("NamespaceMode", "CONTAINER") == 1);
  CHECK(EnumNumber("NamespaceMode", "NODE") == 2);
  CHECK(EnumNumber("NamespaceMode", "TARGET") == 3);
  CHECK(runtime::v1::NamespaceMode_ARRAYSIZE == 4);
}

TEST_CASE("the other CRI v1 enums keep their upstream values") {
  CHECK(EnumNumber("PodSandboxState", "SANDBOX_READY") == 0);
  CHECK(EnumNumber("PodSandboxState", "SANDBOX_NOTREADY") == 1);
  CHECK(EnumNumber("ContainerEventType", "CONTAINER_CREATED_EVENT") == 0);
  CHECK(EnumNumber("ContainerEventType", "CONTAINER_DELETED_EVENT") == 3);
  CHECK(EnumNumber("MountPropagation", "PROPAGATION_BIDIRECTIONAL") == 2);
  CHECK(EnumNumber("Protocol", "SCTP") == 2);
  CHECK(EnumNumber("CgroupDriver", "SYSTEMD") == 0);
  CHECK(EnumNumber("CgroupDriver", "CGROUPFS") == 1);
  CHECK(EnumNumber("SupplementalGroupsPolicy", "Strict") == 1);
  CHECK(EnumNumber("Signal", "SIGNAL_RUNTIME_DEFAULT") == 0);
  CHECK(EnumNumber("Signal", "SIGNAL_SIGKILL") == 13);
  CHECK(EnumNumber("Signal", "SIGNAL_SIGTERM") == 23);
  CHECK(EnumNumber("Signal", "SIGNAL_SIGRTMAX") == 65);
  CHECK(runtime::v1::SecurityProfile::Localhost == 2);
}

}  // namespace
}  // namespace krl::api
