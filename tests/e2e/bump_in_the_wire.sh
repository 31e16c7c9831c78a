#!/usr/bin/env bash
# Rampart as a bump in the wire between two hosts, with real kernels as peers:
#
#   ns a: 10.77.0.1/24 [va] ==veth== [da] ns dut: rampart [db] ==veth== [vb] 10.77.0.2/24 :ns b
#
# Rampart owns da and db through two net_af_packet ports. Ping, an HTTP download
# of 1 MB (checksummed) and DNS over UDP and TCP cross it; after SIGTERM its
# report must show the traffic on both ports, drops by reason and no mbuf leak.
#
# Env (set by tests/e2e/meson.build): RAMPART, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=${BITW_CONFIG:-$SOURCE_ROOT/drivers-config/examples/bump-af-packet.toml}
# --set keys naming the interface of each port in that config
IFACE_KEY_A=${BITW_IFACE_KEY_A:-ports.a.args.iface}
IFACE_KEY_B=${BITW_IFACE_KEY_B:-ports.b.args.iface}
IP_A=10.77.0.1 IP_B=10.77.0.2
HTTP_PORT=8080
BLOB_SIZE=$((1024 * 1024))

e2e_init bitw
e2e_require_root
e2e_require_cmd ip ethtool ping curl sha256sum "$PYTHON"
e2e_require_rampart
[[ -f $CONFIG ]] || fail "bump-in-the-wire config not found: $CONFIG"

e2e_bump_topology "$IP_A" "$IP_B"

# ---- rampart
REPORT=$E2E_WORK/report.json
e2e_start_bump_rampart "$IP_B" -c "$CONFIG" --set "$IFACE_KEY_A=$DA" --set "$IFACE_KEY_B=$DB" --report "$REPORT"

# ---- ping
PINGS=5
out=$(nsx a ping -c "$PINGS" -i 0.2 -W 2 "$IP_B") || fail "ping failed: $out"
grep -q " 0% packet loss" <<<"$out" || fail "ping lost packets: $(tail -n 2 <<<"$out")"
e2e_log "ping: $PINGS/$PINGS answered"

# ---- TCP: 1 MB over HTTP
mkdir -p "$E2E_WORK/www"
head -c "$BLOB_SIZE" /dev/urandom >"$E2E_WORK/www/blob.bin"
want=$(sha256sum <"$E2E_WORK/www/blob.bin" | cut -d' ' -f1)
start_bg http --ns b "$PYTHON" -m http.server --bind "$IP_B" --directory "$E2E_WORK/www" "$HTTP_PORT"
wait_for "nsx b curl -sf -o /dev/null --max-time 1 http://$IP_B:$HTTP_PORT/" 15 ||
  fail "HTTP server in b did not start"
nsx a curl -sS --fail --max-time 60 -o "$E2E_WORK/got.bin" "http://$IP_B:$HTTP_PORT/blob.bin" ||
  fail "curl through rampart failed"
got=$(sha256sum <"$E2E_WORK/got.bin" | cut -d' ' -f1)
[[ $got == "$want" ]] || fail "downloaded file differs (sha256 $got, want $want)"
e2e_log "tcp: 1 MB downloaded intact"

# ---- DNS over UDP and TCP (unbound in b answers one local zone)
DNS_CHECKED=0
if command -v unbound >/dev/null && command -v dig >/dev/null; then
  cat >"$E2E_WORK/unbound.conf" <<EOF
server:
  interface: $IP_B
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "$E2E_WORK"
  pidfile: "$E2E_WORK/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  do-ip6: no
  access-control: 10.77.0.0/24 allow
  module-config: "iterator"
  local-zone: "rampart.test." static
  local-data: "www.rampart.test. 300 IN A 10.77.0.80"
  local-data: 'www.rampart.test. 300 IN TXT "through the wire"'
remote-control:
  control-enable: no
EOF
  start_bg unbound --ns b unbound -d -c "$E2E_WORK/unbound.conf"
  wait_for "nsx b dig +short +time=1 +tries=1 @$IP_B www.rampart.test A | grep -qx 10.77.0.80" 15 ||
    fail "unbound in b did not come up"
  ans=$(nsx a dig +short +time=2 +tries=3 @"$IP_B" www.rampart.test A) || fail "dig over UDP failed"
  [[ $ans == 10.77.0.80 ]] || fail "dig over UDP answered '$ans'"
  ans=$(nsx a dig +tcp +short +time=2 +tries=3 @"$IP_B" www.rampart.test TXT) || fail "dig over TCP failed"
  [[ $ans == '"through the wire"' ]] || fail "dig over TCP answered '$ans'"
  DNS_CHECKED=1
  e2e_log "dns: UDP and TCP answers correct"
  stop_bg unbound TERM 5 || true
else
  e2e_log "dns: skipped (unbound or dig missing)"
fi
stop_bg http TERM 5 || true

# ---- stop rampart and read its report
e2e_stop_rampart
[[ -s $REPORT ]] || fail "rampart wrote no report at $REPORT"

"$PYTHON" - "$REPORT" "$PINGS" "$BLOB_SIZE" "$DNS_CHECKED" <<'EOF' || fail "report check failed"
import json, sys

report = json.load(open(sys.argv[1]))
pings, blob, dns = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
problems = []

def need(obj, *path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            problems.append("report lacks " + "/".join(map(str, path)))
            return None
        obj = obj[key]
    return obj

stats = need(report, "/rampart/stats")
a = need(report, "/rampart/stats", "port_a") or {}
b = need(report, "/rampart/stats", "port_b") or {}
rx_a, tx_a = a.get("rx_packets", 0), a.get("tx_packets", 0)
rx_b, tx_b = b.get("rx_packets", 0), b.get("tx_packets", 0)
print(f"port.a rx={rx_a} tx={tx_a}  port.b rx={rx_b} tx={tx_b}")

# A sent the echo requests and the HTTP request; B sent the echo replies and
# the 1 MB body, which takes at least blob/1500 frames at a 1500-byte MTU.
body_frames = blob // 1500
if rx_a < pings or tx_b < pings:
    problems.append(f"fewer than {pings} echo requests crossed a->b (rx_a={rx_a}, tx_b={tx_b})")
if rx_b < pings + body_frames or tx_a < pings + body_frames:
    problems.append(f"fewer than {pings + body_frames} frames crossed b->a (rx_b={rx_b}, tx_a={tx_a})")
# In bump-in-the-wire mode Rampart originates nothing: each side can only
# transmit what the other side received.
if tx_b > rx_a or tx_a > rx_b:
    problems.append(f"a port transmitted more than its peer received (rx_a={rx_a} tx_b={tx_b}, rx_b={rx_b} tx_a={tx_a})")

drops = need(report, "/rampart/drops")
if drops is not None:
    if not isinstance(drops, dict):
        problems.append("/rampart/drops is not an object of reason -> count")
    else:
        nonzero = {k: v for k, v in drops.items() if v}
        print("drops:", nonzero or "none")
        lost = (rx_a - tx_b) + (rx_b - tx_a)
        counted = sum(v for v in drops.values() if isinstance(v, int))
        if lost > counted:
            problems.append(f"{lost} frames were not transmitted but only {counted} drops were counted")

pool = need(report, "/rampart/mempool")
if pool is not None:
    start, end = pool.get("in_use_at_start"), pool.get("in_use_at_exit")
    print(f"mbufs in use: {start} at start, {end} at exit")
    if start is None or end is None or start != end:
        problems.append(f"mbuf leak: in_use_at_start={start} in_use_at_exit={end}")

for p in problems:
    print("report:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

e2e_log "PASS"
