#include "dns/tcp_flows.h"

#include <cstring>

#include "dns/hash.h"
#include "dns/probe_index.h"

namespace rampart::dns {

namespace {

bool same_flow(const FlowKey& a, const FlowKey& b) noexcept {
  return a.port_a == b.port_a && a.port_b == b.port_b && a.family == b.family &&
         std::memcmp(a.a, b.a, 16) == 0 && std::memcmp(a.b, b.b, 16) == 0;
}

}  // namespace

TcpFlowTable::TcpFlowTable(uint32_t flows) : n_(flows) {
  flows_.reset(new Flow[n_ ? n_ : 1]);
  uint32_t isz = 4;
  while (isz < 2 * n_) isz <<= 1;
  index_.reset(new uint32_t[isz]);
  std::fill_n(index_.get(), isz, 0u);
  imask_ = isz - 1;
  free_.reset(new uint32_t[n_ ? n_ : 1]);
  for (uint32_t i = 0; i < n_; ++i) free_[i] = n_ - 1 - i;
  nfree_ = n_;
}

uint64_t TcpFlowTable::hash(const FlowKey& k) noexcept {
  return hash_bytes(&k, offsetof(FlowKey, family) + 1, 0x7c9);
}

uint32_t TcpFlowTable::lookup(const FlowKey& k, uint64_t h) const noexcept {
  for (uint32_t s = static_cast<uint32_t>(h) & imask_;; s = (s + 1) & imask_) {
    const uint32_t v = index_[s];
    if (v == 0) return 0;
    if (same_flow(flows_[v - 1].key, k)) return v;
  }
}

void TcpFlowTable::index_insert(uint32_t flow, uint64_t h) noexcept {
  index_[probe_free(index_.get(), imask_, h)] = flow + 1;
}

void TcpFlowTable::index_erase(uint32_t flow) noexcept {
  uint32_t s = static_cast<uint32_t>(hash(flows_[flow].key)) & imask_;
  while (index_[s] != flow + 1) s = (s + 1) & imask_;
  backshift_erase(index_.get(), imask_, s, [this](uint32_t v) { return hash(flows_[v - 1].key); });
}

TcpFlowTable::Flow* TcpFlowTable::create(const FlowKey& k, uint64_t h, uint64_t tsc,
                                         bool& evicted) noexcept {
  evicted = false;
  if (n_ == 0) return nullptr;
  if (nfree_ == 0) {
    // All flows taken: evict the one under the clock hand.
    const uint32_t victim = hand_;
    hand_ = (hand_ + 1) % n_;
    release(&flows_[victim]);
    evicted = true;
  }
  const uint32_t idx = free_[--nfree_];
  Flow& f = flows_[idx];
  f.key = k;
  f.last_tsc = tsc;
  f.used = true;
  f.closed[0] = f.closed[1] = false;
  f.dir[0].reset();
  f.dir[1].reset();
  index_insert(idx, h);
  ++active_;
  return &f;
}

TcpFlowTable::Flow* TcpFlowTable::find(const FlowKey& k, uint64_t h, uint64_t tsc) noexcept {
  if (n_ == 0) return nullptr;
  const uint32_t v = lookup(k, h);
  if (!v) return nullptr;
  flows_[v - 1].last_tsc = tsc;
  return &flows_[v - 1];
}

void TcpFlowTable::release(Flow* f) noexcept {
  if (!f->used) return;
  const auto idx = static_cast<uint32_t>(f - flows_.get());
  f->dir[0].close();
  f->dir[1].close();
  index_erase(idx);
  f->used = false;
  free_[nfree_++] = idx;
  --active_;
}

uint32_t TcpFlowTable::expire(uint64_t now, uint64_t idle_tsc, uint32_t slots) noexcept {
  uint32_t removed = 0;
  for (uint32_t n = 0; n < slots && n < n_ && active_; ++n) {
    Flow& f = flows_[cursor_];
    if (f.used && static_cast<int64_t>(now - f.last_tsc) > static_cast<int64_t>(idle_tsc)) {
      release(&f);
      ++removed;
    }
    cursor_ = (cursor_ + 1) % n_;
  }
  return removed;
}

proto::dns::TcpStreamReassembler::Stats TcpFlowTable::stats() const noexcept {
  proto::dns::TcpStreamReassembler::Stats s{};
  for (uint32_t i = 0; i < n_; ++i)
    for (const auto& d : flows_[i].dir) {
      const auto& o = d.stats();
      s.segments += o.segments;
      s.messages += o.messages;
      s.duplicate_bytes += o.duplicate_bytes;
      s.gaps += o.gaps;
      s.bytes_given_up += o.bytes_given_up;
      s.partial_messages += o.partial_messages;
      s.resyncs += o.resyncs;
      s.bad_length += o.bad_length;
      s.search_limited += o.search_limited;
      s.search_steps += o.search_steps;
    }
  return s;
}

SynTable::SynTable(uint32_t entries) : on_(entries != 0) {
  uint32_t n = 1;
  while (n < entries) n <<= 1;
  slots_ = make_table<Slot>(n);
  mask_ = n - 1;
}

SynTable::Record SynTable::record(const FlowKey& k, uint64_t h, unsigned dir, uint32_t isn,
                                  uint64_t tsc) noexcept {
  if (!on_) return Record::off;
  Slot& s = slot(h);
  Record r = Record::recorded;
  if (!s.known || !same_flow(s.key, k)) {
    if (s.known) r = Record::replaced;
    s.key = k;
    s.known = 0;
  }
  s.isn[dir] = isn;
  s.known |= static_cast<uint8_t>(1u << dir);
  s.tsc = tsc;
  return r;
}

bool SynTable::take(const FlowKey& k, uint64_t h, uint64_t since, uint32_t isn[2],
                    bool known[2]) noexcept {
  if (!on_) return false;
  Slot& s = slot(h);
  if (!s.known || !same_flow(s.key, k) || static_cast<int64_t>(s.tsc - since) < 0) return false;
  for (unsigned d = 0; d < 2; ++d) {
    known[d] = s.known & (1u << d);
    isn[d] = s.isn[d];
  }
  s.known = 0;
  return true;
}

}  // namespace rampart::dns
