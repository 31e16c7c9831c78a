#!/usr/bin/python3
"""Pipeline benchmark: Mpps and cycles/packet of Rampart's classify+TX on one worker lcore,
side by side with `dpdk-testpmd --forward-mode=io` on the same vdev and input, in the same run.

Both programs read the sample traffic through net_pcap with infinite_rx=1 (the PMD replays the
pcap from memory forever) and transmit to a net_pcap TX queue with no tx_pcap (the PMD counts and
frees the mbufs), on lcores 0-1: lcore 0 is the main lcore (stats, telemetry), lcore 1 forwards.

Rows:
  testpmd io (baseline)                       rx -> tx, no packet access at all
  testpmd 5tswap (reference)                  testpmd's own L2-L4 forwarder: walks Ethernet/VLAN,
                                              IPv4/IPv6 and UDP/TCP headers and swaps the
                                              addresses and ports; no validation, no metadata.
                                              Not a target: it shows what reading the headers
                                              of every frame costs on this vdev
  Rampart classify+TX (NIC-offload profile)   reflect without MAC swap on every path (the
                                              io-forwarding equivalent), L4 checksum verification
                                              off (as with NIC RX checksum offload); IPv4 header
                                              checksums are still verified in software
  Rampart classify+TX (software L4 checksums) same, with the default software L4 checksum
                                              verification on the dns and tcp paths

The four runs alternate R times (testpmd io, testpmd 5tswap, offload, software, testpmd io, ...) so that machine noise
hits all of them; each reports the median of its per-second rates after a warm-up, and the table
gives the median over the repetitions and the median of the per-repetition ratios.

testpmd: parses the per-second "Rx-pps:" lines of --stats-period 1; cycles/packet = TSC Hz / pps
(its forwarding lcore polls 100% of the time). Rampart: queries its DPDK telemetry socket once a
second; Mpps from /rampart/stats totals.rx_packets, cycles/packet from /rampart/lcores
(busy_cycles / packets over the measuring window, i.e. cycles spent in polls that found packets).

Run with /usr/bin/python3 (stdlib only), from the repository root:
  /usr/bin/python3 tools/bench/pipeline_bench.py --build build --runs 3 --seconds 6
It writes the section between <!-- pipeline-bench:begin --> and <!-- pipeline-bench:end --> in
docs/benchmarks.md (other sections are kept); --no-write only prints.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN = "<!-- pipeline-bench:begin -->"
END = "<!-- pipeline-bench:end -->"
WARMUP = 2          # per-second samples dropped at the start of every run
TARGET_RATIO = 0.80

ROW_TESTPMD = "testpmd io (baseline)"
ROW_5TSWAP = "testpmd 5tswap (reference: reads L2-L4 headers)"
ROW_OFFLOAD = "Rampart classify+TX (NIC-offload profile)"
ROW_SWSUM = "Rampart classify+TX (software L4 checksums)"

# --set overrides shared by both Rampart profiles; SAMPLE and PREFIX are filled in per run.
RAMPART_COMMON = [
    "--set", "ports.wire0.args.rx_pcap={sample}",
    "--set", "ports.wire0.args.infinite_rx=1",
    "--set", "ports.wire0.args.tx_pcap=",
    "--set", "eal.file_prefix={prefix}",
    "--set", "mempool.mbufs=16383",
    "--log-level", "warn",
]
NO_SWAP = [x for path in ("arp", "dns", "tcp", "other")
           for x in ("--set", f"stages.{path}.reflect_swap_mac=false")]
# classify+TX alone: the dns path is served by the plain forwarding stage, as every other path is
# (the DNS stage's own cost is a scenario of its own).
NO_DNS_STAGE = ["--set", "stages.dns.observe=false"]
PROFILES = {
    ROW_OFFLOAD: NO_SWAP + NO_DNS_STAGE + ["--set", "stages.classify.verify_l4_checksum=[]"],
    ROW_SWSUM: NO_SWAP + NO_DNS_STAGE,  # default: verify_l4_checksum = ["dns", "tcp"]
}


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- process handling

def _restore_affinity(cpus):
    def f():
        try:
            os.sched_setaffinity(0, cpus)
        except OSError:
            pass
    return f


class Proc:
    """A child process with its output collected by a thread; stop() always reaps it."""

    def __init__(self, argv, logpath, stdin=False, child_cpus=None):
        self.argv = argv
        self.logpath = logpath
        self.lines = []
        self._lock = threading.Lock()
        self.p = subprocess.Popen(
            argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO,
            preexec_fn=_restore_affinity(child_cpus) if child_cpus else None)
        self._t = threading.Thread(target=self._reader, daemon=True)
        self._t.start()

    def _reader(self):
        with open(self.logpath, "wb") as logf:
            for raw in self.p.stdout:
                logf.write(raw)
                with self._lock:
                    self.lines.append(raw.decode("utf-8", "replace"))

    def snapshot(self):
        with self._lock:
            return list(self.lines)

    def alive(self):
        return self.p.poll() is None

    def stop(self, timeout=15.0):
        """SIGINT, then SIGKILL after `timeout`; returns the exit code."""
        if self.p.poll() is None:
            if self.p.stdin:
                try:  # non-interactive testpmd without --stats-period waits for Enter
                    self.p.stdin.write(b"\n")
                    self.p.stdin.close()
                except OSError:
                    pass
            try:
                self.p.send_signal(signal.SIGINT)
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"  {os.path.basename(self.argv[0])} (pid {self.p.pid}) ignored SIGINT; killing it")
                self.p.kill()
                self.p.wait(5)
        self._t.join(5)
        return self.p.returncode

    def tail(self, n=25):
        return "".join(self.snapshot()[-n:])


# ---------------------------------------------------------------- telemetry client

def runtime_dir():
    """Where EAL puts <prefix>/dpdk_telemetry.v2 (as EAL and dpdk-telemetry.py choose it)."""
    if os.environ.get("RUNTIME_DIRECTORY"):
        base = os.environ["RUNTIME_DIRECTORY"]
    elif os.getuid() == 0:
        base = "/var/run"
    else:
        base = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk")


def remove_runtime_dir(prefix, proc):
    """EAL leaves <runtime dir>/<prefix>/ behind; the prefix is ours alone, so remove it."""
    if not proc.alive() and prefix.startswith("rampart-bench-"):
        shutil.rmtree(os.path.join(runtime_dir(), prefix), ignore_errors=True)


class Telemetry:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.settimeout(timeout)
        self.s.connect(path)
        hello = json.loads(self.s.recv(16384).decode())
        self.bufsize = max(16384, int(hello.get("max_output_len", 0)) + 1024)

    def query(self, cmd):
        self.s.send(cmd.encode())
        reply = json.loads(self.s.recv(self.bufsize).decode())
        if not isinstance(reply, dict) or cmd not in reply:
            raise BenchError(f"telemetry: unexpected reply to {cmd}: {str(reply)[:200]}")
        return reply[cmd]

    def close(self):
        self.s.close()


# ---------------------------------------------------------------- the runs

def unique_prefix(tag):
    return f"rampart-bench-{os.getpid()}-{tag}"


def testpmd_argv(testpmd, sample, prefix, mode="io", mbufs=16384):
    """`mbufs`: net_pcap with infinite_rx holds the whole capture in mbufs, plus the rings'."""
    return [testpmd, "--no-pci", "--no-huge", "-m", "1024", "--file-prefix", prefix, "-l", "0-1",
            "--vdev", f"net_pcap0,rx_pcap={sample},infinite_rx=1", "--",
            f"--forward-mode={mode}", "--port-topology=loop", "--stats-period", "1",
            f"--total-num-mbufs={mbufs}"]


