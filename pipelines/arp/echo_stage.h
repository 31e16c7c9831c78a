// The `other` path's stage when Rampart owns addresses: answers ICMPv4 echo requests for the
// ports' own addresses (so a host can ping Rampart), rate-limited per port, and forwards everything
// else by the path's policy, as the plain forwarding stage would. Part of the ARP component because
// it answers for the same own addresses (arp/port_addresses.h).
#pragma once

#include <array>

#include "arp/arp_config.h"
#include "arp/port_addresses.h"
#include "arp/token_bucket.h"
#include "core/forwarder.h"
#include "core/stage.h"

namespace rampart::arp {

struct EchoCounters {
  core::Counter requests_for_us;  // plain echo requests addressed to one of our addresses
  core::Counter replies_out;
  core::Counter rate_limited;     // over reply_rate_per_port: dropped as rate_limited
  core::Counter bad_checksum;     // ICMP checksum wrong: dropped as l4_bad_checksum
  core::Counter bad_source;       // from a source no reply may go to: dropped as icmp_bad_source
  core::Counter forwarded;
};

class EchoStage final : public core::Stage {
 public:
  // `rate`: replies per second per port (the ARP stage's reply_rate_per_port).
  EchoStage(const core::ForwardConfig& fwd, const AddressBook* addresses, const RateLimit& rate,
            uint64_t tsc_hz);

  core::StageId id() const override { return core::StageId::other; }
  uint16_t process(rte_mbuf** pkts, uint16_t n, core::StageContext& ctx) override;
  void visit_counters(const core::CounterVisitor& visit) const override;
  const EchoCounters& counters() const { return c_; }

 private:
  // An echo request: answered when it is for one of our addresses, else forwarded.
  void handle(rte_mbuf* m, uint64_t now);
  void forward(rte_mbuf** pkts, uint16_t n);

  core::Forwarder fwd_;
  const AddressBook* addrs_;
  std::array<TokenBucket, kMaxAddressPorts> per_port_{};
  EchoCounters c_;
};

}  // namespace rampart::arp
