#include "kubelet_core/kuberuntime/pod_volumes.h"

#include <linux/magic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "testing/test_files.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

struct Dirs {
  Dirs() {
    options.root_dir = root + "/state";
    options.node_memory_capacity_bytes = 1LL << 30;
  }
  // Whatever a failed check left mounted goes before the folder does.
  ~Dirs() { (void)UnmountPodDirectory(root); }
  testing::TempDir tmp{"krl-vol"};
  std::string root = tmp.path();
  KubeRuntimeManagerOptions options;
};

corev1::Quantity Q(const char* text) { return *corev1::ParseQuantity(text); }

corev1::Pod PodWithLimits(std::vector<const char*> limits) {
  corev1::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.uid = "u1";
  int i = 0;
  for (const char* limit : limits) {
    corev1::Container c;
    c.name = "c" + std::to_string(i++);
    if (limit != nullptr) c.resources.limits.memory = Q(limit);
    pod.spec.containers.push_back(c);
  }
  return pod;
}

corev1::Volume MemoryVolume(std::optional<corev1::Quantity> size_limit) {
  corev1::Volume v;
  v.name = "cache";
  v.empty_dir = corev1::EmptyDirVolumeSource{corev1::StorageMedium::kMemory, size_limit};
  return v;
}

TEST_CASE("a medium-Memory emptyDir is sized by sizeLimit, else the pod's limit, else the node") {
  const int64_t node = 1LL << 30;
  corev1::EmptyDirVolumeSource source{corev1::StorageMedium::kMemory, std::nullopt};
  CHECK(EmptyDirMemorySize(source, PodWithLimits({"64Mi", nullptr}), node) == node);
  CHECK(PodMemoryLimit(PodWithLimits({"64Mi", nullptr})) == 0);
  CHECK(EmptyDirMemorySize(source, PodWithLimits({"64Mi", "32Mi"}), node) == 96 << 20);
  source.size_limit = Q("16Mi");
  CHECK(EmptyDirMemorySize(source, PodWithLimits({"64Mi", "32Mi"}), node) == 16 << 20);
  source.size_limit = Q("512Mi");  // larger than what the pod may use: the pod's limit
  CHECK(EmptyDirMemorySize(source, PodWithLimits({"64Mi", "32Mi"}), node) == 96 << 20);
  source.size_limit = Q("2Gi");  // larger than the node: the node
  CHECK(EmptyDirMemorySize(source, PodWithLimits({nullptr}), node) == node);

  corev1::Pod pod = PodWithLimits({"64Mi"});
  corev1::Container init;
  init.name = "init";
  init.resources.limits.memory = Q("200Mi");
  pod.spec.init_containers = {init};
  CHECK(PodMemoryLimit(pod) == 200 << 20);  // an init container alone may use more
}

