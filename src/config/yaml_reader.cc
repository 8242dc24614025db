// Typed readers over YamlNode with error reporting.
#include "config/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/closest_match.h"
#include "config/value_syntax.h"

namespace modelgate::config {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [-+]?[0-9]+
bool LooksLikeInt(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

// [-+]?(digits[.digits?]|.digits)([eE][-+]?digits)? : YAML 1.2 decimal floats without .inf and
// .nan, which a duration or budget never wants.
bool LooksLikeNumber(absl::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t mantissa = digits();
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// Null, lists and maps are wrong for every scalar reader; reports them and returns false.
bool ExpectScalar(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                  absl::string_view what) {
  if (node.IsScalar()) return true;
  diag.Add(node.pos, path, absl::StrCat("must be ", what, " (got ", DescribeKind(node), ")"));
  return false;
}

// Names the usual mistake when a quoted literal would otherwise have been valid.
std::string QuotedHint(const YamlNode& node, bool would_parse) {
  return !node.plain && would_parse ? "; remove the quotes" : "";
}

}  // namespace

bool ExpectMap(const YamlNode& node, absl::string_view path, Diagnostics& diag) {
  if (node.IsMap()) return true;
  diag.Add(node.pos, path, absl::StrCat("must be a map (got ", DescribeKind(node), ")"));
  return false;
}

bool ExpectList(const YamlNode& node, absl::string_view path, Diagnostics& diag) {
  if (node.IsSequence()) return true;
  diag.Add(node.pos, path, absl::StrCat("must be a list (got ", DescribeKind(node), ")"));
  return false;
}

std::optional<std::string> ReadString(const YamlNode& node, absl::string_view path,
                                      Diagnostics& diag) {
  if (!ExpectScalar(node, path, diag, "a string")) return std::nullopt;
  return node.scalar;
}

std::optional<int64_t> ReadInt(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                               int64_t min, int64_t max) {
  if (!ExpectScalar(node, path, diag, "an integer")) return std::nullopt;
  const std::string& text = node.scalar;
  if (!node.plain || !LooksLikeInt(text)) {
    diag.Add(node.pos, path,
             absl::StrCat("must be an integer (got ", DescribeKind(node), ")",
                          QuotedHint(node, LooksLikeInt(text))));
    return std::nullopt;
  }
  int64_t value = 0;
  const bool fits = absl::SimpleAtoi(text, &value);
  const bool negative = text[0] == '-';
  if ((!fits && negative) || (fits && value < min)) {
    diag.Add(node.pos, path, absl::StrCat("must be >= ", min, " (got ", text, ")"));
    return std::nullopt;
  }
  if (!fits || value > max) {
    diag.Add(node.pos, path, absl::StrCat("must be <= ", max, " (got ", text, ")"));
    return std::nullopt;
  }
  return value;
}

std::optional<double> ReadNumber(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                                 double min) {
  if (!ExpectScalar(node, path, diag, "a number")) return std::nullopt;
  const std::string& text = node.scalar;
  double value = 0;
  if (!node.plain || !LooksLikeNumber(text) || !absl::SimpleAtod(text, &value) ||
      !std::isfinite(value)) {
    diag.Add(node.pos, path,
             absl::StrCat("must be a number (got ", DescribeKind(node), ")",
                          QuotedHint(node, LooksLikeNumber(text))));
    return std::nullopt;
  }
  if (value < min) {
    diag.Add(node.pos, path, absl::StrCat("must be >= ", min, " (got ", text, ")"));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ReadByteSize(const YamlNode& node, absl::string_view path, Diagnostics& diag,
                                    int64_t min, int64_t max) {
  if (!ExpectScalar(node, path, diag, "a byte count")) return std::nullopt;
  const absl::StatusOr<int64_t> bytes = ParseByteSize(node.scalar);
  if (!bytes.ok()) {
    diag.Add(node.pos, path, bytes.status().message());
    return std::nullopt;
  }
  if (*bytes < min || *bytes > max) {
    diag.Add(node.pos, path,
             absl::StrCat("must be between ", min, " and ", max, " bytes (got ", node.scalar, ")"));
    return std::nullopt;
  }
  return *bytes;
}

std::optional<std::string> ReadChoice(const YamlNode& node, absl::string_view path,
                                      const std::vector<absl::string_view>& choices,
                                      Diagnostics& diag) {
  std::optional<std::string> s = ReadString(node, path, diag);
  if (!s) return std::nullopt;
  for (absl::string_view c : choices) {
    if (c == *s) return s;
  }
  std::string message =
      absl::StrCat("must be one of ", absl::StrJoin(choices, ", "), " (got ", Quote(*s), ")");
  if (auto guess = ClosestMatch(*s, choices)) {
    absl::StrAppend(&message, "; did you mean \"", *guess, "\"?");
  }
  diag.Add(node.pos, path, message);
  return std::nullopt;
}

std::optional<bool> ReadBool(const YamlNode& node, absl::string_view path, Diagnostics& diag) {
  if (!ExpectScalar(node, path, diag, "true or false")) return std::nullopt;
  const std::string& t = node.scalar;
  const bool is_true = t == "true" || t == "True" || t == "TRUE";
  const bool is_false = t == "false" || t == "False" || t == "FALSE";
  if (!node.plain || (!is_true && !is_false)) {
    diag.Add(node.pos, path,
             absl::StrCat("must be true or false (got ", DescribeKind(node), ")",
                          QuotedHint(node, is_true || is_false)));
    return std::nullopt;
  }
  return is_true;
}

MapReader::MapReader(const YamlNode& map, std::string path,
                     std::initializer_list<absl::string_view> known, Diagnostics& diag)
    : MapReader(map, std::move(path), std::vector<absl::string_view>(known), diag) {}

MapReader::MapReader(const YamlNode& map, std::string path,
                     const std::vector<absl::string_view>& known_keys, Diagnostics& diag)
    : map_(map), path_(std::move(path)), diag_(diag) {
  absl::flat_hash_map<absl::string_view, SourcePos> first_seen;
  for (const YamlEntry& entry : map.entries) {
    if (!entry.key.IsScalar()) {
      diag.Add(entry.key.pos, path_,
               absl::StrCat("keys must be strings (got ", DescribeKind(entry.key), ")"));
      continue;
    }
    const std::string& key = entry.key.scalar;
    const auto [it, inserted] = first_seen.emplace(key, entry.key.pos);
    if (!inserted) {
      diag.Add(entry.key.pos, PathOf(key),
               absl::StrCat("duplicate key ", Quote(key), " (first at line ", it->second.line,
                            ", column ", it->second.column, ")"));
      continue;
    }
    if (!known_keys.empty() &&
        std::find(known_keys.begin(), known_keys.end(), key) == known_keys.end()) {
      std::string message = absl::StrCat("unknown key ", Quote(key));
      if (auto guess = ClosestMatch(key, known_keys)) {
        absl::StrAppend(&message, " (did you mean \"", *guess, "\"?)");
      } else {
        absl::StrAppend(&message, " (expected one of: ", absl::StrJoin(known_keys, ", "), ")");
      }
      diag.Add(entry.key.pos, PathOf(key), message);
      continue;
    }
    entries_.push_back(&entry);
  }
}

const YamlEntry* MapReader::FindEntry(absl::string_view key) const {
  for (const YamlEntry* entry : entries_)
    if (entry->key.scalar == key) return entry;
  return nullptr;
}

const YamlNode* MapReader::Find(absl::string_view key) const {
  const YamlEntry* entry = FindEntry(key);
  return entry == nullptr ? nullptr : &entry->value;
}

const YamlNode* MapReader::Require(absl::string_view key) const {
  const YamlNode* value = Find(key);
  if (value == nullptr) diag_.Add(map_.pos, PathOf(key), "required key is missing");
  return value;
}

std::vector<std::string> ReadDistinctStrings(const YamlNode& node, const std::string& path,
                                             Diagnostics& diag,
                                             absl::Status (*check)(absl::string_view)) {
  std::vector<std::string> out;
  if (!ExpectList(node, path, diag)) return out;
  for (size_t i = 0; i < node.items.size(); ++i) {
    const std::string p = IndexPath(path, i);
    auto s = ReadString(node.items[i], p, diag);
    if (!s) continue;
    if (check != nullptr && !diag.Check(check(*s), node.items[i].pos, p)) continue;
    if (std::find(out.begin(), out.end(), *s) != out.end()) {
      diag.Add(node.items[i].pos, p, absl::StrCat(Quote(*s), " is listed twice"));
      continue;
    }
    out.push_back(*s);
  }
  return out;
}

void ReadNumberInRange(const MapReader& map, absl::string_view key, double min, double max,
                       Diagnostics& diag, double& out) {
  const YamlNode* n = map.Find(key);
  if (n == nullptr) return;
  const std::string p = map.PathOf(key);
  if (auto v = ReadNumber(*n, p, diag, min)) {
    if (*v > max) {
      diag.Add(n->pos, p, absl::StrCat("must be at most ", max, " (got ", *v, ")"));
    } else {
      out = *v;
    }
  }
}

}  // namespace modelgate::config
