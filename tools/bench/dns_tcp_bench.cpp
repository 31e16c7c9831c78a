// DNS-over-TCP reassembly (proto::dns::TcpStreamReassembler) per segment, Google Benchmark:
// ordinary streams against streams built to make the boundary search slow. Each run feeds one
// megabyte-scale stream in segments of the given size and reports bytes/s and ns per segment.
//
//   build/tools/bench/dns_tcp_bench [--benchmark_repetitions=5 --benchmark_report_aggregates_only]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dns_writer.h"
#include "proto/dns/tcp_stream.h"

namespace dns = rampart::proto::dns;

namespace {

// A response to "www.example.com A" with `answers` A records (owner a pointer to the question),
// length-prefixed: what an ordinary DNS-over-TCP stream carries.
std::vector<uint8_t> framed_response(uint16_t id, unsigned answers) {
  dnstest::Writer w;
  w.header(id, 0x8180, 1, uint16_t(answers), 0, 0);
  w.question("www.example.com", 1);
  for (unsigned a = 0; a < answers; ++a) {
    w.ptr(12);
    const size_t l = w.rr(1, 1, 300);
    w.bytes({192, 0, 2, uint8_t(a)});
    w.end_rdata(l);
  }
  return dnstest::framed(w.b);
}

std::vector<uint8_t> ordinary_stream(size_t bytes) {
  std::vector<uint8_t> b;
  for (uint16_t id = 0; b.size() < bytes; ++id) {
    const auto f = framed_response(id, 1 + id % 8);
    b.insert(b.end(), f.begin(), f.end());
  }
  return b;
}

// From every 16th offset the stream looks like a length prefix of `len` and a plausible header
// (one question, no records); nothing parses. len 65535: candidates that never complete;
// len 2000: candidates that complete and fail.
std::vector<uint8_t> lookalike_stream(size_t bytes, uint16_t len) {
  std::vector<uint8_t> b;
  while (b.size() < bytes) {
    const uint8_t c[16] = {uint8_t(len >> 8), uint8_t(len), 0x12, 0x34, 0x01, 0x00, 0, 1,
                           0, 0, 0, 0, 0, 0, 0xaa, 0xaa};
    b.insert(b.end(), c, c + 16);
  }
  return b;
}

// Bytes that are not DNS at all (another protocol on port 53), from a fixed xorshift sequence.
std::vector<uint8_t> random_stream(size_t bytes) {
  std::vector<uint8_t> b(bytes);
  uint32_t x = 2463534242u;
  for (auto& c : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = uint8_t(x >> 24);
  }
  return b;
}

enum Stream : int {
  ordinary_synced,
  ordinary_joined,
  random_bytes,
  incomplete_lookalikes,
  complete_lookalikes
};

void BM_Reassemble(benchmark::State& state) {
  const auto kind = static_cast<Stream>(state.range(0));
  const auto seg = static_cast<size_t>(state.range(1));
  constexpr size_t kBytes = 1 << 20;
  std::vector<uint8_t> b;
  switch (kind) {
    case ordinary_synced: b = ordinary_stream(kBytes); break;
    case ordinary_joined: b = ordinary_stream(kBytes); b.erase(b.begin(), b.begin() + 7); break;
    case random_bytes: b = random_stream(kBytes); break;
    case incomplete_lookalikes: b = lookalike_stream(kBytes, 0xffff); break;
    case complete_lookalikes: b = lookalike_stream(kBytes, 2000); break;
  }
  auto r = std::make_unique<dns::TcpStreamReassembler>();
  uint64_t messages = 0;
  auto sink = [&](const uint8_t*, size_t) { ++messages; };
  uint64_t segments = 0;
  for (auto _ : state) {
    r->reset();
    if (kind == ordinary_synced) r->on_syn(999);
    for (size_t i = 0; i < b.size(); i += seg) {
      const size_t n = i + seg <= b.size() ? seg : b.size() - i;
      r->feed(1000 + uint32_t(i), b.data() + i, n, sink);
      ++segments;
    }
    benchmark::DoNotOptimize(messages);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(b.size()));
  state.counters["s_per_segment"] = benchmark::Counter(
      double(segments), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["messages_per_pass"] = double(messages) / double(state.iterations());
  state.counters["search_limited_per_pass"] =
      double(r->stats().search_limited) / double(state.iterations());
}

const char* const kNames[] = {"ordinary_synced", "ordinary_joined", "random_bytes",
                              "incomplete_lookalikes", "complete_lookalikes"};

}  // namespace

int main(int argc, char** argv) {
  for (int kind = 0; kind < 5; ++kind)
    for (int seg : {1460, 100})
      benchmark::RegisterBenchmark(kNames[kind], BM_Reassemble)
          ->Args({kind, seg})
          ->ArgNames({"", "segment"})
          ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
