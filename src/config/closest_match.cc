// Edit distance and nearest-candidate lookup for config error messages.
#include "config/closest_match.h"

#include <algorithm>
#include <vector>

namespace modelgate::config {

int EditDistance(absl::string_view a, absl::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rows suffice: the swap rule looks two rows back.
  std::vector<int> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<absl::string_view> ClosestMatch(absl::string_view word,
                                              absl::Span<const absl::string_view> candidates,
                                              int max_distance) {
  std::optional<absl::string_view> best;
  int best_distance = max_distance + 1;
  for (absl::string_view candidate : candidates) {
    const int d = EditDistance(word, candidate);
    if (d < best_distance && d < static_cast<int>(candidate.size())) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace modelgate::config
