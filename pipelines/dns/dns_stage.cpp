#include "dns/dns_stage.h"

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#ifdef __AVX2__  // AVX-512 implies it
#include <immintrin.h>
#endif
#include <cstring>

#include "dns/hash.h"
#include "dns/names.h"
#include "proto/dns/rdata.h"

namespace rampart::dns {

namespace dnsp = proto::dns;
namespace pflag = proto::pkt_flag;

namespace {

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04;
constexpr uint32_t kPendingSweep = 256;  // pending slots looked at per flush()
constexpr uint32_t kFlowSweep = 8;       // TCP flows looked at per flush()
constexpr uint16_t kBatch = 32;          // packets whose pending slots are prefetched together

uint64_t ms_to_tsc(uint64_t ms, uint64_t hz) { return ms * hz / 1000; }

// The first question's QNAME, decompressed and lower-cased, into out[256]; returns its length.
// A QNAME is nearly always written whole (it is the message's first name): then its bytes in place
// are already the wire form and one copy replaces the label walk of Name::to_wire. The in-place
// length (up to the QTYPE) equals the decompressed length exactly when there is no pointer: a
// pointer's 2 bytes stand for a suffix of 1 or >= 3 octets.
inline uint8_t lower_ascii(uint8_t c) { return c | (static_cast<uint8_t>(c - 'A') < 26 ? 0x20 : 0); }

size_t qname_lower(const proto::dns::Message& m, uint8_t* out) {
  const proto::dns::Record& q = m.record(0);
  const size_t in_place = size_t{q.rdata} - 4u - q.owner;
  if (in_place != q.owner_length) {
    const size_t n = m.qname().to_wire(out);
    for (size_t i = 0; i < n; ++i) out[i] = lower_ascii(out[i]);
    return n;
  }
  // Copy and lower-case in one pass from the message: copying first and lower-casing the copy
  // read back 32-byte blocks from bytes just stored in smaller pieces, a store-to-load forward
  // that fails and stalls (perf: the hottest spot of the stage). The blocks are stored whole
  // (out has 256 bytes; past the name they hold zeros): the hash reads them back next, and a
  // masked store cannot forward to those loads. Length octets are <= 63, below 'A', so they pass
  // unchanged.
  const uint8_t* src = m.data() + q.owner;
  const size_t n = in_place;
#ifdef __AVX512BW__
  const __m256i a = _mm256_set1_epi8('A'), span = _mm256_set1_epi8(25), bit = _mm256_set1_epi8(0x20);
  for (size_t b = 0; b < n; b += 32) {
    const size_t left = n - b;
    const __mmask32 lanes = left >= 32 ? ~__mmask32{0} : (__mmask32{1} << left) - 1;
    const __m256i v = _mm256_maskz_loadu_epi8(lanes, src + b);  // never reads past the name
    const __mmask32 upper = _mm256_cmple_epu8_mask(_mm256_sub_epi8(v, a), span);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + b), _mm256_or_si256(v, _mm256_maskz_mov_epi8(upper, bit)));
  }
#else
  for (size_t i = 0; i < n; ++i) out[i] = lower_ascii(src[i]);
#endif
  return n;
}

// A client key: the family byte and the 16 bytes of an Endpoints address (IPv4 zero-padded, as
// endpoints_of() fills them), into `key`; returns the key's length (5 or 17).
// The key is read back at once, by its hash and by the space-saving summary's compare. Written as
// a byte and a 16-byte copy, every one of those reads spanned both stores, which the CPU cannot
// forward from: the reads waited for the stores to reach the cache (perf: the two hottest spots of
// observe_message, about 15 cycles per message). With AVX2 the 17 bytes are built in a register
// and written by one 32-byte store that contains every later read.
using ClientKey = uint8_t[32];
static_assert(sizeof(ClientKey) >= TopLists::kClientCap);
inline size_t client_key(uint8_t family, const uint8_t* addr, ClientKey& key) noexcept {
#ifdef __AVX2__
  const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(addr));
  const __m128i low = _mm_insert_epi8(_mm_slli_si128(a, 1), family, 0);  // family, bytes 0..14
  const __m128i high = _mm_srli_si128(a, 15);                             // byte 15, zeros
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(key), _mm256_set_m128i(high, low));
#else
  key[0] = family;
  std::memcpy(key + 1, addr, 16);
