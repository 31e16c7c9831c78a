#!/usr/bin/env bash
# Rampart's DNS attack detectors on real traffic crossing it as a bump in the wire:
#
#   ns a: 10.81.0.1/24 [va] ==veth== [da] ns dut: rampart [db] ==veth== [vb] 10.81.0.2/24 :ns b
#                                                              (and 10.81.0.3, the "reflector")
#
# 1. Water torture: dnsperf in a sends never-repeated names under attack.test (about 600 q/s
#    for 5 s) to nsd in b, which answers NXDOMAIN. Rampart must raise random_subdomain and
#    nxdomain_flood for attack.test. (in /rampart/dns/alerts and as warnings in its log), and no
#    amplification alert: every response matches its query.
# 2. The alerts end detect_clear_ms (2 s here) after the attack stops; the log says so.
# 3. Reflection: a sender in b sends large ANY responses from port 53 of 10.81.0.3 to a, which
#    never asked (about 400 per second for 4 s). Rampart must raise amplification for 10.81.0.1
#    with the triggers unmatched, large and any_txt_dnskey.
# Thresholds are lowered with --set to a few hundred per second, so a slow machine still crosses
# them by a wide margin; nsd's response rate limiting is off (it would drop the NXDOMAINs).
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=$SOURCE_ROOT/drivers-config/examples/bump-af-packet.toml
IP_A=10.81.0.1 IP_B=10.81.0.2 IP_REFLECTOR=10.81.0.3
Z=attack.test

e2e_init dnsalerts
e2e_require_root
e2e_require_cmd ip ethtool ping nsd nsd-checkconf dig dnsperf "$PYTHON"
e2e_require_rampart ctl

e2e_bump_topology "$IP_A" "$IP_B"
e2e_addr b "$VB" "$IP_REFLECTOR/24"

# ---- nsd in b, without response rate limiting
W=$E2E_WORK
NSD_EXTRA='  rrl-ratelimit: 0' e2e_serve_zone b "$IP_B" "$Z" <<<'www IN A 10.81.1.1'

# ---- rampart
e2e_start_bump_rampart "$IP_B" -c "$CONFIG" --set "ports.a.args.iface=$DA" --set "ports.b.args.iface=$DB" \
  --set stages.dns.detect_window_ms=1000 --set stages.dns.detect_clear_ms=2000 \
  --set stages.dns.nxdomain_flood_rate=200 --set stages.dns.random_subdomain_rate=200 \
  --set stages.dns.amplification_rate=150 --set stages.dns.amplification_large_rate=150 \
  --set stages.dns.amplification_types_rate=150

alerts() { e2e_telemetry_json /rampart/dns/alerts "$1"; }
# check FILE EXPR...: each EXPR is "present KIND KEY [TRIGGER...]" or "absent KIND [KEY]".
check() {
  local file=$1; shift
  e2e_python - "$file" "$@" <<'EOF'
import json, sys
from e2e_report import answer, finish
alerts = [v for k, v in answer(sys.argv[1]).items() if k.startswith("alerts/")]
bad = []
for expr in sys.argv[2:]:
    w = expr.split()
    hits = [a for a in alerts if a["kind"] == w[1] and (len(w) < 3 or a["key"] == w[2])]
    if w[0] == "absent" and hits:
        bad.append(f"unexpected {w[1]} alert: {hits[0]}")
    if w[0] == "present":
        if not hits:
            bad.append(f"no {w[1]} alert for {w[2]}")
        else:
            got = set(hits[0].get("triggers", "").split(","))
            # Served whole: DPDK cuts strings at 127 characters, and this one ends with the ratio.
            if w[1] == "amplification" and " ratio " not in hits[0]["evidence"][-12:]:
                bad.append(f"evidence cut short: {hits[0]['evidence']!r}")
            for t in w[3:]:
                if t not in got:
                    bad.append(f"{w[1]} {w[2]}: trigger {t} missing ({hits[0].get('triggers')})")
print(json.dumps(alerts))
finish("alerts", bad)
EOF
}
active_alerts() { # prints the number of active alerts
  alerts "$W/active.json"
  e2e_python -c 'import sys; from e2e_report import answer; print(answer(sys.argv[1])["active"])' "$W/active.json"
}

# ---- 1. water torture through Rampart
QF=$W/queries.txt
"$PYTHON" -c '
import random, sys
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    for _ in range(20000):
        f.write("%012x.%s A\n" % (r.getrandbits(48), sys.argv[2]))' "$QF" "$Z"
nsx a timeout 30 dnsperf -s "$IP_B" -d "$QF" -l 5 -Q 600 -c 1 -q 50 -t 2 >"$W/dnsperf.txt" 2>&1 ||
  fail "dnsperf failed: $(tail -n 5 "$W/dnsperf.txt")"
e2e_log "dnsperf: $(grep -E 'Queries (sent|completed)|Response codes' "$W/dnsperf.txt" | tr -s ' ' | paste -sd ';')"
alerts "$W/attack.json"
check "$W/attack.json" "present random_subdomain $Z." "present nxdomain_flood $Z." "absent amplification" \
  >"$W/attack.check" || fail "water torture: $(cat "$W/attack.check")"
e2e_log "during the attack: $(cat "$W/attack.check")"
grep -q "dns alert: random_subdomain $Z\." "$W/rampart.log" || fail "no random_subdomain warning in rampart's log"
grep -q "dns alert: nxdomain_flood $Z\." "$W/rampart.log" || fail "no nxdomain_flood warning in rampart's log"

# ---- 2. the alerts end once the attack has stopped for detect_clear_ms
wait_for '[[ $(active_alerts) == 0 ]]' 15 || fail "alerts still active 15 s after the attack: $(cat "$W/active.json")"
wait_for "grep -q 'dns alert over: random_subdomain $Z\.' '$W/rampart.log'" 5 ||
  fail "no 'alert over' line for random_subdomain in rampart's log"
e2e_log "the alerts ended: $(grep 'dns alert over' "$W/rampart.log" | sed 's/.*dns alert over: //' | paste -sd ';')"

# ---- 3. reflection: unsolicited large ANY responses towards a
nsx b timeout 20 "$PYTHON" - "$IP_REFLECTOR" "$IP_A" <<'EOF' || fail "the reflector failed"
import socket, struct, sys, time
src, dst = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 53))
qname = b"\x03isc\x03org\x00"
txt = b"".join(bytes([250]) + b"x" * 250 for _ in range(5))  # 1255 octets of TXT rdata
def response(txid):
    hdr = struct.pack("!HHHHHH", txid, 0x8180, 1, 1, 0, 0)
    question = qname + struct.pack("!HH", 255, 1)
    answer = b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 300, len(txt)) + txt
    return hdr + question + answer
start = time.monotonic()
n = 0
while time.monotonic() - start < 4.0:  # 400 per second, paced
    s.sendto(response(n & 0xffff), (dst, 40000 + n % 1000))
    n += 1
    time.sleep(max(0.0, start + n / 400.0 - time.monotonic()))
print(n, "responses sent")
EOF
alerts "$W/reflection.json"
check "$W/reflection.json" "present amplification $IP_A unmatched large any_txt_dnskey" "absent random_subdomain" \
  >"$W/reflection.check" || fail "reflection: $(cat "$W/reflection.check")"
e2e_log "during the reflection: $(cat "$W/reflection.check")"
grep -q "dns alert: amplification $IP_A" "$W/rampart.log" || fail "no amplification warning in rampart's log"

e2e_stop_rampart
e2e_log "PASS"
