// Size-capped, rotated append-only file; see rotating_file.h.
#include "telemetry/rotating_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace modelgate::telemetry {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

RotatingFile::RotatingFile(std::string path, int64_t max_bytes, int max_files)
    : path_(std::move(path)), max_bytes_(max_bytes), max_files_(max_files) {}

RotatingFile::~RotatingFile() { Close(); }

void RotatingFile::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

absl::Status RotatingFile::Open() {
  if (fd_ >= 0) return absl::OkStatus();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("cannot open", path_);
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    const absl::Status s = Errno("cannot stat", path_);
    Close();
    return s;
  }
  size_ = st.st_size;
  if (size_ > 0) {
    // A previous run (or a failed write) may have left a line without its end.
    char last = '\n';
    const int rfd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (rfd >= 0) {
      if (::pread(rfd, &last, 1, size_ - 1) != 1) last = '\n';
      ::close(rfd);
    }
    if (last != '\n') {
      if (absl::Status s = WriteAll("\n"); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status RotatingFile::WriteAll(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const absl::Status s = Errno("cannot write", path_);
      Close();  // reopened (and its cut line ended) at the next append
      return s;
    }
    size_ += n;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status RotatingFile::Rotate() {
  Close();
  const std::string oldest = absl::StrCat(path_, ".", max_files_);
  if (::unlink(oldest.c_str()) != 0 && errno != ENOENT) return Errno("cannot delete", oldest);
  for (int i = max_files_ - 1; i >= 1; --i) {
    const std::string from = absl::StrCat(path_, ".", i);
    const std::string to = absl::StrCat(path_, ".", i + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return Errno("cannot rename", from);
    }
  }
  const std::string first = absl::StrCat(path_, ".1");
  if (::rename(path_.c_str(), first.c_str()) != 0 && errno != ENOENT) {
    return Errno("cannot rename", path_);
  }
  size_ = 0;
  return Open();
}

RotatingFile::Result RotatingFile::Append(std::string_view lines) {
  Result result;
  while (!lines.empty()) {
    if (result.status = Open(); !result.status.ok()) return result;
    const int64_t room = max_bytes_ - size_;
    size_t take = 0;
    if (static_cast<int64_t>(lines.size()) <= room) {
      take = lines.size();
    } else {
      // The complete lines that fit.
      const size_t cut = room > 0 ? lines.rfind('\n', static_cast<size_t>(room - 1))
                                  : std::string_view::npos;
      if (cut != std::string_view::npos) {
        take = cut + 1;
      } else if (size_ == 0) {
        // One line longer than the cap: it gets the file to itself.
        const size_t end = lines.find('\n');
        take = end == std::string_view::npos ? lines.size() : end + 1;
      }
    }
    if (take > 0) {
      const int64_t before = size_;
      result.status = WriteAll(lines.substr(0, take));
      result.bytes_written += static_cast<size_t>(size_ - before);
      if (!result.status.ok()) return result;
      lines.remove_prefix(take);
    }
    if (!lines.empty()) {
      if (result.status = Rotate(); !result.status.ok()) return result;
      ++result.rotations;
    }
  }
  return result;
}

}  // namespace modelgate::telemetry
