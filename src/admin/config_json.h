// The effective config as JSON, for GET /api/v1/config: what the running proxy uses after
// defaults were applied, so a user can confirm that a reload took (generation, hash) and what
// it changed. Adding a config key? Add it here too. Never renders secrets: admin.token_file
// appears as its path only, never its contents.
#pragma once

#include <cstdint>

#include "config/config.h"
#include "nlohmann/json.hpp"

namespace modelgate::admin {

nlohmann::json EffectiveConfigJson(const config::Config& config, uint64_t generation);

}  // namespace modelgate::admin
