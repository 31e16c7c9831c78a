#include "dns/pending_table.h"

#include "dns/hash.h"

namespace rampart::dns {

PendingTable::PendingTable(uint32_t capacity) {
  limit_ = capacity < 64 ? 64 : capacity;
  const uint64_t want = uint64_t{limit_} * 4 / 3;
  uint64_t c = 64;
  while (c < want) c <<= 1;
  slots_ = make_table<PendingEntry>(static_cast<size_t>(c));
  mask_ = static_cast<uint32_t>(c - 1);
}

uint64_t PendingTable::hash(const TxKey& k) noexcept {
  return hash_bytes(&k, offsetof(TxKey, transport) + 1, 0x5eed);
}

PendingTable::Insert PendingTable::insert_hashed(const TxKey& k, uint64_t h, uint64_t question,
                                                 uint16_t qtype, uint16_t query_len,
                                                 uint64_t tsc, uint64_t timeout_tsc) noexcept {
  const uint32_t tag = tag_of(h);
  uint32_t i = home(tag);
  const bool room = size_ < limit_;
  for (unsigned d = 0; d < kMaxProbe; ++d, i = (i + 1) & mask_) {
    PendingEntry& e = slots_[i];
    if (e.tag == 0) {
      // A duplicate would sit before the first empty slot: none past it to look for.
      if (!room) return Insert::full;
      e.tag = tag;
      e.client_port = k.client_port;
      e.server_port = k.server_port;
      e.txid = k.txid;
      e.qtype = qtype;
      e.query_len = query_len;
      e.family = k.family;
      e.transport = k.transport;
      e.question = question;
      e.tsc = tsc;
      std::memcpy(e.client, k.client, 16);
      std::memcpy(e.server, k.server, 16);
      ++size_;
      return Insert::inserted;
    }
    if (same(e, k, tag)) {
      if (!expired(e, tsc, timeout_tsc)) return Insert::duplicate;
      e.qtype = qtype;
      e.query_len = query_len;
      e.question = question;
      e.tsc = tsc;
      return Insert::replaced_expired;
    }
  }
  return Insert::full;
}

PendingTable::Match PendingTable::take_hashed(const TxKey& k, uint64_t h, uint64_t question,
                                              PendingEntry& out, uint64_t now,
                                              uint64_t timeout_tsc) noexcept {
  const uint32_t tag = tag_of(h);
  uint32_t i = home(tag);
  for (unsigned d = 0; d < kMaxProbe; ++d, i = (i + 1) & mask_) {
    PendingEntry& e = slots_[i];
    if (e.tag == 0) return Match::no_entry;
    if (same(e, k, tag)) {
      if (expired(e, now, timeout_tsc)) {
        erase_at(i);
        return Match::expired;
      }
      if (e.question != question) return Match::other_question;
      out = e;
      erase_at(i);
      return Match::matched;
    }
  }
  return Match::no_entry;
}

// Backward-shift deletion: later entries of the same probe run move into the hole when their home
// slot allows it, so look-ups never need tombstones and probe lengths never grow. Every entry sits
// fewer than kMaxProbe slots from its home (inserts go no further, shifts only move entries
// closer), so once the scan is kMaxProbe slots past the hole nothing further can move into it.
void PendingTable::erase_at(uint32_t i) noexcept {
  uint32_t hole = i;
  for (uint32_t j = (i + 1) & mask_; ((j - hole) & mask_) < kMaxProbe; j = (j + 1) & mask_) {
    PendingEntry& e = slots_[j];
    if (e.tag == 0) break;
    const uint32_t h = home(e.tag);
    // Move e to the hole when its home is not cyclically within (hole, j].
    if (((hole - h) & mask_) < ((j - h) & mask_)) {
      slots_[hole] = e;
      hole = j;
    }
  }
  slots_[hole].tag = 0;
  --size_;
}

uint32_t PendingTable::expire(uint64_t now, uint64_t timeout_tsc, uint32_t slots) noexcept {
  uint32_t removed = 0;
  for (uint32_t n = 0; n < slots && size_; ++n) {
    // Deletion may shift a later entry back into this slot: look at it again until it stays.
    while (size_ && slots_[cursor_].tag != 0 && expired(slots_[cursor_], now, timeout_tsc)) {
      erase_at(cursor_);
      ++removed;
    }
    cursor_ = (cursor_ + 1) & mask_;
  }
  return removed;
}

}  // namespace rampart::dns
