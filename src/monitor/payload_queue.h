// BoundedMpscQueue: a fixed-capacity, lock-free queue with many producers and one consumer, for
// handing sampled payloads from proxy worker threads to the monitor thread. A producer never
// blocks or waits for the consumer: when the queue is full, TryPush fails at once and the caller
// drops (and counts) the item.
//
// The algorithm is the classic sequence-numbered ring: every cell carries a sequence number that
// says whose turn it is (a producer for position p when seq == p, the consumer when
// seq == p + 1). A producer claims a position with one compare-and-swap on the tail and
// publishes the cell with a release store; the single consumer needs no atomic read-modify-write
// at all. The capacity is exact (not rounded to a power of two) because it is a user setting.
//
// Thread-safety: TryPush may be called from any number of threads concurrently; TryPop from one
// thread at a time (the consumer). Memory: `capacity` cells, allocated once at construction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace modelgate::monitor {

template <typename T>
class BoundedMpscQueue {
 public:
  // capacity < 1 is treated as 1.
  explicit BoundedMpscQueue(size_t capacity)
      : capacity_(capacity < 1 ? 1 : capacity), cells_(new Cell[capacity_]) {
    for (size_t i = 0; i < capacity_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  BoundedMpscQueue(const BoundedMpscQueue&) = delete;
  BoundedMpscQueue& operator=(const BoundedMpscQueue&) = delete;

  // Moves `item` in and returns true, or returns false (leaving `item` untouched) when full.
  bool TryPush(T&& item) {
    uint64_t pos = tail_.load(std::memory_order_relaxed);
    Cell* cell;
    for (;;) {
      cell = &cells_[pos % capacity_];
      const uint64_t seq = cell->seq.load(std::memory_order_acquire);
      const int64_t diff = static_cast<int64_t>(seq) - static_cast<int64_t>(pos);
      if (diff == 0) {
        // Our turn for this cell if no other producer claims `pos` first.
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        // The consumer has not freed this cell from the previous lap: full.
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);  // another producer got ahead
      }
    }
    cell->value = std::move(item);
    cell->seq.store(pos + 1, std::memory_order_release);
    return true;
  }

  // Moves the oldest published item into *out; false when there is none.
  bool TryPop(T* out) {
    const uint64_t head = head_.load(std::memory_order_relaxed);  // only this thread writes it
    Cell& cell = cells_[head % capacity_];
    const uint64_t seq = cell.seq.load(std::memory_order_acquire);
    if (seq != head + 1) return false;  // not yet published (or empty)
    *out = std::move(cell.value);
    cell.value = T();  // release what the item holds now, not a lap later
    cell.seq.store(head + capacity_, std::memory_order_release);
    head_.store(head + 1, std::memory_order_relaxed);
    return true;
  }

  size_t capacity() const { return capacity_; }

  // Approximate number of queued items (exact when no push or pop is in progress).
  size_t size_approx() const {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    const uint64_t head = head_.load(std::memory_order_relaxed);
    return tail > head ? static_cast<size_t>(tail - head) : 0;
  }

 private:
  struct Cell {
    std::atomic<uint64_t> seq{0};
    T value{};
  };

  const size_t capacity_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<uint64_t> tail_{0};
  // Written by the consumer only; atomic so size_approx() may read it from other threads.
  alignas(64) std::atomic<uint64_t> head_{0};
};

}  // namespace modelgate::monitor
