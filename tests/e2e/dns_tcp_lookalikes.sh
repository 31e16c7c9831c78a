#!/usr/bin/env bash
# A hostile DNS-over-TCP stream crossing Rampart while ordinary DNS flows (AF_PACKET ports):
#
#   ns a: 10.84.0.1/24 [va] ==veth== [da] ns dut: rampart [db] ==veth== [vb] 10.84.0.2/24 nsd
#                                                                          10.84.0.3/24 TCP sink
#
# a's kernel opens a TCP connection to port 53 of a sink in b and sends 2 MiB that first lose the
# message boundary (a length prefix of 0) and then look like the start of a 65535-byte DNS message
# at every 16th offset, none of which ever completes: the input that once made the reassembler
# rescan its whole buffer on every segment and held the DNS lcore for seconds. Meanwhile dnsperf
# sends UDP queries to nsd in b through the same lcore. The stream must arrive whole, Rampart must
# count the search giving candidates up (tcp.search_limited) and the 2 MiB given up, dnsperf must
# keep its pace (late responses would slow it: they did before the fix), Rampart's query and
# response counts must equal dnsperf's report with nothing lost, and it must stop without a leak.
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=$SOURCE_ROOT/drivers-config/examples/bump-af-packet.toml
IP_A=10.84.0.1 IP_B=10.84.0.2 IP_SINK=10.84.0.3
Z=look.test
STREAM_BYTES=$((2 * 1024 * 1024))

e2e_init dnslook
e2e_require_root
e2e_require_cmd ip ethtool ping nsd nsd-checkconf dig dnsperf "$PYTHON"
e2e_require_rampart ctl

e2e_bump_topology "$IP_A" "$IP_B"
e2e_addr b "$VB" "$IP_SINK/24"

W=$E2E_WORK
NSD_EXTRA='  rrl-ratelimit: 0' e2e_serve_zone b "$IP_B" "$Z" \
  < <(for i in $(seq 1 5); do printf 'host%d IN A 10.84.1.%d\n' "$i" "$i"; done)

# The sink: accepts one connection on IP_SINK:53, reads to the end, writes how many bytes came.
cat >"$W/sink.py" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 53))
s.listen(1)
s.settimeout(60)
c, _ = s.accept()
c.settimeout(30)
n = 0
while True:
    b = c.recv(65536)
    if not b:
        break
    n += len(b)
open(sys.argv[2], "w").write(f"{n}\n")
EOF
# The client: connects from a and sends the stream (bounded by the socket timeout).
cat >"$W/client.py" <<'EOF'
import socket, sys
ip, total = sys.argv[1], int(sys.argv[2])
look = bytes([0xFF, 0xFF, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xAA, 0xAA])
stream = b"\x00\x00" + look * ((total - 2) // len(look) + 1)
stream = stream[:total]
c = socket.create_connection((ip, 53), timeout=30)
c.sendall(stream)
c.shutdown(socket.SHUT_WR)
c.recv(1)  # the sink closes once it has read everything
c.close()
EOF
start_bg sink --ns b "$PYTHON" "$W/sink.py" "$IP_SINK" "$W/sink.bytes"
wait_for "nsx b ss -ltn | grep -q '$IP_SINK:53'" 10 || fail "the TCP sink in b is not listening"

e2e_start_bump_rampart "$IP_B" -c "$CONFIG" --set "ports.a.args.iface=$DA" --set "ports.b.args.iface=$DB"

QF=$W/queries.txt
for i in $(seq 1 5); do echo "host$i.$Z A"; echo "nx-$i.$Z A"; done >"$QF"
e2e_telemetry_json /rampart/dns/stats "$W/before.dns_stats"
start_bg client --ns a "$PYTHON" "$W/client.py" "$IP_SINK" "$STREAM_BYTES"
nsx a timeout 40 dnsperf -s "$IP_B" -m udp -d "$QF" -l 8 -c 2 -Q 500 -t 2 >"$W/udp.dnsperf.txt" 2>&1 ||
  fail "dnsperf failed: $(tail -n 5 "$W/udp.dnsperf.txt")"
wait_for "! bg_alive client" 40 || fail "the client did not finish sending within 40 s of dnsperf's end"
stop_bg client TERM 5
(( E2E_STATUS == 0 )) || fail "the client exited with status $E2E_STATUS: $(tail -n 3 "$W/client.log")"
wait_for "[[ -s $W/sink.bytes ]]" 15 || fail "the sink did not report"
sleep 1  # TCP's closing segments
e2e_telemetry_json /rampart/dns/stats "$W/after.dns_stats"

e2e_python - "$W" "$STREAM_BYTES" <<'EOF' || fail "Rampart did not keep up with the hostile stream"
import sys
from e2e_report import answer, delta, dnsperf, finish, mismatches
work, total = sys.argv[1], int(sys.argv[2])
problems = []
b, a = answer(f"{work}/before.dns_stats"), answer(f"{work}/after.dns_stats")
d = lambda *path: delta(b, a, *path)
p = dnsperf(f"{work}/udp.dnsperf.txt", problems)
sink = int(open(f"{work}/sink.bytes").read())
got = {"sink bytes": sink, "queries_udp": d("queries_udp"), "responses_udp": d("responses_udp"),
       "lost (dnsperf)": p["lost"], "tcp messages": d("tcp", "messages")}
want = {"sink bytes": total, "queries_udp": p["sent"], "responses_udp": p["completed"],
        "lost (dnsperf)": 0, "tcp messages": 0}
print("rampart", got, "tcp", {k: d("tcp", k) for k in ("segments", "bytes_given_up", "search_limited",
                                                       "search_steps", "resyncs", "bad_length")})
problems += mismatches(got, want)
# dnsperf asks for 500 queries a second for 8 s; it sends fewer only when responses are late (its
# outstanding queries run out), which is what a stalled DNS lcore does: before the fix it managed
# 1237 of them while the stream crossed.
if p["sent"] < 3200:
    problems.append(f"dnsperf sent only {p['sent']} of about 4000 queries: responses were held up")
if d("tcp", "search_limited") == 0:
    problems.append("tcp.search_limited did not grow: the stream did not reach the boundary search")
given_up = d("tcp", "bytes_given_up")
if not total - 70000 <= given_up <= total:
    problems.append(f"tcp.bytes_given_up {given_up}, expected the stream ({total}) less what is still held")
if d("tcp", "search_steps") > 6 * total:
    problems.append(f"tcp.search_steps {d('tcp', 'search_steps')} above 6 per byte")
finish("dnslook", problems)
EOF

e2e_stop_rampart
e2e_log "PASS"
