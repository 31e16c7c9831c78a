#!/usr/bin/env bash
# Rampart's telemetry through both clients a person would use: DPDK's own
# dpdk-telemetry.py and rampartctl (table and --json). Rampart replays the
# sample traffic forever from a net_pcap port, so the counters are moving
# while they are read; then SIGINT must stop it cleanly within a few seconds.
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONFIG=${TELEMETRY_CONFIG:-$SOURCE_ROOT/drivers-config/examples/demo.toml}
PORT=${TELEMETRY_PORT:-wire0}  # the pcap port's name in that config
DPDK_TELEMETRY=/usr/bin/dpdk-telemetry.py

e2e_init telemetry
e2e_require_cmd "$PYTHON"
e2e_require_rampart ctl
[[ -f $CONFIG ]] || fail "config not found: $CONFIG"
[[ -f $DPDK_TELEMETRY ]] || fail "$DPDK_TELEMETRY missing (Debian package dpdk)"

PCAP=$E2E_WORK/sample.pcap
"$PYTHON" "$SOURCE_ROOT/tools/gen_sample_traffic.py" "$PCAP" >/dev/null ||
  fail "cannot generate the sample traffic"

mapfile -t EAL < <(e2e_eal_args 256)
start_bg rampart "$RAMPART" "${EAL[@]}" -- -c "$CONFIG" \
  --set "ports.$PORT.args.rx_pcap=$PCAP" \
  --set "ports.$PORT.args.tx_pcap=/dev/null" \
  --set "ports.$PORT.args.infinite_rx=1"

SOCK=$(e2e_telemetry_socket)
rampart_up() {
  bg_alive rampart || fail "rampart exited during start-up"
  [[ -S $SOCK ]]
}
wait_for rampart_up 30 || fail "telemetry socket $SOCK did not appear in 30 s"

# check_json NAME FILE PYTHON-EXPR: FILE holds one JSON document (named d in
# the expression, which must be true for the check to pass); port(stats, NAME)
# is a port's counters (key port_NAME: DPDK telemetry keys allow [A-Za-z0-9_/] only).
check_json() {
  local name=$1 file=$2 expr=$3
  "$PYTHON" - "$file" "$expr" <<'EOF' || fail "$name: unexpected answer: $(head -c 600 "$file")"
import json, sys

def port(stats, name):
    return stats.get("port_" + name, {})

d = json.loads(open(sys.argv[1]).read().strip())
if not eval(sys.argv[2], {"d": d, "port": port}):
    sys.exit(1)
EOF
}

# Counters move only once the port has started replaying: wait for that.
rx_of() {
  echo /rampart/stats | "$PYTHON" "$DPDK_TELEMETRY" -f "$E2E_PREFIX" >"$E2E_WORK/poll.json" 2>&1 || return 1
  "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1]))["/rampart/stats"]; sys.exit(0 if d["totals"]["rx_packets"] > 0 else 1)' \
    "$E2E_WORK/poll.json"
}
wait_for rx_of 20 || fail "total rx_packets stayed 0 for 20 s: $(head -c 600 "$E2E_WORK/poll.json")"

# ---- dpdk-telemetry.py: one command per stdin line, one JSON answer per line
printf '%s\n' /rampart/stats /rampart/info /rampart/drops /rampart/mempool /ethdev/list |
  "$PYTHON" "$DPDK_TELEMETRY" -f "$E2E_PREFIX" >"$E2E_WORK/dpdk-telemetry.out" 2>&1 ||
  fail "dpdk-telemetry.py failed: $(head -c 600 "$E2E_WORK/dpdk-telemetry.out")"
[[ $(wc -l <"$E2E_WORK/dpdk-telemetry.out") -eq 5 ]] ||
  fail "dpdk-telemetry.py: expected 5 answers: $(head -c 600 "$E2E_WORK/dpdk-telemetry.out")"
i=0
while IFS= read -r line; do
  i=$((i + 1))
  printf '%s\n' "$line" >"$E2E_WORK/answer$i.json"
done <"$E2E_WORK/dpdk-telemetry.out"
check_json "dpdk-telemetry /rampart/stats" "$E2E_WORK/answer1.json" \
  "port(d['/rampart/stats'], '$PORT').get('rx_packets', 0) > 0"
check_json "dpdk-telemetry /rampart/info" "$E2E_WORK/answer2.json" "isinstance(d['/rampart/info'], dict)"
check_json "dpdk-telemetry /rampart/drops" "$E2E_WORK/answer3.json" \
  "isinstance(d['/rampart/drops'], dict) and sum(d['/rampart/drops'].values()) > 0"
check_json "dpdk-telemetry /rampart/mempool" "$E2E_WORK/answer4.json" "isinstance(d['/rampart/mempool'], dict)"
check_json "dpdk-telemetry /ethdev/list" "$E2E_WORK/answer5.json" "len(d['/ethdev/list']) >= 1"
e2e_log "dpdk-telemetry.py: 5 commands answered"

# ---- rampartctl
"$RAMPARTCTL" --prefix "$E2E_PREFIX" --json stats >"$E2E_WORK/ctl.json" 2>"$E2E_WORK/ctl.err" ||
  fail "rampartctl --json stats failed: $(cat "$E2E_WORK/ctl.err")"
check_json "rampartctl --json stats" "$E2E_WORK/ctl.json" \
  "port(d, '$PORT').get('rx_packets', 0) > 0"
"$RAMPARTCTL" --prefix "$E2E_PREFIX" stats >"$E2E_WORK/ctl.txt" 2>&1 ||
  fail "rampartctl stats failed: $(cat "$E2E_WORK/ctl.txt")"
grep -q "$PORT" "$E2E_WORK/ctl.txt" || fail "rampartctl stats does not show port $PORT: $(cat "$E2E_WORK/ctl.txt")"
"$RAMPARTCTL" --prefix "$E2E_PREFIX" drops >"$E2E_WORK/ctl-drops.txt" 2>&1 ||
  fail "rampartctl drops failed: $(cat "$E2E_WORK/ctl-drops.txt")"
# The sample holds every malformed kind, so at least one reason is non-zero.
grep -Eq 'truncated|bad' "$E2E_WORK/ctl-drops.txt" ||
  fail "rampartctl drops shows no malformed-frame reason: $(cat "$E2E_WORK/ctl-drops.txt")"
# a wrong prefix must fail, not hang or print an empty table
if "$RAMPARTCTL" --prefix "$E2E_PREFIX-none" --timeout 2 stats >/dev/null 2>&1; then
  fail "rampartctl succeeded against a prefix nobody serves"
fi
# Rates: the replay keeps RX busy, so a half-second window shows packets per second on the port
# and the totals, and every stage's in/out as rates too.
"$RAMPARTCTL" --prefix "$E2E_PREFIX" --json rates 0.5 >"$E2E_WORK/ctl-rates.json" 2>"$E2E_WORK/ctl.err" ||
  fail "rampartctl rates failed: $(cat "$E2E_WORK/ctl.err")"
check_json "rampartctl --json rates" "$E2E_WORK/ctl-rates.json" \
  'd["totals"]["rx_packets"] > 0 and port(d, "'"$PORT"'")["rx_packets"] > 0 and "port_id" not in port(d, "'"$PORT"'") and d["stage_classify"]["in"] > 0'
e2e_log "rampartctl: stats (table and JSON), drops and rates answered"

# ---- shutdown
stop_bg rampart INT 10 || fail "rampart still running 10 s after SIGINT"
(( E2E_STATUS == 0 )) || fail "rampart exited with status $E2E_STATUS after SIGINT"
e2e_log "PASS"
