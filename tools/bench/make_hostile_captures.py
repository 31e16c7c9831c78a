#!/usr/bin/python3
"""Writes captures of hostile traffic for the DNS stage's lcore, one kind per file, to replay with
`dns_flood_bench.py --sample` (its table then compares the lcore's pace with testpmd io on the
same capture; queries/timeouts columns only mean something for the DNS kinds). Deterministic for
a seed; stdlib only.

  /usr/bin/python3 tools/bench/make_hostile_captures.py KIND OUT.pcap [--frames N] [--seed S]

Kinds (N frames of each):
  random-domains   queries for random names under random registered domains from random clients
  nx-pairs         the same, each answered NXDOMAIN
  unmatched        NXDOMAIN responses towards random clients that never asked (reflection)
  tcp-churn        one TCP segment with a DNS query per connection, from random clients: every
                   segment creates a reassembly flow and evicts another
  frag-first       first IPv4 fragments of UDP/53 datagrams that never complete
  frag-middle      7 middle fragments per datagram, out of order, never a first or a last
  arp-flap         ARP from the same 250 addresses of the demo LAN, each frame with a new MAC
  arp-conflict     ARP claiming the demo port's own address from ever new MACs
  arp-offnet       ARP from addresses all over 10/8
"""

import argparse
import itertools
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_frames import CLIENT_MAC, SERVER_MAC, PcapWriter, ip_checksum, tcp_frame, udp_frame  # noqa: E402

ALPHABET = b"abcdefghijklmnopqrstuvwxyz0123456789"
SERVER = bytes([192, 0, 2, 53])
DEMO_GATEWAY_IP = bytes([192, 168, 50, 1])  # drivers-config/examples/demo.toml
DEMO_GATEWAY_MAC = bytes.fromhex("020000000101")


def label(rng, lo, hi):
    return bytes(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def random_qname(rng):
    tld = rng.choice([b"com", b"net", b"org", b"io", b"de"])
    return b"".join(bytes([len(x)]) + x for x in (label(rng, 3, 12), label(rng, 5, 14), tld)) + b"\0"


def client(rng):
    return bytes([10, rng.getrandbits(8), rng.getrandbits(8), rng.randint(1, 254)])


def query(tid, qname):
    return struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)


def nxdomain(tid, qname):
    soa = b"\xc0\x0c" + struct.pack("!HHIH", 6, 1, 300, 22) + b"\0\0" + struct.pack("!IIIII", 1, 2, 3, 4, 5)
    return struct.pack("!HHHHHH", tid, 0x8183, 1, 0, 1, 0) + qname + struct.pack("!HH", 1, 1) + soa


def fragment(src, dst, ident, flags_off, payload):
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags_off, 64, 17, 0,
                               src, dst))
    ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
    return SERVER_MAC + CLIENT_MAC + b"\x08\x00" + bytes(ip) + payload


def arp(rng, kind):
    mac = bytes([2]) + bytes(rng.getrandbits(8) for _ in range(5))
    if kind == "arp-flap":
        sender = bytes([192, 168, 50, rng.randint(2, 251)])
    elif kind == "arp-conflict":
        sender = DEMO_GATEWAY_IP
    else:
        sender = client(rng)
    op = rng.choice([1, 2])
    target_mac = bytes(6) if op == 1 else DEMO_GATEWAY_MAC
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac + sender + target_mac + DEMO_GATEWAY_IP
    dst = b"\xff" * 6 if op == 1 else DEMO_GATEWAY_MAC
    return dst + mac + b"\x08\x06" + body + bytes(18)


def frames(kind, rng):
    """Yields the frames of `kind`, without end."""
    while True:
        tid, sport, src = rng.getrandbits(16), rng.randint(1024, 65535), client(rng)
        if kind in ("random-domains", "nx-pairs", "unmatched"):
            qname = random_qname(rng)
            if kind != "unmatched":
                yield udp_frame(src, SERVER, sport, 53, query(tid, qname))
            if kind != "random-domains":
                yield udp_frame(SERVER, src, 53, sport, nxdomain(tid, qname), dst_mac=CLIENT_MAC,
                                src_mac=SERVER_MAC)
        elif kind == "tcp-churn":
            q = query(tid, b"\x03www\x07example\x03com\x00")
            yield tcp_frame(src, SERVER, sport, 53, rng.getrandbits(32), 1, 0x18, struct.pack("!H", len(q)) + q)
        elif kind == "frag-first":
            udp = struct.pack("!HHHH", 53, sport, 8 + 2000, 0) + bytes(1472)
            yield fragment(SERVER, src, tid, 0x2000, udp)
        elif kind == "frag-middle":
            for k in rng.sample(range(1, 40), 7):
                yield fragment(SERVER, src, tid, 0x2000 | (k * 185), bytes(1480))
        else:
            yield arp(rng, kind)


KINDS = ("random-domains", "nx-pairs", "unmatched", "tcp-churn", "frag-first", "frag-middle",
         "arp-flap", "arp-conflict", "arp-offnet")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=KINDS)
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("--frames", type=int, default=100000, help="frames (default 100000)")
    ap.add_argument("--seed", type=int, default=20261203, help="random seed")
    args = ap.parse_args()
    if args.frames < 1:
        ap.error("--frames must be >= 1")
    rng = random.Random(args.seed)
    with PcapWriter(args.out) as out:
        us = 1700000000 * 1000000
        for f in itertools.islice(frames(args.kind, rng), args.frames):
            out.write(us, f)
            us += 10


if __name__ == "__main__":
    main()
