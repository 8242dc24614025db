// IndexPolicy: which forwarded header fields may enter the next hop's HPACK dynamic table.
//
// A field whose value changes from call to call (a user id, a request id, a trace id) gains
// nothing from indexing: it is inserted on every call, evicts the entries that would have been
// reused, and — the real cost — nghttp2's deflater looks each later field of that name up
// among all of its stale copies (its table is bucketed by name, and values are compared one by
// one). With a 4 KiB upstream table full of x-user values that search was ~150 memcmp calls and
// about 8,000 instructions per proxied call, a sixth of all of them (callgrind). gRPC's own
// encoder avoids the same trap with a popularity filter; this is the per-name version: for
// every header name it watches how often the value differs from the previous one and sends the
// changing names as never-indexed literals (which also spares the next hop the insertion).
//
// Thread-compatible: one per event loop and direction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace modelgate::h2 {

class IndexPolicy {
 public:
  // Header names tracked; fields of further names are never indexed (a client inventing names
  // cannot grow this map, nor fill the next hop's table).
  static constexpr size_t kMaxNames = 128;

  // nghttp2 flags for forwarding `name: value` (NGHTTP2_NV_FLAG_NO_INDEX or none), learning
  // from it: a name is "changing" when more than a quarter of its recent sightings carried a
  // value other than the one before. A name seen for the first time is indexed.
  uint8_t Flags(std::string_view name, std::string_view value);

 private:
  struct NameStats {
    size_t last_value = 0;  // hash
    uint32_t seen = 0;      // sightings, halved with `changes` when it reaches kWindow
    uint32_t changes = 0;   // sightings whose value differed from the one before
  };
  static constexpr uint32_t kWindow = 64;

  absl::flat_hash_map<std::string, NameStats> names_;
};

}  // namespace modelgate::h2
