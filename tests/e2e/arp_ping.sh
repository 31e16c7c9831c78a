#!/usr/bin/env bash
# Rampart's ARP responder against real Linux ARP:
#
#   ns host: 10.78.0.2/24 [vh] ==veth== [vd] ns dut: rampart owns 10.78.0.1/24 (MAC 02:52:50:00:00:01)
#
# Rampart owns vd through net_af_packet. Checked:
#   - its gratuitous ARP at start: the host kernel (arp_accept=1) creates a neighbour entry for
#     10.78.0.1 with Rampart's MAC before anyone asked;
#   - a ping from the host resolves 10.78.0.1 through ARP (the kernel's entry gets Rampart's MAC
#     and a resolved state) and every echo is answered (the other path's stage answers ICMP echo
#     for Rampart's own addresses);
#   - arp-scan (an independent ARP implementation) gets exactly one reply, with Rampart's MAC;
#   - an address added while running (/rampart/arp/add_address) is announced and answered;
#   - after SIGTERM, the report shows the requests answered, the announcements, the host learned
#     in the neighbour table (its IP and MAC) and no mbuf leak.
#
# Env (set by tests/e2e/meson.build): RAMPART, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IP_R=10.78.0.1 IP_H=10.78.0.2 IP_ADDED=10.78.0.5
MAC_R=02:52:50:00:00:01

e2e_init arpping
e2e_require_root
e2e_require_cmd ip ethtool ping arp-scan "$PYTHON"
e2e_require_rampart ctl

VH=$(e2e_ifname h) VD=$(e2e_ifname d)
e2e_netns_add host
e2e_netns_add dut
e2e_veth host "$VH" dut "$VD"
e2e_addr host "$VH" "$IP_H/24"
# Let the host kernel learn from gratuitous ARP, so Rampart's announcement is visible.
nsx host sysctl -qw "net.ipv4.conf.$VH.arp_accept=1" || fail "cannot set arp_accept"
nsx dut ip link set "$VD" promisc on
HOST_MAC=$(nsx host cat "/sys/class/net/$VH/address")

printf '%s\n' \
  '[mempool]' 'mbufs = 4095' '' \
  '[ports.lan]' 'profile = "net_af_packet"' "args = { iface = \"$VD\" }" \
  "ipv4 = [\"$IP_R/24\"]" "mac = \"$MAC_R\"" '' \
  '[stages.arp]' 'policy = "drop"' '[stages.other]' 'policy = "drop"' >"$E2E_WORK/arp.toml"

mapfile -t EAL < <(e2e_eal_args 256)
REPORT=$E2E_WORK/report.json
start_bg rampart --ns dut "$RAMPART" "${EAL[@]}" -- -c "$E2E_WORK/arp.toml" --report "$REPORT"
SOCK=$(e2e_telemetry_socket)
rampart_up() {
  bg_alive rampart || fail "rampart exited during start-up"
  [[ -S $SOCK ]]
}
wait_for rampart_up 30 || fail "rampart's telemetry socket $SOCK did not appear in 30 s"

# ---- the announcement at start
announced() { nsx host ip neigh show "$IP_R" dev "$VH" | grep -qi "lladdr $MAC_R"; }
wait_for announced 10 ||
  fail "no neighbour entry from Rampart's gratuitous ARP: $(nsx host ip neigh show dev "$VH")"
e2e_log "gratuitous ARP at start: the host learned $IP_R at $MAC_R"

# ---- ping: the kernel resolves Rampart's address, Rampart answers the echoes
nsx host ip neigh flush dev "$VH"
PINGS=3
out=$(nsx host ping -c "$PINGS" -i 0.2 -W 2 "$IP_R" 2>&1) || fail "ping failed: $out"
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $(tail -n 2 <<<"$out")"
entry=$(nsx host ip neigh show "$IP_R" dev "$VH")
grep -qi "lladdr $MAC_R" <<<"$entry" || fail "ping did not resolve $IP_R to $MAC_R: '$entry'"
grep -Eq 'REACHABLE|STALE|DELAY|PROBE' <<<"$entry" || fail "neighbour entry in a bad state: '$entry'"
e2e_log "ping: $PINGS/$PINGS answered; $entry"

# ---- arp-scan: exactly one answer, ours
scan=$(nsx host arp-scan -I "$VH" --retry=2 --timeout=300 "$IP_R" 2>&1) || fail "arp-scan failed: $scan"
answers=$(grep -Ec "^$IP_R[[:space:]]" <<<"$scan" || true)
[[ $answers == 1 ]] || fail "arp-scan got $answers answers for $IP_R: $scan"
grep -Eqi "^$IP_R[[:space:]]+$MAC_R" <<<"$scan" || fail "arp-scan saw another MAC: $scan"
e2e_log "arp-scan: one reply, from $MAC_R"

# ---- an address added while running is announced and answered at once
out=$("$RAMPARTCTL" --prefix "$E2E_PREFIX" raw "/rampart/arp/add_address,lan,$IP_ADDED/24" 2>&1) ||
  fail "add_address failed: $out"
announced_added() { nsx host ip neigh show "$IP_ADDED" dev "$VH" | grep -qi "lladdr $MAC_R"; }
wait_for announced_added 10 || fail "no announcement for the added $IP_ADDED: $(nsx host ip neigh show dev "$VH")"
scan=$(nsx host arp-scan -I "$VH" --retry=2 --timeout=300 "$IP_ADDED" 2>&1) || fail "arp-scan failed: $scan"
grep -Eqi "^$IP_ADDED[[:space:]]+$MAC_R" <<<"$scan" || fail "arp-scan got no reply for $IP_ADDED: $scan"
if "$RAMPARTCTL" --prefix "$E2E_PREFIX" raw "/rampart/arp/add_address,lan,10.78.0.0/24" >/dev/null 2>&1; then
  fail "add_address accepted the network address"
fi
e2e_log "added $IP_ADDED while running: announced and answered"

# ---- stop and read the report
e2e_stop_rampart
[[ -s $REPORT ]] || fail "no report at $REPORT"
"$PYTHON" - "$REPORT" "$IP_H" "$HOST_MAC" <<'PY' || fail "report check failed"
import json, sys
rep = json.load(open(sys.argv[1]))
ip_h, mac_h = sys.argv[2], sys.argv[3].lower()
s = rep["/rampart/arp/stats"]
problems = []
if s["requests_for_us"] < 2:
    problems.append(f"requests_for_us {s['requests_for_us']} < 2")
if s["replies_out"] != s["requests_for_us"]:
    problems.append(f"replies_out {s['replies_out']} != requests_for_us {s['requests_for_us']}")
if s["gratuitous_out"] != 2:
    problems.append(f"gratuitous_out {s['gratuitous_out']} != 2 (start, added address)")
rows = [v for k, v in rep["/rampart/arp/table"].items() if k.startswith("neighbours/")]
if not any(r["ip"] == ip_h and r["mac"] == mac_h for r in rows):
    problems.append(f"host {ip_h} {mac_h} not in the table: {rows}")
echo = rep["/rampart/stats"]["stage_other"]
if echo["echo_replies_out"] < 3:
    problems.append(f"echo_replies_out {echo['echo_replies_out']} < 3")
mp = rep["/rampart/mempool"]
if mp["in_use_at_exit"] != mp["in_use_at_start"]:
    problems.append(f"mbuf leak: {mp}")
for p in problems:
    print("report:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
e2e_log "report: requests and echoes answered, two announcements, host learned, no leak"
e2e_log "PASS"
