// What a strategy decides for one call: which of the route's arms serve it, and how. The proxy
// executes the plan; the strategy never sees a socket.
//   - primary: the arm whose answer the client gets (single-leg plans: the only arm);
//   - fallbacks: arms tried in order, within the call's remaining deadline, when the previous
//     attempt ends with one of `fallback_codes` (a canary's candidate failing over to legacy);
//   - shadows: arms sent a copy of the request, fire-and-forget; their answers never reach the
//     client and they never delay, fail or cancel it;
//   - merge: arms called in parallel and joined; the route's Merger builds the one answer from
//     their responses (interleaving). When merge is non-empty, primary is not called on its own.
// Plans with more than one leg need whole messages, so they apply to unary methods only (the
// config loader says so; a multi-leg plan on a streaming call degrades to its primary).
#pragma once

#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "common/arm_role.h"

namespace modelgate::routing {

using ArmRole = ::modelgate::ArmRole;

struct RoutePlan {
  int primary = 0;  // index into the route's arms
  absl::InlinedVector<int, 1> fallbacks;
  uint32_t fallback_codes = 0;  // bit c set: status code c moves on to the next fallback
  absl::InlinedVector<int, 2> shadows;
  absl::InlinedVector<int, 2> merge;
  bool keyed = false;     // assigned by a sticky key (not at random)
  uint64_t key_hash = 0;  // StableKeyHash of the key when keyed: identifies the user
  // The arm the call would have gone to, had its backend been healthy (-1: none diverted).
  int diverted_from = -1;

  bool single_leg() const { return fallbacks.empty() && shadows.empty() && merge.empty(); }
  bool FallsBackOn(int code) const {
    return code > 0 && code < 32 && ((fallback_codes >> code) & 1u) != 0;
  }
};

}  // namespace modelgate::routing
