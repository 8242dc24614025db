// The public config schema v1: turns one parsed YAML document into a Config, reporting every
// problem it finds. Internal to the loader; see loader.h for the API.
#pragma once

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/strategy_reader.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// Fills `out` from `root`, reading strategy blocks with `readers`. `out` is meaningful only if
// nothing was added to `diag`.
void BuildConfig(const YamlNode& root, const StrategyReaders& readers, Diagnostics& diag,
                 Config& out);

}  // namespace modelgate::config
