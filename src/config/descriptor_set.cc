// Reads a FileDescriptorSet and lists its unary methods; see descriptor_set.h.
#include "config/descriptor_set.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <google/protobuf/descriptor.pb.h>

#include "absl/strings/str_cat.h"

namespace modelgate::config {

absl::StatusOr<std::vector<std::string>> UnaryMethodsFromDescriptorSet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read \"", path, "\""));
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  // ParseFromString reports failure by its result; protobuf does not throw here.
  if (!set.ParseFromString(bytes.str()) || set.file_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path,
                     "\" is not a protobuf descriptor set (make one with protoc "
                     "--include_imports --descriptor_set_out=FILE)"));
  }
  std::vector<std::string> methods;
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    const std::string prefix = file.package().empty() ? "" : file.package() + ".";
    for (const google::protobuf::ServiceDescriptorProto& service : file.service()) {
      for (const google::protobuf::MethodDescriptorProto& m : service.method()) {
        if (m.client_streaming() || m.server_streaming()) continue;
        methods.push_back(absl::StrCat("/", prefix, service.name(), "/", m.name()));
      }
    }
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  return methods;
}

}  // namespace modelgate::config
