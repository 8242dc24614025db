// The registration table. A new strategy adds its definition here, and nothing else outside its
// own files.
#include "strategies/registry.h"

#include "strategies/ab.h"
#include "strategies/canary.h"
#include "strategies/forward.h"
#include "strategies/interleave.h"
#include "strategies/shadow.h"

namespace modelgate::strategies {

const std::vector<const StrategyDef*>& All() {
  static const ForwardDef kForward;
  static const AbDef kAb;
  static const CanaryDef kCanary;
  static const ShadowDef kShadow;
  static const InterleaveDef kInterleave;
  static const std::vector<const StrategyDef*> kAll = {&kAb, &kCanary, &kShadow, &kInterleave, &kForward};
  return kAll;
}

const StrategyDef* Find(absl::string_view name) {
  for (const StrategyDef* s : All()) {
    if (s->name() == name) return s;
  }
  return nullptr;
}

config::StrategyReaders Readers() {
  return config::StrategyReaders(All().begin(), All().end());
}

}  // namespace modelgate::strategies
