// Channels to backends, keyed by address and authority, and reused across config reloads so
// that a reload does not reconnect to unchanged backends. Message-size limits match the server side so a message
// the proxy accepts is one it can forward. Thread-compatible: used only by the snapshot builder,
// which runs under the reload lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/channel.h>

namespace modelgate::proxy {

class UpstreamPool {
 public:
  explicit UpstreamPool(int64_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}
  // `authority`: the :authority of its calls ("" = derived from the address).
  std::shared_ptr<grpc::Channel> Get(const std::string& address, const std::string& authority);

 private:
  int64_t max_message_bytes_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace modelgate::proxy
