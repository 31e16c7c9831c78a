#!/usr/bin/env bash
# Checks tests/e2e/lib.sh itself, without Rampart: two namespaces joined by a
# veth pass traffic, and whatever a test creates is gone after it passes, after
# it fails and after it is killed by SIGTERM (meson's timeout). If this fails,
# the other e2e failures are about the machine, not about Rampart.
HERE=$(dirname "${BASH_SOURCE[0]}")

if [[ ${1:-} == --inner ]]; then
  # One test run: namespaces, a veth, a background peer, then the given ending.
  source "$HERE/lib.sh"
  e2e_init selftest
  e2e_require_root
  e2e_netns_add a
  e2e_netns_add b
  e2e_veth a "$(e2e_ifname x)" b "$(e2e_ifname y)"
  e2e_addr a "$(e2e_ifname x)" 10.78.0.1/24
  e2e_addr b "$(e2e_ifname y)" 10.78.0.2/24
  # a link left in the root namespace must be removed too
  e2e_veth "" "$(e2e_ifname r)" a "$(e2e_ifname s)"
  start_bg sleeper --ns b sleep 300
  nsx a ping -c 2 -i 0.2 -W 2 -q 10.78.0.2 >/dev/null || fail "no ping between namespaces"
  E2E_KEEP_ON_FAIL=0
  echo "ready $E2E_ID $(bg_pid sleeper)"
  case $2 in
    pass) exit 0 ;;
    fail) fail "deliberate failure (selftest)" ;;
    # a foreground command would hold the TERM trap until it ends; wait does not
    hang) sleep 300 & wait $! ;;
  esac
  exit 0
fi

set -uo pipefail
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
for c in ip ethtool ping; do
  command -v "$c" >/dev/null || { echo "FAIL: $c missing (run tools/setup.sh)"; exit 1; }
done

status=0
leftovers() {
  # anything named after the inner run's PID, or its background peer, still here
  local id=$1 peer=$2
  ip netns list | grep -- "-$id-" || true
  ip -o link show | grep -o "rp${id}[a-z]*" || true
  [[ -n $peer && -d /proc/$peer ]] && echo "process $peer"
  ls -d /tmp/rampart-selftest."$id".* 2>/dev/null || true
}

for ending in pass fail hang; do
  out=$(mktemp)
  bash "$HERE/netns_selftest.sh" --inner "$ending" >"$out" 2>&1 &
  inner=$!
  for _ in $(seq 1 100); do
    grep -q '^ready' "$out" && break
    kill -0 "$inner" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^ready' "$out"; then
    echo "FAIL [$ending]: inner test did not get ready:"; cat "$out"
    wait "$inner"
    rm -f "$out"
    status=1
    continue
  fi
  [[ $ending == hang ]] && kill -TERM "$inner"
  wait "$inner"
  rc=$?
  case $ending in
    pass) want=0 ;;
    fail) want=1 ;;
    hang) want=143 ;;
  esac
  left=$(leftovers "$inner" "$(awk '/^ready/ {print $3}' "$out")")
  if [[ $rc -ne $want ]]; then
    echo "FAIL [$ending]: exit status $rc, want $want"; cat "$out"; status=1
  elif [[ -n $left ]]; then
    echo "FAIL [$ending]: left behind: $left"; status=1
  else
    echo "ok [$ending]: exit $rc, nothing left behind"
  fi
  rm -f "$out"
done
exit $status