#endif
  return family == 4 ? 5 : 17;
}

// A client key hashed over all 17 bytes for either family: with a constant length the tail is
// one fixed load, where the 5 bytes of an IPv4 key took a byte-wise copy whose 8-byte reload
// stalled on store forwarding (measured: 21 cycles per call against 8).
inline uint64_t client_hash(const uint8_t* key) noexcept { return hash_bytes(key, TopLists::kClientCap); }

// The registered domain of a lower-cased QNAME (registered_domain_offset) and its hash_bytes():
// the name's own hash when the name is the domain.
struct Domain {
  size_t offset;
  uint64_t hash;
};
inline Domain registered_domain(const uint8_t* wire, size_t wlen, uint64_t name_hash) noexcept {
  const size_t d = registered_domain_offset(wire, wlen);
  return {d, d ? hash_bytes(wire + d, wlen - d) : name_hash};
}

// The pending-table key of a message between these endpoints: the client sends the query and
// receives the response.
// The key is hashed and compared as 64-bit words right after it is built: its ports, TxID, family
// and transport are therefore written as the one word they are read as (written field by field,
// the word's load waited for a store-to-load forward that fails; perf: prefetch_pending).
TxKey tx_key(const DnsStage::Endpoints& ep, uint16_t txid, bool response, bool tcp) noexcept {
  TxKey key;
  std::memcpy(key.client, response ? ep.dst : ep.src, 16);
  std::memcpy(key.server, response ? ep.src : ep.dst, 16);
  const uint16_t cport = response ? ep.dport : ep.sport, sport = response ? ep.sport : ep.dport;
  if constexpr (std::endian::native == std::endian::little) {
    static_assert(offsetof(TxKey, server_port) == offsetof(TxKey, client_port) + 2 &&
                  offsetof(TxKey, txid) == offsetof(TxKey, client_port) + 4 &&
                  offsetof(TxKey, family) == offsetof(TxKey, client_port) + 6 &&
                  offsetof(TxKey, transport) == offsetof(TxKey, client_port) + 7);
    const uint64_t tail = uint64_t{cport} | uint64_t{sport} << 16 | uint64_t{txid} << 32 |
                          uint64_t{ep.family} << 48 | uint64_t{tcp ? 1u : 0u} << 56;
    std::memcpy(&key.client_port, &tail, 8);
  } else {
    key.client_port = cport;
    key.server_port = sport;
    key.txid = txid;
    key.family = ep.family;
    key.transport = tcp ? 1 : 0;
  }
  return key;
}

}  // namespace

DnsStage::DnsStage(const DnsConfig& cfg, const core::ForwardConfig& fwd, uint64_t tsc_hz)
    : cfg_(cfg),
      fwd_(fwd),
      tsc_hz_(tsc_hz ? tsc_hz : 1),
      ns_per_tsc_q32_(static_cast<uint64_t>((static_cast<unsigned __int128>(1000000000u) << 32) / tsc_hz_)),
      timeout_tsc_(ms_to_tsc(cfg.query_timeout_ms, tsc_hz_)),
      tcp_idle_tsc_(ms_to_tsc(cfg.tcp_idle_timeout_ms, tsc_hz_)),
      publish_tsc_(ms_to_tsc(cfg.topn_publish_ms, tsc_hz_)),
      pending_(cfg.pending_entries),
      top_(std::make_unique<TopLists>(cfg.topn_capacity)),
      tcp_(cfg.tcp_flows),
      syn_(cfg.tcp_flows ? std::max<uint32_t>(1024, 2 * cfg.tcp_flows) : 0),
      det_(cfg.detect, tsc_hz_),
      msg_(records_, static_cast<uint16_t>(std::size(records_))),
      linear_(new uint8_t[65536]) {
  if (!cfg.query_log_path.empty()) qlog_ = std::make_unique<QueryLogRing>(cfg.query_log_ring);
  if (cfg.ip_frag_entries)
    frag_ = std::make_unique<FragmentReassembler>(cfg, tsc_hz_, &DnsStage::observe_datagram, this);
}

DnsStage::~DnsStage() = default;