def rampart_argv(rampart, sample, prefix, profile):
    common = [a.format(sample=sample, prefix=prefix) for a in RAMPART_COMMON]
    return [rampart, "--", "-c", "drivers-config/examples/demo.toml"] + common + PROFILES[profile]


RX_PPS = re.compile(r"Rx-pps:\s+(\d+)")


def run_testpmd(args, tag, workdir, child_cpus, mode="io", mbufs=16384):
    prefix = unique_prefix(tag)
    argv = testpmd_argv(args.testpmd, args.sample, prefix, mode, mbufs)
    proc = Proc(argv, os.path.join(workdir, f"{tag}.log"), stdin=True, child_cpus=child_cpus)
    try:
        need = WARMUP + args.seconds
        deadline = time.monotonic() + need + 30  # EAL start-up + samples
        while time.monotonic() < deadline and proc.alive():
            samples = RX_PPS.findall("".join(proc.snapshot()))
            if len(samples) >= need:  # the very first line is always 0 (no previous show)
                break
            time.sleep(0.2)
    finally:
        rc = proc.stop()
        remove_runtime_dir(prefix, proc)
    samples = [int(x) for x in RX_PPS.findall("".join(proc.snapshot()))]
    if len(samples) < WARMUP + 2:
        raise BenchError(f"testpmd gave {len(samples)} Rx-pps samples (exit {rc}); "
                         f"log {proc.logpath}:\n{proc.tail()}")
    # Drop the warm-up samples; the last line may be a partial interval cut by SIGINT only if
    # testpmd printed once more while stopping, which it does not (it stops its stats loop first).
    rates = samples[WARMUP:WARMUP + args.seconds]
    pps = statistics.median(rates)
    return {"pps": pps, "rates": rates, "rc": rc, "cmd": argv}


