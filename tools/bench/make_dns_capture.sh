#!/usr/bin/env bash
# Makes a capture of real authoritative DNS traffic for tools/bench/dns_parse_compare:
# nsd serves a small zone (A/AAAA/MX/TXT/NS/SOA/CNAME/SRV/PTR/CAA, a delegation with glue,
# NXDOMAIN/NODATA answers, compression everywhere) in a network namespace made here; dnsperf
# queries it from a second namespace, with and without EDNS (DO bit), and tshark records both
# directions on the server's veth.
#
#   sudo tools/bench/make_dns_capture.sh OUT.pcap [QUERIES_PER_PASS]
#
# Bounded: each dnsperf pass sends the query list once (at most QUERIES_PER_PASS, default 4000,
# rate-limited) and stops after 20 s whatever happens; the whole script gives up after ~90 s.
# Everything it creates (two namespaces, a veth pair, nsd, tshark, a temp dir) is named after its
# PID and removed on any exit. Addresses 10.203.0.1 (server) / 10.203.0.2 (client) exist only
# inside those namespaces. The pcap is an output, never committed.
set -euo pipefail

out=${1:?usage: make_dns_capture.sh OUT.pcap [QUERIES_PER_PASS]}
nq=${2:-4000}
[[ $(id -u) -eq 0 ]] || { echo "make_dns_capture: needs root (namespaces)" >&2; exit 77; }
for c in ip nsd dnsperf tshark; do
  command -v "$c" >/dev/null 2>&1 || { echo "make_dns_capture: '$c' missing (tools/setup.sh)" >&2; exit 1; }
done

id=$$
ns_srv=rpdnsbench${id}s
ns_cli=rpdnsbench${id}c
work=$(mktemp -d "/tmp/rampart-dnscap.${id}.XXXXXX")
pids=()
made_ns=()

cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for p in "${made_ns[@]}"; do ip netns del "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$ns_srv"; made_ns+=("$ns_srv")
ip netns add "$ns_cli"; made_ns+=("$ns_cli")
ip -n "$ns_srv" link add veth-s type veth peer name veth-c netns "$ns_cli"
ip -n "$ns_srv" link set lo up
ip -n "$ns_cli" link set lo up
ip -n "$ns_srv" addr add 10.203.0.1/24 dev veth-s
ip -n "$ns_cli" addr add 10.203.0.2/24 dev veth-c
ip -n "$ns_srv" link set veth-s up
ip -n "$ns_cli" link set veth-c up
# Checksums computed in software before the frames are captured: with veth's TX checksum offload
# the capture would hold partial UDP checksums, which Rampart's classify (default L4 checksum
# verification) rightly drops.
if command -v ethtool >/dev/null 2>&1; then
  ip netns exec "$ns_srv" ethtool -K veth-s tx off >/dev/null
  ip netns exec "$ns_cli" ethtool -K veth-c tx off >/dev/null
else
  echo "make_dns_capture: no ethtool: UDP checksums in the capture may be partial" >&2
fi

# ---- zone ----
zone=$work/bench.example.zone
{
  cat <<'EOF'
$ORIGIN bench.example.
$TTL 3600
@        IN SOA  ns1.bench.example. hostmaster.bench.example. 2024010101 7200 3600 1209600 300
@        IN NS   ns1.bench.example.
@        IN NS   ns2.bench.example.
@        IN MX   10 mail.bench.example.
@        IN MX   20 mail2.bench.example.
@        IN TXT  "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"
@        IN TXT  "google-site-verification=abcdefghijklmnopqrstuvwxyz0123456789"
@        IN A    192.0.2.1
@        IN AAAA 2001:db8::1
@        IN CAA  0 issue "letsencrypt.org"
ns1      IN A    192.0.2.53
ns1      IN AAAA 2001:db8::53
ns2      IN A    198.51.100.53
ns2      IN AAAA 2001:db8:1::53
mail     IN A    192.0.2.25
mail     IN AAAA 2001:db8::25
mail2    IN A    198.51.100.25
www      IN CNAME web.bench.example.
web      IN A    192.0.2.80
web      IN A    192.0.2.81
web      IN AAAA 2001:db8::80
cdn      IN CNAME www.bench.example.
_sip._udp IN SRV 10 60 5060 sip.bench.example.
_sip._udp IN SRV 20 40 5060 sip2.bench.example.
sip      IN A    192.0.2.60
sip2     IN A    192.0.2.61
_dmarc   IN TXT  "v=DMARC1; p=reject; rua=mailto:dmarc@bench.example"
sub      IN NS   ns.sub.bench.example.
ns.sub   IN A    192.0.2.153
1.2.0.192 IN PTR host-1.bench.example.
EOF
  for i in $(seq 1 200); do
    printf 'host-%d IN A 10.%d.%d.%d\n' "$i" $((i / 256)) $((i % 256)) $((i % 7 + 1))
    (( i % 2 )) && printf 'host-%d IN AAAA 2001:db8:%x::%x\n' "$i" "$i" "$i"
    (( i % 5 == 0 )) && printf 'host-%d IN TXT "asset-id=%06d" "owner=team-%d"\n' "$i" "$i" $((i % 9))
    (( i % 10 == 0 )) && printf 'alias-%d IN CNAME host-%d.bench.example.\n' "$i" "$i"
    true
  done
} >"$zone"