uint16_t DnsStage::process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) {
  // In batches: first the DNS header of every packet is prefetched, then each UDP message's
  // transaction key is hashed and its pending-table slot prefetched, then the messages are
  // observed -- so the table's cache misses overlap instead of stalling one message at a time.
  uint64_t key_hash[kBatch];
  for (uint16_t base = 0; base < n; base += kBatch) {
    rte_mbuf** b = pkts + base;
    const uint16_t k = static_cast<uint16_t>(std::min<unsigned>(kBatch, n - base));
    for (uint16_t i = 0; i < k; ++i)
      rte_prefetch0(rte_pktmbuf_mtod_offset(b[i], void*, core::meta(b[i])->pkt.payload_offset));
    for (uint16_t i = 0; i < k; ++i) key_hash[i] = prefetch_pending(b[i]);
    for (uint16_t i = 0; i < k; ++i) observe(b[i], key_hash[i]);
  }
  fwd_.forward_all(pkts, n, ctx);
  packets_since_flush_ += n;
  return n;
}

// The transaction key of a UDP message observe() will hand to observe_message() (same conditions),
// hashed, with its pending-table slot prefetched; 0 for anything else (observe_message hashes).
uint64_t DnsStage::prefetch_pending(rte_mbuf* m) const {
  const proto::ParsedPacket& p = core::meta(m)->pkt;
  if ((p.flags & (pflag::l4_parsed | pflag::fragment)) != pflag::l4_parsed || p.l4_proto != kUdp ||
      (p.l3 != proto::L3Kind::ipv4 && p.l3 != proto::L3Kind::ipv6) || p.payload_len < 12 ||
      p.payload_offset + p.payload_len > m->data_len)
    return 0;
  const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* dns = data + p.payload_offset;
  const uint64_t h = PendingTable::hash(
      tx_key(endpoints_of(data, p), static_cast<uint16_t>(dns[0] << 8 | dns[1]), dns[2] & 0x80, false));
  pending_.prefetch(h);
  return h;
}

void DnsStage::observe(rte_mbuf* m, uint64_t key_hash) {
  c_.packets.add(1);
  const core::PacketMeta& md = *core::meta(m);
  const proto::ParsedPacket& p = md.pkt;
  // Before the L4 check: later fragments carry no L4 header.
  if (p.flags & pflag::fragment) {
    observe_fragment(m, md);
    return;
  }
  if (!(p.flags & pflag::l4_parsed) || (p.l4_proto != kUdp && p.l4_proto != kTcp) ||
      (p.l3 != proto::L3Kind::ipv4 && p.l3 != proto::L3Kind::ipv6)) {
    c_.non_dns_l4.add(1);
    return;
  }
  const auto* data = rte_pktmbuf_mtod(m, const uint8_t*);
  const Endpoints ep = endpoints_of(data, p);

  const uint8_t* payload = data + p.payload_offset;
  const size_t len = p.payload_len;
  if (len && p.payload_offset + len > m->data_len) {
    // The message spans mbuf segments (jumbo frames): copy it out once.
    payload = static_cast<const uint8_t*>(rte_pktmbuf_read(m, p.payload_offset, len, linear_.get()));
    if (!payload) {
      c_.messages.add(1);
      c_.malformed.add(1);
      c_.errors[static_cast<size_t>(dnsp::Error::truncated_header)].add(1);
      return;
    }
  }
  if (p.l4_proto == kUdp)
    observe_message(payload, len, ep, false, md.rx_tsc, key_hash);
  else
    observe_tcp(m, md, payload, len, ep, md.rx_tsc);
}

