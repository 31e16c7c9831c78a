// Attack detectors of the DNS stage, per lcore, over fixed windows of packet time:
//   - NXDOMAIN flood: many NXDOMAIN responses per second, a large share of all responses; the
//     alert names the registered domain with the most NXDOMAINs in the window.
//   - Random-subdomain ("water torture") attack: many queries per second under one registered
//     domain whose names almost never repeat. Domains are chosen by weight (HeavyKeys: count-min
//     admission, the heaviest kDomains tracked), distinct names estimated per tracked domain with
//     HyperLogLog (kHllBits: 1024 registers, about 3 % error at any rate).
//   - Amplification / reflection, per address receiving responses (HeavyKeys by response bytes,
//     kVictims tracked): any of unmatched responses per second, large responses (> size) per
//     second, ANY/TXT/DNSKEY responses per second, or the response/query byte ratio of its
//     matched transactions (with a floor on the response bytes per second) over its threshold.
// At the end of each window the thresholds (per second, per lcore) are checked; an alert starts
// when a window crosses them and ends once clear_ms have passed without a window that does: an
// attack hovering around a threshold stays one alert instead of starting and ending every other
// window (seen with a real NXDOMAIN flood at 50 % of the responses). Active alerts are
// published for control threads under a sequence counter; the control plane logs and serves them
// (/rampart/dns/alerts). No allocation after construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/seqcount.h"
#include "dns/distinct_counter.h"
#include "dns/heavy_keys.h"
#include "dns/space_saving.h"

namespace rampart::dns {

struct DetectConfig {
  uint32_t window_ms = 1000;
  uint32_t clear_ms = 10000;  // an alert ends this long after its last window over the threshold
  uint32_t nxdomain_rate = 1000;          // NXDOMAIN responses per second ...
  uint32_t nxdomain_ratio_pct = 50;       // ... and at least this share of responses
  uint32_t random_subdomain_rate = 500;   // queries per second under one domain ...
  uint32_t random_subdomain_unique_pct = 90;  // ... of which at least this share distinct
  // Amplification, per address receiving responses (0 turns a trigger off):
  uint32_t amplification_rate = 500;          // unmatched responses per second
  uint32_t amplification_size = 1232;         // a response larger than this is "large"
  uint32_t amplification_large_rate = 1000;   // large responses per second
  uint32_t amplification_types_rate = 1000;   // ANY/TXT/DNSKEY responses per second
  uint32_t amplification_ratio = 20;          // matched response bytes / query bytes ...
  uint32_t amplification_ratio_min_bytes = 1000000;  // ... with this many response bytes per second
};

enum class AlertKind : uint8_t { nxdomain_flood, random_subdomain, amplification };

// Amplification triggers (Alert::ev[amp_ev::triggers]).
namespace amp_trigger {
inline constexpr uint64_t unmatched = 1, large = 2, types = 4, ratio = 8;
}

// The evidence of an amplification alert (Alert::ev), by index.
namespace amp_ev {
enum : size_t {
  responses,              // responses to the address (while tracked)
  unmatched,              // of those, without a matching query
  large,                  // larger than amplification_size
  types,                  // answering ANY/TXT/DNSKEY
  bytes,                  // response bytes (the victim entry's weight)
  matched_resp_bytes,     // response bytes of matched transactions
  matched_query_bytes,    // their query bytes
  triggers,               // amp_trigger bits
  count
};
}

struct Alert {
  AlertKind kind;
  uint8_t key_len;      // key: uncompressed wire name (lower case), or family byte + address
  uint8_t key[255];
  uint64_t start_tsc;   // start of the first window over the threshold
  uint64_t last_tsc;    // end of the last window over it
  uint64_t rate;        // events per second in the last window over the threshold (see below)
  uint64_t windows;     // windows over the threshold since the alert started
  uint64_t quiet_windows;  // windows closed since the last one over the threshold (0: it was)
  // Evidence of the last window over the threshold, by kind (counts and bytes, so lcores merge by
  // adding them, except the trigger bits, which merge by OR):
  //   nxdomain_flood:   rate = NXDOMAIN/s; [0] NXDOMAIN responses, [1] all responses,
  //                     [2] NXDOMAINs of the key domain
  //   random_subdomain: rate = queries/s under the domain; [0] queries under the domain (estimate),
  //                     [1] distinct names among the queries seen while tracked (estimate),
  //                     [2] queries seen while tracked
  //   amplification:    rate = responses/s to the address (while tracked); fields by amp_ev
  uint64_t ev[amp_ev::count];
};

class Detectors {
 public:
  static constexpr uint32_t kDomains = 64;   // registered domains tracked per window
  static constexpr uint32_t kVictims = 64;   // addresses tracked per window
  static constexpr uint32_t kMaxAlerts = 32;
  static constexpr unsigned kHllBits = 10;   // 1024 registers per tracked domain

