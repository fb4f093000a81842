#include "tools/cri/output_format.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "tools/cri/table_printer.h"

namespace krl {
namespace tools {
namespace cri_cli {
namespace {

TEST_CASE("ids are cut to 13 characters, image ids after their sha256 prefix") {
  CHECK(TruncateId("0123456789abcdef0123") == "0123456789abc");
  CHECK(TruncateId("sha256:0123456789abcdef") == "0123456789abc");
  CHECK(TruncateId("short") == "short");
}

TEST_CASE("ages read as the largest whole unit ago") {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  CHECK(TimeAgo(now, now) == "Less than a second ago");
  CHECK(TimeAgo(now + absl::Seconds(5), now) == "Less than a second ago");
  CHECK(TimeAgo(now - absl::Seconds(1), now) == "1 second ago");
  CHECK(TimeAgo(now - absl::Seconds(42), now) == "42 seconds ago");
  CHECK(TimeAgo(now - absl::Minutes(3), now) == "3 minutes ago");
  CHECK(TimeAgo(now - absl::Hours(5), now) == "5 hours ago");
  CHECK(TimeAgo(now - absl::Hours(24 * 3), now) == "3 days ago");
  CHECK(TimeAgo(now - absl::Hours(24 * 21), now) == "3 weeks ago");
}

TEST_CASE("sizes use decimal units with three significant digits") {
  CHECK(HumanSize(0) == "0B");
  CHECK(HumanSize(999) == "999B");
  CHECK(HumanSize(4096) == "4.1kB");
  CHECK(HumanSize(5 * 1024 * 1024) == "5.24MB");
  CHECK(HumanSize(10000000) == "10MB");
  CHECK(HumanSize(1500000000) == "1.5GB");
}

TEST_CASE("repository and tag split at the tag's colon, not the registry port's") {
  using Split = std::pair<std::string, std::string>;
  CHECK(SplitRepoTag("registry.example/app:1.0") == Split{"registry.example/app", "1.0"});
  CHECK(SplitRepoTag("localhost:5000/app:2") == Split{"localhost:5000/app", "2"});
  CHECK(SplitRepoTag("localhost:5000/app") == Split{"localhost:5000/app", "<none>"});
  CHECK(SplitRepoTag("registry.example/app@sha256:abc") == Split{"registry.example/app", "<none>"});
}

TEST_CASE("states and events print as words") {
  CHECK(ContainerStateName(krl::cri::CONTAINER_RUNNING) == "Running");
  CHECK(ContainerStateName(krl::cri::CONTAINER_EXITED) == "Exited");
  CHECK(PodStateName(krl::cri::SANDBOX_NOTREADY) == "NotReady");
  CHECK(EventTypeName(krl::cri::CONTAINER_DELETED_EVENT) == "deleted");
}

TEST_CASE("tables align columns three spaces apart without trailing blanks") {
  TablePrinter table({"A", "LONG HEADER", "C"});
  table.AddRow({"wide cell", "x", ""});
  table.AddRow({"y"});
  std::ostringstream out;
  table.Print(out);
  CHECK(out.str() ==
        "A           LONG HEADER   C\n"
        "wide cell   x\n"
        "y\n");
}

}  // namespace
}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
