#include "app/rampart/arp_commands.h"

#include <rte_cycles.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "app/rampart/arp_settings.h"
#include "app/rampart/arp_wiring.h"
#include "app/rampart/telemetry.h"
#include "app/rampart/text.h"
#include "arp/addr_text.h"
#include "arp/arp_stage.h"
#include "arp/event_logger.h"

namespace rampart::app {

using json::Value;

namespace {

std::vector<const arp::ArpStage*> arp_stages(const AppState& app) {
  return app.stages_of<arp::ArpStage>(core::StageId::arp);
}

constexpr BitName kNeighbourFlags[] = {{arp::neigh_flag::from_request, "request"},
                                       {arp::neigh_flag::from_reply, "reply"},
                                       {arp::neigh_flag::gratuitous, "gratuitous"},
                                       {arp::neigh_flag::mac_changed, "mac_changed"}};

std::vector<arp::Event> recent_events(const AppState& app, size_t max) {
  std::vector<arp::Event> all;
  for (const auto* s : arp_stages(app)) {
    const uint64_t w = s->events().written();
    uint64_t lost = 0;
    s->events().read(w > max ? w - max : 0, all, all.size() + max, lost);
  }
  // Events of one frame share a time (flip_flop, then dual_claim): the sequence number keeps them
  // in the order they were raised.
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.tsc != b.tsc ? a.tsc < b.tsc : a.seq < b.seq;
  });
  if (all.size() > max) all.erase(all.begin(), all.end() - static_cast<ptrdiff_t>(max));
  return all;
}

Value event_value(const AppState& app, const arp::Event& e) {
  Value v = Value::object();
  v.set("time_unix", app.unix_time(e.tsc));
  v.set("kind", std::string(arp::to_string(e.kind)));
  v.set("ip", arp::format_ipv4(e.ip));
  v.set("old_mac", e.old_mac == proto::ArpMac{} ? std::string() : arp::format_mac(e.old_mac));
  v.set("new_mac", arp::format_mac(e.new_mac));
  v.set("port", app.port_name(e.port));
  v.set("vlan", uint64_t{e.vlan});
  return v;
}

// Logs new events through arp::EventLogger (at most log_events_per_second lines a second; what is
// skipped is counted in the next line that gets through) until the pipeline has quit.
void event_logger(AppState* app) {
  arp::EventLogger logger(
      app->cfg.arp.log_events_per_second,
      [app](const arp::Event& e, uint64_t earlier) {
        spdlog::warn("{}", arp::event_line(e, app->port_name(e.port), earlier));
      },
      [] {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now().time_since_epoch())
                                         .count());
      });
  // The stages are built before the telemetry commands are registered and live as long as the
  // process: their logs are found once.
  std::vector<const arp::EventLog*> logs;
  for (const auto* s : arp_stages(*app)) logs.push_back(&s->events());
  for (;;) {
    const bool last = app->control.state.load() == core::RunState::quit;
    logger.poll(logs);
    if (last) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace

Value arp_table(const AppState& app, std::string_view params) {
  uint64_t offset = 0, count = 0;
  if (!parse_paging(params, kArpTableMaxRows, &offset, &count))
    return error_answer("usage: /rampart/arp/table[,<offset>,<count>] (count 1.." +
                        std::to_string(kArpTableMaxRows) + ")");
  std::vector<arp::Neighbour> rows;
  for (const auto* s : arp_stages(app)) s->table().snapshot(rows, SIZE_MAX);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return std::tie(a.port, a.vlan, a.ip) < std::tie(b.port, b.vlan, b.ip);
  });
  const uint64_t total = rows.size();
  Value list = Value::array();
  for (uint64_t i = offset; i < total && i < offset + count; ++i) {
    const auto& n = rows[i];
    Value e = Value::object();
    e.set("ip", arp::format_ipv4(n.ip));
    e.set("mac", arp::format_mac(n.mac));
    e.set("port", app.port_name(n.port));
    e.set("vlan", uint64_t{n.vlan});
    e.set("state", n.state == arp::NeighState::reachable ? "reachable" : "stale");
    e.set("first_seen", app.unix_time(n.first_seen));
    e.set("last_seen", app.unix_time(n.last_seen));
    e.set("flags", bit_names(n.flags, kNeighbourFlags, ','));
    list.push(std::move(e));
  }
  const uint64_t shown = list.as_array().size();
  Value v = Value::object();
  v.set("entries", total);
  v.set("offset", offset);
  v.set("shown", shown);
  v.set("next_offset", offset + shown);
  v.set("truncated", offset + shown < total);
  v.set("neighbours", std::move(list));
  return v;
}

