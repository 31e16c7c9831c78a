#include "app/rampart/dns_commands.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "app/rampart/breakdown.h"
#include "app/rampart/dns_query_log.h"
#include "app/rampart/telemetry.h"
#include "app/rampart/text.h"
#include "dns/dns_stage.h"
#include "dns/names.h"
#include "dns/top_merge.h"

namespace rampart::app {

using json::Value;

namespace {

std::vector<const dns::DnsStage*> dns_stages(const AppState& app) {
  return app.stages_of<dns::DnsStage>(core::StageId::dns);
}

std::string opcode_name16(uint16_t op) { return dns::opcode_name(static_cast<uint8_t>(op)); }

uint64_t us(uint64_t ns) { return (ns + 500) / 1000; }

constexpr const char* kFlagNames[dns::kFlagCount] = {"aa", "tc", "rd", "ra", "z", "ad", "cd", "do"};

// Reassembly of fragmented UDP, summed over the lcores (docs/telemetry.md).
Value ip_frag_stats(const std::vector<const dns::DnsStage*>& stages) {
#define RAMPART_FRAG_SCALARS(X)                                                                    \
  X(fragments) X(coalesced) X(reassembled) X(used) X(timed_out) X(table_full) X(invalid) X(no_mbuf)       \
  X(unsupported) X(non_dns) X(malformed) X(bad_checksum)
  struct Sums {
#define X(f) uint64_t f = 0;
    RAMPART_FRAG_SCALARS(X)
#undef X
  } sums;
  uint64_t held = 0;
  bool on = false;
  for (const auto* s : stages) {
    const dns::FragmentReassembler* r = s->fragments();
    if (!r) continue;
    on = true;
    const dns::FragmentCounters& c = r->counters();
#define X(f) sums.f += c.f.load();
    RAMPART_FRAG_SCALARS(X)
#undef X
    held += r->mbufs_held();
  }
  Value v = Value::object();
  v.set("enabled", on);
#define X(f) v.set(#f, sums.f);
  RAMPART_FRAG_SCALARS(X)
#undef X
#undef RAMPART_FRAG_SCALARS
  v.set("mbufs_held", held);
  return v;
}

}  // namespace

Value dns_stats(const AppState& app) {
  const auto stages = dns_stages(app);
  // Plain sums of every counter, by field.
#define RAMPART_DNS_SCALARS(X)                                                                     \
  X(packets) X(messages) X(queries) X(responses) X(queries_udp) X(queries_tcp) X(responses_udp)   \
  X(responses_tcp) X(malformed) X(trailing_garbage) X(truncated_kept) X(forward_pointers)        \
  X(bad_rdata) X(no_question)                                                                      \
  X(ip_fragments) X(tcp_no_payload) X(non_dns_l4) X(queries_edns) X(responses_edns)               \
  X(edns_version_nonzero) X(matched) X(unmatched_responses) X(question_mismatch) X(timeouts)       \
  X(duplicate_queries) X(pending_full) X(untracked_queries) X(query_log_records)                   \
  X(query_log_dropped)
  struct Sums {
#define X(f) uint64_t f = 0;
    RAMPART_DNS_SCALARS(X)
#undef X
  } sums;
  std::array<uint64_t, 16> opcodes{};
  std::array<uint64_t, dns::kTypeSlots> qtypes{}, rqtypes{};
  std::array<uint64_t, dns::kClassSlots> qclasses{};
  std::array<uint64_t, dns::kRcodeSlots> rcodes{};
  std::array<uint64_t, dns::kErrorSlots> errors{};
  std::array<uint64_t, dns::kFlagCount> qflags{}, rflags{};
  std::array<uint64_t, dns::kEdnsSizeBuckets> edns_size{};
  dns::HistogramSnapshot lat;
  uint64_t pending = 0, pending_capacity = 0, tcp_active = 0;
  proto::dns::TcpStreamReassembler::Stats tcp{};
  uint64_t tcp_segments = 0, tcp_created = 0, tcp_evicted = 0, tcp_expired = 0, tcp_closed = 0,
           tcp_no_flow = 0, syn_recorded = 0, syn_overwritten = 0, syn_used = 0;
  for (const auto* s : stages) {
    const dns::DnsCounters& c = s->counters();
#define X(f) sums.f += c.f.load();
    RAMPART_DNS_SCALARS(X)
#undef X
    for (size_t i = 0; i < opcodes.size(); ++i) opcodes[i] += c.opcodes[i].load();
    for (size_t i = 0; i < qtypes.size(); ++i) qtypes[i] += c.qtypes[i].load();
    for (size_t i = 0; i < rqtypes.size(); ++i) rqtypes[i] += c.response_qtypes[i].load();
    for (size_t i = 0; i < qclasses.size(); ++i) qclasses[i] += c.qclasses[i].load();
    for (size_t i = 0; i < rcodes.size(); ++i) rcodes[i] += c.rcodes[i].load();
    for (size_t i = 0; i < errors.size(); ++i) errors[i] += c.errors[i].load();
    for (size_t i = 0; i < qflags.size(); ++i) qflags[i] += c.query_flags[i].load();
    for (size_t i = 0; i < rflags.size(); ++i) rflags[i] += c.response_flags[i].load();
    for (size_t i = 0; i < edns_size.size(); ++i) edns_size[i] += c.query_edns_size[i].load();
    lat.add(s->latency());
    pending += s->pending();
    pending_capacity += s->pending_capacity();
    tcp_active += s->tcp_active_flows();
    const auto t = s->tcp_stats();
    tcp.segments += t.segments;
    tcp.messages += t.messages;
    tcp.duplicate_bytes += t.duplicate_bytes;
    tcp.gaps += t.gaps;
    tcp.bytes_given_up += t.bytes_given_up;
    tcp.partial_messages += t.partial_messages;
    tcp.resyncs += t.resyncs;
    tcp.bad_length += t.bad_length;
    tcp.search_limited += t.search_limited;
    tcp.search_steps += t.search_steps;
    tcp_segments += c.tcp_segments.load();
    tcp_created += c.tcp_flows_created.load();
    tcp_evicted += c.tcp_flows_evicted.load();
    tcp_expired += c.tcp_flows_expired.load();
    tcp_closed += c.tcp_flows_closed.load();
    tcp_no_flow += c.tcp_no_flow.load();
    syn_recorded += c.tcp_syn_recorded.load();
    syn_overwritten += c.tcp_syn_overwritten.load();
    syn_used += c.tcp_syn_used.load();
  }

  Value v = Value::object();
  v.set("lcores", static_cast<uint64_t>(stages.size()));
#define X(f) v.set(#f, sums.f);
  RAMPART_DNS_SCALARS(X)
#undef X
#undef RAMPART_DNS_SCALARS
  v.set("pending", pending);
  v.set("pending_capacity", pending_capacity);
  const QueryLogCounters& ql = dns_query_log_counters();
  v.set("query_log_written", ql.written.load());
  v.set("query_log_lost", ql.lost.load());
  v.set("query_log_write_errors", ql.write_errors.load());
  v.set("query_log_rotations", ql.rotations.load());
  v.set("transactions_may_split", !dns_split_transactions(app.cfg).empty());
  v.set("rcodes", breakdown(rcodes, dns::rcode_name, dns::kRcodeSlots - 1));
  v.set("qtypes", breakdown(qtypes, dns::qtype_name, dns::kTypeSlots - 1));
  v.set("response_qtypes", breakdown(rqtypes, dns::qtype_name, dns::kTypeSlots - 1));
  v.set("qclasses", breakdown(qclasses, dns::qclass_name, dns::kClassSlots - 1));
  v.set("opcodes", breakdown(opcodes, opcode_name16, opcodes.size()));
  Value qf = Value::object(), rf = Value::object();
  for (size_t i = 0; i < dns::kFlagCount; ++i) {
    qf.set(kFlagNames[i], qflags[i]);
    rf.set(kFlagNames[i], rflags[i]);
  }
  v.set("query_flags", std::move(qf));
  v.set("response_flags", std::move(rf));
  Value es = Value::object();
  for (size_t i = 0; i < dns::kEdnsSizeBuckets; ++i) es.set(dns::kEdnsSizeNames[i], edns_size[i]);
  v.set("query_edns_size", std::move(es));
  Value err = Value::object();
  for (size_t i = 1; i < errors.size(); ++i)
    if (errors[i]) err.set(std::string(proto::dns::to_string(static_cast<proto::dns::Error>(i))), errors[i]);
  v.set("malformed_by_error", std::move(err));
  Value l = Value::object();
  l.set("count", lat.count);
  l.set("p50", us(lat.quantile_ns(0.50)));
  l.set("p90", us(lat.quantile_ns(0.90)));
  l.set("p99", us(lat.quantile_ns(0.99)));
  l.set("p999", us(lat.quantile_ns(0.999)));
  l.set("max", us(lat.max_ns()));
  v.set("latency_us", std::move(l));
  Value t = Value::object();
  t.set("segments", tcp_segments);
  t.set("active_flows", tcp_active);
  t.set("flows_created", tcp_created);
  t.set("flows_closed", tcp_closed);
  t.set("flows_evicted", tcp_evicted);
  t.set("flows_expired", tcp_expired);
  t.set("no_flow", tcp_no_flow);
  t.set("syn_recorded", syn_recorded);
  t.set("syn_overwritten", syn_overwritten);
  t.set("syn_used", syn_used);
  t.set("messages", tcp.messages);
  t.set("gaps", tcp.gaps);
  t.set("duplicate_bytes", tcp.duplicate_bytes);
  t.set("bytes_given_up", tcp.bytes_given_up);
  t.set("partial_messages", tcp.partial_messages);
  t.set("resyncs", tcp.resyncs);
  t.set("bad_length", tcp.bad_length);
  t.set("search_limited", tcp.search_limited);
  t.set("search_steps", tcp.search_steps);
  v.set("tcp", std::move(t));
  v.set("ip_frag", ip_frag_stats(stages));
  return v;
}

namespace {

// A client key (family byte + address, as TopLists and the amplification detector keep it).
std::string client_text(const uint8_t* key, size_t len) {
  if ((len == 5 && key[0] == 4) || (len == 17 && key[0] == 6)) return address_text(key + 1, key[0]);
  return "?";
}

template <class List>
void merge(const List& list, dns::TopMerger& into, uint64_t& total) {
  uint64_t t = 0;
  const auto items = list.read(&t);
  into.add(items, items.size() >= list.capacity());
  total += t;
}

}  // namespace

Value dns_top(const AppState& app, std::string_view params) {
  std::string_view list = params;
  unsigned n = 10;
  if (const auto comma = params.find(','); comma != std::string_view::npos) {
    list = params.substr(0, comma);
    const std::string_view num = params.substr(comma + 1);
    const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || ptr != num.data() + num.size() || n < 1 || n > 1000)
      return error_answer("N must be a number from 1 to 1000");
  }
  enum { names, domains, clients, nxdomain } which;
  if (list == "names") which = names;
  else if (list == "domains") which = domains;
  else if (list == "clients") which = clients;
  else if (list == "nxdomain") which = nxdomain;
  else return error_answer("usage: /rampart/dns/top,<names|domains|clients|nxdomain>[,N]");

