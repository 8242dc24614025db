// Which methods are known to be unary. A gRPC proxy cannot tell a unary call from a streaming
// one on the wire, so this decides which calls may be read whole (plans with several legs:
// fallback, shadow copies, merges) and which take the general streaming path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace modelgate::config {

// Which methods are known to be unary, so they may take the cheaper forwarding path.
class UnaryMethods {
 public:
  // Built-in knowledge (Open Inference Protocol, TF Serving, health Check) plus `extra`
  // entries of the form "/pkg.Svc/Method" or "/pkg.Svc/*".
  explicit UnaryMethods(const std::vector<std::string>& extra);
  bool Contains(std::string_view method_path) const;

 private:
  absl::flat_hash_set<std::string> exact_;
  absl::flat_hash_set<std::string> services_;
};

}  // namespace modelgate::config
