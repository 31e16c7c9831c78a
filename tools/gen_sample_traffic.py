#!/usr/bin/python3
"""Writes Rampart's sample traffic: a deterministic pcap mixing the protocols the
pipeline handles plus every kind of malformed frame classify must count, and a
JSON sidecar (OUT.pcap.json) with the exact number of frames of each kind, so
tests can compare Rampart's counters against an independent count.

Run with Debian's interpreter (/usr/bin/python3): it needs python3-scapy.

Counting rules written to the sidecar (every frame is in exactly one of the
exclusive categories; "valid" frames are those with no malformed-kind error):
  arp        valid ARP frames
  dns_udp    valid, unfragmented UDP frames with port 53 on either side
  dns_tcp    valid TCP frames with port 53 on either side (handshake and ACKs too)
  tcp        other valid TCP frames (web flows, SYN flood, RST)
  icmp       valid ICMP and ICMPv6 frames (echo, unreachable, neighbour discovery)
  fragments  valid IPv4 fragments (first and later), which classify must not
             hand to L4 checksum or DNS parsing as if complete
  malformed  {drop-counter name: frames}, named like Rampart's drop counters
             (ParseError names: snake_case, as DPDK telemetry accepts only
             [A-Za-z0-9_/] in dictionary keys)
The overlapping properties (ipv6, vlan, qinq, ipv4_options) count valid frames
only. l4_bad_checksum frames are malformed only when L4 checksum verification
is on; everything else is malformed under Rampart's default options.
"""

import argparse
import json
import random
import struct
import sys
from collections import Counter

try:
    from scapy.layers.dns import DNS, DNSQR, DNSRR, DNSRRMX, DNSRROPT, DNSRRSOA
    from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_Router_Alert, IPOption_RR, fragment
    from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                                    ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6,
                                    IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop)
    from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
    from scapy.packet import Raw
except ImportError as exc:  # pragma: no cover - environment problem, not a bug
    sys.exit(f"gen_sample_traffic: scapy missing ({exc}); run tools/setup.sh and use /usr/bin/python3")

SEED = 0x52414D50  # "RAMP"
EPOCH_US = 1_700_000_000 * 1_000_000  # fixed so the pcap is byte-identical run to run
SPAN_US = 10_000_000  # traffic is spread over ten seconds

BCAST = "ff:ff:ff:ff:ff:ff"
ROUTER_MAC = "02:00:00:00:fe:01"
LAN_GW_IP = "192.168.50.1"
LAN_GW_MAC = "02:00:00:00:01:01"
DNS_SERVER = "10.2.0.53"
DNS_SERVER6 = "fd00:2::53"
WEB_SERVER = "10.2.0.80"
TLS_SERVER = "10.2.0.43"
CLIENT6 = "fd00:1::10"
SERVER6 = "fd00:2::1"

MALFORMED_KINDS = [
    "eth_truncated", "vlan_truncated", "vlan_too_deep", "arp_truncated", "arp_bad_format",
    "ipv4_truncated", "ipv4_bad_version", "ipv4_bad_ihl", "ipv4_bad_total_length",
    "ipv4_bad_checksum", "ipv6_truncated", "ipv6_bad_version", "ipv6_bad_payload_length",
    "ipv6_bad_ext_header", "icmp_truncated", "udp_truncated", "udp_bad_length", "tcp_truncated",
    "tcp_bad_offset", "l4_bad_checksum",
]


def mac_for(ip):
    """Locally administered MAC derived from the address, so each host keeps one MAC."""
    if ":" in ip:
        tail = bytes.fromhex(ip.replace(":", "").rjust(8, "0")[-8:])
    else:
        tail = bytes(int(x) for x in ip.split("."))
    return "02:00:" + ":".join(f"{b:02x}" for b in tail)


class Frame:
    __slots__ = ("t", "data", "cat", "props", "seq")

    def __init__(self, t, data, cat, props=()):
        self.t, self.data, self.cat, self.props = t, data, cat, frozenset(props)


class Capture:
    def __init__(self):
        self.frames = []

    def add(self, t, pkt, cat, props=()):
        data = pkt if isinstance(pkt, (bytes, bytearray)) else bytes(pkt)
        self.frames.append(Frame(int(t), bytes(data), cat, props))


def l2(src_ip, dst_ip, vlan=None, dst_mac=None):
    """Ethernet header (optionally tagged) for a packet between two hosts."""
    eth = Ether(src=mac_for(src_ip), dst=dst_mac or mac_for(dst_ip))
    if vlan is None:
        return eth, ()
    if len(vlan) == 1:
        return eth / Dot1Q(vlan=vlan[0]), ("vlan",)
    return eth / Dot1AD(vlan=vlan[0]) / Dot1Q(vlan=vlan[1]), ("vlan", "qinq")


def pad60(b):
    """Real NICs pad short frames to 60 bytes; classify must ignore the padding."""
    return b + bytes(max(0, 60 - len(b)))