void DnsStage::observe_tcp(rte_mbuf* m, const core::PacketMeta& md, const uint8_t* payload,
                           size_t len, const Endpoints& ep, uint64_t tsc) {
  c_.tcp_segments.add(1);
  const proto::ParsedPacket& p = md.pkt;
  const uint8_t* tcp = rte_pktmbuf_mtod_offset(m, const uint8_t*, p.l4_offset);
  const uint32_t seq = proto::detail::load_be32(tcp + 4);
  const uint8_t fl = p.tcp_flags;
  unsigned dir = 0;
  const FlowKey key = make_flow_key(ep.src, ep.sport, ep.dst, ep.dport, ep.family, dir);
  const uint64_t h = TcpFlowTable::hash(key);
  // Only a segment that carries data creates a flow (tcp_flows.h: a bare SYN only leaves its ISN
  // in syn_); ACKs and the FIN/RST of a connection already released take nothing.
  TcpFlowTable::Flow* f = tcp_.find(key, h, tsc);
  if (!f && len) {
    bool evicted = false;
    f = tcp_.create(key, h, tsc, evicted);
    if (evicted) c_.tcp_flows_evicted.add(1);
    if (!f) {
      c_.tcp_no_flow.add(1);
    } else {
      c_.tcp_flows_created.add(1);
      uint32_t isn[2];
      bool known[2];
      if (syn_.take(key, h, tsc - tcp_idle_tsc_, isn, known)) {
        for (unsigned d = 0; d < 2; ++d)
          if (known[d]) f->dir[d].on_syn(isn[d]);
        c_.tcp_syn_used.add(1);
      }
    }
  }
  if (!f) {
    if ((fl & kTcpSyn) && !(fl & kTcpRst)) {
      switch (syn_.record(key, h, dir, seq, tsc)) {
        case SynTable::Record::off: break;
        case SynTable::Record::recorded: c_.tcp_syn_recorded.add(1); break;
        case SynTable::Record::replaced:
          c_.tcp_syn_recorded.add(1);
          c_.tcp_syn_overwritten.add(1);
          break;
      }
    }
    if (!len) c_.tcp_no_payload.add(1);
    return;
  }
  dnsp::TcpStreamReassembler& r = f->dir[dir];
  if (fl & kTcpSyn) r.on_syn(seq);
  if (len) {
    const uint32_t first = (fl & kTcpSyn) ? seq + 1 : seq;
    r.feed(first, payload, len,
           [&](const uint8_t* msg, size_t n) { observe_message(msg, n, ep, true, tsc); });
  } else {
    c_.tcp_no_payload.add(1);
  }
  if (fl & kTcpRst) {
    tcp_.release(f);
    c_.tcp_flows_closed.add(1);
  } else if (fl & kTcpFin) {
    f->closed[dir] = true;
    r.close();
    if (f->closed[dir ^ 1]) {
      tcp_.release(f);
      c_.tcp_flows_closed.add(1);
    }
  }
  __atomic_store_n(&tcp_active_, tcp_.active(), __ATOMIC_RELAXED);
}

