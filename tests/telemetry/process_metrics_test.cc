// process_* metrics: the /proc/<pid>/stat parser on fixed lines (a command name with spaces and
// parentheses, garbage), this process's own figures, and the exported text.
#include "telemetry/process_metrics.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ctime>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "telemetry/metrics.h"

namespace modelgate::telemetry {
namespace {

using ::testing::HasSubstr;

// Fields 1..24 of a stat line: utime 150, stime 50 ticks; starttime 1000 ticks after boot;
// vsize 8 MiB; rss 300 pages. The name holds a space and a ')'.
constexpr char kStat[] =
    "4242 (mg) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 1000 8388608 300 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

TEST(ProcessMetrics, ParsesTheFieldsAfterTheLastParenthesis) {
  auto s = ParseProcStat(kStat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 2.0);
  EXPECT_DOUBLE_EQ(s->start_time_seconds, 1'700'000'010.0);
  EXPECT_DOUBLE_EQ(s->virtual_bytes, 8388608);
  EXPECT_DOUBLE_EQ(s->resident_bytes, 300.0 * 4096);
}

TEST(ProcessMetrics, RejectsWhatIsNotAStatLine) {
  EXPECT_FALSE(ParseProcStat("", 100, 4096, 0).ok());
  EXPECT_FALSE(ParseProcStat("4242 (mg) S 1 2 3", 100, 4096, 0).ok());
  EXPECT_FALSE(ParseProcStat("no parenthesis at all 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 "
                             "18 19 20 21 22 23 24",
                             100, 4096, 0)
                   .ok());
  EXPECT_FALSE(ParseProcStat(kStat, 0, 4096, 0).ok());
}

TEST(ProcessMetrics, ThisProcessFiguresAreItsOwn) {
  auto s = ReadProcessStats();
  ASSERT_TRUE(s.ok()) << s.status();
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(s->max_fds, static_cast<double>(limit.rlim_cur));
  // Opening a descriptor shows in the next reading.
  const int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  auto after = ReadProcessStats();
  close(fd);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->open_fds, s->open_fds + 1);
  EXPECT_GT(s->resident_bytes, 1 << 20);
  EXPECT_GE(s->virtual_bytes, s->resident_bytes);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(s->start_time_seconds, now + 1);
  EXPECT_GT(s->start_time_seconds, now - 3600);  // this test process started within the hour
}

TEST(ProcessMetrics, ExportedWithTheStandardNamesAndTypes) {
  Metrics m;
  const std::string text = m.Serialize();
  for (const char* line : {"# TYPE process_cpu_seconds_total counter",
                           "# TYPE process_resident_memory_bytes gauge",
                           "# TYPE process_virtual_memory_bytes gauge",
                           "# TYPE process_open_fds gauge", "# TYPE process_max_fds gauge",
                           "# TYPE process_start_time_seconds gauge"}) {
    EXPECT_THAT(text, HasSubstr(line));
  }
}

}  // namespace
}  // namespace modelgate::telemetry
