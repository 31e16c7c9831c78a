// Writes the fuzzers' seed corpus: one synthetic message per record type and per malformation
// the unit tests cover, framed TCP streams, and frame sequences for the DNS stage target. Run at build time; nothing binary is committed.
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../unit/dns/dns_writer.h"

using dnstest::Writer;

namespace {

int n_written = 0;

void save(const std::string& dir, const std::string& name, const std::vector<uint8_t>& b) {
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    std::exit(1);
  }
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
  ++n_written;
}

Writer response(uint16_t qtype) {
  Writer w;
  w.header(0x4242, 0x8180, 1, 1, 0, 1);
  w.question("www.example.com", qtype);
  w.ptr(12);
  return w;
}

std::vector<std::vector<uint8_t>> messages() {
  std::vector<std::vector<uint8_t>> out;
  auto finish = [&](Writer& w, size_t l) {
    w.end_rdata(l);
    w.opt(1232, 0, 0, 0x8000, {0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
    out.push_back(w.b);
  };
  { Writer w = response(1); size_t l = w.rr(1, 1, 60); w.bytes({192, 0, 2, 1}); finish(w, l); }
  { Writer w = response(28); size_t l = w.rr(28, 1, 60); for (int i = 0; i < 16; ++i) w.u8(uint8_t(i)); finish(w, l); }
  { Writer w = response(2); size_t l = w.rr(2, 1, 60); w.labels("ns1"); w.ptr(16); finish(w, l); }
  { Writer w = response(5); size_t l = w.rr(5, 1, 60); w.name("alias.example.net"); finish(w, l); }
  { Writer w = response(12); size_t l = w.rr(12, 1, 60); w.labels("ptr"); w.ptr(12); finish(w, l); }
  { Writer w = response(15); size_t l = w.rr(15, 1, 60); w.u16(10); w.labels("mx"); w.ptr(16); finish(w, l); }
  { Writer w = response(16); size_t l = w.rr(16, 1, 60); w.label("v=spf1 -all"); w.label(""); finish(w, l); }
  { Writer w = response(6); size_t l = w.rr(6, 1, 60); w.labels("ns"); w.ptr(16); w.labels("host"); w.ptr(16);
    for (int i = 0; i < 5; ++i) w.u32(1000u * i); finish(w, l); }
  { Writer w = response(33); size_t l = w.rr(33, 1, 60); w.u16(1); w.u16(2); w.u16(53); w.ptr(12); finish(w, l); }
  { Writer w = response(257); size_t l = w.rr(257, 1, 60); w.u8(0); w.label("issue"); w.bytes("ca.example"); finish(w, l); }
  { Writer w = response(99); size_t l = w.rr(65000, 1, 60); w.bytes({1, 2, 3}); finish(w, l); }
  { Writer w; w.header(1, 0x0100, 1, 0, 0, 0); w.question("example.org", 1); out.push_back(w.b); }
  { Writer w; w.header(1, 0x8380, 1, 2, 0, 0); w.question("tc.example", 16); w.bytes({0xc0, 0x0c, 0, 16}); out.push_back(w.b); }
  { Writer w; w.header(1, 0, 1, 0, 0, 0); w.ptr(12); w.u16(1); w.u16(1); out.push_back(w.b); }
  { Writer w; w.header(1, 0, 1, 0, 0, 0); w.label("a"); w.ptr(12); w.u16(1); w.u16(1); out.push_back(w.b); }
  { Writer w; w.header(1, 0, 1, 0, 0, 0); w.u8(0x41); w.bytes("xx"); w.root(); w.u16(1); w.u16(1); out.push_back(w.b); }
  { Writer w; w.header(1, 0x8180, 1, 1, 0, 0); w.labels("fwd"); w.ptr(22); w.u16(1); w.u16(1);
    w.name("example.com"); size_t l = w.rr(1, 1, 1); w.u32(0); w.end_rdata(l); out.push_back(w.b); }
  return out;
}

// A record of the DNS stage target's input (fuzz_dns_stage.cpp): kind, ms, length, bytes.
void record(std::vector<uint8_t>& s, uint8_t kind, uint8_t ms, const std::vector<uint8_t>& body) {
  s.insert(s.end(), {kind, ms, uint8_t(body.size() >> 8), uint8_t(body.size())});
  s.insert(s.end(), body.begin(), body.end());
}

// The query a seed response answers: its ID and its question (up to the first RR).
std::vector<uint8_t> query_for(const std::vector<uint8_t>& response) {
  Writer w;
  w.header(uint16_t(response[0] << 8 | response[1]), 0x0100, 1, 0, 0, 0);
  size_t end = 12;
  while (end < response.size() && response[end] != 0 && response[end] < 0xc0) end += 1 + response[end];
  if (end < response.size()) end += response[end] >= 0xc0 ? 2 : 1;
  w.b.insert(w.b.end(), response.begin() + 12, response.begin() + long(std::min(end + 4, response.size())));
  return w.b;
}

std::vector<uint8_t> tcp_body(uint8_t flags, uint32_t seq, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> b{flags, uint8_t(seq >> 24), uint8_t(seq >> 16), uint8_t(seq >> 8), uint8_t(seq)};
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MESSAGE_DIR TCP_DIR STAGE_DIR\n", argv[0]);
    return 2;
  }
  const auto msgs = messages();
  for (size_t i = 0; i < msgs.size(); ++i) save(argv[1], "synthetic-" + std::to_string(i), msgs[i]);
  // TCP target input: 4 bytes of mode/seed, then a stream of framed messages.
  for (uint8_t mode : {0x01, 0x03, 0x05, 0x0d, 0x00}) {
    std::vector<uint8_t> s{mode, 0x12, 0x34, 0x56};
    for (const auto& m : msgs) {
      auto f = dnstest::framed(m);
      s.insert(s.end(), f.begin(), f.end());
    }
    save(argv[2], "stream-" + std::to_string(mode), s);
  }
  // DNS stage target input: each response after its query, over UDP/IPv4 and IPv6 with a
  // client each, and over TCP from the handshake.
  for (size_t i = 0; i < msgs.size(); ++i) {
    if (msgs[i].size() < 13) continue;
    const auto q = query_for(msgs[i]);
    std::vector<uint8_t> udp, tcp;
    record(udp, 0x00, 1, q);
    record(udp, 0x01, 3, msgs[i]);
    record(udp, 0x0c, 1, q);
    record(udp, 0x8d, 200, msgs[i]);
    save(argv[3], "udp-" + std::to_string(i), udp);
    record(tcp, 0x02, 0, tcp_body(0x02, 1000, {}));
    record(tcp, 0x03, 0, tcp_body(0x12, 5000, {}));
    record(tcp, 0x02, 1, tcp_body(0x18, 1001, dnstest::framed(q)));
    record(tcp, 0x83, 2, tcp_body(0x18, 5001, dnstest::framed(msgs[i])));
    save(argv[3], "tcp-" + std::to_string(i), tcp);
  }
  std::printf("%d seeds\n", n_written);
  return 0;
}
