// Bounded log reading: a container log holding one 1 GiB line (a sparse file: no disk, little
// time) is read, tailed and limited with a fixed buffer, and the termination-message fallback
// reads a bounded window of it. Peak memory growth is measured (VmHWM) and must stay under
// 64 MiB; the figures are printed for docs/reliability/bounds.md.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kubelet_core/kuberuntime/container_logs.h"
#include "testing/memory_usage.h"

namespace krl {
namespace kubelet_core {
namespace kuberuntime {
namespace {

using testing::kKiB;
using testing::kMiB;

constexpr int64_t kGiB = 1024 * kMiB;
constexpr int64_t kMemoryBound = 64 * kMiB;
constexpr char kTime[] = "2026-01-01T00:00:00.000000001Z";

struct TempDir {
  TempDir() {
    char dir[] = "/tmp/krl-logbounds-XXXXXX";
    path = ::mkdtemp(dir);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

void WriteAll(int fd, const std::string& data, off_t offset) {
  REQUIRE(::pwrite(fd, data.data(), data.size(), offset) == static_cast<ssize_t>(data.size()));
}

// `head`, then one line "<prefix><hole_bytes zero bytes>\n" whose zeros are a hole (ftruncate:
// no disk blocks), then `tail`. Returns the path.
std::string SparseLog(const std::string& dir, const std::string& head, const std::string& prefix,
                      int64_t hole_bytes, const std::string& tail) {
  const std::string path = dir + "/0.log";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  WriteAll(fd, head + prefix, 0);
  const off_t hole_end = static_cast<off_t>(head.size() + prefix.size() + hole_bytes);
  REQUIRE(::ftruncate(fd, hole_end) == 0);
  WriteAll(fd, "\n" + tail, hole_end);
  struct stat st;
  REQUIRE(::fstat(fd, &st) == 0);
  // The point of the hole: the test costs no disk.
  REQUIRE(st.st_blocks * 512 < 1 * kMiB);
  ::close(fd);
  return path;
}

// Counts what the reader hands on, keeping only the first and last bytes of each stream.
struct CountingSink {
  int64_t bytes[2] = {0, 0};
  int64_t writes = 0;
  size_t largest_piece = 0;
  std::string head[2];
  std::string tail[2];

  LogWriter Writer() {
    return [this](LogStream stream, absl::string_view data) {
      const int s = stream == LogStream::kStdout ? 0 : 1;
      bytes[s] += static_cast<int64_t>(data.size());
      ++writes;
      largest_piece = std::max(largest_piece, data.size());
      if (head[s].size() < 64) absl::StrAppend(&head[s], data.substr(0, 64 - head[s].size()));
      absl::StrAppend(&tail[s], data.substr(data.size() > 64 ? data.size() - 64 : 0));
      if (tail[s].size() > 64) tail[s].erase(0, tail[s].size() - 64);
    };
  }
};

std::string Line(absl::string_view stream, absl::string_view tag, absl::string_view text) {
  return absl::StrCat(kTime, " ", stream, " ", tag, " ", text, "\n");
}

void Report(absl::string_view what, const testing::PeakMemoryGrowth& growth, absl::Time start) {
  std::cout << "bounds: " << what << ": peak memory growth " << growth.Describe() << ", "
            << absl::FormatDuration(absl::Now() - start) << "\n";
}

TEST_CASE("a 1 GiB log line is read in 16 KiB pieces with bounded memory") {
  TempDir dir;
  const std::string prefix = absl::StrCat(kTime, " stdout F ");
  const std::string path =
      SparseLog(dir.path, Line("stdout", "F", "first"), prefix, kGiB, Line("stderr", "F", "last"));
  CountingSink sink;
  const absl::Time start = absl::Now();
  testing::PeakMemoryGrowth growth;
  absl::StatusOr<LogReadStats> stats = ReadContainerLogs(path, LogReadOptions(), sink.Writer());
  const int64_t grown = growth.Bytes();
  Report("1 GiB line, whole log", growth, start);
  REQUIRE(stats.ok());
  CHECK(grown < kMemoryBound);
  CHECK(stats->lines == 3);
  CHECK(stats->split_lines == 1);
  CHECK(stats->malformed_lines == 0);
  CHECK_FALSE(stats->limit_reached);
  // Every byte of the huge line's text arrives, in pieces no larger than the bound.
  CHECK(sink.bytes[0] == 6 + kGiB + 1);
  CHECK(sink.bytes[1] == 5);
  CHECK(stats->bytes == sink.bytes[0] + sink.bytes[1]);
  CHECK(sink.largest_piece <= kMaxLogLineLength);
  CHECK(sink.head[0].substr(0, 6) == "first\n");
  CHECK(sink.tail[0].back() == '\n');
  CHECK(sink.tail[1] == "last\n");
}

TEST_CASE("tailLines and limitBytes still work around a 1 GiB line") {
  TempDir dir;
  const std::string path =
      SparseLog(dir.path, Line("stdout", "F", "first"), absl::StrCat(kTime, " stdout F "), kGiB,
                Line("stderr", "F", "last"));
  SECTION("tailLines=1 skips the huge line without reading it") {
    CountingSink sink;
    LogReadOptions options;
    options.tail_lines = 1;
    testing::PeakMemoryGrowth growth;
    absl::StatusOr<LogReadStats> stats = ReadContainerLogs(path, options, sink.Writer());
    REQUIRE(stats.ok());
    CHECK(growth.Bytes() < kMemoryBound);
    CHECK(stats->lines == 1);
    CHECK(sink.bytes[0] == 0);
    CHECK(sink.tail[1] == "last\n");
  }
  SECTION("tailLines=2 finds the start of the huge line scanning back, limitBytes cuts it") {
    CountingSink sink;
    LogReadOptions options;
    options.tail_lines = 2;
    options.limit_bytes = 100;
    options.timestamps = true;
    const absl::Time start = absl::Now();
    testing::PeakMemoryGrowth growth;
    absl::StatusOr<LogReadStats> stats = ReadContainerLogs(path, options, sink.Writer());
    Report("1 GiB line, tailLines=2 limitBytes=100", growth, start);
    REQUIRE(stats.ok());
    CHECK(growth.Bytes() < kMemoryBound);
    CHECK(stats->limit_reached);
    CHECK(stats->bytes == 100);
    CHECK(sink.bytes[0] == 100);
    CHECK(sink.bytes[1] == 0);
    // The huge line's own prefix was found: its timestamp leads the output.
    CHECK(sink.head[0].substr(0, std::strlen(kTime) + 1) == absl::StrCat(kTime, " "));
    CHECK(sink.head[0][std::strlen(kTime) + 1] == '\0');
  }
  SECTION("limitBytes from the start stops inside the huge line") {
    CountingSink sink;
    LogReadOptions options;
    options.limit_bytes = 100;
    testing::PeakMemoryGrowth growth;
    absl::StatusOr<LogReadStats> stats = ReadContainerLogs(path, options, sink.Writer());
    REQUIRE(stats.ok());
    CHECK(growth.Bytes() < kMemoryBound);
    CHECK(stats->limit_reached);
    CHECK(sink.bytes[0] == 100);
    CHECK(sink.head[0].substr(0, 6) == "first\n");
    CHECK(stats->split_lines == 1);
  }
}

TEST_CASE("a 1 GiB line without a CRI prefix is skipped whole with bounded memory") {
  TempDir dir;
  // No prefix: the line is 1 GiB of zero bytes.
  const std::string path =
      SparseLog(dir.path, Line("stdout", "F", "before"), "", kGiB, Line("stdout", "F", "after"));
  CountingSink sink;
  const absl::Time start = absl::Now();
  testing::PeakMemoryGrowth growth;
  absl::StatusOr<LogReadStats> stats = ReadContainerLogs(path, LogReadOptions(), sink.Writer());
  Report("1 GiB line without a CRI prefix, skipped", growth, start);
  REQUIRE(stats.ok());
  CHECK(growth.Bytes() < kMemoryBound);
  CHECK(stats->lines == 3);
  CHECK(stats->malformed_lines == 1);
  CHECK(stats->split_lines == 0);
  CHECK(sink.bytes[0] == 13);
  CHECK(sink.head[0] == "before\nafter\n");
}

TEST_CASE("the termination message fallback reads a bounded window of a 1 GiB line log") {
  TempDir dir;
  SECTION("the huge line is followed by a short one") {
    const std::string path =
        SparseLog(dir.path, Line("stdout", "F", "first"), absl::StrCat(kTime, " stdout F "), kGiB,
                  Line("stderr", "F", "boom: exit 1"));
    const absl::Time start = absl::Now();
    testing::PeakMemoryGrowth growth;
    bool truncated = true;
    std::string message = ReadLastLogText(path, kMaxTerminationMessageLogLines,
                                          kMaxTerminationMessageLogLength, &truncated);
    Report("1 GiB line, termination message fallback", growth, start);
    CHECK(growth.Bytes() < kMemoryBound);
    // The line that began before the window is left out; what follows it is the message.
    CHECK(message == "boom: exit 1\n");
    CHECK_FALSE(truncated);
  }
  SECTION("the huge line is the last one") {
    const std::string path = SparseLog(dir.path, Line("stdout", "F", "first"),
                                       absl::StrCat(kTime, " stdout F "), kGiB, "");
    testing::PeakMemoryGrowth growth;
    std::string message =
        ReadLastLogText(path, kMaxTerminationMessageLogLines, kMaxTerminationMessageLogLength);
    CHECK(growth.Bytes() < kMemoryBound);
    CHECK(message.size() <= kMaxTerminationMessageLogLength);
  }
}

TEST_CASE("lines up to 16 KiB are one piece; longer ones are split and rejoin exactly") {
  TempDir dir;
  const std::string path = dir.path + "/0.log";
  // The text of a line exactly at the bound (prefix included), and one of 100 KiB.
  const std::string exact_prefix = absl::StrCat(kTime, " stdout F ");
  const std::string exact(kMaxLogLineLength - exact_prefix.size(), 'e');
  std::string long_text;
  for (int i = 0; long_text.size() < 100 * kKiB; ++i) absl::StrAppend(&long_text, i, ",");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    REQUIRE(file != nullptr);
    std::fputs((exact_prefix + exact + "\n").c_str(), file);
    std::fputs(Line("stderr", "P", long_text).c_str(), file);
    std::fputs(Line("stderr", "F", "end").c_str(), file);
    std::fclose(file);
  }
  std::string out[2];
  int64_t writes = 0;
  absl::StatusOr<LogReadStats> stats =
      ReadContainerLogs(path, LogReadOptions(), [&](LogStream s, absl::string_view data) {
        CHECK(data.size() <= kMaxLogLineLength);
        ++writes;
        out[s == LogStream::kStdout ? 0 : 1].append(data.data(), data.size());
      });
  REQUIRE(stats.ok());
  CHECK(stats->lines == 3);
  CHECK(stats->split_lines == 1);
  CHECK(out[0] == exact + "\n");
  // A partial line gets no newline; the full line after it does.
  CHECK(out[1] == long_text + "end\n");
}

TEST_CASE("tail, limit, timestamps, streams and malformed lines on an ordinary log") {
  TempDir dir;
  const std::string path = dir.path + "/0.log";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    REQUIRE(file != nullptr);
    std::fputs(Line("stdout", "F", "one").c_str(), file);
    std::fputs("not a cri line\n", file);
    std::fputs(Line("stderr", "P", "two-").c_str(), file);
    std::fputs(Line("stderr", "F", "three").c_str(), file);
    std::fputs((std::string(kTime) + " stdout F four").c_str(), file);  // no final newline
    std::fclose(file);
  }
  auto read = [&](LogReadOptions options, std::string* stdout_text, std::string* stderr_text) {
    return ReadContainerLogs(path, options, [&](LogStream s, absl::string_view data) {
      (s == LogStream::kStdout ? stdout_text : stderr_text)->append(data.data(), data.size());
    });
  };
  std::string out, err;
  absl::StatusOr<LogReadStats> all = read(LogReadOptions(), &out, &err);
  REQUIRE(all.ok());
  CHECK(all->lines == 5);
  CHECK(all->malformed_lines == 1);
  CHECK(out == "one\nfour");
  CHECK(err == "two-three\n");

