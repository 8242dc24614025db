// Open Inference Protocol lists: every configured tensor is decoded once into one normal form
// (numeric elements as little-endian bytes, BYTES elements as strings), so Merge can read each
// ranker in whatever form it sent and write ranker 0's form, without numeric conversions that
// could lose an id (INT64 ids beyond 2^53 do not survive a double).
#include "interleave/oip_list.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "inference/grpc_predict_v2.pb.h"
#include "payload/datatype.h"
#include "payload/parse_cord.h"
#include "payload/tensor_shape.h"
#include "payload/typed_contents.h"

namespace modelgate::interleave {
namespace {

using ::inference::InferTensorContents;
using ::inference::ModelInferResponse;
using ::modelgate::payload::DataType;
using Output = ModelInferResponse::InferOutputTensor;

// Names listed in a "no such output" message: a hostile response could have millions.
constexpr int kMaxListedNames = 16;

// Names come from the wire and the config: keep UTF-8, escape control characters and quotes.
std::string Quoted(absl::string_view name) {
  return absl::StrCat("\"", absl::Utf8SafeCEscape(name), "\"");
}

absl::Status WithPrefix(const absl::Status& status, absl::string_view prefix) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// An element type: BYTES, or one of the numeric types payload/datatype.h knows.
struct ElementType {
  bool bytes = false;
  DataType numeric = DataType::kBool;  // when !bytes

  friend bool operator==(const ElementType& a, const ElementType& b) {
    return a.bytes == b.bytes && (a.bytes || a.numeric == b.numeric);
  }
  friend bool operator!=(const ElementType& a, const ElementType& b) { return !(a == b); }
};

absl::StatusOr<ElementType> ParseElementType(absl::string_view name) {
  if (name == "BYTES") return ElementType{true, DataType::kBool};
  absl::StatusOr<DataType> numeric = payload::ParseDataType(name);
  if (!numeric.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown datatype ", Quoted(name),
        "; expected BOOL, UINT8..UINT64, INT8..INT64, FP16, BF16, FP32, FP64 or BYTES"));
  }
  return ElementType{false, *numeric};
}

absl::string_view TypeName(ElementType type) {
  return type.bytes ? "BYTES" : payload::DataTypeName(type.numeric);
}

