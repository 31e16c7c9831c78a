"""What the end-to-end DNS tests read back: Rampart's telemetry answers (saved by
e2e_telemetry_json in lib.sh) and dnsperf's report. Imported by the tests' inline Python
(e2e_python in lib.sh puts this directory on the path)."""
import json
import re
import sys


def answer(path):
    """A telemetry answer saved by `rampartctl --json raw CMD`: the object under its command key."""
    d = json.load(open(path))
    first = next(iter(d), "")
    return d[first] if len(d) == 1 and first.startswith("/") else d


def delta(before, after, *path):
    """after - before of the number at `path` (0 where either lacks it)."""
    def get(v):
        for k in path:
            v = v.get(k, 0) if isinstance(v, dict) else 0
        return v
    return get(after) - get(before)


def dnsperf(path, problems):
    """dnsperf's report: sent, completed, lost and {rcode name: count}. A missing figure is added
    to `problems` and read as 0."""
    text = open(path).read()

    def num(label):
        m = re.search(label + r":\s+(\d+)", text)
        if not m:
            problems.append(f"{path}: no '{label}' in dnsperf's output")
            return 0
        return int(m.group(1))

    rcodes = {}
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        for name, n in re.findall(r"([A-Z]+) (\d+) \(", m.group(1)):
            rcodes[name] = int(n)
    return {"sent": num("Queries sent"), "completed": num("Queries completed"),
            "lost": num("Queries lost"), "rcodes": rcodes}


def mismatches(got, want, prefix=""):
    """One problem line per key whose figure in `got` is not the one in `want`."""
    return [f"{prefix}{k}: rampart {got[k]}, expected {v}" for k, v in want.items() if got[k] != v]


def finish(tag, problems):
    """Prints every problem on stderr under `tag` and exits: 1 when there is any, else 0."""
    for p in problems:
        print(f"{tag}:", p, file=sys.stderr)
    sys.exit(1 if problems else 0)
