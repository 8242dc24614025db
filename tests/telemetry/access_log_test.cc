// The access log's queue and file: a full queue drops and counts (deterministically, with the
// writer paused: no writer thread, the test drains), rotation keeps max_files files under the
// cap, write errors are counted and recovered from, and Stop writes everything accepted.
#include "telemetry/access_log.h"

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "telemetry/rotating_file.h"
#include "testing/temp_dir.h"

namespace modelgate::telemetry {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

int64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

AccessLogEntry Entry(int i) {
  AccessLogEntry e;
  e.time = absl::FromUnixMillis(1796379072000 + i);
  e.route = "r";
  e.arm = "a";
  e.method = "/s.S/M";
  e.request_id = absl::StrCat("id-", i);
  return e;
}

AccessLogOptions Paused(const std::string& path, int64_t buffer_entries, int shards = 1) {
  AccessLogOptions o;
  o.path = path;
  o.buffer_entries = buffer_entries;
  o.shards = shards;
  o.start_writer = false;
  return o;
}

TEST(AccessLog, AFullQueueDropsAndCountsTheRest) {
  testutil::TempDir dir;
  prometheus::Registry registry;
  AccessLog log(Paused(dir.path() + "/access.log", 3), registry);
  for (int i = 0; i < 5; ++i) log.Record(0, Entry(i));
  EXPECT_EQ(log.dropped_queue_full(), 2);
  EXPECT_EQ(log.WriteQueued(), 3u);
  EXPECT_EQ(log.written(), 3);
  // The queue has room again once written.
  log.Record(0, Entry(5));
  EXPECT_EQ(log.WriteQueued(), 1u);
  EXPECT_EQ(log.dropped_queue_full(), 2);
  const std::vector<std::string> lines = Lines(dir.path() + "/access.log");
  ASSERT_EQ(lines.size(), 4u);
  // The first three accepted, in order, then the one after the drain.
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(nlohmann::json::parse(lines[k])["request_id"], absl::StrCat("id-", k));
  }
  EXPECT_EQ(nlohmann::json::parse(lines[3])["request_id"], "id-5");
}

// A reload that changes access_log: lines queued before it stay in the old file, later ones go
// to the new file, and the new buffer size caps the queue from then on.
TEST(AccessLog, ReconfigureMovesLaterLinesToTheNewFileWithTheNewLimits) {
  testutil::TempDir dir;
  prometheus::Registry registry;
  const std::string before = dir.path() + "/before.log", after = dir.path() + "/after.log";
  AccessLog log(Paused(before, 100), registry);
  log.Record(0, Entry(0));
  log.Record(0, Entry(1));
  log.Reconfigure(after, 1 << 20, 2, /*buffer_entries=*/2);
  for (int i = 2; i < 6; ++i) log.Record(0, Entry(i));
  EXPECT_EQ(log.dropped_queue_full(), 2);  // the new cap: 2 queued
  EXPECT_EQ(log.WriteQueued(), 2u);
  const std::vector<std::string> old_lines = Lines(before), new_lines = Lines(after);
  ASSERT_EQ(old_lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(old_lines[1])["request_id"], "id-1");
  ASSERT_EQ(new_lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(new_lines[0])["request_id"], "id-2");
  EXPECT_EQ(nlohmann::json::parse(new_lines[1])["request_id"], "id-3");
  EXPECT_EQ(log.written(), 4);
}

TEST(AccessLog, TheBufferIsSharedOutAmongShards) {
  testutil::TempDir dir;
  prometheus::Registry registry;
  AccessLog log(Paused(dir.path() + "/access.log", 4, /*shards=*/2), registry);  // 2 each
  for (int i = 0; i < 3; ++i) log.Record(0, Entry(i));
  for (int i = 0; i < 3; ++i) log.Record(1, Entry(10 + i));
  EXPECT_EQ(log.dropped_queue_full(), 2);
  EXPECT_EQ(log.WriteQueued(), 4u);
}

TEST(AccessLog, StopWritesEverythingAccepted) {
  testutil::TempDir dir;
  prometheus::Registry registry;
  AccessLogOptions o;
  o.path = dir.path() + "/access.log";
  o.flush_interval = absl::Hours(1);  // only Stop can write these
  AccessLog log(o, registry);
  for (int i = 0; i < 100; ++i) log.Record(0, Entry(i));
  log.Stop();
  EXPECT_EQ(Lines(o.path).size(), 100u);
  EXPECT_EQ(log.written(), 100);
}

