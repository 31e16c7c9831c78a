#!/usr/bin/env bash
# DNS traffic crossing Rampart as a bump in the wire; Rampart's DNS statistics must equal
# dnsperf's own report:
#
#   ns a: dnsperf 10.78.0.1/24 [va] ==veth== [da] ns dut [db] ==veth== [vb] 10.78.0.2/24 nsd :ns b
#   ns dut: da -bridge- tap a -- rampart -- tap b -bridge- db
#
# nsd serves through.test: existing names (A, SOA, NS), NXDOMAIN names, and a TXT RRset of ~3 KB.
# Three bounded dnsperf runs go through Rampart: UDP without EDNS (the large TXT comes back
# truncated, TC=1), UDP with EDNS0 (4096-byte buffer), and TCP. Around each run the test reads
# /rampart/dns/stats (and /rampart/drops) with rampartctl and checks the differences, exactly:
#   queries == "Queries sent", responses == "Queries completed", matched == completed,
#   rcodes == "Response codes" (NOERROR, NXDOMAIN), the same per transport, nothing malformed.
# Nothing else speaks DNS across the wire (IPv6 is off in the namespaces; nsd is checked from its
# own namespace; ping brings ARP up), so the deltas have nothing to absorb; dnsperf never
# retransmits, so a lost query is one sent and not completed.
#
# Rampart's ports are TAP interfaces bridged to the veths: the large TXT of the EDNS run comes back
# as three IP fragments, which cross Rampart as fragments while its DNS stage reassembles copies
# of them (rte_ip_frag) to parse and match the answer. (net_af_packet cannot carry this run: DPDK
# 22.11 joins its sockets to a PACKET_FANOUT group with the DEFRAG flag, so the kernel hands it
# the 3 KB datagram whole, cut to the 2 KB af_packet frame.) Every query of every run must be
# answered and counted: lost == 0, nothing dropped.
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=$SOURCE_ROOT/drivers-config/examples/bump-tap.toml
IP_A=10.78.0.1 IP_B=10.78.0.2
Z=through.test
PASSES=3  # dnsperf -n: times through the query file

e2e_init dnsthru
e2e_require_root
e2e_require_cmd ip ethtool ping sysctl nsd nsd-checkconf dig dnsperf "$PYTHON"
e2e_require_rampart ctl

e2e_bump_topology "$IP_A" "$IP_B"

# ---- nsd in b
W=$E2E_WORK
zone_records() {
  for i in $(seq 1 8); do printf 'host%d IN A 10.78.1.%d\n' "$i" "$i"; done
  # 12 strings of 250 octets: a ~3 KB answer, three fragments at a 1500-byte MTU.
  printf 'big IN TXT'
  for i in $(seq 1 12); do printf ' "%s"' "$(printf 'b%.0s' $(seq 1 250))"; done
  printf '\n'
}
e2e_serve_zone b "$IP_B" "$Z" < <(zone_records)

# ---- rampart in dut, its TAP ports bridged to the veths
TA=$(e2e_ifname ta) TB=$(e2e_ifname tb)
mapfile -t EAL < <(e2e_eal_args 512)
start_bg rampart --ns dut "$RAMPART" "${EAL[@]}" -- -c "$CONFIG" \
  --set "ports.a.args.iface=$TA" --set "ports.b.args.iface=$TB"
E2E_SOCK=$(e2e_telemetry_socket)
wait_for e2e_rampart_up 30 || fail "rampart's telemetry socket $E2E_SOCK did not appear in 30 s"
# A bridge would hand frames to iptables (and defragment them) if br_netfilter is loaded.
nsx dut sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
  net.bridge.bridge-nf-call-arptables=0 >/dev/null 2>&1 || true
for side in a b; do
  tap=$TA veth=$DA
  [[ $side == b ]] && tap=$TB veth=$DB
  br=$(e2e_ifname "br$side")
  nsx dut ip link add "$br" type bridge stp_state 0 forward_delay 0 || fail "cannot create bridge $br"
  nsx dut ip link set "$veth" master "$br" || fail "cannot add $veth to $br"
  nsx dut ip link set "$tap" master "$br" || fail "cannot add $tap to $br (did rampart create it?)"
  nsx dut ip link set "$tap" up
  nsx dut ip link set "$br" up
  e2e_no_offload dut "$tap"
done
wait_for "nsx a ping -c 1 -W 1 -q $IP_B" 20 || fail "no ping reply from $IP_B through rampart within 20 s"
e2e_log "path is up"

# ---- queries: existing names, NXDOMAIN names, the large TXT
QF=$W/queries.txt
BIG_PER_PASS=4
{
  for i in $(seq 1 8); do echo "host$i.$Z A"; done
  echo "$Z SOA"
  echo "$Z NS"
  for i in $(seq 1 10); do echo "nx-$i.$Z A"; done
  for i in $(seq 1 "$BIG_PER_PASS"); do echo "big.$Z TXT"; done
} >"$QF"

