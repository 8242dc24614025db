// How a strategy's config block is read. Each strategy registers one StrategyReader (with its
// compiler and monitor, in src/strategies/registry.cc); the route schema finds it by the route's
// `strategy` name and hands it the block under the same key. A reader fills the route's block
// and its normalised arms, reporting every problem at file:line:column.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "config/config.h"
#include "config/diagnostics.h"
#include "config/yaml_tree.h"

namespace modelgate::config {

// What a reader may use besides its block.
struct RouteContext {
  // Resolves backend references; nullptr when the backends section could not be read
  // completely (then references are not checked, so one broken backend does not also produce
  // an "undefined backend" error at every use).
  const std::vector<Backend>* backends;
  Diagnostics& diag;
};

class StrategyReader {
 public:
  virtual ~StrategyReader() = default;
  // The strategy's name, which is also the key of its block.
  virtual absl::string_view name() const = 0;
  // Reads routes[i].<name> at `path`; sets route.block and route.arms.
  virtual void Read(const YamlNode& node, const std::string& path, const RouteContext& ctx,
                    Route& route) const = 0;
  // Whether its routes may have a `monitor` block (its arms can be compared).
  virtual bool monitorable() const = 0;
  // Whether its routes always have a monitor (a controller reads it): a route without a
  // monitor block gets the default one.
  virtual bool needs_monitor() const { return false; }
};

using StrategyReaders = std::vector<const StrategyReader*>;

}  // namespace modelgate::config
