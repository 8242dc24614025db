// Implementation of ChildProcess; see process.h.
#include "testing/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace modelgate::testutil {
namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  // Everything the child needs is prepared before fork: after it, in a threaded parent, only
  // async-signal-safe calls are allowed.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int out[2];
  int exec_error[2];  // Carries errno if exec fails; closed by a successful exec (CLOEXEC).
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  if (pipe2(exec_error, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError("pipe2 failed");
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {out[0], out[1], exec_error[0], exec_error[1]}) close(fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // The parent died before prctl took effect.
    // A test may block signals (e.g. around sigwait); the child must start with none blocked.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(out[1], STDOUT_FILENO);  // dup2 clears CLOEXEC on the new descriptor.
    execv(args[0], args.data());
    int err = errno;
    [[maybe_unused]] ssize_t n = write(exec_error[1], &err, sizeof(err));
    _exit(127);
  }
  close(out[1]);
  close(exec_error[1]);
  int err = 0;
  ssize_t n;
  do {
    n = read(exec_error[0], &err, sizeof(err));
  } while (n < 0 && errno == EINTR);
  close(exec_error[0]);
  ChildProcess child(pid, out[0]);
  if (n == static_cast<ssize_t>(sizeof(err))) {
    child.WaitExit(std::chrono::seconds(5));
    return absl::FailedPreconditionError(
        absl::StrCat("cannot execute ", argv[0], ": ", std::strerror(err)));
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      buffer_(std::move(other.buffer_)),
      eof_(other.eof_),
      exit_status_(other.exit_status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    CloseFd(stdout_fd_);
    pid_ = std::exchange(other.pid_, -1);
    stdout_fd_ = std::exchange(other.stdout_fd_, -1);
    buffer_ = std::move(other.buffer_);
    eof_ = other.eof_;
    exit_status_ = other.exit_status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  KillAndReap();
  CloseFd(stdout_fd_);
}

void ChildProcess::KillAndReap() {
  if (pid_ <= 0 || exit_status_.has_value()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_status_ = DecodeWaitStatus(status);
}

bool ChildProcess::Fill(Clock::time_point deadline) {
  if (eof_ || stdout_fd_ < 0) {
    eof_ = true;
    return true;
  }
  pollfd p{stdout_fd_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, RemainingMs(deadline));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return false;
  char chunk[4096];
  ssize_t n;
  do {
    n = read(stdout_fd_, chunk, sizeof(chunk));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    eof_ = true;
  } else {
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

absl::StatusOr<std::string> ChildProcess::ReadLineWithTimeout(std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (eof_) {
      if (buffer_.empty()) return absl::OutOfRangeError("child closed its stdout");
      return std::exchange(buffer_, std::string());
    }
    if (!Fill(deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("no complete line on the child's stdout within ", timeout.count(),
                       " ms (so far: \"", buffer_, "\")"));
    }
  }
}

absl::StatusOr<std::string> ChildProcess::ReadAllWithTimeout(std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (!eof_) {
    if (!Fill(deadline)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the child's stdout stayed open for ", timeout.count(), " ms (so far: \"", buffer_, "\")"));
    }
  }
  return std::exchange(buffer_, std::string());
}

bool ChildProcess::Signal(int signal_number) {
  if (pid_ <= 0 || exit_status_.has_value()) return false;
  return kill(pid_, signal_number) == 0;
}

std::optional<int> ChildProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (exit_status_.has_value() || pid_ <= 0) return exit_status_;
  Clock::time_point deadline = Clock::now() + timeout;
  // A pidfd becomes readable when the child exits, so the wait needs no polling loop.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = DecodeWaitStatus(status);
      break;
    }
    if (r < 0 && errno != EINTR) break;  // Not our child any more; nothing to wait for.
    int left = RemainingMs(deadline);
    if (left == 0) break;
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      poll(&p, 1, left);
    } else {
      // Kernels before 5.3 have no pidfd: fall back to a short poll interval.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(left, 10)));
    }
  }
  if (pidfd >= 0) close(pidfd);
  return exit_status_;
}

}  // namespace modelgate::testutil