dns_stats() { # FILE: /rampart/dns/stats and /rampart/drops
  e2e_telemetry_json /rampart/dns/stats "$1.dns_stats"
  e2e_telemetry_json /rampart/drops "$1.drops"
}

# run_perf NAME MODE EXTRA...: one bounded dnsperf run between two stats snapshots.
run_perf() {
  local name=$1 mode=$2; shift 2
  dns_stats "$W/$name.before.json"
  nsx a timeout 40 dnsperf -s "$IP_B" -m "$mode" -d "$QF" -n "$PASSES" -l 20 -c 1 -q 20 -t 3 "$@" \
    >"$W/$name.dnsperf.txt" 2>&1 || fail "dnsperf $mode failed: $(tail -n 5 "$W/$name.dnsperf.txt")"
  # What is still on the wire when dnsperf returns: its last responses, TCP's closing segments.
  sleep 1
  dns_stats "$W/$name.after.json"
  e2e_log "dnsperf $mode: $(grep -E 'Queries (sent|completed|lost)' "$W/$name.dnsperf.txt" | tr -s ' ' | paste -sd ';')"
}

run_perf udp udp
run_perf udp_edns udp -e
run_perf tcp tcp
bg_alive nsd || fail "nsd died during the test"

e2e_python - "$W" "$BIG_PER_PASS" "$(wc -l <"$QF")" <<'EOF' || fail "Rampart's DNS statistics differ from dnsperf's report"
import sys
from e2e_report import answer as load, delta, dnsperf, finish, mismatches

work, big_per_pass, lines = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
problems = []

for run in ("udp", "udp_edns", "tcp"):
    transport = "tcp" if run == "tcp" else "udp"
    p = dnsperf(f"{work}/{run}.dnsperf.txt", problems)
    b = load(f"{work}/{run}.before.json.dns_stats")
    a = load(f"{work}/{run}.after.json.dns_stats")
    db = load(f"{work}/{run}.before.json.drops")
    da = load(f"{work}/{run}.after.json.drops")
    passes = p["sent"] // lines
    got = {
        "queries": delta(b, a, "queries"),
        "responses": delta(b, a, "responses"),
        "matched": delta(b, a, "matched"),
        "queries_" + transport: delta(b, a, "queries_" + transport),
        "responses_" + transport: delta(b, a, "responses_" + transport),
        "malformed": delta(b, a, "malformed"),
        "unmatched_responses": delta(b, a, "unmatched_responses"),
        "lost": p["lost"],
        "drops": sum(delta(db, da, k) for k in da),
    }
    want = {
        "queries": p["sent"], "responses": p["completed"], "matched": p["completed"],
        "queries_" + transport: p["sent"], "responses_" + transport: p["completed"],
        "malformed": 0, "unmatched_responses": 0, "lost": 0, "drops": 0,
    }
    if run == "udp":
        # Without EDNS the large TXT does not fit 512 bytes: nsd answers it truncated.
        got["responses with TC"] = delta(b, a, "response_flags", "tc")
        want["responses with TC"] = big_per_pass * passes
    frag_keys = ("timed_out", "invalid", "table_full", "no_mbuf", "malformed", "bad_checksum")
    if run == "udp_edns":
        # The large-TXT answers cross as IP fragments; the stage reassembled each one once.
        got["ip_frag reassembled"] = delta(b, a, "ip_frag", "reassembled")
        want["ip_frag reassembled"] = big_per_pass * passes
        frags = delta(b, a, "ip_frag", "fragments")
        if frags < 2 * want["ip_frag reassembled"] or frags % max(1, want["ip_frag reassembled"]):
            problems.append(f"{run}: ip_frag fragments {frags}: not a whole number (>= 2) per answer")
    else:
        frag_keys = ("fragments",) + frag_keys
    rc_names = set(p["rcodes"]) | {k for k in a.get("rcodes", {}) if delta(b, a, "rcodes", k)}
    for name in sorted(rc_names):
        got["rcode " + name] = delta(b, a, "rcodes", name)
        want["rcode " + name] = p["rcodes"].get(name, 0)
    for k in frag_keys:
        got["ip_frag " + k] = delta(b, a, "ip_frag", k)
        want["ip_frag " + k] = 0
    print(f"{run}: dnsperf sent={p['sent']} completed={p['completed']} lost={p['lost']} rcodes={p['rcodes']}")
    print(f"{run}: rampart " + ", ".join(f"{k}={v}" for k, v in got.items()))
    if passes < 1:
        problems.append(f"{run}: dnsperf did not get through the query file once")
    problems += mismatches(got, want, f"{run}: ")

finish("dns", problems)
EOF

e2e_stop_rampart
e2e_log "PASS"
