#include "gtest_include.hpp"
#include "ingest/camera_push/samples.hpp"
#include "server/ingest/camera_push/camera_push.hpp"

namespace quanyu::ingest::camera_push {
namespace {

using test::micros_of;
using test::replaced;
using test::sample;
using test::seconds_of;

// 2019-07-30T08:00:00Z, the receipt time handed in by the route.
constexpr std::int64_t kReceived = 1564473600LL * 1'000'000;

PushResult ok(const Result<PushResult>& r) {
  EXPECT_TRUE(r) << r.error().code << ": " << r.error().message;
  return r ? *r : PushResult{};
}

// Dahua HTTP API (DAHUA_HTTP_API V2.x), eventManager.cgi?action=attach: the documented example
// stream, multipart/x-mixed-replace with VideoMotion, VideoBlind and Heartbeat parts. The lines
// carry no time, so the receipt time stands in.
TEST(Dahua, DocumentedEventManagerStream) {
  const PushResult r =
      ok(parse_dahua(sample("dahua_eventmanager_stream.bin"),
                     "multipart/x-mixed-replace; boundary=myboundary", "dh-cam-3", kReceived));
  EXPECT_EQ(r.device_id, "dh-cam-3");
  EXPECT_EQ(r.motion, 1);
  EXPECT_EQ(r.keepalives, 1);
  ASSERT_EQ(r.observations.size(), 1u);
  const v1::Observation& o = r.observations[0];
  EXPECT_EQ(o.source(), "dahua:dh-cam-3");
  EXPECT_EQ(micros_of(o.observed_at()), kReceived);
  EXPECT_EQ(o.id().rfind("dahua:dh-cam-3#", 0), 0u);
  EXPECT_EQ(o.camera_alarm().camera_id(), "dh-cam-3");
  EXPECT_EQ(o.camera_alarm().type(), v1::CameraAlarm::TYPE_OTHER);
  EXPECT_EQ(o.camera_alarm().description(), "VideoBlind Start; channel index 0");
}

// A captured CrossLineDetection Start (index 15, multi-line data JSON with UTC 1564472601.0 and
// UTCMS 172, from a public Dahua-to-MQTT bridge's recorded example) followed by constructed
// lines: its Stop, a Heartbeat, a CrossRegionDetection Pulse whose data has ';' and '=' inside a
// string, a VideoMotion and a FireWarning.
TEST(Dahua, SeveralLinesWithData) {
  const PushResult r =
      ok(parse_dahua(sample("dahua_event_lines.txt"), "text/plain", "dh-nvr-1", kReceived));
  EXPECT_EQ(r.ended, 1);
  EXPECT_EQ(r.keepalives, 1);
  EXPECT_EQ(r.motion, 1);
  ASSERT_EQ(r.observations.size(), 3u);

  const v1::Observation& line = r.observations[0];
  EXPECT_EQ(micros_of(line.observed_at()), 1564472601LL * 1'000'000 + 172'000);
  EXPECT_EQ(line.camera_alarm().type(), v1::CameraAlarm::TYPE_LINE_CROSSING);
  EXPECT_EQ(line.camera_alarm().camera_id(), "dh-nvr-1");
  EXPECT_EQ(line.camera_alarm().description(),
            "CrossLineDetection Start; channel index 15; rule Rule1; object Human; LeftToRight");
  EXPECT_DOUBLE_EQ(line.camera_alarm().confidence(), 0.0);  // "Confidence" : 0 means unknown

  const v1::Observation& region = r.observations[1];
  EXPECT_EQ(seconds_of(region.observed_at()), 1564472640);  // LocaleTime 15:44:00, Beijing
  EXPECT_EQ(region.camera_alarm().type(), v1::CameraAlarm::TYPE_INTRUSION);
  EXPECT_EQ(region.camera_alarm().description(),
            "CrossRegionDetection Pulse; channel index 0; rule Gate; east=side; object Vehicle");
  EXPECT_DOUBLE_EQ(region.camera_alarm().confidence(), 0.87);

  const v1::Observation& fire = r.observations[2];
  EXPECT_EQ(seconds_of(fire.observed_at()), 1564472710);
  ASSERT_TRUE(fire.has_smoke_detection());
  EXPECT_EQ(fire.smoke_detection().tower_id(), "dh-nvr-1");
  EXPECT_TRUE(fire.smoke_detection().flame());
  EXPECT_DOUBLE_EQ(fire.smoke_detection().confidence(), kDefaultDetectionConfidence);

  // The same body again gives the same ids; a different EventID does not.
  const PushResult again =
      ok(parse_dahua(sample("dahua_event_lines.txt"), "", "dh-nvr-1", kReceived + 5'000'000));
  ASSERT_EQ(again.observations.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again.observations[i].id(), r.observations[i].id());
  }
  const PushResult other = ok(
      parse_dahua(replaced(sample("dahua_event_lines.txt"), "\"EventID\":9001", "\"EventID\":9003"),
                  "", "dh-nvr-1", kReceived));
  EXPECT_NE(other.observations[1].id(), r.observations[1].id());
}

TEST(Dahua, StopEndsAndPulseRaises) {
  const PushResult r =
      ok(parse_dahua("Code=CrossRegionDetection;action=Stop;index=0\r\n"
                     "Code=CrossRegionDetection;action=Pulse;index=1;\r\n"
                     "code=WanderDetection;ACTION=start;index=2\r\n"
                     "Code=StorageLowSpace;action=Start;index=0\r\n",
                     "text/plain", "dh-cam-3", kReceived));
  EXPECT_EQ(r.ended, 1);
  EXPECT_EQ(r.unsupported, 1);
  ASSERT_EQ(r.unsupported_types.size(), 1u);
  EXPECT_EQ(r.unsupported_types[0], "StorageLowSpace");
  ASSERT_EQ(r.observations.size(), 2u);
  EXPECT_EQ(r.observations[0].camera_alarm().type(), v1::CameraAlarm::TYPE_INTRUSION);
  EXPECT_EQ(r.observations[1].camera_alarm().type(), v1::CameraAlarm::TYPE_LOITERING);
  // Different channels, otherwise identical facts: different ids.
  EXPECT_NE(r.observations[0].id(), r.observations[1].id());
}

TEST(Dahua, JpegPartsAreNoted) {
  const std::string body =
      "--myboundary\r\nContent-Type: text/plain\r\n\r\n"
      "Code=CrossLineDetection;action=Start;index=0\r\n"
      "--myboundary\r\nContent-Type: image/jpeg\r\nContent-Length: 6\r\n\r\n"
      "\xFF\xD8--\xFF\xD9\r\n--myboundary--\r\n";
  const PushResult r =
      ok(parse_dahua(body, "multipart/x-mixed-replace; boundary=myboundary", "d", kReceived));
  ASSERT_EQ(r.observations.size(), 1u);
  ASSERT_EQ(r.attachments.size(), 1u);
  EXPECT_EQ(r.attachments[0].size, 6u);
}

TEST(Dahua, MalformedLinesNameTheProblem) {
  auto r = parse_dahua("Code=VideoLoss;action=Begin;index=0", "text/plain", "d", kReceived);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "body line 1: action: \"Begin\" is not Start, Stop or Pulse");

