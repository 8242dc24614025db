// Typed tensor contents to doubles, with the field-per-datatype rule checked.
#include "payload/typed_contents.h"

#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace modelgate::payload {
namespace {

enum class Field {
  kBool,
  kInt,
  kInt64,
  kUint,
  kUint64,
  kFp32,
  kFp64,
  kBytes,
};

struct FieldSize {
  Field field;
  absl::string_view name;
  int size;
};

std::array<FieldSize, 8> FieldSizes(const inference::InferTensorContents& c) {
  return {{
      {Field::kBool, "bool_contents", c.bool_contents_size()},
      {Field::kInt, "int_contents", c.int_contents_size()},
      {Field::kInt64, "int64_contents", c.int64_contents_size()},
      {Field::kUint, "uint_contents", c.uint_contents_size()},
      {Field::kUint64, "uint64_contents", c.uint64_contents_size()},
      {Field::kFp32, "fp32_contents", c.fp32_contents_size()},
      {Field::kFp64, "fp64_contents", c.fp64_contents_size()},
      {Field::kBytes, "bytes_contents", c.bytes_contents_size()},
  }};
}

// The field that carries `type`, or false for the raw-only half-precision types.
bool FieldFor(DataType type, Field* field) {
  switch (type) {
    case DataType::kBool:
      *field = Field::kBool;
      return true;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      *field = Field::kInt;
      return true;
    case DataType::kInt64:
      *field = Field::kInt64;
      return true;
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
      *field = Field::kUint;
      return true;
    case DataType::kUint64:
      *field = Field::kUint64;
      return true;
    case DataType::kFp32:
      *field = Field::kFp32;
      return true;
    case DataType::kFp64:
      *field = Field::kFp64;
      return true;
    case DataType::kFp16:
    case DataType::kBf16:
      return false;
  }
  return false;
}

template <typename T>
void AppendAll(const google::protobuf::RepeatedField<T>& values, std::vector<double>* out) {
  for (const T& v : values) out->push_back(static_cast<double>(v));
}

}  // namespace

absl::Status DecodeTypedContents(DataType type, const inference::InferTensorContents& contents,
                                 uint64_t count, std::vector<double>* out) {
  Field expected;
  if (!FieldFor(type, &expected)) {
    return absl::InvalidArgumentError(
        absl::StrCat(DataTypeName(type),
                     " values must be sent as raw contents (the protocol has no typed field for "
                     "them), but the message has no raw contents"));
  }
  const std::array<FieldSize, 8> fields = FieldSizes(contents);
  absl::string_view expected_name;
  uint64_t size = 0;
  for (const FieldSize& f : fields) {
    if (f.field == expected) {
      expected_name = f.name;
      size = static_cast<uint64_t>(f.size);
    }
  }
  for (const FieldSize& f : fields) {
    if (f.field != expected && f.size > 0) {
      return absl::InvalidArgumentError(absl::StrCat(DataTypeName(type), " values belong in ",
                                                     expected_name, ", but ", f.name, " holds ",
                                                     f.size, " values"));
    }
  }
  if (size != count) {
    return absl::InvalidArgumentError(absl::StrCat(
        expected_name, " holds ", size, " values, but the shape has ", count, " elements"));
  }
  out->reserve(out->size() + count);
  switch (expected) {
    case Field::kBool:
      AppendAll(contents.bool_contents(), out);
      break;
    case Field::kInt:
      AppendAll(contents.int_contents(), out);
      break;
    case Field::kInt64:
      AppendAll(contents.int64_contents(), out);
      break;
    case Field::kUint:
      AppendAll(contents.uint_contents(), out);
      break;
    case Field::kUint64:
      AppendAll(contents.uint64_contents(), out);
      break;
    case Field::kFp32:
      AppendAll(contents.fp32_contents(), out);
      break;
    case Field::kFp64:
      AppendAll(contents.fp64_contents(), out);
      break;
    case Field::kBytes:
      break;  // Never expected: BYTES is rejected before decoding.
  }
  return absl::OkStatus();
}

bool HasTypedValues(const inference::InferTensorContents& contents) {
  for (const FieldSize& f : FieldSizes(contents)) {
    if (f.size > 0) return true;
  }
  return false;
}

}  // namespace modelgate::payload
