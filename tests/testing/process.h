// ChildProcess: runs a program as a child of the test, for integration tests that start real
// binaries (modelgate, modelgate-fake-model, modelgate-load) and talk to them.
//
// The child's stdout is a pipe the test reads with a timeout (typically the "listening on
// HOST:PORT" line); stderr is inherited so the child's logs land in the test log. The child
// gets SIGKILL if the spawning thread dies (PR_SET_PDEATHSIG), and the destructor kills and
// reaps a child that is still running, so a failing test never leaks a process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace modelgate::testutil {

// Thread-compatible: use one ChildProcess from one thread at a time. Spawn from a thread that
// outlives the child (a test's main thread), as the death signal is tied to that thread.
class ChildProcess {
 public:
  // Starts argv[0] (a path, not searched in PATH) with the given arguments. Fails if the
  // program cannot be executed.
  static absl::StatusOr<ChildProcess> Spawn(const std::vector<std::string>& argv);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // The next line of stdout, without its '\n'. DEADLINE_EXCEEDED if none arrived in time,
  // OUT_OF_RANGE once stdout is closed and fully read (an unterminated last line is returned
  // first).
  absl::StatusOr<std::string> ReadLineWithTimeout(std::chrono::milliseconds timeout);

  // Everything left on stdout until the child closes it. DEADLINE_EXCEEDED if it stays open.
  absl::StatusOr<std::string> ReadAllWithTimeout(std::chrono::milliseconds timeout);

  // Sends `signal_number`; false if the child was already reaped.
  bool Signal(int signal_number);

  // Waits for the child to exit and reaps it. Returns its exit status, or 128 + N if signal N
  // ended it (the shell's convention); nullopt if it is still running after `timeout`. Once
  // reaped, later calls return the same value at once.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  void KillAndReap();
  // Reads what is available into buffer_, waiting at most until `deadline`. Returns false on
  // timeout; sets eof_ when the pipe is closed.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> exit_status_;
};

}  // namespace modelgate::testutil
