// stat per call, read on change, log on change.
#include "admin/token_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace modelgate::admin {
namespace {

// A token is a few dozen bytes; anything this large is the wrong file.
constexpr size_t kMaxTokenFileBytes = 4096;

int64_t Nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

absl::Status Unreadable(const std::string& path, absl::string_view why) {
  return absl::UnavailableError(
      absl::StrCat("cannot read admin.token_file ", path, ": ", why));
}

}  // namespace

absl::StatusOr<std::string> TokenFile::Load(const std::string& path, Version* version) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Unreadable(path, std::strerror(errno));
  struct stat st;
  std::string data;
  absl::Status status;
  if (::fstat(fd, &st) != 0) {
    status = Unreadable(path, std::strerror(errno));
  } else {
    *version = Version{st.st_dev, st.st_ino, st.st_size, Nanos(st.st_mtim), Nanos(st.st_ctim)};
    char buf[kMaxTokenFileBytes + 1];
    while (status.ok() && data.size() <= kMaxTokenFileBytes) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = Unreadable(path, std::strerror(errno));
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    if (status.ok() && data.size() > kMaxTokenFileBytes) {
      status = Unreadable(path, absl::StrCat("larger than ", kMaxTokenFileBytes,
                                             " bytes; it should hold only the token"));
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  const absl::string_view token = absl::StripAsciiWhitespace(data);
  if (token.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("admin.token_file ", path, " is empty"));
  }
  return std::string(token);
}

absl::StatusOr<std::string> TokenFile::Read(const std::string& path) {
  absl::MutexLock lock(&mu_);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    Remember(path, std::nullopt, Unreadable(path, std::strerror(errno)));
    return token_;
  }
  const Version seen{st.st_dev, st.st_ino, st.st_size, Nanos(st.st_mtim), Nanos(st.st_ctim)};
  if (path == path_ && version_ == seen) return token_;
  Version loaded;
  absl::StatusOr<std::string> token = Load(path, &loaded);
  // An empty file has a version worth remembering; an unreadable one is retried next time.
  const bool has_version = token.ok() || absl::IsFailedPrecondition(token.status());
  Remember(path, has_version ? std::optional<Version>(loaded) : std::nullopt, std::move(token));
  return token_;
}

void TokenFile::Remember(const std::string& path, std::optional<Version> version,
                         absl::StatusOr<std::string> token) {
  const bool changed = path != path_ || token.ok() != token_.ok() ||
                       (token.ok() ? *token != *token_ : token.status() != token_.status());
  if (changed) {
    if (token.ok()) {
      MG_LOG(kInfo, "admin: token loaded from ", path, "; mutating endpoints are enabled");
    } else {
      MG_LOG(kError, "admin: ", token.status().message(), "; mutating endpoints are refused");
    }
  }
  path_ = path;
  version_ = version;
  token_ = std::move(token);
}

}  // namespace modelgate::admin
