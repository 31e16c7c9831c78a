#include "dns/topology_check.h"

#include <algorithm>
#include <set>

namespace rampart::dns {

namespace {

std::set<unsigned> queues_of(const LcorePlan& l, const std::string& port) {
  std::set<unsigned> q;
  for (const auto& [p, n] : l.rx)
    if (p == port) q.insert(n);
  return q;
}

std::string list(const std::set<unsigned>& q, const std::string& port) {
  if (q.empty()) return "none of " + port;
  std::string out;
  for (unsigned n : q) out += (out.empty() ? "" : ", ") + port + ":" + std::to_string(n);
  return out;
}

}  // namespace

std::string split_transactions(const std::vector<LcorePlan>& plan,
                               const std::vector<std::pair<std::string, std::string>>& peers) {
  const auto dns_lcores = std::count_if(plan.begin(), plan.end(), [](const LcorePlan& l) { return l.dns; });
  if (dns_lcores < 2) return {};
  // Only lcores that classify and keep dns local decide the instance by where packets arrived;
  // but an lcore that classifies without dns hashes flows over the dns instances, and a flow whose
  // other direction arrives at a dns lcore stays there: both kinds must see both directions.
  const bool local = std::any_of(plan.begin(), plan.end(), [](const LcorePlan& l) { return l.classify && l.dns; });
  if (!local) return {};
  for (const auto& [a, b] : peers) {
    if (a == b) continue;
    for (const auto& l : plan) {
      if (!l.classify) continue;
      const auto qa = queues_of(l, a), qb = queues_of(l, b);
      if (qa == qb) continue;
      return "lcore " + std::to_string(l.lcore) + " polls " + list(qa, a) + " but " + list(qb, b) +
             ", and " + a + " and " + b + " are bump peers: with the dns stage on " +
             std::to_string(dns_lcores) +
             " lcores, a query and its response would reach different DNS-stage instances and never "
             "match (no latency, false timeouts, every response unmatched). Poll the same queues of " +
             a + " and " + b + " on each lcore, or run dns only on lcores that poll no RX (fed by "
             "rings, by flow hash), or set stages.dns.allow_split_transactions = true to accept it";
    }
  }
  return {};
}

}  // namespace rampart::dns
