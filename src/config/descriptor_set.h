// Unary methods from a compiled protobuf descriptor set (`protoc --include_imports
// --descriptor_set_out=FILE`), so that proxy.descriptor_sets can put a service's unary methods
// on the fast forwarding path without listing them one by one.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace modelgate::config {

// "/pkg.Service/Method" of every method that streams in neither direction, sorted.
// Errors: NotFound (cannot be opened; the message carries the system's reason),
// InvalidArgument (not a FileDescriptorSet, or larger than 64 MiB).
absl::StatusOr<std::vector<std::string>> UnaryMethodsFromDescriptorSet(const std::string& path);

}  // namespace modelgate::config
