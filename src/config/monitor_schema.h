// The per-route `monitor` block of the config schema: live statistics (comparisons against a
// reference arm, sample-ratio checks, sequential tests) and payload drift. Internal to the loader.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// Reads `node` (the value of routes[i].monitor) into `out`; `arm_names` are the route's arm
// names, for checking reference_arm (empty: not checked).
void ReadMonitor(const YamlNode& node, const std::string& path,
                 const std::vector<std::string>& arm_names, Diagnostics& diag, MonitorConfig& out);

}  // namespace modelgate::config
