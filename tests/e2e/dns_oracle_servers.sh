#!/usr/bin/env bash
# DNS oracle test against real software (issue 3; see tests/oracle/README.md).
#
# Three namespaces of this run:
#   client (dig, dnsperf) 10.199.1.2 --- 10.199.1.1 res (unbound) 10.199.2.1 --- 10.199.2.2 auth (nsd)
# nsd serves oracle.example (A, AAAA, NS, CNAME chain, MX, TXT incl. RRsets too large for 512-byte
# UDP and for 1232-byte EDNS, SOA, SRV, CAA, wildcard, delegation) and 2.199.10.in-addr.arpa (PTR).
# unbound resolves them through stub zones only (no root hints used, no internet, iterator only,
# 0x20 case randomisation on). res also routes, so the client can query nsd directly.
#
# tshark captures the client's interface (client <-> unbound, client <-> nsd) and the resolver's
# upstream interface (unbound <-> nsd, client <-> nsd) while dig and dnsperf send: every type over
# UDP with and without EDNS/DO/cookies/options, over TCP (pipelined too), the large TXT with TC=1
# (+ignore) and with dig's TCP retry, NXDOMAIN names, NODATA and unknown types; then dnsperf (fixed
# query count) over UDP and TCP against both servers. Both captures are decoded by Rampart's parser
# (dns_oracle_dump) and compared field by field with tshark (dns_oracle.py): zero differences.
#
# Env (set by tests/e2e/meson.build): SOURCE_ROOT, DNS_ORACLE_DUMP.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_init dnsoracle

DNS_ORACLE_DUMP=${DNS_ORACLE_DUMP:-$SOURCE_ROOT/build/tests/oracle/dns_oracle_dump}
ORACLE=$SOURCE_ROOT/tests/oracle/dns_oracle.py

e2e_require_root
e2e_require_cmd ip ethtool nsd nsd-checkconf nsd-checkzone unbound unbound-checkconf dig dnsperf \
  tshark python3 timeout
[[ -x $DNS_ORACLE_DUMP ]] || fail "oracle dump binary not found: $DNS_ORACLE_DUMP (build tests/oracle)"

W=$E2E_WORK
CLIENT=10.199.1.2 RES=10.199.1.1 RES_UP=10.199.2.1 AUTH=10.199.2.2
IF_C=$(e2e_ifname c) IF_RC=$(e2e_ifname rc) IF_RA=$(e2e_ifname ra) IF_A=$(e2e_ifname a)

# ---------------------------------------------------------------- namespaces
e2e_netns_add client
e2e_netns_add res
e2e_netns_add auth
e2e_veth client "$IF_C" res "$IF_RC"
e2e_veth res "$IF_RA" auth "$IF_A"
e2e_addr client "$IF_C" "$CLIENT/24"
e2e_addr res "$IF_RC" "$RES/24"
e2e_addr res "$IF_RA" "$RES_UP/24"
e2e_addr auth "$IF_A" "$AUTH/24"
nsx client ip route add 10.199.2.0/24 via "$RES"
nsx auth ip route add 10.199.1.0/24 via "$RES_UP"
nsx res sysctl -qw net.ipv4.ip_forward=1 >/dev/null
nsx client ping -c 1 -W 2 -q "$AUTH" >/dev/null || fail "no route client -> auth through res"