# ---------------------------------------------------------------------- ARP
def gen_arp(cap, rng, scale):
    hosts = [f"192.168.50.{i}" for i in range(10, 10 + 20 * scale)]
    for h in hosts:
        t = rng.randrange(0, SPAN_US // 2)
        cap.add(t, Ether(src=mac_for(h), dst=BCAST) /
                ARP(op=1, hwsrc=mac_for(h), psrc=h, hwdst="00:00:00:00:00:00", pdst=LAN_GW_IP), "arp")
        cap.add(t + rng.randrange(50, 400), pad60(bytes(
            Ether(src=LAN_GW_MAC, dst=mac_for(h)) /
            ARP(op=2, hwsrc=LAN_GW_MAC, psrc=LAN_GW_IP, hwdst=mac_for(h), pdst=h))), "arp")
    # gratuitous announcements, both the request and the reply form
    for i, h in enumerate(hosts[:4]):
        t = SPAN_US // 2 + i * 100_000
        op = 1 if i % 2 == 0 else 2
        cap.add(t, Ether(src=mac_for(h), dst=BCAST) /
                ARP(op=op, hwsrc=mac_for(h), psrc=h, hwdst=BCAST if op == 2 else "00:00:00:00:00:00",
                    pdst=h), "arp")
    # address-conflict probe (sender 0.0.0.0)
    cap.add(SPAN_US // 2 + 500_000, Ether(src="02:00:00:00:09:99", dst=BCAST) /
            ARP(op=1, hwsrc="02:00:00:00:09:99", psrc="0.0.0.0", pdst="192.168.50.250"), "arp")
    # a known host's IP now claims another MAC: the neighbour table must raise an alert
    moved = hosts[0]
    new_mac = "02:00:00:00:0b:ad"
    cap.add(SPAN_US - 200_000, Ether(src=new_mac, dst=BCAST) /
            ARP(op=2, hwsrc=new_mac, psrc=moved, hwdst=BCAST, pdst=moved), "arp")
    return {"mac_changes": [{"ip": moved, "old": mac_for(moved), "new": new_mac}]}


# ---------------------------------------------------------------------- DNS
DOMAINS = ["rampart.test", "example.test", "corp.internal.test", "cdn.example.test", "mail.rampart.test"]
QTYPES = ["A", "AAAA", "MX", "TXT", "NS", "SOA"]


class DnsStats:
    def __init__(self):
        self.queries = 0
        self.responses = 0
        self.qtype = Counter()
        self.rcode = Counter()
        self.truncated = 0
        self.edns = 0
        self.unanswered = 0

    def as_dict(self):
        return {"queries": self.queries, "responses": self.responses, "qtype": dict(sorted(self.qtype.items())),
                "rcode": dict(sorted(self.rcode.items())), "truncated_responses": self.truncated,
                "queries_with_edns": self.edns, "unanswered_queries": self.unanswered}


def soa(zone):
    return DNSRRSOA(rrname=zone, ttl=300, mname="ns1." + zone, rname="hostmaster." + zone,
                    serial=2024010101, refresh=3600, retry=600, expire=86400, minimum=300)


def answers_for(name, qtype, rng):
    zone = name.split(".", 1)[1] if name.count(".") > 1 else name
    if qtype == "A":
        return [DNSRR(rrname=name, type="A", ttl=60, rdata=f"10.3.{rng.randrange(256)}.{rng.randrange(1, 255)}")
                for _ in range(rng.randrange(1, 4))]
    if qtype == "AAAA":
        return [DNSRR(rrname=name, type="AAAA", ttl=60, rdata=f"fd00:3::{rng.randrange(1, 0xffff):x}")]
    if qtype == "MX":
        return [DNSRRMX(rrname=name, type="MX", ttl=300, preference=10 * (i + 1), exchange=f"mx{i}.{zone}") for i in range(2)]
    if qtype == "TXT":
        return [DNSRR(rrname=name, type="TXT", ttl=300, rdata=[b"v=spf1 -all"])]
    if qtype == "NS":
        return [DNSRR(rrname=name, type="NS", ttl=3600, rdata=f"ns{i}.{zone}") for i in (1, 2)]
    return [soa(name)]


def dns_pair(name, qtype, qid, rng, stats, *, nx=False, edns=False, tc=False, big_txt=0):
    """A query and its response as scapy DNS messages, with statistics recorded."""
    ar = DNSRROPT(rclass=4096 if not big_txt else 8192) if edns else None
    q = DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype=qtype), ar=ar)
    stats.queries += 1
    stats.qtype[qtype] += 1
    stats.edns += bool(edns)
    zone = name.split(".", 1)[1] if name.count(".") > 1 else name
    if nx:
        r = DNS(id=qid, qr=1, aa=1, rd=1, ra=1, rcode=3, qd=DNSQR(qname=name, qtype=qtype), ns=soa(zone), ar=ar)
        stats.rcode["NXDOMAIN"] += 1
    elif tc:
        r = DNS(id=qid, qr=1, aa=1, tc=1, rd=1, ra=1, rcode=0, qd=DNSQR(qname=name, qtype=qtype), ar=ar)
        stats.truncated += 1
        stats.rcode["NOERROR"] += 1
    elif big_txt:
        chunks = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(250))
                  for _ in range(big_txt)]
        an = DNSRR(rrname=name, type="TXT", ttl=300, rdata=chunks)
        r = DNS(id=qid, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype), an=an, ar=ar)
        stats.rcode["NOERROR"] += 1
    else:
        an = None
        for rr in answers_for(name, qtype, rng):
            an = rr if an is None else an / rr
        r = DNS(id=qid, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype), an=an, ar=ar)
        stats.rcode["NOERROR"] += 1
    stats.responses += 1
    return q, r


def random_name(rng, nx=False):
    label = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(3, 10)))
    zone = rng.choice(DOMAINS)
    return f"{label}.nx.{zone}" if nx else f"{label}.{zone}"


def gen_dns_udp(cap, rng, scale, stats):
    clients = [f"10.1.0.{i}" for i in range(10, 30)]
    n = 400 * scale
    tc_at = n // 2
    zero_csum_at = n // 3
    for i in range(n):
        c = rng.choice(clients)
        sport = rng.randrange(20000, 60000)
        qtype = QTYPES[i % len(QTYPES)]
        nx = rng.random() < 0.1
        edns = rng.random() < 0.3
        q, r = dns_pair(random_name(rng, nx), qtype, rng.randrange(65536), rng, stats,
                        nx=nx, edns=edns, tc=(i == tc_at))
        t = rng.randrange(0, SPAN_US - 100_000)
        udpq = UDP(sport=sport, dport=53)
        if i == zero_csum_at:
            udpq.chksum = 0  # IPv4 allows "no checksum"; must not count as a bad checksum
        cap.add(t, Ether(src=mac_for(c), dst=ROUTER_MAC) / IP(src=c, dst=DNS_SERVER, id=i & 0xffff) / udpq / q,
                "dns_udp")
        if i % 97 == 50:  # a few queries never answered (latency tracking must expire them)
            stats.responses -= 1
            stats.unanswered += 1
            stats.rcode["NXDOMAIN" if nx else "NOERROR"] -= 1
            continue
        cap.add(t + rng.randrange(300, 20_000), Ether(src=ROUTER_MAC, dst=mac_for(c)) /
                IP(src=DNS_SERVER, dst=c, id=(i + 7) & 0xffff) / UDP(sport=53, dport=sport) / r, "dns_udp")


