// ARP detection events (arpwatch/ArpON style) in a bounded ring. The ARP lcore writes (never
// waits); control threads read the recent ones (telemetry) or drain them by sequence number (the
// rate-limited logger): a reader that falls more than the ring size behind learns how many it
// lost. Each slot is guarded by its own sequence counter. Times are TSC cycles.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/counter.h"
#include "core/seqcount.h"
#include "proto/arp.h"

namespace rampart::arp {

enum class EventKind : uint8_t {
  new_station = 0,    // first time this IP is seen on this port/VLAN
  flip_flop,          // a known IP now answers with another MAC
  dual_claim,         // ... while the old MAC was seen within the dual-claim window
  unsolicited_reply,  // a reply to us nobody here asked for, not gratuitous
  conflict,           // another MAC uses one of our own addresses
  count_
};
inline constexpr size_t kEventKinds = static_cast<size_t>(EventKind::count_);

constexpr std::string_view to_string(EventKind k) {
  constexpr std::array<std::string_view, kEventKinds> names = {
      "new_station", "flip_flop", "dual_claim", "unsolicited_reply", "conflict"};
  return names[static_cast<size_t>(k)];
}

struct Event {
  uint64_t seq = 0;  // 1, 2, ... in write order
  uint64_t tsc = 0;
  EventKind kind = EventKind::new_station;
  uint16_t port = 0;
  uint16_t vlan = 0;
  uint32_t ip = 0;  // host order
  proto::ArpMac old_mac{};
  proto::ArpMac new_mac{};
};

class EventLog {
 public:
  explicit EventLog(uint32_t size) : slots_(std::bit_ceil(std::max<uint32_t>(2, size))) {}

  // Writer only. Stamps e.seq.
  void push(Event e) {
    const uint64_t seq = written_.load() + 1;
    e.seq = seq;
    Slot& s = slots_[(seq - 1) & (slots_.size() - 1)];
    s.seq.write_begin();
    s.event = e;
    s.seq.write_end();
    written_.add(1);
  }

  // Events written so far (the last one's seq).
  uint64_t written() const { return written_.load(); }
  size_t capacity() const { return slots_.size(); }

  // Any thread: appends events with seq > after, oldest first, at most `max`. Returns the seq
  // to pass next time. Events overwritten before they could be read are counted in `lost`.
  uint64_t read(uint64_t after, std::vector<Event>& out, size_t max, uint64_t& lost) const {
    const uint64_t end = written();
    const uint64_t oldest = end > slots_.size() ? end - slots_.size() : 0;  // seq > oldest kept
    lost = after < oldest ? oldest - after : 0;
    uint64_t next = std::max(after, oldest);
    while (next < end && out.size() < max) {
      const Slot& s = slots_[next & (slots_.size() - 1)];
      Event e;
      uint32_t begin;
      do {
        begin = s.seq.read_begin();
        e = s.event;
      } while (s.seq.read_retry(begin));
      if (e.seq != next + 1) {  // overwritten meanwhile: the writer lapped us
        ++lost;
      } else {
        out.push_back(e);
      }
      ++next;
    }
    return next;
  }

 private:
  struct Slot {
    core::SeqCount seq;
    Event event;
  };
  std::vector<Slot> slots_;
  core::Counter written_;
};

}  // namespace rampart::arp