# ---------------------------------------------------------------- zones
mkdir -p "$W/nsd" "$W/unbound"
# TXT data: printable ASCII incl. spaces and punctuation; one 255-byte string (the maximum).
txt_string() { # N CHAR-OFFSET: a string of N printable characters
  local n=$1 off=$2 s="" i c
  for ((i = 0; i < n; i++)); do
    c=$(( (i + off) % 62 ))
    if (( c < 26 )); then s+=$(printf "\\x$(printf %x $((97 + c)))")
    elif (( c < 52 )); then s+=$(printf "\\x$(printf %x $((65 + c - 26)))")
    else s+=$((c - 52)); fi
  done
  printf '%s' "$s"
}
{
  cat <<'EOF'
$ORIGIN oracle.example.
$TTL 3600
@        IN SOA  ns1.oracle.example. hostmaster.oracle.example. 2024060101 7200 900 1209600 300
         IN NS   ns1
         IN NS   ns2.oracle.example.
         IN MX   10 mail
         IN MX   20 mail2.oracle.example.
         IN TXT  "v=spf1 mx a:mail2.oracle.example -all"
         IN CAA  0 issue "ca.oracle.example"
         IN CAA  0 issuewild ";"
         IN CAA  128 iodef "mailto:security@oracle.example"
         IN A    10.199.2.10
ns1      IN A    10.199.2.2
ns2      IN A    10.199.2.3
         IN AAAA fd00:199::3
www      IN A    10.199.2.10
         IN A    10.199.2.11
         IN AAAA fd00:199::10
         IN AAAA fd00:199:0:1::a
alias    IN CNAME www
chain    IN CNAME alias.oracle.example.
mail     IN A    10.199.2.20
         IN AAAA fd00:199::20
mail2    IN A    10.199.2.21
_sip._tcp IN SRV 10 60 5060 sip1
         IN SRV  20 40 5061 sip2.oracle.example.
         IN SRV  30 0 5062 www
sip1     IN A    10.199.2.31
sip2     IN A    10.199.2.32
         IN AAAA fd00:199::32
*.wild   IN A    10.199.2.99
         IN TXT  "wildcard answer" "second string"
ttl0   0 IN A    10.199.2.40
long     86400 IN TXT "a string with spaces, punctuation !#$%&'()*+,-./:;<=>?@[]^_`{|}~ and digits 0123456789"
         IN TXT  ""
deep.a.b.c IN A  10.199.2.41
; bytes tshark renders specially: control bytes, tab/LF/CR, NUL, valid and invalid UTF-8, '.' and '\'
; inside labels (tests/oracle/README.md: formatting)
bytes    IN TXT  "ctl\001\127 tab\009 lf\010 cr\013 end" "nul\000after" "utf8 caf\195\169 \226\130\172" "bad \128\255"
         IN CAA  0 issue "ca\195\169\009x"
caf\195\169.\001ctl IN A 10.199.2.44
dot\.in\\label IN TXT "dotted label"
sub      IN NS   ns.sub
ns.sub   IN A    10.199.2.50
EOF
  printf 'label63-%s IN A 10.199.2.42\n' "$(txt_string 55 3)"
  printf '%s.%s.%s IN A 10.199.2.43\n' "$(txt_string 63 1)" "$(txt_string 63 2)" "$(txt_string 40 4)"
  # big: 3 RRs, ~640 bytes of rdata: truncated on 512-byte UDP, fits 1232-byte EDNS
  for i in 1 2 3; do
    printf 'big IN TXT "%s" "%s"\n' "$(txt_string 100 "$i")" "$(txt_string 100 $((i + 7)))"
  done
  printf 'big IN TXT "%s"\n' "$(txt_string 255 9)"
  # huge: 12 RRs, ~3 KB: truncated even with 1232-byte EDNS; spans several TCP segments
  for i in $(seq 1 12); do
    printf 'huge IN TXT "%s"\n' "$(txt_string 240 "$i")"
  done
} >"$W/nsd/oracle.example.zone"

cat >"$W/nsd/2.199.10.in-addr.arpa.zone" <<'EOF'
$ORIGIN 2.199.10.in-addr.arpa.
$TTL 3600
@   IN SOA ns1.oracle.example. hostmaster.oracle.example. 2024060101 7200 900 1209600 300
    IN NS  ns1.oracle.example.
2   IN PTR ns1.oracle.example.
10  IN PTR www.oracle.example.
11  IN PTR www.oracle.example.
20  IN PTR mail.oracle.example.
21  IN PTR mail2.oracle.example.
21  IN PTR mx.oracle.example.
EOF

