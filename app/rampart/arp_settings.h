// The ARP parts of the configuration: a port's own addresses and MAC ([ports.NAME] ipv4, mac)
// and the [stages.arp] settings. Kept apart from config.cpp so the ARP keys live in one place.
#pragma once

#include <optional>
#include <string_view>

#include "app/rampart/config.h"
#include "app/rampart/config_reader.h"

namespace rampart::app {

// "10.0.0.1/24" or "10.0.0.1/24 vlan 100" (prefix length required). nullopt with *why set when
// malformed or not a usable host address.
std::optional<arp::PortAddress> parse_port_address(std::string_view text, std::string* why);

// Reads the ipv4 and mac keys of one port layer (profile or port table) into s.
void read_port_arp(ConfigReader& r, PortSettings& s);
// Reads [stages.arp] beyond policy and reflect_swap_mac.
void read_arp_stage(ConfigReader& r, arp::ArpConfig& c);

}  // namespace rampart::app
