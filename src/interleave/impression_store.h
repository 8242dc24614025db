// ImpressionStore: the interleaved pages served on a route, kept under a random id until the
// client reports which items were clicked, with a hard cap on memory and a time-to-live. It turns
// a click report into per-ranker credit by TEAM membership (the team recorded when the page was
// merged), never by position, and makes repeated reports idempotent, so that the preference
// statistics (preference.h) count each impression exactly once.
//
// Concurrency: every proxy worker calls Add and feedback handlers call RecordClicks at the same
// time, so the store is split into shards (by the id's low bits; the ids are random, so load is
// even), each behind its own mutex; the counters are atomics readable at any moment.
//
// Memory bound (exact): the shard caps are floor(max/S) or floor(max/S)+1 and sum to exactly
// max_impressions, so size() <= max_impressions at all times. The price is that eviction is FIFO
// per shard, not globally: a full shard evicts its own oldest impression, which is, up to the
// random spread of ids over shards, among the oldest overall; and evictions begin as soon as ONE
// shard is full, i.e. a little before the total reaches max_impressions (once every shard is
// full the store holds exactly max_impressions). With max_impressions < S the store uses
// max_impressions shards (one impression each). Besides the impressions, each shard's FIFO
// may hold stale records of impressions already removed by RecordClicks; they are discarded when
// they reach the front and compacted away if they ever outnumber the shard's cap, so the FIFO
// never holds more than 2*cap+1 records.
//
// Expiry is lazy: Add drops the expired impressions at the front of its shard's FIFO (oldest
// first), and RecordClicks drops an expired impression it meets (answering NOT_FOUND). An
// impression expires when now >= added + ttl; times come from the caller (absl::Now() in the
// server, explicit values in tests), and are assumed roughly non-decreasing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/mutex.h"

namespace modelgate::interleave {

// A team value that credits nobody: for items no ranker owns (e.g. Lerot's shared prefix, team
// -1). Any team >= the store's number of rankers is treated the same way.
inline constexpr uint8_t kNoTeam = 0xFF;

struct Impression {
  std::vector<std::string> items;  // item keys as shown, in order
  std::vector<uint8_t> teams;      // team (ranker index) of each item, same length
  uint64_t unit = 0;  // statistical unit: the user's stable key hash when keyed, else random
};

// What one successful click report changed. `before` and `after` feed
// PreferenceTracker::Apply, which recomputes every pair's outcome from them.
// True for RecordClicks' NOT_FOUND of an impression that expired (its TTL passed), as opposed
// to one never held: callers count the two apart without reading the message.
bool IsExpiredImpression(const absl::Status& status);

struct ClickUpdate {
  std::vector<int> before;    // credited clicks per ranker before this report
  std::vector<int> after;     // ... after it
  int new_clicks = 0;         // distinct items this report added (0 = repeated report)
  bool first_report = false;  // the impression had no report before this one
  uint64_t unit = 0;
  // present[r]: ranker r owns at least one item of the impression. A ranker without a slot (a
  // multileaved page shorter than the number of rankers) is missing data for its pairs.
  std::vector<bool> present;
};

class ImpressionStore {
 public:
  static constexpr int kDefaultShards = 16;

  struct Counters {
    uint64_t added = 0;         // impressions stored by Add
    uint64_t evicted_full = 0;  // removed unreported or reported, to make room (cap reached)
    uint64_t expired = 0;       // removed because their ttl had passed
    uint64_t unknown = 0;       // RecordClicks with an id not held (never issued, evicted, dropped)
    uint64_t invalid_item = 0;  // RecordClicks naming an item not in the impression
    uint64_t empty_id = 0;      // RecordClicks with an empty id
    uint64_t reports = 0;       // successful RecordClicks calls
    uint64_t repeated_reports = 0;  // successful reports that changed nothing
    uint64_t clicks = 0;            // distinct clicked items recorded (credited or not)
  };

