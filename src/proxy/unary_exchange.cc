// Attempts, fallbacks, joins and merges of one unary call; see unary_exchange.h.
#include "proxy/unary_exchange.h"

#include <utility>
#include <vector>

namespace modelgate::proxy {
namespace {
constexpr int kOk = 0;
}  // namespace

UnaryExchange::UnaryExchange(routing::RoutePlan plan, const routing::Merger* merger,
                             absl::Time deadline, SplitMix64* rng, ExchangeHost* host)
    : plan_(std::move(plan)), merger_(merger), deadline_(deadline), rng_(rng), host_(host) {}

int UnaryExchange::Launch(int arm) {
  const int id = static_cast<int>(legs_.size());
  legs_.push_back(Leg{arm});
  ++running_;
  host_->StartLeg(id, arm, deadline_);
  return id;
}

void UnaryExchange::Start() {
  if (!plan_.merge.empty() && merger_ != nullptr) {
    for (int arm : plan_.merge) Launch(arm);
  } else {
    Launch(plan_.primary);
  }
  // After the client's own legs, so a shadow never delays them.
  for (int arm : plan_.shadows) host_->StartShadow(arm);
}

void UnaryExchange::OnLegDone(int leg, int code) {
  if (leg < 0 || leg >= static_cast<int>(legs_.size()) || legs_[leg].done) return;
  legs_[leg].done = true;
  legs_[leg].code = code;
  --running_;
  if (cancelled_ || answered_) return;
  if (!plan_.merge.empty() && merger_ != nullptr) {
    OnMergeLegDone();
  } else {
    OnAttemptDone(leg, code);
  }
}

void UnaryExchange::OnAttemptDone(int leg, int code) {
  const bool more = next_fallback_ < plan_.fallbacks.size();
  // A fallback needs time left: a leg started at its deadline could only fail.
  if (code != kOk && more && plan_.FallsBackOn(code) && host_->Now() < deadline_) {
    host_->CountFallback(legs_[leg].arm, code);
    Launch(plan_.fallbacks[next_fallback_++]);
    return;
  }
  Answer(leg);
}

void UnaryExchange::OnMergeLegDone() {
  if (running_ > 0) return;  // join: wait for every ranker
  std::vector<int> ok;
  for (int i = 0; i < static_cast<int>(legs_.size()); ++i) {
    if (legs_[i].code == kOk) ok.push_back(i);
  }
  if (ok.empty()) {
    Answer(0);  // every ranker failed: the first one's error
    return;
  }
  if (ok.size() < 2) {
    host_->CountUnmerged("leg_failed");
    Answer(ok.front());  // the other ranker's list, unmixed
    return;
  }
  std::vector<absl::Cord> responses;
  responses.reserve(ok.size());
  for (int i : ok) responses.push_back(host_->LegResponse(i));
  std::vector<routing::MergeInput> inputs;
  for (size_t k = 0; k < ok.size(); ++k) inputs.push_back({legs_[ok[k]].arm, &responses[k]});
  absl::StatusOr<routing::MergeResult> merged =
      merger_->Merge(inputs, plan_.keyed ? plan_.key_hash : 0, *rng_);
  if (!merged.ok()) {
    host_->CountUnmerged("merge_error");
    Answer(ok.front());
    return;
  }
  answered_ = true;
  host_->RespondMerged(*std::move(merged), ok.front());
}

void UnaryExchange::Answer(int leg) {
  answered_ = true;
  host_->RespondWithLeg(leg);
}

void UnaryExchange::OnClientCancelled() {
  if (cancelled_ || answered_) return;
  cancelled_ = true;
  for (int i = 0; i < static_cast<int>(legs_.size()); ++i) {
    if (!legs_[i].done) host_->CancelLeg(i);
  }
}

}  // namespace modelgate::proxy