NSD_EXTRA="  tcp-count: 200" e2e_nsd_conf "$W/nsd" "$AUTH" oracle.example 2.199.10.in-addr.arpa

cat >"$W/unbound/unbound.conf" <<EOF
server:
  interface: $RES
  port: 53
  outgoing-interface: $RES_UP
  access-control: 10.199.0.0/16 allow
  do-ip6: no
  do-ip4: yes
  do-udp: yes
  do-tcp: yes
  username: ""
  chroot: ""
  directory: "$W/unbound"
  pidfile: "$W/unbound/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  so-reuseport: no
  module-config: "iterator"
  do-not-query-localhost: no
  use-caps-for-id: yes
  minimal-responses: no
  edns-buffer-size: 1232
  max-udp-size: 4096
  prefetch: no
  unblock-lan-zones: yes
  insecure-lan-zones: yes
  local-zone: "10.in-addr.arpa." nodefault
  local-zone: "example." nodefault
  incoming-num-tcp: 50
  outgoing-num-tcp: 20
remote-control:
  control-enable: no
stub-zone:
  name: "oracle.example."
  stub-addr: $AUTH
stub-zone:
  name: "2.199.10.in-addr.arpa."
  stub-addr: $AUTH
EOF

nsd-checkzone oracle.example "$W/nsd/oracle.example.zone" >"$W/checkzone.log" 2>&1 ||
  fail "nsd-checkzone: $(cat "$W/checkzone.log")"
nsd-checkzone 2.199.10.in-addr.arpa "$W/nsd/2.199.10.in-addr.arpa.zone" >>"$W/checkzone.log" 2>&1 ||
  fail "nsd-checkzone (reverse): $(cat "$W/checkzone.log")"
nsd-checkconf "$W/nsd/nsd.conf" >"$W/checkconf.log" 2>&1 || fail "nsd-checkconf: $(cat "$W/checkconf.log")"
unbound-checkconf "$W/unbound/unbound.conf" >>"$W/checkconf.log" 2>&1 ||
  fail "unbound-checkconf: $(cat "$W/checkconf.log")"

# ---------------------------------------------------------------- captures, then servers
CAP_CLIENT=$W/client.pcap CAP_UP=$W/resolver-upstream.pcap
start_bg cap-client --ns client tshark -n -i "$IF_C" -F pcap -w "$CAP_CLIENT" -a duration:240
start_bg cap-upstream --ns res tshark -n -i "$IF_RA" -F pcap -w "$CAP_UP" -a duration:240
wait_for "grep -q 'Capturing on' '$W/cap-client.log'" 30 || fail "tshark (client) did not start"
wait_for "grep -q 'Capturing on' '$W/cap-upstream.log'" 30 || fail "tshark (resolver) did not start"

start_bg nsd --ns auth nsd -d -c "$W/nsd/nsd.conf"
start_bg unbound --ns res unbound -d -c "$W/unbound/unbound.conf"
# readiness over each namespace's loopback path, so the probes stay out of the captures
wait_for "nsx auth dig @$AUTH +time=1 +tries=1 oracle.example SOA | grep -q 'status: NOERROR'" 20 ||
  fail "nsd did not answer"
wait_for "nsx res dig @$RES +time=1 +tries=1 version.server CH TXT | grep -q 'status: NOERROR'" 20 ||
  fail "unbound did not answer"
bg_alive nsd || fail "nsd exited"
bg_alive unbound || fail "unbound exited"

