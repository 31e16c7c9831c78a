#!/usr/bin/env bash
# Rampart's ARP scanner against arp-scan on a real LAN (tests/e2e/arp_lan.sh): a Linux bridge in a
# namespace, Rampart on one port of it through net_af_packet, 32 Linux hosts (each its own
# namespace) on others, some with two addresses, two of them sharing one IP with different MACs,
# and arp-scan in one more namespace. Both scan the same /24; Rampart must find exactly the IP/MAC
# pairs arp-scan found (the duplicate IP included, marked "(DUP: 2)" by both), with the same
# vendors, apart from each scanner's own address (neither sees itself).
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/arp_lan.sh"

NET=$ARP_LAN_NET
RAMPART_IP=$ARP_LAN_RAMPART_IP
SCANNER_IP=$ARP_LAN_SCANNER_IP
SHARED_IP=$ARP_LAN_SHARED_IP
HOSTS=$ARP_LAN_HOSTS

e2e_init arpscan
e2e_require_root
e2e_require_cmd arp-scan ip ethtool bc python3
e2e_require_rampart ctl
(( HOSTS >= 30 )) || fail "the LAN needs at least 30 hosts (ARP_LAN_HOSTS)"

t0=$SECONDS
arp_lan_up
e2e_log "LAN: bridge, $HOSTS hosts, arp-scan namespace in $((SECONDS - t0)) s"
arp_lan_start_rampart "$RAMPART"

# ---- arp-scan (default rate, tries and timeout)
t1=$(date +%s.%N)
arp_lan_scanner timeout 60 arp-scan -I eth0 -x "$NET.0/24" >"$E2E_WORK/arp-scan.out" 2>"$E2E_WORK/arp-scan.err" ||
  fail "arp-scan failed: $(cat "$E2E_WORK/arp-scan.err")"
t2=$(date +%s.%N)
# ---- Rampart (its defaults)
timeout 60 "$RAMPARTCTL" --prefix "$E2E_PREFIX" arp scan lan "$NET.0/24" >"$E2E_WORK/rampart-scan.out" 2>&1 ||
  fail "rampartctl arp scan failed: $(cat "$E2E_WORK/rampart-scan.out")"
t3=$(date +%s.%N)
e2e_log "arp-scan: $(grep -c . "$E2E_WORK/arp-scan.out") lines in $(printf '%.2f' "$(echo "$t2 - $t1" | bc)") s; " \
  "rampart: $(grep -c $'^[0-9].*\t' "$E2E_WORK/rampart-scan.out") lines in $(printf '%.2f' "$(echo "$t3 - $t2" | bc)") s"

# "ip mac vendor" per responder, DUP marks dropped, sorted; minus the other scanner's own address.
pairs() {
  local file=$1 exclude=$2
  awk -F'\t' -v ex="$exclude" '$1 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ && $1 != ex {
      v = $3; sub(/ \((DUP|replies): [0-9]+\).*$/, "", v); print $1 "\t" $2 "\t" v }' "$file" | sort -u
}
pairs "$E2E_WORK/arp-scan.out" "$RAMPART_IP" >"$E2E_WORK/arp-scan.pairs"
pairs "$E2E_WORK/rampart-scan.out" "$SCANNER_IP" >"$E2E_WORK/rampart.pairs"

# What the LAN holds, independently of both scanners: every host address once per MAC.
expected_hosts=$HOSTS
expected_pairs=$(arp_lan_pairs)
n_arp=$(wc -l <"$E2E_WORK/arp-scan.pairs")
n_rp=$(wc -l <"$E2E_WORK/rampart.pairs")
(( n_arp == expected_pairs )) ||
  fail "arp-scan found $n_arp IP/MAC pairs, the LAN has $expected_pairs: $(cat "$E2E_WORK/arp-scan.out")"
if ! diff -u "$E2E_WORK/arp-scan.pairs" "$E2E_WORK/rampart.pairs" >"$E2E_WORK/pairs.diff"; then
  fail "Rampart's IP/MAC/vendor set differs from arp-scan's: $(cat "$E2E_WORK/pairs.diff")"
fi
# The shared IP: two MACs, the second marked as a duplicate by both.
for f in arp-scan.out rampart-scan.out; do
  [[ $(grep -c "^$SHARED_IP"$'\t' "$E2E_WORK/$f") -eq 2 ]] || fail "$f: $SHARED_IP not listed with two MACs"
  grep -q "^$SHARED_IP"$'\t.*(DUP: 2)' "$E2E_WORK/$f" || fail "$f: no (DUP: 2) mark for $SHARED_IP"
