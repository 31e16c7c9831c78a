// libFuzzer target for the JSON parser and writer (app/common/json): rampartctl parses every
// telemetry answer with them, the tests every report. A document is either refused with a
// position and a reason, or accepted; an accepted one written back (compact and pretty) parses to
// the same value.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.h"

namespace json = rampart::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // exact size: ASan sees any over-read
  const json::ParseResult r = json::parse(text);
  if (!r.value) {
    if (r.error.rfind("line ", 0) != 0) __builtin_trap();  // refused with a position
    return 0;
  }
  for (int indent : {-1, 2}) {
    const std::string out = json::write(*r.value, indent);
    const json::ParseResult again = json::parse(out);
    if (!again.value || !(*again.value == *r.value)) __builtin_trap();
  }
  return 0;
}
