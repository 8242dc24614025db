// Element text via std::to_chars, whose shortest round-trip form is exactly what a person
// comparing two nearly equal values needs.
#include "shadow/value_text.h"

#include <charconv>
#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace modelgate::shadow {
namespace {

constexpr size_t kMaxShownBytes = 64;

template <typename T>
std::string Shortest(T value) {
  char buffer[64];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string FloatText(double value, bool single_precision) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return single_precision ? Shortest(static_cast<float>(value)) : Shortest(value);
}

std::string BytesText(absl::string_view bytes) {
  if (bytes.size() <= kMaxShownBytes) return absl::StrCat("\"", absl::CEscape(bytes), "\"");
  return absl::StrCat("\"", absl::CEscape(bytes.substr(0, kMaxShownBytes)), "\"... (", bytes.size(),
                      " bytes)");
}

}  // namespace modelgate::shadow
