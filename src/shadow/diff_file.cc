// The capped diff file; see diff_file.h.
#include "shadow/diff_file.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace modelgate::shadow {

absl::StatusOr<std::unique_ptr<DiffFile>> DiffFile::Open(const std::string& path,
                                                         int64_t max_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("shadow diffs file ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<DiffFile>(new DiffFile(path, f, max_bytes));
}

DiffFile::~DiffFile() { std::fclose(file_); }

void DiffFile::Append(const std::string& line) {
  const int64_t size = static_cast<int64_t>(line.size()) + 1;
  if (bytes_ + size > max_bytes_) {
    ++dropped_;
    return;
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fputc('\n', file_) == EOF || std::fflush(file_) != 0) {
    ++dropped_;
    return;
  }
  bytes_ += size;
}

}  // namespace modelgate::shadow
