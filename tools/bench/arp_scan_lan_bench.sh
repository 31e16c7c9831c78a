#!/usr/bin/env bash
# The namespace-LAN half of tools/bench/arp_scan_bench.py: on the LAN of tests/e2e/arp_lan.sh
# (a bridge, Rampart on net_af_packet, ARP_LAN_HOSTS hosts, one shared IP), scans the /24 R times
# with arp-scan at its defaults, arp-scan at its fastest setting (ARP_SCAN_FAST, arp-scan options),
# the same with Rampart's default 50 ms timeout (the waits, not the rate, dominate a /24) and
# Rampart at its defaults (rampartctl arp scan), alternating, and prints one JSON object per
# scan: {"run": ..., "rep": ..., "seconds": wall time, "pairs": IP/MAC pairs found}.
# Root only. Usage: arp_scan_lan_bench.sh RAMPART RAMPARTCTL REPS
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/arp_lan.sh"

RAMPART=$1 RAMPARTCTL=$2 REPS=${3:-3}
ARP_SCAN_FAST=${ARP_SCAN_FAST:---bandwidth=1000000000}

e2e_init arpbench
e2e_require_root
e2e_require_cmd arp-scan ip ethtool
arp_lan_up
arp_lan_start_rampart "$RAMPART"
NET=$ARP_LAN_NET

# pairs FILE EXCLUDE: IP/MAC pairs in a scanner's output, without the other scanner's address.
pairs() {
  awk -F'\t' -v ex="$2" '$1 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ && $1 != ex { print $1 " " $2 }' "$1" |
    sort -u | wc -l
}
report() {
  printf '{"run": "%s", "setting": "%s", "rep": %d, "seconds": %s, "pairs": %d}\n' "$1" "$2" "$3" "$4" "$5"
}
now() { date +%s.%N; }

for ((rep = 1; rep <= REPS; rep++)); do
  for run in arp-scan-default arp-scan-fast arp-scan-fast-50ms rampart; do
    out=$E2E_WORK/$run.$rep.out
    t0=$(now)
    case $run in
      arp-scan-default)
        setting="arp-scan -I eth0 $NET.0/24"
        arp_lan_scanner timeout 120 arp-scan -I eth0 -x "$NET.0/24" >"$out" 2>&1 || fail "arp-scan failed: $(cat "$out")"
        exclude=$ARP_LAN_RAMPART_IP ;;
      arp-scan-fast)
        setting="arp-scan -I eth0 $ARP_SCAN_FAST $NET.0/24"
        # shellcheck disable=SC2086
        arp_lan_scanner timeout 120 arp-scan -I eth0 -x $ARP_SCAN_FAST "$NET.0/24" >"$out" 2>&1 ||
          fail "arp-scan $ARP_SCAN_FAST failed: $(cat "$out")"
        exclude=$ARP_LAN_RAMPART_IP ;;
      arp-scan-fast-50ms)
        setting="arp-scan -I eth0 $ARP_SCAN_FAST --timeout=50 $NET.0/24"
        # shellcheck disable=SC2086
        arp_lan_scanner timeout 120 arp-scan -I eth0 -x $ARP_SCAN_FAST --timeout=50 "$NET.0/24" >"$out" 2>&1 ||
          fail "arp-scan $ARP_SCAN_FAST --timeout=50 failed: $(cat "$out")"
        exclude=$ARP_LAN_RAMPART_IP ;;
      rampart)
        setting="rampartctl arp scan lan $NET.0/24"
        timeout 120 "$RAMPARTCTL" --prefix "$E2E_PREFIX" arp scan lan "$NET.0/24" >"$out" 2>&1 ||
          fail "rampartctl arp scan failed: $(cat "$out")"
        exclude=$ARP_LAN_SCANNER_IP ;;
    esac
    t1=$(now)
    report "$run" "$setting" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')" \
      "$(pairs "$out" "$exclude")"
  done
done
stop_bg rampart INT 10 || true
