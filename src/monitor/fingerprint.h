// The identity of an experiment, for deciding whether a config reload continues a route's
// statistics or starts them afresh. Two routes have the same fingerprint exactly when
// everything that defines the experiment is the same: route name, strategy, arms (name,
// backend, role, in order), the address and authority of each arm's backend, the strategy's
// experiment settings (StrategyBlock::ExperimentKey: e.g. salt and sticky header), the whole
// monitor block, and the bytes of the drift reference file. Traffic shares are NOT part of it:
// a weight change (a canary step) keeps the comparisons' evidence; the sample-ratio check
// restarts with each weight epoch instead. Anything else (match rules, timeouts, other routes
// and backends) may change without resetting the statistics.
//
// Why addresses count: pointing an arm at another server usually means another model (a new
// candidate build); continuing its statistics would silently mix two models in one sample.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/config.h"

namespace modelgate::monitor {

// `reference_file_digest`: a digest of the drift reference file's contents ("" when none), so
// replacing the file's contents under the same path starts a new experiment.
// `backends`: the config's backends, to look up the arms' addresses.
std::string ExperimentFingerprint(const config::Route& route,
                                  const std::vector<config::Backend>& backends,
                                  absl::string_view reference_file_digest);

}  // namespace modelgate::monitor