void PutLittleEndian(uint64_t bits, size_t width, std::string* out) {
  for (size_t i = 0; i < width; ++i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(const char* p, size_t width) {
  uint64_t bits = 0;
  for (size_t i = 0; i < width; ++i) {
    bits |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return bits;
}

// A tensor's elements in the one form both encodings can be written from.
class Elements {
 public:
  explicit Elements(ElementType type)
      : type_(type), width_(type.bytes ? 0 : payload::RawElementSize(type.numeric)) {}

  ElementType type() const { return type_; }
  uint64_t size() const { return type_.bytes ? strings_.size() : fixed_.size() / width_; }

  // Numeric elements: the raw little-endian bytes, back to back.
  std::string& fixed() { return fixed_; }
  // BYTES elements.
  std::vector<std::string>& strings() { return strings_; }

  // Element i of an INT64 tensor.
  int64_t Int64At(uint64_t i) const {
    return static_cast<int64_t>(GetLittleEndian(fixed_.data() + i * 8, 8));
  }
  const std::string& StringAt(uint64_t i) const { return strings_[i]; }

  // Appends elements [begin, begin + n) of `from`, which has the same type.
  void AppendRange(const Elements& from, uint64_t begin, uint64_t n) {
    if (type_.bytes) {
      strings_.insert(strings_.end(), from.strings_.begin() + begin,
                      from.strings_.begin() + begin + n);
    } else {
      fixed_.append(from.fixed_, begin * width_, n * width_);
    }
  }

  // The raw_output_contents entry of these elements.
  std::string ToRaw() const {
    if (!type_.bytes) return fixed_;
    std::string out;
    for (const std::string& s : strings_) {
      PutLittleEndian(s.size(), 4, &out);
      out.append(s);
    }
    return out;
  }

  // Appends the elements to the datatype's typed field of `out`.
  absl::Status AppendTyped(InferTensorContents* out) const;

 private:
  ElementType type_;
  size_t width_;
  std::string fixed_;
  std::vector<std::string> strings_;
};

absl::Status Elements::AppendTyped(InferTensorContents* out) const {
  if (type_.bytes) {
    for (const std::string& s : strings_) out->add_bytes_contents(s);
    return absl::OkStatus();
  }
  const uint64_t n = size();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t bits = GetLittleEndian(fixed_.data() + i * width_, width_);
    switch (type_.numeric) {
      case DataType::kBool:
        out->add_bool_contents(bits != 0);
        break;
      case DataType::kInt8:
        out->add_int_contents(static_cast<int8_t>(bits));
        break;
      case DataType::kInt16:
        out->add_int_contents(static_cast<int16_t>(bits));
        break;
      case DataType::kInt32:
        out->add_int_contents(static_cast<int32_t>(bits));
        break;
      case DataType::kUint8:
      case DataType::kUint16:
      case DataType::kUint32:
        out->add_uint_contents(static_cast<uint32_t>(bits));
        break;
      case DataType::kInt64:
        out->add_int64_contents(static_cast<int64_t>(bits));
        break;
      case DataType::kUint64:
        out->add_uint64_contents(bits);
        break;
      case DataType::kFp32: {
        const uint32_t narrow = static_cast<uint32_t>(bits);
        float value;
        std::memcpy(&value, &narrow, sizeof(value));
        out->add_fp32_contents(value);
        break;
      }
      case DataType::kFp64: {
        double value;
        std::memcpy(&value, &bits, sizeof(value));
        out->add_fp64_contents(value);
        break;
      }
      case DataType::kFp16:
      case DataType::kBf16:
        // Ranker 0 can only have sent these raw, so a typed merged response never needs them.
        return absl::InternalError(absl::StrCat(TypeName(type_), " has no typed contents field"));
    }
  }
  return absl::OkStatus();
}

// The typed field that carries `type`, with its value count; nullopt for FP16/BF16, which the
// protocol only sends raw.
struct TypedField {
  absl::string_view name;
  int size;
};

std::optional<TypedField> FieldOf(ElementType type, const InferTensorContents& c) {
  if (type.bytes) return TypedField{"bytes_contents", c.bytes_contents_size()};
  switch (type.numeric) {
    case DataType::kBool:
      return TypedField{"bool_contents", c.bool_contents_size()};
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return TypedField{"int_contents", c.int_contents_size()};
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
      return TypedField{"uint_contents", c.uint_contents_size()};
    case DataType::kInt64:
      return TypedField{"int64_contents", c.int64_contents_size()};
    case DataType::kUint64:
      return TypedField{"uint64_contents", c.uint64_contents_size()};
    case DataType::kFp32:
      return TypedField{"fp32_contents", c.fp32_contents_size()};
    case DataType::kFp64:
      return TypedField{"fp64_contents", c.fp64_contents_size()};
    case DataType::kFp16:
    case DataType::kBf16:
      return std::nullopt;
  }
  return std::nullopt;
}

int64_t TotalTypedValues(const InferTensorContents& c) {
  return int64_t{c.bool_contents_size()} + c.int_contents_size() + c.int64_contents_size() +
         c.uint_contents_size() + c.uint64_contents_size() + c.fp32_contents_size() +
         c.fp64_contents_size() + c.bytes_contents_size();
}

// A narrow integer sent in a 32-bit typed field must fit its datatype, or writing it raw would
// silently change it.
template <typename T>
absl::Status CheckRange(DataType type, T value, int64_t min, int64_t max) {
  const int64_t v = static_cast<int64_t>(value);
  if (v < min || v > max) {
    return absl::InvalidArgumentError(absl::StrCat("value ", v, " does not fit datatype ",
                                                   payload::DataTypeName(type)));
  }
  return absl::OkStatus();
}

absl::Status ReadTyped(const InferTensorContents& c, uint64_t count, absl::string_view shape,
                       Elements* out) {
  const ElementType type = out->type();
  const std::optional<TypedField> field = FieldOf(type, c);
  if (!field.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        TypeName(type),
        " values must be sent in raw_output_contents (the protocol has no typed field for them)"));
  }
  if (TotalTypedValues(c) != field->size) {
    return absl::InvalidArgumentError(absl::StrCat(
        TypeName(type), " values belong in contents.", field->name, ", but other fields hold ",
        TotalTypedValues(c) - field->size, " values"));
  }
  if (static_cast<uint64_t>(field->size) != count) {
    return absl::InvalidArgumentError(absl::StrCat("contents.", field->name, " holds ",
                                                   field->size, " values, but the shape ", shape,
                                                   " has ", count, " elements"));
  }
  if (type.bytes) {
    out->strings().assign(c.bytes_contents().begin(), c.bytes_contents().end());
    return absl::OkStatus();
  }
  const DataType t = type.numeric;
  const size_t width = payload::RawElementSize(t);
  std::string& fixed = out->fixed();
  fixed.reserve(count * width);
  switch (t) {
    case DataType::kBool:
      for (bool v : c.bool_contents()) PutLittleEndian(v ? 1 : 0, 1, &fixed);
      break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: {
      const int64_t max = (int64_t{1} << (8 * width - 1)) - 1;
      for (int32_t v : c.int_contents()) {
        RETURN_IF_ERROR(CheckRange(t, v, -max - 1, max));
        PutLittleEndian(static_cast<uint32_t>(v), width, &fixed);
      }
      break;
    }
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32: {
      const int64_t max = (int64_t{1} << (8 * width)) - 1;
      for (uint32_t v : c.uint_contents()) {
        RETURN_IF_ERROR(CheckRange(t, v, 0, max));
        PutLittleEndian(v, width, &fixed);
      }
      break;
    }
    case DataType::kInt64:
      for (int64_t v : c.int64_contents()) PutLittleEndian(static_cast<uint64_t>(v), 8, &fixed);
      break;
    case DataType::kUint64:
      for (uint64_t v : c.uint64_contents()) PutLittleEndian(v, 8, &fixed);
      break;
    case DataType::kFp32:
      for (float v : c.fp32_contents()) {
        uint32_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        PutLittleEndian(bits, 4, &fixed);
      }
      break;
    case DataType::kFp64:
      for (double v : c.fp64_contents()) {
        uint64_t bits;
        std::memcpy(&bits, &v, sizeof(bits));
        PutLittleEndian(bits, 8, &fixed);
      }
      break;
    case DataType::kFp16:
    case DataType::kBf16:
      break;  // Rejected above: no typed field.
  }
  return absl::OkStatus();
}

