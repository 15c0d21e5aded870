#include "server/ingest/common/time.hpp"

#include "gtest_include.hpp"

namespace quanyu::ingest {
namespace {

// 2009-12-04T08:23:32Z
constexpr std::int64_t kUtc = 1259915012LL * 1'000'000;

TEST(DateTime, NoOffsetMeansTheDefault) {
  auto t = parse_datetime_us("2009-12-04T16:23:32", kBeijingOffsetMinutes);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(*t, kUtc);
}

TEST(DateTime, OffsetsAndFractions) {
  EXPECT_EQ(*parse_datetime_us("2009-12-04T08:23:32Z", 480), kUtc);
  EXPECT_EQ(*parse_datetime_us("2009-12-04T16:23:32+08:00", 0), kUtc);
  EXPECT_EQ(*parse_datetime_us("2009-12-04T03:23:32-05:00", 480), kUtc);
  EXPECT_EQ(*parse_datetime_us("2009-12-04T16:23:32+0800", 0), kUtc);
  EXPECT_EQ(*parse_datetime_us("2009-12-04 16:23:32.250", 480), kUtc + 250'000);
  EXPECT_EQ(*parse_datetime_us(" 2009-12-04T16:23 ", 480), kUtc - 32'000'000);
}

TEST(DateTime, ErrorsNameTheText) {
  for (const char* text :
       {"", "2009-12-04", "2009-13-04T00:00:00", "2009-02-29T00:00:00", "2009-12-04T25:00:00",
        "2009-12-04T16:23:32+99:00", "2009-12-04T16:23:32 junk", "yesterday"}) {
    auto t = parse_datetime_us(text, 480);
    ASSERT_FALSE(t) << text;
    EXPECT_EQ(t.error().code, "invalid_time");
    EXPECT_NE(t.error().message.find(text), std::string::npos) << t.error().message;
  }
}

TEST(DateTime, LeapDay) { EXPECT_TRUE(parse_datetime_us("2024-02-29T00:00:00Z", 0)); }

}  // namespace
}  // namespace quanyu::ingest
