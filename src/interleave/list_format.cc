// The input checks shared by every ListFormat::Merge: picks come from TeamDraft over the same
// lists, so a failure here is a caller bug, reported rather than trusted into an out-of-range
// read.
#include "interleave/list_format.h"

#include "absl/strings/str_cat.h"

namespace modelgate::interleave {

absl::Status CheckMergeInputs(absl::Span<const DecodedList* const> lists,
                              absl::Span<const Pick> picks) {
  if (lists.empty()) {
    return absl::InvalidArgumentError("merge needs at least one ranker's list, got none");
  }
  for (size_t i = 0; i < lists.size(); ++i) {
    if (lists[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("the list of ranker ", i, " is null"));
    }
  }
  for (size_t p = 0; p < picks.size(); ++p) {
    const Pick& pick = picks[p];
    if (pick.team < 0 || static_cast<size_t>(pick.team) >= lists.size()) {
      return absl::InvalidArgumentError(absl::StrCat("pick ", p, " names ranker ", pick.team,
                                                     ", but there are ", lists.size(),
                                                     " rankers"));
    }
    const size_t size = lists[pick.team]->keys().size();
    if (pick.rank < 0 || static_cast<size_t>(pick.rank) >= size) {
      return absl::InvalidArgumentError(absl::StrCat("pick ", p, " takes rank ", pick.rank,
                                                     " of ranker ", pick.team,
                                                     ", whose list has ", size, " items"));
    }
  }
  return absl::OkStatus();
}

}  // namespace modelgate::interleave
