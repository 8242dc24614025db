// The header fields of one header block as nghttp2 delivered them, held by reference (nghttp2's
// reference-counted buffers) rather than copied, with a running size for the header limits.
#pragma once

#include <nghttp2/nghttp2.h>

#include <optional>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"

#include "absl/strings/string_view.h"
#include "routing/request.h"

namespace modelgate::h2 {

// Debian's Abseil has its own string_view type: this bridges std's to it.
inline absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

inline std::string_view RcView(nghttp2_rcbuf* b) {
  const nghttp2_vec v = nghttp2_rcbuf_get_buf(b);
  return std::string_view(reinterpret_cast<const char*>(v.base), v.len);
}

class HeaderList final : public routing::HeaderLookup {
 public:
  struct Field {
    nghttp2_rcbuf* name;
    nghttp2_rcbuf* value;
    std::string_view n() const { return RcView(name); }
    std::string_view v() const { return RcView(value); }
  };

  HeaderList() = default;
  ~HeaderList() override { Clear(); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;

  void Add(nghttp2_rcbuf* name, nghttp2_rcbuf* value) {
    nghttp2_rcbuf_incref(name);
    nghttp2_rcbuf_incref(value);
    fields_.push_back({name, value});
    // RFC 7541 §4.1's accounting: name + value + 32 per field.
    bytes_ += RcView(name).size() + RcView(value).size() + 32;
  }
  void Clear() {
    for (Field& f : fields_) {
      nghttp2_rcbuf_decref(f.name);
      nghttp2_rcbuf_decref(f.value);
    }
    fields_.clear();
    bytes_ = 0;
  }
  const auto& fields() const { return fields_; }
  size_t bytes() const { return bytes_; }
  bool empty() const { return fields_.empty(); }

  std::optional<std::string_view> Get(std::string_view key) const override {
    for (const Field& f : fields_) {
      if (f.n() == key) return f.v();
    }
    return std::nullopt;
  }

 private:
  // A gRPC header block has about ten fields: kept inline, a stream allocates none for them.
  absl::InlinedVector<Field, 12> fields_;
  size_t bytes_ = 0;
};

}  // namespace modelgate::h2
