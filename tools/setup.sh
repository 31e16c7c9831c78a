#!/usr/bin/env bash
# Installs everything Rampart needs to build and to run its whole test suite on
# Debian 12. Safe to run repeatedly: when the machine is already complete it
# touches nothing and prints one line ("setup: all dependencies present"), so
# tools/test.sh and tools/demo.sh can call it on every run.
set -euo pipefail

BUILD_PKGS=(
  build-essential g++ meson ninja-build pkg-config
  libdpdk-dev dpdk dpdk-dev
  libtbb-dev libtomlplusplus-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpcap-dev
  clang libclang-rt-14-dev llvm
  # baseline parsers the benchmarks compare against
  libknot-dev libldns-dev
)
TEST_PKGS=(
  tshark python3 python3-scapy
  iproute2 iputils-ping procps
  # veth offloads must be switched off for AF_PACKET ports (see tests/e2e/lib.sh)
  ethtool
  curl nginx-light nsd unbound
  # bind9-dnsutils is the real package behind the transitional "dnsutils" (dig)
  bind9-dnsutils dnsperf
  arp-scan hping3 ieee-data
)

log() { printf 'setup: %s\n' "$*"; }

# Root in CI; a developer may run it as a user with sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo --preserve-env=DEBIAN_FRONTEND "$@"; fi
}

missing=()
for pkg in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$pkg")
done

if (( ${#missing[@]} > 0 )); then
  log "installing ${#missing[@]} packages: ${missing[*]}"
  # tshark asks whether non-root users may capture; answer before apt asks.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' |
    as_root debconf-set-selections

  # nginx, nsd and unbound would otherwise start system-wide daemons on ports
  # 53/80 of the root namespace; the tests start their own copies inside
  # namespaces. policy-rc.d exit 101 = "action forbidden" for invoke-rc.d.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    own_policy=1
  fi
  remove_policy() { (( own_policy )) && as_root rm -f "$policy"; own_policy=0; }
  trap remove_policy EXIT

  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp /tmp/rampart-setup.XXXXXX.log)
  if ! as_root apt-get update -q >"$apt_log" 2>&1 ||
     ! as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 40 "$apt_log" >&2
    log "FAILED to install packages (full log: $apt_log)"
    exit 1
  fi
  rm -f "$apt_log"
  remove_policy
  trap - EXIT
fi

# Hugepages are a convenience for running Rampart by hand at full speed; every
# test passes --no-huge, so any failure here (containers, read-only /sys,
# fragmented memory) is ignored on purpose.
setup_hugepages() {
  local nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages want=256
  [[ -w $nr ]] || return 0
  local have
  have=$(cat "$nr" 2>/dev/null || echo 0)
  if (( have < want )); then
    echo "$want" >"$nr" 2>/dev/null || true
  fi
  if ! grep -qs ' hugetlbfs ' /proc/mounts; then
    mkdir -p /dev/hugepages 2>/dev/null &&
      mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
  fi
  return 0
}
if [[ $(id -u) -eq 0 ]]; then
  setup_hugepages || true
fi

if (( ${#missing[@]} > 0 )); then
  log "installed ${#missing[@]} packages"
else
  log "all dependencies present"
fi
