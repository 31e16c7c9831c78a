#!/usr/bin/python3
"""Writes a capture of an unanswered DNS query flood: N queries (type A, RD set) for random,
never-repeated names under one domain (the shape of a random-subdomain attack), from random IPv4
sources, ports and TxIDs, to one server, and no response. Deterministic for a given seed.

Replayed by net_pcap, each query waits in the DNS stage's pending table until it times out: with
N above `pending_entries` the table is held at its limit, which is what dns_flood_bench.py
measures. Stdlib only (no scapy: 100,000 frames take a couple of seconds).

  /usr/bin/python3 tools/bench/make_query_flood.py OUT.pcap [--queries N] [--seed S] [--domain D]
"""

import argparse
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_frames import PcapWriter, udp_frame  # noqa: E402

ALPHABET = b"abcdefghijklmnopqrstuvwxyz0123456789"
SERVER = bytes([192, 0, 2, 53])


def wire_name(dotted):
    out = b""
    for label in dotted.strip(".").split("."):
        raw = label.encode()
        if not 0 < len(raw) <= 63:
            raise ValueError(f"bad label in {dotted!r}")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def query_frame(rng, suffix):
    label = bytes(rng.choice(ALPHABET) for _ in range(rng.randint(8, 16)))
    qname = bytes([len(label)]) + label + suffix
    dns = struct.pack("!HHHHHH", rng.getrandbits(16), 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)
    sport = rng.randint(1024, 65535)
    src = bytes([10, rng.getrandbits(8), rng.getrandbits(8), rng.randint(1, 254)])
    return udp_frame(src, SERVER, sport, 53, dns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("--queries", type=int, default=100000, help="queries (default 100000)")
    ap.add_argument("--seed", type=int, default=20261203, help="random seed")
    ap.add_argument("--domain", default="victim.example", help="the domain under attack")
    ap.add_argument("--rate", type=int, default=100000,
                    help="queries per second of capture time (timestamps only; default 100000)")
    args = ap.parse_args()
    if args.queries < 1 or args.rate < 1:
        ap.error("--queries and --rate must be >= 1")
    rng = random.Random(args.seed)
    suffix = wire_name(args.domain)
    with PcapWriter(args.out) as out:
        t0 = 1700000000 * 1000000
        for i in range(args.queries):
            out.write(t0 + i * 1000000 // args.rate, query_frame(rng, suffix))

if __name__ == "__main__":
    main()
