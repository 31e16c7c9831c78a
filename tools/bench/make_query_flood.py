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
import random
import struct

ALPHABET = b"abcdefghijklmnopqrstuvwxyz0123456789"
SERVER = bytes([192, 0, 2, 53])
CLIENT_MAC, SERVER_MAC = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def ip_checksum(header):
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


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
    udp = struct.pack("!HHHH", rng.randint(1024, 65535), 53, 8 + len(dns), 0) + dns
    src = bytes([10, rng.getrandbits(8), rng.getrandbits(8), rng.randint(1, 254)])
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, SERVER))
    ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
    return SERVER_MAC + CLIENT_MAC + b"\x08\x00" + bytes(ip) + udp


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
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t0 = 1700000000 * 1000000
        for i in range(args.queries):
            frame = query_frame(rng, suffix)
            us = t0 + i * 1000000 // args.rate
            f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
