// ImpressionStore: sharded hash maps with per-shard FIFOs for eviction and lazy expiry, random
// 128-bit ids, and team-based click credit; see impression_store.h.
#include "interleave/impression_store.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace modelgate::interleave {

namespace {

constexpr int kGenerators = 8;

// Items and reports come from clients; error messages quote at most this much of an item key.
constexpr size_t kMaxQuotedItem = 64;

// The payload type URL marking an expired impression's NOT_FOUND (IsExpiredImpression).
constexpr char kExpiredPayload[] = "modelgate.interleave/impression-expired";

uint64_t EntropySeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// SplitMix64's finaliser: spreads one seed into independent-looking per-generator seeds.
uint64_t Mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The calling thread's generator slot: threads are numbered in order of first use, so up to
// kGenerators threads never share a generator.
size_t ThreadSlot() {
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

std::string ToHex(absl::uint128 id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 31; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[static_cast<int>(absl::Uint128Low64(id) & 0xF)];
    id >>= 4;
  }
  return out;
}

// Exactly 32 lowercase hex digits, as Add writes them; anything else cannot be an id we issued.
bool FromHex(absl::string_view text, absl::uint128* id) {
  if (text.size() != 32) return false;
  absl::uint128 v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *id = v;
  return true;
}

std::vector<size_t> ShardCaps(size_t max_impressions, int requested_shards) {
  const size_t max = std::max<size_t>(1, max_impressions);
  const size_t shards = std::min(static_cast<size_t>(std::max(1, requested_shards)), max);
  // floor(max/S) each, plus one for the first max % S shards: the caps sum to exactly max.
  std::vector<size_t> caps(shards, max / shards);
  for (size_t i = 0; i < max % shards; ++i) ++caps[i];
  return caps;
}

}  // namespace

// Seeding through a seed sequence makes a given seed reproducible within one build; absl's
// BitGen (Randen) is chosen over a linear generator because the ids double as the right to report
// clicks, so they should not be predictable from the ones a client has seen.
ImpressionStore::Generator::Generator(uint64_t seed)
    : gen(std::seed_seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}) {}

ImpressionStore::ImpressionStore(int num_rankers, size_t max_impressions, absl::Duration ttl)
    : ImpressionStore(num_rankers, max_impressions, ttl, EntropySeed(), kDefaultShards) {}

ImpressionStore::ImpressionStore(int num_rankers, size_t max_impressions, absl::Duration ttl,
                                 uint64_t seed, int num_shards)
    : num_rankers_(std::clamp(num_rankers, 1, 255)), ttl_(ttl) {
  for (size_t cap : ShardCaps(max_impressions, num_shards)) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->cap = cap;
  }
  uint64_t s = seed;
  for (int i = 0; i < kGenerators; ++i) {
    s = Mix(s);
    generators_.push_back(std::make_unique<Generator>(s));
  }
}

ImpressionStore::~ImpressionStore() = default;

absl::uint128 ImpressionStore::NewId() {
  Generator& g = *generators_[ThreadSlot() % generators_.size()];
  MutexLock lock(&g.mu);
  const uint64_t high = absl::Uniform<uint64_t>(g.gen);
  const uint64_t low = absl::Uniform<uint64_t>(g.gen);
  return absl::MakeUint128(high, low);
}

