// The ListFormat of the Open Inference Protocol (KServe V2, inference.ModelInferResponse): a
// ranker answers with an output tensor of item ids (INT64 or BYTES), best first, and optionally
// "aligned" output tensors that carry per-item values (scores, embeddings) which must travel with
// their items when the lists are merged.
//
// Decode reads every configured tensor whichever way the server encoded it: typed `contents`
// (int64_contents, bytes_contents, ...) or `raw_output_contents`, which pairs one entry with each
// output by position (little-endian, row-major; BYTES elements as a 4-byte little-endian length
// and the bytes). The element count must match the product of the shape.
//
// The item dimension of a tensor holding n items is the LAST dimension that equals n and is
// preceded only by dimensions of size 1; item j owns the row-major elements [j*k, (j+1)*k),
// where k is the product of the dimensions after it. So [n] and [1, n] hold one element per item,
// [n, d] holds d, and [1, 1] (one item) counts items in its last dimension. The items tensor must
// have one element per item; an aligned tensor may have any k, and any datatype. A tensor without
// an item dimension (a scalar, [2, 3] ids, a flattened [n*d] tensor) is an INVALID_ARGUMENT.
//
// Merge builds ranker 0's response (model name and version, id, parameters and every other
// output, unchanged) with the configured tensors replaced: the items tensor holds the picked ids
// in pick order, each aligned tensor the picked items' elements taken from the ranker that picked
// them, and their item dimension set to the merged length (the rest of ranker 0's shape kept).
// They are written in ranker 0's encoding form (typed or raw, positions kept) whatever form the
// other rankers used. Every ranker that contributes a pick must send each configured tensor with
// ranker 0's datatype and the same number of elements per item; otherwise INVALID_ARGUMENT.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "interleave/list_format.h"

namespace modelgate::interleave {

struct OipListOptions {
  std::string items_tensor;                  // output holding the item ids, INT64 or BYTES
  std::vector<std::string> aligned_tensors;  // outputs with per-item values; may be empty
};

// INVALID_ARGUMENT for an empty tensor name, the items tensor also listed as aligned, or an
// aligned tensor listed twice. Item keys are the decimal string of an INT64 id ("-42") and the
// bytes of a BYTES id. When a response names an output twice, the first one counts.
absl::StatusOr<std::unique_ptr<ListFormat>> MakeOipListFormat(OipListOptions options);

}  // namespace modelgate::interleave
