#include "gtest_include.hpp"
#include "ingest/camera_push/samples.hpp"
#include "server/ingest/camera_push/camera_push.hpp"

namespace quanyu::ingest::camera_push {
namespace {

using test::replaced;
using test::sample;
using test::seconds_of;

constexpr const char* kXml = "application/xml; charset=\"UTF-8\"";

PushResult ok(const Result<PushResult>& r) {
  EXPECT_TRUE(r) << r.error().code << ": " << r.error().message;
  return r ? *r : PushResult{};
}

// Captured from a Hikvision camera posting to a listening host (a public GitHub integration's
// recorded FieldStorage dump, camera 192.168.10.64): fielddetection in the
// http://www.hikvision.com/ver20/XMLSchema namespace, with DetectionRegionList and TargetRect.
TEST(Isapi, FieldDetectionVer20) {
  const PushResult r = ok(parse_isapi(sample("isapi_fielddetection_ver20.xml"), kXml, "cam-17"));
  EXPECT_EQ(r.device_id, "cam-17");
  ASSERT_EQ(r.observations.size(), 1u);
  const v1::Observation& o = r.observations[0];
  EXPECT_EQ(o.source(), "isapi:cam-17");
  EXPECT_EQ(seconds_of(o.observed_at()), 1665788757);  // 2022-10-15T03:05:57+04:00
  EXPECT_EQ(o.id().rfind("isapi:cam-17#", 0), 0u) << o.id();
  EXPECT_EQ(o.id().size(), std::string("isapi:cam-17#").size() + 16);
  ASSERT_TRUE(o.has_camera_alarm());
  EXPECT_EQ(o.camera_alarm().camera_id(), "cam-17");
  EXPECT_EQ(o.camera_alarm().type(), v1::CameraAlarm::TYPE_INTRUSION);
  EXPECT_EQ(o.camera_alarm().description(),
            "fielddetection alarm; channel 1 (Camera 01); region 1: human");
  EXPECT_FALSE(o.has_position());  // the server takes it from the sensor registry
  EXPECT_EQ(r.ended + r.keepalives + r.motion + r.unsupported + r.other_parts, 0);
}

TEST(Isapi, DeviceFallsBackToTheMacAddress) {
  const PushResult r = ok(parse_isapi(sample("isapi_fielddetection_ver20.xml"), kXml, ""));
  EXPECT_EQ(r.device_id, "ac:b9:2f:63:d7:5c");
  ASSERT_EQ(r.observations.size(), 1u);
  EXPECT_EQ(r.observations[0].source(), "isapi:ac:b9:2f:63:d7:5c");
  EXPECT_EQ(r.observations[0].camera_alarm().camera_id(), "ac:b9:2f:63:d7:5c");

  // Without a MAC the IP address stands in; without either there is no device at all.
  const std::string no_mac = replaced(sample("isapi_fielddetection_ver20.xml"),
                                      "<macAddress>ac:b9:2f:63:d7:5c</macAddress>", "");
  EXPECT_EQ(ok(parse_isapi(no_mac, kXml, "")).device_id, "192.168.10.64");
  const auto none =
      parse_isapi(replaced(no_mac, "<ipAddress>192.168.10.64</ipAddress>", ""), kXml, "");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "invalid_device_id");
}

// The same camera's captured linedetection alert, here in the http://www.isapi.org/ver20/XMLSchema
// namespace that newer firmware and the ISAPI developer guide use (namespace swapped in-test).
TEST(Isapi, LineDetectionIsapiOrgNamespace) {
  const std::string body =
      replaced(sample("isapi_linedetection_ver20.xml"), "http://www.hikvision.com/ver20/XMLSchema",
               "http://www.isapi.org/ver20/XMLSchema");
  const PushResult r = ok(parse_isapi(body, "text/xml", "cam-17"));
  ASSERT_EQ(r.observations.size(), 1u);
  EXPECT_EQ(r.observations[0].camera_alarm().type(), v1::CameraAlarm::TYPE_LINE_CROSSING);
  EXPECT_EQ(seconds_of(r.observations[0].observed_at()), 1665788537);
}

// Captured thermal-camera push (a public GitHub Python integration's recorded body, camera
// 10.1.99.8): multipart/form-data, an EventNotificationAlert with NO namespace, five fire
// regions, JPEG parts, eventType fireDetection, AbsoluteHigh all zero and targetDistance -1.
TEST(Isapi, CapturedThermalFireDetectionWithoutNamespace) {
  const PushResult r = ok(parse_isapi(sample("isapi_fire_thermal_multipart.bin"),
                                      "multipart/form-data; boundary=boundary", "tower-07"));
  ASSERT_EQ(r.observations.size(), 1u);
  const v1::Observation& o = r.observations[0];
  EXPECT_EQ(o.source(), "isapi:tower-07");
  EXPECT_EQ(seconds_of(o.observed_at()), 1703671678);  // 2023-12-27T18:07:58+08:00
  ASSERT_TRUE(o.has_smoke_detection());
  EXPECT_EQ(o.smoke_detection().tower_id(), "tower-07");
  EXPECT_TRUE(o.smoke_detection().flame());
  EXPECT_DOUBLE_EQ(o.smoke_detection().azimuth_deg(), 0.0);
  EXPECT_DOUBLE_EQ(o.smoke_detection().elevation_deg(), 0.0);
  EXPECT_DOUBLE_EQ(o.smoke_detection().distance_m(), 0.0);  // -1: no range
  EXPECT_DOUBLE_EQ(o.smoke_detection().confidence(), kDefaultDetectionConfidence);
  ASSERT_EQ(r.image_parts(), 2u);
  EXPECT_EQ(r.attachments[0].name, "fireDetection");
  EXPECT_EQ(r.attachments[0].filename, "fireDetection.jpg");
  EXPECT_EQ(r.attachments[0].content_type, "image/jpeg");
  EXPECT_EQ(r.attachments[0].size, 15u);
}

// Adapted from the thermal capture above: two regions with PTZ set, in tenths of a degree
// (ISAPI AbsoluteHigh: azimuth 0..3600, elevation -900..900), and no offset on dateTime.
TEST(Isapi, FireDetectionPtzTenthsFromTheHottestRegion) {
  const PushResult r = ok(parse_isapi(sample("isapi_fire_ptz_tenths.xml"), kXml, "tower-07"));
  ASSERT_EQ(r.observations.size(), 1u);
  const v1::Observation& o = r.observations[0];
  // No offset: Beijing time, 2023-12-27T18:07:58+08:00.
  EXPECT_EQ(seconds_of(o.observed_at()), 1703671678);
  const auto& s = o.smoke_detection();
  // Region 2 (101 °C) beats region 1 (68 °C): azimuth 3598 -> 359.8°, elevation -25 -> -2.5°.
  EXPECT_DOUBLE_EQ(s.azimuth_deg(), 359.8);
  EXPECT_DOUBLE_EQ(s.elevation_deg(), -2.5);
  EXPECT_DOUBLE_EQ(s.distance_m(), 2350.0);
  EXPECT_TRUE(s.flame());

  // With only region 1: <azimuth>1573</azimuth> is 157.3°.
  const std::string one =
      replaced(sample("isapi_fire_ptz_tenths.xml"), "<fireMaxTemperature>101</fireMaxTemperature>",
               "<fireMaxTemperature>51</fireMaxTemperature>");
  const PushResult r1 = ok(parse_isapi(one, kXml, "tower-07"));
  ASSERT_EQ(r1.observations.size(), 1u);
  EXPECT_DOUBLE_EQ(r1.observations[0].smoke_detection().azimuth_deg(), 157.3);
  EXPECT_DOUBLE_EQ(r1.observations[0].smoke_detection().elevation_deg(), 5.2);
  EXPECT_DOUBLE_EQ(r1.observations[0].smoke_detection().distance_m(), 1830.0);
}

TEST(Isapi, PtzOutOfRangeIsAnError) {
  const auto r = parse_isapi(replaced(sample("isapi_fire_ptz_tenths.xml"),
                                      "<azimuth>3598</azimuth>", "<azimuth>3700</azimuth>"),
                             kXml, "tower-07");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("azimuth: \"3700\""), std::string::npos) << r.error().message;
  const auto far = parse_isapi(
      replaced(sample("isapi_fire_ptz_tenths.xml"), "<targetDistance>2350</targetDistance>",
               "<targetDistance>75000</targetDistance>"),
      kXml, "tower-07");
  ASSERT_FALSE(far);
  EXPECT_NE(far.error().message.find("targetDistance"), std::string::npos);
}

