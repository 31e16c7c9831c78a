#!/usr/bin/env bash
# Rampart announces its addresses again when a port's link comes back up:
#
#   ns host: 10.79.0.2/24 [vh] ==veth== [vb] br0 [tap] ns dut: rampart owns 10.79.0.1/24 on tap
#
# Rampart owns the TAP interface through net_tap (whose link status follows the interface's
# UP/RUNNING flags, which net_af_packet does not report); the test bridges it to the host's veth.
# tshark in the host namespace (an independent decoder) records every ARP frame. Checked:
#   - at start, one announcement (gratuitous_out 1) and no re-announcement;
#   - the TAP set down: nothing is announced while it is down;
#   - the TAP set up again: within a second tshark sees Rampart's gratuitous ARP for 10.79.0.1
#     from its MAC, the host kernel (arp_accept=1) learns it, /rampart/arp/stats counts one
#     reannouncement and a second gratuitous ARP; a second flap, a second announcement.
#
# Env (set by tests/e2e/meson.build): RAMPART, RAMPARTCTL, SOURCE_ROOT.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IP_R=10.79.0.1 IP_H=10.79.0.2
MAC_R=02:52:51:00:00:01

e2e_init arplink
e2e_require_root
e2e_require_cmd ip ethtool tshark "$PYTHON"
e2e_require_rampart ctl

VH=$(e2e_ifname h) VB=$(e2e_ifname b) TAP=$(e2e_ifname t)
e2e_netns_add host
e2e_netns_add dut
e2e_veth host "$VH" dut "$VB"
e2e_addr host "$VH" "$IP_H/24"
nsx host sysctl -qw "net.ipv4.conf.$VH.arp_accept=1" || fail "cannot set arp_accept"
printf '%s\n' "link add br0 type bridge" "link set br0 type bridge stp_state 0 forward_delay 0" \
  "link set $VB master br0" "link set br0 up" | ip -n "$(e2e_ns dut)" -batch - || fail "cannot build the bridge"

printf '%s\n' \
  '[mempool]' 'mbufs = 4095' '' \
  '[ports.lan]' 'profile = "net_tap"' "args = { iface = \"$TAP\" }" \
  "ipv4 = [\"$IP_R/24\"]" "mac = \"$MAC_R\"" '' \
  '[stages.arp]' 'policy = "drop"' '[stages.other]' 'policy = "drop"' >"$E2E_WORK/arp.toml"

mapfile -t EAL < <(e2e_eal_args 256)
start_bg rampart --ns dut "$RAMPART" "${EAL[@]}" -- -c "$E2E_WORK/arp.toml"
SOCK=$(e2e_telemetry_socket)
rampart_up() {
  bg_alive rampart || fail "rampart exited during start-up"
  [[ -S $SOCK ]]
}
wait_for rampart_up 30 || fail "rampart's telemetry socket $SOCK did not appear in 30 s"
wait_for "nsx dut ip link show $TAP" 10 || fail "rampart did not create $TAP"
nsx dut ip link set "$TAP" master br0 || fail "cannot bridge $TAP"

stat() {
  "$RAMPARTCTL" --prefix "$E2E_PREFIX" --json raw /rampart/arp/stats |
    "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)['$1'])"
}
wait_for '[[ $(stat gratuitous_out) == 1 ]]' 10 || fail "no announcement at start: gratuitous_out $(stat gratuitous_out)"
[[ $(stat reannouncements) == 0 ]] || fail "re-announced without a link change"

# Every ARP frame the host sees, one line each: opcode, sender MAC, sender IP, target IP.
start_bg tshark --ns host tshark -l -n -i "$VH" -f arp -T fields -E separator=, \
  -e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4
wait_for "grep -q 'Capturing on' '$E2E_WORK/tshark.log'" 20 || fail "tshark did not start"
announcements() { grep -ci "^1,$MAC_R,$IP_R,$IP_R\$" "$E2E_WORK/tshark.log" || true; }

for flap in 1 2; do
  nsx host ip neigh flush dev "$VH"
  nsx dut ip link set "$TAP" down || fail "cannot set $TAP down"
  sleep 1  # several link polls: the watcher sees the port down
  [[ $(stat reannouncements) == $((flap - 1)) ]] || fail "announced while the link was down"
  (( $(announcements) == flap - 1 )) || fail "tshark saw an announcement while $TAP was down"
  nsx dut ip link set "$TAP" up || fail "cannot set $TAP up"
  wait_for '(( $(announcements) == flap ))' 10 ||
    fail "no gratuitous ARP after link-up $flap: $(tail -5 "$E2E_WORK/tshark.log")"
  learned() { nsx host ip neigh show "$IP_R" dev "$VH" | grep -qi "lladdr $MAC_R"; }
  wait_for learned 5 || fail "the host did not learn $IP_R from the announcement: $(nsx host ip neigh show dev "$VH")"
  [[ $(stat reannouncements) == "$flap" ]] || fail "reannouncements $(stat reannouncements) after $flap link-ups"
  [[ $(stat gratuitous_out) == $((flap + 1)) ]] || fail "gratuitous_out $(stat gratuitous_out) after $flap link-ups"
  e2e_log "link-up $flap: tshark saw the gratuitous ARP for $IP_R from $MAC_R; the host learned it"
done
grep -q "link of lan is up again" "$E2E_WORK/rampart.log" || fail "no log line for the link-up"

stop_bg tshark INT 10 || true
e2e_stop_rampart
e2e_log "PASS"
