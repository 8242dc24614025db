// Counts heap allocations in a test binary, to prove that hot-path recording does not allocate.
// It replaces the global operator new/delete, so include it from exactly one translation unit
// per binary (each tests/stats/*_test.cc is its own binary).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace modelgate::stats::testing {

inline std::atomic<int64_t> g_heap_allocations{0};

// Allocations made by this process so far; compare two readings around the code under test.
inline int64_t HeapAllocations() { return g_heap_allocations.load(std::memory_order_relaxed); }

}  // namespace modelgate::stats::testing

// GCC cannot see that these deletes pair with the malloc-based new above and warns.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  modelgate::stats::testing::g_heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// Every form the library may use, so none of them reaches the default (or a sanitizer's)
// allocator and then our free(): std::stable_sort's temporary buffer uses the nothrow new.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  modelgate::stats::testing::g_heap_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop
