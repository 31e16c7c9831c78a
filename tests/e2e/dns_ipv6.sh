#!/usr/bin/env bash
# DNS over IPv6 crossing Rampart as a bump in the wire (AF_PACKET ports):
#
#   ns a: fd00:83::1/64 [va] ==veth== [da] ns dut: rampart [db] ==veth== [vb] fd00:83::2/64 nsd :ns b
#
# IPv6 is switched on in a and b (the helpers switch it off everywhere), off on dut's ends so that
# only the peers speak. Neighbour discovery crosses Rampart on the "other" path; dnsperf sends UDP
# and then TCP queries (names that exist and NXDOMAIN) to nsd's IPv6 address. Rampart's query,
# response, match, transport and rcode counts must equal dnsperf's report, the top client must be
# a's IPv6 address, nothing may be dropped, and Rampart must stop without a leak.
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=$SOURCE_ROOT/drivers-config/examples/bump-af-packet.toml
IP_A=10.83.0.1 IP_B=10.83.0.2 V6_A=fd00:83::1 V6_B=fd00:83::2
Z=six.test

e2e_init dnsv6
e2e_require_root
e2e_require_cmd ip ethtool ping sysctl nsd nsd-checkconf dig dnsperf "$PYTHON"
e2e_require_rampart ctl

e2e_bump_topology "$IP_A" "$IP_B"
for side in "a $VA $V6_A" "b $VB $V6_B"; do
  set -- $side
  nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
    "net.ipv6.conf.$2.disable_ipv6=0" || fail "cannot switch IPv6 on in $1"
  # nodad: the address is usable at once (duplicate detection would wait a second or more)
  nsx "$1" ip -6 addr add "$3/64" dev "$2" nodad || fail "cannot add $3 in $1"
done

# ---- nsd in b, on its IPv6 address
W=$E2E_WORK
NSD_DO_IP6=yes NSD_EXTRA='  rrl-ratelimit: 0' e2e_serve_zone b "$V6_B" "$Z" \
  < <(for i in $(seq 1 5); do printf 'host%d IN AAAA fd00:83:1::%d\nhost%d IN A 10.83.1.%d\n' "$i" "$i" "$i" "$i"; done)

# ---- rampart; IPv4 ping first (e2e_start_bump_rampart), then IPv6 through neighbour discovery
e2e_start_bump_rampart "$IP_B" -c "$CONFIG" --set "ports.a.args.iface=$DA" --set "ports.b.args.iface=$DB"
wait_for "nsx a ping -6 -c 1 -W 1 -q $V6_B" 20 || fail "no IPv6 ping reply from $V6_B through rampart"

QF=$W/queries.txt
{
  for i in $(seq 1 5); do echo "host$i.$Z AAAA"; echo "host$i.$Z A"; done
  for i in $(seq 1 10); do echo "nx-$i.$Z AAAA"; done
} >"$QF"
snapshot() { # FILE
  e2e_telemetry_json /rampart/dns/stats "$1.dns_stats"
  e2e_telemetry_json /rampart/drops "$1.drops"
}
snapshot "$W/before"
nsx a timeout 30 dnsperf -s "$V6_B" -m udp -d "$QF" -n 40 -l 10 -c 2 -q 20 -t 3 >"$W/udp.dnsperf.txt" 2>&1 ||
  fail "dnsperf udp failed: $(tail -n 5 "$W/udp.dnsperf.txt")"
nsx a timeout 30 dnsperf -s "$V6_B" -m tcp -d "$QF" -n 10 -l 10 -c 2 -q 10 -t 3 >"$W/tcp.dnsperf.txt" 2>&1 ||
  fail "dnsperf tcp failed: $(tail -n 5 "$W/tcp.dnsperf.txt")"
sleep 1  # the last responses and TCP's closing segments
snapshot "$W/after"
e2e_telemetry_json /rampart/dns/top,clients,3 "$W/clients.json"

e2e_python - "$W" "$V6_A" <<'EOF' || fail "Rampart's IPv6 DNS statistics differ from dnsperf's report"
import sys
from e2e_report import answer, delta, dnsperf, finish, mismatches
work, v6_a = sys.argv[1], sys.argv[2]
problems = []

b, a = answer(f"{work}/before.dns_stats"), answer(f"{work}/after.dns_stats")
db, da = answer(f"{work}/before.drops"), answer(f"{work}/after.drops")
d = lambda *path: delta(b, a, *path)  # change over the two runs
sent = completed = lost = 0
rcodes = {}
for transport in ("udp", "tcp"):
    p = dnsperf(f"{work}/{transport}.dnsperf.txt", problems)
    sent, completed, lost = sent + p["sent"], completed + p["completed"], lost + p["lost"]
    for k, v in p["rcodes"].items():
        rcodes[k] = rcodes.get(k, 0) + v
    if d("queries_" + transport) != p["sent"]:
        problems.append(f"queries_{transport}: rampart {d('queries_' + transport)}, dnsperf sent {p['sent']}")
    if d("responses_" + transport) != p["completed"]:
        problems.append(f"responses_{transport}: rampart {d('responses_' + transport)}, "
                        f"dnsperf completed {p['completed']}")
want = {"queries": sent, "responses": completed, "matched": completed, "unmatched_responses": 0,
        "malformed": 0, "lost (dnsperf)": 0}
got = {"queries": d("queries"), "responses": d("responses"), "matched": d("matched"),
       "unmatched_responses": d("unmatched_responses"), "malformed": d("malformed"), "lost (dnsperf)": lost}
for k in sorted(set(rcodes) | {k for k in a.get("rcodes", {}) if d("rcodes", k)}):
    want["rcode " + k], got["rcode " + k] = rcodes.get(k, 0), d("rcodes", k)
got["drops"], want["drops"] = sum(delta(db, da, k) for k in da), 0
print("rampart", got)
problems += mismatches(got, want)
top = answer(f"{work}/clients.json")
if not top.get("keys") or top["keys"][0] != v6_a:
    problems.append(f"top client {top.get('keys')}, expected {v6_a} first")
finish("dns6", problems)
EOF

e2e_stop_rampart
e2e_log "PASS"
