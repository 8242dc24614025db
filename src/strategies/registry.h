// The registered strategies: the one place that lists them.
#pragma once

#include <vector>

#include "absl/strings/string_view.h"
#include "config/strategy_reader.h"
#include "strategies/strategy_def.h"

namespace modelgate::strategies {

// Every strategy, in the order their names are listed in messages.
const std::vector<const StrategyDef*>& All();
// The strategy called `name`, or nullptr.
const StrategyDef* Find(absl::string_view name);
// Their config readers, for the loader.
config::StrategyReaders Readers();

}  // namespace modelgate::strategies