void DnsStage::observe_message(const uint8_t* msg, size_t len, const Endpoints& ep, bool tcp,
                               uint64_t tsc, uint64_t key_hash) {
  c_.messages.add(1);
  const dnsp::ParseResult res = dnsp::parse(msg, len, msg_);
  if (res.error == dnsp::Error::truncated_header || res.error == dnsp::Error::message_too_long) {
    c_.malformed.add(1);
    c_.errors[static_cast<size_t>(res.error)].add(1);
    return;
  }
  const bool qr = msg_.qr();
  if (res.error == dnsp::Error::trailing_garbage) {
    c_.trailing_garbage.add(1);
  } else if (!res.ok()) {
    c_.malformed.add(1);
    c_.errors[static_cast<size_t>(res.error)].add(1);
    // A truncated (TC=1) response keeps its header and question even when what follows is cut.
    if (!(qr && msg_.tc() && msg_.question_complete())) return;
    c_.truncated_kept.add(1);
  }

  det_.tick(tsc);
  c_.opcodes[msg_.opcode()].add(1);
  if (msg_.forward_pointers()) c_.forward_pointers.add(1);
  auto& fl = qr ? c_.response_flags : c_.query_flags;
  if (msg_.aa()) fl[flag_aa].add(1);
  if (msg_.tc()) fl[flag_tc].add(1);
  if (msg_.rd()) fl[flag_rd].add(1);
  if (msg_.ra()) fl[flag_ra].add(1);
  if (msg_.z()) fl[flag_z].add(1);
  if (msg_.ad()) fl[flag_ad].add(1);
  if (msg_.cd()) fl[flag_cd].add(1);
  if (msg_.edns_do()) fl[flag_do].add(1);
  if (msg_.has_opt()) {
    (qr ? c_.responses_edns : c_.queries_edns).add(1);
    if (msg_.edns_version() != 0) c_.edns_version_nonzero.add(1);
    if (!qr) c_.query_edns_size[edns_size_bucket(msg_.edns_udp_size())].add(1);
  }

  const dnsp::Name qname = msg_.qname();
  const bool has_q = !qname.empty();
  size_t wlen = 0;
  uint64_t name_hash = 0, question = 0;
  if (has_q) {
    wlen = qname_lower(msg_, wire_);
    name_hash = hash_bytes(wire_, wlen);
    question = mix64(name_hash ^ (uint64_t{msg_.qtype()} << 16 | msg_.qclass()));
  } else {
    c_.no_question.add(1);
  }

  const TxKey key = tx_key(ep, msg_.id(), qr, tcp);
  if (!qr) {
    c_.queries.add(1);
    (tcp ? c_.queries_tcp : c_.queries_udp).add(1);
    if (!has_q) {
      c_.untracked_queries.add(1);
      return;
    }
    c_.qtypes[type_slot(msg_.qtype())].add(1);
    c_.qclasses[class_slot(msg_.qclass())].add(1);
    if (!key_hash) key_hash = PendingTable::hash(key);
    switch (pending_.insert_hashed(key, key_hash, question, msg_.qtype(), static_cast<uint16_t>(len), tsc,
                                   timeout_tsc_)) {
      case PendingTable::Insert::inserted: break;
      case PendingTable::Insert::replaced_expired: c_.timeouts.add(1); break;
      case PendingTable::Insert::duplicate: c_.duplicate_queries.add(1); break;
      case PendingTable::Insert::full: c_.pending_full.add(1); break;
    }
    TopLists& t = *top_;
    t.names.add(wire_, wlen, name_hash);
    const Domain dom = registered_domain(wire_, wlen, name_hash);
    det_.on_query(wire_, wlen, dom.offset, name_hash, dom.hash);
    t.domains.add(wire_ + dom.offset, wlen - dom.offset, dom.hash);
    ClientKey client;
    const size_t clen = client_key(ep.family, ep.src, client);
    t.clients.add(client, clen, client_hash(client));
    return;
  }

  c_.responses.add(1);
  (tcp ? c_.responses_tcp : c_.responses_udp).add(1);
  if (cfg_.validate_rdata && has_bad_answer_rdata()) c_.bad_rdata.add(1);
  const uint16_t rcode = msg_.rcode();
  c_.rcodes[rcode_slot(rcode)].add(1);
  ClientKey client;
  const size_t clen = client_key(ep.family, ep.dst, client);
  const uint64_t chash = client_hash(client);
  if (!has_q) {
    c_.unmatched_responses.add(1);
    det_.on_response(rcode, 0, nullptr, 0, 0, 0, len, false, 0, client, clen, chash);
    return;
  }
  c_.response_qtypes[type_slot(msg_.qtype())].add(1);
  Domain dom{};  // only NXDOMAIN responses need it
  if (rcode == 3) {
    top_->nxdomain.add(wire_, wlen, name_hash);
    dom = registered_domain(wire_, wlen, name_hash);
  }
  if (!key_hash) key_hash = PendingTable::hash(key);
  PendingEntry q;
  bool matched = false;
  switch (pending_.take_hashed(key, key_hash, question, q, tsc, timeout_tsc_)) {
    case PendingTable::Match::matched: {
      matched = true;
      c_.matched.add(1);
      const uint64_t dt = static_cast<int64_t>(tsc - q.tsc) > 0 ? tsc - q.tsc : 0;
      const auto ns = static_cast<uint64_t>((static_cast<unsigned __int128>(dt) * ns_per_tsc_q32_) >> 32);
      latency_.record(ns);
      if (qlog_) log_transaction(q, ep, tcp, tsc, ns, rcode, static_cast<uint16_t>(len), wlen);
      break;
    }
    case PendingTable::Match::other_question:
      c_.question_mismatch.add(1);
      c_.unmatched_responses.add(1);
      break;
    case PendingTable::Match::expired:  // a late answer: its query has timed out
      c_.timeouts.add(1);
      c_.unmatched_responses.add(1);
      break;
    case PendingTable::Match::no_entry:
      c_.unmatched_responses.add(1);
      break;
  }
  det_.on_response(rcode, msg_.qtype(), wire_, wlen, dom.offset, dom.hash, len, matched,
                   matched ? q.query_len : 0, client, clen, chash);
}

