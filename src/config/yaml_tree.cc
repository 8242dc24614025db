// Builds the YamlNode tree from yaml-cpp. This file is the only place that touches yaml-cpp
// and the only place that catches its exceptions.
#include "config/yaml_tree.h"

#include <exception>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace modelgate::config {
namespace {

// A config is a few hundred nodes; these limits only stop hostile or broken input. yaml-cpp
// resolves an alias to the anchored node itself, so "&a [*a]" is a cycle and a chain of
// aliases can fan out exponentially ("billion laughs"); both would otherwise never finish.
constexpr int kMaxDepth = 64;
constexpr int kMaxNodes = 100000;

SourcePos PosOf(const YAML::Mark& mark) {
  if (mark.is_null()) return SourcePos{};
  return SourcePos{mark.line + 1, mark.column + 1};
}

// Converts one document; on the first limit hit it records an error and stops descending.
class Converter {
 public:
  YamlNode Convert(const YAML::Node& node, int depth) {
    YamlNode out;
    if (error_) return out;
    out.pos = PosOf(node.Mark());
    if (depth > kMaxDepth) {
      error_ = YamlError{out.pos, absl::StrCat("nesting deeper than ", kMaxDepth,
                                               " levels (an alias that refers to itself?)")};
      return out;
    }
    if (++nodes_ > kMaxNodes) {
      error_ = YamlError{out.pos,
                         absl::StrCat("more than ", kMaxNodes, " nodes after expanding aliases")};
      return out;
    }
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        out.kind = YamlNode::Kind::kScalar;
        out.scalar = node.Scalar();
        // yaml-cpp tags quoted and block scalars "!" and untagged plain ones "?".
        out.plain = node.Tag() != "!";
        break;
      case YAML::NodeType::Sequence:
        out.kind = YamlNode::Kind::kSequence;
        for (const auto& item : node) out.items.push_back(Convert(item, depth + 1));
        break;
      case YAML::NodeType::Map:
        out.kind = YamlNode::Kind::kMap;
        for (auto it = node.begin(); it != node.end(); ++it) {
          YamlEntry entry{Convert(it->first, depth + 1), Convert(it->second, depth + 1)};
          // yaml-cpp marks an empty value ("key:" then a newline) at the next token, often on
          // a later line; the key is where the user should look.
          if (entry.value.IsNull()) entry.value.pos = entry.key.pos;
          out.entries.push_back(std::move(entry));
        }
        break;
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        out.kind = YamlNode::Kind::kNull;
        break;
    }
    return out;
  }

  const std::optional<YamlError>& error() const { return error_; }

 private:
  int nodes_ = 0;
  std::optional<YamlError> error_;
};

}  // namespace

YamlParse ParseYaml(absl::string_view text) {
  YamlParse result;
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    Converter converter;
    for (const auto& doc : docs) result.documents.push_back(converter.Convert(doc, 0));
    result.error = converter.error();
  } catch (const YAML::Exception& e) {
    // e.msg is the bare message; what() would repeat the position we report ourselves.
    result.error = YamlError{PosOf(e.mark), e.msg};
  } catch (const std::exception& e) {
    result.error = YamlError{SourcePos{}, e.what()};
  }
  if (result.error) result.documents.clear();
  return result;
}

}  // namespace modelgate::config
