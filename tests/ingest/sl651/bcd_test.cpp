#include "server/ingest/sl651/bcd.hpp"

#include "gtest_include.hpp"
#include "ingest/sl651/sample.hpp"

namespace quanyu::ingest::sl651 {
namespace {

using test::unhex;

TEST(Bcd, DecimalPlacesComeFromTheDefinition) {
  // toymoban.com/news/detail-686475.html: 39 23 00000127 is Z = 0.127 m, 38 12 1115 VT 11.15 V.
  EXPECT_DOUBLE_EQ(**decode_bcd_number(unhex("00000127"), 3, "Z"), 0.127);
  EXPECT_DOUBLE_EQ(**decode_bcd_number(unhex("1115"), 2, "VT"), 11.15);
  EXPECT_DOUBLE_EQ(**decode_bcd_number(unhex("000005"), 1, "PJ"), 0.5);
}

TEST(Bcd, LeadingFfIsNegative) {
  // SL 651-2014 §6.6.3.3 a: FFH before the digits for an even digit count, "FF0" for odd.
  EXPECT_DOUBLE_EQ(**decode_bcd_number(unhex("FF001235"), 3, "Z"), -1.235);
  EXPECT_DOUBLE_EQ(**decode_bcd_number(unhex("FF012345"), 3, "Z"), -12.345);
  EXPECT_DOUBLE_EQ(**decode_bcd_number(unhex("FF53"), 1, "AI"), -5.3);
}

TEST(Bcd, AllFIsNoData) {
  // §6.6.4.4 d: a value with no data is filled with F of the same length.
  auto v = decode_bcd_number(unhex("FFFFFFFF"), 3, "Z");
  ASSERT_TRUE(v);
  EXPECT_FALSE(*v);
  EXPECT_FALSE(*decode_bcd_number(unhex("FF"), 0, "X"));
}

TEST(Bcd, AllAIsTheInvalidValueMarker) {
  // Not defined by SL 651-2014, but sent by RTUs for an element they could not measure.
  auto v = decode_bcd_number(unhex("AAAA"), 0, "VT");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_FALSE(*v);
  EXPECT_FALSE(*decode_bcd_number(unhex("AAAAAAAA"), 3, "Z"));
}

TEST(Bcd, NonDecimalNibblesAreErrors) {
  auto v = decode_bcd_number(unhex("00A00127"), 3, "identifier 39H at body offset 30");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, "sl651_bad_bcd");
  EXPECT_NE(v.error().message.find("39H at body offset 30"), std::string::npos);
  EXPECT_NE(v.error().message.find("A0H"), std::string::npos) << v.error().message;
  EXPECT_FALSE(decode_bcd_number(unhex("AA01"), 0, "X"));  // A in one byte only: not BCD
  EXPECT_FALSE(decode_bcd_number("", 0, "X"));
  EXPECT_FALSE(decode_bcd_number(std::string(10, '\x11'), 0, "X"));  // 20 digits
}

TEST(Bcd, Times) {
  auto t = decode_bcd_time(unhex("591011155111"), "send time");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(*t, (StationTime{2059, 10, 11, 15, 51, 11}));
  auto obs = decode_bcd_time(unhex("2602020805"), "observation time");
  ASSERT_TRUE(obs);
  EXPECT_EQ(*obs, (StationTime{2026, 2, 2, 8, 5, 0}));
  for (const char* bad :
       {"261302080500", "260230080500", "260202250500", "2602020860", "26020208"}) {
    auto e = decode_bcd_time(unhex(bad), "send time");
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, "sl651_bad_time");
  }
  EXPECT_FALSE(decode_bcd_time(unhex("26020A080500"), "send time"));
}

TEST(Bcd, BeijingTimeBothWays) {
  const StationTime t{2026, 2, 2, 9, 40, 24};
  auto us = station_time_to_us(t);
  ASSERT_TRUE(us);
  EXPECT_EQ(*us, 1769996424LL * 1'000'000);  // 2026-02-02T01:40:24Z
  EXPECT_EQ(station_time_from_us(*us), t);
  EXPECT_EQ(station_time_from_us(*us + 999'999), t);
  EXPECT_EQ(station_time_from_us(0), (StationTime{1970, 1, 1, 8, 0, 0}));
  EXPECT_EQ(encode_bcd_time(t), unhex("260202094024"));
}

}  // namespace
}  // namespace quanyu::ingest::sl651
