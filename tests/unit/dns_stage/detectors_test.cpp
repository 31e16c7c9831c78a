// The random-subdomain detector and its parts (no EAL): HyperLogLog accuracy, heavy-hitter choice
// of tracked keys, and the detector on realistic traffic at high rates: a random-subdomain attack
// amid 1,000 ordinary domains must be found, heavy ordinary traffic must not be.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "dns/detectors.h"
#include "dns/distinct_counter.h"
#include "dns/hash.h"
#include "dns/heavy_keys.h"
#include "dns/names.h"
#include "wire_name.h"

using namespace rampart::dns;

namespace {

using ::dnstest::wire;

// Feeds one query name to the detectors the way the stage does (names.h, hash.h).
void query(Detectors& d, const std::string& name) {
  const auto w = wire(name);
  const size_t dom = registered_domain_offset(w.data(), w.size());
  const uint64_t nh = hash_bytes(w.data(), w.size());
  const uint64_t dh = dom ? hash_bytes(w.data() + dom, w.size() - dom) : nh;
  d.on_query(w.data(), w.size(), dom, nh, dh);
}

// Ordinary traffic: 1,000 registered domains with Zipf-like popularity (s = 1), each with a few
// host names that are themselves Zipf-like (www, mail, api, ...), and a long tail of numbered
// hosts that still repeat. Names repeat a lot, as they do in front of a resolver's cache.
class Background {
 public:
  explicit Background(uint32_t seed) : rng_(seed) {
    std::vector<double> w(1000);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 1.0 / static_cast<double>(i + 1);
    domain_ = std::discrete_distribution<size_t>(w.begin(), w.end());
    std::vector<double> h(kHosts.size() + 40);
    for (size_t i = 0; i < h.size(); ++i) h[i] = 1.0 / static_cast<double>(i + 1);
    host_ = std::discrete_distribution<size_t>(h.begin(), h.end());
  }
  std::string next() {
    const size_t d = domain_(rng_);
    const size_t h = host_(rng_);
    const std::string host = h < kHosts.size() ? kHosts[h] : "host" + std::to_string(h);
    return host + ".site" + std::to_string(d) + (d % 7 == 0 ? ".co.uk" : ".com");
  }

 private:
  static inline const std::vector<std::string> kHosts = {"www", "mail", "api", "cdn", "m", "static",
                                                          "img", "login", "smtp", "ns1", "ns2"};
  std::mt19937 rng_;
  std::discrete_distribution<size_t> domain_, host_;
};

std::string random_label(std::mt19937& rng) {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(12, 'a');
  for (char& c : s) c = kChars[rng() % 36];
  return s;
}

const Alert* find(const std::vector<Alert>& alerts, AlertKind kind, const std::string& dotted) {
  const auto w = wire(dotted);
  for (const auto& a : alerts)
    if (a.kind == kind && a.key_len == w.size() && std::memcmp(a.key, w.data(), w.size()) == 0) return &a;
  return nullptr;
}

constexpr uint64_t kHz = 1000000;  // a 1 MHz "TSC": ticks are microseconds
constexpr uint64_t kT0 = 1000000000000ull;  // far from 0, like a real TSC (the first tick opens a window)

}  // namespace

// ------------------------------------------------------------------ HyperLogLog

TEST(HyperLogLog, EstimatesStayWithinAFewPercentAtEveryScale) {
  // 1024 registers: standard error 1.04 / 32 = 3.25 %. Every estimate within 10 % (3 sigma), the
  // mean absolute error near the standard error, from 100 to 1,000,000 distinct values -- the
  // bitmap this replaced could not count past about 7,000.
  double sum_err = 0;
  int n_est = 0;
  for (uint64_t n : {100ull, 1000ull, 3000ull, 7000ull, 20000ull, 100000ull, 1000000ull}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      HyperLogLog<10> h;
      h.clear();
      EXPECT_EQ(h.estimate(), 0u);
      for (uint64_t i = 0; i < n; ++i) h.add(mix64(i * 0x9e3779b97f4a7c15ULL + seed * 0x632be59bd9b4e019ULL));
      const double err = (static_cast<double>(h.estimate()) - static_cast<double>(n)) / static_cast<double>(n);
      EXPECT_LT(std::fabs(err), 0.10) << "n=" << n << " seed=" << seed << " estimate=" << h.estimate();
      sum_err += std::fabs(err);
      ++n_est;
    }
  }
  EXPECT_LT(sum_err / n_est, 0.04);
}