TEST_CASE("a medium-Memory emptyDir is a real tmpfs of the computed size (root only)") {
  if (::geteuid() != 0) {
    WARN("SKIPPED: mounting a tmpfs needs root; this test runs as uid " << ::geteuid());
    return;
  }
  Dirs d;
  corev1::Pod pod = PodWithLimits({"64Mi"});
  corev1::Volume volume = MemoryVolume(Q("8Mi"));
  absl::StatusOr<std::string> dir = SetUpEmptyDir(volume, pod, d.options);
  REQUIRE(dir.ok());
  CHECK(*dir == d.root + "/state/pods/u1/volumes/kubernetes.io~empty-dir/cache");
  struct statfs fs;
  REQUIRE(::statfs(dir->c_str(), &fs) == 0);
  CHECK(static_cast<int64_t>(fs.f_type) == static_cast<int64_t>(TMPFS_MAGIC));
  CHECK(static_cast<int64_t>(fs.f_blocks) * fs.f_bsize == 8 << 20);
  CHECK(*IsTmpfsMountPoint(*dir));
  struct stat st;
  REQUIRE(::stat(dir->c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0777);

  // Set up again: the same mount, not a second one.
  REQUIRE(SetUpEmptyDir(volume, pod, d.options).ok());
  std::ofstream(*dir + "/data") << "kept";
  REQUIRE(SetUpEmptyDir(volume, pod, d.options).ok());
  CHECK(std::filesystem::exists(*dir + "/data"));

  // The pod's folder is unmounted before it can be removed.
  REQUIRE(UnmountPodDirectory(d.root + "/state/pods/u1").ok());
  CHECK_FALSE(*IsTmpfsMountPoint(*dir));
  CHECK_FALSE(std::filesystem::exists(*dir + "/data"));
}

TEST_CASE("a disk emptyDir is a 0777 folder; sizeLimit is only kept; HugePages is refused") {
  Dirs d;
  corev1::Pod pod = PodWithLimits({nullptr});
  corev1::Volume volume;
  volume.name = "scratch";
  volume.empty_dir = corev1::EmptyDirVolumeSource{corev1::StorageMedium::kDefault, Q("1Mi")};
  absl::StatusOr<std::string> dir = SetUpEmptyDir(volume, pod, d.options);
  REQUIRE(dir.ok());
  struct stat st;
  REQUIRE(::stat(dir->c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0777);
  CHECK_FALSE(*IsTmpfsMountPoint(*dir));

  volume.empty_dir->medium = corev1::StorageMedium::kHugePages;
  CHECK(absl::IsUnimplemented(SetUpEmptyDir(volume, pod, d.options).status()));
  d.options.root_dir.clear();
  CHECK(absl::IsFailedPrecondition(SetUpEmptyDir(volume, pod, d.options).status()));
}

TEST_CASE("fsGroup makes an emptyDir group-owned, group-writable and setgid") {
  Dirs d;
  corev1::Pod pod = PodWithLimits({nullptr});
  // A group this process may give files to: any as root (unless a user namespace maps few
  // groups, as Bazel's sandbox may), else its own.
  int64_t group = static_cast<int64_t>(::getegid());
  {
    const std::string probe = d.root + "/probe";
    std::ofstream(probe) << "";
    if (::geteuid() == 0 && ::lchown(probe.c_str(), static_cast<uid_t>(-1), 4321) == 0) {
      group = 4321;
    }
  }
  pod.spec.security_context.fs_group = group;
  corev1::Volume volume;
  volume.name = "shared";
  volume.empty_dir = corev1::EmptyDirVolumeSource{};
  absl::StatusOr<std::string> dir = SetUpEmptyDir(volume, pod, d.options);
  INFO(dir.status().ToString());
  REQUIRE(dir.ok());
  struct stat st;
  REQUIRE(::stat(dir->c_str(), &st) == 0);
  CHECK(st.st_gid == static_cast<gid_t>(group));
  CHECK((st.st_mode & 07777) == 02777);

  // SetVolumeOwnership on a tree: files g+rw (g+r read-only), folders g+rwx and setgid.
  const std::string tree = d.root + "/tree";
  std::filesystem::create_directories(tree + "/sub");
  ::chmod((tree + "/sub").c_str(), 0700);
  std::ofstream(tree + "/sub/file") << "x";
  ::chmod((tree + "/sub/file").c_str(), 0600);
  REQUIRE(SetVolumeOwnership(tree, group, false, std::nullopt).ok());
  REQUIRE(::stat((tree + "/sub").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 02770);
  REQUIRE(::stat((tree + "/sub/file").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
  CHECK(st.st_gid == static_cast<gid_t>(group));
  ::chmod((tree + "/sub/file").c_str(), 0600);
  REQUIRE(SetVolumeOwnership(tree, group, true, std::nullopt).ok());
  REQUIRE(::stat((tree + "/sub/file").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);

  // OnRootMismatch: a root that already matches means nothing below is touched.
  ::chmod((tree + "/sub/file").c_str(), 0600);
  REQUIRE(
      SetVolumeOwnership(tree, group, false, corev1::FSGroupChangePolicy::kOnRootMismatch).ok());
  REQUIRE(::stat((tree + "/sub/file").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("subPathExpr expands from the container env and refuses missing values") {
  std::map<std::string, std::string> env = {{"POD_NAME", "web-0"}, {"EMPTY", ""}};
  CHECK(*ExpandSubPathExpr("logs/$(POD_NAME)", env) == "logs/web-0");
  CHECK(*ExpandSubPathExpr("$$(POD_NAME)", env) == "$(POD_NAME)");
  absl::StatusOr<std::string> missing = ExpandSubPathExpr("$(NOPE)/$(EMPTY)/$(POD_NAME)", env);
  CHECK(absl::IsInvalidArgument(missing.status()));
  CHECK(std::string(missing.status().message()) == "missing value for EMPTY, NOPE");
}

TEST_CASE("a subPath must be relative and must not climb out with '..'") {
  CHECK(ValidateSubPath("a/b").ok());
  CHECK(ValidateSubPath("a..b/c").ok());
  CHECK_THAT(std::string(ValidateSubPath("/etc").message()),
             Catch::Contains("must not be an absolute path"));
  CHECK_THAT(std::string(ValidateSubPath("a/../../etc").message()),
             Catch::Contains("must not contain '..'"));
  CHECK_FALSE(ValidateSubPath("..").ok());
}

TEST_CASE("a subPath is created inside the volume and a symbolic link on its way is refused") {
  Dirs dirs;
  const std::string volume = dirs.root + "/volume";
  REQUIRE(MakeDirectories(volume, 0777).ok());
  absl::StatusOr<std::string> made = PrepareSubPath(volume, "a/b", 0750);
  REQUIRE(made.ok());
  CHECK(*made == volume + "/a/b");
  struct stat st;
  REQUIRE(::lstat(made->c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK((st.st_mode & 07777) == 0750);

  // A container that can write the volume points a name at the host's root.
  REQUIRE(::symlink("/", (volume + "/escape").c_str()) == 0);
  absl::StatusOr<std::string> escape = PrepareSubPath(volume, "escape", 0755);
  REQUIRE_FALSE(escape.ok());
  CHECK_THAT(std::string(escape.status().message()), Catch::Contains("symbolic link"));
  CHECK_FALSE(PrepareSubPath(volume, "escape/etc", 0755).ok());
  CHECK(::access("/etc/krl-subpath-test", F_OK) != 0);
  CHECK_FALSE(PrepareSubPath(volume, "../x", 0755).ok());
}

TEST_CASE("unmounting a folder without mounts succeeds and refuses the root") {
  Dirs d;
  CHECK(UnmountPodDirectory(d.root).ok());
  CHECK_FALSE(UnmountPodDirectory("/").ok());
  CHECK_FALSE(UnmountPodDirectory("").ok());
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
