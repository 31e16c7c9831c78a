#include "rampartctl/rates.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "rampartctl/ask.h"
#include "rampartctl/cli.h"
#include "rampartctl/render.h"

namespace rampart::ctl {

namespace {

json::Value rate(uint64_t a, uint64_t b, double seconds) {
  if (b < a || seconds <= 0) return json::Value(uint64_t{0});
  return json::Value(static_cast<uint64_t>(std::llround(static_cast<double>(b - a) / seconds)));
}

// A counter as parsed: a non-negative integer (int64 when it fits, uint64 above).
bool is_count(const json::Value& v) { return v.is_uint() || (v.is_int() && v.as_int() >= 0); }

json::Value rates_of(const json::Value& a, const json::Value& b, double seconds, int depth) {
  json::Value out = json::Value::object();
  for (const auto& [k, vb] : b.as_object()) {
    const json::Value* va = a.find(k);
    if (!va) continue;
    const bool identifier = k.size() > 3 && k.compare(k.size() - 3, 3, "_id") == 0;  // port_id
    if (identifier) continue;
    // The one gauge /rampart/stats carries (a table's size, not a count of events): a rate of it
    // would mean nothing, so it is shown as it is now.
    if (k == "neighbours") {
      out.set(k, vb);
    } else if (is_count(vb) && is_count(*va)) {
      out.set(k, rate(va->as_uint(), vb.as_uint(), seconds));
    } else if (depth == 0 && vb.is_object() && va->is_object()) {
      json::Value inner = rates_of(*va, vb, seconds, 1);
      if (!inner.as_object().empty()) out.set(k, std::move(inner));
    }
  }
  return out;
}

}  // namespace

json::Value per_second(const json::Value& earlier, const json::Value& later, double seconds) {
  if (!earlier.is_object() || !later.is_object()) return json::Value::object();
  return rates_of(earlier, later, seconds, 0);
}

int run_rates(telemetry::Client& client, std::chrono::milliseconds interval, bool json) {
  int status = kExitOk;
  const auto read = [&](std::chrono::steady_clock::time_point* at) {
    auto v = ask(client, "/rampart/stats", &status, "is this a Rampart?");
    *at = std::chrono::steady_clock::now();
    return v;
  };
  std::chrono::steady_clock::time_point t0, t1;
  const auto a = read(&t0);
  if (!a) return status;
  std::this_thread::sleep_for(interval);
  const auto b = read(&t1);
  if (!b) return status;
  // The readings' own times, not the sleep: a slow answer must not inflate the rates.
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  const json::Value r = per_second(*a, *b, seconds);
  const std::string text = json ? json::write(r, 2) + "\n" : render(r);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace rampart::ctl
