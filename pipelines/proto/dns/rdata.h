// On-demand rdata decoders. Each checks the RR's type, validates the rdata against its format
// (names inside it must end within it; fixed fields must fill it exactly) and returns views into
// the message. Unknown types stay opaque: Record::type plus (rdata, rdlength).
#pragma once

#include "proto/dns/dns.h"

namespace rampart::proto::dns {

struct RdataA { const uint8_t* addr; };        // 4 bytes, network order
struct RdataAAAA { const uint8_t* addr; };     // 16 bytes
struct RdataName { Name name; };               // NS, CNAME, PTR (and DNAME-like uses)
struct RdataMX { uint16_t preference; Name exchange; };
struct RdataSOA {
  Name mname, rname;
  uint32_t serial, refresh, retry, expire, minimum;
};
struct RdataSRV { uint16_t priority, weight, port; Name target; };
struct RdataCAA {
  uint8_t flags;
  std::string_view tag;    // 1..15 alphanumerics (RFC 8659)
  std::string_view value;  // the rest of the rdata
  bool critical() const noexcept { return flags & 0x80; }
};

// TXT: one or more <character-string>s filling the rdata exactly.
class TxtStrings {
 public:
  TxtStrings() = default;
  TxtStrings(const uint8_t* p, uint16_t n) : p_(p), n_(n) {}
  // Iteration: while (it.next(s)) ...
  bool next(std::string_view& s) noexcept {
    if (pos_ >= n_) return false;
    const unsigned l = p_[pos_];
    s = std::string_view(reinterpret_cast<const char*>(p_ + pos_ + 1), l);
    pos_ = uint16_t(pos_ + 1 + l);
    return true;
  }
  size_t count() const noexcept;

 private:
  const uint8_t* p_ = nullptr;
  uint16_t n_ = 0;
  uint16_t pos_ = 0;
};

namespace edns_opt {
inline constexpr uint16_t NSID = 3, CLIENT_SUBNET = 8, EXPIRE = 9, COOKIE = 10,
                          TCP_KEEPALIVE = 11, PADDING = 12, EDE = 15;
}

struct EdnsOption {
  uint16_t code;
  uint16_t length;
  const uint8_t* data;
};

// The OPT's options, TLVs filling the rdata exactly (decode_opt checks that up front).
class EdnsOptions {
 public:
  EdnsOptions() = default;
  EdnsOptions(const uint8_t* p, uint16_t n) : p_(p), n_(n) {}
  bool next(EdnsOption& o) noexcept {
    if (pos_ + 4u > n_) return false;
    o.code = uint16_t(p_[pos_] << 8 | p_[pos_ + 1]);
    o.length = uint16_t(p_[pos_ + 2] << 8 | p_[pos_ + 3]);
    o.data = p_ + pos_ + 4;
    pos_ = uint16_t(pos_ + 4 + o.length);
    return true;
  }

 private:
  const uint8_t* p_ = nullptr;
  uint16_t n_ = 0;
  uint16_t pos_ = 0;
};

struct RdataOPT {
  uint16_t udp_size;
  uint8_t ext_rcode_hi;
  uint8_t version;
  bool do_bit;
  uint16_t flags;   // the whole 16-bit flags field (DO is bit 15)
  EdnsOptions options;
};

// RFC 7871 client subnet. `address` holds ceil(source_prefix/8) bytes.
struct EdnsClientSubnet {
  uint16_t family;  // 1 = IPv4, 2 = IPv6
  uint8_t source_prefix;
  uint8_t scope_prefix;
  const uint8_t* address;
  uint8_t address_len;
};

// RFC 7873 cookie: 8-byte client cookie, optional 8..32-byte server cookie.
struct EdnsCookie {
  const uint8_t* client;  // 8 bytes
  const uint8_t* server;  // nullptr when absent
  uint8_t server_len;
};

Error decode_a(const Message& m, const Record& r, RdataA& out) noexcept;
Error decode_aaaa(const Message& m, const Record& r, RdataAAAA& out) noexcept;
// NS, CNAME, PTR: any of the three types is accepted.
Error decode_name(const Message& m, const Record& r, RdataName& out) noexcept;
Error decode_mx(const Message& m, const Record& r, RdataMX& out) noexcept;
Error decode_txt(const Message& m, const Record& r, TxtStrings& out) noexcept;
Error decode_soa(const Message& m, const Record& r, RdataSOA& out) noexcept;
Error decode_srv(const Message& m, const Record& r, RdataSRV& out) noexcept;
Error decode_caa(const Message& m, const Record& r, RdataCAA& out) noexcept;
Error decode_opt(const Message& m, const Record& r, RdataOPT& out) noexcept;
Error decode_client_subnet(const EdnsOption& o, EdnsClientSubnet& out) noexcept;
Error decode_cookie(const EdnsOption& o, EdnsCookie& out) noexcept;

// Validates the rdata of any type decoded above (ok for opaque types): one call for the fuzzer and
// for consumers that want "is this RR well formed" without the fields.
Error validate_rdata(const Message& m, const Record& r) noexcept;

}  // namespace rampart::proto::dns
