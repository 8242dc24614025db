// The routing strategy interface: given a request, which arm serves it. Strategies are pure and
// deterministic given the request key and the random source they are handed, so they are
// unit-tested without sockets. A strategy never calls monitors and never changes itself; the
// controller swaps whole route tables instead.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/random.h"
#include "routing/request.h"

namespace modelgate::routing {

struct Decision {
  int arm = 0;            // index into the route's arms
  bool keyed = false;     // assigned by a sticky key (not at random)
  uint64_t key_hash = 0;  // StableKeyHash of the key when keyed: identifies the user
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual Decision Decide(const RequestInfo& request, SplitMix64& rng) const = 0;
  virtual std::string_view kind() const = 0;
};

}  // namespace modelgate::routing
