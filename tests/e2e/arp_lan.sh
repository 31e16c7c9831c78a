# The ARP scan LAN shared by tests/e2e/arp_scan_lan.sh and tools/bench/arp_scan_lan_bench.sh;
# source it after lib.sh and e2e_init. arp_lan_up builds, in a few batched ip commands (35
# namespaces in well under a second):
#   - a namespace with a Linux bridge (STP off, no forward delay);
#   - Rampart's port: a veth whose end $ARP_LAN_RIF stays in the root namespace for net_af_packet;
#   - ARP_LAN_HOSTS hosts, each its own namespace on the bridge: NET.(10+i)/24; every fourth also
#     NET.(100+i); even ones with a MAC of a registered vendor (00:16:3e, Xensource), odd ones a
#     locally administered 02:5c:00:00:xx:xx; the last two
#     both also claim ARP_LAN_SHARED_IP (one IP, two MACs);
#   - a namespace for arp-scan (ARP_LAN_SCANNER_IP, interface eth0): run it with arp_lan_scanner.
# arp_lan_start_rampart then starts Rampart (ARP stage, ARP_LAN_RAMPART_IP) on $ARP_LAN_RIF and
# waits for its telemetry socket. Everything is recorded for e2e_cleanup.

ARP_LAN_NET=${ARP_LAN_NET:-10.203.0}
ARP_LAN_HOSTS=${ARP_LAN_HOSTS:-32}
ARP_LAN_RAMPART_IP=$ARP_LAN_NET.1
ARP_LAN_SCANNER_IP=$ARP_LAN_NET.250
ARP_LAN_SHARED_IP=$ARP_LAN_NET.200
# IP/MAC pairs the hosts hold (each address once per MAC).
arp_lan_pairs() { echo $(( ARP_LAN_HOSTS + ARP_LAN_HOSTS / 4 + 2 )); }

arp_lan_host_ns() { e2e_ns "h$1"; }

arp_lan_up() {
  local NET=$ARP_LAN_NET HOSTS=$ARP_LAN_HOSTS i p BR SC
  (( HOSTS >= 2 && HOSTS <= 99 )) || fail "ARP_LAN_HOSTS must be 2..99"
  BR=$(e2e_ns br)
  SC=$(e2e_ns scan)
  {
    printf 'netns add %s\n' "$BR" "$SC"
    for ((i = 1; i <= HOSTS; i++)); do printf 'netns add %s\n' "$(arp_lan_host_ns "$i")"; done
  } >"$E2E_WORK/netns.batch"
  # Recorded before creating, so a half-done batch is still cleaned up.
  E2E_NETNS+=("$BR" "$SC")
  for ((i = 1; i <= HOSTS; i++)); do E2E_NETNS+=("$(arp_lan_host_ns "$i")"); done
  ip -batch "$E2E_WORK/netns.batch" || fail "cannot create the namespaces"

  ARP_LAN_RIF=$(e2e_ifname r)
  E2E_LINKS+=("$ARP_LAN_RIF")
  {
    echo "link add br0 type bridge"
    echo "link set br0 type bridge stp_state 0 forward_delay 0"
    echo "link add brr type veth peer name $ARP_LAN_RIF netns 1"
    echo "link add bsc type veth peer name eth0 netns $SC"
    for ((i = 1; i <= HOSTS; i++)); do echo "link add b$i type veth peer name eth0 netns $(arp_lan_host_ns "$i")"; done
    for p in brr bsc $(seq -f 'b%g' 1 "$HOSTS"); do
      echo "link set $p master br0"
      echo "link set $p up"
    done
    echo "link set br0 up"
  } >"$E2E_WORK/bridge.batch"
  ip -n "$BR" -batch "$E2E_WORK/bridge.batch" || fail "cannot build the bridge"
  ip link set "$ARP_LAN_RIF" up
  e2e_no_offload "" "$ARP_LAN_RIF"

  for ((i = 1; i <= HOSTS; i++)); do
    {
      if (( i % 2 == 0 )); then
        printf 'link set eth0 address 00:16:3e:00:%02x:%02x\n' $((i / 256)) $((i % 256))
      else  # locally administered, fixed: no chance of matching arp-scan's mac-vendor.txt
        printf 'link set eth0 address 02:5c:00:00:%02x:%02x\n' $((i / 256)) $((i % 256))
      fi
      echo "addr add $NET.$((10 + i))/24 dev eth0"
      (( i % 4 == 0 )) && echo "addr add $NET.$((100 + i))/24 dev eth0"
      (( i > HOSTS - 2 )) && echo "addr add $ARP_LAN_SHARED_IP/24 dev eth0"
      echo "link set eth0 up"
    } | ip -n "$(arp_lan_host_ns "$i")" -batch - || fail "cannot set up host $i"
  done
  printf '%s\n' "addr add $ARP_LAN_SCANNER_IP/24 dev eth0" "link set eth0 up" | ip -n "$SC" -batch - ||
    fail "cannot set up the arp-scan namespace"
}

# arp_lan_scanner CMD...: run CMD in the arp-scan namespace (its interface is eth0).
arp_lan_scanner() { nsx scan "$@"; }

arp_lan_rampart_up() {
  bg_alive rampart || fail "rampart exited during start-up"
  [[ -S $ARP_LAN_SOCK ]]
}

# arp_lan_start_rampart RAMPART_BINARY
arp_lan_start_rampart() {
  cat >"$E2E_WORK/rampart.toml" <<EOF
[eal]
args = ["--no-pci", "--no-huge", "-m", "256"]

[mempool]
mbufs = 4095

[ports.lan]
profile = "net_af_packet"
args = { iface = "$ARP_LAN_RIF" }
ipv4 = ["$ARP_LAN_RAMPART_IP/24"]

[stages.arp]
policy = "drop"
EOF
  local eal
  mapfile -t eal < <(e2e_eal_args 256)
  start_bg rampart "$1" "${eal[@]}" -- -c "$E2E_WORK/rampart.toml"
  ARP_LAN_SOCK=$(e2e_telemetry_socket)
  wait_for arp_lan_rampart_up 30 || fail "telemetry socket $ARP_LAN_SOCK did not appear in 30 s"
  # Let the bridge learn the ports (Rampart announces its address at start).
  sleep 1
}