absl::Status ReadRaw(absl::string_view raw, int index, uint64_t count, absl::string_view shape,
                     Elements* out) {
  const ElementType type = out->type();
  if (!type.bytes) {
    const size_t width = payload::RawElementSize(type.numeric);
    // Compared by division: the shape comes from the wire and count * width may overflow.
    if (raw.size() % width != 0 || raw.size() / width != count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "raw_output_contents[", index, "] holds ", raw.size(), " bytes, but the shape ", shape,
          " has ", count, " elements of ", width, " bytes"));
    }
    out->fixed().assign(raw.data(), raw.size());
    return absl::OkStatus();
  }
  std::vector<std::string>& strings = out->strings();
  size_t pos = 0;
  while (pos < raw.size()) {
    if (raw.size() - pos < 4) {
      return absl::InvalidArgumentError(absl::StrCat(
          "raw_output_contents[", index, "] ends with a truncated 4-byte length prefix after ",
          strings.size(), " BYTES elements"));
    }
    const uint64_t length = GetLittleEndian(raw.data() + pos, 4);
    pos += 4;
    if (length > raw.size() - pos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "raw_output_contents[", index, "]: BYTES element ", strings.size(), " claims ", length,
          " bytes, but only ", raw.size() - pos, " remain"));
    }
    strings.emplace_back(raw.substr(pos, length));
    pos += length;
  }
  if (strings.size() != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw_output_contents[", index, "] holds ", strings.size(),
                     " BYTES elements, but the shape ", shape, " has ", count, " elements"));
  }
  return absl::OkStatus();
}

