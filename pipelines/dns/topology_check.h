// Whether a pipeline plan lets the DNS stage match responses to queries. Matching is per lcore:
// a response only finds its query in the pending table of the instance that saw the query. Where
// the dns stage runs on lcores fed by rings, the runner picks the instance by the symmetric flow
// hash, so both directions meet. Where an lcore runs dns on what it classified itself, the
// instance is decided by which lcore polled the packet, and both directions meet only if they
// arrive on RX queues the same lcore polls. With symmetric RSS both directions of a flow land on
// the same queue index of a port and of its bump peer; so the plan is safe when every lcore polls
// the same queue indexes of both ports of every bump pair. (Ports that are not peers are not
// judged: whether a mirror delivers the two directions on different ports is unknowable here.)
// Pure and DPDK-free: called by config validation and by telemetry's start-up warning.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rampart::dns {

struct LcorePlan {
  unsigned lcore = 0;
  bool classify = false;
  bool dns = false;
  std::vector<std::pair<std::string, unsigned>> rx;  // (port, queue)
};

// Empty when every transaction's query and response reach the same DNS-stage instance; otherwise
// why not, naming the lcores and ports. `peers`: bump pairs (port, its peer), either order.
std::string split_transactions(const std::vector<LcorePlan>& plan,
                               const std::vector<std::pair<std::string, std::string>>& peers);

}  // namespace rampart::dns
