// Readers of the pieces that several strategies' blocks share: backend references, weighted
// arms, sticky headers and salts. Each reports its problems like the rest of the schema.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/strategy_reader.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// A backend's name that must be defined (with a "did you mean" hint when it is not).
std::optional<std::string> ReadBackendRef(const YamlNode& node, const std::string& path,
                                          const RouteContext& ctx);

// A list of {backend, weight, name?} arms: at least one, weights in [0, 2^31) with a positive
// sum, names unique (an arm's name defaults to its backend's). Every arm gets `role`.
void ReadWeightedArms(const YamlNode& node, const std::string& path, const RouteContext& ctx,
                      ArmRole role, std::vector<RouteArm>& out);

// A metadata key that carries a user id: a valid, matchable key that is not binary (-bin).
std::optional<std::string> ReadStickyHeader(const YamlNode& node, const std::string& path,
                                            Diagnostics& diag);

// A non-empty list of gRPC status names (e.g. [UNAVAILABLE, INTERNAL], any case), OK excluded,
// as codes sorted without duplicates. `out` is left alone when the list has an error.
void ReadStatusCodes(const YamlNode& node, const std::string& path, Diagnostics& diag,
                     std::vector<int>& out);

// "Line L, column C" of an earlier definition, for duplicate-name messages.
std::string FirstAt(SourcePos pos);

}  // namespace modelgate::config