TEST(AccessLog, WriteErrorsAreCountedAndTheLogRecovers) {
  testutil::TempDir dir;
  prometheus::Registry registry;
  const std::string missing = dir.path() + "/not-yet";
  AccessLog log(Paused(missing + "/access.log", 100), registry);
  log.Record(0, Entry(0));
  log.Record(0, Entry(1));
  EXPECT_EQ(log.WriteQueued(), 0u);
  EXPECT_EQ(log.write_errors(), 1);
  EXPECT_EQ(log.dropped_write_error(), 2);
  ASSERT_EQ(::mkdir(missing.c_str(), 0755), 0);
  log.Record(0, Entry(2));
  EXPECT_EQ(log.WriteQueued(), 1u);
  EXPECT_EQ(Lines(missing + "/access.log").size(), 1u);
  EXPECT_EQ(log.write_errors(), 1);
}

TEST(AccessLog, RotatesAtTheCapKeepingMaxFiles) {
  testutil::TempDir dir;
  prometheus::Registry registry;
  const std::string path = dir.path() + "/access.log";
  AccessLogOptions o = Paused(path, 1000);
  std::string one;
  AppendAccessLogLine(Entry(0), &one);
  const int64_t line_bytes = static_cast<int64_t>(one.size());
  o.max_bytes = 3 * line_bytes + line_bytes / 2;  // 3 lines fit, a 4th does not
  o.max_files = 2;
  AccessLog log(o, registry);
  for (int i = 0; i < 11; ++i) log.Record(0, Entry(i));
  EXPECT_EQ(log.WriteQueued(), 11u);
  // 11 lines: [0-2] deleted (it would be .3), [3-5] in .2, [6-8] in .1, [9-10] live.
  EXPECT_EQ(log.rotations(), 3);
  EXPECT_FALSE(Exists(path + ".3"));
  const auto ids = [](const std::string& file) {
    std::vector<std::string> out;
    for (const std::string& l : Lines(file)) out.push_back(nlohmann::json::parse(l)["request_id"]);
    return out;
  };
  EXPECT_EQ(ids(path + ".2"), (std::vector<std::string>{"id-3", "id-4", "id-5"}));
  EXPECT_EQ(ids(path + ".1"), (std::vector<std::string>{"id-6", "id-7", "id-8"}));
  EXPECT_EQ(ids(path), (std::vector<std::string>{"id-9", "id-10"}));
  for (const std::string& f : {path, path + ".1", path + ".2"}) {
    EXPECT_LE(FileSize(f), o.max_bytes) << f;
  }
  // A later batch continues the live file until it is full, then rotates again.
  log.Record(0, Entry(11));
  log.Record(0, Entry(12));
  EXPECT_EQ(log.WriteQueued(), 2u);
  EXPECT_EQ(ids(path + ".1"), (std::vector<std::string>{"id-9", "id-10", "id-11"}));
  EXPECT_EQ(ids(path), (std::vector<std::string>{"id-12"}));
}

TEST(RotatingFile, ALineLongerThanTheCapGetsAFileOfItsOwn) {
  testutil::TempDir dir;
  const std::string path = dir.path() + "/f";
  RotatingFile file(path, 10, 3);
  const RotatingFile::Result r = file.Append("short\n" + std::string(25, 'x') + "\nend\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Lines(path + ".2"), std::vector<std::string>{"short"});
  EXPECT_EQ(Lines(path + ".1"), std::vector<std::string>{std::string(25, 'x')});
  EXPECT_EQ(Lines(path), std::vector<std::string>{"end"});
}

TEST(RotatingFile, EndsALineLeftUnfinishedBeforeAppending) {
  testutil::TempDir dir;
  const std::string path = dir.Write("f", "{\"cut\":");  // a write cut short, e.g. disk full
  RotatingFile file(path, 1000, 3);
  ASSERT_TRUE(file.Append("{\"ok\":1}\n").status.ok());
  EXPECT_EQ(Lines(path), (std::vector<std::string>{"{\"cut\":", "{\"ok\":1}"}));
}

}  // namespace
}  // namespace modelgate::telemetry
