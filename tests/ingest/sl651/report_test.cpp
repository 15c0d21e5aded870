#include "server/ingest/sl651/report.hpp"

#include "gtest_include.hpp"
#include "ingest/sl651/sample.hpp"

namespace quanyu::ingest::sl651 {
namespace {

using test::sample;
using test::unhex;

const Element* find(const Report& r, std::uint16_t id) {
  for (const Element& e : r.elements) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

double number(const Report& r, std::uint16_t id) {
  const Element* e = find(r, id);
  if (e == nullptr || !e->number) return -9999;
  return *e->number;
}

// Frames a body as an upstream STX frame of station 0012345678, password 1234, centre 01.
std::string frame_of(std::uint8_t function, const std::string& body, std::uint8_t end = kEtx) {
  Header h;
  h.centre_address = 0x01;
  h.station_address = {0x00, 0x12, 0x34, 0x56, 0x78};
  h.password = 0x1234;
  h.function_code = function;
  h.end_marker = end;
  return encode_frame(h, body).value();
}

TEST(Report, Keepalive) {
  // toymoban.com/news/detail-686475.html, 链路维持报 2F: serial 0003, sent 59-10-11 15:51:11.
  auto r = decode_report(sample("published_keepalive_2f.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, Report::Kind::kKeepAlive);
  EXPECT_EQ(r->serial, 3);
  EXPECT_EQ(r->sent_at, (StationTime{2059, 10, 11, 15, 51, 11}));
  EXPECT_EQ(r->station_id(), "0012345678");

  // Same article, second frame: serial 7E08 puts a 7E inside the frame.
  auto other = decode_report(sample("published_keepalive_2f_serial_7e08.bin"));
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->serial, 0x7E08);
  EXPECT_EQ(other->header.centre_address, 0x00);
  EXPECT_EQ(other->station_id(), "9876543210");
  EXPECT_EQ(other->sent_at, (StationTime{2022, 10, 11, 10, 7, 47}));
}

TEST(Report, PublishedTestReport) {
  // toymoban.com/news/detail-686475.html, 测试报 30: "当前降水量:0.5mm,降水量累计值:0.5mm,
  // 瞬时河道水位:0.127m,电源电压:11.15V".
  auto r = decode_report(sample("published_test_30.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, Report::Kind::kHydrology);
  EXPECT_EQ(r->header.function_code, kFunctionTest);
  EXPECT_EQ(r->serial, 3);
  EXPECT_EQ(r->station, "0012345678");
  EXPECT_EQ(r->station_type, 'H');
  ASSERT_TRUE(r->observed_at);
  EXPECT_EQ(*r->observed_at, (StationTime{2059, 10, 11, 15, 49, 0}));
  ASSERT_EQ(r->elements.size(), 4u);
  EXPECT_DOUBLE_EQ(number(*r, kCurrentRainfall), 0.5);
  EXPECT_DOUBLE_EQ(number(*r, kCumulativeRainfall), 0.5);
  EXPECT_DOUBLE_EQ(number(*r, kWaterLevel), 0.127);
  EXPECT_DOUBLE_EQ(number(*r, kVoltage), 11.15);
  EXPECT_TRUE(r->unknown_elements.empty());
}

TEST(Report, PublishedTimedReport) {
  // Same article, 遥测站定时报 32: "当前降水量:4mm,降水量累计值:4mm,瞬时河道水位:10.49m"; the
  // voltage 38 12 1099 reads 10.99 V.
  auto r = decode_report(sample("published_timed_32.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->header.centre_address, 0x05);
  EXPECT_EQ(r->header.password, 0x03E8);
  EXPECT_EQ(r->serial, 0x34);
  EXPECT_EQ(r->sent_at, (StationTime{2017, 7, 18, 11, 0, 16}));
  EXPECT_EQ(*r->observed_at, (StationTime{2017, 7, 18, 11, 0, 0}));
  EXPECT_DOUBLE_EQ(number(*r, kCurrentRainfall), 4.0);
  EXPECT_DOUBLE_EQ(number(*r, kCumulativeRainfall), 4.0);
  EXPECT_DOUBLE_EQ(number(*r, kWaterLevel), 10.49);
  EXPECT_DOUBLE_EQ(number(*r, kVoltage), 10.99);
}

TEST(Report, DeviceTimedReportWithMoreElements) {
  // 64673a/SL651-2014 samples/regular_report.hex: station 0010100001, PJ 13.0 mm, PN05 (22H)
  // 4.0 mm, Z 0.550 m, VT 12.68 V.
  auto r = decode_report(sample("device_timed_32_pn05.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->station_id(), "0010100001");
  EXPECT_EQ(r->serial, 0x0C);
  EXPECT_DOUBLE_EQ(number(*r, kCurrentRainfall), 13.0);
  EXPECT_DOUBLE_EQ(number(*r, 0x22), 4.0);
  EXPECT_DOUBLE_EQ(number(*r, kWaterLevel), 0.55);
  EXPECT_DOUBLE_EQ(number(*r, kVoltage), 12.68);

  // comger/sl651 testdata.csv, station 1090330853 (a 'P' station) at 2026-02-02 09:40.
  auto c = decode_report(sample("device_timed_32.bin"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->station_type, 'P');
  EXPECT_EQ(c->header.password, 0xA000);
  EXPECT_EQ(c->elements.size(), 10u);
  EXPECT_DOUBLE_EQ(number(*c, kWaterLevel), 0.138);
  EXPECT_DOUBLE_EQ(number(*c, 0x30), 43.0);  // QA, N(9,3) in 5 bytes (2BH)
  EXPECT_DOUBLE_EQ(number(*c, kVoltage), 11.97);
}

TEST(Report, UnknownAndExtensionElementsAreSkipped) {
  // yushun1990/sl651_bridge protocol/tests/golden.rs, a device's 30H test report: PJ 0, PT 0,
  // Z 0.075, VT 12.08, then vendor element 7A (1 byte) and user extension FFA0 (2 bytes).
  auto r = decode_report(sample("device_test_30_extension_elements.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->station_id(), "0100000001");
  EXPECT_EQ(r->serial, 0x40);
  EXPECT_EQ(r->sent_at, (StationTime{2020, 11, 26, 14, 27, 46}));
  EXPECT_EQ(r->elements.size(), 4u);
  EXPECT_DOUBLE_EQ(number(*r, kWaterLevel), 0.075);
  EXPECT_DOUBLE_EQ(number(*r, kVoltage), 12.08);
  EXPECT_EQ(r->unknown_elements, (std::vector<std::uint16_t>{0x7A, 0xFFA0}));
}

TEST(Report, HourlyReportWithInvalidMarkers) {
  // comger/sl651 testdata.csv, 遥测站小时报 34 at 09:00: DRP (F460) and DRZ1 (F5C0) for
  // 08:05..09:00 with FFH / FFFFH (invalid) in the first 11 slots, then the 09:00 elements.
  auto r = decode_report(sample("device_hourly_34.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->header.function_code, kFunctionHourly);
  EXPECT_EQ(*r->observed_at, (StationTime{2026, 2, 2, 8, 5, 0}));
  const Element* drp = find(*r, kFiveMinuteRainfall);
  ASSERT_NE(drp, nullptr);
  EXPECT_EQ(drp->kind, Element::Kind::kSeries);
  EXPECT_EQ(drp->step_minutes, 5);
  ASSERT_EQ(drp->series.size(), 12u);
  for (int i = 0; i < 11; ++i) EXPECT_FALSE(drp->series[i]) << i;
  EXPECT_DOUBLE_EQ(*drp->series[11], 0.0);
  const Element* drz = find(*r, kFiveMinuteLevel1);
  ASSERT_NE(drz, nullptr);
  ASSERT_EQ(drz->series.size(), 12u);
  EXPECT_FALSE(drz->series[0]);
  EXPECT_DOUBLE_EQ(*drz->series[11], 0.17);  // 0011H cm
  EXPECT_EQ(drz->observed, (StationTime{2026, 2, 2, 8, 5, 0}));
  const Element* z = find(*r, kWaterLevel);
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->observed, (StationTime{2026, 2, 2, 9, 0, 0}));  // after the third F0F0
  EXPECT_DOUBLE_EQ(*z->number, 0.168);
  EXPECT_DOUBLE_EQ(number(*r, kVoltage), 11.55);
}

TEST(Report, FiveMinuteSeriesDecodeHexValues) {
  // Table C.1: DRP one HEX byte per 5 minutes in 0.1 mm (FFH invalid), DRZ two HEX bytes in cm.
  const std::string body = unhex(
      "0001 250718090000 F1F1 0012345678 48 F0F0 2507180805"
      "F460 00 01 0A FE FF 00 00 00 00 00 00 19"
      "F5C0 0000 0001 00FF 1234 FFFF 0000 0000 0000 0000 0000 0000 FFFE");
  auto r = decode_report(frame_of(kFunctionHourly, body));
  ASSERT_TRUE(r) << r.error().message;
  const Element* drp = find(*r, kFiveMinuteRainfall);
  ASSERT_NE(drp, nullptr);
  EXPECT_DOUBLE_EQ(*drp->series[1], 0.1);
  EXPECT_DOUBLE_EQ(*drp->series[2], 1.0);
  EXPECT_DOUBLE_EQ(*drp->series[3], 25.4);
  EXPECT_FALSE(drp->series[4]);
  EXPECT_DOUBLE_EQ(*drp->series[11], 2.5);
  const Element* drz = find(*r, kFiveMinuteLevel1);
  ASSERT_NE(drz, nullptr);
  EXPECT_DOUBLE_EQ(*drz->series[2], 2.55);
  EXPECT_DOUBLE_EQ(*drz->series[3], 46.60);
  EXPECT_FALSE(drz->series[4]);
  EXPECT_DOUBLE_EQ(*drz->series[11], 655.34);
}

TEST(Report, UniformIntervalReport) {
  // comger/sl651 testdata.csv, 均匀时段水文信息报 31: time step 04 18 000005 (5 min), Z (3923) with
  // 12 values from 08:05, eleven FFFFFFFF (no data) and 00000170 = 0.170 m.
  auto r = decode_report(sample("device_uniform_31.bin"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->step_minutes);
  EXPECT_EQ(*r->step_minutes, 5);
  ASSERT_EQ(r->elements.size(), 1u);
  const Element& z = r->elements[0];
  EXPECT_EQ(z.id, kWaterLevel);
  EXPECT_EQ(z.kind, Element::Kind::kSeries);
  EXPECT_EQ(z.step_minutes, 5);
  ASSERT_EQ(z.series.size(), 12u);
  EXPECT_FALSE(z.series[10]);
  EXPECT_DOUBLE_EQ(*z.series[11], 0.17);
}

TEST(Report, NegativeAndNoDataValues) {
  // Constructed per §6.6.3.3 a (no published frame has one): Z FF001235 = -1.235 m, ZB FF012345
  // = -12.345 m ("FF0" for an odd digit count), PJ FFFFFF = no data.
  auto r = decode_report(sample("constructed_negative_level_33.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->header.function_code, kFunctionAdditional);
  EXPECT_DOUBLE_EQ(number(*r, kWaterLevel), -1.235);
  EXPECT_DOUBLE_EQ(number(*r, 0x3A), -12.345);
  const Element* pj = find(*r, kCurrentRainfall);
  ASSERT_NE(pj, nullptr);
  EXPECT_FALSE(pj->number);
  EXPECT_DOUBLE_EQ(number(*r, kVoltage), 12.08);
}

TEST(Report, ManualEntryKeepsTheText) {
  // Constructed per table 38: F2F2 then the SL 330 text.
  auto r = decode_report(sample("constructed_manual_35.bin"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, Report::Kind::kManual);
  EXPECT_EQ(r->manual_text, "ST 0012345678 H TT 2507180800 Z 12.34 ");

  // GB18030 text becomes UTF-8.
  auto gb = decode_report(frame_of(kFunctionManual, unhex("0001 250718080000 F2F2 D3EAC1BF")));
  ASSERT_TRUE(gb) << gb.error().message;
  EXPECT_EQ(gb->manual_text, "\xE9\x9B\xA8\xE9\x87\x8F");  // 雨量
}

TEST(Report, OtherFunctionCodesKeepTheRawBody) {
  auto r = decode_report(frame_of(0x45, unhex("0001 250718080000 F1F1 0012345678 02 0102")));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->kind, Report::Kind::kUnparsed);
  EXPECT_EQ(r->raw_body.size(), 18u);
}

TEST(Report, MalformedBodiesAreNamedErrors) {
  const auto error_of = [](std::uint8_t function, const char* hex) {
    auto r = decode_report(frame_of(function, unhex(hex)));
    return r ? Error{"ok", ""} : r.error();
  };
  // An element whose length runs past the body.
  Error e =
      error_of(kFunctionTimed, "0001 250718090000 F1F1 0012345678 48 F0F0 2507180900 3923 0000");
  EXPECT_EQ(e.code, "sl651_bad_element");
  EXPECT_NE(e.message.find("39H at body offset 23"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("4 data bytes"), std::string::npos) << e.message;
  // An identifier with no definition byte, and an unknown one whose length runs past the end.
  EXPECT_EQ(
      error_of(kFunctionTimed, "0001 250718090000 F1F1 0012345678 48 F0F0 2507180900 39").code,
      "sl651_bad_element");
  EXPECT_EQ(
      error_of(kFunctionTimed, "0001 250718090000 F1F1 0012345678 48 F0F0 2507180900 7A10 00").code,
      "sl651_bad_element");
  // Bad BCD in a value.
  e = error_of(kFunctionTimed,
               "0001 250718090000 F1F1 0012345678 48 F0F0 2507180900 3923 00A00127");
  EXPECT_EQ(e.code, "sl651_bad_bcd");
  EXPECT_NE(e.message.find("39H"), std::string::npos);
  // No address group; an element before any observation time; a bad observation time.
  EXPECT_EQ(error_of(kFunctionTimed, "0001 250718090000 F0F0 2507180900").code, "sl651_bad_body");
  EXPECT_EQ(error_of(kFunctionTimed, "0001 250718090000 F1F1 0012345678 48 3923 00000127").code,
            "sl651_bad_element");
  EXPECT_EQ(error_of(kFunctionTimed, "0001 250718090000 F1F1 0012345678 48 F0F0 2513180900").code,
            "sl651_bad_time");
  // F0 must be followed by F0.
  EXPECT_EQ(error_of(kFunctionTimed, "0001 250718090000 F1F1 0012345678 48 F0F1 2507180900").code,
            "sl651_bad_element");
  // DRP must carry 12 bytes.
  EXPECT_EQ(
      error_of(kFunctionHourly, "0001 250718090000 F1F1 0012345678 48 F0F0 2507180805 F408 00")
          .code,
      "sl651_bad_element");
  // A 31H body whose values do not divide evenly.
  EXPECT_EQ(error_of(kFunctionUniform,
                     "0001 250718090000 F1F1 0012345678 48 F0F0 2507180805 0418 000005 3923 000001")
                .code,
            "sl651_bad_element");
  // A keepalive with a longer body; a bad send time; a short body.
  EXPECT_EQ(error_of(kFunctionKeepAlive, "0001 250718090000 00").code, "sl651_bad_body");
  EXPECT_EQ(error_of(kFunctionKeepAlive, "0001 25071809006A").code, "sl651_bad_time");
  EXPECT_EQ(error_of(kFunctionKeepAlive, "0001 2507").code, "sl651_bad_body");
  // 35H without F2F2, and text that is neither UTF-8 nor GB18030.
  EXPECT_EQ(error_of(kFunctionManual, "0001 250718090000 4142").code, "sl651_bad_body");
  EXPECT_EQ(error_of(kFunctionManual, "0001 250718090000 F2F2 FF").code, "sl651_bad_text");
}

TEST(Report, MultiPacketFramesAreNotSingleReports) {
  auto r = decode_report(sample("constructed_multipacket_31_p1.bin"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "sl651_bad_packet");
}

}  // namespace
}  // namespace quanyu::ingest::sl651