TEST(HyperLogLog, RepeatsDoNotCount) {
  HyperLogLog<10> h;
  h.clear();
  for (int r = 0; r < 1000; ++r)
    for (uint64_t i = 0; i < 50; ++i) h.add(mix64(i + 1));
  EXPECT_NEAR(static_cast<double>(h.estimate()), 50.0, 3.0);
}

// ------------------------------------------------------------------ heavy keys

namespace {
struct Tally {
  uint64_t n;
  void clear() noexcept { n = 0; }
};
}  // namespace

TEST(HeavyKeys, AHeavyKeyArrivingAfterTheSlotsAreFullIsTracked) {
  HeavyKeys<8, Tally, 8> t;
  t.set_admit(4);
  auto key = [](uint32_t i) {
    std::array<uint8_t, 4> k;
    std::memcpy(k.data(), &i, 4);
    return k;
  };
  // 20 light keys, 5 times each: the first 8 to reach the threshold take every slot.
  for (int r = 0; r < 5; ++r)
    for (uint32_t i = 0; i < 20; ++i) {
      const auto k = key(i);
      t.track(k.data(), 4, mix64(i), 1);
    }
  ASSERT_EQ(t.size(), 8u);
  // A heavy key from then on: it displaces a light one (first-come slots never let it in).
  const auto heavy = key(1000);
  HeavyKeys<8, Tally, 8>::Entry* e = nullptr;
  int calls = 0;
  while (!e && calls < 1000) {
    ++calls;
    e = t.track(heavy.data(), 4, mix64(1000), 1);
  }
  ASSERT_NE(e, nullptr) << "never admitted";
  EXPECT_LT(calls, 100);
  EXPECT_EQ(t.replaced(), 1u);
  ++e->s.n;
  // Once in, it stays found, and its weight keeps counting.
  for (int i = 0; i < 100; ++i) ASSERT_EQ(t.track(heavy.data(), 4, mix64(1000), 1), e);
  EXPECT_EQ(e->weight, 101u);
  EXPECT_GE(e->total(), static_cast<uint64_t>(calls) + 100);
  EXPECT_EQ(e->s.n, 1u);
  // Every other tracked key is still found.
  uint32_t found = 0;
  for (uint32_t i = 0; i < 20; ++i) {
    const auto k = key(i);
    for (uint32_t j = 0; j < t.size(); ++j)
      if (std::memcmp(t.entry(j).key, k.data(), 4) == 0) {
        ++found;
        EXPECT_EQ(t.track(k.data(), 4, mix64(i), 0), &t.entry(j));
      }
  }
  EXPECT_EQ(found, 7u);
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.track(heavy.data(), 4, mix64(1000), 1), nullptr) << "a new window starts below the threshold";
}

// ------------------------------------------------------------------ the detector

namespace {

// Feeds `seconds` of traffic at `bg_qps` ordinary queries per second and `attack_qps` random names
// under `victim` (starting at `attack_from_s`), in 1 ms steps, ticking the detector as the stage
// does. Returns the alerts published after each window.
std::vector<std::vector<Alert>> run(Detectors& d, double seconds, uint32_t bg_qps, uint32_t attack_qps,
                                    double attack_from_s, const std::string& victim,
                                    std::vector<std::string>* attack_names = nullptr) {
  Background bg(7);
  std::mt19937 rng(11);
  std::vector<std::vector<Alert>> out;
  d.tick(kT0);  // opens the first window
  uint64_t windows_seen = 0;
  const int steps = static_cast<int>(seconds * 1000);
  double bg_acc = 0, at_acc = 0;
  for (int ms = 0; ms < steps; ++ms) {
    const uint64_t t = static_cast<uint64_t>(ms) * 1000;
    d.tick(kT0 + t);
    if (t / kHz != windows_seen) {
      windows_seen = t / kHz;
      out.push_back(d.read());
    }
    bg_acc += bg_qps / 1000.0;
    if (ms >= attack_from_s * 1000) at_acc += attack_qps / 1000.0;
    // Interleaved within the millisecond.
    while (bg_acc >= 1 || at_acc >= 1) {
      if (at_acc >= 1 && (bg_acc < 1 || rng() % 2)) {
        const std::string name =
            attack_names ? (*attack_names)[rng() % attack_names->size()] : random_label(rng) + "." + victim;
        query(d, name);
        at_acc -= 1;
      } else {
        query(d, bg.next());
        bg_acc -= 1;
      }
    }
  }
  d.tick(kT0 + static_cast<uint64_t>(steps) * 1000);
  out.push_back(d.read());
  return out;
}

}  // namespace