def run_rampart(args, tag, profile, workdir, child_cpus, extra=()):
    """`extra`: more telemetry commands read with every sample; their replies at the start and
    the end of the measuring window come back as result["extra"] = (first, last)."""
    prefix = unique_prefix(tag)
    argv = rampart_argv(args.rampart, args.sample, prefix, profile)
    sock = os.path.join(runtime_dir(), prefix, "dpdk_telemetry.v2")
    proc = Proc(argv, os.path.join(workdir, f"{tag}.log"), child_cpus=child_cpus)
    tel = None
    samples = []  # (t, rx_packets, {lcore: (busy_cycles, packets, busy_polls, idle_polls)})
    p50 = {}  # lcore -> median cycles/packet of its busy polls (cumulative, last sample)
    info = None
    try:
        deadline = time.monotonic() + 30
        while tel is None:
            if not proc.alive():
                raise BenchError(f"rampart exited early (code {proc.p.returncode}); "
                                 f"log {proc.logpath}:\n{proc.tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"no telemetry socket {sock} after 30 s; log {proc.logpath}:\n{proc.tail()}")
            if os.path.exists(sock):
                try:
                    tel = Telemetry(sock)
                    # EAL's socket is up before Rampart registers its commands (null until then)
                    if not isinstance(tel.query("/rampart/stats"), dict):
                        raise BenchError("not ready")
                except (OSError, ValueError, BenchError):
                    if tel:
                        tel.close()
                    tel = None
            if tel is None:
                time.sleep(0.2)
        info = tel.query("/rampart/info")
        if isinstance(info, dict) and not getattr(run_rampart, "shown", False):
            run_rampart.shown = True
            log(f"  rampart lcores: {info.get('lcores')}")

        def sample():
            t = time.monotonic()
            st = tel.query("/rampart/stats")
            lc = tel.query("/rampart/lcores")
            t2 = time.monotonic()
            if not isinstance(st, dict) or not isinstance(lc, dict):
                raise BenchError(f"telemetry: /rampart/stats or /rampart/lcores gave no data "
                                 f"({str(st)[:80]}, {str(lc)[:80]})")
            lcores = {k: (v["busy_cycles"], v["packets"], v.get("busy_polls", 0), v.get("idle_polls", 0))
                      for k, v in lc.items()}
            samples.append(((t + t2) / 2, st["totals"]["rx_packets"], lcores,
                            {c: tel.query(c) for c in extra}))
            p50.update({k: v.get("cycles_per_packet_p50", 0) for k, v in lc.items()})

        start = time.monotonic()
        sample()
        for i in range(1, WARMUP + args.seconds + 1):
            time.sleep(max(0.0, start + i - time.monotonic()))
            if not proc.alive():
                raise BenchError(f"rampart died while measuring (code {proc.p.returncode}); "
                                 f"log {proc.logpath}:\n{proc.tail()}")
            sample()
    finally:
        if tel:
            tel.close()
        rc = proc.stop()
        remove_runtime_dir(prefix, proc)
    if rc != 0:
        log(f"  note: rampart exited with code {rc} (log {proc.logpath})")
    rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(samples, samples[1:])][WARMUP:]
    first, last = samples[WARMUP], samples[-1]
    per_lcore = {}
    for name, (cyc, pk, bp, ip) in last[2].items():
        c0, p0, bp0, ip0 = first[2].get(name, (0, 0, 0, 0))
        if pk - p0 > 0:
            polls = (bp - bp0) + (ip - ip0)
            per_lcore[name] = {"cycles": cyc - c0, "packets": pk - p0, "p50": p50.get(name, 0),
                               "busy_pct": 100.0 * (bp - bp0) / polls if polls else 0.0}
    cyc = sum(v["cycles"] for v in per_lcore.values())
    pk = sum(v["packets"] for v in per_lcore.values())
    tsc_hz = int(info.get("tsc_hz", 0)) if isinstance(info, dict) else 0
    return {"pps": statistics.median(rates), "rates": rates, "rc": rc, "cmd": argv,
            "cpp": cyc / pk if pk else float("nan"), "lcores": per_lcore, "tsc_hz": tsc_hz,
            "info": info, "extra": (first[3], last[3])}