  LogReadOptions tail;
  tail.tail_lines = 2;
  out.clear();
  err.clear();
  REQUIRE(read(tail, &out, &err).ok());
  CHECK(out == "four");
  CHECK(err == "three\n");

  LogReadOptions limited;
  limited.limit_bytes = 5;
  limited.timestamps = true;
  out.clear();
  err.clear();
  absl::StatusOr<LogReadStats> cut = read(limited, &out, &err);
  REQUIRE(cut.ok());
  CHECK(cut->limit_reached);
  CHECK(out == std::string(kTime).substr(0, 5));

  LogReadOptions none;
  none.tail_lines = 0;
  out.clear();
  err.clear();
  REQUIRE(read(none, &out, &err).ok());
  CHECK(out.empty());
  CHECK(err.empty());

  CHECK(absl::IsNotFound(read(LogReadOptions(), &out, &err).status()) == false);
  CHECK(absl::IsNotFound(
      ReadContainerLogs(dir.path + "/none.log", LogReadOptions(), [](LogStream, absl::string_view) {
      }).status()));
}

TEST_CASE("the view parser and the copying parser agree") {
  for (absl::string_view line :
       {"2026 stdout F text with  spaces", "2026 stderr P:x half", "2026 stdout F", "2026 stdout",
        "2026  stdout F x", "2026 stdin F x", "2026 stdout Q x", " stdout F x", ""}) {
    std::optional<CriLogLine> copy = ParseCriLogLine(line);
    std::optional<CriLogLineView> view = ParseCriLogLineView(line);
    REQUIRE(copy.has_value() == view.has_value());
    if (!copy) continue;
    CHECK(copy->time == view->time);
    CHECK(copy->stream == view->stream);
    CHECK(copy->partial == view->partial);
    CHECK(copy->text == view->text);
  }
}

}  // namespace
}  // namespace kuberuntime
}  // namespace kubelet_core
}  // namespace krl