// Constructed on the ISAPI guide's alert-stream layout (multipart/mixed, quoted boundary,
// preamble and epilogue) around the captured fielddetection alert and a JPEG part whose bytes
// start with a real JFIF header and contain "--" and a fake delimiter line.
TEST(Isapi, MultipartMixedWithJpeg) {
  const PushResult r = ok(parse_isapi(sample("isapi_fielddetection_multipart_mixed.bin"),
                                      R"(multipart/mixed; boundary="MIME_boundary")", "cam-17"));
  ASSERT_EQ(r.observations.size(), 1u);
  EXPECT_EQ(r.observations[0].camera_alarm().type(), v1::CameraAlarm::TYPE_INTRUSION);
  ASSERT_EQ(r.attachments.size(), 1u);
  EXPECT_EQ(r.attachments[0].name, "intrusionImage");
  EXPECT_EQ(r.attachments[0].size, 152u);
  EXPECT_EQ(r.other_parts, 0);
  // Posted alone or with its snapshot, the alert is the same observation.
  const PushResult alone =
      ok(parse_isapi(sample("isapi_fielddetection_ver20.xml"), kXml, "cam-17"));
  ASSERT_EQ(alone.observations.size(), 1u);
  EXPECT_EQ(alone.observations[0].id(), r.observations[0].id());
}

