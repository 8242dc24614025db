// The top-level `access_log` block of schema v1: where the JSON-lines access log goes, its
// size cap and rotation, and how many calls may wait to be written.
#pragma once

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

void ReadAccessLog(const YamlNode& node, Diagnostics& diag, AccessLogConfig& out);

}  // namespace modelgate::config