class TcpFlow:
    """Tracks sequence numbers of one connection so every segment is consistent."""

    def __init__(self, cap, rng, cli, cport, srv, sport, *, cat, v6=False, ext=None, vlan=None):
        self.cap, self.rng, self.cat = cap, rng, cat
        self.cli, self.cport, self.srv, self.sport = cli, cport, srv, sport
        self.v6, self.ext, self.vlan = v6, ext, vlan
        self.seq = {"c": rng.randrange(1 << 32), "s": rng.randrange(1 << 32)}
        self.ack = {"c": 0, "s": 0}
        self.ipid = {"c": rng.randrange(65536), "s": rng.randrange(65536)}

    def _seg(self, t, side, flags, payload=b"", options=None):
        src, dst = (self.cli, self.srv) if side == "c" else (self.srv, self.cli)
        sp, dp = (self.cport, self.sport) if side == "c" else (self.sport, self.cport)
        eth, props = l2(src, dst, self.vlan)
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=64)
            if self.ext is not None:
                ip = ip / self.ext.copy()
            props = props + ("ipv6",)
        else:
            ip = IP(src=src, dst=dst, id=self.ipid[side], flags="DF", ttl=64)
            self.ipid[side] = (self.ipid[side] + 1) & 0xffff
        seg = TCP(sport=sp, dport=dp, seq=self.seq[side], ack=self.ack[side] if "A" in flags else 0,
                  flags=flags, window=64240, options=options or [])
        pkt = eth / ip / seg
        if payload:
            pkt = pkt / Raw(payload)
        self.cap.add(t, pkt, self.cat, props)
        adv = len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        self.seq[side] = (self.seq[side] + adv) & 0xffffffff
        other = "s" if side == "c" else "c"
        self.ack[other] = self.seq[side]

    def handshake(self, t, rtt):
        opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (self.rng.randrange(1 << 32), 0)),
                ("NOP", None), ("WScale", 7)]
        self._seg(t, "c", "S", options=opts)
        self._seg(t + rtt, "s", "SA", options=[("MSS", 1460), ("SAckOK", b""), ("NOP", None), ("WScale", 7)])
        self._seg(t + rtt + 20, "c", "A")
        return t + rtt + 40

    def send(self, t, side, payload, mss=1400, gap=30):
        for off in range(0, len(payload), mss):
            self._seg(t, side, "PA", payload[off:off + mss])
            t += gap
        return t

    def ack_only(self, t, side):
        self._seg(t, side, "A")
        return t + 20

    def close(self, t, rtt):
        self._seg(t, "c", "FA")
        self._seg(t + rtt, "s", "FA")
        self._seg(t + 2 * rtt, "c", "A")
        return t + 2 * rtt


def dns_tcp_msg(msg):
    b = bytes(msg)
    return struct.pack("!H", len(b)) + b


