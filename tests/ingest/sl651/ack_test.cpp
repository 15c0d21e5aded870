#include "server/ingest/sl651/ack.hpp"

#include "gtest_include.hpp"
#include "ingest/sl651/sample.hpp"

namespace quanyu::ingest::sl651 {
namespace {

using test::sample;

Report report_of(const std::string& frame) { return decode_report(frame).value(); }

TEST(Ack, PublishedTestReportConfirmation) {
  // toymoban.com/news/detail-686475.html: the centre answers the 30H test report with
  // 7E7E 0012345678 01 1234 30 8008 02 0003 591011154947 1B 75D4 (ESC, the station's own send
  // time as the centre time).
  const Report r = report_of(sample("published_test_30.bin"));
  auto ack = reply_for(r, /*keep_online=*/true);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->end_marker, kEsc);
  EXPECT_EQ(encode_ack(*ack, StationTime{2059, 10, 11, 15, 49, 47}),
            sample("published_test_30_ack.bin"));
}

TEST(Ack, PublishedTimedReportConfirmation) {
  // Same article, 32H: 7E7E 0011223344 05 03E8 32 8008 02 0034 170718110016 1B E5D4.
  const Report r = report_of(sample("published_timed_32.bin"));
  EXPECT_EQ(encode_ack(*reply_for(r, true), StationTime{2017, 7, 18, 11, 0, 16}),
            sample("published_timed_32_ack.bin"));
}

TEST(Ack, DeviceLogConfirmationsUseTheCentreClock) {
  // comger/sl651 testdata.csv: each report of station 1090330853 answered with ESC, the serial
  // echoed and the centre's time a few seconds after the station's send time.
  struct Case {
    const char* up;
    const char* down;
    StationTime centre;
  };
  for (const Case& c :
       {Case{"device_timed_32.bin", "device_timed_32_ack.bin", {2026, 2, 2, 9, 40, 24}},
        Case{"device_hourly_34.bin", "device_hourly_34_ack.bin", {2026, 2, 2, 9, 0, 31}},
        Case{"device_uniform_31.bin", "device_uniform_31_ack.bin", {2026, 2, 2, 9, 0, 36}}}) {
    const Report r = report_of(sample(c.up));
    auto ack = reply_for(r, true);
    ASSERT_TRUE(ack) << c.up;
    EXPECT_EQ(encode_ack(*ack, c.centre), sample(c.down)) << c.up;
  }
}

TEST(Ack, WhatEachMessageGetsBack) {
  Report r = report_of(sample("published_timed_32.bin"));
  EXPECT_EQ(reply_for(r, false)->end_marker, kEot);  // M2 ETX: hang up
  EXPECT_EQ(reply_for(r, true)->end_marker, kEsc);   // M2 ETX: stay online
  r.header.end_marker = kEtb;
  EXPECT_EQ(reply_for(r, false)->end_marker, kAck);  // M2 ETB: go on
  r.header.end_marker = kEnq;
  EXPECT_FALSE(reply_for(r, false));
  r.header.end_marker = kEtx;
  r.header.direction = Direction::kDown;
  EXPECT_FALSE(reply_for(r, false));

  // 2FH: no downstream message (§6.6.4.2).
  EXPECT_FALSE(reply_for(report_of(sample("published_keepalive_2f.bin")), true));

  // M3: one confirmation with packet number = total (table 23 note a).
  r = report_of(sample("published_timed_32.bin"));
  r.header.packet = PacketInfo{3, 2};
  auto m3 = reply_for(r, false);
  ASSERT_TRUE(m3);
  EXPECT_EQ(m3->end_marker, kEot);
  EXPECT_EQ(*m3->packet, (PacketInfo{3, 3}));
}

TEST(Ack, SynConfirmationsAndNaksFrame) {
  auto p1 = decode_frame(sample("constructed_multipacket_31_p1.bin")).value();
  const AckRequest nak = nak_for(p1.header, 0x0096, 2);
  const std::string bytes = encode_ack(nak, StationTime{2026, 2, 2, 9, 0, 40});
  auto frame = decode_frame(bytes);
  ASSERT_TRUE(frame) << frame.error().message;
  EXPECT_EQ(frame->header.direction, Direction::kDown);
  EXPECT_EQ(frame->header.end_marker, kNak);
  EXPECT_EQ(*frame->header.packet, (PacketInfo{3, 2}));
  EXPECT_EQ(format_station(frame->header.station_address), "1090330853");
  EXPECT_EQ(frame->header.function_code, 0x31);
  EXPECT_EQ(frame->body, test::unhex("0096 260202090040"));
  // 11 body bytes: packet count + serial + time.
  EXPECT_EQ(bytes.size(), 11 + kFrameOverhead);
}

}  // namespace
}  // namespace quanyu::ingest::sl651
