#!/usr/bin/python3
"""Writes a capture of DNS responses built to be slow to decompress: RR k's owner name is "b" plus
a pointer to RR k-1's owner, so the names are chains of pointers up to DEPTH hops deep, and every
later owner points at the deepest one. Every name is legal (backward pointers, no loop, under 32
hops and 255 octets); decompressing them all takes far more steps than the message has bytes,
which costs a parser that follows each chain quadratic time. Used to measure what Rampart's
compression budget (`dns::limits::name_steps`) saves against libknot and ldns:

  /usr/bin/python3 tools/bench/make_compression_bomb.py /tmp/bomb.pcap
  build/tools/bench/dns_parse_compare --reps 7 --min-ms 60 --responses bomb=/tmp/bomb.pcap

Stdlib only; the same message repeated (--copies) in Ethernet/IPv4/UDP frames from port 53.
"""

import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_frames import CLIENT_MAC, SERVER_MAC, PcapWriter, udp_frame  # noqa: E402

MAX_UDP_DNS = 1472  # an Ethernet MTU's worth


def bomb_message(depth):
    question = b"\x01a\x00" + struct.pack("!HH", 1, 1)  # "a" A IN, at offset 12
    rrs = b""
    owners = []
    prev = 12
    while 12 + len(question) + len(rrs) + 18 <= MAX_UDP_DNS:
        owner = 12 + len(question) + len(rrs)
        target = prev if len(owners) < depth else owners[depth - 1]
        rrs += b"\x01b" + struct.pack("!HHHIH", 0xC000 | target, 1, 1, 60, 4) + bytes([192, 0, 2, 1])
        owners.append(owner)
        prev = owner
    return struct.pack("!HHHHHH", 1, 0x8180, 1, len(owners), 0, 0) + question + rrs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("--depth", type=int, default=30, help="pointer hops of the deepest owner (default 30)")
    ap.add_argument("--copies", type=int, default=1000, help="frames (default 1000)")
    args = ap.parse_args()
    if not 1 <= args.depth <= 31 or args.copies < 1:
        ap.error("--depth 1..31, --copies >= 1")
    fr = udp_frame(bytes([192, 0, 2, 53]), bytes([10, 0, 0, 1]), 53, 40000, bomb_message(args.depth),
                   dst_mac=CLIENT_MAC, src_mac=SERVER_MAC)
    with PcapWriter(args.out) as out:
        for i in range(args.copies):
            out.write(1700000000 * 1000000 + i, fr)


if __name__ == "__main__":
    main()
