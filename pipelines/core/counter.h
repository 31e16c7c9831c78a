// A statistics counter written by exactly one lcore and read by control threads.
// Relaxed atomics compile to plain loads and stores on x86 but keep the C++ memory model honest.
#pragma once

#include <cstdint>

namespace rampart::core {

struct Counter {
  uint64_t value = 0;

  void add(uint64_t n = 1) noexcept { __atomic_store_n(&value, value + n, __ATOMIC_RELAXED); }
  uint64_t load() const noexcept { return __atomic_load_n(&value, __ATOMIC_RELAXED); }
};

}  // namespace rampart::core
