// How modelgate connects to backends: proxy.upstream (defaults for all), backends[].upstream
// (overrides, key by key) and backends[].lb_policy. Internal to the schema readers.
#pragma once

#include <string>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// Reads an upstream block over `out`, which holds the values it overrides (the built-in
// defaults for proxy.upstream, proxy.upstream's values for a backend). `inherited_from` names
// where those came from, for messages ("proxy.upstream" or "defaults").
void ReadUpstream(const YamlNode& node, const std::string& path, absl::string_view inherited_from,
                  Diagnostics& diag, UpstreamConfig& out);

// round_robin or pick_first.
void ReadLbPolicy(const YamlNode& node, const std::string& path, Diagnostics& diag, LbPolicy& out);

}  // namespace modelgate::config
