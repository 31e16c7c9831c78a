// rte_ip_frag_table_del_expired_entries() is still experimental in DPDK 22.11; it is the only
// way to drop timed-out datagrams without waiting for a later fragment to hash to their bucket.
#ifndef ALLOW_EXPERIMENTAL_API
#define ALLOW_EXPERIMENTAL_API
#endif
#include "dns/ip_reassembly.h"

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rampart::dns {

static_assert(kIpFragMaxPieces == RTE_LIBRTE_IP_FRAG_MAX_FRAG, "DPDK's fragment limit changed");

namespace {

constexpr uint32_t kIpv6Header = sizeof(rte_ipv6_hdr);
constexpr uint32_t kIpv6FragHeader = sizeof(rte_ipv6_fragment_ext);
constexpr uint8_t kIpv6NextFragment = 44;
constexpr uint32_t kBucketEntries = 8;  // associativity of rte_ip_frag's buckets
// A table call adds at most two entries' pieces and the new piece to the death row.
constexpr uint32_t kDeathRowReserve = 2 * (RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1) + 1;
constexpr uint32_t kDeathRowPrefetch = 4;
constexpr uint32_t kLinearBytes = 65536 + 128;  // a whole datagram behind its L2 header

// The number of wire fragments a copy stands for (coalesced pieces stand for several), kept in
// the copy's own mbuf: rte_ip_frag never looks at hash.usr.
void set_fragments(rte_mbuf* c, uint32_t n) { c->hash.usr = n; }
uint32_t fragments_of(const rte_mbuf* c) { return c->hash.usr; }

// Appends `len` bytes to the chain `c`, taking more segments from `pool` when the last is full.
bool append_bytes(rte_mbuf* c, rte_mempool* pool, const uint8_t* src, uint32_t len) {
  while (len) {
    rte_mbuf* last = rte_pktmbuf_lastseg(c);
    uint32_t room = rte_pktmbuf_tailroom(last);
    if (!room) {
      rte_mbuf* seg = rte_pktmbuf_alloc(pool);
      if (!seg) return false;
      set_fragments(seg, 0);
      if (rte_pktmbuf_chain(c, seg) != 0) {
        rte_pktmbuf_free(seg);
        return false;
      }
      continue;
    }
    const uint32_t n = std::min(room, len);
    std::memcpy(rte_pktmbuf_mtod_offset(last, uint8_t*, last->data_len), src, n);
    last->data_len = static_cast<uint16_t>(last->data_len + n);
    c->pkt_len += n;
    src += n;
    len -= n;
  }
  return true;
}

std::atomic<unsigned> g_pool_serial{0};

}  // namespace

bool FragmentReassembler::Key::operator==(const Key& o) const {
  return id == o.id && family == o.family && proto == o.proto &&
         std::memcmp(src, o.src, sizeof src) == 0 && std::memcmp(dst, o.dst, sizeof dst) == 0;
}

FragmentReassembler::FragmentReassembler(const DnsConfig& cfg, uint64_t tsc_hz, Sink sink,
                                         void* sink_ctx)
    : sink_(sink), sink_ctx_(sink_ctx), linear_(new uint8_t[kLinearBytes]) {
  const uint32_t entries = std::max<uint32_t>(cfg.ip_frag_entries, 1);
  // Copies: a full table, a full death row, the piece being coalesced (and its segments).
  const uint32_t mbufs = entries * cfg.ip_frag_max_fragments + RTE_IP_FRAG_DEATH_ROW_MBUF_LEN + 64;
  const std::string name = "dnsfrag_" + std::to_string(g_pool_serial.fetch_add(1));
  pool_ = rte_pktmbuf_pool_create(name.c_str(), mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (!pool_)
    throw std::runtime_error("dns: cannot create the fragment copy pool (" + std::to_string(mbufs) +
                             " mbufs; lower ip_frag_entries or give EAL more memory): " +
                             rte_strerror(rte_errno));
  // Buckets of kBucketEntries, two candidate buckets per key: the table has room for twice the
  // entries allowed at once, which keeps a full table's look-ups short.
  const uint32_t buckets = std::max<uint32_t>(rte_align32pow2(entries) / kBucketEntries, 1);
  const uint64_t max_cycles = std::max<uint64_t>(cfg.ip_frag_timeout_ms * tsc_hz / 1000, 1);
  tbl_ = rte_ip_frag_table_create(buckets, kBucketEntries, entries, max_cycles, SOCKET_ID_ANY);
  if (!tbl_) {
    rte_mempool_free(pool_);
    throw std::runtime_error("dns: cannot create the IP fragment table (" + std::to_string(entries) +
                             " entries)");
  }
}

FragmentReassembler::~FragmentReassembler() {
  if (open_) rte_pktmbuf_free(open_);
  rte_ip_frag_free_death_row(&dr_, 0);
  rte_ip_frag_table_destroy(tbl_);  // frees the copies it still holds
  rte_mempool_free(pool_);
}

uint32_t FragmentReassembler::mbufs_held() const { return rte_mempool_in_use_count(pool_); }

bool FragmentReassembler::read_piece(const rte_mbuf* m, const proto::ParsedPacket& p, Piece& pc) const {
  const uint8_t* ip = rte_pktmbuf_mtod_offset(m, const uint8_t*, p.l3_offset);
  const void *src, *dst;
  size_t addr_len;
  std::memset(&pc.key, 0, sizeof pc.key);
  if (p.l3 == proto::L3Kind::ipv4) {
    const auto* h = reinterpret_cast<const rte_ipv4_hdr*>(ip);
    const uint16_t fo = rte_be_to_cpu_16(h->fragment_offset);
    pc.key.family = 4;
    pc.key.proto = h->next_proto_id;
    pc.key.id = rte_be_to_cpu_16(h->packet_id);
    src = &h->src_addr;
    dst = &h->dst_addr;
    addr_len = sizeof h->src_addr;
    pc.header_len = rte_ipv4_hdr_len(h);  // the parser checked it <= total length <= frame
    pc.offset = (fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
    pc.more = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
  } else {
    // Only a fragment header straight after the fixed header (what senders emit for UDP, and
    // all rte_ip_frag handles).
    const auto* h = reinterpret_cast<const rte_ipv6_hdr*>(ip);
    if (h->proto != kIpv6NextFragment || p.l3_len < kIpv6Header + kIpv6FragHeader) return false;
    const auto* fh = reinterpret_cast<const rte_ipv6_fragment_ext*>(h + 1);
    const uint16_t fo = rte_be_to_cpu_16(fh->frag_data);
    pc.key.family = 6;
    pc.key.proto = fh->next_header;
    pc.key.id = rte_be_to_cpu_32(fh->id);
    src = h->src_addr;
    dst = h->dst_addr;
    addr_len = sizeof h->src_addr;
    pc.header_len = kIpv6Header + kIpv6FragHeader;
    pc.offset = RTE_IPV6_GET_FO(fo) * RTE_IPV6_EHDR_FO_ALIGN;
    pc.more = RTE_IPV6_GET_MF(fo) != 0;
  }
  std::memcpy(pc.key.src, src, addr_len);
  std::memcpy(pc.key.dst, dst, addr_len);
  pc.len = p.l3_len - pc.header_len;
  pc.payload_at = p.l3_offset + pc.header_len;
  return true;
}

void FragmentReassembler::feed(const rte_mbuf* m, const proto::ParsedPacket& p, uint64_t tsc) {
  c_.fragments.add(1);
  Piece pc;
  if (!read_piece(m, p, pc)) {
    c_.unsupported.add(1);
    return;
  }
  // Empty pieces, a datagram past 64 KiB, and a non-final piece that is not a multiple of 8
  // octets (the next offset could not follow it) are refused as RFC 791/8200 receivers do.
  const uint32_t limit = pc.key.family == 4 ? 65535 - pc.header_len : 65535 - kIpv6FragHeader;
  if (pc.len == 0 || pc.offset + pc.len > limit || (pc.more && pc.len % 8)) {
    c_.invalid.add(1);
    return;
  }
  if (open_) {
    if (pc.key == open_piece_.key && pc.offset == open_piece_.offset + open_piece_.len) {
      if (append(m, pc)) {
        c_.coalesced.add(1);
        if (!pc.more) push_open(tsc);
      } else {
        // The pool ran dry half way through: the copy is lost with this piece.
        c_.no_mbuf.add(fragments_in_chain(open_) + 1);
        rte_pktmbuf_free(open_);
        open_ = nullptr;
      }
      return;
    }
    push_open(tsc);
  }
  rte_mbuf* c = rte_pktmbuf_copy(m, pool_, 0, pc.payload_at + pc.len);
  if (!c) {
    c_.no_mbuf.add(1);
    return;
  }
  c->l2_len = p.l3_offset;
  c->l3_len = pc.header_len;
  for (rte_mbuf* seg = c->next; seg; seg = seg->next) set_fragments(seg, 0);
  set_fragments(c, 1);
  open_ = c;
  open_piece_ = pc;
  open_tsc_ = tsc;
  if (!pc.more) push_open(tsc);  // a last piece: nothing can follow it in order
}

bool FragmentReassembler::append(const rte_mbuf* m, const Piece& pc) {
  const uint8_t* src;
  if (pc.payload_at + pc.len <= m->data_len) {
    src = rte_pktmbuf_mtod_offset(m, const uint8_t*, pc.payload_at);
  } else {
    src = static_cast<const uint8_t*>(rte_pktmbuf_read(m, pc.payload_at, pc.len, linear_.get()));
    if (!src) return false;
  }
  if (!append_bytes(open_, pool_, src, pc.len)) return false;
  open_piece_.len += pc.len;
  // The copy's header now describes the longer piece.
  uint8_t* ip = rte_pktmbuf_mtod_offset(open_, uint8_t*, open_->l2_len);
  if (open_piece_.key.family == 4)
    reinterpret_cast<rte_ipv4_hdr*>(ip)->total_length =
        rte_cpu_to_be_16(static_cast<uint16_t>(open_piece_.header_len + open_piece_.len));
  else
    reinterpret_cast<rte_ipv6_hdr*>(ip)->payload_len =
        rte_cpu_to_be_16(static_cast<uint16_t>(kIpv6FragHeader + open_piece_.len));
  set_more_flag(open_, pc.more);
  set_fragments(open_, fragments_of(open_) + 1);
  return true;
}

void FragmentReassembler::set_more_flag(rte_mbuf* c, bool more) {
  uint8_t* ip = rte_pktmbuf_mtod_offset(c, uint8_t*, c->l2_len);
  open_piece_.more = more;
  if (open_piece_.key.family == 4) ip[6] = static_cast<uint8_t>(more ? ip[6] | 0x20 : ip[6] & ~0x20);
  else ip[40 + 3] = static_cast<uint8_t>(more ? ip[43] | 1 : ip[43] & ~1);
}

void FragmentReassembler::push_open(uint64_t tsc) {
  rte_mbuf* c = open_;
  open_ = nullptr;
  if (open_piece_.offset == 0 && !open_piece_.more) {
    // Every piece arrived in order: the copy is the whole datagram, no table needed. Its header
    // is made that of an unfragmented datagram, as rte_ip_frag does.
    uint8_t* ip = rte_pktmbuf_mtod_offset(c, uint8_t*, c->l2_len);
    if (open_piece_.key.family == 4) {
      ip[6] &= 0x40;  // keep DF only
      ip[7] = 0;
    } else {
      ip[6] = ip[40];  // next header from the fragment header
      reinterpret_cast<rte_ipv6_hdr*>(ip)->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(open_piece_.len));
      const uint32_t move = c->l2_len + 40u;
      std::memmove(rte_pktmbuf_mtod_offset(c, uint8_t*, kIpv6FragHeader), rte_pktmbuf_mtod(c, uint8_t*), move);
      rte_pktmbuf_adj(c, kIpv6FragHeader);
    }
    deliver(c, tsc);
    return;
  }
  to_table(c, open_tsc_);
}

uint64_t FragmentReassembler::fragments_in_chain(const rte_mbuf* m) {
  uint64_t n = 0;
  for (; m; m = m->next) n += fragments_of(m);
  return n;
}

uint64_t FragmentReassembler::fragments_in_death_row(uint32_t from) const {
  uint64_t n = 0;
  for (uint32_t i = from; i < dr_.cnt; ++i) n += fragments_in_chain(dr_.row[i]);
  return n;
}

bool FragmentReassembler::in_death_row(const rte_mbuf* c, uint32_t from) const {
  for (uint32_t i = from; i < dr_.cnt; ++i)
    for (const rte_mbuf* seg = dr_.row[i]; seg; seg = seg->next)
      if (seg == c) return true;
  return false;
}

void FragmentReassembler::make_room_in_death_row() {
  if (dr_.cnt + kDeathRowReserve > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN)
    rte_ip_frag_free_death_row(&dr_, kDeathRowPrefetch);
}

// rte_ip_frag reports no reason, only what lands on the death row during the call. From its code
// (ip_frag_find / ip_frag_process): the new piece goes there alone when the table is full, with
// its datagram's other pieces when the set is invalid (overlap, hole, duplicate, too many); a
// call that puts anything else there has found timed-out entries while looking up (it then
// succeeds in storing the piece, so the two never mix). Each copy counts its wire fragments.
void FragmentReassembler::to_table(rte_mbuf* c, uint64_t tsc) {
  make_room_in_death_row();
  const uint32_t before = dr_.cnt;
  rte_mbuf* whole;
  if (open_piece_.key.family == 4) {
    auto* ip = rte_pktmbuf_mtod_offset(c, rte_ipv4_hdr*, c->l2_len);
    whole = rte_ipv4_frag_reassemble_packet(tbl_, &dr_, c, tsc, ip);
  } else {
    auto* ip = rte_pktmbuf_mtod_offset(c, rte_ipv6_hdr*, c->l2_len);
    auto* fh = reinterpret_cast<rte_ipv6_fragment_ext*>(ip + 1);
    whole = rte_ipv6_frag_reassemble_packet(tbl_, &dr_, c, tsc, ip, fh);
  }
  const uint32_t added = dr_.cnt - before;
  if (added) {
    const uint64_t frags = fragments_in_death_row(before);
    if (!whole && in_death_row(c, before)) {
      (added == 1 ? c_.table_full : c_.invalid).add(frags);
    } else {
      c_.timed_out.add(frags);
    }
  }
  if (whole) deliver(whole, tsc);
}

void FragmentReassembler::deliver(rte_mbuf* whole, uint64_t tsc) {
  const uint32_t len = whole->pkt_len;
  const uint8_t* frame = len <= kLinearBytes
                             ? static_cast<const uint8_t*>(rte_pktmbuf_read(whole, 0, len, linear_.get()))
                             : nullptr;
  c_.reassembled.add(1);
  c_.used.add(fragments_in_chain(whole));
  if (frame) sink_(sink_ctx_, frame, len, tsc);
  else c_.malformed.add(1);
  rte_pktmbuf_free(whole);
}

void FragmentReassembler::flush(uint64_t now_tsc) {
  if (open_) push_open(open_tsc_);
  make_room_in_death_row();
  const uint32_t before = dr_.cnt;
  rte_ip_frag_table_del_expired_entries(tbl_, &dr_, now_tsc);
  if (dr_.cnt != before) c_.timed_out.add(fragments_in_death_row(before));
  if (dr_.cnt) rte_ip_frag_free_death_row(&dr_, kDeathRowPrefetch);
}

}  // namespace rampart::dns
