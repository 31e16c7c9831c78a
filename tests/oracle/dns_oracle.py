#!/usr/bin/python3
"""Oracle test: Rampart's DNS decoding vs tshark's on real captures.

For every pcap given (files, or directories of *.pcap), tshark's PDML is reduced to one line per DNS message (frame number plus
whitelisted fields in document order) and compared with what dns_oracle_dump prints for the same
file. Any difference fails, except the narrow, documented cases in EXCEPTIONS (see README.md).
"""
import argparse
import difflib
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

FIELDS = {
    "dns.id", "dns.flags", "dns.count.queries", "dns.count.answers", "dns.count.auth_rr",
    "dns.count.add_rr", "dns.qry.name", "dns.qry.type", "dns.qry.class", "dns.resp.name",
    "dns.resp.type", "dns.resp.class", "dns.resp.ttl", "dns.resp.len", "dns.a", "dns.aaaa",
    "dns.ns", "dns.cname", "dns.ptr.domain_name", "dns.mx.preference", "dns.mx.mail_exchange",
    "dns.txt", "dns.soa.mname", "dns.soa.rname", "dns.soa.serial_number",
    "dns.soa.refresh_interval", "dns.soa.retry_interval", "dns.soa.expire_limit",
    "dns.soa.minimum_ttl", "dns.srv.priority", "dns.srv.weight", "dns.srv.port",
    "dns.srv.target", "dns.srv.service", "dns.srv.proto", "dns.srv.name", "dns.caa.flags",
    "dns.caa.tag", "dns.caa.value", "dns.length", "dns.rr.udp_payload_size", "dns.resp.ext_rcode", "dns.resp.edns0_version",
    "dns.resp.z.do", "dns.opt.code", "dns.opt.len", "dns.opt.client.family",
    "dns.opt.client.netmask", "dns.opt.client.scope", "dns.opt.client.addr4",
    "dns.opt.client.addr6", "dns.opt.cookie.client", "dns.opt.cookie.server",
    "dns.extraneous.length",
}

TSHARK_PREFS = ["-o", "tcp.desegment_tcp_streams:TRUE", "-o", "dns.desegment_dns_messages:TRUE",
                "-o", "ip.defragment:TRUE", "-o", "tcp.analyze_sequence_numbers:TRUE"]

# Captures where a TCP stream loses its framing for tshark (a segment carrying a length prefix is
# missing, or the stream is joined on a segment without one): tshark keeps reading the following
# bytes as a bogus length and never decodes that direction again, while Rampart's reassembler
# resynchronises and decodes the later messages. Only here, a line that Rampart alone prints is
# accepted, and only if it is a query that tshark itself shows answered later: a response with
# the same ID, QNAME and QTYPE in a later frame. Any missing or changed line still fails.
TCP_RESYNC_FILES = {"dnscap-dnso1tcp-bighole.pcap", "dnscap-do1t-nosyn-1nolen.pcap"}


def fields_of(line):
    frame, _, rest = line.partition("\t")
    d = {}
    for tok in rest.split("\t"):
        k, _, v = tok.partition("=")
        d.setdefault(k, v)
    return int(frame), d


def resync_extra_ok(line, tshark):
    frame, q = fields_of(line)
    if int(q.get("dns.flags", "0x0"), 16) & 0x8000:
        return False
    for t in tshark:
        tf, r = fields_of(t)
        if (tf > frame and int(r.get("dns.flags", "0x0"), 16) & 0x8000
                and all(r.get(k) == q.get(k) for k in ("dns.id", "dns.qry.name", "dns.qry.type"))):
            return True
    return False


def line_safe(show):
    """tshark leaves tab, LF and CR raw in string fields (TXT); escape them to keep one message a
    line and one field a tab-separated token. dns_oracle_dump prints the same escapes."""
    return show.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def tshark_lines(pcap, stats=None):
    out = subprocess.run(["tshark", "-r", pcap, "-n", "-T", "pdml"] + TSHARK_PREFS,
                         check=True, capture_output=True).stdout
    lines = []
    # XML attribute normalisation would turn the raw tab/LF/CR that tshark writes inside show="..."
    # (TXT strings) into spaces: make them character references first.
    out = re.sub(rb'show="[^"]*"', lambda m: m.group(0).replace(b"\t", b"&#9;")
                 .replace(b"\n", b"&#10;").replace(b"\r", b"&#13;"), out)
    root = ET.fromstring(out)
    for pkt in root.iter("packet"):
        frame = None
        for f in pkt.iter("field"):
            if f.get("name") == "num":
                frame = int(f.get("show"), 16) if f.get("show").startswith("0x") else int(f.get("show"))
                break
        protos = {p.get("name") for p in pkt.iter("proto")}
        for proto in pkt.iter("proto"):
            if proto.get("name") != "dns":
                continue
            toks = []
            for f in proto.iter("field"):
                name = f.get("name")
                if name not in FIELDS:
                    continue
                # tshark adds an empty placeholder for the optional server cookie when it is absent.
                if name == "dns.opt.cookie.server" and "<MISSING>" in (f.get("showname") or ""):
                    continue
                toks.append(f"{name}={line_safe(f.get('show'))}")
            lines.append(f"{frame}\t" + "\t".join(toks))
            if stats is not None:
                add_stats(stats, pkt, protos, proto)
    return lines