# ---------------------------------------------------------------- traffic
# Each command is bounded (timeout, dig +time/+tries, dnsperf -n/-l); its output goes to traffic.log.
TRAFFIC=$W/traffic.log
DIG_OPTS=(+time=2 +tries=1)
qdig() { # SERVER ARGS...: one dig from the client, output logged
  local srv=$1; shift
  printf '>>> dig @%s %s\n' "$srv" "$*" >>"$TRAFFIC"
  nsx client timeout 15 dig "@$srv" "${DIG_OPTS[@]}" "$@" >>"$TRAFFIC" 2>&1 ||
    fail "dig @$srv $* failed (see traffic.log)"
}
Z=oracle.example
TYPES=(A AAAA NS CNAME MX TXT SOA SRV CAA PTR)
e2e_log "traffic: dig (every type, UDP/EDNS/DO/TCP, TC=1, NXDOMAIN, NODATA, unknown types)"
for srv in "$RES" "$AUTH"; do
  qdig "$srv" "$Z" SOA +noedns
  qdig "$srv" "$Z" NS
  qdig "$srv" "$Z" MX +dnssec
  qdig "$srv" "$Z" TXT +nocookie
  qdig "$srv" "$Z" CAA
  qdig "$srv" "$Z" A +noedns
  qdig "$srv" www.$Z A
  qdig "$srv" www.$Z AAAA +dnssec +nocookie
  qdig "$srv" WwW.OrAcLe.ExAmPlE AAAA +noedns
  qdig "$srv" chain.$Z A
  qdig "$srv" alias.$Z CNAME
  qdig "$srv" _sip._tcp.$Z SRV
  qdig "$srv" mail2.$Z A +subnet=10.199.1.0/24
  qdig "$srv" ns2.$Z AAAA +nsid +expire
  qdig "$srv" 10.2.199.10.in-addr.arpa PTR
  qdig "$srv" -x 10.199.2.21
  qdig "$srv" 2.199.10.in-addr.arpa SOA +tcp
  qdig "$srv" foo.wild.$Z A
  qdig "$srv" bar.wild.$Z TXT +noedns
  qdig "$srv" ttl0.$Z A
  qdig "$srv" bytes.$Z TXT
  qdig "$srv" bytes.$Z CAA +tcp
  qdig "$srv" 'caf\195\169.\001ctl.oracle.example' A
  qdig "$srv" 'dot\.in\\label.oracle.example' TXT
  qdig "$srv" long.$Z TXT
  qdig "$srv" "label63-$(txt_string 55 3).$Z" A
  qdig "$srv" "$(txt_string 63 1).$(txt_string 63 2).$(txt_string 40 4).$Z" A +noedns
  # large TXT: TC=1 without EDNS (+ignore keeps dig from retrying), then dig's own TCP retry
  qdig "$srv" big.$Z TXT +noedns +notcp +ignore
  qdig "$srv" big.$Z TXT +noedns +notcp
  qdig "$srv" big.$Z TXT +bufsize=1232
  qdig "$srv" huge.$Z TXT +notcp +ignore
  qdig "$srv" huge.$Z TXT +tcp +dnssec
  qdig "$srv" huge.$Z TXT +bufsize=4096    # above the path MTU: IPv4 fragments
  qdig "$srv" huge.$Z TXT +noedns +notcp   # TC=1 then TCP
  # NXDOMAIN, NODATA (empty non-terminal, missing type), unknown types
  qdig "$srv" nx-dig1.$Z A
  qdig "$srv" nx-dig2.$Z AAAA +noedns
  qdig "$srv" nx-dig3.$Z TXT +tcp
  qdig "$srv" nx.sub2.$Z MX +dnssec
  qdig "$srv" 99.2.199.10.in-addr.arpa PTR
  qdig "$srv" a.b.c.$Z A
  qdig "$srv" www.$Z MX
  qdig "$srv" www.$Z TYPE65280
  qdig "$srv" $Z TYPE12345 +tcp
  qdig "$srv" mail.$Z HINFO
  # several queries on one TCP connection
  qdig "$srv" +tcp +keepopen +keepalive www.$Z A www.$Z AAAA $Z MX $Z SOA nx-dig4.$Z A big.$Z TXT
  qdig "$srv" +tcp +padding=128 $Z CAA
done
# direct to nsd only: a referral (delegation with glue) and ANY
qdig "$AUTH" host.sub.$Z A
qdig "$AUTH" $Z ANY +tcp
qdig "$AUTH" www.$Z ANY