Value arp_events(const AppState& app) {
  uint64_t total = 0;
  for (const auto* s : arp_stages(app)) total += s->events().written();
  Value list = Value::array();
  for (const auto& e : recent_events(app, kArpEventsMaxRows)) list.push(event_value(app, e));
  Value v = Value::object();
  v.set("total", total);
  v.set("shown", static_cast<uint64_t>(list.as_array().size()));
  v.set("events", std::move(list));
  return v;
}

Value arp_stats(const AppState& app) {
  const auto stages = arp_stages(app);
  Value v = Value::object();
  v.set("lcores", static_cast<uint64_t>(stages.size()));
  const auto sum = [&](auto field) {
    uint64_t t = 0;
    for (const auto* s : stages) t += field(s->counters()).load();
    return t;
  };
#define RAMPART_ARP_FIELD(f) v.set(#f, sum([](const arp::ArpCounters& c) -> const core::Counter& { return c.f; }));
  RAMPART_ARP_FIELD(requests_in)
  RAMPART_ARP_FIELD(replies_in)
  RAMPART_ARP_FIELD(gratuitous_in)
  RAMPART_ARP_FIELD(probes_in)
  RAMPART_ARP_FIELD(requests_for_us)
  RAMPART_ARP_FIELD(replies_for_us)
  RAMPART_ARP_FIELD(replies_out)
  RAMPART_ARP_FIELD(requests_out)
  RAMPART_ARP_FIELD(gratuitous_out)
  RAMPART_ARP_FIELD(defences_out)
  RAMPART_ARP_FIELD(defences_suppressed)
  RAMPART_ARP_FIELD(reannouncements)
  RAMPART_ARP_FIELD(replies_limited_target)
  RAMPART_ARP_FIELD(replies_limited_port)
  RAMPART_ARP_FIELD(requests_limited_target)
  RAMPART_ARP_FIELD(requests_limited_port)
  RAMPART_ARP_FIELD(forwarded)
  RAMPART_ARP_FIELD(own_frames)
  RAMPART_ARP_FIELD(double_tagged)
  RAMPART_ARP_FIELD(resolve_hits)
  RAMPART_ARP_FIELD(resolve_queued)
  RAMPART_ARP_FIELD(resolve_queue_full)
  RAMPART_ARP_FIELD(resolve_released)
  RAMPART_ARP_FIELD(resolve_timeouts)
  RAMPART_ARP_FIELD(resolve_no_source)
  RAMPART_ARP_FIELD(queue_depth)
  RAMPART_ARP_FIELD(alloc_failures)
  RAMPART_ARP_FIELD(scan_requests_out)
  RAMPART_ARP_FIELD(scan_replies_in)
#undef RAMPART_ARP_FIELD
  uint64_t size = 0, capacity = 0, evictions = 0, expirations = 0, inserts = 0;
  for (const auto* s : stages) {
    size += s->table().size();
    capacity += s->table().capacity();
    evictions += s->table().evictions();
    expirations += s->table().expirations();
    inserts += s->table().inserts();
  }
  v.set("table_size", size);
  v.set("table_capacity", capacity);
  v.set("table_inserts", inserts);
  v.set("table_evictions", evictions);
  v.set("table_expirations", expirations);
  uint64_t asked_evictions = 0;
  for (const auto* s : stages) asked_evictions += s->asked().fresh_evictions();
  v.set("asked_evictions", asked_evictions);
  Value malformed = Value::object();
  for (size_t i = 1; i < static_cast<size_t>(proto::ArpError::count_); ++i) {
    uint64_t t = 0;
    for (const auto* s : stages) t += s->counters().malformed[i].load();
    malformed.set(std::string(proto::to_string(static_cast<proto::ArpError>(i))), t);
  }
  v.set("malformed", std::move(malformed));
  Value events = Value::object();
  for (size_t k = 0; k < arp::kEventKinds; ++k) {
    uint64_t t = 0;
    for (const auto* s : stages) t += s->counters().events[k].load();
    events.set(std::string(arp::to_string(static_cast<arp::EventKind>(k))), t);
  }
  v.set("events", std::move(events));
  if (app.arp_scans) {
    uint64_t running = 0, sent = 0, answered = 0;
    const auto list = app.arp_scans->list(rte_rdtsc());
    for (const auto& s : list) {
      running += s.state == arp::ScanState::running ? 1 : 0;
      sent += s.sent;
      answered += s.answered;
    }
    Value sc = Value::object();
    sc.set("scans", static_cast<uint64_t>(list.size()));
    sc.set("running", running);
    sc.set("requests_sent", sent);
    sc.set("hosts_answered", answered);
    v.set("scans", std::move(sc));
  }
  return v;
}

