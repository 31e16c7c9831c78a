#!/usr/bin/python3
"""DNS stage under DNS-over-TCP streams built to stall its reassembler: per-second Mpps of Rampart
with the DNS stage on one worker lcore while every frame is a full-size TCP segment to port 53
whose bytes look like the start of a DNS message at every 16th offset, side by side with
`dpdk-testpmd --forward-mode=io` on the same capture, in the same run.

Such a stream, joined without its SYN, makes the reassembler hunt for a message boundary over
thousands of candidates that never complete. The hunt must cost the same per byte however long
the stream runs (before the fix it rescanned the whole buffer on every segment and the lcore
forwarded about 200 segments a second: see docs/benchmarks.md).

Input: tools/bench/make_tcp_lookalikes.py (default 80 connections of 256 KiB, more than the
default 64 `tcp_flows`, so every connection is met afresh on each pass of the replay), or --sample.

Run from the repository root as root (the DPDK runtime directory):
  /usr/bin/python3 tools/bench/dns_tcp_flood_bench.py --build build --runs 3 --seconds 10
It writes the section between <!-- dns-tcp-flood-bench:begin --> and
<!-- dns-tcp-flood-bench:end --> in docs/benchmarks.md (other sections are kept); --no-write only
prints.
"""

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_bench as pb  # noqa: E402
import dns_stage_bench as dsb  # noqa: E402
import dns_flood_bench as dfb  # noqa: E402

BEGIN = "<!-- dns-tcp-flood-bench:begin -->"
END = "<!-- dns-tcp-flood-bench:end -->"
ROW_TESTPMD = pb.ROW_TESTPMD
ROW_TCP = "Rampart DNS stage, TCP lookalike streams"
TCP_COUNTERS = ("segments", "flows_created", "bytes_given_up", "search_limited", "search_steps")


def tcp_per_second(res):
    """The reassembler's counters per second over the window, and search steps per byte."""
    d = dsb.dns_delta(res, TCP_COUNTERS, section="tcp")
    per_s = {k: v / len(res["rates"]) for k, v in d.items()}
    per_s["steps_per_byte"] = d["search_steps"] / d["bytes_given_up"] if d["bytes_given_up"] else 0.0
    return per_s


def render(args, reps, tsc_hz, facts):
    L = dfb.section_head("DNS stage under DNS-over-TCP lookalike streams", "dns_tcp_flood_bench.py",
                         args, tsc_hz, facts)
    base = [r[ROW_TESTPMD]["pps"] for r in reps]
    tcp = [r[ROW_TCP]["pps"] for r in reps]
    slowest = [min(r[ROW_TCP]["rates"]) for r in reps]
    ratios = [t / b for t, b in zip(tcp, base)]
    L.append("| Run | Mpps (median) | slowest second (Mpps) | payload Gbit/s (median) | ratio vs testpmd io |")
    L.append("|---|---:|---:|---:|---:|")
    # Ethernet 14 + IPv4 20 + TCP 20 in front of every payload of the generated capture.
    payload = facts["frame_bytes"] / facts["frames"] - 54
    gbit = 8 * payload / 1e9
    L.append(f"| {ROW_TESTPMD} | {statistics.median(base) / 1e6:.2f} | "
             f"{min(min(r[ROW_TESTPMD]['rates']) for r in reps) / 1e6:.2f} | "
             f"{statistics.median(base) * gbit:.2f} | 1.00x |")
    L.append(f"| {ROW_TCP} | {statistics.median(tcp) / 1e6:.3f} | {min(slowest) / 1e6:.3f} | "
             f"{statistics.median(tcp) * gbit:.2f} | {pb.fmt_ratio(statistics.median(ratios))} |")
    L.append("")
    L.append(f"Payload Gbit/s: frames per second times the average TCP payload ({payload:.0f} "
             "bytes). Per repetition (Rampart's one-second rates in Mpps, and the reassembler's "
             "counters per second over the window, from the `tcp` object of `/rampart/dns/stats`; "
             "steps per byte: `search_steps` over `bytes_given_up`):")
    L.append("")
    L.append("| Rep | testpmd io | Rampart per second | segments/s | flows_created/s | search_limited/s | "
             "steps per byte |")
    L.append("|---:|---:|---|---:|---:|---:|---:|")
    for i, r in enumerate(reps):
        d = r["counters"]
        rates = " ".join(f"{x / 1e6:.3f}" for x in r[ROW_TCP]["rates"])
        L.append(f"| {i + 1} | {r[ROW_TESTPMD]['pps'] / 1e6:.2f} | {rates} | {d['segments']:.0f} | "
                 f"{d['flows_created']:.0f} | {d['search_limited']:.0f} | {d['steps_per_byte']:.2f} |")
    L.append("")
    L += dfb.method_block("/usr/bin/python3 tools/bench/make_tcp_lookalikes.py SAMPLE   # 80 connections of 256 KiB",
                          facts, ROW_TCP)
    L.append("- Every segment carries 1460 bytes in which every 16th offset is a length prefix of "
             "65535 and a header with one question: a candidate message boundary that never "
             "completes. The reassembler examines each offset once, follows the 8 candidates that "
             "need the fewest bytes, drops and counts the rest (`search_limited`), and gives the "
             "buffer up when it is full (`bytes_given_up`).")
    L.append("- Both programs copy every 1514-byte frame on RX (net_pcap), which is most of testpmd's "
             "cost here: compare the ratio, not the Mpps, with the other sections.")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pb.add_common_arguments(ap, "repetitions of the two runs (default 3)",
                            "pcap of TCP/53 segments (default: make one with "
                            "tools/bench/make_tcp_lookalikes.py)")
    ap.set_defaults(seconds=10)
    args = ap.parse_args()
    build = pb.resolve_programs(ap, args)

    workdir = tempfile.mkdtemp(prefix="rampart-dns-tcp-flood-bench-")
    source = pb.sample_or_generated(
        args, pb.generated_by("tools/bench/make_tcp_lookalikes.py", workdir, "lookalikes.pcap"),
        "80 DNS-over-TCP connections of 256 KiB of lookalikes, joined without their SYN "
        "(`tools/bench/make_tcp_lookalikes.py`)")

    dfb.run_held_capture(args, build, workdir, source, ROW_TCP, "tcp", tcp_per_second,
                         ("segments", "the DNS stage saw no TCP segment: is the input DNS over TCP/53?"),
                         render, BEGIN, END, "dns_tcp_flood_bench")
    return 0


if __name__ == "__main__":
    pb.run_main(main, "dns_tcp_flood_bench")
