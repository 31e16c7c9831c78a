#!/usr/bin/python3
"""DNS stage under an unanswered query flood: per-second Mpps of Rampart with the DNS stage on one
worker lcore while a flood of never-answered queries holds its pending table at the limit, side
by side with `dpdk-testpmd --forward-mode=io` on the same capture, in the same run.

What it looks for is not the average but the slowest second. Every query of the flood waits in
the pending table until `query_timeout_ms` (2 s) and then times out, so after the first two
seconds the table is full, every new query is refused (`pending_full`) and tens of thousands of
entries expire each second. A table whose deletions grow with its fill stalls the lcore for whole
seconds in that state (it did: see docs/benchmarks.md), and on a real NIC a stalled lcore drops
everything at its RX queue, legitimate traffic and ARP included.

Input: tools/bench/make_query_flood.py (default 100,000 queries, more than the default 65,536
`pending_entries`), or --sample. net_pcap with infinite_rx holds the whole capture in mbufs, so
both programs get a mempool sized to it.

Run from the repository root as root (the DPDK runtime directory):
  /usr/bin/python3 tools/bench/dns_flood_bench.py --build build --runs 3 --seconds 10
It writes the section between <!-- dns-flood-bench:begin --> and <!-- dns-flood-bench:end --> in
docs/benchmarks.md (other sections are kept); --no-write only prints.
"""

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_bench as pb  # noqa: E402
import dns_stage_bench as dsb  # noqa: E402

BEGIN = "<!-- dns-flood-bench:begin -->"
END = "<!-- dns-flood-bench:end -->"
ROW_TESTPMD = pb.ROW_TESTPMD
ROW_FLOOD = "Rampart DNS stage, unanswered query flood"
COUNTERS = ("queries", "timeouts", "pending_full", "duplicate_queries")


def mbufs_for(frames):
    """A 2^k - 1 mempool holding the whole capture plus 16k for the rings and bursts."""
    n = 1
    while n - 1 < frames + 16384:
        n <<= 1
    return n - 1


def set_profile(frames, row=ROW_FLOOD):
    # The DNS stage profile of dns_stage_bench.py, with memory for the whole capture.
    mbufs = mbufs_for(frames)
    mem_mb = 256 + (mbufs + 1) * 3 // 1024  # about 2.5 KiB per mbuf, plus the rest
    pb.PROFILES[row] = pb.PROFILES[dsb.ROW_DNS] + [
        "--set", f"mempool.mbufs={mbufs}",
        "--set", f'eal.args=["--no-pci", "--no-huge", "-m", "{mem_mb}"]']
    return mbufs + 1


def counters_per_second(res):
    """The DNS stage's COUNTERS per second over the window, and its pending table at the end."""
    d = {k: v / len(res["rates"]) for k, v in dsb.dns_delta(res, COUNTERS).items()}
    end = res["extra"][1][dsb.DNS_STATS]
    d["pending"] = end.get("pending", 0)
    d["pending_limit"] = end.get("pending_capacity", 0)
    return d


def section_head(title, tool, args, tsc_hz, facts):
    """The title and the machine, input and run facts of a section whose capture is held whole in
    the mempool (this bench's and dns_tcp_flood_bench.py's)."""
    return [
        f"## {title}",
        "",
        f"Written by `tools/bench/{tool}` (see `tools/bench/README.md`); rerun it rather than "
        "editing this section by hand.",
        "",
        f"- Machine: {facts['nproc']} CPUs, {facts['cpu']}; TSC {tsc_hz / 1e9:.3f} GHz",
        f"- Date: {facts['date']}; DPDK {facts['dpdk']}; Rampart build `{facts['build']}`",
        f"- Input: {facts['input']} ({facts['frames']} frames), replayed forever by net_pcap "
        f"(`infinite_rx=1`); both programs get a mempool of {facts['mbufs']} mbufs, as the PMD "
        "holds the whole capture in them",
        f"- {args.runs} repetitions of (testpmd io, Rampart), alternating; each run {pb.WARMUP} s "
        f"warm-up then {args.seconds} one-second samples; lcore 1 is the only worker lcore",
        f"- Machine load (1-minute load average) at start / end: {facts['load'][0]:.1f} / "
        f"{facts['load'][1]:.1f}",
        "",
    ]


def method_block(generate, facts, row):
    """The commands that make the input and run both programs, as a shell block."""
    return ["### Method", "", "```sh", generate,
            pb.cmdline(pb.testpmd_argv("dpdk-testpmd", "SAMPLE", "PREFIX", mbufs=facts["mbufs"])),
            pb.cmdline(pb.rampart_argv(os.path.join(facts["build"], "app/rampart/rampart"),
                                       "SAMPLE", "PREFIX", row)),
            "```", ""]


