#include "dns/detectors.h"

#include <algorithm>
#include <cstring>

#include "dns/hash.h"

namespace rampart::dns {

namespace {

// Events in one window at `per_s` per second.
uint64_t per_window(uint64_t per_s, uint64_t window_ms) { return per_s * window_ms / 1000; }

}  // namespace

Detectors::Detectors(const DetectConfig& cfg, uint64_t tsc_hz)
    : cfg_(cfg),
      tsc_hz_(tsc_hz ? tsc_hz : 1),
      win_tsc_(static_cast<uint64_t>(cfg.window_ms ? cfg.window_ms : 1) * tsc_hz_ / 1000),
      clear_tsc_(static_cast<uint64_t>(cfg.clear_ms) * tsc_hz_ / 1000),
      nx_domains_(16),
      domains_(std::make_unique<DomainTable>()),
      victims_(std::make_unique<VictimTable>()) {
  const uint64_t ms = cfg_.window_ms ? cfg_.window_ms : 1;
  // Admission at 1/16 of the smallest window volume that could raise an alert: a key heading for
  // an alert is tracked for nearly all of its window, and the long tail of light keys stays in the
  // sketch.
  domains_->set_admit(std::max<uint64_t>(2, per_window(cfg_.random_subdomain_rate, ms) / 16));
  uint64_t bytes = UINT64_MAX;  // victims are weighed by response bytes
  if (cfg_.amplification_rate) bytes = std::min(bytes, per_window(cfg_.amplification_rate, ms) * 12);
  if (cfg_.amplification_large_rate)
    bytes = std::min(bytes, per_window(cfg_.amplification_large_rate, ms) * (uint64_t{cfg_.amplification_size} + 1));
  if (cfg_.amplification_types_rate) bytes = std::min(bytes, per_window(cfg_.amplification_types_rate, ms) * 12);
  if (cfg_.amplification_ratio) bytes = std::min(bytes, per_window(cfg_.amplification_ratio_min_bytes, ms));
  victims_->set_admit(bytes == UINT64_MAX ? UINT64_MAX : std::max<uint64_t>(1, bytes / 16));
}

void Detectors::on_query(const uint8_t* wire, size_t wlen, size_t dom, uint64_t name_hash,
                         uint64_t dom_hash) noexcept {
  if (auto* e = domains_->track(wire + dom, wlen - dom, dom_hash, 1)) e->s.names.add(mix64(name_hash));
}

void Detectors::on_response(uint16_t rcode, uint16_t qtype, const uint8_t* wire, size_t wlen,
                            size_t dom, uint64_t dom_hash, size_t resp_len, bool matched,
                            size_t query_len, const uint8_t* client_key, size_t client_len,
                            uint64_t client_hash) noexcept {
  ++responses_;
  if (rcode == 3 && wire) {
    ++nxdomain_;
    nx_domains_.add(wire + dom, wlen - dom, dom_hash);
  }
  auto* v = victims_->track(client_key, client_len, client_hash, static_cast<uint32_t>(resp_len));
  if (!v) return;
  VictimStats& s = v->s;
  ++s.responses;
  if (matched) {
    s.matched_resp_bytes += resp_len;
    s.matched_query_bytes += query_len;
  } else {
    ++s.unmatched;
  }
  if (resp_len > cfg_.amplification_size) ++s.large;
  if (qtype == 255 || qtype == 16 || qtype == 48) ++s.types;
}

void Detectors::raise(AlertKind kind, const uint8_t* key, size_t len, uint64_t rate,
                      const uint64_t* ev, size_t nev) noexcept {
  uint32_t i = 0;
  for (; i < nactive_; ++i)
    if (active_[i].kind == kind && active_[i].key_len == len && std::memcmp(active_[i].key, key, len) == 0)
      break;
  if (i == nactive_) {
    if (nactive_ == kMaxAlerts) {
      // The most this lcore reports at once; counted so that telemetry shows alerts were left out.
      __atomic_store_n(&suppressed_, suppressed_ + 1, __ATOMIC_RELAXED);
      return;
    }
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
  a.quiet_windows = 0;
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
  // Random subdomains. The share of distinct names is judged on the queries seen while the domain
  // was tracked, and only on enough of them (a quarter of the threshold volume, at least 16): a
  // domain admitted just before the window closed has too few names to tell repetition from
  // randomness.
  const uint64_t min_seen = std::max<uint64_t>(16, per_window(cfg_.random_subdomain_rate, ms) / 4);
  for (uint32_t i = 0; i < domains_->size(); ++i) {
    const DomainTable::Entry& w = domains_->entry(i);
    const uint64_t total = w.total();
    if (per_s(total) < cfg_.random_subdomain_rate || w.weight < min_seen) continue;
    const uint64_t distinct = std::min(w.s.names.estimate(), w.weight);
    if (distinct * 100 >= uint64_t{cfg_.random_subdomain_unique_pct} * w.weight) {
      const uint64_t ev[] = {total, distinct, w.weight};
      raise(AlertKind::random_subdomain, w.key, w.len, per_s(total), ev, 3);
    }
  }
  // Amplification, per address.
  for (uint32_t i = 0; i < victims_->size(); ++i) {
    const VictimTable::Entry& v = victims_->entry(i);
    const VictimStats& s = v.s;
    uint64_t bits = 0;
    if (cfg_.amplification_rate && per_s(s.unmatched) >= cfg_.amplification_rate) bits |= amp_trigger::unmatched;
    if (cfg_.amplification_large_rate && per_s(s.large) >= cfg_.amplification_large_rate) bits |= amp_trigger::large;
    if (cfg_.amplification_types_rate && per_s(s.types) >= cfg_.amplification_types_rate) bits |= amp_trigger::types;
    if (cfg_.amplification_ratio && s.matched_query_bytes &&
        per_s(s.matched_resp_bytes) >= cfg_.amplification_ratio_min_bytes &&
        s.matched_resp_bytes >= uint64_t{cfg_.amplification_ratio} * s.matched_query_bytes)
      bits |= amp_trigger::ratio;
    if (!bits) continue;
    uint64_t ev[amp_ev::count];
    ev[amp_ev::responses] = s.responses;
    ev[amp_ev::unmatched] = s.unmatched;
    ev[amp_ev::large] = s.large;
    ev[amp_ev::types] = s.types;
    ev[amp_ev::bytes] = v.weight;
    ev[amp_ev::matched_resp_bytes] = s.matched_resp_bytes;
    ev[amp_ev::matched_query_bytes] = s.matched_query_bytes;
    ev[amp_ev::triggers] = bits;
    raise(AlertKind::amplification, v.key, v.len, per_s(s.responses), ev, amp_ev::count);
  }

  // Alerts not re-triggered for clear_ms end; until then they stay as they were at their last
  // window over the threshold. Quiet time runs to `now`, not to this window's end: no packet came
  // in between (a packet would have closed the window earlier). A window that did not cross ends
  // after last_tsc, so with clear_ms 0 the first such window ends the alert.
  uint32_t keep = 0;
  for (uint32_t i = 0; i < nactive_; ++i) {
    Alert& a = active_[i];
    if (!hit_[i]) {
      ++a.quiet_windows;
      if (static_cast<int64_t>(now - a.last_tsc) >= static_cast<int64_t>(std::max<uint64_t>(clear_tsc_, 1))) continue;
    }
    if (keep != i) active_[keep] = a;
    ++keep;
  }
  nactive_ = keep;
  seq_.write_begin();
  std::memcpy(static_cast<void*>(pub_.data()), active_.data(), sizeof(Alert) * nactive_);
  __atomic_store_n(&npub_, nactive_, __ATOMIC_RELAXED);
  seq_.write_end();

  // Next window: consecutive when traffic is steady, else it opens at `now`.
  win_start_ = (now - win_start_ < 2 * win_tsc_) ? win_start_ + win_tsc_ : now;
  responses_ = nxdomain_ = 0;
  nx_domains_.clear();
  domains_->clear();
  victims_->clear();
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
