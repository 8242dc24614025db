// Integer decoding: raw elements are assembled byte by byte (wire strings have no alignment and
// the host order does not matter), then sign-extended from their width for the signed types.
#include "shadow/integer_contents.h"

#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "shadow/typed_field.h"

namespace modelgate::shadow {
namespace {

using payload::DataType;

uint64_t LoadLittleEndian(const char* p, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return value;
}

int64_t SignExtend(uint64_t bits, size_t width) {
  if (width == 8) return static_cast<int64_t>(bits);
  const uint64_t sign = uint64_t{1} << (8 * width - 1);
  return static_cast<int64_t>((bits ^ sign) - sign);
}

absl::Status WrongDomain(DataType type, absl::string_view wanted) {
  return absl::InvalidArgumentError(
      absl::StrCat(payload::DataTypeName(type), " is not ", wanted, " integer datatype"));
}

absl::Status CheckRawSize(DataType type, absl::string_view bytes, uint64_t count) {
  const size_t width = payload::RawElementSize(type);
  // By division, so a huge `count` from a hostile shape cannot overflow.
  if (bytes.size() % width != 0 || bytes.size() / width != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw contents hold ", bytes.size(), " bytes, not ", count, " ",
                     payload::DataTypeName(type), " elements of ", width, " bytes"));
  }
  return absl::OkStatus();
}

// Checks the field rule, then widens the field's values (int32/uint32/int64/uint64) into `out`.
template <typename T, typename Out>
absl::Status CheckAndAppend(DataType type, const inference::InferTensorContents& contents,
                            absl::string_view field,
                            const google::protobuf::RepeatedField<T>& values, uint64_t count,
                            std::vector<Out>* out) {
  static_assert(std::is_signed_v<T> == std::is_signed_v<Out>, "no sign change when widening");
  RETURN_IF_ERROR(CheckTypedField(contents, field, count, payload::DataTypeName(type)));
  out->insert(out->end(), values.begin(), values.end());
  return absl::OkStatus();
}

}  // namespace

bool IsSignedInteger(DataType type) {
  return type == DataType::kInt8 || type == DataType::kInt16 || type == DataType::kInt32 ||
         type == DataType::kInt64;
}

bool IsUnsignedInteger(DataType type) {
  return type == DataType::kUint8 || type == DataType::kUint16 || type == DataType::kUint32 ||
         type == DataType::kUint64 || type == DataType::kBool;
}

absl::Status DecodeRawIntegers(DataType type, absl::string_view bytes, uint64_t count,
                               std::vector<int64_t>* out) {
  if (!IsSignedInteger(type)) return WrongDomain(type, "a signed");
  if (absl::Status s = CheckRawSize(type, bytes, count); !s.ok()) return s;
  const size_t width = payload::RawElementSize(type);
  out->reserve(out->size() + count);
  for (size_t offset = 0; offset < bytes.size(); offset += width) {
    out->push_back(SignExtend(LoadLittleEndian(bytes.data() + offset, width), width));
  }
  return absl::OkStatus();
}

absl::Status DecodeRawIntegers(DataType type, absl::string_view bytes, uint64_t count,
                               std::vector<uint64_t>* out) {
  if (!IsUnsignedInteger(type)) return WrongDomain(type, "an unsigned");
  if (absl::Status s = CheckRawSize(type, bytes, count); !s.ok()) return s;
  const size_t width = payload::RawElementSize(type);
  if (type == DataType::kBool) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (static_cast<unsigned char>(bytes[i]) > 1) {
        return absl::InvalidArgumentError(absl::StrCat("BOOL raw contents byte ", i, " is ",
                                                       static_cast<unsigned char>(bytes[i]) + 0,
                                                       "; the protocol allows only 0 and 1"));
      }
    }
  }
  out->reserve(out->size() + count);
  for (size_t offset = 0; offset < bytes.size(); offset += width) {
    out->push_back(LoadLittleEndian(bytes.data() + offset, width));
  }
  return absl::OkStatus();
}

absl::Status DecodeTypedIntegers(DataType type, const inference::InferTensorContents& contents,
                                 uint64_t count, std::vector<int64_t>* out) {
  switch (type) {
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return CheckAndAppend(type, contents, "int_contents", contents.int_contents(), count, out);
    case DataType::kInt64:
      return CheckAndAppend(type, contents, "int64_contents", contents.int64_contents(), count,
                            out);
    default:
      return WrongDomain(type, "a signed");
  }
}

absl::Status DecodeTypedIntegers(DataType type, const inference::InferTensorContents& contents,
                                 uint64_t count, std::vector<uint64_t>* out) {
  switch (type) {
    case DataType::kBool: {
      RETURN_IF_ERROR(CheckTypedField(contents, "bool_contents", count, "BOOL"));
      for (bool b : contents.bool_contents()) out->push_back(b ? 1 : 0);
      return absl::OkStatus();
    }
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32:
      return CheckAndAppend(type, contents, "uint_contents", contents.uint_contents(), count, out);
    case DataType::kUint64:
      return CheckAndAppend(type, contents, "uint64_contents", contents.uint64_contents(), count,
                            out);
    default:
      return WrongDomain(type, "an unsigned");
  }
}

}  // namespace modelgate::shadow
