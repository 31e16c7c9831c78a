// The OUI vendor list parser: arp-scan's and ieee-data's formats (MA-L and the MA-M/MA-S/IAB
// block lists), longest prefix across lists, placeholders.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

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

// ieee-data's MA-M, MA-S and IAB lists: the "(hex)" line is an OUI many organisations share, the
// "(base 16)" range after it is the block; the block, not the OUI, is what gets the name.
TEST(Oui, ParsesIeeeDataBlockListsAsLongerPrefixes) {
  OuiTable t;
  const size_t n = t.parse(
      "OUI                                                         Organization                                 \n"
      "OUI-28/MA-M Range                                           Organization                                 \n"
      "                                                            Address                                      \n"
      "\n"
      "74-1A-E0   (hex)\t\tPrivate\n"
      "900000-9FFFFF     (base 16)\t\tPrivate\n"
      "\n"
      "74-1A-E0   (hex)\t\tSocionext Inc.\n"
      "100000-1FFFFF     (base 16)\t\tSocionext Inc.\n"
      "\t\t\t\tYokohama\n"
      "\n"
      "70-B3-D5   (hex)\t\tTELEPLATFORMS\n"
      "F2F000-F2FFFF     (base 16)\t\tTELEPLATFORMS\n"
      "\t\t\t\tPolbina st., 3/1\n"
      "\n"
      "00-50-C2                      (hex)                         DEUTA-WERKE GmbH                             \n"
      "7D5000-7D5FFF                 (base 16)                     DEUTA-WERKE GmbH                             \n"
      "                                                            Paffrather Strasse 140                       \n");
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x91, 0x02, 0x03}), "Private");
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x1f, 0xff, 0xff}), "Socionext Inc.");
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x21, 0x02, 0x03}), "") << "the shared OUI itself is nobody's";
  EXPECT_EQ(t.lookup({0x70, 0xb3, 0xd5, 0xf2, 0xf7, 0x77}), "TELEPLATFORMS");
  EXPECT_EQ(t.lookup({0x70, 0xb3, 0xd5, 0xf2, 0xe7, 0x77}), "");
  EXPECT_EQ(t.lookup({0x00, 0x50, 0xc2, 0x7d, 0x50, 0x01}), "DEUTA-WERKE GmbH");
}

// Debian without arp-scan: ieee-data's oui.txt first, then its block lists on top; the longest
// prefix wins across lists, and a list that is missing is skipped.
TEST(Oui, LoadsExtraListsOnTopWithLongestPrefixAcrossLists) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("oui-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const char* name, const char* text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string mal = write("oui.txt",
                                "70-B3-D5   (hex)\t\tIEEE Registration Authority\n"
                                "70B3D5     (base 16)\t\tIEEE Registration Authority\n"
                                "\n"
                                "74-1A-E0   (hex)\t\tIEEE Registration Authority\n"
                                "741AE0     (base 16)\t\tIEEE Registration Authority\n");
  const std::string mam = write("mam.txt",
                                "74-1A-E0   (hex)\t\tSocionext Inc.\n"
                                "100000-1FFFFF     (base 16)\t\tSocionext Inc.\n");
  const std::string mas = write("oui36.txt",
                                "70-B3-D5   (hex)\t\tTELEPLATFORMS\n"
                                "F2F000-F2FFFF     (base 16)\t\tTELEPLATFORMS\n");
  OuiTable t;
  std::string loaded, err;
  ASSERT_TRUE(t.load_lists({(dir / "missing.txt").string(), mal},
                           {mam, (dir / "missing-too.txt").string(), mas}, &loaded, &err))
      << err;
  EXPECT_EQ(loaded, mal + ", " + mam + ", " + mas);
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x12, 0x34, 0x56}), "Socionext Inc.");
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x92, 0x34, 0x56}), "IEEE Registration Authority");
  EXPECT_EQ(t.lookup({0x70, 0xb3, 0xd5, 0xf2, 0xf0, 0x01}), "TELEPLATFORMS");
  EXPECT_EQ(t.lookup({0x70, 0xb3, 0xd5, 0x00, 0x00, 0x01}), "IEEE Registration Authority");
  OuiTable none;
  EXPECT_FALSE(none.load_lists({(dir / "missing.txt").string()}, {mam}, &loaded, &err));
  EXPECT_EQ(none.size(), 0u) << "extras are not loaded without a main list";
  std::filesystem::remove_all(dir);
}

TEST(Oui, LoadsTheInstalledBlockLists) {
  if (!std::filesystem::exists("/usr/share/ieee-data/mam.txt"))
    GTEST_SKIP() << "ieee-data is not installed";
  OuiTable t;
  std::string err;
  ASSERT_TRUE(t.load_file("/usr/share/ieee-data/mam.txt", &err)) << err;
  EXPECT_GT(t.size(), 1000u);
  // 74-1A-E0 is shared by 16 organisations, one per block (ieee-data 20220827).
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x90, 0x00, 0x01}), "Private");
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0xa0, 0x00, 0x01}), "SAIERCOM CORPORATION");
  EXPECT_EQ(t.lookup({0x74, 0x1a, 0xe0, 0x3f, 0xff, 0xff}), "Philips Personal Health Solutions");
  EXPECT_EQ(t.lookup({0x00, 0x00, 0x0c, 0x12, 0x34, 0x56}), "") << "MA-L prefixes are not in mam.txt";
}
