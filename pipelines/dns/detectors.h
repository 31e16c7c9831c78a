// Attack detectors of the DNS stage, per lcore, over fixed windows of packet time:
//   - NXDOMAIN flood: many NXDOMAIN responses per second, a large share of all responses; the
//     alert names the registered domain with the most NXDOMAINs in the window.
//   - Random-subdomain ("water torture") attack: many queries per second under one registered
//     domain whose names almost never repeat (distinct names estimated by linear counting over a
//     1024-bit bitmap per domain; up to kDomains domains tracked per window).
//   - Amplification / reflection: many responses per second towards one address without a
//     matching query; the evidence adds the large responses (> amplification_size bytes), the
//     ANY/TXT/DNSKEY responses and the response/query byte ratio of matched transactions.
// At the end of each window the thresholds (per second, per lcore) are checked; an alert starts
// when a window crosses them and ends at the first window that does not. Active alerts are
// published for control threads under a sequence counter; the control plane logs and serves them
// (/rampart/dns/alerts). No allocation after construction.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/seqcount.h"
#include "dns/space_saving.h"

namespace rampart::dns {

struct DetectConfig {
  uint32_t window_ms = 1000;
  uint32_t nxdomain_rate = 1000;          // NXDOMAIN responses per second ...
  uint32_t nxdomain_ratio_pct = 50;       // ... and at least this share of responses
  uint32_t random_subdomain_rate = 500;   // queries per second under one domain ...
  uint32_t random_subdomain_unique_pct = 90;  // ... of which at least this share distinct
  uint32_t amplification_rate = 500;      // unmatched responses per second to one address
  uint32_t amplification_size = 1232;     // a response larger than this is "large"
};

enum class AlertKind : uint8_t { nxdomain_flood, random_subdomain, amplification };

struct Alert {
  AlertKind kind;
  uint8_t key_len;      // key: uncompressed wire name (lower case), or family byte + address
  uint8_t key[255];
  uint64_t start_tsc;   // start of the first window over the threshold
  uint64_t last_tsc;    // end of the last window over it
  uint64_t rate;        // events per second in the last window (the thresholded quantity)
  uint64_t windows;     // consecutive windows over the threshold
  // Evidence of the last window, by kind:
  //   nxdomain_flood:   [0] NXDOMAIN responses, [1] all responses, [2] NXDOMAINs of the key domain
  //   random_subdomain: [0] queries under the domain, [1] distinct names (estimate)
  //   amplification:    [0] unmatched responses to the address, [1] bytes of all unmatched
  //                     responses in the window,
  //                     [2] large responses (all), [3] ANY/TXT/DNSKEY responses (all),
  //                     [4] response/query byte ratio x100 of matched transactions
  uint64_t ev[5];
};

class Detectors {
 public:
  static constexpr uint32_t kDomains = 64;  // registered domains tracked per window
  static constexpr uint32_t kMaxAlerts = 16;
  static constexpr uint32_t kBitmapWords = 16;  // 1024 bits

  Detectors(const DetectConfig& cfg, uint64_t tsc_hz);

  // Data plane. `wire` is the lower-case QNAME (uncompressed), `dom` its registered domain offset;
  // `name_hash` and `dom_hash` are hash_bytes() of the name and of the domain (the caller has both).
  void on_query(const uint8_t* wire, size_t wlen, size_t dom, uint64_t name_hash,
                uint64_t dom_hash) noexcept;
  void on_response(uint16_t rcode, uint16_t qtype, const uint8_t* wire, size_t wlen, size_t dom,
                   size_t resp_len, bool matched, size_t query_len, const uint8_t* client_key,
                   size_t client_len) noexcept;
  // Closes the window when `now` is past its end (called per message and from flush()).
  void tick(uint64_t now) noexcept {
    if (static_cast<int64_t>(now - win_start_) >= static_cast<int64_t>(win_tsc_)) close(now);
  }

  // Control threads: the active alerts of this lcore at the last window end, and how many alerts
  // this lcore ever raised.
  std::vector<Alert> read() const;
  uint64_t raised() const noexcept { return __atomic_load_n(&raised_, __ATOMIC_RELAXED); }

  // Linear-counting estimate of distinct values from a bitmap (exposed for tests).
  static uint64_t estimate_distinct(const uint64_t* bits, uint32_t words) noexcept;

 private:
  struct DomainWin {
    uint64_t hash;
    uint32_t queries;
    uint8_t len;
    uint8_t key[255];
    uint64_t bits[kBitmapWords];
  };
  void close(uint64_t now) noexcept;
  void raise(AlertKind kind, const uint8_t* key, size_t len, uint64_t rate, const uint64_t* ev,
             size_t nev) noexcept;

  DetectConfig cfg_;
  uint64_t tsc_hz_;
  uint64_t win_tsc_;
  uint64_t win_start_ = 0;
  bool started_ = false;

  // Window tallies.
  uint64_t responses_ = 0, nxdomain_ = 0, large_ = 0, amp_types_ = 0;
  uint64_t matched_resp_bytes_ = 0, matched_query_bytes_ = 0;
  SpaceSaving<255> nx_domains_;
  SpaceSaving<17> victims_;   // addresses receiving unmatched responses
  std::unique_ptr<DomainWin[]> domains_;
  uint32_t ndomains_ = 0;
  std::array<uint16_t, 2 * kDomains> dindex_{};  // domain index + 1, 0 = empty
  uint64_t unmatched_bytes_ = 0;

  // Alerts.
  std::array<Alert, kMaxAlerts> active_{};
  std::array<bool, kMaxAlerts> hit_{};  // re-triggered in the window being closed
  uint32_t nactive_ = 0;
  uint64_t raised_ = 0;
  core::SeqCount seq_;
  std::array<Alert, kMaxAlerts> pub_{};
  uint32_t npub_ = 0;
};

}  // namespace rampart::dns
