// Channels to backends, keyed by address and reused across config reloads so that a reload does
// not reconnect to unchanged backends. Message-size limits match the server side so a message
// the proxy accepts is one it can forward. Thread-compatible: used only by the snapshot builder,
// which runs under the reload lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/channel.h>

namespace modelgate::proxy {

class UpstreamPool {
 public:
  explicit UpstreamPool(int64_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}
  std::shared_ptr<grpc::Channel> Get(const std::string& address);

 private:
  int64_t max_message_bytes_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace modelgate::proxy
