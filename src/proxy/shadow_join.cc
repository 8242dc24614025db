// One mirrored call's answers, joined; see shadow_join.h.
#include "proxy/shadow_join.h"

#include <utility>

namespace modelgate::proxy {
namespace {
constexpr int kCancelled = 1;
}  // namespace

ShadowJoin::ShadowJoin(std::shared_ptr<telemetry::ShadowSink> sink, int copies,
                       std::string request_id, std::string method)
    : sink_(std::move(sink)), pending_copies_(copies) {
  sample_.request_id = std::move(request_id);
  sample_.method = std::move(method);
}

void ShadowJoin::SetPrimary(telemetry::LegAnswer answer) {
  if (have_primary_) return;
  have_primary_ = true;
  // A client that left is not the primary answering: nothing to compare against.
  if (answer.code == kCancelled) sink_.reset();
  sample_.primary = std::move(answer);
  MaybeOffer();
}

void ShadowJoin::AddCopy(telemetry::LegAnswer answer) {
  --pending_copies_;
  sample_.copies.push_back(std::move(answer));
  MaybeOffer();
}

void ShadowJoin::SkipCopy() {
  --pending_copies_;
  MaybeOffer();
}

void ShadowJoin::MaybeOffer() {
  if (!have_primary_ || pending_copies_ > 0 || sink_ == nullptr) return;
  bool any_copy = false;
  for (const telemetry::LegAnswer& c : sample_.copies) any_copy |= c.code >= 0;
  if (any_copy) sink_->Offer(std::move(sample_));
  sink_.reset();  // offered once
}

}  // namespace modelgate::proxy
