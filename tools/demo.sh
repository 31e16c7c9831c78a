#!/usr/bin/env bash
# Runs Rampart on sample traffic through a net_pcap port (no NIC needed) and shows what it saw.
#
#   tools/demo.sh [PCAP] [--report FILE] [--out PCAP]
#     PCAP           input capture (default: sample traffic made by tools/gen_sample_traffic.py)
#     --report FILE  JSON report: the final answer of every /rampart/... telemetry command
#                    (default: ./demo-report.json)
#     --out PCAP     what Rampart transmitted (default: ./demo-out.pcap)
#
# Self-sufficient on a fresh Debian 12 machine: installs what is missing (tools/setup.sh), builds
# what is missing, then runs. Rampart stops by itself once the input is drained (--idle-exit).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
input="" report="$PWD/demo-report.json" out="$PWD/demo-out.pcap"
usage() { echo "demo.sh: $1 (see tools/demo.sh --help)" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --report|--out)
      [[ $# -ge 2 && -n $2 ]] || usage "$1 needs a file name"
      if [[ $1 == --report ]]; then report=$(realpath -m -- "$2"); else out=$(realpath -m -- "$2"); fi
      shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) usage "unknown option $1" ;;
    *) [[ -z $input ]] || usage "one input capture at most"
       input=$(realpath -m -- "$1"); shift ;;
  esac
done
if [[ -n $input ]]; then
  [[ -f $input ]] || usage "no such capture: $input"
  # Rampart writes --out as it reads: the same file would be truncated under the reader.
  [[ $input != "$out" && $input != "$report" ]] || usage "the input capture is also an output: give --out / --report elsewhere"
fi
[[ $out != "$report" ]] || usage "--out and --report name the same file"
# Two demos in one directory would write each other's files: the second one is refused.
{ exec 9>>"$report"; } 2>/dev/null || usage "cannot write the report to $report"
flock -n 9 || usage "another demo is writing $report: give this one --report and --out of its own"

"$ROOT/tools/setup.sh"

BUILD=${RAMPART_BUILD:-$ROOT/build}  # the suite runs the demo with the build under test
build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
# meson and ninja print their errors on stdout: kept, and shown when a step fails.
if [[ ! -f $BUILD/build.ninja ]]; then
  echo "demo: configuring the build in $BUILD"
  meson setup "$BUILD" "$ROOT" >"$build_log" 2>&1 || { tail -n 40 "$build_log" >&2; echo "demo: meson setup failed" >&2; exit 1; }
fi
echo "demo: building rampart"
ninja -C "$BUILD" app/rampart/rampart >"$build_log" 2>&1 || { tail -n 40 "$build_log" >&2; echo "demo: the build failed" >&2; exit 1; }

if [[ -z $input ]]; then
  input=$BUILD/demo/sample.pcap
  if [[ ! -f $input || $ROOT/tools/gen_sample_traffic.py -nt $input ]]; then
    mkdir -p "$BUILD/demo"
    # Debian's python3, which has python3-scapy (another python3 may come first on PATH).
    /usr/bin/python3 "$ROOT/tools/gen_sample_traffic.py" "$input" >/dev/null
  fi
  echo "demo: input $input (sample traffic; its composition is in $input.json)"
else
  echo "demo: input $input"
fi

prefix="rampart-demo-$$"
status=0 interrupted=0
"$BUILD/app/rampart/rampart" --no-pci --no-huge -m 256 --file-prefix "$prefix" -- \
  -c "$ROOT/drivers-config/examples/demo.toml" \
  --set "ports.wire0.args.rx_pcap=$input" --set "ports.wire0.args.tx_pcap=$out" \
  --idle-exit 1 --report "$report" --log-level warn &
rampart_pid=$!
# Ctrl-C or a TERM to this script stops Rampart gracefully (its summary and report are still
# written) instead of leaving it running.
trap 'interrupted=1; kill -INT "$rampart_pid" 2>/dev/null' INT TERM HUP
while :; do  # a trapped signal ends `wait` early: wait again while Rampart drains
  wait "$rampart_pid" && status=0 || status=$?
  kill -0 "$rampart_pid" 2>/dev/null || break
done
trap - INT TERM HUP
# EAL's runtime directory: /var/run/dpdk as root, $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk otherwise.
rm -rf "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/$prefix" 2>/dev/null || true
if (( interrupted )); then
  echo "demo: interrupted; rampart stopped with status $status" >&2
  exit 130
fi
if [[ $status -ne 0 ]]; then
  echo "demo: rampart exited with status $status" >&2
  exit "$status"
fi
# What the stages found, from the report (Debian's python3: no third-party modules needed).
/usr/bin/python3 - "$report" <<'PY' || true
import json, sys
r = json.load(open(sys.argv[1]))
def top(d, n=6):
    return ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:n]) or "-"
dns = r.get("/rampart/dns/stats") or {}
if dns:
    lat = dns.get("latency_us", {})
    print("\n== DNS ==")
    print(f"messages {dns.get('messages', 0)}: queries {dns.get('queries', 0)} (UDP {dns.get('queries_udp', 0)}, "
          f"TCP {dns.get('queries_tcp', 0)}), responses {dns.get('responses', 0)}, matched {dns.get('matched', 0)}, "
          f"unmatched {dns.get('unmatched_responses', 0)}, malformed {dns.get('malformed', 0)}")
    print(f"rcodes: {top(dns.get('rcodes', {}))}")
    print(f"qtypes: {top(dns.get('qtypes', {}))}")
    print(f"latency (capture timing): p50 {lat.get('p50', 0)} us, p99 {lat.get('p99', 0)} us over {lat.get('count', 0)} matched")
    alerts = r.get("/rampart/dns/alerts") or {}
    # One record per alert, "alerts/<i>" (docs/telemetry.md).
    recs = {int(k.split("/", 1)[1]): v for k, v in alerts.items() if k.startswith("alerts/")} \
        if isinstance(alerts, dict) else {}
    items = [recs[i] for i in sorted(recs)]
    print(f"alerts: {alerts.get('active', len(items)) if isinstance(alerts, dict) else 0}"
          + "".join(f"\n  {a.get('kind', '?')} {a.get('key', '')}: {a.get('evidence', '')}" for a in items[:5]))
arp = r.get("/rampart/arp/stats") or {}
if arp:
    ev = r.get("/rampart/arp/events") or {}
    table = r.get("/rampart/arp/table") or {}
    print("\n== ARP ==")
    print(f"requests in {arp.get('requests_in', 0)}, replies in {arp.get('replies_in', 0)}, "
          f"replies out {arp.get('replies_out', 0)}, rate-limited {arp.get('replies_limited_target', 0) + arp.get('replies_limited_port', 0)}, "
          f"neighbours {arp.get('table_size', table.get('entries', 0))}")
    kinds = arp.get("events", {})
    if isinstance(kinds, dict):
        print(f"events: {top(kinds)}")
PY
echo
echo "output pcap: $out"
echo "JSON report: $report"
