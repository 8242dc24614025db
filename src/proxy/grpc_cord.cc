// Zero-copy ByteBuffer <-> Cord: slice references one way, Cord references the other.
#include "proxy/grpc_cord.h"

#include <atomic>
#include <memory>
#include <vector>

#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

namespace modelgate::proxy {
namespace {
constexpr size_t kCopyBelow = 256;  // bytes; cheaper to copy than to reference
}  // namespace

absl::Cord CordFromByteBuffer(const grpc::ByteBuffer& buffer) {
  absl::Cord out;
  std::vector<grpc::Slice> slices;
  if (!buffer.Valid() || !buffer.Dump(&slices).ok()) return out;
  for (grpc::Slice& s : slices) {
    const absl::string_view bytes(reinterpret_cast<const char*>(s.begin()), s.size());
    if (bytes.size() < kCopyBelow) {
      // Small slices may keep their bytes inside the slice object itself (gRPC inlines up to
      // 23 bytes), so a moved slice would not keep this view valid: copy them.
      out.Append(bytes);
      continue;
    }
    // The releaser owns one reference to the slice; destroying it drops the reference.
    out.Append(absl::MakeCordFromExternal(bytes, [slice = std::move(s)](absl::string_view) {}));
  }
  return out;
}

grpc::ByteBuffer ByteBufferFromCord(const absl::Cord& cord) {
  if (cord.empty()) {
    grpc::Slice empty;
    return grpc::ByteBuffer(&empty, 1);
  }
  // One heap copy of the Cord (a reference-count bump; small Cords keep their bytes inline, so
  // the chunks must be taken from this copy, not from `cord`) is shared by every slice and
  // deleted by the last one gRPC releases.
  struct Owner {
    explicit Owner(const absl::Cord& c) : cord(c) {}
    absl::Cord cord;
    std::atomic<int> refs{0};
  };
  auto* owner = new Owner(cord);
  std::vector<grpc::Slice> slices;
  for (absl::string_view chunk : owner->cord.Chunks()) {
    if (chunk.empty()) continue;
    owner->refs.fetch_add(1, std::memory_order_relaxed);
    slices.emplace_back(const_cast<char*>(chunk.data()), chunk.size(),
                        [](void* p) {
                          auto* o = static_cast<Owner*>(p);
                          if (o->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete o;
                        },
                        owner);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

}  // namespace modelgate::proxy
