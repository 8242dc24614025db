// An arm's part in an experiment. Routes carry their arms normalised with a role, whatever the
// strategy, so monitors, metrics and the controller treat every strategy's arms alike.
#pragma once

#include <cstdint>
#include <string_view>

namespace modelgate {

enum class ArmRole : uint8_t {
  kReference = 0,  // the model the others are judged against (legacy)
  kCandidate = 1,  // a model under test
  kShadow = 2,     // receives copies; never answers a client
  kRanker = 3,     // one of an interleaving's rankers
};

inline std::string_view ArmRoleName(ArmRole role) {
  switch (role) {
    case ArmRole::kReference: return "reference";
    case ArmRole::kCandidate: return "candidate";
    case ArmRole::kShadow: return "shadow";
    case ArmRole::kRanker: return "ranker";
  }
  return "reference";
}

}  // namespace modelgate
