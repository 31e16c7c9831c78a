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
while [[ $# -gt 0 ]]; do
  case $1 in
    --report) report=$(realpath -m "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "demo.sh: unknown option $1" >&2; exit 2 ;;
    *) [[ -z $input ]] || { echo "demo.sh: one input capture at most" >&2; exit 2; }
       input=$(realpath "$1"); shift ;;
  esac
done

"$ROOT/tools/setup.sh"

BUILD=$ROOT/build
if [[ ! -f $BUILD/build.ninja ]]; then
  echo "demo: configuring the build in $BUILD"
  meson setup "$BUILD" "$ROOT" >/dev/null
fi
echo "demo: building rampart"
ninja -C "$BUILD" app/rampart/rampart >/dev/null

if [[ -z $input ]]; then
  input=$BUILD/demo/sample.pcap
  if [[ ! -f $input || $ROOT/tools/gen_sample_traffic.py -nt $input ]]; then
    mkdir -p "$BUILD/demo"
    # Debian's python3, which has python3-scapy (another python3 may come first on PATH).
    /usr/bin/python3 "$ROOT/tools/gen_sample_traffic.py" "$input" >/dev/null
  fi
  echo "demo: input $input (sample traffic; its composition is in $input.json)"
else
  [[ -f $input ]] || { echo "demo.sh: no such capture: $input" >&2; exit 2; }
  echo "demo: input $input"
fi

prefix="rampart-demo-$$"
status=0
"$BUILD/app/rampart/rampart" --no-pci --no-huge -m 256 --file-prefix "$prefix" -- \
  -c "$ROOT/drivers-config/examples/demo.toml" \
  --set "ports.wire0.args.rx_pcap=$input" --set "ports.wire0.args.tx_pcap=$out" \
  --idle-exit 1 --report "$report" --log-level warn || status=$?
rm -rf "/var/run/dpdk/$prefix"
if [[ $status -ne 0 ]]; then
  echo "demo: rampart exited with status $status" >&2
  exit "$status"
fi
echo
echo "output pcap: $out"
echo "JSON report: $report"
