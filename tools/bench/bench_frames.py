"""Ethernet/IPv4 UDP and TCP frames and classic pcap files, for the benchmark input generators
(make_query_flood.py, make_compression_bomb.py, make_tcp_lookalikes.py). Stdlib only."""

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


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload, dst_mac=SERVER_MAC, src_mac=CLIENT_MAC):
    """One frame with a 20-byte TCP header and a correct TCP checksum; `flags` as on the wire
    (0x18: PSH|ACK)."""
    tcp = bytearray(struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    data = pseudo + bytes(tcp) + (b"\x00" if len(tcp) % 2 else b"")
    tcp[16:18] = struct.pack("!H", ip_checksum(data))
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst))
    ip[10:12] = struct.pack("!H", ip_checksum(bytes(ip)))
    return dst_mac + src_mac + b"\x08\x00" + bytes(ip) + bytes(tcp)


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
