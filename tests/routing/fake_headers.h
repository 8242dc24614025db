// An in-memory HeaderLookup for routing tests.
#pragma once

#include <map>
#include <string>

#include "routing/request.h"

namespace modelgate::routing {

class FakeHeaders : public HeaderLookup {
 public:
  FakeHeaders() = default;
  FakeHeaders(std::initializer_list<std::pair<const std::string, std::string>> init) : m_(init) {}
  void Set(const std::string& k, const std::string& v) { m_[k] = v; }
  std::optional<std::string_view> Get(std::string_view key) const override {
    auto it = m_.find(std::string(key));
    if (it == m_.end()) return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  std::map<std::string, std::string> m_;
};

}  // namespace modelgate::routing
