// The OUI vendor list parser: both Debian formats, longest prefix, placeholders.
#include <gtest/gtest.h>

#include <filesystem>

#include "arp/oui.h"

using namespace rampart::arp;

TEST(Oui, ParsesArpScanFormatWithLongestPrefix) {
  OuiTable t;
  const size_t n = t.parse(
      "# ieee-oui.txt -- comment\n"
      "\n"
      "000000\tXEROX CORPORATION\n"
      "001B21\tIntel Corporate\r\n"
      "70B3D5\tIEEE Registration Authority\n"
      "70B3D5F2E\tSome MA-S Vendor\n"
      "BADLINE\n"
      "1\tToo short\n");
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(t.lookup({0x00, 0x1b, 0x21, 0x01, 0x02, 0x03}), "Intel Corporate");
  EXPECT_EQ(t.lookup({0x00, 0x00, 0x00, 0x00, 0x00, 0x01}), "XEROX CORPORATION");
  EXPECT_EQ(t.lookup({0x70, 0xb3, 0xd5, 0xf2, 0xe1, 0x23}), "Some MA-S Vendor");
  EXPECT_EQ(t.lookup({0x70, 0xb3, 0xd5, 0xf2, 0xf1, 0x23}), "IEEE Registration Authority");
  EXPECT_EQ(t.lookup({0x00, 0x1b, 0x22, 0x01, 0x02, 0x03}), "");
}

TEST(Oui, ParsesIeeeDataFormat) {
  OuiTable t;
  const size_t n = t.parse(
      "OUI/MA-L                                                    Organization                                 \n"
      "company_id                                                  Organization                                 \n"
      "                                                            Address                                      \n"
      "\n"
      "00-22-72   (hex)\t\tAmerican Micro-Fuel Device Corp.\n"
      "002272     (base 16)\t\tAmerican Micro-Fuel Device Corp.\n"
      "\t\t\t\t2181 Buchanan Loop\n"
      "\t\t\t\tUS\n"
      "\n"
      "08-61-95   (hex)\t\tRockwell Automation\n");
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(t.lookup({0x00, 0x22, 0x72, 0xaa, 0xbb, 0xcc}), "American Micro-Fuel Device Corp.");
  EXPECT_EQ(t.lookup({0x08, 0x61, 0x95, 0, 0, 0}), "Rockwell Automation");
}

TEST(Oui, PlaceholdersLikeArpScan) {
  OuiTable t;
  EXPECT_EQ(t.vendor({0x02, 0x42, 0xac, 0x11, 0x00, 0x02}), "(Unknown: locally administered)");
  EXPECT_EQ(t.vendor({0x00, 0x42, 0xac, 0x11, 0x00, 0x02}), "(Unknown)");
}

TEST(Oui, MissingFileIsAnError) {
  OuiTable t;
  std::string err;
  EXPECT_FALSE(t.load_file("/nonexistent/oui.txt", &err));
  EXPECT_NE(err.find("/nonexistent/oui.txt"), std::string::npos);
  EXPECT_EQ(t.size(), 0u);
}

TEST(Oui, LoadsTheInstalledList) {
  if (!std::filesystem::exists(kOuiPaths[0]) && !std::filesystem::exists(kOuiPaths[1]))
    GTEST_SKIP() << "neither arp-scan nor ieee-data is installed";
  OuiTable t;
  std::string path, err;
  ASSERT_TRUE(t.load_default(&path, &err)) << err;
  EXPECT_GT(t.size(), 20000u);
  EXPECT_EQ(t.vendor({0x00, 0x00, 0x0c, 0x12, 0x34, 0x56}).substr(0, 5), "Cisco");
}

TEST(Oui, ParsesArpScanMacVendorFormat) {
  OuiTable t;
  EXPECT_EQ(t.parse("# mac-vendor.txt\n52:54:00\tQEMU\n02:bf\tMicrosoft WLBS (last four octets are IP address)\n"
                    "00:00:5e:00:01\tVRRP (last octet is VRID)\n"),
            3u);
  EXPECT_EQ(t.lookup({0x52, 0x54, 0x00, 0x12, 0x34, 0x56}), "QEMU");
  EXPECT_EQ(t.vendor({0x02, 0xbf, 0x0a, 0x00, 0x00, 0x01}), "Microsoft WLBS (last four octets are IP address)");
  EXPECT_EQ(t.lookup({0x00, 0x00, 0x5e, 0x00, 0x01, 0x07}), "VRRP (last octet is VRID)");
  EXPECT_EQ(t.lookup({0x00, 0x00, 0x5e, 0x00, 0x02, 0x07}), "");
}
