// Memory for the stage's large per-lcore tables (the pending table is megabytes). A look-up lands
// on a random slot, and on 4 KiB pages nearly every one also misses the TLB: perf showed the
// pending-table prefetch itself stalling on it. Tables from 2 MiB up are therefore 2 MiB-aligned
// and offered to the kernel as transparent huge pages (madvise; a hint, it may decline, and the
// table works either way). Allocated once at start-up, on the control plane.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace rampart::dns {

struct TableFree {
  void operator()(void* p) const noexcept { std::free(p); }
};

template <typename T>
using TablePtr = std::unique_ptr<T[], TableFree>;

// n zero-filled elements of a trivially copyable T.
template <typename T>
TablePtr<T> make_table(size_t n) {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t bytes = n * sizeof(T);
  const size_t align = bytes >= kHuge ? kHuge : alignof(std::max_align_t) > alignof(T) ? alignof(std::max_align_t) : alignof(T);
  const size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded ? rounded : align);
  if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (bytes >= kHuge) (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
  std::memset(p, 0, rounded ? rounded : align);
  return TablePtr<T>(static_cast<T*>(p));
}

}  // namespace rampart::dns
