// Tests of ChildProcess, the helper every multi-process test relies on.
#include "testing/process.h"

#include <signal.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace modelgate::testutil {
namespace {

using std::chrono::milliseconds;

TEST(ChildProcess, ReadsLinesThenReportsEndAndExitCode) {
  auto child = ChildProcess::Spawn({"/bin/sh", "-c", "echo hello; printf 'tail'; exit 3"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(*child->ReadLineWithTimeout(milliseconds(5000)), "hello");
  EXPECT_EQ(*child->ReadLineWithTimeout(milliseconds(5000)), "tail");
  EXPECT_EQ(child->ReadLineWithTimeout(milliseconds(5000)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(child->WaitExit(milliseconds(5000)), 3);
  EXPECT_EQ(child->WaitExit(milliseconds(0)), 3);  // Reaped once, remembered.
}

TEST(ChildProcess, TimesOutWhenNothingIsPrintedAndReportsTheSignal) {
  auto child = ChildProcess::Spawn({"/bin/sleep", "30"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->ReadLineWithTimeout(milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(child->WaitExit(milliseconds(50)), std::nullopt);
  EXPECT_TRUE(child->Signal(SIGTERM));
  EXPECT_EQ(child->WaitExit(milliseconds(5000)), 128 + SIGTERM);
  EXPECT_FALSE(child->Signal(SIGTERM));
}

TEST(ChildProcess, ReadAllCollectsOutputUntilClose) {
  auto child = ChildProcess::Spawn({"/bin/sh", "-c", "echo a; echo b"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(*child->ReadAllWithTimeout(milliseconds(5000)), "a\nb\n");
  EXPECT_EQ(child->WaitExit(milliseconds(5000)), 0);
}

TEST(ChildProcess, FailsToSpawnAMissingProgram) {
  auto child = ChildProcess::Spawn({"/nonexistent/program"});
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().message().find("cannot execute"), absl::string_view::npos);
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid;
  {
    auto child = ChildProcess::Spawn({"/bin/sleep", "30"});
    ASSERT_TRUE(child.ok()) << child.status();
    pid = child->pid();
    ChildProcess moved = std::move(*child);  // Ownership moves; only one kill happens.
    EXPECT_EQ(moved.pid(), pid);
  }
  // Reaped: the pid no longer names a process (or a zombie) of ours.
  EXPECT_EQ(kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace modelgate::testutil
