#!/usr/bin/env bash
# The README's first command as a newcomer runs it: tools/demo.sh on the sample traffic. Checks
# its exit status, that every part of the summary is printed (the stage summaries come from a
# Python reader of the report, which runs with `|| true` in the demo, so an exception there would
# otherwise pass unseen), that no mbuf leaked, and that the report counts every input frame.
set -euo pipefail
: "${SOURCE_ROOT:?}" "${RAMPART_BUILD:?}" "${SAMPLE_PCAP:?}"
dir=$(mktemp -d /tmp/rampart-demo-test.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() {
  echo "demo test: $*" >&2
  echo "--- demo output:" >&2
  cat "$dir/out.txt" >&2 || true
  exit 1
}
cd "$dir"
rc=0
timeout 300 "$SOURCE_ROOT/tools/demo.sh" "$SAMPLE_PCAP" --report "$dir/report.json" \
  --out "$dir/out.pcap" > "$dir/out.txt" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || fail "exit status $rc"
for s in "== Rampart summary ==" "drops by reason:" "(no leak)" "== DNS ==" "== ARP ==" \
         "output pcap: $dir/out.pcap" "JSON report: $dir/report.json"; do
  grep -qF -- "$s" "$dir/out.txt" || fail "no '$s' in the output"
done
if grep -q "Traceback" "$dir/out.txt"; then fail "the summary raised a Python exception"; fi
[[ -s $dir/out.pcap ]] || fail "no output pcap"
/usr/bin/python3 - "$dir/report.json" "$SAMPLE_PCAP.json" <<'PY' || fail "the report does not match the input"
import json, sys
report = json.load(open(sys.argv[1]))
sample = json.load(open(sys.argv[2]))
totals = report["/rampart/stats"]["totals"]
assert totals["rx_packets"] == sample["frames"], (totals, sample["frames"])
# Every frame leaves or is dropped; the ARP stage's own frames (its start-up announcement) add to it.
arp = report["/rampart/arp/stats"]
own = sum(arp[k] for k in ("gratuitous_out", "requests_out", "defences_out", "reannouncements",
                           "scan_requests_out"))
assert totals["tx_packets"] + totals["drops"] == totals["rx_packets"] + own, (totals, own)
mp = report["/rampart/mempool"]
assert mp["in_use_at_exit"] == mp["in_use_at_start"], mp
dns = report["/rampart/dns/stats"]
assert dns["queries"] > 0 and dns["matched"] > 0, dns
PY
# DNS latency is the capture's (pipeline.clock auto): Rampart's quantiles against tshark's dns.time
# (response time after its query) on the same file, within the histogram's buckets (about 3 %).
command -v tshark >/dev/null || fail "tshark is missing (tools/setup.sh installs it)"
tshark -r "$SAMPLE_PCAP" -Y "dns.flags.response == 1 && dns.time" -T fields -e dns.time \
  > "$dir/dns_time.txt" 2>/dev/null || fail "tshark could not read the sample"
/usr/bin/python3 - "$dir/report.json" "$dir/dns_time.txt" <<'PY' || fail "DNS latency differs from tshark's"
import json, sys
lat = json.load(open(sys.argv[1]))["/rampart/dns/stats"]["latency_us"]
# One line per response frame; a TCP segment with two answers gives "a,b".
times = sorted(float(t) * 1e6 for line in open(sys.argv[2]) for t in line.strip().split(",") if t)
assert len(times) > 100, len(times)
for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
    want = times[min(len(times) - 1, int(q * len(times)))]
    assert abs(lat[name] - want) <= 0.04 * want + 2, (name, lat[name], want, lat)
print(f"latency p50/p90/p99: rampart {lat['p50']}/{lat['p90']}/{lat['p99']} us,",
      "tshark " + "/".join(str(round(times[min(len(times) - 1, int(q * len(times)))])) for q in (0.5, 0.9, 0.99)))
PY
echo "demo test: ok ($(grep -c . "$dir/out.txt") lines of output)"
