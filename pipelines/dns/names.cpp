#include "dns/names.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace rampart::dns {

namespace {

struct Named {
  uint16_t code;
  const char* name;
};

constexpr Named kTypes[] = {
    {1, "A"},          {2, "NS"},        {3, "MD"},          {4, "MF"},         {5, "CNAME"},
    {6, "SOA"},        {7, "MB"},        {8, "MG"},          {9, "MR"},         {10, "NULL"},
    {11, "WKS"},       {12, "PTR"},      {13, "HINFO"},      {14, "MINFO"},     {15, "MX"},
    {16, "TXT"},       {17, "RP"},       {18, "AFSDB"},      {19, "X25"},       {20, "ISDN"},
    {21, "RT"},        {22, "NSAP"},     {23, "NSAP_PTR"},   {24, "SIG"},       {25, "KEY"},
    {26, "PX"},        {27, "GPOS"},     {28, "AAAA"},       {29, "LOC"},       {30, "NXT"},
    {31, "EID"},       {32, "NIMLOC"},   {33, "SRV"},        {34, "ATMA"},      {35, "NAPTR"},
    {36, "KX"},        {37, "CERT"},     {38, "A6"},         {39, "DNAME"},     {40, "SINK"},
    {41, "OPT"},       {42, "APL"},      {43, "DS"},         {44, "SSHFP"},     {45, "IPSECKEY"},
    {46, "RRSIG"},     {47, "NSEC"},     {48, "DNSKEY"},     {49, "DHCID"},     {50, "NSEC3"},
    {51, "NSEC3PARAM"},{52, "TLSA"},     {53, "SMIMEA"},     {55, "HIP"},       {56, "NINFO"},
    {57, "RKEY"},      {58, "TALINK"},   {59, "CDS"},        {60, "CDNSKEY"},   {61, "OPENPGPKEY"},
    {62, "CSYNC"},     {63, "ZONEMD"},   {64, "SVCB"},       {65, "HTTPS"},     {99, "SPF"},
    {108, "EUI48"},    {109, "EUI64"},   {249, "TKEY"},      {250, "TSIG"},     {251, "IXFR"},
    {252, "AXFR"},     {253, "MAILB"},   {254, "MAILA"},     {255, "ANY"},      {256, "URI"},
    {257, "CAA"},      {32768, "TA"},    {32769, "DLV"},
};

constexpr Named kRcodes[] = {
    {0, "NOERROR"},  {1, "FORMERR"},  {2, "SERVFAIL"}, {3, "NXDOMAIN"}, {4, "NOTIMP"},
    {5, "REFUSED"},  {6, "YXDOMAIN"}, {7, "YXRRSET"},  {8, "NXRRSET"},  {9, "NOTAUTH"},
    {10, "NOTZONE"}, {11, "DSOTYPENI"}, {16, "BADVERS"}, {17, "BADKEY"}, {18, "BADTIME"},
    {19, "BADMODE"}, {20, "BADNAME"}, {21, "BADALG"},  {22, "BADTRUNC"}, {23, "BADCOOKIE"},
};

template <size_t N>
const char* find(const Named (&table)[N], uint16_t code) {
  for (const auto& n : table)
    if (n.code == code) return n.name;
  return nullptr;
}

bool is_category(const uint8_t* label, size_t len) {
  static constexpr std::string_view kCats[] = {"co", "com", "net", "org", "gov", "edu", "ac",
                                               "or", "ne", "go", "gob", "mil", "nic", "ltd", "plc", "sch"};
  const std::string_view l(reinterpret_cast<const char*>(label), len);
  for (auto c : kCats)
    if (c == l) return true;
  return false;
}

}  // namespace

std::string qtype_name(uint16_t t) {
  if (const char* n = find(kTypes, t)) return n;
  return "TYPE" + std::to_string(t);
}

std::string qclass_name(uint16_t c) {
  switch (c) {
    case 1: return "IN";
    case 3: return "CH";
    case 4: return "HS";
    case 254: return "NONE";
    case 255: return "ANY";
    default: return "CLASS" + std::to_string(c);
  }
}

std::string rcode_name(uint16_t r) {
  if (const char* n = find(kRcodes, r)) return n;
  return "RCODE" + std::to_string(r);
}

std::string opcode_name(uint8_t op) {
  switch (op) {
    case 0: return "QUERY";
    case 1: return "IQUERY";
    case 2: return "STATUS";
    case 4: return "NOTIFY";
    case 5: return "UPDATE";
    case 6: return "DSO";
    default: return "OPCODE" + std::to_string(op);
  }
}

size_t registered_domain_offset(const uint8_t* wire, size_t len) noexcept {
  // Offsets of the (at most) last three labels, found in one walk.
  size_t offs[3] = {0, 0, 0};
  unsigned labels = 0;
  size_t p = 0;
  while (p < len && wire[p] != 0) {
    offs[0] = offs[1];
    offs[1] = offs[2];
    offs[2] = p;
    ++labels;
    p += 1 + wire[p];
  }
  if (labels <= 2) return 0;
  // offs[2] = last label, offs[1] = second to last, offs[0] = third to last.
  const size_t last_len = wire[offs[2]];
  const size_t sld_len = wire[offs[1]];
  if (last_len == 2 && is_category(wire + offs[1] + 1, sld_len)) return offs[0];
  return offs[1];
}

std::string wire_to_text(const uint8_t* wire, size_t len) {
  std::string out;
  size_t p = 0;
  while (p < len && wire[p] != 0) {
    const size_t l = wire[p];
    for (size_t i = 1; i <= l && p + i < len; ++i) {
      const unsigned char c = wire[p + i];
      if (c == '.' || c == '\\' || c == '"') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c <= 0x20 || c >= 0x7f) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '.';
    p += 1 + l;
  }
  return out.empty() ? "." : out;
}

}  // namespace rampart::dns