// The recorded answer RRs, decoded by type (rdata.h); opaque types pass. Measured in
// docs/configuration.md (validate_rdata).
bool DnsStage::has_bad_answer_rdata() const noexcept {
  const uint16_t b = msg_.section_begin(dnsp::Section::answer);
  const uint16_t e = b + msg_.section_recorded(dnsp::Section::answer);
  for (uint16_t i = b; i < e; ++i)
    if (dnsp::validate_rdata(msg_, msg_.record(i)) != dnsp::Error::ok) return true;
  return false;
}

void DnsStage::log_transaction(const PendingEntry& q, const Endpoints& ep, bool tcp, uint64_t tsc,
                               uint64_t ns, uint16_t rcode, uint16_t len, size_t wlen) {
  QueryLogRecord& r = qrec_;
  r.query_tsc = q.tsc;
  r.response_tsc = tsc;
  r.latency_ns = ns;
  std::memcpy(r.client, ep.dst, 16);
  std::memcpy(r.server, ep.src, 16);
  r.client_port = ep.dport;
  r.server_port = ep.sport;
  r.qtype = msg_.qtype();
  r.rcode = rcode;
  r.answers = msg_.count(dnsp::Section::answer);
  r.flags = msg_.flags();
  r.response_len = len;
  r.family = ep.family;
  r.transport = tcp ? 1 : 0;
  r.edns_do = msg_.edns_do() ? 1 : 0;
  const size_t n = std::min<size_t>(sizeof r.qname, wlen);
  r.qname_len = static_cast<uint8_t>(n);
  std::memcpy(r.qname, wire_, n);
  if (qlog_->push(r)) c_.query_log_records.add(1);
  else c_.query_log_dropped.add(1);
}

void DnsStage::flush(core::StageContext& ctx) {
  const uint64_t now = ctx.now_tsc;
  if (frag_) frag_->flush(now);
  if (pending_.size()) {
    const uint32_t gone = pending_.expire(now, timeout_tsc_, kPendingSweep);
    if (gone) c_.timeouts.add(gone);
  }
  if (tcp_.active()) {
    const uint32_t gone = tcp_.expire(now, tcp_idle_tsc_, kFlowSweep);
    if (gone) {
      c_.tcp_flows_expired.add(gone);
      __atomic_store_n(&tcp_active_, tcp_.active(), __ATOMIC_RELAXED);
    }
  }
  det_.tick(now);
  __atomic_store_n(&pending_size_, pending_.size(), __ATOMIC_RELAXED);
  publish(now, packets_since_flush_ == 0);
  packets_since_flush_ = 0;
}

// Summaries are copied for readers when the lcore has gone idle, or every topn_publish_ms while
// it is busy: the copy (tens of KiB) then costs a fraction of a percent of the lcore.
void DnsStage::publish(uint64_t now, bool idle) {
  if (!idle && now - last_publish_ < publish_tsc_) return;
  last_publish_ = now;
  TopLists& t = *top_;
  if (t.names.dirty()) t.names.publish();
  if (t.domains.dirty()) t.domains.publish();
  if (t.clients.dirty()) t.clients.publish();
  if (t.nxdomain.dirty()) t.nxdomain.publish();
  const uint64_t segs = c_.tcp_segments.load();
  if (segs != tcp_segments_published_) {
    const auto s = tcp_.stats();
    tcp_seq_.write_begin();
    tcp_pub_ = s;
    tcp_seq_.write_end();
    tcp_segments_published_ = segs;
  }
}

dnsp::TcpStreamReassembler::Stats DnsStage::tcp_stats() const {
  dnsp::TcpStreamReassembler::Stats s;
  for (;;) {
    const uint32_t b = tcp_seq_.read_begin();
    std::memcpy(&s, &tcp_pub_, sizeof s);
    if (!tcp_seq_.read_retry(b)) return s;
  }
}

void DnsStage::visit_counters(const core::CounterVisitor& visit) const {
  visit("queries", c_.queries.load());
  visit("responses", c_.responses.load());
  visit("malformed", c_.malformed.load());
  visit("matched", c_.matched.load());
  visit("unmatched_responses", c_.unmatched_responses.load());
  visit("timeouts", c_.timeouts.load());
}

}  // namespace rampart::dns