def gen_dns_tcp(cap, rng, scale, stats):
    def new_flow(i):
        c = f"10.1.0.{40 + i % 10}"
        return TcpFlow(cap, rng, c, 30000 + i, DNS_SERVER, 53, cat="dns_tcp")

    for i in range(5 * scale):  # plain: one query, one response per connection
        f = new_flow(i)
        t = f.handshake(rng.randrange(0, SPAN_US - 200_000), rng.randrange(200, 2000))
        q, r = dns_pair(random_name(rng), rng.choice(QTYPES), rng.randrange(65536), rng, stats)
        t = f.send(t, "c", dns_tcp_msg(q))
        t = f.send(t + 500, "s", dns_tcp_msg(r))
        t = f.ack_only(t, "c")
        f.close(t + 100, 300)

    base = 5 * scale
    # two queries pipelined in one segment; the first response split across two
    # segments, the second in its own segment
    f = new_flow(base)
    t = f.handshake(2_000_000, 800)
    q1, r1 = dns_pair(random_name(rng), "A", 0x1111, rng, stats)
    q2, r2 = dns_pair(random_name(rng), "MX", 0x2222, rng, stats)
    t = f.send(t, "c", dns_tcp_msg(q1) + dns_tcp_msg(q2))
    m1 = dns_tcp_msg(r1)
    t = f.send(t + 400, "s", m1[:len(m1) // 2])
    t = f.send(t + 40, "s", m1[len(m1) // 2:])
    t = f.send(t + 40, "s", dns_tcp_msg(r2))
    t = f.ack_only(t, "c")
    f.close(t + 100, 400)

    # the 2-byte length prefix itself split, then a response whose tail shares a
    # segment with the whole next response
    f = new_flow(base + 1)
    t = f.handshake(6_000_000, 700)
    q1, r1 = dns_pair(random_name(rng), "TXT", 0x3333, rng, stats)
    q2, r2 = dns_pair(random_name(rng), "AAAA", 0x4444, rng, stats)
    t = f.send(t, "c", dns_tcp_msg(q1))
    t = f.send(t + 20, "c", dns_tcp_msg(q2))
    m1, m2 = dns_tcp_msg(r1), dns_tcp_msg(r2)
    t = f.send(t + 400, "s", m1[:1])
    t = f.send(t + 40, "s", m1[1:] + m2)
    t = f.ack_only(t, "c")
    f.close(t + 100, 400)


# ---------------------------------------------------------------------- TCP (web)
def tls_client_hello(sni, rng):
    def u16(n):
        return struct.pack("!H", n)

    name = sni.encode()
    sni_ext = u16(len(name) + 3) + b"\x00" + u16(len(name)) + name
    exts = (u16(0) + u16(len(sni_ext)) + sni_ext +
            u16(43) + u16(3) + b"\x02\x03\x04" +  # supported_versions: TLS 1.3
            u16(10) + u16(4) + u16(2) + u16(29))  # supported_groups: x25519
    suites = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F]
    body = (b"\x03\x03" + bytes(rng.randrange(256) for _ in range(32)) + b"\x00" +
            u16(2 * len(suites)) + b"".join(u16(s) for s in suites) + b"\x01\x00" + u16(len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + u16(len(hs)) + hs


def gen_tcp(cap, rng, scale, syn_flood):
    flows = 40 * scale
    for i in range(flows):
        c = f"10.1.0.{100 + i % 50}"
        tls = i % 3 == 0
        srv, port = (TLS_SERVER, 443) if tls else (WEB_SERVER, 80)
        f = TcpFlow(cap, rng, c, 40000 + i, srv, port, cat="tcp")
        rtt = rng.randrange(200, 5000)
        t = f.handshake(rng.randrange(0, SPAN_US - 500_000), rtt)
        if tls:
            req = tls_client_hello(f"www{i}.rampart.test", rng)
            resp = b"\x16\x03\x03" + struct.pack("!H", 1200) + bytes(rng.randrange(256) for _ in range(1200))
        else:
            req = (f"GET /file{i}.html HTTP/1.1\r\nHost: www.rampart.test\r\n"
                   "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n").encode()
            body = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz\n") for _ in range(rng.randrange(100, 4000)))
            resp = (f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n"
                    "Content-Type: text/html\r\n\r\n").encode() + body
        t = f.send(t, "c", req)
        t = f.send(t + rtt, "s", resp)
        t = f.ack_only(t + rtt // 2, "c")
        f.close(t + 1000, rtt)
    # connection refused: SYN answered by RST
    f = TcpFlow(cap, rng, "10.1.0.99", 45000, WEB_SERVER, 8080, cat="tcp")
    f._seg(3_000_000, "c", "S", options=[("MSS", 1460)])
    f._seg(3_000_300, "s", "RA")

    # a small SYN flood: many spoofed sources, one SYN each, never completed
    n = syn_flood * scale
    t0 = 7_000_000
    for i in range(n):
        src = f"10.66.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        pkt = (Ether(src="02:00:00:66:00:01", dst=ROUTER_MAC) /
               IP(src=src, dst=WEB_SERVER, id=rng.randrange(65536), ttl=rng.randrange(40, 128)) /
               TCP(sport=rng.randrange(1024, 65536), dport=80, seq=rng.randrange(1 << 32), flags="S",
                   window=rng.choice([512, 1024, 8192, 64240]), options=[("MSS", 1460)]))
        cap.add(t0 + i * 1000 // max(1, scale), pkt, "tcp")
    return {"flows": flows + 1, "syn_flood_syns": n}


# ---------------------------------------------------------------------- ICMP
def gen_icmp(cap, rng, scale):
    for i in range(20 * scale):
        c = f"10.1.0.{10 + i % 20}"
        t = rng.randrange(0, SPAN_US - 10_000)
        payload = bytes(range(56))
        cap.add(t, Ether(src=mac_for(c), dst=ROUTER_MAC) / IP(src=c, dst="10.2.0.1", id=i) /
                ICMP(type=8, id=0x100 + i, seq=i) / Raw(payload), "icmp")
        cap.add(t + rng.randrange(100, 3000), Ether(src=ROUTER_MAC, dst=mac_for(c)) /
                IP(src="10.2.0.1", dst=c, id=0x4000 + i) / ICMP(type=0, id=0x100 + i, seq=i) / Raw(payload), "icmp")
    # port unreachable quoting the offending datagram's header
    quoted = bytes(IP(src="10.1.0.12", dst="10.2.0.7", id=99) / UDP(sport=33434, dport=33434) / Raw(b"x" * 12))[:28]
    cap.add(4_500_000, Ether(src=ROUTER_MAC, dst=mac_for("10.1.0.12")) /
            IP(src="10.2.0.7", dst="10.1.0.12") / ICMP(type=3, code=3) / Raw(quoted), "icmp")


# ---------------------------------------------------------------------- IPv6
def gen_ipv6(cap, rng, scale, stats):
    p6 = ("ipv6",)
    for i in range(10 * scale):
        t = rng.randrange(0, SPAN_US - 10_000)
        cap.add(t, Ether(src=mac_for(CLIENT6), dst=mac_for(SERVER6)) / IPv6(src=CLIENT6, dst=SERVER6) /
                ICMPv6EchoRequest(id=7, seq=i, data=bytes(32)), "icmp", p6)
        cap.add(t + 400, Ether(src=mac_for(SERVER6), dst=mac_for(CLIENT6)) / IPv6(src=SERVER6, dst=CLIENT6) /
                ICMPv6EchoReply(id=7, seq=i, data=bytes(32)), "icmp", p6)
    for i, target in enumerate(["fd00:1::1", "fd00:1::20", "fd00:1::21"]):
        low = target.split(":")[-1].rjust(6, "0")
        sn_ip = f"ff02::1:ff{low[0:2]}:{low[2:6]}"
        sn_mac = f"33:33:ff:{low[0:2]}:{low[2:4]}:{low[4:6]}"
        t = 1_000_000 + i * 1_000_000
        cap.add(t, Ether(src=mac_for(CLIENT6), dst=sn_mac) / IPv6(src=CLIENT6, dst=sn_ip, hlim=255) /
                ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=mac_for(CLIENT6)), "icmp", p6)
        cap.add(t + 200, Ether(src=mac_for(target), dst=mac_for(CLIENT6)) /
                IPv6(src=target, dst=CLIENT6, hlim=255) / ICMPv6ND_NA(tgt=target, R=0, S=1, O=1) /
                ICMPv6NDOptDstLLAddr(lladdr=mac_for(target)), "icmp", p6)
    for i in range(20 * scale):
        q, r = dns_pair(random_name(rng), QTYPES[i % len(QTYPES)], rng.randrange(65536), rng, stats,
                        edns=(i % 2 == 0))
        t = rng.randrange(0, SPAN_US - 50_000)
        sport = rng.randrange(20000, 60000)
        cap.add(t, Ether(src=mac_for(CLIENT6), dst=mac_for(DNS_SERVER6)) / IPv6(src=CLIENT6, dst=DNS_SERVER6) /
                UDP(sport=sport, dport=53) / q, "dns_udp", p6)
        cap.add(t + rng.randrange(300, 9000), Ether(src=mac_for(DNS_SERVER6), dst=mac_for(CLIENT6)) /
                IPv6(src=DNS_SERVER6, dst=CLIENT6) / UDP(sport=53, dport=sport) / r, "dns_udp", p6)
    # TCP whose every segment carries extension headers before the TCP header
    for j, ext in enumerate([IPv6ExtHdrDestOpt(), IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()]):
        f = TcpFlow(cap, rng, CLIENT6, 50000 + j, SERVER6, 443, cat="tcp", v6=True, ext=ext)
        t = f.handshake(5_000_000 + j * 500_000, 600)
        t = f.send(t, "c", tls_client_hello("v6.rampart.test", rng))
        t = f.send(t + 600, "s", bytes(rng.randrange(256) for _ in range(2000)))
        t = f.ack_only(t, "c")
        f.close(t + 100, 600)


# ---------------------------------------------------------------------- VLAN, options, fragments
def gen_vlan(cap, rng, scale, stats):
    for tags in ((100,), (200, 300)):
        for i in range(6 * scale):
            c = f"10.5.{tags[0] % 256}.{10 + i}"
            eth, props = l2(c, "10.2.0.1", tags)
            back, _ = l2("10.2.0.1", c, tags)
            t = rng.randrange(0, SPAN_US - 20_000)
            kind = i % 3
            if kind == 0:
                cap.add(t, eth / IP(src=c, dst="10.2.0.1", id=i) / ICMP(type=8, id=9, seq=i) / Raw(bytes(24)),
                        "icmp", props)
                cap.add(t + 300, back / IP(src="10.2.0.1", dst=c, id=i) / ICMP(type=0, id=9, seq=i) / Raw(bytes(24)),
                        "icmp", props)
            elif kind == 1:
                q, r = dns_pair(random_name(rng), "A", rng.randrange(65536), rng, stats)
                sp = rng.randrange(20000, 60000)
                cap.add(t, eth / IP(src=c, dst=DNS_SERVER, id=i) / UDP(sport=sp, dport=53) / q, "dns_udp", props)
                cap.add(t + 900, back / IP(src=DNS_SERVER, dst=c, id=i) / UDP(sport=53, dport=sp) / r,
                        "dns_udp", props)
            else:
                gw = f"10.5.{tags[0] % 256}.1"
                bc, _ = l2(c, gw, tags, dst_mac=BCAST)
                cap.add(t, bc / ARP(op=1, hwsrc=mac_for(c), psrc=c, pdst=gw), "arp", props)
    # old-style QinQ with 0x8100 as the outer TPID too
    eth = Ether(src=mac_for("10.5.9.10"), dst=ROUTER_MAC) / Dot1Q(vlan=10) / Dot1Q(vlan=20)
    cap.add(8_100_000, eth / IP(src="10.5.9.10", dst="10.2.0.1") / ICMP(type=8, id=3, seq=1), "icmp",
            ("vlan", "qinq"))


def gen_ipv4_options(cap, rng, stats):
    props = ("ipv4_options",)
    for i in range(3):
        c = f"10.1.0.{60 + i}"
        cap.add(1_500_000 + i * 10_000, Ether(src=mac_for(c), dst=ROUTER_MAC) /
                IP(src=c, dst="10.2.0.1", options=[IPOption_RR(routers=["0.0.0.0"] * 9)]) /
                ICMP(type=8, id=44, seq=i) / Raw(bytes(16)), "icmp", props)
    for i in range(2):
        c = f"10.1.0.{70 + i}"
        q, r = dns_pair(random_name(rng), "A", rng.randrange(65536), rng, stats)
        cap.add(2_500_000 + i * 10_000, Ether(src=mac_for(c), dst=ROUTER_MAC) /
                IP(src=c, dst=DNS_SERVER, options=[IPOption_Router_Alert()]) / UDP(sport=5353 + i, dport=53) / q,
                "dns_udp", props)
        cap.add(2_500_500 + i * 10_000, Ether(src=ROUTER_MAC, dst=mac_for(c)) / IP(src=DNS_SERVER, dst=c) /
                UDP(sport=53, dport=5353 + i) / r, "dns_udp")


def gen_fragments(cap, rng, stats):
    c = "10.1.0.80"
    q, r = dns_pair(random_name(rng), "TXT", 0x5555, rng, stats, edns=True, big_txt=12)
    cap.add(8_500_000, Ether(src=mac_for(c), dst=ROUTER_MAC) / IP(src=c, dst=DNS_SERVER, id=0x600) /
            UDP(sport=5300, dport=53) / q, "dns_udp")
    whole = IP(src=DNS_SERVER, dst=c, id=0x601) / UDP(sport=53, dport=5300) / r
    frags = fragment(whole, fragsize=1480)
    for k, fr in enumerate(frags):
        cap.add(8_500_800 + k * 20, Ether(src=ROUTER_MAC, dst=mac_for(c)) / fr, "fragments")
    return {"fragmented_dns_responses": 1, "fragments": len(frags), "reassembled_udp_length": len(bytes(whole)) - 20}


# ---------------------------------------------------------------------- malformed
def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4_hdr(total_len, proto, src="10.1.0.200", dst="10.2.0.1", ihl=5, version=4, ident=0x777,
             options=b"", fix_checksum=True, checksum=None):
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total_len, ident, 0, 64, proto, 0,
                                bytes(int(x) for x in src.split(".")), bytes(int(x) for x in dst.split("."))))
    hdr += options
    if checksum is not None:
        struct.pack_into("!H", hdr, 10, checksum)
    elif fix_checksum:
        struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    return bytes(hdr)


def eth_hdr(ethertype=0x0800, src="10.1.0.200", dst="10.2.0.1"):
    return Ether(src=mac_for(src), dst=mac_for(dst), type=ethertype).build()


def gen_malformed(cap, rng):
    bad = Counter()

    def add(kind, data, t=None):
        bad[kind] += 1
        cap.add(t if t is not None else rng.randrange(0, SPAN_US), data, "malformed:" + kind)

    good_icmp = bytes(ICMP(type=8, id=1, seq=1) / Raw(bytes(8)))
    good_ip = bytes(IP(src="10.1.0.200", dst="10.2.0.1", id=5) / UDP(sport=1111, dport=53) / DNS(id=7, qd=DNSQR(qname="x.rampart.test")))
    eth = eth_hdr()

    for n in (0 + 1, 6, 12, 13):
        add("eth_truncated", (eth + good_ip)[:n])

    tagged = Ether(src=mac_for("10.1.0.200"), dst=ROUTER_MAC, type=0x8100).build()
    add("vlan_truncated", tagged + b"\x00\x64")                       # half a tag
    add("vlan_truncated", tagged + b"\x00\x64\x08")                   # tag, half an ethertype
    add("vlan_truncated", Ether(src=mac_for("10.1.0.201"), dst=ROUTER_MAC, type=0x88a8).build() +
        b"\x00\xc8\x81\x00\x01")                                      # outer tag, inner cut short

    for tpids in ((0x88a8, 0x8100, 0x8100), (0x8100, 0x8100, 0x8100), (0x9100, 0x8100, 0x8100)):
        frame = Ether(src=mac_for("10.1.0.202"), dst=ROUTER_MAC, type=tpids[0]).build()
        for k, nxt in enumerate(list(tpids[1:]) + [0x0800]):
            frame += struct.pack("!HH", 100 + k, nxt)
        add("vlan_too_deep", frame + good_ip)

    arp_ok = bytes(ARP(op=1, hwsrc=mac_for("192.168.50.77"), psrc="192.168.50.77", pdst=LAN_GW_IP))
    arp_eth = Ether(src=mac_for("192.168.50.77"), dst=BCAST, type=0x0806).build()
    for n in (0, 8, 20, 27):
        add("arp_truncated", arp_eth + arp_ok[:n])
    for field, value in ((0, 6), (2, 0x86dd), (4, 8), (5, 6)):  # htype, ptype, hlen, plen
        a = bytearray(arp_ok)
        if field in (0, 2):
            struct.pack_into("!H", a, field, value)
        else:
            a[field] = value
        add("arp_bad_format", pad60(arp_eth + bytes(a)))

    udp_payload = good_ip[20:]
    for n in (0, 10, 19):
        add("ipv4_truncated", eth + good_ip[:n])
    # IHL says 24 bytes of header but only 20 arrive
    add("ipv4_truncated", eth + ipv4_hdr(24, 17, ihl=6))
    # IHL 15 (60 bytes): header with options cut after 40
    add("ipv4_truncated", eth + ipv4_hdr(60, 17, ihl=15, options=bytes(40))[:40])

    for v in (6, 5, 0):
        add("ipv4_bad_version", eth + ipv4_hdr(20 + len(udp_payload), 17, version=v) + udp_payload)

    for ihl in (0, 3, 4):
        add("ipv4_bad_ihl", eth + ipv4_hdr(20 + len(udp_payload), 17, ihl=ihl) + udp_payload)

    for tl in (20 + len(udp_payload) + 1, 1500, 12):
        add("ipv4_bad_total_length", eth + ipv4_hdr(tl, 17) + udp_payload)

    for k in range(4):
        h = bytearray(ipv4_hdr(20 + len(udp_payload), 17, ident=0x900 + k))
        h[10] ^= 0x5a
        h[11] ^= 0xa5 ^ k
        add("ipv4_bad_checksum", eth + bytes(h) + udp_payload)

    v6_good = bytes(IPv6(src=CLIENT6, dst=SERVER6) / ICMPv6EchoRequest(id=1, seq=1, data=bytes(8)))
    eth6 = eth_hdr(0x86dd, CLIENT6, SERVER6)
    for n in (0, 20, 39):
        add("ipv6_truncated", eth6 + v6_good[:n])

    for v in (4, 7):
        b = bytearray(v6_good)
        b[0] = (v << 4) | (b[0] & 0x0f)
        add("ipv6_bad_version", eth6 + bytes(b))

    for extra in (1, 100, 60000):
        b = bytearray(v6_good)
        struct.pack_into("!H", b, 4, len(v6_good) - 40 + extra)
        add("ipv6_bad_payload_length", eth6 + bytes(b))

    def v6_with(payload, nh):
        return eth6 + bytes(IPv6(src=CLIENT6, dst=SERVER6, nh=nh, plen=len(payload))) + payload

    # hop-by-hop header claiming 16 bytes where 8 arrive
    add("ipv6_bad_ext_header", v6_with(bytes([58, 1]) + bytes(6), 0))
    # destination options cut to 4 bytes
    add("ipv6_bad_ext_header", v6_with(bytes([6, 0, 1, 2]), 60))
    # nine chained destination-option headers (the parser stops at eight)
    chain = b"".join(bytes([60, 0, 1, 4]) + bytes(4) for _ in range(8)) + bytes([59, 0, 1, 4]) + bytes(4)
    add("ipv6_bad_ext_header", v6_with(chain, 60))
    # fragment header cut short
    add("ipv6_bad_ext_header", v6_with(bytes([17, 0, 0, 0]), 44))

    for n in (0, 4, 7):
        data = good_icmp[:n]
        add("icmp_truncated", eth + ipv4_hdr(20 + len(data), 1) + data)
    b6 = bytes([128, 0])
    add("icmp_truncated", eth6 + bytes(IPv6(src=CLIENT6, dst=SERVER6, nh=58, plen=2)) + b6)

    for n in (0, 4, 7):
        data = udp_payload[:n]
        add("udp_truncated", eth + ipv4_hdr(20 + len(data), 17) + data)

    for ulen in (4, 0, len(udp_payload) + 10):
        u = bytearray(udp_payload)
        struct.pack_into("!HH", u, 4, ulen, 0)  # checksum 0: "none", so only the length is wrong
        add("udp_bad_length", eth + ipv4_hdr(20 + len(u), 17) + bytes(u))

    tcp_ok = bytes(TCP(sport=40000, dport=80, seq=1, flags="S", options=[("MSS", 1460)]))

    def tcp_pseudo_fix(seg, src="10.1.0.200", dst="10.2.0.1"):
        seg = bytearray(seg)
        struct.pack_into("!H", seg, 16, 0)
        ph = (bytes(int(x) for x in src.split(".")) + bytes(int(x) for x in dst.split(".")) +
              struct.pack("!BBH", 0, 6, len(seg)))
        struct.pack_into("!H", seg, 16, csum(ph + bytes(seg)))
        return bytes(seg)

    for n in (0, 12, 19):
        data = tcp_ok[:n]
        add("tcp_truncated", eth + ipv4_hdr(20 + len(data), 6) + data)

    for doff in (0, 4, 15):
        seg = bytearray(tcp_ok)
        seg[12] = (doff << 4) | (seg[12] & 0x0f)
        seg = tcp_pseudo_fix(seg)
        add("tcp_bad_offset", eth + ipv4_hdr(20 + len(seg), 6) + seg)

    # checksums wrong by one bit; everything else exact
    u = bytearray(udp_payload)
    u[6] ^= 0x01
    add("l4_bad_checksum", eth + ipv4_hdr(20 + len(u), 17) + bytes(u))
    seg = bytearray(tcp_pseudo_fix(tcp_ok))
    seg[17] ^= 0x01
    add("l4_bad_checksum", eth + ipv4_hdr(20 + len(seg), 6) + bytes(seg))
    ic = bytearray(good_icmp)
    ic[3] ^= 0x01
    add("l4_bad_checksum", eth + ipv4_hdr(20 + len(ic), 1) + bytes(ic))
    u6 = bytearray(bytes(IPv6(src=CLIENT6, dst=SERVER6) / UDP(sport=1, dport=53) / Raw(b"abcd")))
    u6[46] ^= 0x01
    add("l4_bad_checksum", eth6 + bytes(u6))
    i6 = bytearray(v6_good)
    i6[42] ^= 0x01
    add("l4_bad_checksum", eth6 + bytes(i6))
    return bad


# ---------------------------------------------------------------------- independent check
def check_frame(b):
    """Every malformed kind that applies to frame `b` (L4 checksums verified too).

    Written from Rampart's documented parse rules, not from the generator, so a
    scapy auto-fix or a slip in a builder shows up as a mismatch."""
    errs = []
    n = len(b)
    if n < 14:
        return ["eth_truncated"], {}
    off, et, tags = 12, struct.unpack_from("!H", b, 12)[0], 0
    while et in (0x8100, 0x88a8, 0x9100):
        if n < off + 6:
            return ["vlan_truncated"], {}
        tags += 1
        et = struct.unpack_from("!H", b, off + 4)[0]
        off += 4
    info = {"vlan": tags > 0, "qinq": tags == 2}
    if tags > 2:
        errs.append("vlan_too_deep")
    l3 = off + 2
    avail = n - l3
    if et == 0x0806:
        if avail < 28:
            return errs + ["arp_truncated"], info
        htype, ptype, hlen, plen, op = struct.unpack_from("!HHBBH", b, l3)
        if (htype, ptype, hlen, plen) != (1, 0x0800, 6, 4):
            errs.append("arp_bad_format")
        info["kind"] = "arp"
        info["arp_op"] = op
        info["arp_gratuitous"] = b[l3 + 14:l3 + 18] == b[l3 + 24:l3 + 28]
        info["arp_probe"] = b[l3 + 14:l3 + 18] == bytes(4)
        return errs, info
    if et == 0x0800:
        if avail < 20:
            return errs + ["ipv4_truncated"], info
        ver, ihl = b[l3] >> 4, b[l3] & 0x0f
        if ver != 4:
            errs.append("ipv4_bad_version")
        if ihl < 5:
            return errs + ["ipv4_bad_ihl"], info
        if avail < ihl * 4:
            return errs + ["ipv4_truncated"], info
        tot = struct.unpack_from("!H", b, l3 + 2)[0]
        if csum(b[l3:l3 + ihl * 4]) != 0:
            errs.append("ipv4_bad_checksum")
        if tot < ihl * 4 or tot > avail:
            return errs + ["ipv4_bad_total_length"], info
        info["ipv4_options"] = ihl > 5
        frag = struct.unpack_from("!H", b, l3 + 6)[0]
        mf, foff = frag & 0x2000, frag & 0x1fff
        info["fragment"] = bool(mf or foff)
        if foff:
            info["kind"] = "fragment"
            return errs, info
        proto = b[l3 + 9]
        pseudo = b[l3 + 12:l3 + 20] + struct.pack("!BB", 0, proto)
        return errs + l4_errors(b[l3 + ihl * 4:l3 + tot], proto, pseudo, False, info), info
    if et == 0x86dd:
        if avail < 40:
            return errs + ["ipv6_truncated"], info
        if b[l3] >> 4 != 6:
            errs.append("ipv6_bad_version")
        plen = struct.unpack_from("!H", b, l3 + 4)[0]
        if plen > avail - 40:
            return errs + ["ipv6_bad_payload_length"], info
        info["ipv6"] = True
        nh, p, end, count = b[l3 + 6], l3 + 40, l3 + 40 + plen, 0
        while nh in (0, 43, 44, 60, 51):
            count += 1
            if count > 8 or p + 8 > end:
                return errs + ["ipv6_bad_ext_header"], info
            hl = 8 if nh == 44 else ((b[p + 1] + 2) * 4 if nh == 51 else (b[p + 1] + 1) * 8)
            if p + hl > end:
                return errs + ["ipv6_bad_ext_header"], info
            nh, p = b[p], p + hl
        pseudo_src_dst = b[l3 + 8:l3 + 40]
        return errs + l4_errors(b[p:end], nh, pseudo_src_dst, True, info), info
    info["kind"] = "other-ethertype"
    return errs, info


def l4_errors(seg, proto, pseudo, v6, info):
    def pseudo_sum():
        if v6:
            return pseudo + struct.pack("!IxxxB", len(seg), proto)
        return pseudo + struct.pack("!H", len(seg))

    frag = info.get("fragment")
    if proto in (1, 58):
        info["kind"] = "icmp"
        if len(seg) < (4 if proto == 58 else 8):
            return ["icmp_truncated"]
        data = (pseudo_sum() if proto == 58 else b"") + seg
        return ["l4_bad_checksum"] if not frag and csum(data) != 0 else []
    if proto == 17:
        if len(seg) < 8:
            return ["udp_truncated"]
        sp, dp, ulen, ck = struct.unpack_from("!HHHH", seg)
        info["kind"] = "fragment" if frag else ("dns_udp" if 53 in (sp, dp) else "udp")
        # a first fragment holds only part of the datagram the UDP length covers
        if ulen < 8 or (ulen > len(seg) and not frag):
            return ["udp_bad_length"]
        if frag or (ck == 0 and not v6):
            return []
        seg = seg[:ulen]
        return ["l4_bad_checksum"] if csum(pseudo_sum() + seg) != 0 else []
    if proto == 6:
        if len(seg) < 20:
            return ["tcp_truncated"]
        sp, dp = struct.unpack_from("!HH", seg)
        info["kind"] = "fragment" if frag else ("dns_tcp" if 53 in (sp, dp) else "tcp")
        doff = seg[12] >> 4
        if doff < 5 or doff * 4 > len(seg):
            return ["tcp_bad_offset"]
        return ["l4_bad_checksum"] if not frag and csum(pseudo_sum() + seg) != 0 else []
    info["kind"] = "ip-other"
    return []


def verify(frames, arp_stats):
    """Fails loudly unless each frame is exactly what its label says."""
    problems = []
    for i, f in enumerate(frames):
        errs, info = check_frame(f.data)
        if f.cat.startswith("malformed:"):
            want = f.cat.split(":", 1)[1]
            if errs != [want]:
                problems.append(f"frame {i + 1}: labelled {want}, checker found {errs}")
            continue
        if errs:
            problems.append(f"frame {i + 1}: labelled {f.cat} but checker found {errs}")
            continue
        kind = info.get("kind")
        if kind == "arp":
            arp_stats["requests" if info["arp_op"] == 1 else "replies"] += 1
            arp_stats["gratuitous"] += info["arp_gratuitous"]
            arp_stats["probes"] += info["arp_probe"]
        expect = {"fragments": "fragment"}.get(f.cat, f.cat)
        if kind != expect:
            problems.append(f"frame {i + 1}: labelled {f.cat}, checker sees {kind}")
        for prop in ("ipv6", "vlan", "qinq", "ipv4_options"):
            if bool(info.get(prop)) != (prop in f.props):
                problems.append(f"frame {i + 1}: property {prop} mismatch")
    return problems


def write_pcap(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for f in frames:
            ts = EPOCH_US + f.t
            out.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(f.data), len(f.data)))
            out.write(f.data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="pcap to write; the counts go to OUT.json")
    ap.add_argument("--count-scale", type=int, default=1, metavar="K",
                    help="multiply the bulk traffic (DNS, flows, SYN flood) by K (default 1)")
    ap.add_argument("--syn-flood", type=int, default=600, help="SYNs in the flood per scale unit")
    args = ap.parse_args()
    if args.count_scale < 1:
        ap.error("--count-scale must be >= 1")

    rng = random.Random(SEED)
    cap = Capture()
    dns = DnsStats()
    arp_info = gen_arp(cap, rng, args.count_scale)
    gen_dns_udp(cap, rng, args.count_scale, dns)
    gen_dns_tcp(cap, rng, args.count_scale, dns)
    tcp_info = gen_tcp(cap, rng, args.count_scale, args.syn_flood)
    gen_icmp(cap, rng, args.count_scale)
    gen_ipv6(cap, rng, args.count_scale, dns)
    gen_vlan(cap, rng, args.count_scale, dns)
    gen_ipv4_options(cap, rng, dns)
    frag_info = gen_fragments(cap, rng, dns)
    bad = gen_malformed(cap, rng)

    for i, f in enumerate(cap.frames):
        f.seq = i
    frames = sorted(cap.frames, key=lambda f: (f.t, f.seq))

    arp_stats = Counter(requests=0, replies=0, gratuitous=0, probes=0)
    problems = verify(frames, arp_stats)
    arp_info.update(arp_stats)
    if problems:
        print("\n".join(problems[:40]), file=sys.stderr)
        sys.exit(f"gen_sample_traffic: {len(problems)} frames are not what they claim to be")

    cats = Counter(f.cat for f in frames if not f.cat.startswith("malformed:"))
    props = Counter(p for f in frames if not f.cat.startswith("malformed:") for p in f.props)
    valid = sum(cats.values())
    summary = {
        "frames": len(frames),
        "valid": valid,
        "arp": cats["arp"],
        "dns_udp": cats["dns_udp"],
        "dns_tcp": cats["dns_tcp"],
        "tcp": cats["tcp"],
        "icmp": cats["icmp"],
        "fragments": cats["fragments"],
        "ipv6": props["ipv6"],
        "vlan": props["vlan"],
        "qinq": props["qinq"],
        "ipv4_options": props["ipv4_options"],
        "malformed_total": sum(bad.values()),
        "malformed": {k: bad[k] for k in MALFORMED_KINDS if bad[k]},
        "malformed_needing_l4_verification": bad["l4_bad_checksum"],
        "bytes": sum(len(f.data) for f in frames),
        "dns": dict(dns.as_dict(), **frag_info),
        "arp_detail": arp_info,
        "tcp_detail": tcp_info,
        "generator": {"seed": SEED, "count_scale": args.count_scale, "first_ts_us": EPOCH_US + frames[0].t,
                      "last_ts_us": EPOCH_US + frames[-1].t},
    }
    assert valid + summary["malformed_total"] == len(frames)
    assert set(cats) <= {"arp", "dns_udp", "dns_tcp", "tcp", "icmp", "fragments"}, cats

    write_pcap(args.out, frames)
    with open(args.out + ".json", "w") as out:
        json.dump(summary, out, indent=2, sort_keys=False)
        out.write("\n")
    print(f"gen_sample_traffic: wrote {len(frames)} frames ({summary['malformed_total']} malformed) to {args.out}")


if __name__ == "__main__":
    main()
