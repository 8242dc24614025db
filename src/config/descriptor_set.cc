// Reads a FileDescriptorSet and lists its unary methods; see descriptor_set.h.
#include "config/descriptor_set.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <google/protobuf/descriptor.pb.h>

#include "absl/strings/str_cat.h"

namespace modelgate::config {
namespace {
constexpr size_t kMaxDescriptorSetBytes = size_t{64} << 20;
}  // namespace

absl::StatusOr<std::vector<std::string>> UnaryMethodsFromDescriptorSet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return absl::NotFoundError(absl::StrCat("cannot read \"", path, "\": ", std::strerror(err)));
  }
  // A descriptor set is kilobytes; refuse to slurp something else entirely (a device, a log).
  std::string bytes(kMaxDescriptorSetBytes + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > kMaxDescriptorSetBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is larger than ", kMaxDescriptorSetBytes >> 20,
                     " MiB: not a descriptor set"));
  }
  google::protobuf::FileDescriptorSet set;
  // ParseFromString reports failure by its result; protobuf does not throw here.
  if (!set.ParseFromString(bytes) || set.file_size() == 0) {
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