  struct DomainStats {
    HyperLogLog<kHllBits> names;
    void clear() noexcept { names.clear(); }
  };
  // An address's response bytes are its entry's weight (track() adds each response's length).
  struct VictimStats {
    uint64_t responses, unmatched, large, types, matched_resp_bytes, matched_query_bytes;
    void clear() noexcept { *this = VictimStats{}; }
  };
  using DomainTable = HeavyKeys<255, DomainStats, kDomains>;
  using VictimTable = HeavyKeys<17, VictimStats, kVictims>;

  Detectors(const DetectConfig& cfg, uint64_t tsc_hz);

  // Data plane. `wire` is the lower-case QNAME (uncompressed), `dom` its registered domain offset;
  // `name_hash` and `dom_hash` are hash_bytes() of the name and of the domain (the caller has both).
  void on_query(const uint8_t* wire, size_t wlen, size_t dom, uint64_t name_hash,
                uint64_t dom_hash) noexcept;
  // `wire`, `dom` and `dom_hash` as for on_query, read only for NXDOMAIN (rcode 3); `wire` is
  // nullptr for a response without a question. `client_key`: family byte + address of the
  // response's destination; `client_hash` any hash of it that is the same for the same key (the
  // stage's hashes the zero-padded 17 bytes).
  void on_response(uint16_t rcode, uint16_t qtype, const uint8_t* wire, size_t wlen, size_t dom,
                   uint64_t dom_hash, size_t resp_len, bool matched, size_t query_len,
                   const uint8_t* client_key, size_t client_len, uint64_t client_hash) noexcept;
  // Closes the window when `now` is past its end (called per message and from flush()).
  void tick(uint64_t now) noexcept {
    if (static_cast<int64_t>(now - win_start_) >= static_cast<int64_t>(win_tsc_)) close(now);
  }

  // Control threads: the active alerts of this lcore at the last window end, how many alerts this
  // lcore ever raised, and how many it could not report (more than kMaxAlerts at once).
  std::vector<Alert> read() const;
  uint64_t raised() const noexcept { return __atomic_load_n(&raised_, __ATOMIC_RELAXED); }
  uint64_t suppressed() const noexcept { return __atomic_load_n(&suppressed_, __ATOMIC_RELAXED); }

 private:
  void close(uint64_t now) noexcept;
  void raise(AlertKind kind, const uint8_t* key, size_t len, uint64_t rate, const uint64_t* ev,
             size_t nev) noexcept;

  DetectConfig cfg_;
  uint64_t tsc_hz_;
  uint64_t win_tsc_;
  uint64_t clear_tsc_;
  uint64_t win_start_ = 0;
  bool started_ = false;

  // Window tallies.
  uint64_t responses_ = 0, nxdomain_ = 0;
  SpaceSaving<255> nx_domains_;
  std::unique_ptr<DomainTable> domains_;
  std::unique_ptr<VictimTable> victims_;

  // Alerts.
  std::array<Alert, kMaxAlerts> active_{};
  std::array<bool, kMaxAlerts> hit_{};  // re-triggered in the window being closed
  uint32_t nactive_ = 0;
  uint64_t raised_ = 0;
  uint64_t suppressed_ = 0;
  core::SeqCount seq_;
  std::array<Alert, kMaxAlerts> pub_{};
  uint32_t npub_ = 0;
};

}  // namespace rampart::dns