// One configured tensor of a ranker's response, located and decoded.
struct ListTensor {
  int output = 0;         // position among the response's outputs
  size_t item_dim = 0;    // the dimension that counts items (see the header)
  uint64_t per_item = 0;  // elements per item
  Elements elements{ElementType{}};
};

// The item dimension of `shape` for `items` items, with the elements per item (the product of
// the dimensions after it); see the header for the rule.
absl::Status FindItemDimension(absl::Span<const int64_t> shape, uint64_t items,
                               ListTensor* tensor) {
  std::optional<size_t> found;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (static_cast<uint64_t>(shape[d]) == items) found = d;
    if (shape[d] != 1) break;  // later dimensions are no longer preceded only by 1s
  }
  if (!found.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "shape ", payload::ShapeString(shape), " has no item dimension for ", items,
        " items: it needs a dimension equal to ", items,
        " preceded only by dimensions of size 1, e.g. [n], [1, n] or [n, d]"));
  }
  ASSIGN_OR_RETURN(tensor->per_item, payload::ElementCount(shape.subspan(*found + 1)));
  tensor->item_dim = *found;
  return absl::OkStatus();
}

absl::StatusOr<int> FindOutput(const ModelInferResponse& response, absl::string_view name) {
  for (int i = 0; i < response.outputs_size(); ++i) {
    if (response.outputs(i).name() == name) return i;
  }
  std::string available;
  for (int i = 0; i < response.outputs_size() && i < kMaxListedNames; ++i) {
    absl::StrAppend(&available, i == 0 ? "" : ", ", Quoted(response.outputs(i).name()));
  }
  if (response.outputs_size() > kMaxListedNames) {
    absl::StrAppend(&available, " and ", response.outputs_size() - kMaxListedNames, " more");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("the response has no output named ", Quoted(name),
                   response.outputs_size() == 0 ? "; it has no outputs"
                                                : absl::StrCat("; its outputs are ", available)));
}

// Locates and decodes output `name`, without the item-dimension rule (which needs the item count).
// `ids`: the tensor must hold item ids, so INT64 or BYTES.
absl::StatusOr<ListTensor> ReadTensor(const ModelInferResponse& response, absl::string_view name,
                                      bool ids, uint64_t* count) {
  ASSIGN_OR_RETURN(const int index, FindOutput(response, name));
  const Output& output = response.outputs(index);
  if (ids && output.datatype() != "INT64" && output.datatype() != "BYTES") {
    return absl::InvalidArgumentError(absl::StrCat("item ids must be INT64 or BYTES, not ",
                                                   Quoted(output.datatype())));
  }
  ASSIGN_OR_RETURN(const ElementType type, ParseElementType(output.datatype()));
  ASSIGN_OR_RETURN(*count, payload::ElementCount(output.shape()));
  const std::string shape = payload::ShapeString(output.shape());
  ListTensor tensor;
  tensor.output = index;
  tensor.elements = Elements(type);
  if (response.raw_output_contents_size() > 0) {
    if (payload::HasTypedValues(output.contents())) {
      return absl::InvalidArgumentError(
          "has typed contents although the response uses raw_output_contents; the protocol "
          "allows one or the other");
    }
    RETURN_IF_ERROR(
        ReadRaw(response.raw_output_contents(index), index, *count, shape, &tensor.elements));
  } else {
    RETURN_IF_ERROR(ReadTyped(output.contents(), *count, shape, &tensor.elements));
  }
  return tensor;
}