TEST(RandomSubdomainDetector, FiftyThousandQpsAttackAmidOrdinaryDomainsRaisesTheAlert) {
  DetectConfig cfg;  // defaults: 500 q/s under one domain, 90 % distinct, 1 s windows
  Detectors d(cfg, kHz);
  // 30k q/s of ordinary traffic over 1,000 domains; from 0.25 s, 50k q/s of never-repeated names
  // under one domain. With the old bitmap (1024 bits) the distinct estimate capped near 7,100 of
  // 50,000 (14 %); with first-come slots the domain was not looked at in the window it started.
  const auto windows = run(d, 3.0, 30000, 50000, 0.25, "victim-bank.com");
  ASSERT_EQ(windows.size(), 3u);
  for (size_t w = 0; w < windows.size(); ++w) {
    SCOPED_TRACE("window " + std::to_string(w));
    const Alert* a = find(windows[w], AlertKind::random_subdomain, "victim-bank.com");
    ASSERT_NE(a, nullptr) << "the attack is found in every window, from the one it started in";
    const uint64_t expect = w == 0 ? 37500 : 50000;
    EXPECT_NEAR(static_cast<double>(a->ev[0]), static_cast<double>(expect), expect * 0.02) << "queries under it";
    EXPECT_GE(a->ev[1] * 100, 90 * a->ev[2]) << "distinct share of the names looked at";
    EXPECT_GE(a->ev[2], expect * 95 / 100) << "tracked for (nearly) all of the window";
    EXPECT_EQ(a->rate, a->ev[0]);
    // Nothing else: the ordinary domains repeat their names.
    EXPECT_EQ(windows[w].size(), 1u);
  }
  EXPECT_EQ(d.raised(), 1u) << "one alert, kept active over the windows";
}

TEST(RandomSubdomainDetector, HeavyOrdinaryTrafficRaisesNothing) {
  DetectConfig cfg;
  Detectors d(cfg, kHz);
  // 50k q/s on one domain, but over 2,000 names that repeat (a CDN, a busy API): 4 % distinct.
  std::vector<std::string> names;
  for (int i = 0; i < 2000; ++i) names.push_back("edge" + std::to_string(i) + ".cdn-heavy.com");
  const auto windows = run(d, 3.0, 30000, 50000, 0.0, "cdn-heavy.com", &names);
  for (const auto& w : windows) EXPECT_TRUE(w.empty()) << w.size() << " alerts";
  EXPECT_EQ(d.raised(), 0u);
}

TEST(RandomSubdomainDetector, ModestAttackAmongManyBusierDomainsIsStillFound) {
  // 1,000 q/s of random names (just over 500 q/s threshold) under one domain, while 100k q/s of
  // ordinary traffic keeps every tracked slot busy: admission by weight lets it in.
  DetectConfig cfg;
  Detectors d(cfg, kHz);
  const auto windows = run(d, 3.0, 100000, 1000, 0.1, "slow-drip.net");
  ASSERT_EQ(windows.size(), 3u);
  for (size_t w = 1; w < windows.size(); ++w)
    EXPECT_NE(find(windows[w], AlertKind::random_subdomain, "slow-drip.net"), nullptr) << "window " << w;
  for (const auto& w : windows)
    for (const auto& a : w) EXPECT_EQ(a.kind, AlertKind::random_subdomain);
  EXPECT_EQ(d.raised(), 1u);
}

// ------------------------------------------------------------------ alert lifetime