// ISAPI Developer Guide, "Sample Messages: The Device Responses and Uploads an Event Message":
// the heartBeat alert (isapi.org namespace, activePostCount 0).
TEST(Isapi, HeartbeatIsAKeepalive) {
  const PushResult r = ok(parse_isapi(sample("isapi_heartbeat_isapi_org.xml"), kXml, "cam-1"));
  EXPECT_TRUE(r.observations.empty());
  EXPECT_EQ(r.keepalives, 1);
}

// Moonfire NVR's recorded alert-stream body (firmware V5.3.0): the near-constant
// "videoloss inactive" keep-alive, ver10 namespace, dateTime with a one-digit offset "-8:00".
TEST(Isapi, VideolossInactiveIsAKeepaliveAndActiveIsVideoLoss) {
  const std::string body = sample("isapi_videoloss_keepalive_ver10.xml");
  const PushResult r = ok(parse_isapi(body, "", "cam-1"));
  EXPECT_TRUE(r.observations.empty());
  EXPECT_EQ(r.keepalives, 1);

  const PushResult lost = ok(parse_isapi(
      replaced(body, "<eventState>inactive</eventState>", "<eventState>active</eventState>"), "",
      "cam-1"));
  ASSERT_EQ(lost.observations.size(), 1u);
  EXPECT_EQ(lost.observations[0].camera_alarm().type(), v1::CameraAlarm::TYPE_VIDEO_LOSS);
  EXPECT_EQ(seconds_of(lost.observations[0].observed_at()), 1482634789);  // 18:59:49-08:00
}

// An alert that ends (eventState inactive) raises nothing: the captured fielddetection alert,
// state switched in-test.
TEST(Isapi, InactiveEndsAnEvent) {
  const PushResult r = ok(
      parse_isapi(replaced(sample("isapi_fielddetection_ver20.xml"),
                           "<eventState>active</eventState>", "<eventState>inactive</eventState>"),
                  kXml, "cam-17"));
  EXPECT_TRUE(r.observations.empty());
  EXPECT_EQ(r.ended, 1);
}

// Moonfire NVR's recorded VMD body (firmware V4.0.9, std-cgi ver10 namespace, "2009-11-14T15:27Z"
// without seconds): motion is counted, or reported as TYPE_OTHER when asked.
TEST(Isapi, MotionIsCountedUnlessReported) {
  const std::string body = sample("isapi_vmd_std_cgi.xml");
  const PushResult quiet = ok(parse_isapi(body, kXml, "cam-1"));
  EXPECT_TRUE(quiet.observations.empty());
  EXPECT_EQ(quiet.motion, 1);

  PushOptions options;
  options.report_motion = true;
  const PushResult loud = ok(parse_isapi(body, kXml, "cam-1", options));
  ASSERT_EQ(loud.observations.size(), 1u);
  EXPECT_EQ(loud.observations[0].camera_alarm().type(), v1::CameraAlarm::TYPE_OTHER);
  EXPECT_EQ(seconds_of(loud.observations[0].observed_at()), 1258212420);
  EXPECT_EQ(loud.observations[0].camera_alarm().description(), "Motion alarm; channel 1; region 2");
}

