// A shadow route's comparisons; see comparer.h.
#include "shadow/comparer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_compression.h"
#include "common/log.h"
#include "common/status_codes.h"
#include "prometheus/histogram.h"
#include "shadow/shadow_families.h"

namespace modelgate::shadow {
namespace {

constexpr int kOk = 0;

nlohmann::json RateOrNull(int64_t part, int64_t whole) {
  if (whole <= 0) return nullptr;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// Quantile of an unsorted sample (nearest rank), null when empty.
nlohmann::json QuantileOrNull(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return nullptr;
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string DiffTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

CompareSettings SettingsOf(const ComparerSpec& spec) {
  CompareSettings s;
  s.absolute_tolerance = spec.absolute_tolerance;
  s.relative_tolerance = spec.relative_tolerance;
  s.argmax_outputs = spec.argmax_outputs;
  s.ignore_outputs = spec.ignore_outputs;
  return s;
}

FieldStatsSettings FieldSettingsOf(const ComparerSpec& spec) {
  FieldStatsSettings f;
  f.noise.absolute_threshold = spec.noise_absolute_threshold;
  f.noise.relative_threshold = spec.noise_relative_threshold;
  f.noise.min_samples = spec.noise_min_samples;
  return f;
}

// A gauge value, or NaN (GaugeBoard leaves the series out) when not computed.
double OrNaN(std::optional<double> v) {
  return v.has_value() ? *v : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

Comparer::Comparer(ComparerSpec spec, std::shared_ptr<prometheus::Registry> registry)
    : spec_(std::move(spec)),
      settings_(SettingsOf(spec_)),
      registry_(std::move(registry)),
      queue_(static_cast<size_t>(spec_.queue_size)) {
  if (registry_ != nullptr) {
    families_ = std::make_unique<ShadowFamilies>(ShadowFamilies::Register(*registry_));
  }
  drop_counters_.resize(spec_.arm_names.size());
  std::vector<int> copies = spec_.shadows;
  if (spec_.noise_reference >= 0) copies.push_back(spec_.noise_reference);
  for (int arm : copies) {
    if (families_ != nullptr) {
      drop_counters_[arm] = telemetry::CounterLease(
          families_->dropped,
          {{"route", spec_.route}, {"shadow", spec_.arm_names[arm]},
           {"reason", "compare_queue_full"}});
    }
  }
  MutexLock lock(&mu_);
  for (int arm : spec_.shadows) {
    PerShadow& s = shadows_.emplace_back();
    s.arm = arm;
    s.name = spec_.arm_names[arm];
    if (spec_.payload == PayloadKind::kInferenceV2) {
      // The config loader validated the settings; Create only fails on invalid ones.
      auto fields = FieldStats::Create(FieldSettingsOf(spec_));
      s.fields = std::make_unique<FieldStats>(fields.ok() ? *std::move(fields) : FieldStats());
    }
    if (families_ != nullptr) {
      s.latency_delta_histogram = telemetry::SeriesLease<prometheus::Histogram>(
          families_->latency_delta, {{"route", spec_.route}, {"shadow", s.name}},
          prometheus::Histogram::BucketBoundaries(ShadowFamilies::LatencyDeltaBuckets()));
    }
  }
  if (!spec_.diff_file.empty()) {
    auto file = DiffFile::Open(spec_.diff_file, spec_.diff_file_max_bytes);
    if (file.ok()) {
      diff_file_ = std::move(*file);
    } else {
      MG_LOG(kWarning, "route ", spec_.route, ": ", file.status().message(),
             "; diffs are kept in memory only");
    }
  }
}

Comparer::~Comparer() {
  MutexLock lock(&mu_);
  gauges_.Clear();
}

void Comparer::Offer(telemetry::ShadowSample sample) {
  // The counters to bump if the queue is full (the sample is moved into the queue otherwise).
  absl::InlinedVector<int, 2> arms;
  for (const telemetry::LegAnswer& c : sample.copies) arms.push_back(c.arm);
  if (queue_.TryPush(std::move(sample))) {
    queued_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  for (int arm : arms) {
    if (arm >= 0 && arm < static_cast<int>(drop_counters_.size())) drop_counters_[arm].Increment();
  }
}

int Comparer::Drain(absl::Time now) {
  int n = 0;
  telemetry::ShadowSample sample;
  MutexLock lock(&mu_);
  const size_t limit = queue_.capacity();
  while (static_cast<size_t>(n) < limit && queue_.TryPop(&sample)) {
    Compare(sample, now);
    ++n;
  }
  if (n > 0) PublishGauges();
  return n;
}

Comparer::PerShadow* Comparer::Find(int arm) {
  for (PerShadow& s : shadows_) {
    if (s.arm == arm) return &s;
  }
  return nullptr;
}

std::string Comparer::RequestId(const telemetry::ShadowSample& sample) {
  return sample.request_id.empty() ? absl::StrCat("#", sequence_) : sample.request_id;
}

void Comparer::CountMismatch(PerShadow& s, const std::string& kind) {
  if (families_ == nullptr) return;
  const std::string key = absl::StrCat(s.name, "\x1f", kind);
  for (auto& [k, counter] : mismatch_counters_) {
    if (k == key) {
      counter.Increment();
      return;
    }
  }
  // Kinds are a small fixed set (status, bytes, decode_error and the tensor kinds): bounded.
  mismatch_counters_.emplace_back(
      key, telemetry::CounterLease(families_->mismatches, {{"route", spec_.route},
                                                           {"shadow", s.name},
                                                           {"kind", kind}}));
  mismatch_counters_.back().second.Increment();
}

void Comparer::KeepDiff(DiffRecord record) {
  ++diffs_seen_;
  if (diff_file_ != nullptr) {
    nlohmann::json line = {{"time", DiffTime(record.time)},
                           {"route", spec_.route},
                           {"request_id", record.request_id},
                           {"method", record.method},
                           {"shadow", record.shadow},
                           {"field", record.field},
                           {"element", record.element >= 0 ? nlohmann::json(record.element)
                                                           : nlohmann::json(nullptr)},
                           {"kind", record.kind},
                           {"primary", record.primary},
                           {"shadow_value", record.shadow_value}};
    diff_file_->Append(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  if (spec_.max_diff_samples <= 0) return;
  diffs_.push_front(std::move(record));
  while (static_cast<int64_t>(diffs_.size()) > spec_.max_diff_samples) diffs_.pop_back();
}

void Comparer::Compare(telemetry::ShadowSample& sample, absl::Time now) {
  ++compared_;
  ++sequence_;
  // Compressed answers are compared by what they carry. One that does not inflate keeps its
  // bytes (a bytes comparison still sees them) and is a decode error for a decoding one.
  auto inflate = [&](telemetry::LegAnswer& a) -> std::string {
    if (a.code != kOk) return "";
    const absl::Status s = InflateIfCompressed(&a.response, &a.compressed,
                                               static_cast<size_t>(spec_.max_message_bytes));
    return s.ok() ? "" : std::string(s.message());
  };
  const std::string primary_error = inflate(sample.primary);
  absl::InlinedVector<std::string, 2> copy_errors;
  for (telemetry::LegAnswer& c : sample.copies) copy_errors.push_back(inflate(c));
  const telemetry::LegAnswer& primary = sample.primary;
  // The noise reference's answer vs the primary's, decoded once for every shadow.
  const telemetry::LegAnswer* noise = nullptr;
  bool noise_uninflatable = false;
  for (size_t i = 0; i < sample.copies.size(); ++i) {
    const telemetry::LegAnswer& c = sample.copies[i];
    if (c.arm == spec_.noise_reference && c.code >= 0) {
      noise = &c;
      noise_uninflatable = !copy_errors[i].empty();
    }
  }
  std::optional<ResponseDiff> noise_diff;
  bool noise_unparsable = false;
  if (noise != nullptr) {
    ++noise_samples_;
    if (noise->code == primary.code) ++noise_status_agree_;
    if (noise->code == kOk && primary.code == kOk) {
      if (noise->response == primary.response) ++noise_bytes_equal_;
      if (spec_.payload == PayloadKind::kInferenceV2) {
        auto d = DiffInferResponses(primary.response, noise->response, settings_);
        if (d.ok() && primary_error.empty() && !noise_uninflatable) {
          noise_diff = std::move(*d);
        } else {
          noise_unparsable = true;
        }
      }
    }
  }
  for (size_t i = 0; i < sample.copies.size(); ++i) {
    const telemetry::LegAnswer& c = sample.copies[i];
    if (c.code < 0) continue;
    PerShadow* s = Find(c.arm);
    if (s == nullptr) continue;  // the noise reference
    ++s->samples;
    auto cell = std::find_if(s->matrix.begin(), s->matrix.end(), [&](const auto& e) {
      return e.first == std::make_pair(primary.code, c.code);
    });
    if (cell == s->matrix.end()) {
      s->matrix.push_back({{primary.code, c.code}, 1});
    } else {
      ++cell->second;
    }
    if (primary.code == c.code) {
      ++s->status_agree;
    } else {
      CountMismatch(*s, "status");
      KeepDiff({now, RequestId(sample), sample.method, s->name, "status", "status",
                std::string(GrpcStatusCodeName(primary.code)),
                std::string(GrpcStatusCodeName(c.code))});
    }
    if (primary.code != kOk || c.code != kOk) continue;
    const double delta = c.latency_seconds - primary.latency_seconds;
    s->latency_delta.Add(delta);
    s->latency_reservoir.Add(delta);
    if (s->latency_delta_histogram.get() != nullptr) s->latency_delta_histogram->Observe(delta);
    ++s->bytes_compared;
    const bool equal = c.response == primary.response;
    if (equal) ++s->bytes_equal;
    if (spec_.payload == PayloadKind::kBytes) {
      if (!equal) {
        CountMismatch(*s, "bytes");
        KeepDiff({now, RequestId(sample), sample.method, s->name, "message", "bytes",
                  absl::StrCat(primary.response.size(), " bytes"),
                  absl::StrCat(c.response.size(), " bytes")});
      }
      continue;
    }
    if (!equal) CountMismatch(*s, "bytes");
    if (!primary_error.empty() || !copy_errors[i].empty()) {
      CountMismatch(*s, "decode_error");
      s->fields->AddUnparsable({!primary_error.empty(), !copy_errors[i].empty()});
      KeepDiff({now, RequestId(sample), sample.method, s->name, "message", "decode_error",
                primary_error.empty() ? "" : absl::StrCat("primary response: ", primary_error),
                copy_errors[i].empty() ? ""
                                       : absl::StrCat("shadow response: ", copy_errors[i])});
      continue;
    }
    absl::StatusOr<ResponseDiff> diff = DiffInferResponses(primary.response, c.response, settings_);
    if (!diff.ok()) {
      CountMismatch(*s, "decode_error");
      s->fields->AddUnparsable(UnparsableSidesOf(diff.status()));
      KeepDiff({now, RequestId(sample), sample.method, s->name, "message", "decode_error",
                "", std::string(diff.status().message())});
      continue;
    }
    if (noise_unparsable) s->fields->AddReferenceUnparsable();
    s->fields->Add(*diff, noise_diff.has_value() ? &*noise_diff : nullptr);
    for (const TensorDiff& t : diff->tensors) {
      if (t.Agrees()) continue;
      const std::string kind(KindName(t.kind));
      CountMismatch(*s, kind);
      // The first differing element, or why values could not be compared (shape, datatype).
      const bool element = t.first_difference.has_value();
      DiffRecord record{now, RequestId(sample), sample.method, s->name, t.name, kind,
                        element ? t.first_difference->primary : t.detail,
                        element ? t.first_difference->shadow : t.detail};
      if (element) record.element = t.first_difference->index;
      KeepDiff(std::move(record));
    }
  }
}

void Comparer::PublishGauges() {
  if (families_ == nullptr) return;
  gauges_.Begin();
  for (const PerShadow& s : shadows_) {
    const prometheus::Labels labels = {{"route", spec_.route}, {"shadow", s.name}};
    if (s.samples > 0) {
      gauges_.Set(families_->status_agreement, labels,
                  static_cast<double>(s.status_agree) / static_cast<double>(s.samples));
    }
    if (s.bytes_compared > 0) {
      gauges_.Set(families_->bytes_equal, labels,
                  static_cast<double>(s.bytes_equal) / static_cast<double>(s.bytes_compared));
    }
    if (s.fields == nullptr) continue;
    for (const FieldRecord& f : s.fields->fields()) {
      prometheus::Labels t = labels;
      t["tensor"] = f.name();
      gauges_.Set(families_->tensor_agreement, t, OrNaN(f.within_tolerance_rate()));
      gauges_.Set(families_->tensor_max_abs_error, t, OrNaN(f.abs_error().max()));
      gauges_.Set(families_->argmax_agreement, t, OrNaN(f.argmax_agreement_rate()));
      const NoiseVerdict v = s.fields->Verdict(f);
      t["basis"] = "raw";
      gauges_.Set(families_->tensor_difference_rate, t, OrNaN(v.raw_rate));
      t["basis"] = "noise_adjusted";
      gauges_.Set(families_->tensor_difference_rate, t, OrNaN(v.adjusted_rate));
    }
  }
  gauges_.End();
}

nlohmann::json Comparer::Report() const {
  MutexLock lock(&mu_);
  nlohmann::json shadows = nlohmann::json::array();
  for (const PerShadow& s : shadows_) {
    nlohmann::json matrix = nlohmann::json::array();
    for (const auto& [codes, count] : s.matrix) {
      matrix.push_back({{"primary", std::string(GrpcStatusCodeName(codes.first))},
                        {"shadow", std::string(GrpcStatusCodeName(codes.second))},
                        {"count", count}});
    }
    std::vector<double> deltas(s.latency_reservoir.sample().begin(),
                               s.latency_reservoir.sample().end());
    std::sort(deltas.begin(), deltas.end());
    const int64_t n = s.latency_delta.count();
    shadows.push_back(
        {{"shadow", s.name},
         {"samples", s.samples},
         {"status", {{"agreement_rate", RateOrNull(s.status_agree, s.samples)},
                     {"matrix", matrix}}},
         {"latency_delta_seconds",
          {{"count", n},
           {"mean", n > 0 ? nlohmann::json(s.latency_delta.mean()) : nlohmann::json(nullptr)},
           {"p50", QuantileOrNull(deltas, 0.5)},
           {"p90", QuantileOrNull(deltas, 0.9)},
           {"p99", QuantileOrNull(deltas, 0.99)}}},
         {"bytes",
          {{"compared", s.bytes_compared},
           {"equal", s.bytes_equal},
           {"equal_rate", RateOrNull(s.bytes_equal, s.bytes_compared)}}},
         {"outputs", s.fields != nullptr ? s.fields->ToJson() : nlohmann::json(nullptr)}});
  }
  nlohmann::json noise = nullptr;
  if (spec_.noise_reference >= 0) {
    noise = {{"arm", spec_.arm_names[spec_.noise_reference]},
             {"samples", noise_samples_},
             {"status_agreement_rate", RateOrNull(noise_status_agree_, noise_samples_)},
             {"bytes_equal_rate", RateOrNull(noise_bytes_equal_, noise_samples_)}};
  }
  return {{"route", spec_.route},
          {"payload", spec_.payload == PayloadKind::kInferenceV2 ? "inference_v2" : "bytes"},
          {"queued", queued_.load(std::memory_order_relaxed)},
          {"compared", compared_},
          {"dropped", dropped_.load(std::memory_order_relaxed)},
          {"shadows", shadows},
          {"noise", noise}};
}

nlohmann::json Comparer::Diffs() const {
  MutexLock lock(&mu_);
  nlohmann::json list = nlohmann::json::array();
  for (const DiffRecord& d : diffs_) {
    list.push_back({{"time", DiffTime(d.time)},
                    {"request_id", d.request_id},
                    {"method", d.method},
                    {"shadow", d.shadow},
                    {"field", d.field},
                    {"element", d.element >= 0 ? nlohmann::json(d.element)
                                               : nlohmann::json(nullptr)},
                    {"kind", d.kind},
                    {"primary", d.primary},
                    {"shadow_value", d.shadow_value}});
  }
  nlohmann::json file = nullptr;
  if (diff_file_ != nullptr) {
    file = {{"path", diff_file_->path()},
            {"bytes", diff_file_->bytes()},
            {"dropped", diff_file_->dropped()}};
  }
  return {{"route", spec_.route},
          {"kept", diffs_.size()},
          {"capacity", spec_.max_diff_samples},
          {"seen", diffs_seen_},
          {"file", file},
          {"diffs", list}};
}

}  // namespace modelgate::shadow
