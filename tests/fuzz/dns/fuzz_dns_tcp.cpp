// libFuzzer target: DNS-over-TCP reassembly. The input is cut into segments; some are dropped,
// repeated or overlapped, and the byte accounting must balance whatever happens; the boundary
// search's work must stay linear in the bytes; and unless the search had to limit itself, the
// messages are exactly those of the plain rules (reference_tcp_stream.h) fed the same segments.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "proto/dns/dns.h"
#include "proto/dns/tcp_stream.h"
#include "reference_tcp_stream.h"

namespace dns = rampart::proto::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  auto r = std::make_unique<dns::TcpStreamReassembler>();
  const uint8_t mode = data[0];
  uint32_t rng = uint32_t(data[1]) << 16 | uint32_t(data[2]) << 8 | data[3] | 1u;
  auto next = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
  };
  data += 4;
  size -= 4;
  const uint32_t isn = 0xfffff000u + (mode & 0xf0);  // exercises sequence wraparound
  dnstest::ReferenceTcpStream ref;
  if (mode & 1) {
    r->on_syn(isn - 1);
    ref.on_syn(isn - 1);
  }
  uint64_t fed_new = 0, emitted = 0;
  std::vector<std::vector<uint8_t>> got;
  auto sink = [&](const uint8_t* m, size_t n) {
    if (n < 12) __builtin_trap();
    std::vector<uint8_t> copy(m, m + n);  // exact size: ASan checks the bounds handed out
    dns::MessageBuf<16> mb;
    (void)dns::parse(copy.data(), n, mb);
    emitted += n + 2;
    got.push_back(std::move(copy));
  };
  size_t pos = 0;
  while (pos < size) {
    size_t n = 1 + next() % ((mode & 2) ? 64 : 1500);
    if (n > size - pos) n = size - pos;
    const uint32_t action = next() % 16;
    if ((mode & 4) && action == 0) {  // lost segment
      pos += n;
      continue;
    }
    std::vector<uint8_t> seg(data + pos, data + pos + n);
    r->feed(isn + uint32_t(pos), seg.data(), n, sink);
    ref.feed(isn + uint32_t(pos), seg.data(), n);
    fed_new += n;  // segments go forward in order, so every fed byte is new once
    if ((mode & 8) && action == 1 && pos >= 3) {  // retransmit with overlap
      const size_t back = 1 + next() % 3;
      std::vector<uint8_t> again(data + pos - back, data + pos + n);
      r->feed(isn + uint32_t(pos - back), again.data(), again.size(), sink);
      ref.feed(isn + uint32_t(pos - back), again.data(), again.size());
    }
    pos += n;
  }
  const auto& st = r->stats();
  if (emitted + st.bytes_given_up + r->buffered() != fed_new) __builtin_trap();
  // The boundary search is linear whatever the bytes: each offset examined at most twice (once
  // more when a tracked candidate completes), plus 4 bytes of parsing earned per byte taken in.
  if (st.search_steps > 6 * fed_new) __builtin_trap();
  // (The reference has no buffer limit: compare while the real buffer cannot have filled.)
  if (st.search_limited == 0 && fed_new < dns::TcpStreamReassembler::kCapacity && got != ref.messages)
    __builtin_trap();
  r->close();
  return 0;
}
