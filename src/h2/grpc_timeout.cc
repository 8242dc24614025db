// grpc-timeout parsing and formatting; see grpc_timeout.h.
#include "h2/grpc_timeout.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace modelgate::h2 {

std::optional<absl::Duration> ParseGrpcTimeout(std::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < value.size(); ++i) {
    const char c = value[i];
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  switch (value.back()) {
    case 'H': return absl::Hours(n);
    case 'M': return absl::Minutes(n);
    case 'S': return absl::Seconds(n);
    case 'm': return absl::Milliseconds(n);
    case 'u': return absl::Microseconds(n);
    case 'n': return absl::Nanoseconds(n);
    default: return std::nullopt;
  }
}

std::string FormatGrpcTimeout(absl::Duration d) {
  constexpr int64_t kMax = 99'999'999;  // 8 digits
  if (d <= absl::ZeroDuration()) return "1n";
  struct Unit {
    absl::Duration size;
    char name;
  };
  static constexpr Unit kUnits[] = {{absl::Nanoseconds(1), 'n'},  {absl::Microseconds(1), 'u'},
                                    {absl::Milliseconds(1), 'm'}, {absl::Seconds(1), 'S'},
                                    {absl::Minutes(1), 'M'},      {absl::Hours(1), 'H'}};
  for (const Unit& u : kUnits) {
    absl::Duration rem;
    int64_t n = absl::IDivDuration(d, u.size, &rem);
    // Too many of this unit: the next one up. (Also keeps ++n from overflowing: a client's
    // grpc-timeout of 99999999H is INT64_MAX nanoseconds and more; found by fuzzing.)
    if (n > kMax) continue;
    if (rem > absl::ZeroDuration()) ++n;
    if (n <= kMax) return absl::StrCat(n, absl::string_view(&u.name, 1));
  }
  return "99999999H";
}

}  // namespace modelgate::h2
