"""Ethernet/IPv4/UDP frames and classic pcap files, for the benchmark input generators
(make_query_flood.py, make_compression_bomb.py). Stdlib only."""

import struct

CLIENT_MAC, SERVER_MAC = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def ip_checksum(header):
    s = sum(struct.unpack(f"!{len(header) // 2}H", header))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src, dst, sport, dport, payload, dst_mac=SERVER_MAC, src_mac=CLIENT_MAC):
    """One frame; `src` and `dst` are 4-byte IPv4 addresses. The UDP checksum is left 0 (none)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst))
    ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
    return dst_mac + src_mac + b"\x08\x00" + bytes(ip) + udp


class PcapWriter:
    """A classic little-endian microsecond pcap file of Ethernet frames."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def write(self, us, frame):
        self.f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(frame), len(frame)) + frame)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
