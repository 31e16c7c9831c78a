# Shared helpers for Rampart's end-to-end tests; source it, then call e2e_init.
#
# Everything a test creates (network namespaces, veth links, background
# processes, DPDK runtime directories) is named after this shell's PID and
# recorded, and e2e_cleanup removes exactly those on any exit: success,
# failure, Ctrl-C or meson's timeout (SIGTERM). Nothing else on the machine is
# touched, so several runs (or an aborted one) never clash.
#
# Exit codes: 0 pass, 1 fail, 77 skip (meson's convention).

set -euo pipefail

E2E_ID=$$
E2E_NAME=e2e
E2E_PREFIX=""            # DPDK --file-prefix for this run
E2E_WORK=""              # scratch directory (logs, configs, downloads)
E2E_NETNS=()             # namespaces we created
E2E_LINKS=()             # links we created in the root namespace
declare -A E2E_PID=()    # background process name -> PID
E2E_BG_ORDER=()
E2E_FAILED=0
E2E_KEEP=${E2E_KEEP:-0}  # 1: keep the scratch directory even on success
E2E_KEEP_ON_FAIL=${E2E_KEEP_ON_FAIL:-1}  # 0: remove it after a failure too

# Where the programs under test are: meson's test environment sets these; run by hand from a
# checkout, the default build directory is used.
SOURCE_ROOT=${SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RAMPART=${RAMPART:-$SOURCE_ROOT/build/app/rampart/rampart}
RAMPARTCTL=${RAMPARTCTL:-$SOURCE_ROOT/build/app/rampartctl/rampartctl}
PYTHON=/usr/bin/python3  # Debian's: the one tools/setup.sh installs packages (scapy) for
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# e2e_python ARG...: $PYTHON with this directory's modules (e2e_report.py) importable.
e2e_python() { PYTHONPATH="$E2E_DIR${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" "$@"; }

# e2e_telemetry_json CMD FILE: the answer of the test's rampart to telemetry command CMD
# (e.g. /rampart/dns/stats), as JSON, into FILE (read it with e2e_report.answer).
e2e_telemetry_json() {
  "$RAMPARTCTL" --prefix "$E2E_PREFIX" --json raw "$1" >"$2" 2>"$E2E_WORK/ctl.err" ||
    fail "rampartctl raw $1 failed: $(cat "$E2E_WORK/ctl.err")"
}

e2e_log() { printf '[%s %(%H:%M:%S)T] %s\n' "$E2E_NAME" -1 "$*"; }

# fd 3 is the test's stderr even where a caller silenced 2 (e.g. inside wait_for)
exec 3>&2

fail() {
  E2E_FAILED=1
  printf '[%s] FAIL: %s\n' "$E2E_NAME" "$*" >&3
  exit 1
}

skip() {
  printf '[%s] SKIP: %s\n' "$E2E_NAME" "$*"
  exit 77
}

# e2e_init NAME: unique names for this run, scratch dir, cleanup trap.
e2e_init() {
  E2E_NAME=$1
  E2E_PREFIX="rp${E2E_NAME}${E2E_ID}"
  E2E_WORK=$(mktemp -d "/tmp/rampart-${E2E_NAME}.${E2E_ID}.XXXXXX")
  trap e2e_cleanup EXIT
  # exit from the signal handlers so the EXIT trap does the cleaning once
  trap 'E2E_FAILED=1; exit 130' INT
  trap 'E2E_FAILED=1; exit 143' TERM
  trap 'E2E_FAILED=1; exit 129' HUP
}

e2e_require_root() {
  [[ $(id -u) -eq 0 ]] || skip "needs root (namespaces, veth, raw sockets)"
}

# e2e_require_rampart [ctl]: the rampart binary (and rampartctl) must have been built.
e2e_require_rampart() {
  [[ -x $RAMPART ]] || fail "rampart binary not found at $RAMPART"
  [[ ${1:-} != ctl || -x $RAMPARTCTL ]] || fail "rampartctl binary not found at $RAMPARTCTL"
}

# e2e_require_cmd CMD...: a missing peer tool is a broken machine, not a skip:
# tools/setup.sh installs them all.
e2e_require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || fail "required command '$c' not found (run tools/setup.sh)"
  done
}

# e2e_ns NAME: the full namespace name for a role (a, b, dut...).
e2e_ns() { printf 'rp%s-%s-%s' "$E2E_NAME" "$E2E_ID" "$1"; }

# e2e_netns_add NAME: create the namespace (loopback up, IPv6 off so the
# kernels stay quiet and packet counts stay predictable).
e2e_netns_add() {
  local ns
  ns=$(e2e_ns "$1")
  ip netns add "$ns" || fail "cannot create namespace $ns"
  E2E_NETNS+=("$ns")
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
}

