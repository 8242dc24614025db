// Formatting and ordering of config errors.
#include "config/diagnostics.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace modelgate::config {

void Diagnostics::Add(SourcePos pos, absl::string_view path, absl::string_view message) {
  std::string text = file_;
  if (pos.line > 0) absl::StrAppend(&text, ":", pos.line, ":", pos.column);
  absl::StrAppend(&text, ": ");
  if (!path.empty()) absl::StrAppend(&text, path, ": ");
  // Parser messages can embed the offending byte (yaml-cpp's "unknown escape character: X");
  // one error must stay one line for logs and for the file:line:col convention.
  for (char c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      absl::StrAppend(&text, absl::CHexEscape(absl::string_view(&c, 1)));
    } else {
      text.push_back(c);
    }
  }
  errors_.push_back(Entry{pos, std::move(text)});
}

bool Diagnostics::Check(const absl::Status& status, SourcePos pos, absl::string_view path) {
  if (status.ok()) return true;
  Add(pos, path, status.message());
  return false;
}

std::vector<std::string> Diagnostics::TakeSorted() && {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
  });
  std::vector<std::string> out;
  out.reserve(errors_.size());
  for (auto& e : errors_) out.push_back(std::move(e.text));
  errors_.clear();
  return out;
}

std::string KeyPath(absl::string_view parent, absl::string_view key) {
  // Keys come from the file and may be anything, including multi-line scalars; only plain
  // identifier-like keys go in bare, so a message always stays one line.
  const bool bare =
      !key.empty() && key.size() <= 60 && std::all_of(key.begin(), key.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
      });
  const std::string shown = bare ? std::string(key) : Quote(key);
  if (parent.empty()) return shown;
  return absl::StrCat(parent, ".", shown);
}

std::string IndexPath(absl::string_view parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

std::string Quote(absl::string_view text) {
  // A pasted certificate or a whole line swallowed after a missing newline would drown the
  // message; the position already says where to look.
  constexpr size_t kMaxShown = 60;
  if (text.size() <= kMaxShown) return absl::StrCat("\"", absl::Utf8SafeCEscape(text), "\"");
  return absl::StrCat("\"", absl::Utf8SafeCEscape(text.substr(0, kMaxShown)), "...\"");
}

std::string DescribeKind(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "null";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMap:
      return "a map";
    case YamlNode::Kind::kScalar:
      break;
  }
  return Quote(node.scalar);
}

}  // namespace modelgate::config