class OipList final : public DecodedList {
 public:
  OipList(const ListFormat* format, ModelInferResponse response, std::vector<ListTensor> tensors,
          std::vector<std::string> keys)
      : format_(format),
        response_(std::move(response)),
        tensors_(std::move(tensors)),
        keys_(std::move(keys)) {}

  const std::vector<std::string>& keys() const override { return keys_; }

  const ListFormat* format() const { return format_; }
  const ModelInferResponse& response() const { return response_; }
  bool raw() const { return response_.raw_output_contents_size() > 0; }
  // Slot 0 is the items tensor, slot 1 + i the i-th aligned tensor.
  const ListTensor& tensor(size_t slot) const { return tensors_[slot]; }

 private:
  const ListFormat* format_;  // the format that decoded it; Merge accepts only its own lists
  ModelInferResponse response_;
  std::vector<ListTensor> tensors_;
  std::vector<std::string> keys_;
};

class OipListFormat final : public ListFormat {
 public:
  explicit OipListFormat(OipListOptions options) {
    names_.push_back(std::move(options.items_tensor));
    for (std::string& name : options.aligned_tensors) names_.push_back(std::move(name));
  }

  absl::StatusOr<std::unique_ptr<DecodedList>> Decode(const absl::Cord& bytes) const override {
    ModelInferResponse response;
    RETURN_IF_ERROR(payload::ParseCord(bytes, &response));
    if (response.raw_output_contents_size() > 0 &&
        response.raw_output_contents_size() != response.outputs_size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "raw_output_contents has ", response.raw_output_contents_size(), " entries for ",
          response.outputs_size(),
          " outputs; raw entries pair with outputs by position, so there must be one each"));
    }

    std::vector<ListTensor> tensors;
    tensors.reserve(names_.size());
    uint64_t items = 0;
    {
      absl::StatusOr<ListTensor> tensor = ReadItems(response, &items);
      if (!tensor.ok()) return WithPrefix(tensor.status(), Label(0));
      tensors.push_back(*std::move(tensor));
    }
    for (size_t slot = 1; slot < names_.size(); ++slot) {
      absl::StatusOr<ListTensor> tensor = ReadAligned(response, names_[slot], items);
      if (!tensor.ok()) return WithPrefix(tensor.status(), Label(slot));
      tensors.push_back(*std::move(tensor));
    }

    const Elements& ids = tensors[0].elements;
    std::vector<std::string> keys;
    keys.reserve(items);
    for (uint64_t i = 0; i < items; ++i) {
      keys.push_back(ids.type().bytes ? ids.StringAt(i) : absl::StrCat(ids.Int64At(i)));
    }
    return std::make_unique<OipList>(this, std::move(response), std::move(tensors),
                                     std::move(keys));
  }

  absl::StatusOr<absl::Cord> Merge(absl::Span<const DecodedList* const> lists,
                                   absl::Span<const Pick> picks) const override {
    RETURN_IF_ERROR(CheckMergeInputs(lists, picks));
    std::vector<const OipList*> own(lists.size());
    std::vector<bool> contributes(lists.size(), false);
    for (size_t i = 0; i < lists.size(); ++i) {
      own[i] = dynamic_cast<const OipList*>(lists[i]);
      if (own[i] == nullptr || own[i]->format() != this) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the list of ranker ", i, " was not decoded by this Open Inference Protocol format"));
      }
    }
    for (const Pick& pick : picks) contributes[pick.team] = true;

    ModelInferResponse merged = own[0]->response();
    for (size_t slot = 0; slot < names_.size(); ++slot) {
      if (absl::Status status = MergeTensor(own, contributes, picks, slot, &merged);
          !status.ok()) {
        return WithPrefix(status, Label(slot));
      }
    }
    std::string out;
    if (!merged.SerializeToString(&out)) {
      return absl::InvalidArgumentError(
          "the merged ModelInferResponse cannot be serialized (larger than 2 GiB?)");
    }
    return absl::Cord(std::move(out));
  }

 private:
  std::string Label(size_t slot) const {
    return absl::StrCat(slot == 0 ? "items" : "aligned", " tensor ", Quoted(names_[slot]), ": ");
  }

  absl::StatusOr<ListTensor> ReadItems(const ModelInferResponse& response,
                                       uint64_t* items) const {
    ASSIGN_OR_RETURN(ListTensor tensor, ReadTensor(response, names_[0], /*ids=*/true, items));
    const auto& shape = response.outputs(tensor.output).shape();
    RETURN_IF_ERROR(FindItemDimension(shape, *items, &tensor));
    if (tensor.per_item != 1) {  // only possible for an empty tensor such as [0, 5]
      return absl::InvalidArgumentError(absl::StrCat(
          "shape ", payload::ShapeString(shape), " does not hold one id per item"));
    }
    return tensor;
  }

  absl::StatusOr<ListTensor> ReadAligned(const ModelInferResponse& response,
                                         absl::string_view name, uint64_t items) const {
    uint64_t count = 0;
    ASSIGN_OR_RETURN(ListTensor tensor, ReadTensor(response, name, /*ids=*/false, &count));
    RETURN_IF_ERROR(FindItemDimension(response.outputs(tensor.output).shape(), items, &tensor));
    return tensor;
  }

  absl::Status MergeTensor(const std::vector<const OipList*>& own,
                           const std::vector<bool>& contributes, absl::Span<const Pick> picks,
                           size_t slot, ModelInferResponse* merged) const {
    const ListTensor& base = own[0]->tensor(slot);
    const ElementType type = base.elements.type();
    for (size_t i = 1; i < own.size(); ++i) {
      if (!contributes[i]) continue;
      const ListTensor& other = own[i]->tensor(slot);
      if (other.elements.type() != type) {
        return absl::InvalidArgumentError(absl::StrCat(
            "ranker ", i, " sends ", TypeName(other.elements.type()), " but ranker 0 sends ",
            TypeName(type), "; the merged tensor needs one datatype"));
      }
      if (other.per_item != base.per_item) {
        return absl::InvalidArgumentError(absl::StrCat(
            "ranker ", i, " sends ", other.per_item, " elements per item but ranker 0 sends ",
            base.per_item, "; the merged tensor needs one item shape"));
      }
    }

    Elements elements(type);
    for (const Pick& pick : picks) {
      const ListTensor& from = own[pick.team]->tensor(slot);
      elements.AppendRange(from.elements, static_cast<uint64_t>(pick.rank) * from.per_item,
                           from.per_item);
    }
    Output* output = merged->mutable_outputs(base.output);
    output->set_shape(static_cast<int>(base.item_dim), static_cast<int64_t>(picks.size()));
    if (own[0]->raw()) {
      *merged->mutable_raw_output_contents(base.output) = elements.ToRaw();
      return absl::OkStatus();
    }
    output->clear_contents();
    return elements.AppendTyped(output->mutable_contents());
  }

  std::vector<std::string> names_;  // slot 0: the items tensor; then the aligned tensors
};

}  // namespace

absl::StatusOr<std::unique_ptr<ListFormat>> MakeOipListFormat(OipListOptions options) {
  if (options.items_tensor.empty()) {
    return absl::InvalidArgumentError("the items tensor name is empty");
  }
  // Views of the option strings themselves (a braced initializer would view a temporary copy).
  absl::flat_hash_set<absl::string_view> seen;
  seen.insert(options.items_tensor);
  for (const std::string& name : options.aligned_tensors) {
    if (name.empty()) return absl::InvalidArgumentError("an aligned tensor name is empty");
    if (name == options.items_tensor) {
      return absl::InvalidArgumentError(
          absl::StrCat("tensor ", Quoted(name), " is the items tensor and cannot also be aligned"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("aligned tensor ", Quoted(name), " is listed twice"));
    }
  }
  return std::make_unique<OipListFormat>(std::move(options));
}

}  // namespace modelgate::interleave
