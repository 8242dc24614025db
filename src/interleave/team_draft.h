// Team-Draft Interleaving (Radlinski, Kurup, Joachims, CIKM 2008) and its multileaving
// generalisation (Schuth et al., CIKM 2014): merges the ranked lists of two or more rankers into
// one page in which every item belongs to exactly one ranker (its "team"), so that a click can be
// credited by team membership. Pure and thread-compatible; the randomness comes from the caller,
// who seeds it per request.
#pragma once

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "common/random.h"

namespace modelgate::interleave {

// One slot of a merged page.
struct Pick {
  int team;  // index of the ranker (its list) that owns the item
  int rank;  // position of the item in lists[team] (0 = best)

  friend bool operator==(const Pick& a, const Pick& b) {
    return a.team == b.team && a.rank == b.rank;
  }
  friend bool operator!=(const Pick& a, const Pick& b) { return !(a == b); }
};

// Merges `lists` (each best first, items identified by their key, compared as exact bytes) into
// at most `page_size` picks, in page order. The result must be shown exactly in this order:
// credit relies on it.
//
// The rule, the same for two or more lists: while the page has fewer than `page_size` items and
// EVERY list still holds an item not yet on the page, the team with the fewest picks so far picks
// next, ties broken uniformly at random with `rng` (which amounts to a fresh random order of the
// teams in every round; never one coin per page, which would bias the first pick). The picking
// team appends its highest-ranked item whose key is not yet on the page, so an item that several
// lists hold appears once, owned by the team that picked it first; a key repeated within one list
// is likewise shown once.
//
// Consequences worth knowing: an empty `lists`, a `page_size` <= 0, or an empty list among
// `lists` gives an empty page (a ranker that offers nothing cannot be compared, and the caller
// decides what to show instead); the page stops as soon as one list runs out of unshown items, so
// it can be shorter than `page_size` even when other lists have more. With one list the page is
// that list's first `page_size` distinct keys.
//
// Cost: O(total items + picks × lists.size()), with a hash set of the shown keys. The keys are
// referenced, not copied, during the call.
std::vector<Pick> TeamDraft(absl::Span<const std::vector<std::string>> lists, int page_size,
                            SplitMix64& rng);

}  // namespace modelgate::interleave
