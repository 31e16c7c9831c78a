// libFuzzer target for the ARP scanner's text inputs: the OUI vendor list parser (any bytes as a
// list, then lookups must not read outside what was parsed) and the scan CIDR parser (an accepted
// range lies inside its block and skips network/broadcast below /31).
#include <cstdint>
#include <string>
#include <string_view>

#include "arp/oui.h"
#include "arp/scan_range.h"

using namespace rampart::arp;

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  OuiTable t;
  const size_t n = t.parse(text);
  check(t.size() <= n);
  MacBytes mac{};
  for (size_t i = 0; i < mac.size() && i < size; ++i) mac[i] = data[i];
  const std::string_view v = t.vendor(mac);
  check(!v.empty());

  ScanRange r;
  std::string err;
  if (parse_scan_cidr(text, &r, &err)) {
    check(r.prefix_len <= 32);
    const uint64_t block = uint64_t{1} << (32 - r.prefix_len);
    check(r.count >= 1 && r.count <= block);
    check(r.first >= r.network && uint64_t{r.first} + r.count <= uint64_t{r.network} + block);
    if (r.prefix_len < 31) check(r.first == r.network + 1 && r.count == block - 2);
    check(!format_scan_cidr(r).empty());
  } else {
    check(!err.empty());
  }
  return 0;
}