  r = parse_dahua("Heartbeat\r\nCode=CrossLineDetection;action=Start;index=0;data={\"UTC\" : 1,",
                  "text/plain", "d", kReceived);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "body line 2: data: JSON does not close");

  r = parse_dahua("Code=X;action=Start;index=0;data={\"UTC\":1} trailing", "", "d", kReceived);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("text after the data JSON"), std::string::npos);

  r = parse_dahua("Heartbeat\nhello world\n", "text/plain", "d", kReceived);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("body line 2: \"hello world\""), std::string::npos)
      << r.error().message;

  r = parse_dahua("Code=CrossLineDetection;action=Start;index=first", "", "d", kReceived);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("index: \"first\""), std::string::npos);

  r = parse_dahua("Code=CrossLineDetection;action=Start;index=0;data={\"UTC\":\"soon\"}", "", "d",
                  kReceived);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("data.UTC"), std::string::npos);

  // Multi-line data: the error after it names the right line.
  r = parse_dahua(sample("dahua_event_lines.txt") + "Code=VideoLoss;action=Maybe\r\n", "", "d",
                  kReceived);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.rfind("body line 51: action", 0), 0u) << r.error().message;

  // Deeply nested data is refused before it is parsed.
  std::string deep = "Code=X;action=Start;data=";
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "}";
  r = parse_dahua(deep, "", "d", kReceived);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("deeper"), std::string::npos);
}

TEST(Dahua, DeviceHintAndTimeAreRequired) {
  auto r = parse_dahua("Code=CrossLineDetection;action=Start;index=0", "", "", kReceived);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_device_id");
  r = parse_dahua("Code=CrossLineDetection;action=Start;index=0", "", "d", 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "missing_time");
  // Keep-alives and Stops need no time.
  EXPECT_TRUE(parse_dahua("Heartbeat\r\nCode=CrossLineDetection;action=Stop;index=0", "", "d", 0));
  EXPECT_EQ(parse_dahua("Code=X;action=Start", "application/json", "d", kReceived).error().code,
            "unsupported_content_type");
}

}  // namespace
}  // namespace quanyu::ingest::camera_push