# nsx NAME CMD...: run CMD inside this run's namespace NAME.
nsx() {
  local ns
  ns=$(e2e_ns "$1"); shift
  ip netns exec "$ns" "$@"
}

# e2e_ifname ROLE: a unique interface name (<= 15 chars) for this run.
e2e_ifname() { printf 'rp%s%s' "$E2E_ID" "$1"; }

# e2e_veth NS1 IF1 NS2 IF2: a veth pair, each end moved into a namespace of
# this run ("" leaves that end in the root namespace), brought up, with the
# offloads that AF_PACKET relaying cannot honour switched off.
e2e_veth() {
  local ns1=$1 if1=$2 ns2=$3 if2=$4
  ip link add "$if1" type veth peer name "$if2" || fail "cannot create veth $if1/$if2"
  E2E_LINKS+=("$if1")
  local ns ifc pair
  for pair in "$ns1:$if1" "$ns2:$if2"; do
    ns=${pair%%:*} ifc=${pair#*:}
    if [[ -n $ns ]]; then
      ip link set "$ifc" netns "$(e2e_ns "$ns")" || fail "cannot move $ifc into $ns"
    fi
    e2e_in "$ns" ip link set "$ifc" up
    e2e_no_offload "$ns" "$ifc"
  done
}

# e2e_in NS CMD...: like nsx, but "" means the root namespace.
e2e_in() {
  local ns=$1; shift
  if [[ -n $ns ]]; then nsx "$ns" "$@"; else "$@"; fi
}

# A packet the kernel hands to a packet socket with a checksum still to be
# filled in (CHECKSUM_PARTIAL), or as a 64 KB GSO super-frame, would reach the
# far side broken or oversized after Rampart relays it; make the kernels emit
# finished, MTU-sized frames instead.
e2e_no_offload() {
  local ns=$1 ifc=$2
  e2e_in "$ns" ethtool -K "$ifc" tx off rx off tso off gso off gro off >/dev/null 2>&1 ||
    e2e_in "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1 ||
    fail "cannot switch off offloads on $ifc (ethtool missing?)"
}

e2e_addr() {
  local ns=$1 ifc=$2 cidr=$3
  e2e_in "$ns" ip addr add "$cidr" dev "$ifc" || fail "cannot add $cidr to $ifc"
}

# e2e_start_bump_rampart IP_B ARG...: starts $RAMPART in dut with EAL defaults and ARGs (its
# config and the --set keys naming DA and DB), waits for its telemetry socket, then for a ping
# from a to IP_B through it (the first echo may wait for ARP and for the ports to come up).
e2e_start_bump_rampart() {
  local ip_b=$1; shift
  local eal
  mapfile -t eal < <(e2e_eal_args 512)
  start_bg rampart --ns dut "$RAMPART" "${eal[@]}" -- "$@"
  E2E_SOCK=$(e2e_telemetry_socket)
  wait_for e2e_rampart_up 30 || fail "rampart's telemetry socket $E2E_SOCK did not appear in 30 s"
  wait_for "nsx a ping -c 1 -W 1 -q $ip_b" 20 || fail "no ping reply from $ip_b through rampart within 20 s"
  e2e_log "path is up"
}
e2e_rampart_up() {
  bg_alive rampart || fail "rampart exited during start-up"
  [[ -S $E2E_SOCK ]]
}

# e2e_nsd_conf DIR ADDR ZONE...: writes DIR/nsd.conf for an nsd in the foreground of a test:
# ADDR port 53 (IPv6 off unless NSD_DO_IP6=yes), one process, EDNS up to 4096 bytes, every file
# under DIR, no remote control; each ZONE is served from DIR/ZONE.zone. Extra server: lines come
# from $NSD_EXTRA.
e2e_nsd_conf() {
  local dir=$1 addr=$2 z; shift 2
  {
    printf 'server:\n  ip-address: %s\n  port: 53\n  do-ip6: %s\n  reuseport: no\n' "$addr" "${NSD_DO_IP6:-no}"
    printf '  server-count: 1\n  ipv4-edns-size: 4096\n%s' "${NSD_EXTRA:+$NSD_EXTRA$'\n'}"
    printf '  zonesdir: "%s"\n  pidfile: "%s/nsd.pid"\n  database: ""\n' "$dir" "$dir"
    printf '  zonelistfile: "%s/zone.list"\n  xfrdfile: "%s/xfrd.state"\n  xfrdir: "%s"\n' "$dir" "$dir" "$dir"
    printf '  username: ""\n  chroot: ""\n  verbosity: 1\nremote-control:\n  control-enable: no\n'
    for z in "$@"; do printf 'zone:\n  name: "%s"\n  zonefile: "%s.zone"\n' "$z" "$z"; done
  } >"$dir/nsd.conf"
}

# e2e_serve_zone NS ADDR ZONE: nsd in namespace NS (background job "nsd") answering for ZONE on
# ADDR, files under $E2E_WORK/nsd (e2e_nsd_conf, so NSD_EXTRA and NSD_DO_IP6 apply). The zone
# file is the SOA, the NS and the name server's address record, then the records read from stdin.
# Returns once nsd answers for the SOA from inside NS (that query does not cross Rampart).
e2e_serve_zone() {
  local ns=$1 addr=$2 z=$3 dir=$E2E_WORK/nsd rr=A
  [[ $addr == *:* ]] && rr=AAAA
  mkdir -p "$dir"
  {
    printf '$ORIGIN %s.\n$TTL 300\n' "$z"
    printf '@ IN SOA ns.%s. admin.%s. 1 3600 600 86400 300\n@ IN NS ns.%s.\nns IN %s %s\n' "$z" "$z" "$z" "$rr" "$addr"
    cat
  } >"$dir/$z.zone"
  e2e_nsd_conf "$dir" "$addr" "$z"
  nsd-checkconf "$dir/nsd.conf" >"$E2E_WORK/checkconf.log" 2>&1 ||
    fail "nsd-checkconf: $(cat "$E2E_WORK/checkconf.log")"
  start_bg nsd --ns "$ns" nsd -d -c "$dir/nsd.conf"
  wait_for "nsx $ns dig +short +time=1 +tries=1 @$addr $z SOA | grep -q ." 15 ||
    fail "nsd in $ns did not answer for $z on $addr"
}

# e2e_bump_topology IP_A IP_B: the bump-in-the-wire layout
#   ns a: IP_A/24 [VA] ==veth== [DA] ns dut [DB] ==veth== [VB] IP_B/24 :ns b
# and sets VA DA VB DB. dut's ends are promiscuous and unaddressed: Rampart (on DA, DB) sees
# every frame, the dut kernel answers or forwards none.
e2e_bump_topology() {
  local ip_a=$1 ip_b=$2
  VA=$(e2e_ifname a) DA=$(e2e_ifname da)
  VB=$(e2e_ifname b) DB=$(e2e_ifname db)
  e2e_log "namespaces $(e2e_ns a) $(e2e_ns b) $(e2e_ns dut)"
  e2e_netns_add a
  e2e_netns_add b
  e2e_netns_add dut
  e2e_veth a "$VA" dut "$DA"
  e2e_veth b "$VB" dut "$DB"
  e2e_addr a "$VA" "$ip_a/24"
  e2e_addr b "$VB" "$ip_b/24"
  nsx dut ip link set "$DA" promisc on
  nsx dut ip link set "$DB" promisc on
}

# start_bg NAME [--ns NS] CMD...: run the program CMD (not a shell function:
# the recorded PID must be the program itself, so that signals reach it) in
# the background, inside this run's namespace NS if given, with its output in
# $E2E_WORK/NAME.log; the PID is recorded for stop_bg and for cleanup.
start_bg() {
  local name=$1; shift
  if [[ ${1:-} == --ns ]]; then
    set -- ip netns exec "$(e2e_ns "$2")" "${@:3}"
  fi
  [[ $(type -t "$1") == file ]] || fail "start_bg $name: '$1' is not a program"
  "$@" >"$E2E_WORK/$name.log" 2>&1 &
  E2E_PID[$name]=$!
  E2E_BG_ORDER+=("$name")
  e2e_log "started $name (pid ${E2E_PID[$name]}): $*"
}

bg_pid() { printf '%s' "${E2E_PID[$1]:-}"; }

# A finished child stays a zombie until waited for, and kill -0 still
# succeeds on zombies, so look at its state instead.
e2e_pid_alive() {
  local pid=$1 state
  [[ -n $pid && -r /proc/$pid/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

bg_alive() { e2e_pid_alive "$(bg_pid "$1")"; }

# stop_bg NAME [SIGNAL] [TIMEOUT_S]: signal the process, wait for it up to the
# timeout (then SIGKILL), and set E2E_STATUS to its exit status (128+n when it
# died by signal n). Returns 1 when it had to be killed.
E2E_STATUS=0
stop_bg() {
  local name=$1 sig=${2:-TERM} timeout=${3:-10}
  local pid
  pid=$(bg_pid "$name")
  [[ -n $pid ]] || fail "stop_bg: no process named $name"
  kill -s "$sig" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout)) killed=0
  while e2e_pid_alive "$pid"; do
    if (( SECONDS >= deadline )); then
      e2e_log "$name (pid $pid) still running ${timeout}s after SIG$sig; killing"
      kill -s KILL "$pid" 2>/dev/null || true
      killed=1
      break
    fi
    sleep 0.1
  done
  E2E_STATUS=0
  wait "$pid" 2>/dev/null || E2E_STATUS=$?
  unset "E2E_PID[$name]"
  return $((killed))
}

# e2e_stop_rampart: SIGTERM to the test's rampart, which must exit 0 within 20 s (it exits
# non-zero when the mempool did not get every mbuf back).
e2e_stop_rampart() {
  stop_bg rampart TERM 20 || fail "rampart did not exit within 20 s of SIGTERM"
  (( E2E_STATUS == 0 )) || fail "rampart exited with status $E2E_STATUS after SIGTERM (mbuf leak?)"
}

# wait_for CMD TIMEOUT_S: poll CMD (a shell string, so functions work) every
# 0.2 s until it succeeds; returns 1 on timeout.
wait_for() {
  local cmd=$1 timeout=${2:-10}
  local deadline=$((SECONDS + timeout))
  until eval "$cmd" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

# The EAL arguments every Rampart instance in the tests gets.
e2e_eal_args() {
  local mem=${1:-512}
  local last=$(( $(nproc) > 1 ? 1 : 0 ))
  printf '%s\n' --no-pci --no-huge -m "$mem" --file-prefix "$E2E_PREFIX" -l "0-$last"
}

e2e_telemetry_socket() {
  local run=/var/run
  [[ $(id -u) -eq 0 ]] || run=${XDG_RUNTIME_DIR:-/tmp}
  printf '%s/dpdk/%s/dpdk_telemetry.v2' "$run" "$E2E_PREFIX"
}

# Tails of the background logs, so a failure in CI explains itself.
e2e_dump_logs() {
  local f
  for f in "$E2E_WORK"/*.log; do
    [[ -f $f ]] || continue
    printf -- '----- %s (last 40 lines)\n' "${f##*/}" >&2
    tail -n 40 "$f" >&2
  done
}

e2e_cleanup() {
  local rc=$?
  set +e
  # Ignored, not reset: a second Ctrl-C (or meson's TERM) landing while cleanup runs would
  # otherwise kill it half-way and leave namespaces and DPDK directories behind.
  trap - EXIT
  trap '' INT TERM HUP
  (( rc != 0 )) && E2E_FAILED=1
  local name pid
  for name in "${E2E_BG_ORDER[@]}"; do
    pid=${E2E_PID[$name]:-}
    [[ -n $pid ]] || continue
    kill -s TERM "$pid" 2>/dev/null
  done
  for name in "${E2E_BG_ORDER[@]}"; do
    pid=${E2E_PID[$name]:-}
    [[ -n $pid ]] || continue
    local i
    for ((i = 0; i < 30; i++)); do
      e2e_pid_alive "$pid" || break
      sleep 0.1
    done
    e2e_pid_alive "$pid" && kill -s KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  local ns ifc stray
  for ns in "${E2E_NETNS[@]}"; do
    # Deleting a namespace does not end the processes in it; anything still
    # there was started by this run (the names are unique to it).
    stray=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    if [[ -n ${stray// /} ]]; then
      kill -s KILL $stray 2>/dev/null
      sleep 0.2
    fi
    ip netns del "$ns" 2>/dev/null || printf '[%s] cleanup: could not delete namespace %s\n' "$E2E_NAME" "$ns" >&2
  done
  for ifc in "${E2E_LINKS[@]}"; do
    # links moved into a namespace went away with it
    ip link show "$ifc" >/dev/null 2>&1 && ip link del "$ifc" 2>/dev/null
  done
  if [[ -n $E2E_PREFIX ]]; then
    local run
    for run in /var/run/dpdk "${XDG_RUNTIME_DIR:-/tmp}/dpdk"; do
      [[ -d $run/$E2E_PREFIX ]] && rm -rf "${run:?}/${E2E_PREFIX:?}"
    done
  fi
  if [[ -n $E2E_WORK && -d $E2E_WORK ]]; then
    if (( E2E_FAILED )); then
      e2e_dump_logs
    fi
    if (( E2E_FAILED && E2E_KEEP_ON_FAIL )); then
      printf '[%s] logs kept in %s\n' "$E2E_NAME" "$E2E_WORK" >&2
    elif (( E2E_KEEP )); then
      printf '[%s] scratch kept in %s\n' "$E2E_NAME" "$E2E_WORK"
    else
      rm -rf "$E2E_WORK"
    fi
  fi
  exit "$rc"
}