e2e_log "traffic: dnsperf (UDP and TCP, against unbound and nsd)"
QF=$W/queries.txt
{
  for i in $(seq 1 3); do
    for t in "${TYPES[@]}"; do
      case $t in
        PTR) echo "$((i * 10)).2.199.10.in-addr.arpa PTR" ;;
        SRV) echo "_sip._tcp.$Z SRV" ;;
        CNAME) echo "alias.$Z CNAME" ;;
        *) echo "$Z $t"; echo "www.$Z $t" ;;
      esac
    done
    echo "chain.$Z A"
    echo "big.$Z TXT"
    echo "wild-$i.wild.$Z A"
  done
  for i in $(seq 1 40); do echo "nx-perf-$i.$Z A"; done
  for i in $(seq 1 10); do echo "$((100 + i)).2.199.10.in-addr.arpa PTR"; done
  echo "www.$Z TYPE65280"
} >"$QF"
perf() { # SERVER MODE EXTRA...: every query answered, so that the capture holds every exchange
  local srv=$1 mode=$2 out=$W/dnsperf.last; shift 2
  printf '>>> dnsperf -s %s -m %s %s\n' "$srv" "$mode" "$*" >>"$TRAFFIC"
  nsx client timeout 30 dnsperf -s "$srv" -m "$mode" -d "$QF" -n 2 -l 15 -Q 500 -c 2 -t 3 "$@" \
    >"$out" 2>&1 || fail "dnsperf -s $srv -m $mode $* failed (see traffic.log)"
  cat "$out" >>"$TRAFFIC"
  grep -Eq 'Queries lost: +0 ' "$out" ||
    fail "dnsperf -s $srv -m $mode $*: $(grep -E 'Queries (completed|lost)' "$out" | tr -s ' ' | paste -sd ';')"
}
perf "$RES" udp
perf "$RES" tcp -e
perf "$AUTH" udp -D
perf "$AUTH" tcp
sleep 1   # the last packets reach the capture

stop_bg cap-client INT 20 || fail "tshark (client) had to be killed"
stop_bg cap-upstream INT 20 || fail "tshark (resolver) had to be killed"
bg_alive nsd || fail "nsd died during the test"
bg_alive unbound || fail "unbound died during the test"
if grep -i 'dropped' "$W/cap-client.log" "$W/cap-upstream.log" | grep -vq ' 0 packets dropped\|(0\.0%)'; then
  fail "the capture dropped packets: $(grep -ih dropped "$W"/cap-*.log)"
fi

# ---------------------------------------------------------------- oracle
e2e_log "oracle: Rampart's parser vs tshark on the captures"
python3 "$ORACLE" --dump "$DNS_ORACLE_DUMP" --summary "$W/summary.json" -v \
  "$CAP_CLIENT" "$CAP_UP" | tee "$W/oracle.log" || fail "Rampart's decoding differs from tshark's (oracle.log)"

# The traffic must really contain what the test claims to cover.
python3 - "$W/summary.json" <<'EOF' || fail "the captures lack traffic the test is meant to cover"
import json, sys
s = json.load(open(sys.argv[1]))
need_types = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
              33: "SRV", 41: "OPT", 257: "CAA"}
bad = []
for name, c in s["files"].items():
    def need(cond, what):
        if not cond:
            bad.append(f"{name}: {what}")
    need(c["udp"]["query"] >= 100 and c["udp"]["response"] >= 100, "UDP queries/responses")
    need(c["tcp"]["query"] >= 50 and c["tcp"]["response"] >= 50, "TCP queries/responses")
    need(c["tc"] >= 2, "TC=1 responses")
    need(c["rcode"].get("3", 0) >= 40, "NXDOMAIN responses")
    need(c["multi_segment_tcp"] >= 1, "a DNS message spanning TCP segments")
    need(c["ipv4_fragmented"] >= 1, "a DNS message in IPv4 fragments")
    for t, n in need_types.items():
        need(c["rr_types"].get(str(t), 0) >= 1, f"an {n} record")
for b in bad:
    print("missing:", b)
sys.exit(1 if bad else 0)
EOF
e2e_log "PASS"
