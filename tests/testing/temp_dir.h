// A fresh directory under $TMPDIR for a test's files, removed (recursively) on destruction.
#pragma once

#include <string>

namespace modelgate::testutil {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `contents` to path()/name atomically (write + rename) and returns the full path.
  std::string Write(const std::string& name, const std::string& contents) const;

 private:
  std::string path_;
};

}  // namespace modelgate::testutil
