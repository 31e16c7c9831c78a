#include "proto/dns/rdata.h"

namespace rampart::proto::dns {

namespace {

inline uint16_t rd16(const uint8_t* p) noexcept { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t rd32(const uint8_t* p) noexcept {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// A name starting at `off` whose in-place bytes end by `limit`; `next` gets the byte after it.
inline Error name_in_rdata(const Message& m, size_t off, size_t limit, Name& out,
                           size_t& next) noexcept {
  if (off >= limit) return Error::bad_rdata;
  NameWalk w;
  const Error e = Name::at(m.data(), m.size(), off, limit, out, &w);
  if (e == Error::name_truncated) return Error::bad_rdata;  // ran past the rdata, not the message
  if (e != Error::ok) return e;
  next = w.end;
  return Error::ok;
}

inline size_t rdata_end(const Record& r) noexcept { return size_t(r.rdata) + r.rdlength; }

}  // namespace

size_t TxtStrings::count() const noexcept {
  size_t n = 0;
  for (size_t p = 0; p < n_; p += 1 + p_[p]) ++n;
  return n;
}

Error decode_a(const Message& m, const Record& r, RdataA& out) noexcept {
  if (r.type != type::A) return Error::rdata_type_mismatch;
  if (r.rdlength != 4) return Error::bad_rdata;
  out.addr = m.data() + r.rdata;
  return Error::ok;
}

Error decode_aaaa(const Message& m, const Record& r, RdataAAAA& out) noexcept {
  if (r.type != type::AAAA) return Error::rdata_type_mismatch;
  if (r.rdlength != 16) return Error::bad_rdata;
  out.addr = m.data() + r.rdata;
  return Error::ok;
}

Error decode_name(const Message& m, const Record& r, RdataName& out) noexcept {
  if (r.type != type::NS && r.type != type::CNAME && r.type != type::PTR)
    return Error::rdata_type_mismatch;
  size_t next;
  const Error e = name_in_rdata(m, r.rdata, rdata_end(r), out.name, next);
  if (e != Error::ok) return e;
  return next == rdata_end(r) ? Error::ok : Error::bad_rdata;
}

Error decode_mx(const Message& m, const Record& r, RdataMX& out) noexcept {
  if (r.type != type::MX) return Error::rdata_type_mismatch;
  if (r.rdlength < 3) return Error::bad_rdata;
  out.preference = rd16(m.data() + r.rdata);
  size_t next;
  const Error e = name_in_rdata(m, r.rdata + 2u, rdata_end(r), out.exchange, next);
  if (e != Error::ok) return e;
  return next == rdata_end(r) ? Error::ok : Error::bad_rdata;
}

Error decode_txt(const Message& m, const Record& r, TxtStrings& out) noexcept {
  if (r.type != type::TXT) return Error::rdata_type_mismatch;
  if (r.rdlength == 0) return Error::bad_rdata;
  const uint8_t* p = m.data() + r.rdata;
  size_t pos = 0;
  while (pos < r.rdlength) pos += 1 + p[pos];
  if (pos != r.rdlength) return Error::bad_rdata;
  out = TxtStrings(p, r.rdlength);
  return Error::ok;
}

Error decode_soa(const Message& m, const Record& r, RdataSOA& out) noexcept {
  if (r.type != type::SOA) return Error::rdata_type_mismatch;
  size_t next;
  Error e = name_in_rdata(m, r.rdata, rdata_end(r), out.mname, next);
  if (e != Error::ok) return e;
  e = name_in_rdata(m, next, rdata_end(r), out.rname, next);
  if (e != Error::ok) return e;
  if (next + 20 != rdata_end(r)) return Error::bad_rdata;
  const uint8_t* p = m.data() + next;
  out.serial = rd32(p);
  out.refresh = rd32(p + 4);
  out.retry = rd32(p + 8);
  out.expire = rd32(p + 12);
  out.minimum = rd32(p + 16);
  return Error::ok;
}

Error decode_srv(const Message& m, const Record& r, RdataSRV& out) noexcept {
  if (r.type != type::SRV) return Error::rdata_type_mismatch;
  if (r.rdlength < 7) return Error::bad_rdata;
  const uint8_t* p = m.data() + r.rdata;
  out.priority = rd16(p);
  out.weight = rd16(p + 2);
  out.port = rd16(p + 4);
  size_t next;
  const Error e = name_in_rdata(m, r.rdata + 6u, rdata_end(r), out.target, next);
  if (e != Error::ok) return e;
  return next == rdata_end(r) ? Error::ok : Error::bad_rdata;
}

Error decode_caa(const Message& m, const Record& r, RdataCAA& out) noexcept {
  if (r.type != type::CAA) return Error::rdata_type_mismatch;
  if (r.rdlength < 2) return Error::bad_rdata;
  const uint8_t* p = m.data() + r.rdata;
  const unsigned taglen = p[1];
  if (taglen == 0 || taglen > 15 || 2u + taglen > r.rdlength) return Error::bad_rdata;
  for (unsigned i = 0; i < taglen; ++i) {
    const uint8_t c = p[2 + i];
    const bool alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    if (!alnum) return Error::bad_rdata;
  }
  out.flags = p[0];
  out.tag = std::string_view(reinterpret_cast<const char*>(p + 2), taglen);
  out.value = std::string_view(reinterpret_cast<const char*>(p + 2 + taglen),
                               r.rdlength - 2u - taglen);
  return Error::ok;
}

Error decode_opt(const Message& m, const Record& r, RdataOPT& out) noexcept {
  if (r.type != type::OPT) return Error::rdata_type_mismatch;
  const uint8_t* p = m.data() + r.rdata;
  size_t pos = 0;
  while (pos + 4 <= r.rdlength) pos += 4u + rd16(p + pos + 2);
  if (pos != r.rdlength) return Error::bad_rdata;
  out.udp_size = r.klass;
  out.ext_rcode_hi = uint8_t(r.ttl >> 24);
  out.version = uint8_t(r.ttl >> 16);
  out.flags = uint16_t(r.ttl);
  out.do_bit = r.ttl & 0x8000;
  out.options = EdnsOptions(p, r.rdlength);
  return Error::ok;
}

Error decode_client_subnet(const EdnsOption& o, EdnsClientSubnet& out) noexcept {
  if (o.code != edns_opt::CLIENT_SUBNET) return Error::rdata_type_mismatch;
  if (o.length < 4) return Error::bad_rdata;
  out.family = rd16(o.data);
  out.source_prefix = o.data[2];
  out.scope_prefix = o.data[3];
  const unsigned max_bits = out.family == 1 ? 32 : out.family == 2 ? 128 : 0;
  if (max_bits == 0 || out.source_prefix > max_bits || out.scope_prefix > max_bits)
    return Error::bad_rdata;
  // RFC 7871 6: exactly ceil(source/8) address bytes, bits beyond the prefix zero.
  const unsigned need = (out.source_prefix + 7u) / 8u;
  if (o.length != 4u + need) return Error::bad_rdata;
  out.address = o.data + 4;
  out.address_len = uint8_t(need);
  if (out.source_prefix % 8 && need &&
      (out.address[need - 1] & uint8_t(0xffu >> (out.source_prefix % 8))))
    return Error::bad_rdata;
  return Error::ok;
}

Error decode_cookie(const EdnsOption& o, EdnsCookie& out) noexcept {
  if (o.code != edns_opt::COOKIE) return Error::rdata_type_mismatch;
  if (o.length != 8 && (o.length < 16 || o.length > 40)) return Error::bad_rdata;
  out.client = o.data;
  out.server = o.length > 8 ? o.data + 8 : nullptr;
  out.server_len = uint8_t(o.length - 8);
  return Error::ok;
}

Error validate_rdata(const Message& m, const Record& r) noexcept {
  if (r.section == Section::question) return Error::ok;
  switch (r.type) {
    case type::A: { RdataA x; return decode_a(m, r, x); }
    case type::AAAA: { RdataAAAA x; return decode_aaaa(m, r, x); }
    case type::NS:
    case type::CNAME:
    case type::PTR: { RdataName x; return decode_name(m, r, x); }
    case type::MX: { RdataMX x; return decode_mx(m, r, x); }
    case type::TXT: { TxtStrings x; return decode_txt(m, r, x); }
    case type::SOA: { RdataSOA x; return decode_soa(m, r, x); }
    case type::SRV: { RdataSRV x; return decode_srv(m, r, x); }
    case type::CAA: { RdataCAA x; return decode_caa(m, r, x); }
    case type::OPT: {
      RdataOPT x;
      Error e = decode_opt(m, r, x);
      if (e != Error::ok) return e;
      EdnsOption o;
      while (x.options.next(o)) {
        if (o.code == edns_opt::CLIENT_SUBNET) {
          EdnsClientSubnet s;
          if ((e = decode_client_subnet(o, s)) != Error::ok) return e;
        } else if (o.code == edns_opt::COOKIE) {
          EdnsCookie c;
          if ((e = decode_cookie(o, c)) != Error::ok) return e;
        }
      }
      return Error::ok;
    }
    default: return Error::ok;
  }
}

}  // namespace rampart::proto::dns