  // `num_rankers` in [1, 255] (teams >= num_rankers credit nobody); `max_impressions` >= 1
  // (0 is treated as 1); `ttl` > 0 (absl::InfiniteDuration() keeps impressions until evicted).
  // Ids come from generators seeded from the OS entropy source.
  ImpressionStore(int num_rankers, size_t max_impressions, absl::Duration ttl);
  // As above with a fixed seed (reproducible ids in single-threaded tests) and a shard count
  // (>= 1; 1 makes eviction strictly FIFO).
  ImpressionStore(int num_rankers, size_t max_impressions, absl::Duration ttl, uint64_t seed,
                  int num_shards = kDefaultShards);
  ~ImpressionStore();
  ImpressionStore(const ImpressionStore&) = delete;
  ImpressionStore& operator=(const ImpressionStore&) = delete;

  // Stores `impression` and returns its id: 128 random bits as 32 lowercase hex characters.
  // Teams missing at the end of `teams` (a shorter vector) are taken as kNoTeam. Expired
  // impressions at the front of the shard are dropped first; if the shard is still full, its
  // oldest impression is evicted.
  std::string Add(Impression impression, absl::Time now);

  // Records the clicked `item_ids` of impression `id`:
  //  - NOT_FOUND: the id is not held (message "unknown impression id": never issued, malformed,
  //    evicted, or already dropped) or has expired (message "...expired"; it is dropped now);
  //  - INVALID_ARGUMENT: an empty id, or an item that is not in the impression; then NOTHING of
  //    the report is recorded, not even its valid items.
  // Clicking an item twice (in one report or across reports) counts it once. An empty
  // `item_ids` is a valid report: the impression is then a tie with 0 clicks (first_report is
  // true on its first report).
  absl::StatusOr<ClickUpdate> RecordClicks(absl::string_view id,
                                           absl::Span<const std::string> item_ids, absl::Time now);

  Counters counters() const;
  size_t size() const { return size_.load(std::memory_order_relaxed); }
  int num_rankers() const { return num_rankers_; }
  int num_shards() const { return static_cast<int>(shards_.size()); }

 private:
  struct Entry {
    Impression impression;
    std::vector<uint8_t> clicked;  // per item: 1 once clicked
    std::vector<int> credits;      // per ranker
    absl::Time added;
    uint64_t seq = 0;  // matches the FIFO record that owns this entry
    bool reported = false;
  };
  struct FifoRecord {
    absl::Time added;
    absl::uint128 id;
    uint64_t seq;
  };
  struct Shard {
    Mutex mu;
    size_t cap = 0;
    uint64_t next_seq ABSL_GUARDED_BY(mu) = 0;
    absl::flat_hash_map<absl::uint128, Entry> entries ABSL_GUARDED_BY(mu);
    std::deque<FifoRecord> fifo ABSL_GUARDED_BY(mu);  // insertion order, oldest first
  };
  // Id generators: a few, each behind its own mutex, picked by the calling thread, so that
  // concurrent Adds rarely wait for one another.
  struct Generator {
    Mutex mu;
    absl::BitGen gen ABSL_GUARDED_BY(mu);
    explicit Generator(uint64_t seed);
  };

  absl::uint128 NewId();
  Shard& ShardFor(absl::uint128 id) {
    return *shards_[static_cast<size_t>(absl::Uint128Low64(id) % shards_.size())];
  }
  // Pops the FIFO front while it is stale or expired; evicts the oldest live entry while the
  // shard holds `cap` or more.
  void MakeRoom(Shard& shard, absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  void CompactFifo(Shard& shard) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  // Removes the entry of the FIFO front record if that record still owns it; pops the record.
  bool PopFront(Shard& shard) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu);
  bool Expired(absl::Time added, absl::Time now) const { return now >= added + ttl_; }

  const int num_rankers_;
  const absl::Duration ttl_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<Generator>> generators_;
  std::atomic<size_t> size_{0};

  std::atomic<uint64_t> added_{0};
  std::atomic<uint64_t> evicted_full_{0};
  std::atomic<uint64_t> expired_{0};
  std::atomic<uint64_t> unknown_{0};
  std::atomic<uint64_t> invalid_item_{0};
  std::atomic<uint64_t> empty_id_{0};
  std::atomic<uint64_t> reports_{0};
  std::atomic<uint64_t> repeated_reports_{0};
  std::atomic<uint64_t> clicks_{0};
};

}  // namespace modelgate::interleave
