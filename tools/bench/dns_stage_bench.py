#!/usr/bin/python3
"""DNS-stage benchmark: Mpps and cycles/packet of Rampart with the DNS stage active on one worker
lcore (classify -> DNS stage: parse, query/response matching, statistics, top-N -> TX), side by
side with `dpdk-testpmd --forward-mode=io` on the same DNS-only capture, in the same run.

The process handling, the telemetry client, the two kinds of runs and the document writer are
tools/bench/pipeline_bench.py's (imported, not copied); this file adds the DNS scenario: its input
(a capture of real nsd traffic made by tools/bench/make_dns_capture.sh, or --sample), its Rampart
profile and its report.

Rows:
  testpmd io (baseline)      rx -> tx, packet data never touched
  Rampart DNS stage          demo.toml, the dns path served by the DNS stage and reflected without
                             MAC swap (the frame leaves unchanged, as with io forwarding), L4
                             checksum verification off (NIC RX checksum offload, as the
                             classify+TX offload row); IPv4 header checksums still verified

The input is replayed forever (net_pcap infinite_rx=1): each query comes back once per pass with
the same endpoints and TxID. Its previous instance was answered (and taken out of the pending
table) by its response in the previous pass, so it is inserted again and matched again: every
response matches, nothing times out, no duplicate is counted, and the latency histogram holds the
replay's spacing between the two frames (sub-microsecond), not the server's. The top-N summaries
see the same names again and again (counts grow, the entries do not change).

Run from the repository root (root: namespaces for the capture, and the DPDK runtime directory):
  /usr/bin/python3 tools/bench/dns_stage_bench.py --build build --runs 3 --seconds 6
It writes the section between <!-- dns-stage-bench:begin --> and <!-- dns-stage-bench:end --> in
docs/benchmarks.md (other sections are kept); --no-write only prints.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_bench as pb  # noqa: E402

BEGIN = "<!-- dns-stage-bench:begin -->"
END = "<!-- dns-stage-bench:end -->"
TARGET_RATIO = 0.50
TARGET_MPPS = 10.0

ROW_TESTPMD = pb.ROW_TESTPMD
ROW_DNS = "Rampart DNS stage (parse + match + statistics + top-N)"
DNS_STATS = "/rampart/dns/stats"

# The DNS stage on the dns path (its default), every path reflecting without MAC swap, L4 checksums
# as with NIC offload: the classify+TX offload row of pipeline_bench.py plus the DNS stage.
pb.PROFILES[ROW_DNS] = pb.NO_SWAP + ["--set", "stages.classify.verify_l4_checksum=[]"]


def make_capture(workdir):
    """Real nsd answers to dnsperf in namespaces (make_dns_capture.sh; needs root)."""
    out = os.path.join(workdir, "dns.pcap")
    script = os.path.join(pb.REPO, "tools", "bench", "make_dns_capture.sh")
    try:
        subprocess.run(["bash", script, out], check=True, timeout=180, stdout=subprocess.DEVNULL)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        raise pb.BenchError(f"making the DNS capture failed ({e}); pass --sample PCAP "
                            "(a DNS-only capture) or run as root with nsd and dnsperf installed")
    return out


DELTA_KEYS = ("queries", "responses", "matched", "unmatched_responses", "timeouts", "malformed")


def dns_delta(res, keys=DELTA_KEYS, section=None):
    """The DNS stage's counters `keys` over the measuring window (from /rampart/dns/stats, or from
    its object `section`, e.g. "tcp")."""
    first, last = res["extra"]
    a, b = first.get(DNS_STATS), last.get(DNS_STATS)
    if not isinstance(a, dict) or not isinstance(b, dict):
        raise pb.BenchError(f"telemetry: {DNS_STATS} gave no data")
    if section:
        a, b = a.get(section, {}), b.get(section, {})
    return {k: b.get(k, 0) - a.get(k, 0) for k in keys}


def render(args, reps, tsc_hz, tsc_src, facts):
    base = [r[ROW_TESTPMD]["pps"] for r in reps]
    pps = {row: [r[row]["pps"] for r in reps] for row in (ROW_TESTPMD, ROW_DNS)}
    ratios = [r[ROW_DNS]["pps"] / b for r, b in zip(reps, base)]
    ratio = statistics.median(ratios)
    mpps = statistics.median(pps[ROW_DNS]) / 1e6
    cpp_testpmd = statistics.median(tsc_hz / p for p in pps[ROW_TESTPMD]) if tsc_hz else float("nan")
    cpp_dns = statistics.median(r[ROW_DNS]["cpp"] for r in reps)
    # The median of the worker's per-poll cycles/packet (pipeline_bench reads it from
    # /rampart/lcores cycles_per_packet_p50): unlike busy_cycles, preemption does not move it.
    p50 = [sum(v.get("p50", 0) for v in r[ROW_DNS]["lcores"].values()) for r in reps]
    p50_s = f"{statistics.median(p50):.0f}" if all(p50) else "n/a"
    dns = [dns_delta(r[ROW_DNS]) for r in reps]
    L = []
    L.append("## DNS stage vs testpmd io")
    L.append("")
    L.append("Written by `tools/bench/dns_stage_bench.py` (see `tools/bench/README.md`); rerun it rather "
             "than editing this section by hand.")
    L.append("")
    L.append(f"- Machine: {facts['nproc']} CPUs, {facts['cpu']}; TSC {tsc_hz / 1e9:.3f} GHz ({tsc_src})")
    L.append(f"- Date: {facts['date']}; DPDK {facts['dpdk']}; Rampart build `{facts['build']}`")
    L.append(f"- Input: {facts['input']} ({facts['frames']} frames, "
             f"{facts['bytes'] / max(facts['frames'], 1):.0f} bytes per frame on average), replayed "
             "forever by net_pcap (`infinite_rx=1`); no `tx_pcap`, so the PMD counts and frees what "
             "is transmitted")
    L.append(f"- {args.runs} repetitions of (testpmd, Rampart), alternating; each run {pb.WARMUP} s "
             f"warm-up then {args.seconds} one-second samples; lcore 0 is the main lcore, lcore 1 the "
             "only forwarding/worker lcore")
    L.append(f"- Machine load (1-minute load average) at start / end: {facts['load'][0]:.1f} / "
             f"{facts['load'][1]:.1f}" + ("; the machine was shared with other work (compilers), "
                                          "which took CPU time from both programs' lcores"
                                          if max(facts['load']) > 1.5 else ""))
    L.append("")
    L.append("| Run | Mpps (median) | cycles/packet | median poll cycles/packet | ratio vs testpmd io |")
    L.append("|---|---:|---:|---:|---:|")
    L.append(f"| testpmd io (baseline) | {statistics.median(pps[ROW_TESTPMD]) / 1e6:.2f} | "
             f"{cpp_testpmd:.0f} | | 1.00x |")
    L.append(f"| {ROW_DNS} | {mpps:.2f} | {cpp_dns:.0f} | {p50_s} | {pb.fmt_ratio(ratio)} |")
    L.append("")
    if all(p50) and tsc_hz:
        L.append(f"At its median poll cost ({p50_s} cycles/packet) the worker would forward "
                 f"{tsc_hz / statistics.median(p50) / 1e6:.2f} Mpps with its CPU to itself: a derived "
                 "figure, not a measurement, for reading the table on a loaded machine.")
        L.append("")
    met_r, met_m = ratio >= TARGET_RATIO, mpps >= TARGET_MPPS
    L.append(f"Targets: >= {TARGET_RATIO:.2f}x testpmd io: **{'met' if met_r else 'not met'}** "
             f"({pb.fmt_ratio(ratio)}); >= {TARGET_MPPS:.0f} Mpps: **{'met' if met_m else 'not met'}** "
             f"({mpps:.2f} Mpps).")
    L.append("")
    L.append("Per repetition (Mpps; ratio vs the testpmd run of the same repetition; the DNS stage's "
             "own counters over the measuring window, from `/rampart/dns/stats`):")
    L.append("")
    L.append("| Rep | testpmd io | DNS stage | worker busy % | queries | responses | matched | "
             "unmatched | timeouts | malformed |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for i, (r, d) in enumerate(zip(reps, dns)):
        busy = "/".join(f"{v['busy_pct']:.0f}" for v in r[ROW_DNS]["lcores"].values()) or "n/a"
        L.append(f"| {i + 1} | {r[ROW_TESTPMD]['pps'] / 1e6:.2f} | {r[ROW_DNS]['pps'] / 1e6:.2f} "
                 f"({pb.fmt_ratio(ratios[i])}) | {busy} | {d['queries']} | {d['responses']} | "
                 f"{d['matched']} | {d['unmatched_responses']} | {d['timeouts']} | {d['malformed']} |")
    L.append("")
    L.append("### Method")
    L.append("")
    L.append("```sh")
    L.append("sudo tools/bench/make_dns_capture.sh SAMPLE   # nsd + dnsperf in namespaces (or any DNS-only pcap)")
    L.append("# baseline; stopped with SIGINT after the samples")
    L.append(pb.cmdline(pb.testpmd_argv("dpdk-testpmd", "SAMPLE", "PREFIX")))
    L.append("# the DNS stage; stopped with SIGINT")
    L.append(pb.cmdline(pb.rampart_argv(os.path.join(facts["build"], "app/rampart/rampart"),
                                        "SAMPLE", "PREFIX", ROW_DNS)))
    L.append("```")
    L.append("")
    L.append("- Rates and cycles/packet are measured as in the classify+TX section (testpmd: `Rx-pps:` "
             "of `--stats-period 1`, cycles/packet = TSC Hz / pps; Rampart: `/rampart/stats` and "
             "`/rampart/lcores` once a second, cycles/packet = worker `busy_cycles / packets`, which "
             "also counts any time the worker's thread was preempted; the median poll column is the "
             "median of the worker's per-poll cycles/packet histogram, `cycles_per_packet_p50`, which "
             "preemption does not move, though a busy machine's cache pollution still does). Mpps is "
             "the median of the runs' medians; the ratio is the median of the per-repetition ratios.")
    L.append("- Every frame of the input is DNS over UDP, so every packet goes through the whole stage: "
             "the message parsed (every section and RR), counted (opcode, QTYPE, QCLASS, rcode, flags, "
             "EDNS), the query inserted into / the response matched against the pending table "
             "(latency histogram), names, registered domains and clients into the top-N summaries, "
             "the detectors' windows updated.")
    L.append("- With `infinite_rx=1` the queries repeat once per pass with the same endpoints and "
             "TxID: each is answered within the same pass, so it is matched again in every pass "
             "(matched = responses above, no timeouts, no duplicates); latencies are the replay's "
             "spacing of the two frames, not the server's; the top-N entries stay the same while "
             "their counts grow.")
    L.append("- net_pcap with `infinite_rx=1` copies every frame into a fresh mbuf on RX; testpmd io "
             "spends its whole budget on that copy and the TX free, so 10 Mpps leaves Rampart "
             f"{(tsc_hz / 10e6 - cpp_testpmd) if tsc_hz else float('nan'):.0f} cycles/packet "
             "beyond what testpmd's own loop costs here, for classify and the whole DNS stage.")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    pb.add_common_arguments(ap, "repetitions of the two runs (default 3)",
                            "DNS-only input pcap (default: make one with "
                            "tools/bench/make_dns_capture.sh, needs root, nsd and dnsperf)")
    args = ap.parse_args()
    build = pb.resolve_programs(ap, args)

    workdir = tempfile.mkdtemp(prefix="rampart-dns-stage-bench-")
    source = pb.sample_or_generated(
        args, lambda: make_capture(workdir),
        "a capture of nsd answering dnsperf in network namespaces "
        "(`tools/bench/make_dns_capture.sh`: queries and responses, plain and EDNS0+DO)")
    frames, nbytes = pb.pcap_frames(args.sample)
    pb.log(f"dns_stage_bench: {frames} frames in {args.sample}; logs in {workdir}")

    child_cpus = pb.pin_harness()

    def inspect(rep):
        d = dns_delta(rep[ROW_DNS])
        pb.log(f"  dns {d}")
        if d["queries"] + d["responses"] == 0:
            raise pb.BenchError("the DNS stage saw no DNS message: is the input DNS over UDP/53?")

    load_start = os.getloadavg()[0]
    reps, tsc_hz, tsc_src = pb.testpmd_rampart_reps(args, workdir, child_cpus, ROW_DNS, "dns",
                                                    extra=(DNS_STATS,), inspect=inspect)
    load_end = os.getloadavg()[0]

    facts = pb.machine_facts(build, (load_start, load_end), frames=frames, bytes=nbytes, input=source)
    pb.publish(args, render(args, reps, tsc_hz, tsc_src, facts), BEGIN, END, "dns_stage_bench", workdir)
    return 0


if __name__ == "__main__":
    pb.run_main(main, "dns_stage_bench")
