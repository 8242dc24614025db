// The `routes` section of the config schema: matches, strategies and their blocks, and the
// backend references inside them. Internal to the loader.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/strategy_reader.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// Reads the value of the top-level `routes` key into `out`. `backends` resolves references;
// pass nullptr when the backends section could not be read completely, so that one broken
// backend does not also produce an "undefined backend" error at every use.
// `readers`: the registered strategies' block readers.
void ReadRoutes(const YamlNode& node, const std::vector<Backend>* backends,
                const StrategyReaders& readers, Diagnostics& diag, std::vector<Route>& out);

}  // namespace modelgate::config
