#include "arp/scan_engine.h"

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_memcpy.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/meta.h"
#include "proto/arp.h"

namespace rampart::arp {

namespace {
// Ethernet (14) [+ 802.1Q tag (4)] + ARP (28), padded to the 60-byte minimum frame as arp-scan
// does.
constexpr uint16_t kFrameLen = proto::kArpFrameMax;
static_assert(kFrameLen == 60);
constexpr size_t kTargetIpOffset = sizeof(rte_ether_hdr) + offsetof(rte_arp_hdr, arp_data) +
                                   offsetof(rte_arp_ipv4, arp_tip);
constexpr size_t kVlanTagLen = 4;
// A finished scan's slot is reused only after this long, so a reply being recorded on another
// lcore when the scan finished is long done before its memory goes (the data plane holds no
// reference across calls).
constexpr double kReuseGraceSeconds = 2.0;

int64_t unix_us_now() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

struct ScanEngine::Slot {
  uint32_t id = 0;
  uint16_t port = 0;
  uint16_t vlan = 0;
  uint32_t src_ip = 0;
  proto::ArpMac src_mac{};  // of the requests; an answer is addressed to it (on_reply)
  uint32_t pps = 0, tries = 0, timeout_ms = 0;
  uint16_t target_offset = kTargetIpOffset;    // of the target IP in `frame` (a tag moves it)
  int64_t started_unix_us = 0;
  alignas(64) uint8_t frame[kFrameLen] = {};  // the request with target 0.0.0.0
  std::unique_ptr<ScanRun> run;                // control plane's owning pointer
  std::atomic<ScanRun*> live{nullptr};         // what the data plane reads
  std::atomic<uint64_t> alloc_failures{0};
  // What solicited() reads. Kept in the slot, which lives as long as the engine, rather than
  // read through `live`: a finished scan's run is freed when its slot is reused, and these are
  // read for scans that are over too. A reader racing a reuse may mix two scans' values, which
  // costs at worst one event more or less, never memory safety.
  std::atomic<uint64_t> cover_span{0};   // first << 32 | last target, inclusive
  std::atomic<uint32_t> cover_where{0};  // port << 16 | vlan
  std::atomic<uint64_t> cover_until{0};  // TSC; UINT64_MAX while running, 0 = nothing
};

ScanEngine::ScanEngine(uint64_t tsc_hz, unsigned max_prefix_bits)
    : tsc_hz_(tsc_hz), max_prefix_bits_(std::min(max_prefix_bits, 32u)) {
  for (auto& s : slots_) s = std::make_unique<Slot>();
}

ScanEngine::~ScanEngine() = default;

uint32_t ScanEngine::start(const ScanRequest& req, uint64_t now_tsc, std::string* error) {
  const unsigned host_bits = 32u - req.range.prefix_len;
  if (host_bits > max_prefix_bits_) {
    *error = "range /" + std::to_string(req.range.prefix_len) + " too large: at most /" +
             std::to_string(32 - max_prefix_bits_) + " (stages.arp.scan_max_prefix)";
    return 0;
  }
  if (req.tries == 0 || req.tries > kMaxScanTries) {
    *error = "tries must be 1.." + std::to_string(kMaxScanTries);
    return 0;
  }
  if (req.vlan > 4094) {
    *error = "vlan must be 0 (untagged) .. 4094";
    return 0;
  }
  std::lock_guard<std::mutex> lock(control_mu_);
  // The first free slot, else the first of those whose scan finished longest ago (past the
  // grace period).
  Slot* pick = nullptr;
  unsigned index = 0;
  uint64_t oldest = 0;
  const auto grace = static_cast<uint64_t>(kReuseGraceSeconds * static_cast<double>(tsc_hz_));
  for (unsigned i = 0; i < kMaxScans; ++i) {
    Slot& s = *slots_[i];
    if (!s.run) {
      pick = &s;
      index = i;
      break;
    }
    if (s.run->state() == ScanState::running) continue;
    const uint64_t fin = s.run->finish_tsc();
    if (now_tsc - fin >= grace && (!pick || fin < oldest)) {
      pick = &s;
      index = i;
      oldest = fin;
    }
  }
  if (!pick) {
    *error = "too many scans: " + std::to_string(kMaxScans) + " running or finished in the last " +
             std::to_string(static_cast<int>(kReuseGraceSeconds)) + " s";
    return 0;
  }

  ScanParams p;
  p.range = req.range;
  p.pps = req.pps;
  p.tries = req.tries;
  p.timeout_ms = req.timeout_ms;
  p.seed = req.seed != 0 ? req.seed : rte_rdtsc() * 0x9e3779b97f4a7c15ull + next_id_;
  p.tsc_hz = tsc_hz_;
  std::unique_ptr<ScanRun> run;
  try {
    run = std::make_unique<ScanRun>(p, now_tsc);
  } catch (const std::bad_alloc&) {
    *error = "out of memory for a scan of " + std::to_string(req.range.count) + " hosts";
    return 0;
  }
  pick->live.store(nullptr, std::memory_order_release);
  pick->cover_until.store(0, std::memory_order_release);
  pick->id = next_id_++;
  pick->port = req.port;
  pick->vlan = req.vlan;
  pick->src_ip = req.src_ip;
  memcpy(pick->src_mac.data(), req.src_mac.addr_bytes, pick->src_mac.size());
  pick->target_offset = static_cast<uint16_t>(kTargetIpOffset + (req.vlan ? kVlanTagLen : 0));
  pick->pps = req.pps;
  pick->tries = req.tries;
  pick->timeout_ms = req.timeout_ms;
  pick->started_unix_us = unix_us_now();
  pick->alloc_failures.store(0, std::memory_order_relaxed);
  // The request with target 0.0.0.0, written by the same code as the stage's own requests.
  proto::write_arp_request(pick->frame, pick->src_mac, req.src_ip, 0, req.vlan);
  pick->run = std::move(run);
  pick->cover_span.store(uint64_t{req.range.first} << 32 |
                             static_cast<uint32_t>(req.range.first + req.range.count - 1),
                         std::memory_order_relaxed);
  pick->cover_where.store(uint32_t{req.port} << 16 | req.vlan, std::memory_order_relaxed);
  pick->cover_until.store(UINT64_MAX, std::memory_order_release);
  pick->live.store(pick->run.get(), std::memory_order_release);
  active_mask_.fetch_or(1u << index, std::memory_order_release);
  return pick->id;
}

bool ScanEngine::cancel(uint32_t id) {
  std::lock_guard<std::mutex> lock(control_mu_);
  for (auto& s : slots_)
    if (s->run && s->id == id) {
      s->run->request_cancel();
      return true;
    }
  return false;
}

static ScanInfo make_info(const ScanRun& run, uint32_t id, uint16_t port, uint16_t vlan,
                          uint32_t src_ip, uint32_t pps, uint32_t tries, uint32_t timeout_ms,
                          int64_t started_unix_us, uint64_t alloc_failures, uint64_t now_tsc,
                          uint64_t hz) {
  ScanInfo i;
  i.id = id;
  i.port = port;
  i.vlan = vlan;
  i.src_ip = src_ip;
  i.range = run.params().range;
  i.state = run.state();
  i.pps = pps;
  i.tries = tries;
  i.timeout_ms = timeout_ms;
  i.hosts = i.range.count;
  i.sent = run.sent();
  i.answered = run.answered();
  i.remaining = i.state == ScanState::running ? run.remaining() : 0;
  i.duplicates = run.duplicates();
  i.results = run.results().rows();
  i.lost_results = run.results().lost();
  i.macs_refused = run.results().macs_refused();
  i.row_slots = run.results().claimed();
  i.alloc_failures = alloc_failures;
  i.started_unix_us = started_unix_us;
  const uint64_t end = i.state == ScanState::running ? now_tsc : run.finish_tsc();
  i.elapsed_s = end > run.start_tsc() ? static_cast<double>(end - run.start_tsc()) / static_cast<double>(hz) : 0;
  if (i.state != ScanState::running)
    i.finished_unix_us = started_unix_us + static_cast<int64_t>(i.elapsed_s * 1e6);
  return i;
}

std::vector<ScanInfo> ScanEngine::list(uint64_t now_tsc) const {
  std::lock_guard<std::mutex> lock(control_mu_);
  std::vector<ScanInfo> out;
  for (const auto& s : slots_)
    if (s->run)
      out.push_back(make_info(*s->run, s->id, s->port, s->vlan, s->src_ip, s->pps, s->tries,
                              s->timeout_ms, s->started_unix_us,
                              s->alloc_failures.load(std::memory_order_relaxed), now_tsc, tsc_hz_));
  std::sort(out.begin(), out.end(), [](const ScanInfo& a, const ScanInfo& b) { return a.id < b.id; });
  return out;
}

bool ScanEngine::info(uint32_t id, uint64_t now_tsc, ScanInfo* out) const {
  for (const ScanInfo& i : list(now_tsc))
    if (i.id == id) {
      *out = i;
      return true;
    }
  return false;
}

bool ScanEngine::results(uint32_t id, uint64_t offset, uint64_t count,
                         std::vector<ScanHost>* out) const {
  std::lock_guard<std::mutex> lock(control_mu_);
  for (const auto& s : slots_) {
    if (!s->run || s->id != id) continue;
    const ScanResults& r = s->run->results();
    const uint64_t end = std::min(r.claimed(), offset + count);
    ScanHost h;
    for (uint64_t i = offset; i < end; ++i)
      if (r.row(i, &h)) out->push_back(h);
    return true;
  }
  return false;
}

uint16_t ScanEngine::generate(uint64_t now_tsc, rte_mempool* pool, rte_mbuf** out, uint16_t max) {
  uint32_t mask = active_mask_.load(std::memory_order_acquire);
  if (mask == 0) return 0;
  // initial-exec: a plain %fs-relative load instead of a __tls_get_addr call per burst (this
  // code is always linked into the executable, never dlopen()ed).
  static thread_local char lcore_tag __attribute__((tls_model("initial-exec")));
  const auto token = reinterpret_cast<uintptr_t>(&lcore_tag);
  uint16_t total = 0;
  uint32_t ips[64];
  while (mask != 0 && total < max) {
    const unsigned i = static_cast<unsigned>(__builtin_ctz(mask));
    mask &= mask - 1;
    Slot& s = *slots_[i];
    ScanRun* run = s.live.load(std::memory_order_acquire);
    if (run == nullptr || !run->try_own(token)) continue;
    const uint32_t want = run->ready(now_tsc, static_cast<uint32_t>(max - total));
    if (run->state() != ScanState::running) {
      // Late answers to the last retries still count as solicited for a while.
      s.cover_until.store(run->finish_tsc() + kQuietSeconds * tsc_hz_, std::memory_order_release);
      active_mask_.fetch_and(~(1u << i), std::memory_order_release);
      continue;
    }
    if (want == 0) continue;
    rte_mbuf** m = out + total;
    // rte_mempool_get_bulk and only the fields a 60-byte single-segment frame needs, rather
    // than rte_pktmbuf_alloc_bulk's full reset, which also writes the mbuf's second cache line:
    // 12.4 -> 16.8 Mpps for a bare alloc+copy+tx loop on net_null on the 2-CPU test machine
    // (the scan rate itself: docs/benchmarks.md). A free
    // mbuf already has next == NULL, nb_segs == 1 and refcnt == 1 (rte_pktmbuf_prefree_seg).
    if (rte_mempool_get_bulk(pool, reinterpret_cast<void**>(m), want) != 0) {
      s.alloc_failures.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const uint32_t n = run->next_targets(now_tsc, ips, want);
    if (n < want) rte_mempool_put_bulk(pool, reinterpret_cast<void**>(m + n), want - n);  // targets skipped or not yet due
    for (uint32_t j = 0; j < n; ++j) {
      rte_mbuf* b = m[j];
      rte_pktmbuf_reset_headroom(b);
      b->ol_flags &= RTE_MBUF_F_EXTERNAL;  // no TX offload requested
      b->packet_type = RTE_PTYPE_L2_ETHER_ARP;
      b->data_len = kFrameLen;
      b->pkt_len = kFrameLen;
      b->port = s.port;
      auto* d = rte_pktmbuf_mtod(b, uint8_t*);
      rte_memcpy(d, s.frame, kFrameLen);
      const uint32_t tip = rte_cpu_to_be_32(ips[j]);
      memcpy(d + s.target_offset, &tip, sizeof tip);
      core::meta(b)->out_port = s.port;
    }
    total = static_cast<uint16_t>(total + n);
  }
  return total;
}

bool ScanEngine::on_reply(const ScanReply& r, uint64_t now_tsc) {
  uint32_t mask = active_mask_.load(std::memory_order_acquire);
  if (mask == 0 || r.sender_ip == r.target_ip) return false;
  bool taken = false;
  while (mask != 0) {
    const unsigned i = static_cast<unsigned>(__builtin_ctz(mask));
    mask &= mask - 1;
    Slot& s = *slots_[i];
    ScanRun* run = s.live.load(std::memory_order_acquire);
    if (run == nullptr || s.port != r.port || s.vlan != r.vlan || s.src_ip != r.target_ip ||
        s.src_mac != r.target_mac)
      continue;
    taken |= run->on_reply(r.sender_ip, r.sender_mac, now_tsc) != ScanResults::Outcome::lost;
  }
  return taken;
}

bool ScanEngine::solicited(uint16_t port, uint16_t vlan, uint32_t ip, uint64_t now_tsc) const {
  const uint32_t where = uint32_t{port} << 16 | vlan;
  for (const auto& s : slots_) {
    const uint64_t until = s->cover_until.load(std::memory_order_acquire);
    if (until == 0 || now_tsc >= until) continue;
    const uint64_t span = s->cover_span.load(std::memory_order_relaxed);
    if (s->cover_where.load(std::memory_order_relaxed) == where && ip >= (span >> 32) &&
        ip <= static_cast<uint32_t>(span))
      return true;
  }
  return false;
}

}  // namespace rampart::arp