def render(args, reps, tsc_hz, facts):
    L = section_head("DNS stage under an unanswered query flood", "dns_flood_bench.py", args, tsc_hz, facts)
    base = [r[ROW_TESTPMD]["pps"] for r in reps]
    flood = [r[ROW_FLOOD]["pps"] for r in reps]
    slowest = [min(r[ROW_FLOOD]["rates"]) for r in reps]
    ratios = [f / b for f, b in zip(flood, base)]
    L.append("| Run | Mpps (median) | slowest second (Mpps) | slowest / median | ratio vs testpmd io |")
    L.append("|---|---:|---:|---:|---:|")
    t_slow = [min(r[ROW_TESTPMD]["rates"]) for r in reps]
    L.append(f"| {ROW_TESTPMD} | {statistics.median(base) / 1e6:.2f} | {min(t_slow) / 1e6:.2f} | "
             f"{min(s / m for s, m in zip(t_slow, base)):.2f} | 1.00x |")
    L.append(f"| {ROW_FLOOD} | {statistics.median(flood) / 1e6:.2f} | {min(slowest) / 1e6:.2f} | "
             f"{min(s / m for s, m in zip(slowest, flood)):.2f} | {pb.fmt_ratio(statistics.median(ratios))} |")
    L.append("")
    L.append("The slowest second is the lowest one-second rate over all repetitions; slowest / median "
             "is the lowest such share within one run. Per repetition (Rampart's one-second rates in "
             "Mpps, and the DNS stage's counters per second over the window, from "
             "`/rampart/dns/stats`; pending: queries waiting at the end, of `pending_capacity`):")
    L.append("")
    L.append("| Rep | testpmd io | Rampart per second | queries/s | timeouts/s | pending_full/s | "
             "duplicate_queries/s | pending |")
    L.append("|---:|---:|---|---:|---:|---:|---:|---:|")
    for i, r in enumerate(reps):
        d = r["counters"]
        rates = " ".join(f"{x / 1e6:.2f}" for x in r[ROW_FLOOD]["rates"])
        limit = f" / {d['pending_limit']}" if d["pending_limit"] else ""
        L.append(f"| {i + 1} | {r[ROW_TESTPMD]['pps'] / 1e6:.2f} | {rates} | {d['queries']:.0f} | "
                 f"{d['timeouts']:.0f} | {d['pending_full']:.0f} | {d['duplicate_queries']:.0f} | "
                 f"{d['pending']}{limit} |")
    L.append("")
    L += method_block("/usr/bin/python3 tools/bench/make_query_flood.py SAMPLE   # 100,000 unanswered queries",
                      facts, ROW_FLOOD)
    L.append("- The replay repeats each query once per pass with the same endpoints and TxID: a query "
             "still waiting is a duplicate, one already timed out is inserted again if there is room. "
             "So once the table is full the stage refuses (`pending_full`) or sees duplicates for "
             "every query, and entries expire at the rate they were admitted.")
    L.append("- A large capture costs both programs more per packet than a small one (net_pcap copies "
             "each frame from a 100,000-frame store, which no cache holds): compare the ratio, not the "
             "Mpps, with the other sections.")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pb.add_common_arguments(ap, "repetitions of the two runs (default 3)",
                            "flood pcap (default: make one with tools/bench/make_query_flood.py)")
    ap.add_argument("--any-traffic", action="store_true",
                    help="the --sample need not hold DNS queries (the other kinds of "
                         "tools/bench/make_hostile_captures.py)")
    ap.set_defaults(seconds=10)
    args = ap.parse_args()
    build = pb.resolve_programs(ap, args)

    workdir = tempfile.mkdtemp(prefix="rampart-dns-flood-bench-")
    source = pb.sample_or_generated(
        args, pb.generated_by("tools/bench/make_query_flood.py", workdir, "flood.pcap"),
        "100,000 unanswered queries for random names under one domain "
        "(`tools/bench/make_query_flood.py`)")

    required = None if args.any_traffic else (
        "queries", "the DNS stage saw no query: is the input DNS over UDP/53? "
                   "(--any-traffic to measure it anyway)")
    run_held_capture(args, build, workdir, source, ROW_FLOOD, "flood", counters_per_second, required,
                     render, BEGIN, END, "dns_flood_bench")
    return 0


def run_held_capture(args, build, workdir, source, row, tag, per_second, required, render_fn, begin,
                     end, name):
    """The alternating (testpmd io, Rampart `row`) repetitions over args.sample with a mempool that
    holds the whole capture, then the section `render_fn(args, reps, tsc_hz, facts)` written between
    `begin` and `end` (this bench's and dns_tcp_flood_bench.py's). Each repetition gets
    rep["counters"] = per_second(Rampart's run); `required`, when given, is (counter, error): a run
    in which that counter stayed 0 tested nothing."""
    def inspect(rep):
        res = rep[row]
        rep["counters"] = per_second(res)
        pb.log(f"  slowest second {min(res['rates']) / 1e6:.3f} Mpps; per second {rep['counters']}")
        if required and rep["counters"][required[0]] == 0:
            raise pb.BenchError(required[1])

    frames, frame_bytes = pb.pcap_frames(args.sample)
    mbufs = set_profile(frames, row)
    pb.log(f"{name}: {frames} frames in {args.sample}; logs in {workdir}")
    child_cpus = pb.pin_harness()
    load_start = os.getloadavg()[0]
    reps, tsc_hz, _ = pb.testpmd_rampart_reps(args, workdir, child_cpus, row, tag,
                                              extra=(dsb.DNS_STATS,), mbufs=mbufs, inspect=inspect)
    load_end = os.getloadavg()[0]
    facts = pb.machine_facts(build, (load_start, load_end), frames=frames, frame_bytes=frame_bytes,
                             input=source, mbufs=mbufs)
    pb.publish(args, render_fn(args, reps, tsc_hz, facts), begin, end, name, workdir)


if __name__ == "__main__":
    pb.run_main(main, "dns_flood_bench")