// A captured JSON alert (CSDN post of a Hikvision capture camera's push): every number written
// as a string, "UUID" in upper case, eventType ANPR, which has no mapping.
TEST(Isapi, JsonWithStringNumbers) {
  const std::string body = sample("isapi_anpr_strings.json");
  const PushResult r = ok(parse_isapi(body, "application/json", ""));
  EXPECT_TRUE(r.observations.empty());
  EXPECT_EQ(r.unsupported, 1);
  ASSERT_EQ(r.unsupported_types.size(), 1u);
  EXPECT_EQ(r.unsupported_types[0], "ANPR");

  const std::string entrance =
      replaced(body, R"("eventType":"ANPR")", R"("eventType":"regionEntrance")");
  const PushResult e = ok(parse_isapi(entrance, "application/json; charset=UTF-8", ""));
  ASSERT_EQ(e.observations.size(), 1u);
  EXPECT_EQ(e.device_id, "ec:c8:9c:c4:5c:b3");
  EXPECT_EQ(e.observations[0].camera_alarm().type(), v1::CameraAlarm::TYPE_INTRUSION);
  EXPECT_EQ(seconds_of(e.observations[0].observed_at()), 1639481032);
  EXPECT_EQ(e.observations[0].camera_alarm().description(), "ANPR; channel 1 (IP CAPTURE CAMERA)");
  // The UUID is one of the id's inputs.
  const PushResult other_uuid =
      ok(parse_isapi(replaced(entrance, "602cf998", "702cf998"), "application/json", ""));
  EXPECT_NE(other_uuid.observations[0].id(), e.observations[0].id());
}

// Constructed on the JSON_EventNotificationAlert envelope published in the Hikvision Device
// Network SDK (Thermal) developer guide (172.6.64.7, 01:17:24:45:D9:F4, 2004-05-03T17:30:08+08:00):
// a smokeDetection alert with DetectionRegionList as an array and PTZ in tenths.
TEST(Isapi, JsonSmokeDetection) {
  const std::string body = sample("isapi_smoke_json.json");
  const PushResult r = ok(parse_isapi(body, "application/json", "tower-09"));
  ASSERT_EQ(r.observations.size(), 1u);
  const v1::Observation& o = r.observations[0];
  EXPECT_EQ(seconds_of(o.observed_at()), 1083576608);
  const auto& s = o.smoke_detection();
  EXPECT_EQ(s.tower_id(), "tower-09");
  EXPECT_FALSE(s.flame());
  EXPECT_DOUBLE_EQ(s.azimuth_deg(), 157.3);
  EXPECT_DOUBLE_EQ(s.elevation_deg(), 3.0);
  EXPECT_DOUBLE_EQ(s.distance_m(), 900.0);
  EXPECT_EQ(r.retransmissions, 0);

  // A resend of the same alert is the same observation: the journal drops it as a duplicate.
  const PushResult again = ok(parse_isapi(
      replaced(body, R"("isDataRetransmission": false)", R"("isDataRetransmission": true)"),
      "application/json", "tower-09"));
  EXPECT_EQ(again.retransmissions, 1);
  ASSERT_EQ(again.observations.size(), 1u);
  EXPECT_EQ(again.observations[0].id(), o.id());
  // The next post of the same event (activePostCount 2) is a new observation.
  const PushResult next =
      ok(parse_isapi(replaced(body, R"("activePostCount": 1)", R"("activePostCount": 2)"),
                     "application/json", "tower-09"));
  EXPECT_NE(next.observations[0].id(), o.id());
  // Sniffed as JSON without a Content-Type.
  EXPECT_EQ(ok(parse_isapi(body, "", "tower-09")).observations.size(), 1u);
}

TEST(Isapi, MissingEventTypeNamesTheField) {
  const auto r = parse_isapi(replaced(sample("isapi_fielddetection_ver20.xml"),
                                      "<eventType>fielddetection</eventType>", ""),
                             kXml, "cam-17");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "alert: eventType: missing");

  const auto in_part = parse_isapi(
      replaced(sample("isapi_fielddetection_multipart_mixed.bin"),
               "<eventType>fielddetection</eventType>", "<eventType></eventType>              "),
      "multipart/mixed; boundary=MIME_boundary", "cam-17");
  ASSERT_FALSE(in_part);
  EXPECT_EQ(in_part.error().message, "multipart part 1: eventType: missing");
}

