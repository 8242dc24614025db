// Atomic per-route JSON files.
#include "control/state_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace modelgate::control {
namespace {

constexpr absl::string_view kSuffix = ".json";

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

std::string StateStore::PathOf(const std::string& route) const {
  return absl::StrCat(dir_, "/", route, kSuffix);
}

absl::Status StateStore::Save(const std::string& route, const RouteState& state) {
  MutexLock lock(&mu_);
  const std::string path = PathOf(route);
  const std::string tmp = absl::StrCat(path, ".tmp");
  const std::string text = state.ToJson().dump(2) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const absl::Status s = Errno("cannot write", tmp);
      ::close(fd);
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const absl::Status s = Errno("cannot fsync", tmp);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename to", path);
  // The rename is durable only once the directory is.
  const int dir = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("cannot open", dir_);
  const int rc = ::fsync(dir);
  ::close(dir);
  if (rc != 0) return Errno("cannot fsync", dir_);
  return absl::OkStatus();
}

absl::Status StateStore::Remove(const std::string& route) {
  MutexLock lock(&mu_);
  const std::string path = PathOf(route);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return absl::OkStatus();
}

StateStore::Loaded StateStore::LoadAll() const {
  Loaded out;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) {
    out.errors.emplace_back(dir_, Errno("cannot read", dir_));
    return out;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (!absl::EndsWith(name, kSuffix) || name.size() == kSuffix.size()) continue;
    const std::string route = name.substr(0, name.size() - kSuffix.size());
    const std::string path = PathOf(route);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      out.errors.emplace_back(path, Errno("cannot read", path));
      continue;
    }
    const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
      out.errors.emplace_back(path, absl::InvalidArgumentError("not valid JSON"));
      continue;
    }
    absl::StatusOr<RouteState> state = RouteState::FromJson(j);
    if (!state.ok()) {
      out.errors.emplace_back(path, state.status());
      continue;
    }
    out.states.emplace(route, *std::move(state));
  }
  ::closedir(d);
  return out;
}

}  // namespace modelgate::control
