// Test-side DNS message writer: builds exactly the bytes a test needs, including broken ones.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace dnstest {

struct Writer {
  std::vector<uint8_t> b;

  Writer& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
    u16(id); u16(flags); u16(qd); u16(an); u16(ns); u16(ar);
    return *this;
  }
  void set_count(int section, uint16_t n) {
    b[4 + 2 * section] = uint8_t(n >> 8);
    b[5 + 2 * section] = uint8_t(n);
  }
  void u8(uint8_t v) { b.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v >> 8)); u8(uint8_t(v)); }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)); u16(uint16_t(v)); }
  void bytes(std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
  void bytes(std::initializer_list<uint8_t> l) { b.insert(b.end(), l.begin(), l.end()); }
  size_t pos() const { return b.size(); }

  void label(std::string_view l) { u8(uint8_t(l.size())); bytes(l); }
  // Labels of a dotted name, not terminated (follow with ptr() or root()).
  size_t labels(std::string_view dotted) {
    const size_t at = pos();
    while (!dotted.empty()) {
      size_t d = dotted.find('.');
      if (d == std::string_view::npos) d = dotted.size();
      label(dotted.substr(0, d));
      dotted.remove_prefix(d == dotted.size() ? d : d + 1);
    }
    return at;
  }
  void root() { u8(0); }
  void ptr(uint16_t off) { u16(uint16_t(0xc000 | off)); }
  // Uncompressed name; returns its offset.
  size_t name(std::string_view dotted) {
    const size_t at = labels(dotted);
    root();
    return at;
  }
  void question(std::string_view dotted, uint16_t type, uint16_t klass = 1) {
    name(dotted);
    u16(type);
    u16(klass);
  }
  // Fixed RR fields after the owner; rdata follows, closed by end_rdata(returned value).
  size_t rr(uint16_t type, uint16_t klass, uint32_t ttl) {
    u16(type); u16(klass); u32(ttl);
    const size_t at = pos();
    u16(0);
    return at;
  }
  void end_rdata(size_t len_at) {
    const size_t n = pos() - len_at - 2;
    b[len_at] = uint8_t(n >> 8);
    b[len_at + 1] = uint8_t(n);
  }
  // An OPT RR (root owner) with raw options bytes.
  void opt(uint16_t udp, uint8_t ext_rcode, uint8_t version, uint16_t flags,
           const std::vector<uint8_t>& options = {}) {
    root();
    size_t l = rr(41, udp, uint32_t(ext_rcode) << 24 | uint32_t(version) << 16 | flags);
    b.insert(b.end(), options.begin(), options.end());
    end_rdata(l);
  }
  const uint8_t* data() const { return b.data(); }
  size_t size() const { return b.size(); }
};

// A framed copy for DNS over TCP.
inline std::vector<uint8_t> framed(const std::vector<uint8_t>& m) {
  std::vector<uint8_t> f{uint8_t(m.size() >> 8), uint8_t(m.size())};
  f.insert(f.end(), m.begin(), m.end());
  return f;
}

}  // namespace dnstest
