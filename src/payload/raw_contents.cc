// Little-endian decoding of raw tensor bytes, byte by byte: the input is an arbitrary wire string
// with no alignment guarantee, so elements are copied out rather than reinterpreted in place.
#include "payload/raw_contents.h"

#include <bit>
#include <cstring>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "payload/half_float.h"

namespace modelgate::payload {
namespace {

// The unsigned integer of `sizeof(U)` little-endian bytes at `p`.
template <typename U>
U LoadLittleEndian(const char* p) {
  U value;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&value, p, sizeof(U));
  } else {
    value = 0;
    for (size_t i = 0; i < sizeof(U); ++i) {
      value |= static_cast<U>(static_cast<unsigned char>(p[i])) << (8 * i);
    }
  }
  return value;
}

// Appends every element of `bytes`, decoded from its little-endian bits `U` by `convert`.
template <typename U, typename Convert>
void AppendAll(absl::string_view bytes, std::vector<double>* out, Convert convert) {
  for (size_t offset = 0; offset < bytes.size(); offset += sizeof(U)) {
    out->push_back(convert(LoadLittleEndian<U>(bytes.data() + offset)));
  }
}

// Signed and floating types: reinterpret the unsigned bits of the same width.
template <typename T>
void AppendAs(absl::string_view bytes, std::vector<double>* out) {
  using Bits = std::conditional_t<
      sizeof(T) == 1, uint8_t,
      std::conditional_t<sizeof(T) == 2, uint16_t,
                         std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  AppendAll<Bits>(bytes, out,
                  [](Bits bits) { return static_cast<double>(std::bit_cast<T>(bits)); });
}

absl::Status CheckBoolBytes(absl::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte > 1) {
      return absl::InvalidArgumentError(absl::StrCat("BOOL raw contents byte ", i, " is ",
                                                     static_cast<int>(byte),
                                                     "; the protocol allows only 0 and 1"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeRawContents(DataType type, absl::string_view bytes, uint64_t count,
                               std::vector<double>* out) {
  const size_t element_size = RawElementSize(type);
  // Compared by division so that a huge `count` from a hostile shape cannot overflow.
  if (bytes.size() % element_size != 0 || bytes.size() / element_size != count) {
    return absl::InvalidArgumentError(absl::StrCat(
        "raw contents hold ", bytes.size(), " bytes, but ", count, " ", DataTypeName(type),
        " elements of ", element_size, " bytes each need ",
        count <= bytes.size() ? absl::StrCat(count * element_size) : "more", " bytes"));
  }
  if (type == DataType::kBool) {
    if (absl::Status status = CheckBoolBytes(bytes); !status.ok()) return status;
  }
  out->reserve(out->size() + count);
  switch (type) {
    case DataType::kBool:
    case DataType::kUint8:
      AppendAs<uint8_t>(bytes, out);
      break;
    case DataType::kUint16:
      AppendAs<uint16_t>(bytes, out);
      break;
    case DataType::kUint32:
      AppendAs<uint32_t>(bytes, out);
      break;
    case DataType::kUint64:
      AppendAs<uint64_t>(bytes, out);
      break;
    case DataType::kInt8:
      AppendAs<int8_t>(bytes, out);
      break;
    case DataType::kInt16:
      AppendAs<int16_t>(bytes, out);
      break;
    case DataType::kInt32:
      AppendAs<int32_t>(bytes, out);
      break;
    case DataType::kInt64:
      AppendAs<int64_t>(bytes, out);
      break;
    case DataType::kFp16:
      AppendAll<uint16_t>(bytes, out, HalfToDouble);
      break;
    case DataType::kBf16:
      AppendAll<uint16_t>(bytes, out, Bfloat16ToDouble);
      break;
    case DataType::kFp32:
      AppendAs<float>(bytes, out);
      break;
    case DataType::kFp64:
      AppendAs<double>(bytes, out);
      break;
  }
  return absl::OkStatus();
}

}  // namespace modelgate::payload
