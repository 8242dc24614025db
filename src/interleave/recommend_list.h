// The ListFormat of the project's sample recommender API (modelgate.recommend.v1): a
// RecommendResponse's items, keyed by Item.id.
#pragma once

#include <memory>

#include "interleave/list_format.h"

namespace modelgate::interleave {

// Decode: the ids of RecommendResponse.items, best first (an empty items list is a valid, empty
// list). Merge: ranker 0's response (its `model` and any fields this build does not know) with
// `items` replaced by the picked Items in pick order, each copied whole (id, score and any other
// field) from the ranker that picked it.
std::unique_ptr<ListFormat> MakeRecommendListFormat();

}  // namespace modelgate::interleave