  dns::TopMerger merged;
  uint64_t total = 0;
  for (const auto* s : dns_stages(app)) {
    const dns::TopLists& t = s->top();
    switch (which) {
      case names: merge(t.names, merged, total); break;
      case domains: merge(t.domains, merged, total); break;
      case clients: merge(t.clients, merged, total); break;
      case nxdomain: merge(t.nxdomain, merged, total); break;
    }
  }
  const auto result = merged.result();
  std::vector<std::pair<std::string, dns::TopCount>> items(result.begin(), result.end());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.second.count != b.second.count ? a.second.count > b.second.count : a.first < b.first;
  });
  if (items.size() > n) items.resize(n);
  // A thousand 40-character names are about 45 KB: the list ends where one answer would pass
  // DPDK's limits (kAnswerBudgetBytes, 512-entry arrays), and `shown` says how many came.
  Value keys = Value::array(), counts = Value::array(), errors = Value::array();
  size_t bytes = 0;
  for (const auto& [k, ce] : items) {
    const auto* raw = reinterpret_cast<const uint8_t*>(k.data());
    Value key(which == clients ? client_text(raw, k.size()) : dns::wire_to_text(raw, k.size()));
    // The entry as written in the three arrays, with their separators.
    bytes += json::write(key).size() + json::write(Value(ce.count)).size() +
             json::write(Value(ce.error)).size() + 3;
    if (keys.as_array().size() == kDnsTopMaxShown || bytes > kAnswerBudgetBytes) break;
    keys.push(std::move(key));
    counts.push(ce.count);
    errors.push(ce.error);
  }
  Value v = Value::object();
  v.set("list", std::string(list));
  v.set("total", total);
  v.set("requested", n);
  v.set("shown", static_cast<uint64_t>(keys.as_array().size()));
  v.set("keys", std::move(keys));
  v.set("counts", std::move(counts));
  v.set("errors", std::move(errors));
  return v;
}

