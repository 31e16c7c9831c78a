// Merging the space-saving summaries of several lcores into one (control plane; allocates).
//
// A key missing from a summary is not a key with count 0 there: when that summary is full it may
// have seen the key up to its smallest count (min) times and evicted it. So, as mergeable
// summaries require (Agarwal et al., "Mergeable Summaries", 2012), each full summary that lacks a
// key adds its min to the key's count and to its error; a summary that is not full has kept every
// key it saw, exactly, and adds nothing. The merged entry then keeps the summaries' guarantee:
// count - error <= true count <= count. Adding only the lcores that hold the key undercounted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

namespace rampart::dns {

struct TopCount {
  uint64_t count = 0;
  uint64_t error = 0;
};

class TopMerger {
 public:
  // One summary as read: items with .key (std::string), .count, .error; `full` when it holds as
  // many entries as its capacity.
  template <class Items>
  void add(const Items& items, bool full) {
    uint64_t min = 0;
    if (full && !items.empty()) {
      min = items.begin()->count;
      for (const auto& it : items) min = std::min(min, it.count);
    }
    for (const auto& it : items) {
      Partial& p = keys_[it.key];
      p.count += it.count;
      p.error += it.error;
      p.own_min += min;
    }
    mins_ += min;
  }

  // Every key of any summary with its merged count and error: what the summaries holding it say,
  // plus the min of every full summary that does not (all mins, less those of its holders).
  std::map<std::string, TopCount> result() const {
    std::map<std::string, TopCount> out;
    for (const auto& [k, p] : keys_) out[k] = {p.count + (mins_ - p.own_min), p.error + (mins_ - p.own_min)};
    return out;
  }

 private:
  struct Partial {
    uint64_t count = 0, error = 0;
    uint64_t own_min = 0;  // mins of the summaries holding the key
  };
  std::map<std::string, Partial> keys_;
  uint64_t mins_ = 0;  // sum of every full summary's min
};

}  // namespace rampart::dns
