// A small, position-annotated YAML tree, and the one function that builds it with yaml-cpp.
// The schema walk runs on this tree instead of on YAML::Node so that it cannot throw: every
// yaml-cpp call (and every yaml-cpp exception) stays inside ParseYaml. The tree also keeps what
// YAML::Node makes awkward: duplicate map keys in document order, quoted vs plain scalars, and
// 1-based positions on every node.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/config.h"

namespace modelgate::config {

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  SourcePos pos;       // 1-based; a null map value carries its key's position (see ParseYaml)
  std::string scalar;  // kScalar only: the text as written, without quotes
  // kScalar only: false for quoted and block scalars, which are always strings; a plain scalar
  // may also be read as a number or a bool.
  bool plain = false;
  std::vector<YamlNode> items;     // kSequence
  std::vector<YamlEntry> entries;  // kMap, in document order, duplicate keys kept

  bool IsNull() const { return kind == Kind::kNull; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMap; }
};

struct YamlEntry {
  YamlNode key;
  YamlNode value;
};

// A problem found while parsing; pos.line == 0 when the parser gave no position.
struct YamlError {
  SourcePos pos;
  std::string message;
};

struct YamlParse {
  std::vector<YamlNode> documents;  // empty for empty input or comments only
  std::optional<YamlError> error;   // set => documents is empty
};

// Parses every document in `text`. Never throws and always returns. Aliases are expanded into
// copies of their anchored node; an alias inside its own anchor, nesting deeper than 64 levels
// or more than 100000 nodes is reported as an error.
YamlParse ParseYaml(absl::string_view text);

}  // namespace modelgate::config
