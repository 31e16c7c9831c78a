// Link-up re-announcement, control-plane half: LinkWatch reports a port only on a down -> up
// transition it saw, and PortAddresses' announce generation carries the request to the stage
// (the stage half is in tests/pipeline/arp).
#include <gtest/gtest.h>

#include <thread>

#include "arp/link_watch.h"
#include "arp/port_addresses.h"

namespace rampart::arp {
namespace {

TEST(LinkWatch, ReportsOnlyDownToUp) {
  LinkWatch w;
  EXPECT_FALSE(w.update(0, true)) << "up at the first poll: the start-up announcement covers it";
  EXPECT_FALSE(w.update(0, true));
  EXPECT_FALSE(w.update(0, false));
  EXPECT_FALSE(w.update(0, false));
  EXPECT_TRUE(w.update(0, true));
  EXPECT_FALSE(w.update(0, true)) << "once per transition";
  // Down at the first poll (a cable plugged in later): its coming up is reported.
  EXPECT_FALSE(w.update(3, false));
  EXPECT_TRUE(w.update(3, true));
  // Ports are independent.
  EXPECT_FALSE(w.update(1, true));
  EXPECT_FALSE(w.update(0, false));
  EXPECT_FALSE(w.update(1, true));
}

TEST(PortAddresses, AnnounceGenerationCountsRequestsFromAnyThread) {
  AddressBook book;
  EXPECT_EQ(book.port(2).announce_generation(), 0u);
  std::thread a([&] { for (int i = 0; i < 1000; ++i) book.port(2).request_announce(); });
  std::thread b([&] { for (int i = 0; i < 1000; ++i) book.port(2).request_announce(); });
  a.join();
  b.join();
  EXPECT_EQ(book.port(2).announce_generation(), 2000u);
  EXPECT_EQ(book.port(1).announce_generation(), 0u);
}

TEST(PortAddresses, IndexOfIsPerVlan) {
  PortAddresses p;
  p.add({0x0a000001, 24, 0});
  p.add({0x0a000001, 24, 7});
  EXPECT_EQ(p.index_of(0x0a000001, 0), 0);
  EXPECT_EQ(p.index_of(0x0a000001, 7), 1);
  EXPECT_EQ(p.index_of(0x0a000001, 8), -1);
  EXPECT_EQ(p.index_of(0x0a000002, 0), -1);
}

}  // namespace
}  // namespace rampart::arp
