// Reads and checks the access_log block; see access_log_schema.h.
#include "config/access_log_schema.h"

#include "absl/strings/match.h"
#include "config/yaml_reader.h"

namespace modelgate::config {
namespace {

// A line is a few hundred bytes: a smaller cap would rotate at every batch.
constexpr int64_t kMinFileBytes = 4 * 1024;
constexpr int64_t kMaxFileBytes = int64_t{1} << 40;
constexpr int64_t kMaxRotatedFiles = 1000;
// Each waiting call holds a few hundred bytes; a million is already a few hundred MiB.
constexpr int64_t kMaxBufferEntries = 1'000'000;

}  // namespace

void ReadAccessLog(const YamlNode& node, Diagnostics& diag, AccessLogConfig& out) {
  if (!ExpectMap(node, "access_log", diag)) return;
  MapReader log(node, "access_log", {"path", "max_bytes", "max_files", "buffer_entries"}, diag);
  if (const YamlNode* n = log.Require("path")) {
    const std::string path = log.PathOf("path");
    if (auto s = ReadString(*n, path, diag)) {
      if (s->empty()) {
        diag.Add(n->pos, path, "must name a file (omit access_log to log no calls)");
      } else if (absl::EndsWith(*s, "/")) {
        diag.Add(n->pos, path, "must name a file, not a directory (got \"" + *s + "\")");
      } else {
        out.path = *s;
      }
    }
  }
  if (const YamlNode* n = log.Find("max_bytes")) {
    if (auto v = ReadByteSize(*n, log.PathOf("max_bytes"), diag, kMinFileBytes, kMaxFileBytes)) {
      out.max_bytes = *v;
    }
  }
  if (const YamlNode* n = log.Find("max_files")) {
    if (auto v = ReadInt(*n, log.PathOf("max_files"), diag, 1, kMaxRotatedFiles)) {
      out.max_files = static_cast<int>(*v);
    }
  }
  if (const YamlNode* n = log.Find("buffer_entries")) {
    if (auto v = ReadInt(*n, log.PathOf("buffer_entries"), diag, 1, kMaxBufferEntries)) {
      out.buffer_entries = *v;
    }
  }
}

}  // namespace modelgate::config
