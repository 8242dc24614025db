// Builds the YamlNode tree from yaml-cpp's parser events. This file is the only place that
// touches yaml-cpp and the only place that catches its exceptions.
//
// Why events rather than YAML::LoadAll: in yaml-cpp 0.7, LoadAll never returns on some inputs
// (a stray "," at the start of a line makes the parser emit the same empty document forever),
// an alias inside its own anchor ("&a [*a]") builds a cyclic node graph, and YAML::Node cannot
// tell a quoted "5" from a plain 5. Handling the events ourselves fixes all three.
#include "config/yaml_tree.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "config/diagnostics.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace modelgate::config {
namespace {

// A config is a few hundred nodes only a few levels deep; these limits stop hostile or broken
// input. Aliases are expanded by copying, so a chain of them could otherwise fan out
// exponentially ("billion laughs").
constexpr int kMaxDepth = 64;
constexpr int kMaxNodes = 100000;

SourcePos PosOf(const YAML::Mark& mark) {
  if (mark.is_null()) return SourcePos{};
  return SourcePos{mark.line + 1, mark.column + 1};
}

int CountNodes(const YamlNode& node) {
  int n = 1;
  for (const YamlNode& item : node.items) n += CountNodes(item);
  for (const YamlEntry& entry : node.entries) n += CountNodes(entry.key) + CountNodes(entry.value);
  return n;
}

int Height(const YamlNode& node) {
  int h = 0;
  for (const YamlNode& item : node.items) h = std::max(h, Height(item));
  for (const YamlEntry& entry : node.entries) {
    h = std::max({h, Height(entry.key), Height(entry.value)});
  }
  return h + 1;
}

// Assembles documents from parser events. After the first error it ignores further events;
// the caller stops asking for documents.
class TreeBuilder : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    last_mark_ = mark;
    stack_.clear();
    root_.reset();
    anchors_.clear();
    doc_start_ = mark;
  }

  void OnDocumentEnd() override {
    if (error_) return;
    if (root_) {
      documents_.push_back(std::move(*root_));
    } else {
      YamlNode empty;
      empty.pos = PosOf(doc_start_);
      documents_.push_back(std::move(empty));
    }
  }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    last_mark_ = mark;
    YamlNode node;
    node.pos = PosOf(mark);
    Place(std::move(node), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    last_mark_ = mark;
    if (error_) return;
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      // yaml-cpp rejects unknown aliases itself, so this is an alias inside its own anchor.
      Fail(mark, "an alias cannot refer to a node that contains it");
      return;
    }
    if (static_cast<int>(stack_.size()) + Height(it->second) > kMaxDepth) {
      Fail(mark, absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
      return;
    }
    YamlNode copy = it->second;
    copy.pos = PosOf(mark);  // errors about the value point at the use, not the anchor
    Place(std::move(copy), YAML::NullAnchor);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    last_mark_ = mark;
    YamlNode node;
    node.kind = YamlNode::Kind::kScalar;
    node.pos = PosOf(mark);
    node.scalar = value;
    // The parser tags quoted and block scalars "!" and untagged plain ones "?".
    node.plain = tag != "!";
    Place(std::move(node), anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, YamlNode::Kind::kSequence, anchor);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, YamlNode::Kind::kMap, anchor);
  }
  void OnMapEnd() override { Close(); }

  // The mark of the most recent document start: a parser that makes no progress starts every
  // document at the same place.
  const YAML::Mark& doc_start() const { return doc_start_; }
  const std::optional<YamlError>& error() const { return error_; }
  std::vector<YamlNode>& documents() { return documents_; }

  void Fail(const YAML::Mark& mark, std::string message) {
    if (!error_) error_ = YamlError{PosOf(mark), std::move(message)};
  }

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor;
    std::optional<YamlNode> pending_key;  // maps: a key waiting for its value
  };

  void Open(const YAML::Mark& mark, YamlNode::Kind kind, YAML::anchor_t anchor) {
    last_mark_ = mark;
    if (error_) return;
    if (static_cast<int>(stack_.size()) >= kMaxDepth) {
      Fail(mark, absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
      return;
    }
    if (!Count(1)) return;
    Frame frame{YamlNode{}, anchor, std::nullopt};
    frame.node.kind = kind;
    frame.node.pos = PosOf(mark);
    stack_.push_back(std::move(frame));
  }

  void Close() {
    if (error_ || stack_.empty()) return;
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    Attach(std::move(frame.node), frame.anchor, /*counted=*/true);
  }

  void Place(YamlNode node, YAML::anchor_t anchor) {
    if (error_) return;
    Attach(std::move(node), anchor, /*counted=*/false);
  }

  // Adds `node` to the collection being built (or makes it the document root) and remembers
  // it under its anchor.
  void Attach(YamlNode node, YAML::anchor_t anchor, bool counted) {
    if (!counted && !Count(CountNodes(node))) return;
    if (anchor != YAML::NullAnchor) {
      if (!Count(CountNodes(node))) return;  // the copy kept for later aliases
      anchors_[anchor] = node;
    }
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == YamlNode::Kind::kSequence) {
      top.node.items.push_back(std::move(node));
    } else if (!top.pending_key) {
      top.pending_key = std::move(node);
    } else {
      YamlEntry entry{std::move(*top.pending_key), std::move(node)};
      top.pending_key.reset();
      // yaml-cpp marks an empty value ("key:" then a newline) at the next token, often on a
      // later line; the key is where the user should look.
      if (entry.value.IsNull()) entry.value.pos = entry.key.pos;
      top.node.entries.push_back(std::move(entry));
    }
  }

  bool Count(int nodes) {
    nodes_ += nodes;
    if (nodes_ <= kMaxNodes) return true;
    Fail(last_mark_, absl::StrCat("more than ", kMaxNodes, " nodes after expanding aliases"));
    return false;
  }

  std::vector<Frame> stack_;
  std::optional<YamlNode> root_;
  absl::flat_hash_map<YAML::anchor_t, YamlNode> anchors_;
  YAML::Mark doc_start_ = YAML::Mark::null_mark();
  YAML::Mark last_mark_ = YAML::Mark::null_mark();  // of the latest event, for limit errors
  std::vector<YamlNode> documents_;
  std::optional<YamlError> error_;
  int nodes_ = 0;
};

}  // namespace

YamlParse ParseYaml(absl::string_view text) {
  YamlParse result;
  TreeBuilder builder;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    std::optional<int> previous_start;
    while (!builder.error() && parser.HandleNextDocument(builder)) {
      const int start = builder.doc_start().pos;
      if (previous_start == start) {
        // No progress: yaml-cpp is stuck on a character it can neither parse nor reject.
        const std::string shown = static_cast<size_t>(start) < text.size()
                                      ? Quote(text.substr(static_cast<size_t>(start), 1))
                                      : std::string("end of input");
        builder.Fail(builder.doc_start(), absl::StrCat("unexpected ", shown));
        break;
      }
      previous_start = start;
    }
  } catch (const YAML::Exception& e) {
    // e.msg is the bare message; what() would repeat the position we report ourselves.
    builder.Fail(e.mark, e.msg);
  } catch (const std::exception& e) {
    builder.Fail(YAML::Mark::null_mark(), e.what());
  }
  if (builder.error()) {
    result.error = builder.error();
  } else {
    result.documents = std::move(builder.documents());
  }
  return result;
}

}  // namespace modelgate::config
