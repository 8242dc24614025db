// Per-name change tracking for HPACK indexing; see index_policy.h.
#include "h2/index_policy.h"

#include <nghttp2/nghttp2.h>

#include <functional>

#include "h2/header_list.h"

namespace modelgate::h2 {

uint8_t IndexPolicy::Flags(std::string_view name, std::string_view value) {
  auto it = names_.find(AV(name));
  if (it == names_.end()) {
    if (names_.size() >= kMaxNames) return NGHTTP2_NV_FLAG_NO_INDEX;
    it = names_.emplace(std::string(name), NameStats{}).first;
  }
  NameStats& s = it->second;
  const size_t hash = std::hash<std::string_view>()(value);
  if (s.seen > 0 && hash != s.last_value) ++s.changes;
  s.last_value = hash;
  if (++s.seen >= kWindow) {  // decay: recent behaviour counts, a name may settle down again
    s.seen /= 2;
    s.changes /= 2;
  }
  return s.changes * 4 > s.seen ? NGHTTP2_NV_FLAG_NO_INDEX : NGHTTP2_NV_FLAG_NONE;
}

}  // namespace modelgate::h2