cat >"$work/nsd.conf" <<EOF
server:
  ip-address: 10.203.0.1
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$work"
  pidfile: "$work/nsd.pid"
  xfrdfile: "$work/xfrd.state"
  xfrdir: "$work"
  zonelistfile: "$work/zone.list"
  database: ""
  logfile: "$work/nsd.log"
  server-count: 1
  hide-version: yes
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: bench.example
  zonefile: bench.example.zone
EOF
nsd-checkconf "$work/nsd.conf"

# ---- queries ----
qf=$work/queries.txt
{
  names=(bench.example www.bench.example web.bench.example cdn.bench.example mail.bench.example
         ns1.bench.example _sip._udp.bench.example _dmarc.bench.example www.sub.bench.example
         nope.bench.example 1.2.0.192.bench.example)
  types=(A AAAA MX TXT NS SOA CNAME SRV PTR CAA)
  for n in "${names[@]}"; do for t in "${types[@]}"; do echo "$n $t"; done; done
  for i in $(seq 1 200); do
    echo "host-$i.bench.example A"
    echo "host-$i.bench.example AAAA"
    (( i % 5 == 0 )) && echo "host-$i.bench.example TXT"
    (( i % 10 == 0 )) && echo "alias-$i.bench.example A"
    (( i % 3 == 0 )) && echo "missing-$i.bench.example A"
    true
  done
} >"$qf.all"
head -n "$nq" "$qf.all" >"$qf"

pcap_tmp=$work/capture.pcap
ip netns exec "$ns_srv" nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
pids+=($!)
ip netns exec "$ns_srv" timeout 90 tshark -q -i veth-s -F pcap -w "$pcap_tmp" -f 'udp port 53' \
  >"$work/tshark.out" 2>&1 &
pids+=($!)

# wait (bounded) for nsd to answer and tshark to be capturing
for _ in $(seq 1 50); do
  if [[ -s $work/tshark.out ]] && grep -q Capturing "$work/tshark.out" &&
     ip netns exec "$ns_cli" dig +time=1 +tries=1 @10.203.0.1 bench.example SOA >/dev/null 2>&1; then
    break
  fi
  sleep 0.2
done
grep -q Capturing "$work/tshark.out" || { cat "$work/tshark.out" >&2; echo "tshark did not start" >&2; exit 1; }

# pass 1: plain queries; pass 2: EDNS0 with DO (as resolvers send them today)
ip netns exec "$ns_cli" dnsperf -s 10.203.0.1 -d "$qf" -n 1 -l 20 -Q 2000 -q 50 >"$work/dnsperf1.out" 2>&1
ip netns exec "$ns_cli" dnsperf -s 10.203.0.1 -d "$qf" -n 1 -l 20 -Q 2000 -q 50 -D -e >"$work/dnsperf2.out" 2>&1
grep -h "Queries completed" "$work"/dnsperf*.out >&2 || true
sleep 1
# stop tshark (index 1) so it flushes, then copy the capture out
kill -INT "${pids[1]}" 2>/dev/null || true
wait "${pids[1]}" 2>/dev/null || true
cp "$pcap_tmp" "$out"
echo "make_dns_capture: wrote $out ($(stat -c %s "$out") bytes)" >&2
