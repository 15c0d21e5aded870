#include "server/ingest/sl651/observations.hpp"

#include "engine/core/time.hpp"
#include "gtest_include.hpp"
#include "ingest/sl651/sample.hpp"
#include "server/ingest/common/time.hpp"

namespace quanyu::ingest::sl651 {
namespace {

using test::sample;

Report report_of(const std::string& name) { return decode_report(sample(name)).value(); }

std::int64_t beijing_us(const char* text) {
  return parse_datetime_us(text, kBeijingOffsetMinutes).value();
}

TEST(Observations, TimedReportBecomesOneGaugeReading) {
  // toymoban.com/news/detail-686475.html, 32H of station 0011223344 at 17-07-18 11:00: PJ 4 mm,
  // Z 10.49 m, VT 10.99 V.
  auto obs = to_observations(report_of("published_timed_32.bin"), "WG-0011223344");
  ASSERT_EQ(obs.size(), 1u);
  const v1::Observation& o = obs[0];
  EXPECT_EQ(o.id(), "sl651:0011223344:201707181100");
  EXPECT_EQ(o.source(), "sl651:0011223344");
  EXPECT_EQ(engine::to_micros(o.observed_at()), beijing_us("2017-07-18T11:00:00"));
  ASSERT_TRUE(o.has_gauge_reading());
  EXPECT_EQ(o.gauge_reading().gauge_id(), "WG-0011223344");
  EXPECT_DOUBLE_EQ(o.gauge_reading().water_level_m(), 10.49);
  EXPECT_DOUBLE_EQ(o.gauge_reading().rainfall_mm(), 4.0);
  EXPECT_DOUBLE_EQ(o.gauge_reading().battery_v(), 10.99);
  EXPECT_FALSE(o.has_position());  // the sensor layer knows where the gauge is
}

TEST(Observations, ResendIsTheSameObservation) {
  // A resend keeps the serial (§6.6.2.4) but the id does not even depend on it.
  Report first = report_of("published_timed_32.bin");
  Report again = first;
  again.serial = 0x35;
  again.sent_at.second = 59;
  EXPECT_EQ(to_observations(first, "g")[0].id(), to_observations(again, "g")[0].id());
}

TEST(Observations, TestReportsStayOutOfTheLivePicture) {
  // toymoban.com, 30H test report (Z 0.127 m): test data only on request (§6.6.4.3).
  const Report r = report_of("published_test_30.bin");
  EXPECT_TRUE(to_observations(r, "g").empty());
  ObservationOptions options;
  options.include_test_reports = true;
  auto obs = to_observations(r, "g", options);
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().water_level_m(), 0.127);
}

TEST(Observations, HourlyReportSkipsInvalidSlots) {
  // comger/sl651 testdata.csv, 34H at 09:00: DRZ1 has only its 09:00 slot (0.17 m); Z 0.168 m
  // observed at 09:00 wins over it; PJ 0, VT 11.55 V.
  auto obs = to_observations(report_of("device_hourly_34.bin"), "g");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0].id(), "sl651:1090330853:202602020900");
  EXPECT_EQ(engine::to_micros(obs[0].observed_at()), beijing_us("2026-02-02T09:00:00"));
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().water_level_m(), 0.168);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().rainfall_mm(), 0.0);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().battery_v(), 11.55);
}

TEST(Observations, FiveMinuteLevelsBecomeOneReadingEach) {
  // A 34H report with DRZ1 and DRP only (no Z, no PJ), built from the decoder's types: slot i at
  // 08:05 + 5 i minutes; rainfall is the DRP sum at the end of the hour.
  Report r;
  r.kind = Report::Kind::kHydrology;
  r.header.function_code = kFunctionHourly;
  r.header.station_address = {0x00, 0x12, 0x34, 0x56, 0x78};
  r.station = "0012345678";
  Element drz;
  drz.id = kFiveMinuteLevel1;
  drz.kind = Element::Kind::kSeries;
  drz.step_minutes = 5;
  drz.station = r.station;
  drz.observed = StationTime{2025, 7, 18, 8, 5, 0};
  for (int i = 0; i < 12; ++i)
    drz.series.push_back(i == 3 ? std::nullopt : std::optional<double>(1.0 + i / 100.0));
  Element drp = drz;
  drp.id = kFiveMinuteRainfall;
  drp.series.assign(12, 0.5);
  drp.series[0] = std::nullopt;
  r.elements = {drz, drp};
  ObservationOptions options;
  options.relative_level_base_m = 100.0;  // the station's water-level base
  auto obs = to_observations(r, "g", options);
  ASSERT_EQ(obs.size(), 11u);
  EXPECT_EQ(obs[0].id(), "sl651:0012345678:202507180805");
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().water_level_m(), 101.0);
  EXPECT_EQ(obs[2].id(), "sl651:0012345678:202507180815");
  EXPECT_EQ(obs[3].id(), "sl651:0012345678:202507180825");  // 08:20 was invalid
  EXPECT_EQ(obs[10].id(), "sl651:0012345678:202507180900");
  EXPECT_DOUBLE_EQ(obs[10].gauge_reading().water_level_m(), 101.11);
  EXPECT_DOUBLE_EQ(obs[10].gauge_reading().rainfall_mm(), 5.5);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().rainfall_mm(), 0.0);
}

TEST(Observations, UniformReportValuesAtTheirStep) {
  // comger/sl651 testdata.csv, 31H: only the 12th 5-minute value (09:00, 0.170 m) is present.
  auto obs = to_observations(report_of("device_uniform_31.bin"), "g");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0].id(), "sl651:1090330853:202602020900");
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().water_level_m(), 0.17);
}

TEST(Observations, NegativeLevelAndMissingRainfall) {
  // Constructed per §6.6.3.3: Z = -1.235 m, PJ no data (left at 0, not invented), VT 12.08 V.
  auto obs = to_observations(report_of("constructed_negative_level_33.bin"), "g");
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().water_level_m(), -1.235);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().rainfall_mm(), 0.0);
  EXPECT_DOUBLE_EQ(obs[0].gauge_reading().battery_v(), 12.08);
}

TEST(Observations, NothingWithoutAWaterLevel) {
  EXPECT_TRUE(to_observations(report_of("published_keepalive_2f.bin"), "g").empty());
  EXPECT_TRUE(to_observations(report_of("constructed_manual_35.bin"), "g").empty());
  Report rain_only = report_of("published_timed_32.bin");
  std::erase_if(rain_only.elements, [](const Element& e) { return e.id == kWaterLevel; });
  EXPECT_TRUE(to_observations(rain_only, "g").empty());
}

}  // namespace
}  // namespace quanyu::ingest::sl651
