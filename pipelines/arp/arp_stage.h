// The ARP stage: answers requests for our addresses (core of a host's ARP, rate-limited so a
// spoofed flood cannot make us an amplifier), announces our addresses gratuitously (at start,
// when one is added, when a port's link comes back up) and defends them against conflicts at most
// once per defend interval each (RFC 5227), learns the neighbour table, raises detection events
// (new station, flip-flop, dual claim, unsolicited reply, conflict), resolves next hops for
// Rampart's own traffic with a bounded queue, and sends the scanner's requests. Everything it does
// not consume it forwards by the path's policy.
#pragma once

#include <rte_ether.h>
#include <rte_mempool.h>

#include <array>
#include <vector>

#include "arp/arp_config.h"
#include "arp/asked_table.h"
#include "arp/event_log.h"
#include "arp/neighbour_table.h"
#include "arp/port_addresses.h"
#include "arp/resolution_queue.h"
#include "arp/token_bucket.h"
#include "core/forwarder.h"
#include "core/meta.h"
#include "core/resolver.h"
#include "core/stage.h"

namespace rampart::arp {

class ScanEngine;

// Written by the ARP lcore only; read by telemetry.
struct ArpCounters {
  core::Counter requests_in, replies_in, gratuitous_in, probes_in;
  core::Counter requests_for_us;  // requests whose target is one of our addresses
  core::Counter replies_for_us;   // replies addressed to one of our addresses (consumed)
  core::Counter replies_out, requests_out, gratuitous_out;
  core::Counter defences_out;         // of gratuitous_out: defending an address in conflict
  core::Counter defences_suppressed;  // conflicts not defended: one defence per defend interval
  core::Counter reannouncements;      // rounds of announcing a port's addresses again (link up)
  core::Counter replies_limited_target, replies_limited_port;
  core::Counter requests_limited_target, requests_limited_port;
  core::Counter forwarded;   // not ours: passed on by the path policy
  core::Counter own_frames;  // carrying our own MAC as sender (looped back): not learned
  core::Counter double_tagged;  // QinQ: passed on, neither answered nor learned
  // By ArpError. Only bad_op and bad_sender reach the stage: classify drops the other kinds.
  std::array<core::Counter, static_cast<size_t>(proto::ArpError::count_)> malformed{};
  core::Counter resolve_hits, resolve_queued, resolve_queue_full, resolve_released,
      resolve_timeouts, resolve_no_source;
  core::Counter queue_depth;  // packets waiting now
  core::Counter alloc_failures;
  core::Counter scan_requests_out;
  core::Counter scan_replies_in;  // replies a scan took as an answer to its request (consumed)
  std::array<core::Counter, kEventKinds> events{};
};

struct ArpStageParams {
  ArpConfig cfg;
  core::ForwardConfig forward;
  const AddressBook* addresses = nullptr;
  std::vector<uint16_t> ports;  // the ports to announce our addresses on
  rte_mempool* pool = nullptr;  // for the frames the stage creates
  uint64_t tsc_hz = 0;
  ScanEngine* scans = nullptr;  // may be nullptr (tests, or no scanner)
  bool announce = true;         // this instance sends the gratuitous ARPs (one per appliance)
};

class ArpStage final : public core::Stage, public core::Resolver {
 public:
  explicit ArpStage(const ArpStageParams& p);

  core::StageId id() const override { return core::StageId::arp; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;
  void flush(core::StageContext& ctx) override;
  void visit_counters(const core::CounterVisitor& visit) const override;

  // Next-hop resolution for packets Rampart originates (the TCP stage), on this stage's lcore.
  // resolved: *mac is the neighbour's, the caller keeps m. queued: the stage owns m and sends it
  // (Ethernet addresses filled in, out_port = port) when the reply comes, or drops it after
  // resolve_timeout_ms. dropped: the stage freed m and counted why (queue full, no address to ask
  // from on that port/VLAN).
  using Resolution = core::Resolution;
  Resolution resolve(uint32_t ip, uint16_t port, uint16_t vlan, rte_mbuf* m,
                     core::StageContext& ctx, rte_ether_addr* mac) override;

  // Readers for control threads.
  const NeighbourTable& table() const { return table_; }
  const EventLog& events() const { return events_; }
  const ArpCounters& counters() const { return c_; }
  const ArpConfig& config() const { return cfg_; }
  const AskedTable& asked() const { return asked_; }

 private:
  void handle(rte_mbuf* m, core::StageContext& ctx, uint16_t& keep, rte_mbuf** pkts);
  // Returns true when a scan took the message as an answer (the stage then consumes it).
  // `mine`: the port's own addresses; `to_us`: a.tpa is one of them on `vlan` (and a is not
  // gratuitous).
  bool observe(const proto::ArpMessage& a, const PortAddresses& mine, uint16_t port, uint16_t vlan,
               bool to_us, uint64_t now, core::StageContext& ctx);
  void defend(uint16_t port, int index, uint64_t now, core::StageContext& ctx);
  void raise(EventKind k, uint32_t ip, uint16_t port, uint16_t vlan, const proto::ArpMac& old_mac,
             const proto::ArpMac& new_mac, uint64_t now);
  void release_waiting(uint32_t ip, uint16_t port, uint16_t vlan, const proto::ArpMac& mac,
                       core::StageContext& ctx);
  bool send_request(uint32_t target, uint16_t port, uint16_t vlan, core::StageContext& ctx);
  bool send_gratuitous(uint16_t port, const PortAddress& a, core::StageContext& ctx);
  rte_mbuf* new_frame(uint16_t port, uint64_t now);
  void housekeeping(core::StageContext& ctx);
  void emit_scans(core::StageContext& ctx, uint16_t max);

  ArpConfig cfg_;
  core::Forwarder fwd_;
  const AddressBook* addrs_;
  std::vector<uint16_t> ports_;
  rte_mempool* pool_;
  uint64_t hz_;
  ScanEngine* scans_;
  bool announce_;

  NeighbourTable table_;
  uint32_t age_per_round_;
  EventLog events_;
  ResolutionQueue queue_;
  TargetLimiter reply_target_, request_target_;
  std::array<TokenBucket, kMaxAddressPorts> reply_port_{}, request_port_{};
  std::array<size_t, kMaxAddressPorts> announced_{};  // addresses announced so far, per port
  std::array<uint32_t, kMaxAddressPorts> announce_gen_{};  // PortAddresses generation acted on
  // Resolution requests we sent, so a reply can be told from an unsolicited one.
  AskedTable asked_;

  uint64_t resolve_timeout_, dual_window_, defend_interval_, housekeeping_period_;
  uint64_t last_housekeeping_ = 0;
  bool housekept_ = false;
  ArpCounters c_;
};

}  // namespace rampart::arp