Value arp_add_address(AppState& app, std::string_view params) {
  // PortAddresses has one writer; telemetry runs each client on its own thread.
  static std::mutex writer;
  const size_t c1 = params.find(',');
  if (c1 == std::string_view::npos)
    return error_answer("usage: /rampart/arp/add_address,<port>,<address>/<prefix>[,<vlan>]");
  const std::string port_name(params.substr(0, c1));
  std::string_view rest = params.substr(c1 + 1);
  std::string text(rest.substr(0, rest.find(',')));
  if (const size_t c2 = rest.find(','); c2 != std::string_view::npos)
    text += " vlan " + std::string(rest.substr(c2 + 1));
  const PortRuntime* port = app.port_by_name(port_name);
  if (!port) return error_answer("no port named " + quoted_input(port_name));
  std::string why;
  const auto a = parse_port_address(text, &why);
  if (!a) return error_answer(quoted_input(text) + ": " + why);
  std::lock_guard lock(writer);
  arp::PortAddresses& book = app.arp_addresses.port(port->id);
  if (book.find(a->ip, a->vlan)) return error_answer(quoted_input(text) + " is already an address of " + port_name);
  if (!book.add(*a)) return error_answer("port " + port_name + " has no room for another address");
  spdlog::info("arp: {} added on {}; announcing it", text, port_name);
  Value v = Value::object();
  v.set("port", port_name);
  v.set("address", text);
  v.set("addresses", static_cast<uint64_t>(book.size()));
  return v;
}

void register_arp_commands(AppState& app) {
  auto& reg = TelemetryRegistry::instance();
  reg.add({"/rampart/arp/table",
           "ARP neighbour table by port/vlan/ip: ip, mac, port, vlan, state, seen, flags. Params: "
           "[offset,count] (count <= 64)",
           true, [&app](std::string_view p) { return arp_table(app, p); }, /*in_report=*/true});
  reg.add({"/rampart/arp/events",
           "Recent ARP events (new_station, flip_flop, dual_claim, unsolicited_reply, conflict), "
           "oldest first, at most 64. No parameters",
           false, [&app](std::string_view) { return arp_events(app); }});
  reg.add({"/rampart/arp/stats",
           "ARP stage: requests/replies in/out, gratuitous, rate-limited, resolution queue, table, "
           "events by kind, scans. No parameters",
           false, [&app](std::string_view) { return arp_stats(app); }});
  reg.add({"/rampart/arp/add_address",
           "Adds an own IPv4 address to a port (answered and announced at once): "
           "<port>,<address>/<prefix>[,<vlan>]",
           true, [&app](std::string_view p) { return arp_add_address(app, p); }});
  // AppState lives for the whole process; the logger returns once the pipeline has quit.
  app.control_threads.emplace_back(event_logger, &app);
  start_arp_link_watch(app);
}

}  // namespace rampart::app