namespace {

// One second (one window) of NXDOMAIN responses under `domain`: `nx` of `total` responses, spread
// evenly, then the tick that closes the window. Returns the alerts published.
std::vector<Alert> nx_second(Detectors& d, uint64_t& t, const std::string& domain, uint32_t nx,
                             uint32_t total) {
  const auto w = wire("x." + domain);
  const size_t dom = registered_domain_offset(w.data(), w.size());
  const uint64_t dh = hash_bytes(w.data() + dom, w.size() - dom);
  const uint8_t client[17] = {4, 10, 0, 0, 1};
  for (uint32_t i = 0; i < total; ++i) {
    d.tick(t + i * kHz / total);
    d.on_response(i < nx ? 3 : 0, 1, w.data(), w.size(), dom, dh, 100, true, 40, client, 5, 77);
  }
  t += kHz;
  d.tick(t);
  return d.read();
}

}  // namespace

// A flood hovering around its threshold (here: NXDOMAIN at exactly, then just under, half of the
// responses, second after second) is one alert for as long as it lasts, not one per crossing.
TEST(AlertLifetime, AFloodAroundTheThresholdIsOneAlertUntilClearMsOfQuiet) {
  DetectConfig cfg;  // 1000 NXDOMAIN/s and 50 %; alerts clear after 10 s without a crossing
  Detectors d(cfg, kHz);
  uint64_t t = kT0;
  d.tick(t);
  const Alert* a = nullptr;
  for (int s = 0; s < 12; ++s) {
    SCOPED_TRACE("second " + std::to_string(s));
    const bool over = s % 2 == 0;
    const auto alerts = nx_second(d, t, "flap.test", over ? 1500 : 1400, 3000);
    ASSERT_EQ(alerts.size(), 1u) << "still active in a window under the threshold";
    a = &alerts[0];
    EXPECT_EQ(a->quiet_windows, over ? 0u : 1u);
    EXPECT_EQ(a->start_tsc, kT0) << "the alert that started in the first window";
    EXPECT_EQ(a->windows, static_cast<uint64_t>(s / 2 + 1)) << "windows over the threshold";
    EXPECT_EQ(a->rate, 1500u) << "the rate of the last window over the threshold";
  }
  EXPECT_EQ(d.raised(), 1u);
  // Ten quiet seconds from the end of the last window over the threshold (second 10; second 11
  // was the first quiet one) end it; nine do not.
  const uint64_t last_over = t - kHz;
  std::vector<Alert> alerts;
  for (int s = 0; s < 8; ++s) alerts = nx_second(d, t, "flap.test", 10, 3000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].last_tsc, last_over);
  EXPECT_EQ(alerts[0].quiet_windows, 9u);
  alerts = nx_second(d, t, "flap.test", 10, 3000);
  EXPECT_TRUE(alerts.empty());
  // A new crossing is a new alert.
  alerts = nx_second(d, t, "flap.test", 2000, 3000);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].start_tsc, t - kHz);
  EXPECT_EQ(d.raised(), 2u);
}

TEST(AlertLifetime, ClearMsZeroEndsAnAlertAtTheFirstWindowUnderTheThreshold) {
  DetectConfig cfg;
  cfg.clear_ms = 0;
  Detectors d(cfg, kHz);
  uint64_t t = kT0;
  d.tick(t);
  for (int s = 0; s < 6; ++s) {
    const bool over = s % 2 == 0;
    EXPECT_EQ(nx_second(d, t, "flap.test", over ? 1500 : 1400, 3000).size(), over ? 1u : 0u) << s;
  }
  EXPECT_EQ(d.raised(), 3u) << "every crossing starts an alert again";
}

// No packet at all for a while (the lcore's idle loop still ticks, or, offline, the next packet
// comes much later): the quiet time is the time that passed, not the number of windows closed.
TEST(AlertLifetime, QuietTimeIsTimeNotWindowsClosed) {
  DetectConfig cfg;
  Detectors d(cfg, kHz);
  uint64_t t = kT0;
  d.tick(t);
  ASSERT_EQ(nx_second(d, t, "gap.test", 3000, 3000).size(), 1u);
  t += 10 * kHz;  // 10 s later, the first tick closes the window that was open
  d.tick(t);
  EXPECT_TRUE(d.read().empty());
}
