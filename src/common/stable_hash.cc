// XXH3-64 over "salt:scope:key". Streaming state avoids building the concatenated string.
#include "common/stable_hash.h"

#include <string>

#include "absl/strings/str_cat.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace modelgate {

uint64_t StableHash64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

uint64_t StableKeyHash(std::string_view salt, std::string_view scope, std::string_view key) {
  // Keys are short (user ids); a stack buffer keeps this allocation-free on the hot path.
  char buf[256];
  const size_t n = salt.size() + scope.size() + key.size() + 2;
  if (n <= sizeof(buf)) {
    char* p = buf;
    p = std::copy(salt.begin(), salt.end(), p);
    *p++ = ':';
    p = std::copy(scope.begin(), scope.end(), p);
    *p++ = ':';
    std::copy(key.begin(), key.end(), p);
    return XXH3_64bits(buf, n);
  }
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, salt.data(), salt.size());
  XXH3_64bits_update(&state, ":", 1);
  XXH3_64bits_update(&state, scope.data(), scope.size());
  XXH3_64bits_update(&state, ":", 1);
  XXH3_64bits_update(&state, key.data(), key.size());
  return XXH3_64bits_digest(&state);
}

uint64_t WeightEpoch(const std::vector<int64_t>& weights) {
  std::string text;
  for (int64_t w : weights) absl::StrAppend(&text, w, ",");
  return StableHash64(text);
}

}  // namespace modelgate