namespace {

const char* kind_name(dns::AlertKind k) {
  switch (k) {
    case dns::AlertKind::nxdomain_flood: return "nxdomain_flood";
    case dns::AlertKind::random_subdomain: return "random_subdomain";
    case dns::AlertKind::amplification: return "amplification";
  }
  return "?";
}

std::string key_text(const dns::Alert& a) {
  if (a.kind == dns::AlertKind::amplification) return client_text(a.key, a.key_len);
  return dns::wire_to_text(a.key, a.key_len);
}

struct Merged {
  dns::Alert a;
  unsigned lcores = 0;
};

std::map<std::pair<int, std::string>, Merged> merged_alerts(const AppState& app, uint64_t& raised,
                                                            uint64_t* suppressed = nullptr) {
  std::map<std::pair<int, std::string>, Merged> out;
  raised = 0;
  if (suppressed) *suppressed = 0;
  for (const auto* s : dns_stages(app)) {
    raised += s->detectors().raised();
    if (suppressed) *suppressed += s->detectors().suppressed();
    for (const auto& a : s->detectors().read()) {
      auto [it, fresh] = out.try_emplace({static_cast<int>(a.kind), key_text(a)}, Merged{a, 0});
      Merged& m = it->second;
      if (!fresh) {
        m.a.start_tsc = std::min(m.a.start_tsc, a.start_tsc);
        m.a.last_tsc = std::max(m.a.last_tsc, a.last_tsc);
        m.a.rate += a.rate;
        m.a.windows = std::max(m.a.windows, a.windows);
        // Over the threshold now if any lcore is.
        m.a.quiet_windows = std::min(m.a.quiet_windows, a.quiet_windows);
        // Counts and bytes add up; trigger bits do not (ratios are derived from the byte sums).
        for (size_t i = 0; i < std::size(a.ev); ++i) {
          if (a.kind == dns::AlertKind::amplification && i == dns::amp_ev::triggers) m.a.ev[i] |= a.ev[i];
          else m.a.ev[i] += a.ev[i];
        }
      }
      ++m.lcores;
    }
  }
  return out;
}

std::string amp_triggers(const dns::Alert& a) {
  constexpr BitName kNames[] = {{dns::amp_trigger::unmatched, "unmatched"},
                                {dns::amp_trigger::large, "large"},
                                {dns::amp_trigger::types, "any_txt_dnskey"},
                                {dns::amp_trigger::ratio, "ratio"}};
  return bit_names(a.ev[dns::amp_ev::triggers], kNames, ',');
}

// Response/query bytes of the matched transactions, from the (merged) byte sums.
double amp_ratio(const dns::Alert& a) {
  const uint64_t resp = a.ev[dns::amp_ev::matched_resp_bytes];
  const uint64_t query = a.ev[dns::amp_ev::matched_query_bytes];
  return query ? static_cast<double>(resp) / static_cast<double>(query) : 0.0;
}

std::string evidence(const dns::Alert& a) {
  char buf[256];
  switch (a.kind) {
    case dns::AlertKind::nxdomain_flood:
      std::snprintf(buf, sizeof buf, "%llu NXDOMAIN of %llu responses in the last window, %llu under this domain",
                    (unsigned long long)a.ev[0], (unsigned long long)a.ev[1], (unsigned long long)a.ev[2]);
      break;
    case dns::AlertKind::random_subdomain:
      std::snprintf(buf, sizeof buf,
                    "%llu queries in the last window, about %llu distinct names among the %llu looked at",
                    (unsigned long long)a.ev[0], (unsigned long long)a.ev[1], (unsigned long long)a.ev[2]);
      break;
    case dns::AlertKind::amplification:
      // DPDK cuts telemetry strings at 127 characters: with every trigger and six-digit counts this
      // is about 120 (a real reflection cut the longer wording); the counts are fields of their own.
      std::snprintf(buf, sizeof buf, "%s: %llu responses, %llu B, %llu unmatched, %llu large, %llu ANY/TXT/DNSKEY, ratio %.2f",
                    amp_triggers(a).c_str(), (unsigned long long)a.ev[dns::amp_ev::responses],
                    (unsigned long long)a.ev[dns::amp_ev::bytes], (unsigned long long)a.ev[dns::amp_ev::unmatched],
                    (unsigned long long)a.ev[dns::amp_ev::large], (unsigned long long)a.ev[dns::amp_ev::types],
                    amp_ratio(a));
      break;
  }
  return buf;
}

}  // namespace

