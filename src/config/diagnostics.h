// Collects config errors as "FILE:LINE:COL: key.path: message" lines, so that one load reports
// every problem at once, plus the helpers that keep those lines readable.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "config/config.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // A pos with line 0 drops the "LINE:COL:" part; an empty path drops the "key.path:" part.
  // Control characters in `message` are escaped so that every error is exactly one line.
  void Add(SourcePos pos, absl::string_view path, absl::string_view message);

  // Adds `status`'s message when it is not OK; returns status.ok().
  bool Check(const absl::Status& status, SourcePos pos, absl::string_view path);

  bool empty() const { return errors_.empty(); }

  // The errors in document order (stable for errors at the same position), so the output
  // reads like a compiler's even though checks do not run in document order.
  std::vector<std::string> TakeSorted() &&;

 private:
  struct Entry {
    SourcePos pos;
    std::string text;
  };
  std::string file_;
  std::vector<Entry> errors_;
};

// "a.b" (or "b" when parent is empty) and "a[3]": the key paths used in messages. A key
// that is not a plain word ("x tenant", a multi-line scalar) is shown quoted and escaped.
std::string KeyPath(absl::string_view parent, absl::string_view key);
std::string IndexPath(absl::string_view parent, size_t index);

// `text` in double quotes, C-escaped so a message stays on one line, cut after 60 bytes.
std::string Quote(absl::string_view text);

// What a node is, for "must be X (got Y)": null, a list, a map, or the quoted scalar.
std::string DescribeKind(const YamlNode& node);

}  // namespace modelgate::config