TEST(Isapi, BadDateTimeNamesTheField) {
  const auto r = parse_isapi(replaced(sample("isapi_fielddetection_ver20.xml"),
                                      "2022-10-15T03:05:57+04:00", "2022-13-15T03:05:57+04:00"),
                             kXml, "cam-17");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_time");
  EXPECT_EQ(r.error().message.rfind("alert: dateTime: ", 0), 0u) << r.error().message;

  const auto missing = parse_isapi(replaced(sample("isapi_fielddetection_ver20.xml"),
                                            "<dateTime>2022-10-15T03:05:57+04:00</dateTime>", ""),
                                   kXml, "cam-17");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("dateTime: missing"), std::string::npos);
}

TEST(Isapi, MalformedBodies) {
  const std::string field = sample("isapi_fielddetection_ver20.xml");
  // Multipart without a boundary parameter.
  auto r =
      parse_isapi(sample("isapi_fielddetection_multipart_mixed.bin"), "multipart/mixed", "cam-17");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no boundary parameter"), std::string::npos);
  // A boundary the body does not use.
  r = parse_isapi(sample("isapi_fielddetection_multipart_mixed.bin"),
                  "multipart/mixed; boundary=other", "cam-17");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_multipart");
  // Truncated XML.
  r = parse_isapi(field.substr(0, field.size() / 2), kXml, "cam-17");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_xml");
  EXPECT_EQ(r.error().message.rfind("alert: XML line", 0), 0u) << r.error().message;
  // Truncated JPEG part in the thermal capture: Content-Length runs past the end.
  const std::string fire = sample("isapi_fire_thermal_multipart.bin");
  r = parse_isapi(fire.substr(0, 3000), "multipart/form-data; boundary=boundary", "t");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
  // Bad eventState.
  r = parse_isapi(replaced(field, "<eventState>active", "<eventState>on"), kXml, "cam-17");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("eventState: \"on\""), std::string::npos);
  // Another root element, sent alone.
  r = parse_isapi("<ResponseStatus><statusCode>1</statusCode></ResponseStatus>", kXml, "cam-17");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not EventNotificationAlert"), std::string::npos);
  // Broken JSON.
  r = parse_isapi(R"({"eventType": "fielddetection", "dateTime": )", "application/json", "c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invalid_json");
  // Empty body, unknown type, bad hint.
  EXPECT_FALSE(parse_isapi("", kXml, "cam-17"));
  EXPECT_EQ(parse_isapi("%PDF-1.4", "application/pdf", "c").error().code,
            "unsupported_content_type");
  EXPECT_EQ(parse_isapi(field, kXml, "bad id").error().code, "invalid_device_id");
}

TEST(Isapi, ChannelLabelsAndWrappedJson) {
  // An NVR's IP channel label stands in for the number; control bytes do not.
  const std::string field = sample("isapi_fielddetection_ver20.xml");
  const PushResult d1 = ok(parse_isapi(
      replaced(field, "<channelID>1</channelID>", "<channelID>D1</channelID>"), kXml, "nvr"));
  ASSERT_EQ(d1.observations.size(), 1u);
  EXPECT_NE(d1.observations[0].camera_alarm().description().find("channel D1"), std::string::npos);
  EXPECT_FALSE(parse_isapi(
      replaced(field, "<channelID>1</channelID>", "<channelID>&#x1;</channelID>"), kXml, "nvr"));

  // {"EventNotificationAlert": {...}}, as some gateways forward it.
  const std::string wrapped =
      "{\"EventNotificationAlert\": " + sample("isapi_smoke_json.json") + "}";
  const PushResult w = ok(parse_isapi(wrapped, "application/json", "tower-09"));
  ASSERT_EQ(w.observations.size(), 1u);
  EXPECT_DOUBLE_EQ(w.observations[0].smoke_detection().azimuth_deg(), 157.3);
}

TEST(Isapi, OtherPartsAreCounted) {
  // The alert stream starts with a SubscribeEventResponse part (ISAPI guide, arming with
  // subscription); it is neither an alert nor an error.
  const std::string body =
      "--b\r\nContent-Type: application/xml\r\n\r\n<SubscribeEventResponse/>\r\n"
      "--b\r\nContent-Type: application/xml\r\n\r\n" +
      sample("isapi_heartbeat_isapi_org.xml") + "\r\n--b--\r\n";
  const PushResult r = ok(parse_isapi(body, "multipart/mixed; boundary=b", "cam-1"));
  EXPECT_EQ(r.other_parts, 1);
  EXPECT_EQ(r.keepalives, 1);
}

}  // namespace
}  // namespace quanyu::ingest::camera_push
