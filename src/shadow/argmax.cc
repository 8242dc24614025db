// Argmax per row over the flat row-major values of each domain.
#include "shadow/argmax.h"

#include <cmath>
#include <type_traits>
#include <vector>

namespace modelgate::shadow {
namespace {

template <typename T>
uint64_t RowArgmax(const T* row, uint64_t columns) {
  uint64_t best = 0;
  bool found = false;
  for (uint64_t i = 0; i < columns; ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(row[i])) continue;
    }
    if (!found || row[i] > row[best]) {
      best = i;
      found = true;
    }
  }
  return best;
}

template <typename T>
ArgmaxAgreement CompareRows(const std::vector<T>& primary, const std::vector<T>& shadow,
                            uint64_t columns) {
  ArgmaxAgreement result;
  for (uint64_t start = 0; start + columns <= primary.size(); start += columns) {
    ++result.rows;
    if (RowArgmax(primary.data() + start, columns) == RowArgmax(shadow.data() + start, columns)) {
      ++result.agreeing;
    }
  }
  return result;
}

}  // namespace

std::optional<int64_t> ArgmaxRows(uint64_t count, absl::Span<const int64_t> shape) {
  if (shape.empty() || shape.back() <= 0) return std::nullopt;
  return static_cast<int64_t>(count / static_cast<uint64_t>(shape.back()));
}

std::optional<ArgmaxAgreement> CompareArgmax(const TensorData& primary, const TensorData& shadow,
                                             absl::Span<const int64_t> shape) {
  if (primary.domain != shadow.domain || primary.count != shadow.count ||
      !ArgmaxRows(primary.count, shape).has_value()) {
    return std::nullopt;
  }
  const auto columns = static_cast<uint64_t>(shape.back());
  switch (primary.domain) {
    case TensorData::Domain::kFloat:
      return CompareRows(primary.floats, shadow.floats, columns);
    case TensorData::Domain::kSigned:
      return CompareRows(primary.signeds, shadow.signeds, columns);
    case TensorData::Domain::kUnsigned:
      return CompareRows(primary.unsigneds, shadow.unsigneds, columns);
    case TensorData::Domain::kBytes:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace modelgate::shadow
