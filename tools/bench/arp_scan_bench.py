#!/usr/bin/python3
"""ARP scan benchmark: (a) request generation on one lcore into a net_null port vs
`dpdk-testpmd --forward-mode=txonly` on the same vdev, in the same run, plus the time of a /16
with two tries; (b) a /24 with 30+ hosts on a namespace LAN scanned by Rampart and by arp-scan
(default rate, fastest rate, fastest rate with Rampart's 50 ms timeout), wall time and hosts found.

(a) alternates R times: testpmd txonly (60-byte frames, --txpkts=60, the size of Rampart's
requests; per-second "Tx-pps:" lines, first 2 dropped, median) and tools/bench/arp_scan_gen_bench
on lcore 1 for D seconds each: first through the path rampart runs (an LcoreRunner whose idle loop
calls ArpStage::flush() -> ScanEngine::generate() -> emit -> TX stage -> rte_eth_tx_burst), then
ScanEngine::generate() + rte_eth_tx_burst alone; unpaced /15 scans with 100 tries back to back;
then a /16 with 2 tries: time to its last request with timeout_ms 0 and with the default timeout,
and to the end of the scan. All: --no-pci --no-huge, lcores 0-1, --vdev net_null0,no-rx=1.
(b) runs tools/bench/arp_scan_lan_bench.sh (root; the LAN of tests/e2e/arp_lan.sh).

Every ratio is Rampart / peer, written like 12.3x on the row that names the peer.

Run with /usr/bin/python3 from the repository root (root for part b):
  /usr/bin/python3 tools/bench/arp_scan_bench.py --build build --runs 3 --seconds 5 --lan-reps 3
It writes the section between <!-- arp-scan-bench:begin --> and <!-- arp-scan-bench:end --> in
docs/benchmarks.md; --no-write only prints. Helpers come from pipeline_bench.py.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_bench as pb  # noqa: E402

BEGIN = "<!-- arp-scan-bench:begin -->"
END = "<!-- arp-scan-bench:end -->"
TARGET_RATIO = 0.5
TARGET_SLASH16_S = 0.1
TARGET_LAN_SPEEDUP = 10.0
TX_PPS = re.compile(r"Tx-pps:\s+(\d+)")
LAN_RUNS = ("arp-scan-default", "arp-scan-fast", "arp-scan-fast-50ms", "rampart")


def eal(prefix):
    # no-rx: the runner polls the port's RX queue as rampart does, and finds it empty (net_null
    # would otherwise hand it endless packets); testpmd txonly never polls RX.
    return ["--no-pci", "--no-huge", "-m", "1024", "--file-prefix", prefix, "-l", "0-1",
            "--vdev", "net_null0,no-rx=1", "--log-level", "warn"]


def fmt_ratio(r):
    return f"{r:.1f}x"


def run_txonly(args, tag, workdir, child_cpus):
    prefix = pb.unique_prefix(tag)
    argv = [args.testpmd] + eal(prefix) + ["--", "--forward-mode=txonly", "--txpkts=60",
                                           "--stats-period", "1", "--total-num-mbufs=16384"]
    proc = pb.Proc(argv, os.path.join(workdir, f"{tag}.log"), stdin=True, child_cpus=child_cpus)
    try:
        need = pb.WARMUP + args.seconds
        deadline = time.monotonic() + need + 30
        while time.monotonic() < deadline and proc.alive():
            if len(TX_PPS.findall("".join(proc.snapshot()))) >= need:
                break
            time.sleep(0.2)
    finally:
        rc = proc.stop()
        pb.remove_runtime_dir(prefix, proc)
    samples = [int(x) for x in TX_PPS.findall("".join(proc.snapshot()))]
    if len(samples) < pb.WARMUP + 2:
        raise pb.BenchError(f"testpmd gave {len(samples)} Tx-pps samples (exit {rc}); log {proc.logpath}")
    return {"pps": statistics.median(samples[pb.WARMUP:pb.WARMUP + args.seconds]), "cmd": argv}


def run_generator(args, tag, workdir, child_cpus):
    prefix = pb.unique_prefix(tag)
    argv = [args.gen] + eal(prefix) + ["--", "--seconds", str(args.seconds)]
    proc = pb.Proc(argv, os.path.join(workdir, f"{tag}.log"), child_cpus=child_cpus)
    try:
        proc.p.wait(args.seconds + 60)
    finally:
        proc.stop()
        pb.remove_runtime_dir(prefix, proc)
    for line in reversed(proc.snapshot()):
        if line.startswith('{"stage_rate_pps"'):
            r = json.loads(line)
            r["cmd"] = argv
            return r
    raise pb.BenchError(f"arp_scan_gen_bench printed no result; log {proc.logpath}:\n{proc.tail()}")


def run_lan(args, workdir, child_cpus):
    if os.getuid() != 0:
        raise pb.BenchError("the LAN part needs root (namespaces); use --skip-lan otherwise")
    script = os.path.join(pb.REPO, "tools", "bench", "arp_scan_lan_bench.sh")
    ctl = os.path.join(args.build_dir, "app", "rampartctl", "rampartctl")
    out = subprocess.run(["bash", script, args.rampart, ctl, str(args.lan_reps)], capture_output=True,
                         text=True, timeout=120 + 30 * args.lan_reps, cwd=pb.REPO,
                         preexec_fn=pb._restore_affinity(child_cpus))
    with open(os.path.join(workdir, "lan.log"), "w") as f:
        f.write(out.stdout + out.stderr)
    rows = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
    if out.returncode != 0 or not rows:
        raise pb.BenchError(f"LAN bench failed (exit {out.returncode}): {(out.stdout + out.stderr)[-1500:]}")
    return rows


def render(args, reps, lan, facts):
    L = []
    L.append("## ARP scan: request generation vs testpmd txonly, and a LAN /24 vs arp-scan")
    L.append("")
    L.append("Written by `tools/bench/arp_scan_bench.py` (see `tools/bench/README.md`); rerun it rather "
             "than editing this section by hand.")
    L.append("")
    L.append(f"- Machine: {facts['nproc']} CPUs, {facts['cpu']}; DPDK {facts['dpdk']}; date {facts['date']}; "
             f"1-minute load average at start / end: {facts['load'][0]:.1f} / {facts['load'][1]:.1f}" +
             (" (above the CPU count, other work shared the measuring CPU)"
              if max(facts["load"]) > facts["nproc"] else ""))
    L.append(f"- (a) {args.runs} repetitions of (testpmd txonly, Rampart generator), alternating; each "
             f"{pb.WARMUP} s warm-up (testpmd) / {args.seconds} s measured; lcore 1 sends, `--no-huge`, "
             "`--vdev net_null0,no-rx=1` (the PMD frees what it is given and receives nothing)")
    L.append("")
    tp = [r["testpmd"]["pps"] for r in reps]
    stage = [r["gen"]["stage_rate_pps"] for r in reps]
    engine = [r["gen"]["rate_pps"] for r in reps]
    ratio = statistics.median(g / t for g, t in zip(stage, tp))
    engine_ratio = statistics.median(g / t for g, t in zip(engine, tp))
    hz = reps[0]["gen"]["tsc_hz"]
    L.append("| Run | Mpps (median) | cycles/packet | Rampart through the ARP stage vs this |")
    L.append("|---|---:|---:|---:|")
    L.append(f"| testpmd txonly (60-byte frames) | {statistics.median(tp) / 1e6:.2f} | "
             f"{hz / statistics.median(tp):.0f} | {fmt_ratio(ratio)} |")
    L.append("| Rampart scan generation through the ARP stage (runner idle loop: ArpStage::flush -> "
             f"ScanEngine::generate -> emit -> TX stage -> tx_burst) | {statistics.median(stage) / 1e6:.2f} | "
             f"{statistics.median(r['gen']['stage_cycles_per_packet'] for r in reps):.0f} |  |")
    L.append(f"| Rampart ScanEngine::generate + tx_burst alone | {statistics.median(engine) / 1e6:.2f} | "
             f"{statistics.median(r['gen']['cycles_per_packet'] for r in reps):.0f} |  |")
    L.append("")
    L.append("Per repetition (Mpps, testpmd / through the stage / engine alone): " + "; ".join(
        f"{t / 1e6:.2f} / {g / 1e6:.2f} / {e / 1e6:.2f}" for t, g, e in zip(tp, stage, engine)) +
        f". The engine alone reaches {fmt_ratio(engine_ratio)} of testpmd txonly.")
    L.append("")
    L.append("The Rampart row is the path rampart runs: the ARP stage's `flush()` (called by the "
             "lcore's loop whenever a poll finds no packet) asks the engine for up to 64 requests and "
             "emits them to the TX stage, which sends them with `rte_eth_tx_burst`; the loop polls "
             "the port's RX queue each time, as in rampart (net_null with `no-rx=1`: always empty). "
             "The engine row is the generator in a bare loop, 32 per call, for comparison; the "
             "difference is what the path adds per request: the `StageContext::emit()` call that "
             "puts it on the TX stage's pending burst, and the TX stage reading its `out_port` to "
             "group the burst by port. Scans "
             "are /15s with 100 tries, restarted as they end (a /16 ends so fast that the "
             "engine's 16 slots, reusable 2 s after a scan ends, would run out).")
    L.append("")
    gen_s = statistics.median(r["gen"]["slash16_gen_s"] for r in reps)
    dflt_last = statistics.median(r["gen"]["slash16_default_last_send_s"] for r in reps)
    dflt_total = statistics.median(r["gen"]["slash16_default_total_s"] for r in reps)
    n16 = reps[0]["gen"]["slash16_requests"]
    L.append(f"A /16 with two tries ({n16} requests, nobody answers on net_null), unpaced (`pps` 0), median of "
             f"{len(reps)}: **{gen_s * 1e3:.1f} ms** to generate with `timeout_ms` 0 (the retry pass follows the "
             f"first at once); with the default {reps[0]['gen']['default_timeout_ms']} ms timeout the last "
             f"request leaves after {dflt_last * 1e3:.1f} ms (the retry of each host waits the timeout) and the "
             f"scan ends after {dflt_total * 1e3:.1f} ms (1.5 x timeout after the last request). Scan start-up "
             "(allocating and zeroing the per-host state) is included.")
    L.append("")
    ok_ratio = ratio >= TARGET_RATIO
    ok_16 = gen_s < TARGET_SLASH16_S
    L.append(f"Targets: generation through the ARP stage >= {TARGET_RATIO}x testpmd txonly: "
             f"**{'met' if ok_ratio else 'not met'}** "
             f"({fmt_ratio(ratio)}); a /16 with two tries generated in < {TARGET_SLASH16_S} s: "
             f"**{'met' if ok_16 else 'not met'}** ({gen_s * 1e3:.1f} ms).")
    L.append("")
    if lan:
        L.append(f"(b) The LAN of `tests/e2e/arp_lan.sh`: a Linux bridge, Rampart on one veth through "
                 f"net_af_packet, {facts['hosts']} hosts ({facts['pairs']} IP/MAC pairs: some hosts with two "
                 "addresses, two sharing one IP), arp-scan in its own namespace; the /24 scanned "
                 f"{args.lan_reps} times by each, alternating. Wall time of the whole command "
                 "(rampartctl: start, poll every 20 ms, page the results, print); hosts found = IP/MAC pairs "
                 "without the other scanner's address.")
        L.append("")
        L.append("| Run | command | wall s (median) | IP/MAC pairs found (min..max) | Rampart speed-up |")
        L.append("|---|---|---:|---:|---:|")
        by = {r: [x for x in lan if x["run"] == r] for r in LAN_RUNS}
        med = {r: statistics.median(float(x["seconds"]) for x in by[r]) for r in LAN_RUNS if by[r]}
        for r in LAN_RUNS:
            if not by[r]:
                continue
            found = [x["pairs"] for x in by[r]]
            sp = "" if r == "rampart" else fmt_ratio(med[r] / med["rampart"])
            L.append(f"| {r} | `{by[r][0]['setting']}` | {med[r]:.3f} | {min(found)}..{max(found)} | {sp} |")
        L.append("")
        complete = all(x["pairs"] >= max(y["pairs"] for y in by["arp-scan-default"]) for x in by["rampart"])
        speed = med["arp-scan-default"] / med["rampart"]
        L.append(f"Target: Rampart as complete as arp-scan and >= {TARGET_LAN_SPEEDUP:.0f}x faster than arp-scan "
                 f"at its defaults: **{'met' if complete and speed >= TARGET_LAN_SPEEDUP else 'not met'}** "
                 f"({'complete' if complete else 'incomplete'}, {fmt_ratio(speed)}). Rampart's defaults are "
                 "50 kpps, 2 tries, 50 ms timeout (arp-scan: ~500 pps, 2 tries, 500 ms); the arp-scan-fast-50ms "
                 "row shows how much of the gap is the timeout.")
        L.append("")
    L.append("### Method")
    L.append("")
    L.append("```sh")
    L.append(pb.cmdline(reps[0]["testpmd"]["cmd"]))
    L.append(pb.cmdline(reps[0]["gen"]["cmd"]))
    if lan:
        L.append(f"tools/bench/arp_scan_lan_bench.sh {os.path.relpath(args.rampart, pb.REPO)} "
                 f"{os.path.relpath(os.path.join(args.build_dir, 'app', 'rampartctl', 'rampartctl'), pb.REPO)} "
                 f"{args.lan_reps}")
    L.append("```")
    L.append("")
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="meson build directory (default: build)")
    ap.add_argument("--runs", type=int, default=3, help="repetitions of part (a) (default 3)")
    ap.add_argument("--seconds", type=int, default=5, help="measured seconds per run (default 5)")
    ap.add_argument("--lan-reps", type=int, default=3, help="scans per tool in part (b) (default 3)")
    ap.add_argument("--skip-lan", action="store_true", help="part (a) only")
    ap.add_argument("--testpmd", default=shutil.which("dpdk-testpmd") or "dpdk-testpmd")
    ap.add_argument("--doc", default=os.path.join(pb.REPO, "docs", "benchmarks.md"))
    ap.add_argument("--no-write", action="store_true", help="print the section only")
    args = ap.parse_args()
    args.build_dir = args.build if os.path.isabs(args.build) else os.path.join(os.getcwd(), args.build)
    args.rampart = os.path.join(args.build_dir, "app", "rampart", "rampart")
    args.gen = os.path.join(args.build_dir, "tools", "bench", "arp_scan_gen_bench")
    for b in (args.rampart, args.gen):
        if not os.access(b, os.X_OK):
            raise pb.BenchError(f"{b} missing: build first (ninja -C {args.build})")
    child_cpus = os.sched_getaffinity(0)
    if len(child_cpus) > 1:
        os.sched_setaffinity(0, {min(child_cpus)})  # keep the harness off the sending CPU
    workdir = tempfile.mkdtemp(prefix="rampart-arp-scan-bench.")
    load_start = os.getloadavg()[0]
    reps = []
    for i in range(args.runs):
        pb.log(f"repetition {i + 1}/{args.runs}: testpmd txonly")
        t = run_txonly(args, f"txonly{i}", workdir, child_cpus)
        pb.log(f"  {t['pps'] / 1e6:.2f} Mpps; Rampart generator")
        g = run_generator(args, f"gen{i}", workdir, child_cpus)
        pb.log(f"  {g['stage_rate_pps'] / 1e6:.2f} Mpps through the stage, {g['rate_pps'] / 1e6:.2f} engine alone; "
               f"/16 x2 {g['slash16_gen_s'] * 1e3:.1f} ms")
        reps.append({"testpmd": t, "gen": g})
    lan = [] if args.skip_lan else run_lan(args, workdir, child_cpus)
    facts = {"nproc": os.cpu_count(), "cpu": pb.cpu_model(), "dpdk": pb.dpdk_version(),
             "date": datetime.date.today().isoformat(), "load": (load_start, os.getloadavg()[0]),
             "hosts": int(os.environ.get("ARP_LAN_HOSTS", "32"))}
    facts["pairs"] = facts["hosts"] + facts["hosts"] // 4 + 2
    section = render(args, reps, lan, facts)
    print(section)
    if not args.no_write:
        pb.write_doc(args.doc, section, BEGIN, END)
        pb.log(f"wrote {args.doc}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except pb.BenchError as e:
        pb.log(f"error: {e}")
        sys.exit(1)