Value dns_alerts(const AppState& app, std::string_view params) {
  uint64_t offset = 0, count = 0;
  if (!parse_paging(params, kDnsAlertsMaxRows, &offset, &count))
    return error_answer("usage: /rampart/dns/alerts[,<offset>,<count>] (count 1.." +
                        std::to_string(kDnsAlertsMaxRows) + ")");
  uint64_t raised = 0, suppressed = 0;
  const auto merged = merged_alerts(app, raised, &suppressed);
  Value list = Value::array();
  uint64_t at = 0;  // the alert's place in the merged order
  for (const auto& [k, m] : merged) {
    if (at++ < offset) continue;
    if (list.as_array().size() == count) break;
    Value a = Value::object();
    a.set("kind", kind_name(m.a.kind));
    a.set("key", k.second);
    a.set("rate_per_s", m.a.rate);
    a.set("start_unix", app.unix_time(m.a.start_tsc));
    a.set("last_unix", app.unix_time(m.a.last_tsc));
    a.set("windows", m.a.windows);
    a.set("quiet_windows", m.a.quiet_windows);
    a.set("lcores", static_cast<uint64_t>(m.lcores));
    if (m.a.kind == dns::AlertKind::amplification) {
      a.set("triggers", amp_triggers(m.a));
      a.set("responses", m.a.ev[dns::amp_ev::responses]);
      a.set("bytes", m.a.ev[dns::amp_ev::bytes]);
      a.set("unmatched", m.a.ev[dns::amp_ev::unmatched]);
      a.set("large", m.a.ev[dns::amp_ev::large]);
      a.set("any_txt_dnskey", m.a.ev[dns::amp_ev::types]);
      a.set("ratio", std::round(amp_ratio(m.a) * 100.0) / 100.0);
    }
    a.set("evidence", evidence(m.a));
    list.push(std::move(a));
  }
  const uint64_t shown = list.as_array().size();
  Value v = Value::object();
  v.set("active", static_cast<uint64_t>(merged.size()));
  v.set("raised_total", raised);
  v.set("suppressed_total", suppressed);
  v.set("offset", offset);
  v.set("shown", shown);
  v.set("next_offset", offset + shown);
  // On the socket each alert becomes a member "alerts/<i>" (normalize_for_telemetry).
  v.set("alerts", std::move(list));
  return v;
}