done
grep -q "^$SCANNER_IP"$'\t' "$E2E_WORK/rampart-scan.out" || fail "Rampart did not find the arp-scan host"
grep -q "^$RAMPART_IP"$'\t' "$E2E_WORK/arp-scan.out" || fail "arp-scan did not find Rampart's address"
grep -q 'Xensource' "$E2E_WORK/rampart.pairs" || fail "no vendor resolved: $(head -3 "$E2E_WORK/rampart.pairs")"
grep -q '^Ending Rampart scan .*(done)' "$E2E_WORK/rampart-scan.out" ||
  fail "no summary line: $(tail -2 "$E2E_WORK/rampart-scan.out")"
e2e_log "both found the same $n_rp IP/MAC pairs ($expected_hosts hosts, the duplicate included)"

# ---- the results file, and the scan list
"$RAMPARTCTL" --prefix "$E2E_PREFIX" raw /rampart/arp/scan_save,1,"$E2E_WORK/scan1.csv" >/dev/null ||
  fail "scan_save failed"
[[ $(grep -c '^10\.203\.0\.' "$E2E_WORK/scan1.csv") -eq $((n_rp + 1)) ]] ||
  fail "scan1.csv has not $((n_rp + 1)) rows: $(head -5 "$E2E_WORK/scan1.csv")"
e2e_telemetry_json /rampart/arp/scans "$E2E_WORK/scans.json"
python3 - "$E2E_WORK/scans.json" "$expected_pairs" <<'EOF' || fail "unexpected /rampart/arp/scans: $(cat "$E2E_WORK/scans.json")"
import json, sys
s = json.load(open(sys.argv[1]))["scan_1"]
pairs = int(sys.argv[2])
# Every responder once (+ the arp-scan host), the shared IP's second MAC as a duplicate.
assert s["state"] == "done" and s["hosts"] == 254 and s["remaining"] == 0, s
assert s["results"] == pairs + 1 and s["answered"] == pairs, s
assert s["duplicates"] >= 1 and s["sent"] >= 254, s
EOF

# Paging by hand, 10 rows at a time: every row once, in the order rampartctl printed them.
offset=0 pages=0
: >"$E2E_WORK/paged.rows"
while (( pages < 20 )); do
  e2e_telemetry_json "/rampart/arp/scan_results,1,$offset,10" "$E2E_WORK/page.json"
  offset=$(python3 - "$E2E_WORK/page.json" "$E2E_WORK/paged.rows" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
rows = sorted((int(k[1:]), v) for k, v in p.items() if k[0] == "h" and k[1:].isdigit())
assert len(rows) == p["count"] <= 10, p
with open(sys.argv[2], "a") as f:
    for _, r in rows:
        f.write(f"{r['ip']}\t{r['mac']}\n")
print(p["next_offset"] if p["next_offset"] < p["total"] else -1)
EOF
) || fail "bad page: $(head -c 600 "$E2E_WORK/page.json")"
  pages=$((pages + 1))
  (( offset >= 0 )) || break
done
grep -E $'^[0-9.]+\t' "$E2E_WORK/rampart-scan.out" | cut -f1,2 >"$E2E_WORK/printed.rows"
diff -u "$E2E_WORK/printed.rows" "$E2E_WORK/paged.rows" >/dev/null ||
  fail "paging 10 at a time gave other rows than rampartctl: $(diff "$E2E_WORK/printed.rows" "$E2E_WORK/paged.rows" | head -5)"
(( pages == 5 )) || fail "$((n_rp + 1)) rows took $pages pages of 10"
# An offset near 2^64 must not wrap next_offset round to the start.
e2e_telemetry_json "/rampart/arp/scan_results,1,18446744073709551600,50" "$E2E_WORK/page.json"
python3 - "$E2E_WORK/page.json" <<'EOF' || fail "huge offset: $(head -c 300 "$E2E_WORK/page.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["count"] == 0 and p["next_offset"] == p["total"], p
EOF

stop_bg rampart INT 10 || fail "rampart still running 10 s after SIGINT"
(( E2E_STATUS == 0 )) || fail "rampart exited with status $E2E_STATUS: $(tail -5 "$E2E_WORK/rampart.log")"
e2e_log "PASS"
