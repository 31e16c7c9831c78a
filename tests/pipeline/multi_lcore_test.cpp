// Multi-lcore pipeline tests: the application's own wiring (app::resolve_ports, build_topology,
// start_port, stop_ports) over net_ring ports, with the runners launched on worker lcores
// (EAL -l 0-3: lcores may share the two cores of a test machine) and stopped through RunControl
// the way rampart's main() does: running -> rx_stopped (drain) -> quit.
//
// The same traffic goes through run-to-completion (one lcore), a three-lcore pipeline
// (classify | paths | tx) and a fan-in pipeline (two classify lcores feeding one path lcore over a
// multi-producer ring). The outputs must be the same frames, each (arrival port, path) stream in
// input order, with the same drop counters and no leaked mbuf.
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>
#include <tuple>
#include <map>
#include <memory>
#include <thread>

#include "app/rampart/app_state.h"
#include "app/rampart/commands.h"
#include "app/rampart/ports.h"
#include "app/rampart/topology.h"
#include "core/meta.h"
#include "pipeline_util.h"
#include "proto/builder.h"

namespace rampart::pipetest {
namespace {

using core::DropReason;
using core::StageId;
using proto::PacketBuilder;

int g_harness_seq = 0;

struct Sent {
  uint16_t port;
  uint16_t in_port;
  core::Path path;
  Bytes bytes;
};

// A whole appliance minus main(): ring ports, mempool, topology, runners on lcores.
class Harness {
 public:
  // `plan`: the [pipeline.lcores] tables; port names are filled in as "A" and "B".
  Harness(std::vector<app::LcoreSettings> plan, uint32_t ring_size, const char* full_ring = "auto") {
    const int seq = ++g_harness_seq;
    const std::string tag = std::to_string(seq);
    app_ = std::make_unique<app::AppState>();
    app::Config& cfg = app_->cfg;
    cfg.path = "(test)";
    for (const char* n : {"A", "B"}) {
      app::PortSettings p;
      p.name = std::string("m") + n + tag;
      p.driver = "net_ring";
      p.peer = std::string("m") + (n[0] == 'A' ? "B" : "A") + tag;
      cfg.ports.push_back(p);
    }
    for (auto& l : plan)
      for (auto& rx : l.rx) rx.first = "m" + rx.first + tag;
    cfg.pipeline.lcores = plan;
    cfg.pipeline.ring_size = ring_size;
    cfg.pipeline.burst = 32;
    cfg.pipeline.drain_us = 100;
    cfg.pipeline.full_ring = full_ring;
    // dns reflects (MACs swapped), tcp bumps to the peer, other reflects unchanged, arp is dropped.
    cfg.paths[StageId::arp] = {forward::Policy::drop, true};
    cfg.paths[StageId::dns] = {forward::Policy::reflect, true};
    cfg.paths[StageId::tcp] = {forward::Policy::bump, true};
    cfg.paths[StageId::other] = {forward::Policy::reflect, false};

    const int socket = static_cast<int>(rte_socket_id());
    app_->pool = rte_pktmbuf_pool_create(("mpool" + tag).c_str(), 4095, 64, core::kMetaPrivSize,
                                         RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (!app_->pool) throw std::runtime_error(std::string("pool: ") + rte_strerror(rte_errno));
    for (const auto& p : cfg.ports) {
      rte_ring* in = rte_ring_create(("in_" + p.name).c_str(), 1024, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
      rte_ring* out = rte_ring_create(("out_" + p.name).c_str(), 8192, socket, RING_F_SC_DEQ);
      if (!in || !out) throw std::runtime_error("ring create failed");
      in_.push_back(in);
      out_.push_back(out);
      // rte_eth_from_rings names the device "net_ring_<name>": the port's vdev_name().
      if (rte_eth_from_rings(p.name.c_str(), &in, 1, &out, 1, socket) < 0)
        throw std::runtime_error("rte_eth_from_rings " + p.vdev_name());
    }
    app::resolve_ports(*app_);
    app::build_topology(*app_);
    for (auto& p : app_->ports) app::start_port(*app_, p);
    app_->mbufs_in_use_at_start = rte_mempool_in_use_count(app_->pool);
  }

  ~Harness() {
    stop();
    app::stop_ports(*app_);
    for (rte_ring* r : app_->rings) rte_ring_free(r);
    for (rte_ring* r : in_) rte_ring_free(r);
    for (rte_ring* r : out_) rte_ring_free(r);
    app_->runners.clear();  // TX buffers are freed with their stage
    rte_mempool_free(app_->pool);
  }

  app::AppState& app() { return *app_; }
  uint16_t port_id(int i) const { return app_->ports[i].id; }

  static int worker(void* arg) {
    auto* self = static_cast<std::pair<core::LcoreRunner*, core::RunControl*>*>(arg);
    self->first->run(*self->second);
    return 0;
  }

  // Launches the runners on their lcores (all of them, or only those listed).
  void launch(std::vector<unsigned> only = {}) {
    for (auto& r : app_->runners) {
      if (!only.empty() && std::find(only.begin(), only.end(), r->lcore_id()) == only.end()) continue;
      if (launched_.count(r->lcore_id())) continue;
      auto& arg = args_.emplace_back(r.get(), &app_->control);
      ASSERT_EQ(rte_eal_remote_launch(&Harness::worker, &arg, r->lcore_id()), 0);
      launched_.insert(r->lcore_id());
    }
  }

  // Feeds frames into port `i`'s RX ring as fast as the pipeline takes them.
  void feed(int i, const std::vector<Bytes>& frames) {
    for (const Bytes& f : frames) {
      rte_mbuf* m = mbuf_from(app_->pool, f);
      ASSERT_NE(m, nullptr) << "pool exhausted";
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (rte_ring_enqueue(in_[i], m) != 0) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "RX ring never drained";
        std::this_thread::yield();
      }
      ++fed_;
    }
  }

  // Waits until every packet fed has left by TX (handed to the port) or as a counted drop.
  bool wait_accounted(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (fed_ != counted(StageId::tx, 1) + drops_total()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
  }

  uint64_t packets_taken() const {
    uint64_t n = 0;
    for (const auto& r : app_->runners) n += r->counters().packets.load();
    return n;
  }
  uint64_t counted(StageId s, int which) const {  // 0 in, 1 out, 2 drops, over lcores
    uint64_t n = 0;
    for (const auto& r : app_->runners) {
      const auto& c = r->counters().stage[core::index(s)];
      n += which == 0 ? c.in.load() : which == 1 ? c.out.load() : c.drops.load();
    }
    return n;
  }
  uint64_t drops_total() const {
    uint64_t n = 0;
    for (uint64_t d : app::total_drops(*app_)) n += d;
    return n;
  }
  unsigned tx_ring_count() const {
    unsigned n = 0;
    for (rte_ring* r : out_) n += rte_ring_count(r);
    return n;
  }

  // rampart's drain(): stop RX, wait until every packet fed is accounted for (sent or counted as a
  // drop) and the pipeline is quiet, then quit and wait for the lcores. Returns the packets a
  // forced stop left in rings (freed here, like main()).
  uint64_t stop(std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    if (launched_.empty()) return 0;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    // Every packet fed must have been received before RX stops.
    while (packets_taken_rx() < fed_ && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    app_->control.state.store(core::RunState::rx_stopped);
    int quiet = 0;
    while (std::chrono::steady_clock::now() < deadline && quiet < 3) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      bool q = fed_ == counted(StageId::tx, 1) + drops_total() && tx_ring_count() == sent_on_rings();
      for (rte_ring* r : app_->rings) q = q && rte_ring_count(r) == 0;
      for (const auto& r : app_->runners)
        if (launched_.count(r->lcore_id())) q = q && r->idle_streak() >= 3;
      quiet = q ? quiet + 1 : 0;
    }
    app_->control.state.store(core::RunState::quit);
    rte_eal_mp_wait_lcore();
    launched_.clear();
    uint64_t stranded = 0;
    for (rte_ring* r : app_->rings) {
      void* objs[64];
      unsigned n;
      while ((n = rte_ring_dequeue_burst(r, objs, 64, nullptr)) > 0) {
        rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
        stranded += n;
      }
    }
    return stranded;
  }

  std::vector<Sent> collect() {
    std::vector<Sent> sent;
    for (size_t i = 0; i < out_.size(); ++i) {
      void* objs[64];
      unsigned n;
      while ((n = rte_ring_dequeue_burst(out_[i], objs, 64, nullptr)) > 0)
        for (unsigned k = 0; k < n; ++k) {
          auto* m = static_cast<rte_mbuf*>(objs[k]);
          const core::PacketMeta* md = core::meta(m);
          sent.push_back({port_id(static_cast<int>(i)), md->in_port, md->path, bytes_of(m)});
          rte_pktmbuf_free(m);
        }
    }
    return sent;
  }

  uint64_t fed() const { return fed_; }
  unsigned in_use() const { return rte_mempool_in_use_count(app_->pool); }

 private:
  uint64_t packets_taken_rx() const { return counted(StageId::classify, 0); }
  unsigned sent_on_rings() const {
    // TX stage "out" counts what it buffered; once flushed it is all on the port rings.
    return static_cast<unsigned>(counted(StageId::tx, 1) -
                                 app::total_drops(*app_)[static_cast<size_t>(DropReason::tx_full)]);
  }

  std::unique_ptr<app::AppState> app_;
  std::vector<rte_ring*> in_, out_;
  std::deque<std::pair<core::LcoreRunner*, core::RunControl*>> args_;
  std::set<unsigned> launched_;
  uint64_t fed_ = 0;
};

app::LcoreSettings lcore(unsigned id, std::vector<std::pair<std::string, uint16_t>> rx,
                         std::vector<StageId> stages) {
  app::LcoreSettings l;
  l.lcore = id;
  l.rx = std::move(rx);
  l.stages = std::move(stages);
  return l;
}

const std::vector<StageId> kPaths = {StageId::arp, StageId::dns, StageId::tcp, StageId::other};
std::vector<StageId> all_stages() {
  return {StageId::classify, StageId::arp, StageId::dns, StageId::tcp, StageId::other, StageId::tx};
}

// Unique frames (every one differs from every other, MAC-swapped or not), all paths, some
// malformed, some with bad checksums. `side` keeps the two ports' traffic apart.
std::vector<Bytes> traffic(int side, int n) {
  std::vector<Bytes> v;
  const std::string cmac = side == 0 ? "02:00:00:00:00:0a" : "02:00:00:00:00:1a";
  const std::string smac = side == 0 ? "02:00:00:00:00:0b" : "02:00:00:00:00:1b";
  for (int i = 0; i < n; ++i) {
    const auto sport = static_cast<uint16_t>(1024 + i);
    const std::string cip = "10." + std::to_string(side + 1) + "." + std::to_string(i / 250) + "." +
                            std::to_string(1 + i % 250);
    PacketBuilder b = PacketBuilder().eth(cmac, smac).ipv4(cip, "10.9.0.53");
    switch (i % 10) {
      case 0: case 1: case 2:
        v.push_back(b.udp(sport, 53).payload("dns-query-" + std::to_string(i)).build());
        break;
      case 3: case 4:
        v.push_back(b.tcp(sport, 80, proto::tcp_flag::syn, static_cast<uint32_t>(i)).build());
        break;
      case 5:
        v.push_back(b.icmp(8, 0, static_cast<uint16_t>(side), static_cast<uint16_t>(i)).build());
        break;
      case 6:
        v.push_back(PacketBuilder().eth(cmac, "ff:ff:ff:ff:ff:ff")
                        .arp(1, cmac, cip, "00:00:00:00:00:00", "10.9.0.1").build());
        break;
      case 7:
        v.push_back(PacketBuilder().eth(cmac, smac).ipv6("fd00::" + std::to_string(side + 1),
                                                         "fd00::53")
                        .udp(sport, 53).payload("v6q").build());
        break;
      case 8:  // a bad checksum on the dns path: dropped
        v.push_back(b.udp(sport, 53).payload("bad").corrupt_l4_checksum().build());
        break;
      default:  // malformed: total length beyond the frame
        v.push_back(b.udp(sport, 9).payload("x").override_ipv4_total_length(999).build());
        break;
    }
  }
  return v;
}

struct RunResult {
  std::vector<Sent> sent;
  std::array<uint64_t, core::kDropReasonCount> drops{};
  uint64_t stranded = 0;
  std::map<std::string, uint64_t> stage_totals;
};

class MultiLcore : public ::testing::Test {
 protected:
  RunResult run_plan(std::vector<app::LcoreSettings> plan) {
    RunResult res;
    auto h = std::make_unique<Harness>(std::move(plan), 1024);
    h->launch();
    const auto a = traffic(0, 1500), b = traffic(1, 700);
    // Interleave the two ports' input a burst at a time. Paced: at most 100 packets in flight,
    // fewer than any ring holds, so that lcores sharing a core (the OS may leave one unscheduled
    // for milliseconds) cannot overflow a ring; what a full ring does is the next test's subject.
    for (size_t i = 0; i < std::max(a.size(), b.size()); i += 50) {
      h->feed(0, std::vector<Bytes>(a.begin() + std::min(i, a.size()), a.begin() + std::min(i + 50, a.size())));
      h->feed(1, std::vector<Bytes>(b.begin() + std::min(i, b.size()), b.begin() + std::min(i + 50, b.size())));
      EXPECT_TRUE(h->wait_accounted(std::chrono::seconds(10))) << "pipeline stalled at " << i;
    }
    res.stranded = h->stop();
    res.sent = h->collect();
    res.drops = app::total_drops(h->app());
    uint64_t drops = 0;
    for (uint64_t d : res.drops) drops += d;
    EXPECT_EQ(h->fed(), a.size() + b.size());
    EXPECT_EQ(res.stranded, 0u);
    EXPECT_EQ(res.sent.size() + drops, h->fed()) << "every packet leaves by TX or a counted drop";
    EXPECT_EQ(h->counted(StageId::classify, 0), h->fed());
    uint64_t path_in = 0, path_out = 0;
    for (StageId s : kPaths) {
      path_in += h->counted(s, 0);
      path_out += h->counted(s, 1);
    }
    EXPECT_EQ(path_in, h->counted(StageId::classify, 1));
    EXPECT_EQ(path_out, h->counted(StageId::tx, 0));
    EXPECT_EQ(h->counted(StageId::tx, 1), res.sent.size());
    EXPECT_EQ(h->in_use(), h->app().mbufs_in_use_at_start) << "mbuf leak";
    for (size_t s = 0; s < core::kStageCount; ++s)
      for (int w = 0; w < 3; ++w)
        res.stage_totals[std::string(core::kStageNames[s]) + (w == 0 ? ".in" : w == 1 ? ".out" : ".drops")] =
            h->counted(static_cast<StageId>(s), w);
    return res;
  }
};

// Groups output by (TX port, arrival port, path): each group must keep input order.
std::map<std::tuple<uint16_t, uint16_t, int>, std::vector<Bytes>> streams(const std::vector<Sent>& s) {
  std::map<std::tuple<uint16_t, uint16_t, int>, std::vector<Bytes>> out;
  for (const auto& x : s) out[{x.port, x.in_port, static_cast<int>(x.path)}].push_back(x.bytes);
  return out;
}

TEST_F(MultiLcore, PipelineOutputEqualsRunToCompletion) {
  const RunResult rtc = run_plan({lcore(1, {{"A", 0}, {"B", 0}}, all_stages())});
  const RunResult pipe = run_plan({lcore(1, {{"A", 0}, {"B", 0}}, {StageId::classify}),
                                   lcore(2, {}, kPaths),
                                   lcore(3, {}, {StageId::tx})});
  const RunResult fan_in = run_plan({lcore(1, {{"A", 0}}, {StageId::classify}),
                                     lcore(2, {{"B", 0}}, {StageId::classify}),
                                     lcore(3, {}, {StageId::arp, StageId::dns, StageId::tcp, StageId::other,
                                                   StageId::tx})});

  // Expected totals, from the traffic's construction: of 1500 + 700 frames, one in ten is ARP
  // (policy drop), one in ten a bad DNS checksum, one in ten a bad IPv4 total length.
  const uint64_t n = 1500 + 700;
  EXPECT_EQ(rtc.drops[static_cast<size_t>(DropReason::policy)], n / 10);
  EXPECT_EQ(rtc.drops[static_cast<size_t>(core::drop_reason_of(proto::ParseError::l4_bad_checksum))], n / 10);
  EXPECT_EQ(rtc.drops[static_cast<size_t>(core::drop_reason_of(proto::ParseError::ipv4_bad_total_length))], n / 10);
  EXPECT_EQ(rtc.sent.size(), n - 3 * n / 10);

  const auto want = streams(rtc.sent);
  for (const RunResult* r : {&pipe, &fan_in}) {
    SCOPED_TRACE(r == &pipe ? "3-lcore pipeline" : "fan-in pipeline");
    EXPECT_EQ(r->drops, rtc.drops);
    EXPECT_EQ(r->sent.size(), rtc.sent.size());
    EXPECT_TRUE(streams(r->sent) == want) << "output differs from run to completion";
    EXPECT_EQ(r->stage_totals, rtc.stage_totals);
  }

  // And run to completion itself against the input: each (arrival port, path) stream is the input
  // of that port, in order, minus drops, transformed by the path's policy.
  const auto a = traffic(0, 1500);
  std::vector<Bytes> want_dns, want_tcp, want_other;
  for (size_t i = 0; i < a.size(); ++i) {
    switch (i % 10) {
      case 0: case 1: case 2: case 7: want_dns.push_back(swap_macs(a[i])); break;
      case 3: case 4: want_tcp.push_back(a[i]); break;
      case 5: want_other.push_back(a[i]); break;
      default: break;
    }
  }
  std::vector<Bytes> got_dns, got_tcp, got_other;
  // Port A's traffic is the one from client MAC ..:0a (destination after the dns path's swap).
  for (const auto& s : rtc.sent) {
    const bool from_a = (s.path == core::Path::dns ? s.bytes[5] : s.bytes[11]) == 0x0a;
    if (!from_a) continue;
    if (s.path == core::Path::dns) got_dns.push_back(s.bytes);
    if (s.path == core::Path::tcp) got_tcp.push_back(s.bytes);
    if (s.path == core::Path::other) got_other.push_back(s.bytes);
  }
  EXPECT_TRUE(got_dns == want_dns) << got_dns.size() << " vs " << want_dns.size();
  EXPECT_TRUE(got_tcp == want_tcp) << got_tcp.size() << " vs " << want_tcp.size();
  EXPECT_TRUE(got_other == want_other) << got_other.size() << " vs " << want_other.size();
}

// Lcore 1 classifies port A and reaches every later stage on lcore 2 (which also serves port B)
// through rings of `ring_size` slots; 300 DNS queries to send through them.
std::unique_ptr<Harness> producer_consumer(uint32_t ring_size, const char* full_ring) {
  return std::make_unique<Harness>(
      std::vector<app::LcoreSettings>{lcore(1, {{"A", 0}}, {StageId::classify}),
                                      lcore(2, {{"B", 0}}, {StageId::classify, StageId::arp, StageId::dns,
                                                            StageId::tcp, StageId::other, StageId::tx})},
      ring_size, full_ring);
}
std::vector<Bytes> dns_queries(int n) {
  std::vector<Bytes> frames;
  for (int i = 0; i < n; ++i)
    frames.push_back(PacketBuilder().ipv4("10.0.0.1", "10.0.0.53").udp(static_cast<uint16_t>(2000 + i), 53)
                         .payload("q").build());
  return frames;
}

// A ring whose consumer is not running fills up: the producer counts ring_full and frees, it
// never waits. Once the consumer starts, what the ring held goes out and nothing leaks.
TEST_F(MultiLcore, FullRingIsCountedAsRingFullNeverAHang) {
  auto h = producer_consumer(64, "auto");
  // Lcore 1 must reach lcore 2's stages through rings of 64 slots (63 usable).
  ASSERT_FALSE(h->app().rings.empty());
  rte_ring* dns_ring = nullptr;
  for (rte_ring* r : h->app().rings)
    if (std::string(r->name).rfind("r_dns_2", 0) == 0) dns_ring = r;
  ASSERT_NE(dns_ring, nullptr);
  const unsigned cap = rte_ring_get_capacity(dns_ring);
  ASSERT_EQ(cap, 63u);

  h->launch({1});  // the producer only
  const std::vector<Bytes> frames = dns_queries(300);
  const auto t0 = std::chrono::steady_clock::now();
  h->feed(0, frames);
  while (h->counted(StageId::classify, 0) < frames.size() &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(h->counted(StageId::classify, 0), frames.size()) << "the producer stalled";
  // "in" is counted before the burst is dispatched: wait for the last burst's ring flush.
  auto ring_full = [&] { return app::total_drops(h->app())[static_cast<size_t>(DropReason::ring_full)]; };
  while (rte_ring_count(dns_ring) + ring_full() < frames.size() &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(rte_ring_count(dns_ring), cap);
  const auto drops = app::total_drops(h->app());
  EXPECT_EQ(drops[static_cast<size_t>(DropReason::ring_full)], frames.size() - cap);
  EXPECT_EQ(h->counted(StageId::classify, 1), frames.size()) << "classify passed them all on";

  h->launch({2});  // now the consumer: the ring's packets go out
  const auto t1 = std::chrono::steady_clock::now();
  while (h->tx_ring_count() < cap && std::chrono::steady_clock::now() - t1 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(h->stop(), 0u);
  const auto sent = h->collect();
  ASSERT_EQ(sent.size(), cap);
  for (unsigned i = 0; i < cap; ++i) EXPECT_EQ(sent[i].bytes, swap_macs(frames[i])) << i;
  EXPECT_EQ(h->in_use(), h->app().mbufs_in_use_at_start) << "mbuf leak";
}

// The same with [pipeline] full_ring = "wait" (what pcap input gets by default): the producer
// stops polling its RX queue while the ring lacks room for a burst, so the frames wait in the RX
// queue instead of being dropped; once the consumer runs, every frame goes out, in order.
TEST_F(MultiLcore, FullRingMakesTheInputWaitWhenToldTo) {
  auto h = producer_consumer(64, "wait");
  h->launch({1});  // the producer only
  const std::vector<Bytes> frames = dns_queries(300);
  h->feed(0, frames);
  auto waiting = [&] {
    uint64_t n = 0;
    for (const auto& r : h->app().runners) n += r->counters().waiting_polls.load();
    return n;
  };
  const auto t0 = std::chrono::steady_clock::now();
  while (waiting() < 1000 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GE(waiting(), 1000u) << "the producer never waited";
  // It took bursts while the ring had room for one (how many depends on how the frames arrived
  // in its RX queue), never more than the ring's 63 slots hold, and dropped none.
  const uint64_t taken = h->counted(StageId::classify, 0);
  EXPECT_GE(taken, 32u);
  EXPECT_LE(taken, 63u);
  EXPECT_EQ(app::total_drops(h->app())[static_cast<size_t>(DropReason::ring_full)], 0u);

  h->launch({2});  // the consumer: the producer resumes as the ring drains
  const auto t1 = std::chrono::steady_clock::now();
  while (h->tx_ring_count() < frames.size() && std::chrono::steady_clock::now() - t1 < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(h->stop(), 0u);
  const auto sent = h->collect();
  ASSERT_EQ(sent.size(), frames.size()) << "nothing lost";
  for (size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(sent[i].bytes, swap_macs(frames[i])) << i;
  EXPECT_EQ(app::total_drops(h->app())[static_cast<size_t>(DropReason::ring_full)], 0u);
  EXPECT_EQ(h->in_use(), h->app().mbufs_in_use_at_start) << "mbuf leak";
}

// The topology refuses plans it cannot run, before launching anything.
TEST_F(MultiLcore, TopologyRefusesTheMainLcoreAndDisabledLcores) {
  EXPECT_THROW(Harness({lcore(0, {{"A", 0}, {"B", 0}}, all_stages())}, 1024), std::runtime_error);
  EXPECT_THROW(Harness({lcore(9, {{"A", 0}, {"B", 0}}, all_stages())}, 1024), std::runtime_error);
}

}  // namespace
}  // namespace rampart::pipetest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  spdlog::set_level(spdlog::level::warn);  // the topology's start-up lines
  ::testing::AddGlobalTestEnvironment(
      new rampart::pipetest::EalEnvironment("multi", {"--lcores", "0@0,1@1,2@0,3@1", "--no-telemetry"}, 256));
  return RUN_ALL_TESTS();
}