bool ImpressionStore::PopFront(Shard& shard) {
  const FifoRecord record = shard.fifo.front();
  shard.fifo.pop_front();
  auto it = shard.entries.find(record.id);
  if (it == shard.entries.end() || it->second.seq != record.seq) return false;  // stale record
  shard.entries.erase(it);
  size_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void ImpressionStore::MakeRoom(Shard& shard, absl::Time now) {
  while (!shard.fifo.empty()) {
    const FifoRecord& front = shard.fifo.front();
    auto it = shard.entries.find(front.id);
    const bool stale = it == shard.entries.end() || it->second.seq != front.seq;
    if (!stale && !Expired(front.added, now)) break;
    if (PopFront(shard)) expired_.fetch_add(1, std::memory_order_relaxed);
  }
  // The FIFO holds a record for every entry, so this loop finds a live one to evict.
  while (shard.entries.size() >= shard.cap && !shard.fifo.empty()) {
    if (PopFront(shard)) evicted_full_.fetch_add(1, std::memory_order_relaxed);
  }
}

void ImpressionStore::CompactFifo(Shard& shard) {
  std::deque<FifoRecord> live;
  for (const FifoRecord& record : shard.fifo) {
    auto it = shard.entries.find(record.id);
    if (it != shard.entries.end() && it->second.seq == record.seq) live.push_back(record);
  }
  shard.fifo.swap(live);
}

std::string ImpressionStore::Add(Impression impression, absl::Time now) {
  impression.teams.resize(impression.items.size(), kNoTeam);
  Entry entry;
  entry.clicked.assign(impression.items.size(), 0);
  entry.credits.assign(static_cast<size_t>(num_rankers_), 0);
  entry.added = now;
  entry.impression = std::move(impression);

  for (;;) {
    const absl::uint128 id = NewId();
    Shard& shard = ShardFor(id);
    MutexLock lock(&shard.mu);
    if (shard.entries.contains(id)) continue;  // a 2^-128 event; draw again rather than alias
    MakeRoom(shard, now);
    entry.seq = shard.next_seq++;
    shard.fifo.push_back(FifoRecord{now, id, entry.seq});
    shard.entries.emplace(id, std::move(entry));
    size_.fetch_add(1, std::memory_order_relaxed);
    // Stale records (impressions RecordClicks dropped as expired) normally leave from the
    // front; compacting keeps the FIFO bounded even if the clock ran backwards meanwhile.
    if (shard.fifo.size() > 2 * shard.cap) CompactFifo(shard);
    added_.fetch_add(1, std::memory_order_relaxed);
    return ToHex(id);
  }
}

absl::StatusOr<ClickUpdate> ImpressionStore::RecordClicks(absl::string_view id,
                                                          absl::Span<const std::string> item_ids,
                                                          absl::Time now) {
  if (id.empty()) {
    empty_id_.fetch_add(1, std::memory_order_relaxed);
    return absl::InvalidArgumentError("impression id is empty");
  }
  absl::uint128 key;
  if (!FromHex(id, &key)) {
    unknown_.fetch_add(1, std::memory_order_relaxed);
    return absl::NotFoundError(absl::StrCat("unknown impression id (not 32 lowercase hex digits): ",
                                            id.substr(0, kMaxQuotedItem)));
  }
  Shard& shard = ShardFor(key);
  MutexLock lock(&shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) {
    unknown_.fetch_add(1, std::memory_order_relaxed);
    return absl::NotFoundError(absl::StrCat("unknown impression id ", id,
                                            " (never issued, evicted, or expired and dropped)"));
  }
  Entry& entry = it->second;
  if (Expired(entry.added, now)) {
    // Its FIFO record becomes stale and is discarded when it reaches the front.
    shard.entries.erase(it);
    size_.fetch_sub(1, std::memory_order_relaxed);
    expired_.fetch_add(1, std::memory_order_relaxed);
    absl::Status expired = absl::NotFoundError(absl::StrCat("impression ", id, " expired"));
    expired.SetPayload(kExpiredPayload, absl::Cord("1"));
    return expired;
  }

  // Resolve every item first, so that an invalid one leaves the impression untouched. Pages are
  // short (tens of items), so a scan beats building an index per report.
  const std::vector<std::string>& items = entry.impression.items;
  std::vector<size_t> positions;
  positions.reserve(item_ids.size());
  for (const std::string& item : item_ids) {
    const auto pos = std::find(items.begin(), items.end(), item);
    if (pos == items.end()) {
      invalid_item_.fetch_add(1, std::memory_order_relaxed);
      return absl::InvalidArgumentError(
          absl::StrCat("item \"", absl::string_view(item).substr(0, kMaxQuotedItem),
                       "\" is not in impression ", id, "; nothing recorded"));
    }
    positions.push_back(static_cast<size_t>(pos - items.begin()));
  }

  ClickUpdate update;
  update.before = entry.credits;
  for (size_t p : positions) {
    if (entry.clicked[p]) continue;
    entry.clicked[p] = 1;
    ++update.new_clicks;
    const uint8_t team = entry.impression.teams[p];
    if (team < num_rankers_) ++entry.credits[team];
  }
  update.after = entry.credits;
  update.first_report = !entry.reported;
  entry.reported = true;
  update.unit = entry.impression.unit;
  update.present.assign(static_cast<size_t>(num_rankers_), false);
  for (uint8_t team : entry.impression.teams) {
    if (team < num_rankers_) update.present[team] = true;
  }

  reports_.fetch_add(1, std::memory_order_relaxed);
  if (update.new_clicks == 0 && !update.first_report) {
    repeated_reports_.fetch_add(1, std::memory_order_relaxed);
  }
  clicks_.fetch_add(static_cast<uint64_t>(update.new_clicks), std::memory_order_relaxed);
  return update;
}

ImpressionStore::Counters ImpressionStore::counters() const {
  Counters c;
  c.added = added_.load(std::memory_order_relaxed);
  c.evicted_full = evicted_full_.load(std::memory_order_relaxed);
  c.expired = expired_.load(std::memory_order_relaxed);
  c.unknown = unknown_.load(std::memory_order_relaxed);
  c.invalid_item = invalid_item_.load(std::memory_order_relaxed);
  c.empty_id = empty_id_.load(std::memory_order_relaxed);
  c.reports = reports_.load(std::memory_order_relaxed);
  c.repeated_reports = repeated_reports_.load(std::memory_order_relaxed);
  c.clicks = clicks_.load(std::memory_order_relaxed);
  return c;
}

bool IsExpiredImpression(const absl::Status& status) {
  return absl::IsNotFound(status) && status.GetPayload(kExpiredPayload).has_value();
}

}  // namespace modelgate::interleave