# ---------------------------------------------------------------- machine facts

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpuinfo_hz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":", 1)[1]) * 1e6
    except (OSError, ValueError):
        pass
    return 0.0


def dpdk_version():
    try:
        out = subprocess.run(["pkg-config", "--modversion", "libdpdk"], capture_output=True,
                             text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def pcap_frames(path):
    """Frames and bytes in a classic pcap file (either byte order, us or ns timestamps)."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise BenchError(f"{path}: not a pcap file")
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            endian = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            endian = ">"
        else:
            raise BenchError(f"{path}: not a classic pcap file (magic {magic:#x})")
        frames = total = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            _, _, incl, _ = struct.unpack(endian + "IIII", rec)
            f.seek(incl, 1)
            frames += 1
            total += incl
        return frames, total


# ---------------------------------------------------------------- report

def fmt_ratio(r):
    return f"{r:.2f}x"


def cmdline(argv):
    out = []
    for a in argv:
        a = os.path.relpath(a, REPO) if os.path.isabs(a) and a.startswith(REPO + "/") else a
        out.append(shlex.quote(a))
    return " ".join(out)


def summarise(reps):
    rows = {}
    base = [r[ROW_TESTPMD]["pps"] for r in reps]
    for row in (ROW_TESTPMD, ROW_5TSWAP, ROW_OFFLOAD, ROW_SWSUM):
        pps = [r[row]["pps"] for r in reps]
        ratios = [r[row]["pps"] / b if b else float("nan") for r, b in zip(reps, base)]
        rows[row] = {"mpps": statistics.median(pps) / 1e6, "ratio": statistics.median(ratios),
                     "ratios": ratios, "pps": pps}
    return rows


def render(args, reps, rows, tsc_hz, tsc_src, facts):
    def cpp_of(row):
        if row in (ROW_TESTPMD, ROW_5TSWAP):
            return statistics.median(tsc_hz / r[row]["pps"] for r in reps) if tsc_hz else float("nan")
        return statistics.median(r[row]["cpp"] for r in reps)

    lines = []
    lines.append("## Pipeline: classify+TX vs testpmd io")
    lines.append("")
    lines.append("Written by `tools/bench/pipeline_bench.py` (see `tools/bench/README.md`); rerun it rather "
                 "than editing this section by hand.")
    lines.append("")
    lines.append(f"- Machine: {facts['nproc']} CPUs, {facts['cpu']}; TSC {tsc_hz / 1e9:.3f} GHz ({tsc_src})")
    lines.append(f"- Date: {facts['date']}; DPDK {facts['dpdk']}; Rampart build `{facts['build']}`")
    lines.append(f"- Input: the sample traffic from `tools/gen_sample_traffic.py` "
                 f"({facts['frames']} frames, {facts['bytes']} bytes of frame data, "
                 f"{facts['bytes'] / max(facts['frames'], 1):.0f} bytes per frame on average), "
                 "replayed forever by net_pcap (`infinite_rx=1`); no `tx_pcap`, so the PMD counts "
                 "and frees what is transmitted")
    lines.append(f"- {args.runs} repetitions of (testpmd io, testpmd 5tswap, Rampart offload profile, "
                 f"Rampart software checksums), alternating; each run {WARMUP} s warm-up then {args.seconds} one-second "
                 "samples; lcore 0 is the main lcore, lcore 1 the only forwarding/worker lcore")
    if "load" in facts:
        busy = max(facts["load"]) > facts["nproc"]
        lines.append(f"- Machine load (1-minute load average) at start / end: {facts['load'][0]:.1f} / "
                     f"{facts['load'][1]:.1f}" + ("; above the CPU count, other work shared the worker's "
                                                  "CPU" if busy else ""))
    lines.append("")
    lines.append("| Run | Mpps (median) | cycles/packet | median poll cycles/packet | ratio vs testpmd io |")
    lines.append("|---|---:|---:|---:|---:|")
    for row in (ROW_TESTPMD, ROW_5TSWAP, ROW_OFFLOAD, ROW_SWSUM):
        cpp = cpp_of(row)
        cpp_s = f"{cpp:.0f}" if cpp == cpp else "n/a"
        p50 = "" if row in (ROW_TESTPMD, ROW_5TSWAP) else \
            f"{statistics.median(sum(v['p50'] for v in r[row]['lcores'].values()) for r in reps):.0f}"
        lines.append(f"| {row} | {rows[row]['mpps']:.2f} | {cpp_s} | {p50} | {fmt_ratio(rows[row]['ratio'])} |")
    lines.append("")
    ok = rows[ROW_OFFLOAD]["ratio"] >= TARGET_RATIO
    lines.append(f"Target: classify+TX (NIC-offload profile) >= {TARGET_RATIO:.2f}x testpmd io: "
                 f"**{'met' if ok else 'not met'}** ({fmt_ratio(rows[ROW_OFFLOAD]['ratio'])}).")
    lines.append("")
    lines.append(f"For scale: testpmd's 5-tuple swap, which only reads the headers of each frame and "
                 f"swaps addresses and ports, runs at {fmt_ratio(rows[ROW_5TSWAP]['ratio'])} of io "
                 "forwarding here; the target asks Rampart's classify (validation, IPv4 header "
                 "checksum, metadata, path choice, counters) and its staged dispatch to cost about "
                 "as little.")
    lines.append("")
    lines.append("Mpps is the median over the repetitions of each run's median per-second rate; the ratio "
                 "is the median of the per-repetition ratios (each against the testpmd run of the same "
                 "repetition). testpmd's cycles/packet is TSC Hz / pps (its forwarding lcore polls all "
                 "the time); Rampart's is `busy_cycles / packets` of the worker lcore from "
                 "`/rampart/lcores` over the measuring window (cycles of polls that found packets), which "
                 "also absorbs every preemption of the worker's thread; the median poll column is the "
                 "median of the worker's per-poll cycles/packet histogram (`cycles_per_packet_p50`), "
                 "which does not.")
    lines.append("")
    lines.append("Per repetition (Mpps; ratio vs the testpmd run of the same repetition):")
    lines.append("")
    lines.append("| Rep | testpmd io | testpmd 5tswap | offload profile | software L4 checksums | worker busy % (offload / software) |")
    lines.append("|---:|---:|---:|---:|---:|---:|")
    for i, r in enumerate(reps):
        b = r[ROW_TESTPMD]["pps"]

        def busy(row):
            lc = r[row]["lcores"]
            return "/".join(f"{v['busy_pct']:.0f}" for v in lc.values()) or "n/a"
        lines.append(f"| {i + 1} | {b / 1e6:.2f} | {r[ROW_5TSWAP]['pps'] / 1e6:.2f} "
                     f"({fmt_ratio(r[ROW_5TSWAP]['pps'] / b)}) | {r[ROW_OFFLOAD]['pps'] / 1e6:.2f} "
                     f"({fmt_ratio(r[ROW_OFFLOAD]['pps'] / b)}) | {r[ROW_SWSUM]['pps'] / 1e6:.2f} "
                     f"({fmt_ratio(r[ROW_SWSUM]['pps'] / b)}) | {busy(ROW_OFFLOAD)} / {busy(ROW_SWSUM)} |")
    lines.append("")
    lines.append("### Method")
    lines.append("")
    lines.append("Generate the input, then run each program on it (`SAMPLE` is the pcap, `PREFIX` a fresh "
                 "`--file-prefix` per run):")
    lines.append("")
    lines.append("```sh")
    lines.append("/usr/bin/python3 tools/gen_sample_traffic.py SAMPLE")
    lines.append("# baseline; stopped with SIGINT after the samples (with --stats-period it does not read stdin)")
    lines.append(cmdline(testpmd_argv("dpdk-testpmd", "SAMPLE", "PREFIX")))
    lines.append("# reference: the same with --forward-mode=5tswap")
    for row in (ROW_OFFLOAD, ROW_SWSUM):
        lines.append(f"# {row}; stopped with SIGINT")
        lines.append(cmdline(rampart_argv(os.path.join(facts["build"], "app/rampart/rampart"),
                                          "SAMPLE", "PREFIX", row)))
    lines.append("```")
    lines.append("")
    lines.append("- testpmd: the per-second `Rx-pps:` lines of `--stats-period 1`; the first "
                 f"{WARMUP} are dropped (the first is always 0), the median of the next "
                 f"{args.seconds} is the run's rate.")
    lines.append("- Rampart: the DPDK telemetry socket (`<runtime dir>/PREFIX/dpdk_telemetry.v2`) is "
                 "queried once a second for `/rampart/stats` (`totals.rx_packets`) and "
                 "`/rampart/lcores`; rate = delta rx_packets / delta t, the first "
                 f"{WARMUP} intervals dropped, median of the next {args.seconds}.")
    lines.append("- Offload profile: reflect without MAC swap on every path (what io forwarding does: "
                 "the frame goes out unchanged) and `stages.classify.verify_l4_checksum = []` (a NIC "
                 "with RX L4 checksum offload); IPv4 header checksums are still verified in software. "
                 "Software row: the default L4 checksum verification on the dns and tcp paths. Both "
                 "rows serve the dns path with the plain forwarding stage (`stages.dns.observe=false`), "
                 "as the other paths are: this is classify+TX; the DNS stage's cost is measured on its "
                 "own.")
    lines.append("- net_pcap with `infinite_rx=1` copies every frame into a fresh mbuf on RX, so both "
                 "programs share a fixed per-packet RX cost; the ratio compares whole forwarding "
                 "loops, not classify alone.")
    return "\n".join(lines) + "\n"


def write_doc(path, section, begin=BEGIN, end=END):
    block = f"{begin}\n{section}{end}\n"
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# Benchmarks\n\nMeasured figures for Rampart; each section names the tool that writes it.\n\n"
    if begin in text and end in text and text.index(begin) < text.index(end):
        a = text.index(begin)
        b = text.index(end) + len(end)
        if b < len(text) and text[b] == "\n":
            b += 1
        text = text[:a] + block + text[b:]
    else:
        if not text.endswith("\n"):
            text += "\n"
        if not text.endswith("\n\n"):
            text += "\n"
        text += block
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------- main

def add_common_arguments(ap, runs_help, sample_help):
    """The options every testpmd-vs-Rampart benchmark takes (also dns_stage_bench.py's)."""
    ap.add_argument("--build", default="build", help="meson build directory (default: build)")
    ap.add_argument("--runs", type=int, default=3, help=runs_help)
    ap.add_argument("--seconds", type=int, default=6, help="measured seconds per run, after "
                    f"{WARMUP} s of warm-up (default 6)")
    ap.add_argument("--sample", help=sample_help)
    ap.add_argument("--testpmd", default=shutil.which("dpdk-testpmd") or "dpdk-testpmd",
                    help="dpdk-testpmd binary (default: from PATH)")
    ap.add_argument("--doc", default=os.path.join(REPO, "docs", "benchmarks.md"),
                    help="markdown file to update (default docs/benchmarks.md)")
    ap.add_argument("--no-write", action="store_true", help="print the table only")


def resolve_programs(ap, args):
    """Checks the common options and sets args.rampart / args.testpmd; returns the build dir."""
    if args.runs < 1 or args.seconds < 1:
        ap.error("--runs and --seconds must be >= 1")
    build = args.build if os.path.isabs(args.build) else os.path.join(os.getcwd(), args.build)
    args.rampart = os.path.join(build, "app", "rampart", "rampart")
    if not os.access(args.rampart, os.X_OK):
        raise BenchError(f"no rampart binary at {args.rampart}: build first "
                         f"(meson setup {args.build} && ninja -C {args.build})")
    if not (shutil.which(args.testpmd) or os.access(args.testpmd, os.X_OK)):
        raise BenchError(f"dpdk-testpmd not found ({args.testpmd}); install dpdk (tools/setup.sh) "
                         "or pass --testpmd PATH")
    args.testpmd = shutil.which(args.testpmd) or os.path.abspath(args.testpmd)
    return build


def pin_harness():
    """Keeps this harness (telemetry queries, the testpmd output reader) on CPU 0, the main lcore
    of both programs, away from the worker lcore on CPU 1; returns the CPU set the children get
    back (None when there is nothing to pin)."""
    try:
        cpus = os.sched_getaffinity(0)
        if 0 in cpus and len(cpus) > 1:
            os.sched_setaffinity(0, {0})
            return cpus
    except (AttributeError, OSError):
        pass
    return None


def testpmd_rampart_reps(args, workdir, child_cpus, row, tag, extra=(), mbufs=16384, inspect=None):
    """`args.runs` repetitions of (testpmd io, Rampart's profile `row`), alternating, for the
    scenarios that compare one Rampart run with io forwarding. `inspect(rep)` sees each repetition
    after both runs (it may add to it, log, or raise BenchError on an input that tests nothing).
    Returns the repetitions, the TSC rate and where that rate came from."""
    reps = []
    tsc_hz = 0
    for i in range(args.runs):
        log(f"repetition {i + 1}/{args.runs}")
        rep = {ROW_TESTPMD: run_testpmd(args, f"r{i}-testpmd", workdir, child_cpus, mbufs=mbufs)}
        log(f"  {ROW_TESTPMD:56s} {rep[ROW_TESTPMD]['pps'] / 1e6:7.2f} Mpps")
        res = run_rampart(args, f"r{i}-{tag}", row, workdir, child_cpus, extra=extra)
        rep[row] = res
        tsc_hz = tsc_hz or res["tsc_hz"]
        log(f"  {row:56s} {res['pps'] / 1e6:7.2f} Mpps  {res['pps'] / rep[ROW_TESTPMD]['pps']:.2f}x  "
            f"{res['cpp']:.0f} cyc/pkt  samples {[round(x / 1e6, 2) for x in res['rates']]}")
        if inspect:
            inspect(rep)
        reps.append(rep)
    if tsc_hz:
        return reps, tsc_hz, "DPDK rte_get_tsc_hz() via /rampart/info"
    return reps, cpuinfo_hz(), "/proc/cpuinfo cpu MHz"


def existing_sample(args):
    """Makes --sample absolute and checks it is a pcap file; False when none was given."""
    if not args.sample:
        return False
    args.sample = os.path.abspath(args.sample)
    if not os.path.isfile(args.sample):
        raise BenchError(f"no such pcap: {args.sample}")
    pcap_frames(args.sample)  # fails early on a file that is not a pcap
    return True


def sample_or_generated(args, make, described):
    """Sets args.sample: --sample when given (then described by its file name), else the path
    `make()` returns for a capture it wrote. Returns how the section describes the input."""
    if existing_sample(args):
        return f"`{os.path.basename(args.sample)}`"
    args.sample = make()
    return described


def generated_by(script, workdir, name):
    """A `make` for sample_or_generated: runs `script` (a path from the repository root) OUT with
    OUT = workdir/name, under Debian's python3 (gen_sample_traffic.py needs its scapy)."""
    def make():
        out = os.path.join(workdir, name)
        try:
            subprocess.run(["/usr/bin/python3", os.path.join(REPO, script), out], check=True,
                           timeout=300, stdout=subprocess.DEVNULL)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
            raise BenchError(f"generating the input with {script} failed: {e}")
        return out
    return make


def machine_facts(build, load, **more):
    """What every section states about the machine and the build, plus `more`."""
    facts = {"nproc": os.cpu_count(), "cpu": cpu_model(), "date": datetime.date.today().isoformat(),
             "dpdk": dpdk_version(), "load": load,
             "build": os.path.relpath(build, REPO) if build.startswith(REPO + "/") else build}
    facts.update(more)
    return facts


def publish(args, section, begin, end, name, workdir):
    """Prints the section, writes it into args.doc unless --no-write, removes the work dir."""
    print(section)
    if not args.no_write:
        write_doc(args.doc, section, begin, end)
        log(f"{name}: wrote {args.doc}")
    shutil.rmtree(workdir, ignore_errors=True)


def run_main(main, name):
    """A benchmark script's entry point: errors as one line and exit 1, ^C as exit 130."""
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        sys.exit(130)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(ap, "repetitions of the three runs (default 3)",
                         "input pcap (default: generate the sample traffic into a temp dir)")
    args = ap.parse_args()
    build = resolve_programs(ap, args)

    workdir = tempfile.mkdtemp(prefix="rampart-pipeline-bench-")
    # The section describes the input itself (render), so the description is not needed here.
    sample_or_generated(args, generated_by("tools/gen_sample_traffic.py", workdir, "sample.pcap"), "")
    frames, nbytes = pcap_frames(args.sample)
    log(f"pipeline_bench: {frames} frames in {args.sample}; logs in {workdir}")

    child_cpus = pin_harness()

    reps = []
    tsc_hz = 0
    load_start = os.getloadavg()[0]
    for i in range(args.runs):
        rep = {}
        log(f"repetition {i + 1}/{args.runs}")
        rep[ROW_TESTPMD] = run_testpmd(args, f"r{i}-testpmd", workdir, child_cpus)
        log(f"  {ROW_TESTPMD:48s} {rep[ROW_TESTPMD]['pps'] / 1e6:7.2f} Mpps  "
            f"samples {[round(x / 1e6, 2) for x in rep[ROW_TESTPMD]['rates']]}")
        rep[ROW_5TSWAP] = run_testpmd(args, f"r{i}-5tswap", workdir, child_cpus, "5tswap")
        log(f"  {ROW_5TSWAP:48s} {rep[ROW_5TSWAP]['pps'] / 1e6:7.2f} Mpps  "
            f"{rep[ROW_5TSWAP]['pps'] / rep[ROW_TESTPMD]['pps']:.2f}x")
        for tag, row in (("offload", ROW_OFFLOAD), ("swsum", ROW_SWSUM)):
            res = run_rampart(args, f"r{i}-{tag}", row, workdir, child_cpus)
            rep[row] = res
            tsc_hz = tsc_hz or res["tsc_hz"]
            lc = ", ".join(f"{k}: {v['cycles'] / v['packets']:.0f} cyc/pkt busy {v['busy_pct']:.0f}%"
                           for k, v in res["lcores"].items())
            log(f"  {row:48s} {res['pps'] / 1e6:7.2f} Mpps  {res['pps'] / rep[ROW_TESTPMD]['pps']:.2f}x  "
                f"({lc})  samples {[round(x / 1e6, 2) for x in res['rates']]}")
        reps.append(rep)

    tsc_src = "DPDK rte_get_tsc_hz() via /rampart/info"
    if not tsc_hz:
        tsc_hz, tsc_src = cpuinfo_hz(), "/proc/cpuinfo cpu MHz"
    rows = summarise(reps)
    load_end = os.getloadavg()[0]
    facts = machine_facts(build, (load_start, load_end), frames=frames, bytes=nbytes)
    publish(args, render(args, reps, rows, tsc_hz, tsc_src, facts), BEGIN, END, "pipeline_bench", workdir)
    return 0


if __name__ == "__main__":
    run_main(main, "pipeline_bench")
