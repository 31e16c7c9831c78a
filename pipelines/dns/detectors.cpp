#include "dns/detectors.h"

#include <cmath>
#include <cstring>

#include "dns/hash.h"

namespace rampart::dns {

Detectors::Detectors(const DetectConfig& cfg, uint64_t tsc_hz)
    : cfg_(cfg),
      tsc_hz_(tsc_hz ? tsc_hz : 1),
      win_tsc_(static_cast<uint64_t>(cfg.window_ms ? cfg.window_ms : 1) * tsc_hz_ / 1000),
      nx_domains_(16),
      victims_(16),
      domains_(new DomainWin[kDomains]) {}

uint64_t Detectors::estimate_distinct(const uint64_t* bits, uint32_t words) noexcept {
  const uint32_t m = words * 64;
  uint32_t set = 0;
  for (uint32_t i = 0; i < words; ++i) set += static_cast<uint32_t>(__builtin_popcountll(bits[i]));
  if (set >= m) set = m - 1;  // saturated: the estimate's ceiling
  const double zero = static_cast<double>(m - set) / m;
  return static_cast<uint64_t>(std::llround(-static_cast<double>(m) * std::log(zero)));
}

void Detectors::on_query(const uint8_t* wire, size_t wlen, size_t dom, uint64_t name_hash,
                         uint64_t dom_hash) noexcept {
  const uint8_t* d = wire + dom;
  const size_t dlen = wlen - dom;
  const uint64_t h = dom_hash;
  const uint32_t mask = static_cast<uint32_t>(dindex_.size() - 1);
  uint32_t s = static_cast<uint32_t>(h) & mask;
  DomainWin* w = nullptr;
  for (;;) {
    const uint16_t v = dindex_[s];
    if (v == 0) break;
    DomainWin& c = domains_[v - 1];
    if (c.hash == h && c.len == dlen && std::memcmp(c.key, d, dlen) == 0) {
      w = &c;
      break;
    }
    s = (s + 1) & mask;
  }
  if (!w) {
    if (ndomains_ == kDomains) return;  // the window's domain slots are taken: not tracked
    w = &domains_[ndomains_];
    dindex_[s] = static_cast<uint16_t>(++ndomains_);
    w->hash = h;
    w->queries = 0;
    w->len = static_cast<uint8_t>(dlen);
    std::memcpy(w->key, d, dlen);
    std::memset(w->bits, 0, sizeof w->bits);
  }
  ++w->queries;
  const uint32_t bit = static_cast<uint32_t>(mix64(name_hash)) & (kBitmapWords * 64 - 1);
  w->bits[bit >> 6] |= uint64_t{1} << (bit & 63);
}

void Detectors::on_response(uint16_t rcode, uint16_t qtype, const uint8_t* wire, size_t wlen,
                            size_t dom, size_t resp_len, bool matched, size_t query_len,
                            const uint8_t* client_key, size_t client_len) noexcept {
  ++responses_;
  if (rcode == 3 && wire) {
    ++nxdomain_;
    nx_domains_.add(wire + dom, wlen - dom, hash_bytes(wire + dom, wlen - dom));
  }
  if (resp_len > cfg_.amplification_size) ++large_;
  if (qtype == 255 || qtype == 16 || qtype == 48) ++amp_types_;
  if (matched) {
    matched_resp_bytes_ += resp_len;
    matched_query_bytes_ += query_len;
  } else {
    unmatched_bytes_ += resp_len;
    victims_.add(client_key, client_len, hash_bytes(client_key, client_len));
  }
}

void Detectors::raise(AlertKind kind, const uint8_t* key, size_t len, uint64_t rate,
                      const uint64_t* ev, size_t nev) noexcept {
  uint32_t i = 0;
  for (; i < nactive_; ++i)
    if (active_[i].kind == kind && active_[i].key_len == len && std::memcmp(active_[i].key, key, len) == 0)
      break;
  if (i == nactive_) {
    if (nactive_ == kMaxAlerts) return;  // the most this lcore reports at once
    Alert& a = active_[nactive_++];
    std::memset(&a, 0, sizeof a);
    a.kind = kind;
    a.key_len = static_cast<uint8_t>(len);
    std::memcpy(a.key, key, len);
    a.start_tsc = win_start_;
    __atomic_store_n(&raised_, raised_ + 1, __ATOMIC_RELAXED);
  }
  Alert& a = active_[i];
  a.last_tsc = win_start_ + win_tsc_;
  a.rate = rate;
  ++a.windows;
  std::memset(a.ev, 0, sizeof a.ev);
  std::memcpy(a.ev, ev, nev * sizeof(uint64_t));
  hit_[i] = true;
}

void Detectors::close(uint64_t now) noexcept {
  if (!started_) {
    // The first packet opens the first window.
    started_ = true;
    win_start_ = now;
    return;
  }
  const uint64_t ms = cfg_.window_ms ? cfg_.window_ms : 1;
  const auto per_s = [&](uint64_t n) { return n * 1000 / ms; };
  hit_.fill(false);

  // NXDOMAIN flood.
  if (per_s(nxdomain_) >= cfg_.nxdomain_rate && nxdomain_ * 100 >= uint64_t{cfg_.nxdomain_ratio_pct} * responses_) {
    if (const auto* top = nx_domains_.max_entry()) {
      const uint64_t ev[] = {nxdomain_, responses_, top->count};
      raise(AlertKind::nxdomain_flood, top->key, top->len, per_s(nxdomain_), ev, 3);
    }
  }
  // Random subdomains.
  for (uint32_t i = 0; i < ndomains_; ++i) {
    const DomainWin& w = domains_[i];
    if (per_s(w.queries) < cfg_.random_subdomain_rate) continue;
    uint64_t distinct = estimate_distinct(w.bits, kBitmapWords);
    if (distinct > w.queries) distinct = w.queries;
    if (distinct * 100 >= uint64_t{cfg_.random_subdomain_unique_pct} * w.queries) {
      const uint64_t ev[] = {w.queries, distinct};
      raise(AlertKind::random_subdomain, w.key, w.len, per_s(w.queries), ev, 2);
    }
  }
  // Amplification towards one address.
  if (const auto* v = victims_.max_entry(); v && per_s(v->count) >= cfg_.amplification_rate) {
    const uint64_t ratio = matched_query_bytes_ ? matched_resp_bytes_ * 100 / matched_query_bytes_ : 0;
    const uint64_t ev[] = {v->count, unmatched_bytes_, large_, amp_types_, ratio};
    raise(AlertKind::amplification, v->key, v->len, per_s(v->count), ev, 5);
  }

  // Alerts not re-triggered end.
  uint32_t keep = 0;
  for (uint32_t i = 0; i < nactive_; ++i)
    if (hit_[i]) active_[keep++] = active_[i];
  nactive_ = keep;
  seq_.write_begin();
  std::memcpy(static_cast<void*>(pub_.data()), active_.data(), sizeof(Alert) * nactive_);
  __atomic_store_n(&npub_, nactive_, __ATOMIC_RELAXED);
  seq_.write_end();

  // Next window: consecutive when traffic is steady, else it opens at `now`.
  win_start_ = (now - win_start_ < 2 * win_tsc_) ? win_start_ + win_tsc_ : now;
  responses_ = nxdomain_ = large_ = amp_types_ = 0;
  matched_resp_bytes_ = matched_query_bytes_ = unmatched_bytes_ = 0;
  nx_domains_.clear();
  victims_.clear();
  ndomains_ = 0;
  dindex_.fill(0);
}

std::vector<Alert> Detectors::read() const {
  std::array<Alert, kMaxAlerts> copy;
  uint32_t n;
  for (;;) {
    const uint32_t s = seq_.read_begin();
    n = __atomic_load_n(&npub_, __ATOMIC_RELAXED);
    if (n > kMaxAlerts) n = kMaxAlerts;
    std::memcpy(static_cast<void*>(copy.data()), pub_.data(), sizeof(Alert) * n);
    if (!seq_.read_retry(s)) break;
  }
  return std::vector<Alert>(copy.begin(), copy.begin() + n);
}

}  // namespace rampart::dns