def new_stats():
    return {"messages": 0, "udp": {"query": 0, "response": 0}, "tcp": {"query": 0, "response": 0},
            "tc": 0, "rcode": {}, "qtypes": {}, "rr_types": {}, "multi_segment_tcp": 0,
            "ipv4_fragmented": 0}


def add_stats(st, pkt, protos, dns):
    """Counts one DNS message as tshark decoded it (for the report and the e2e test's checks)."""
    def first(name):
        for f in dns.iter("field"):
            if f.get("name") == name:
                return f.get("show")
        return None
    st["messages"] += 1
    flags = int(first("dns.flags") or "0", 16)
    kind = "response" if flags & 0x8000 else "query"
    st["tcp" if "tcp" in protos else "udp"][kind] += 1
    if kind == "response":
        if flags & 0x0200:
            st["tc"] += 1
        rc = str(flags & 0xf)
        st["rcode"][rc] = st["rcode"].get(rc, 0) + 1
    qt = first("dns.qry.type")
    if qt is not None:
        st["qtypes"][qt] = st["qtypes"].get(qt, 0) + 1
    for f in dns.iter("field"):
        if f.get("name") == "dns.resp.type":
            t = f.get("show")
            st["rr_types"][t] = st["rr_types"].get(t, 0) + 1
    names = {f.get("name") for f in pkt.iter("field")}
    if "tcp" in protos and "tcp.segment.count" in names:
        st["multi_segment_tcp"] += 1
    if "ip.fragment.count" in names:
        st["ipv4_fragmented"] += 1


def rampart_lines(dump, pcap):
    out = subprocess.run([dump, pcap], check=True, capture_output=True, text=True).stdout
    return out.splitlines()


def expand(paths):
    """Files as given; directories to the *.pcap files in them, sorted."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += sorted(glob.glob(os.path.join(p, "*.pcap")))
        else:
            out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--dir", action="append", default=[], help="every *.pcap in DIR (repeatable)")
    ap.add_argument("--summary", help="write per-file traffic counts (tshark's view) as JSON here")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("pcaps", nargs="*", help="pcap files or directories")
    args = ap.parse_args()
    pcaps = expand(args.dir + args.pcaps)
    if not pcaps:
        print(f"no pcaps in {args.dir + args.pcaps}")
        return 1
    failed = 0
    summary = {"files": {}}
    for pcap in pcaps:
        base = os.path.basename(pcap)
        stats = new_stats()
        ts, rp = tshark_lines(pcap, stats), rampart_lines(args.dump, pcap)
        summary["files"][base] = stats
        diff = [l for l in difflib.unified_diff(ts, rp, "tshark", "rampart", n=0, lineterm="")
                if not l.startswith("@@")]
        diff = diff[2:] if diff else diff
        remaining = []
        used = 0
        only_additions = all(l.startswith("+") for l in diff)
        for l in diff:
            if (base in TCP_RESYNC_FILES and only_additions
                    and resync_extra_ok(l[1:], ts)):
                used += 1
                continue
            remaining.append(l)
        status = "OK" if not remaining else "DIFF"
        print(f"{status:4} {base}: {len(ts)} tshark / {len(rp)} rampart messages, "
              f"{len(remaining)} differing lines, {used} documented exceptions")
        if args.verbose:
            print(f"     {format_stats(stats)}")
        if remaining:
            failed += 1
            for l in remaining[: (10**6 if args.verbose else 20)]:
                print("   " + l)
        summary["files"][base]["differences"] = len(remaining)
        summary["files"][base]["exceptions"] = used
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
    return 1 if failed else 0


TYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
              28: "AAAA", 33: "SRV", 41: "OPT", 255: "ANY", 257: "CAA"}


def format_stats(st):
    def types(d):
        return " ".join(f"{TYPE_NAMES.get(int(k), 'TYPE' + k)}:{v}"
                        for k, v in sorted(d.items(), key=lambda kv: int(kv[0])))
    return (f"udp {st['udp']['query']}q/{st['udp']['response']}r, "
            f"tcp {st['tcp']['query']}q/{st['tcp']['response']}r, TC=1 {st['tc']}, "
            f"rcodes {dict(sorted(st['rcode'].items()))}, "
            f"multi-segment TCP {st['multi_segment_tcp']}, IPv4-fragmented {st['ipv4_fragmented']}; "
            f"qtypes {types(st['qtypes'])}; RR types {types(st['rr_types'])}")


if __name__ == "__main__":
    sys.exit(main())
