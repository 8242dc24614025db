// Implementation of the Echo helpers; see echo_support.h.
#include "tools/fake_model/echo_support.h"

#include <algorithm>
#include <cstdint>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace modelgate::tools {
namespace {

bool IsValidKey(absl::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// Structural UTF-8 check (shortest forms, no surrogates, at most U+10FFFF), the rule protobuf
// applies to proto3 strings.
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool IsPrintable(absl::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Bounds that keep a test typo from exhausting memory. 256 MiB is still well above the 64 MiB
// message limit, so oversized-message tests can ask for replies the limit must reject.
constexpr int64_t kMaxResponseBytes = int64_t{256} << 20;
constexpr int kMaxResponseCount = 1000000;

}  // namespace

grpc::Status AddEchoMetadata(const google::protobuf::RepeatedPtrField<std::string>& entries,
                             MetadataKind kind, grpc::ServerContext& ctx) {
  for (const std::string& entry : entries) {
    size_t eq = entry.find('=');
    std::string key = entry.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : entry.substr(eq + 1);
    bool binary = absl::EndsWith(key, "-bin");
    if (!IsValidKey(key) || absl::StartsWith(key, "grpc-") || (!binary && !IsPrintable(value))) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("metadata entry \"", entry,
                                       "\" is not a valid custom \"key=value\" pair"));
    }
    if (kind == MetadataKind::kInitial) {
      ctx.AddInitialMetadata(key, value);
    } else {
      ctx.AddTrailingMetadata(key, value);
    }
  }
  return grpc::Status::OK;
}

void FillReceivedMetadata(const grpc::ServerContext& ctx, modelgate::testing::EchoResponse& out) {
  std::vector<std::string> seen;
  for (const auto& [key, value] : ctx.client_metadata()) {
    absl::string_view k(key.data(), key.size());
    if (k == "user-agent") continue;  // Rewritten by every gRPC client; never informative.
    absl::string_view v(value.data(), value.size());
    if (IsValidUtf8(v)) {
      seen.push_back(absl::StrCat(k, "=", v));
    } else {
      seen.push_back(absl::StrCat(k, "=base64:", absl::Base64Escape(v)));
    }
  }
  std::sort(seen.begin(), seen.end());
  for (std::string& s : seen) out.add_received_metadata(std::move(s));
  const grpc::string_ref authority = ctx.ExperimentalGetAuthority();
  out.set_authority(std::string(authority.data(), authority.size()));
  out.set_peer(ctx.peer());
}

grpc::Status ValidateEchoRequest(const modelgate::testing::EchoRequest& request) {
  auto invalid = [](std::string message) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
  };
  if (request.reply_code() < 0 || request.reply_code() > 16) {
    return invalid(absl::StrCat("reply_code ", request.reply_code(),
                                " is not a gRPC status code (0..16)"));
  }
  if (request.delay_ms() < 0) return invalid("delay_ms must be >= 0");
  if (request.response_bytes() < 0 || request.response_bytes() > kMaxResponseBytes) {
    return invalid(absl::StrCat("response_bytes must be in 0..", kMaxResponseBytes));
  }
  if (request.response_count() < 0 || request.response_count() > kMaxResponseCount) {
    return invalid(absl::StrCat("response_count must be in 0..", kMaxResponseCount));
  }
  return grpc::Status::OK;
}

grpc::Status RequestedStatus(const modelgate::testing::EchoRequest& request) {
  if (request.reply_code() == 0) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(request.reply_code()), request.reply_message(),
                      request.reply_details());
}

void FillPayload(const modelgate::testing::EchoRequest& request,
                 modelgate::testing::EchoResponse& out) {
  if (request.response_bytes() <= 0) {
    out.set_payload(request.payload());
    return;
  }
  std::string* payload = out.mutable_payload();
  payload->resize(static_cast<size_t>(request.response_bytes()));
  // A non-constant pattern, so that a proxy corrupting or reordering bytes would be visible.
  for (size_t i = 0; i < payload->size(); ++i) (*payload)[i] = static_cast<char>('a' + i % 26);
}

}  // namespace modelgate::tools
