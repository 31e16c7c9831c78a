#!/usr/bin/python3
"""Writes a capture of DNS-over-TCP streams built to make the reassembler's boundary search
slow: F connections to port 53 joined without their SYN, one after the other, each carrying B
bytes in full-size segments in which every 16th offset looks like a 2-byte length prefix of
65535 and a plausible DNS header (one question, no records), a message that never completes.
Deterministic.

Replayed by net_pcap with more connections than `[stages.dns] tcp_flows` (default 64), every
connection has been evicted before it comes round again, so each pass meets every stream afresh
(a flow still held would drop the replayed bytes as retransmissions). Stdlib only.

  /usr/bin/python3 tools/bench/make_tcp_lookalikes.py OUT.pcap [--flows F] [--bytes B] [--mss M]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_frames import PcapWriter, tcp_frame  # noqa: E402

SERVER = bytes([192, 0, 2, 53])
LOOKALIKE = bytes([0xFF, 0xFF, 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xAA, 0xAA])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="pcap file to write")
    ap.add_argument("--flows", type=int, default=80, help="connections (default 80)")
    ap.add_argument("--bytes", type=int, default=262144, help="stream bytes per connection (default 262144)")
    ap.add_argument("--mss", type=int, default=1460, help="payload bytes per segment (default 1460)")
    args = ap.parse_args()
    if args.flows < 1 or args.bytes < 1 or not 1 <= args.mss <= 1460:
        ap.error("--flows and --bytes must be >= 1, --mss 1..1460")
    stream = (LOOKALIKE * (args.bytes // len(LOOKALIKE) + 1))[: args.bytes]
    with PcapWriter(args.out) as out:
        us = 1700000000 * 1000000
        for f in range(args.flows):
            src = bytes([10, 1, f >> 8 & 0xFF, f & 0xFF])
            sport = 20000 + f
            seq = 0x10000000 * (f % 16) + 1000
            for off in range(0, args.bytes, args.mss):
                payload = stream[off : off + args.mss]
                out.write(us, tcp_frame(src, SERVER, sport, 53, seq + off, 1, 0x18, payload))
                us += 10


if __name__ == "__main__":
    main()
