// Team-Draft Interleaving / Multileaving: one cursor per list, a lazily drawn random order of the
// teams per round, and a hash set of the keys already on the page.
#include "interleave/team_draft.h"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace modelgate::interleave {

std::vector<Pick> TeamDraft(absl::Span<const std::vector<std::string>> lists, int page_size,
                            SplitMix64& rng) {
  std::vector<Pick> page;
  const size_t teams = lists.size();
  if (teams == 0 || page_size <= 0) return page;

  size_t total = 0;
  for (const std::vector<std::string>& list : lists) total += list.size();
  const size_t limit = std::min(static_cast<size_t>(page_size), total);
  page.reserve(limit);

  absl::flat_hash_set<absl::string_view> shown;
  shown.reserve(limit);
  // next[t]: the rank of the first item of lists[t] that may still be unshown. Only ever moves
  // forward, which is what keeps the whole merge linear in the number of items.
  std::vector<size_t> next(teams, 0);
  // Picking "the team with the fewest picks, ties at random" is a random order of all teams per
  // round: every team picks once per round, so at any moment the teams tied for fewest picks are
  // exactly those that have not picked yet in this round. The order is drawn one Fisher-Yates
  // step per pick, so a page that stops mid-round draws no more randomness than it uses.
  std::vector<int> order(teams);
  for (size_t t = 0; t < teams; ++t) order[t] = static_cast<int>(t);
  size_t picked_this_round = 0;

  while (page.size() < limit) {
    // Stopping rule: every team must still have an unshown item. Advancing the cursors here also
    // skips the items another team has just put on the page.
    for (size_t t = 0; t < teams; ++t) {
      const std::vector<std::string>& list = lists[t];
      while (next[t] < list.size() && shown.contains(list[next[t]])) ++next[t];
      if (next[t] == list.size()) return page;
    }
    if (picked_this_round == teams) picked_this_round = 0;
    const size_t undrawn = teams - picked_this_round;
    if (undrawn > 1) {
      std::swap(order[picked_this_round], order[picked_this_round + rng.Below(undrawn)]);
    }
    const int team = order[picked_this_round++];
    const size_t rank = next[team]++;
    shown.insert(lists[team][rank]);
    page.push_back(Pick{team, static_cast<int>(rank)});
  }
  return page;
}

}  // namespace modelgate::interleave
