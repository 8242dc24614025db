// Datatype names and raw element sizes of the Open Inference Protocol.
#include "payload/datatype.h"

#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace modelgate::payload {
namespace {

struct DataTypeInfo {
  DataType type;
  absl::string_view name;
  size_t raw_size;
};

constexpr DataTypeInfo kDataTypes[] = {
    {DataType::kBool, "BOOL", 1},     {DataType::kUint8, "UINT8", 1},
    {DataType::kUint16, "UINT16", 2}, {DataType::kUint32, "UINT32", 4},
    {DataType::kUint64, "UINT64", 8}, {DataType::kInt8, "INT8", 1},
    {DataType::kInt16, "INT16", 2},   {DataType::kInt32, "INT32", 4},
    {DataType::kInt64, "INT64", 8},   {DataType::kFp16, "FP16", 2},
    {DataType::kBf16, "BF16", 2},     {DataType::kFp32, "FP32", 4},
    {DataType::kFp64, "FP64", 8},
};

constexpr bool TableFollowsEnumOrder() {
  for (size_t i = 0; i < std::size(kDataTypes); ++i) {
    if (static_cast<size_t>(kDataTypes[i].type) != i) return false;
  }
  return true;
}
static_assert(TableFollowsEnumOrder(), "kDataTypes must list the enum in declaration order");

const DataTypeInfo& Info(DataType type) {
  // The table is ordered like the enum, so the enum value is the index.
  return kDataTypes[static_cast<size_t>(type)];
}

}  // namespace

absl::StatusOr<DataType> ParseDataType(absl::string_view name) {
  for (const DataTypeInfo& info : kDataTypes) {
    if (info.name == name) return info.type;
  }
  if (name == "BYTES") {
    return absl::InvalidArgumentError(
        "datatype BYTES is not numeric; only BOOL, UINT8..UINT64, INT8..INT64, FP16, BF16, FP32 "
        "and FP64 tensors can be monitored");
  }
  // CEscape: the name comes from the wire and may hold anything.
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown datatype \"", absl::CEscape(name),
      "\"; expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, "
      "BF16, FP32, FP64"));
}

size_t RawElementSize(DataType type) { return Info(type).raw_size; }

absl::string_view DataTypeName(DataType type) { return Info(type).name; }

}  // namespace modelgate::payload