namespace {

// Logs alerts as they start and end, polling the lcores' published alerts (control plane).
void alert_logger(AppState* app) {
  std::map<std::pair<int, std::string>, Merged> known;  // as last seen
  for (;;) {
    const bool last = app->control.state.load() == core::RunState::quit;
    uint64_t raised = 0;
    auto now = merged_alerts(*app, raised);
    for (const auto& [k, m] : now)
      if (!known.count(k))
        spdlog::warn("dns alert: {} {} at {} /s since {:.3f}: {}", kind_name(m.a.kind), k.second, m.a.rate,
                     app->unix_time(m.a.start_tsc), evidence(m.a));
    for (const auto& [k, m] : known)
      if (!now.count(k))
        spdlog::info("dns alert over: {} {}: from {:.3f} to {:.3f}, {} windows over the threshold, last at {} /s",
                     kind_name(m.a.kind), k.second, app->unix_time(m.a.start_tsc),
                     app->unix_time(m.a.last_tsc), m.a.windows, m.a.rate);
    known = std::move(now);
    if (last) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

void register_dns_commands(AppState& app) {
  auto& reg = TelemetryRegistry::instance();
  reg.add({"/rampart/dns/stats",
           "DNS stage: queries, responses, matching, latency, rcodes, qtypes, flags, EDNS, TCP. "
           "No parameters",
           false, [&app](std::string_view) { return dns_stats(app); }});
  reg.add({"/rampart/dns/top",
           "Top-N DNS <names|domains|clients|nxdomain>[,N] (N 1-1000, default 10): keys, counts, "
           "errors (count - error <= true count)",
           true, [&app](std::string_view p) { return dns_top(app, p); }});
  reg.add({"/rampart/dns/alerts",
           "DNS attack alerts (NXDOMAIN flood, random subdomains, amplification). Params: "
           "[offset,count] (count <= 24)",
           true, [&app](std::string_view p) { return dns_alerts(app, p); }, /*in_report=*/true});
  // Accepted with allow_split_transactions (config validation refuses it otherwise).
  if (const std::string why = dns_split_transactions(app.cfg); !why.empty())
    spdlog::warn("DNS MATCHING IS UNRELIABLE in this pipeline plan: {}. Responses will mostly count as "
                 "unmatched, latencies and timeouts are wrong, and amplification alerts may be false.",
                 why);
  // The logger returns once the pipeline has quit.
  app.control_threads.emplace_back(alert_logger, &app);
  start_dns_query_log(app);
}

}  // namespace rampart::app
