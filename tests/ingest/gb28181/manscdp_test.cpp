#include "server/ingest/gb28181/manscdp.hpp"

#include "engine/core/time.hpp"
#include "gtest_include.hpp"
#include "samples.hpp"
#include "server/ingest/gb28181/sip_message.hpp"

namespace quanyu::ingest::gb28181 {
namespace {

using testing::sample;

const std::string kMotionUtf8 = "\xE8\xA7\x86\xE9\xA2\x91\xE5\x8A\xA8\xE6\xA3\x80";  // 视频动检

const AlarmNotify& alarm_of(const ManscdpBody& body) { return std::get<AlarmNotify>(body.command); }

// Sample: the Dahua IPC keepalive MESSAGE body (public capture notes, "DH SIP UAS V1.0").
TEST(Manscdp, Keepalive) {
  auto m = parse_message(sample("keepalive_dahua_ipc.sip"));
  ASSERT_TRUE(m);
  auto body = parse_manscdp(m->body);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->root, "Notify");
  EXPECT_EQ(body->cmd_type, "Keepalive");
  EXPECT_EQ(body->sn, "4");
  EXPECT_EQ(body->device_id, "34020000001320000001");
  ASSERT_TRUE(std::holds_alternative<Keepalive>(body->command));
  EXPECT_EQ(std::get<Keepalive>(body->command).status, "OK");
}

// Sample: a Dahua NVR keepalive body from the same notes (one line, standalone="yes").
TEST(Manscdp, NvrKeepalive) {
  auto body = parse_manscdp(sample("keepalive_dahua_nvr_body.xml"));
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->sn, "279");
  EXPECT_EQ(std::get<Keepalive>(body->command).device_id, "34020000001180000001");
}

// Sample: a Dahua NVR's video motion alarm from the same capture notes. The body declares GB2312
// and is GBK: the notes show the description as Latin-1 mojibake "ÊÓÆµ¶¯¼ì", whose bytes
// CA D3 C6 B5 B6 AF BC EC are GBK for 视频动检 (video motion detection).
TEST(Manscdp, DahuaAlarmInGbkDeclaredGb2312) {
  const std::string raw = sample("alarm_dahua_nvr_gbk_body.xml");
  ASSERT_NE(raw.find("\xCA\xD3\xC6\xB5\xB6\xAF\xBC\xEC"), std::string::npos);
  auto body = parse_manscdp(raw);
  ASSERT_TRUE(body) << body.error().message;
  const AlarmNotify& a = alarm_of(*body);
  EXPECT_EQ(a.sn, "9");
  EXPECT_EQ(a.device_id, "34020000001310000001");
  EXPECT_EQ(a.priority, 1);
  EXPECT_EQ(a.method, 5);
  EXPECT_EQ(a.time_us, 1691537915LL * 1'000'000);  // 2023-08-09T07:38:35 at UTC+8
  EXPECT_EQ(a.description, kMotionUtf8);
  EXPECT_EQ(a.alarm_type, 2);  // Info/AlarmType 2: 运动目标检测 (motion)
  EXPECT_EQ(a.event_type, 1);
  EXPECT_FALSE(a.longitude);
  EXPECT_FALSE(a.latitude);

  const v1::Observation o = to_observation(a);
  EXPECT_EQ(o.source(), "gb28181:34020000001310000001");
  EXPECT_EQ(o.id(), "gb28181:34020000001310000001:1691537915:9:5.2");
  EXPECT_EQ(engine::to_micros(o.observed_at()), a.time_us);
  EXPECT_FALSE(o.has_position());  // the server fills it from its device registry
  ASSERT_TRUE(o.has_camera_alarm());
  EXPECT_EQ(o.camera_alarm().camera_id(), "34020000001310000001");
  EXPECT_EQ(o.camera_alarm().type(), v1::CameraAlarm::TYPE_OTHER);
  EXPECT_EQ(o.camera_alarm().priority(), 1);
  EXPECT_DOUBLE_EQ(o.camera_alarm().confidence(), 1.0);
  EXPECT_EQ(o.camera_alarm().description(), kMotionUtf8);
}

// The same notification as UTF-8 firmware sends it: UTF-8 bytes under a GB2312 declaration.
TEST(Manscdp, Utf8DeclaredGb2312) {
  auto body = parse_manscdp(sample("alarm_utf8_declared_gb2312_body.xml"));
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(alarm_of(*body).description, kMotionUtf8);
  auto gbk = parse_manscdp(sample("alarm_dahua_nvr_gbk_body.xml"));
  ASSERT_TRUE(gbk);
  EXPECT_EQ(to_observation(alarm_of(*body)).SerializeAsString(),
            to_observation(alarm_of(*gbk)).SerializeAsString());
}

// Sample: the capture in "GB28181学习(十二)——报警事件通知和分发" (coloradmin.cn/o/1125834), whose
// device writes standalone="true" (not valid XML; libxml2 refuses it). The published DeviceID was
// redacted to "xxx" and is filled in here.
TEST(Manscdp, StandaloneTrueIsRepaired) {
  auto body = parse_manscdp(sample("alarm_standalone_true_body.xml"));
  ASSERT_TRUE(body) << body.error().message;
  const AlarmNotify& a = alarm_of(*body);
  EXPECT_EQ(a.sn, "2");
  EXPECT_EQ(a.time_us, 1697764752LL * 1'000'000);  // 2023-10-20T09:19:12 at UTC+8
  EXPECT_EQ(a.alarm_type, 2);
  EXPECT_EQ(a.event_type, 1);
  EXPECT_EQ(a.description, kMotionUtf8);
}

// Sample: a Hikvision device alarm as TSINGSEE's EasyCVR article prints it
// ("海康大华设备国标GB28181 告警布防的报文说明", mfbz.cn/a/59524): AlarmMethod 2 without AlarmType,
// Longitude/Latitude 0.000, and <cmdType> in lower case.
TEST(Manscdp, HikvisionDeviceAlarmWithZeroCoordinates) {
  auto body = parse_manscdp(sample("alarm_hikvision_device_body.xml"));
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(body->cmd_type, "Alarm");
  const AlarmNotify& a = alarm_of(*body);
  EXPECT_EQ(a.sn, "51");
  EXPECT_EQ(a.device_id, "31010000001340000001");
  EXPECT_EQ(a.priority, 4);
  EXPECT_EQ(a.method, 2);
  EXPECT_EQ(a.alarm_type, 0);
  EXPECT_EQ(a.time_us, 1500430754LL * 1'000'000);  // 2017-07-19T10:19:14 at UTC+8
  EXPECT_FALSE(a.longitude);                       // 0.000 means unknown
  const auto o = to_observation(a);
  EXPECT_FALSE(o.has_position());
  EXPECT_EQ(o.camera_alarm().type(), v1::CameraAlarm::TYPE_OTHER);
  EXPECT_EQ(o.camera_alarm().description(), "");
}

// Derived from the Hikvision sample: DeviceID removed, AlarmPriority 9.
TEST(Manscdp, MissingDeviceIdAndBadPriorityAreNamed) {
  auto missing = parse_manscdp(sample("alarm_missing_deviceid_body.xml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "invalid_manscdp");
  EXPECT_EQ(missing.error().message, "DeviceID is missing");
  auto nine = parse_manscdp(sample("alarm_priority_9_body.xml"));
  ASSERT_FALSE(nine);
  EXPECT_EQ(nine.error().message, "AlarmPriority 9 is not 1 (highest) .. 4");
}

// Written after GB/T 28181-2016 A.2.5.3 (no published capture carries coordinates): GBK body,
// coordinates, and both a top-level AlarmType (6, intrusion) and Info/AlarmType (5, tripwire):
// <Info> wins.
TEST(Manscdp, TripwireWithCoordinatesInfoTypeWins) {
  auto m = parse_message(sample("alarm_tripwire_coordinates.sip"));
  ASSERT_TRUE(m) << m.error().message;
  auto body = parse_manscdp(m->body);
  ASSERT_TRUE(body) << body.error().message;
  const AlarmNotify& a = alarm_of(*body);
  EXPECT_EQ(a.alarm_type, 5);
  ASSERT_TRUE(a.longitude && a.latitude);
  const auto o = to_observation(a);
  EXPECT_EQ(o.camera_alarm().type(), v1::CameraAlarm::TYPE_LINE_CROSSING);
  EXPECT_EQ(o.camera_alarm().priority(), 2);
  EXPECT_EQ(o.camera_alarm().description(),
            "\xE7\xBB\x8A\xE7\xBA\xBF\xE8\xB6\x8A\xE7\x95\x8C");  // 绊线越界
  ASSERT_TRUE(o.has_position());
  EXPECT_DOUBLE_EQ(o.position().x(), 106.2598);
  EXPECT_DOUBLE_EQ(o.position().y(), 29.2872);
  EXPECT_EQ(o.position().crs(), "EPSG:4326");
  EXPECT_EQ(o.id(), "gb28181:50011600001310000001:1718715933:17:5.5");
}

std::string alarm_xml(const std::string& fields) {
  return "<?xml version=\"1.0\" encoding=\"GB2312\"?><Notify><CmdType>Alarm</CmdType><SN>1</SN>"
         "<DeviceID>34020000001340000001</DeviceID>" +
         fields + "</Notify>";
}

TEST(Manscdp, TimesWithAndWithoutOffset) {
  const std::string base = "<AlarmPriority>1</AlarmPriority><AlarmMethod>2</AlarmMethod>";
  auto local = parse_manscdp(alarm_xml(base + "<AlarmTime>2009-12-04T16:23:32</AlarmTime>"));
  ASSERT_TRUE(local) << local.error().message;
  auto utc = parse_manscdp(alarm_xml(base + "<AlarmTime>2009-12-04T08:23:32Z</AlarmTime>"));
  ASSERT_TRUE(utc) << utc.error().message;
  EXPECT_EQ(alarm_of(*local).time_us, alarm_of(*utc).time_us);
  auto spaced = parse_manscdp(alarm_xml(base + "<AlarmTime>2009-12-04 16:23:32</AlarmTime>"));
  ASSERT_TRUE(spaced);
  EXPECT_EQ(alarm_of(*spaced).time_us, alarm_of(*local).time_us);
  auto bad = parse_manscdp(alarm_xml(base + "<AlarmTime>04/12/2009</AlarmTime>"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("AlarmTime: ", 0), 0u) << bad.error().message;
}

TEST(Manscdp, FieldErrors) {
  const std::string t = "<AlarmTime>2009-12-04T16:23:32</AlarmTime>";
  const std::pair<std::string, std::string> cases[] = {
      {"<AlarmMethod>2</AlarmMethod>" + t, "AlarmPriority is missing"},
      {"<AlarmPriority>x</AlarmPriority><AlarmMethod>2</AlarmMethod>" + t,
       "AlarmPriority \"x\" is not a whole number"},
      {"<AlarmPriority>1</AlarmPriority>" + t, "AlarmMethod is missing"},
      {"<AlarmPriority>1</AlarmPriority><AlarmMethod>8</AlarmMethod>" + t,
       "AlarmMethod 8 is not 1..7"},
      {"<AlarmPriority>1</AlarmPriority><AlarmMethod>2</AlarmMethod>", "AlarmTime is missing"},
      {"<AlarmPriority>1</AlarmPriority><AlarmMethod>4</AlarmMethod>" + t +
           "<Longitude>200</Longitude><Latitude>30</Latitude>",
       "Longitude \"200\" is outside -180..180 degrees"},
      {"<AlarmPriority>1</AlarmPriority><AlarmMethod>4</AlarmMethod>" + t +
           "<Longitude>120</Longitude><Latitude>north</Latitude>",
       "Latitude \"north\" is not a number"},
      {"<AlarmPriority>1</AlarmPriority><AlarmMethod>5</AlarmMethod>" + t +
           "<Info><AlarmType>two</AlarmType></Info>",
       "Info/AlarmType \"two\" is not a whole number"},
      {"<AlarmPriority>1</AlarmPriority><AlarmMethod>5</AlarmMethod>" + t +
           "<Info><AlarmType>6</AlarmType><AlarmTypeParam><EventType>-1</EventType>"
           "</AlarmTypeParam></Info>",
       "AlarmTypeParam/EventType \"-1\" is not a whole number"},
  };
  for (const auto& [fields, expected] : cases) {
    auto body = parse_manscdp(alarm_xml(fields));
    ASSERT_FALSE(body) << fields;
    EXPECT_EQ(body.error().message, expected);
  }
  auto no_cmd = parse_manscdp("<Notify><SN>1</SN></Notify>");
  ASSERT_FALSE(no_cmd);
  EXPECT_EQ(no_cmd.error().message, "CmdType is missing");
  auto bad_id = parse_manscdp(
      "<Notify><CmdType>Keepalive</CmdType><DeviceID>34020000001320000001; drop</DeviceID>"
      "</Notify>");
  ASSERT_FALSE(bad_id);
  EXPECT_NE(bad_id.error().message.find("DeviceID"), std::string::npos);
  auto not_xml = parse_manscdp("<Notify><CmdType>Alarm</CmdType>");
  ASSERT_FALSE(not_xml);
  EXPECT_EQ(not_xml.error().code, "invalid_xml");
}

TEST(Manscdp, OneCoordinateOrZeroMeansUnknown) {
  const std::string base =
      "<AlarmPriority>1</AlarmPriority><AlarmMethod>4</AlarmMethod>"
      "<AlarmTime>2009-12-04T16:23:32</AlarmTime>";
  auto only_lon = parse_manscdp(alarm_xml(base + "<Longitude>116.3974</Longitude>"));
  ASSERT_TRUE(only_lon);
  EXPECT_FALSE(to_observation(alarm_of(*only_lon)).has_position());
  auto zero_lat =
      parse_manscdp(alarm_xml(base + "<Longitude>116.3974</Longitude><Latitude>0</Latitude>"));
  ASSERT_TRUE(zero_lat);
  EXPECT_FALSE(to_observation(alarm_of(*zero_lat)).has_position());
  auto both = parse_manscdp(
      alarm_xml(base + "<Longitude>116.3974</Longitude><Latitude>39.9093</Latitude>"));
  ASSERT_TRUE(both);
  EXPECT_TRUE(to_observation(alarm_of(*both)).has_position());
}

// GB/T 28181-2016 A.2.5.3 AlarmType tables (checked against wvp-GB28181-pro's and others' copies
// of the standard's text).
TEST(Manscdp, TypeMapping) {
  using T = v1::CameraAlarm;
  EXPECT_EQ(camera_alarm_type(5, 5), T::TYPE_LINE_CROSSING);  // 绊线检测
  EXPECT_EQ(camera_alarm_type(5, 6), T::TYPE_INTRUSION);      // 入侵检测
  EXPECT_EQ(camera_alarm_type(5, 8), T::TYPE_LOITERING);      // 徘徊检测
  EXPECT_EQ(camera_alarm_type(5, 10), T::TYPE_CROWD);         // 密度检测
  EXPECT_EQ(camera_alarm_type(5, 2), T::TYPE_OTHER);          // 运动目标检测
  EXPECT_EQ(camera_alarm_type(5, 12), T::TYPE_OTHER);         // 快速移动
  EXPECT_EQ(camera_alarm_type(2, 1), T::TYPE_VIDEO_LOSS);     // 视频丢失
  EXPECT_EQ(camera_alarm_type(2, 2), T::TYPE_OTHER);          // 设备防拆
  EXPECT_EQ(camera_alarm_type(2, 3), T::TYPE_VIDEO_LOSS);     // 磁盘满
  EXPECT_EQ(camera_alarm_type(2, 4), T::TYPE_VIDEO_LOSS);     // 高温
  EXPECT_EQ(camera_alarm_type(2, 0), T::TYPE_OTHER);          // plain device alarm (input)
  EXPECT_EQ(camera_alarm_type(6, 1), T::TYPE_VIDEO_LOSS);     // 磁盘故障
  EXPECT_EQ(camera_alarm_type(6, 2), T::TYPE_VIDEO_LOSS);     // 风扇故障
  EXPECT_EQ(camera_alarm_type(1, 0), T::TYPE_OTHER);          // 电话报警
  EXPECT_EQ(camera_alarm_type(4, 0), T::TYPE_OTHER);          // GPS报警
  EXPECT_EQ(camera_alarm_type(7, 3), T::TYPE_OTHER);
}

TEST(Manscdp, FireAndSmokeFromDescription) {
  AlarmNotify a;
  a.device_id = "34020000001310000001";
  a.priority = 1;
  a.method = 5;
  a.alarm_type = 2;
  a.description = "\xE7\x83\x9F\xE7\x81\xAB\xE6\xA3\x80\xE6\xB5\x8B";  // 烟火检测
  EXPECT_EQ(to_observation(a).camera_alarm().type(), v1::CameraAlarm::TYPE_FIRE);
  a.description = "\xE7\x83\x9F\xE9\x9B\xBE";  // 烟雾
  EXPECT_EQ(to_observation(a).camera_alarm().type(), v1::CameraAlarm::TYPE_SMOKE);
  a.description = "Smoke detected";
  EXPECT_EQ(to_observation(a).camera_alarm().type(), v1::CameraAlarm::TYPE_SMOKE);
  a.alarm_type = 6;  // an intrusion stays an intrusion whatever the text says
  EXPECT_EQ(to_observation(a).camera_alarm().type(), v1::CameraAlarm::TYPE_INTRUSION);
}

TEST(Manscdp, LongDescriptionIsCutAtACharacter) {
  AlarmNotify a;
  a.device_id = "34020000001310000001";
  a.priority = 1;
  a.method = 7;
  for (int i = 0; i < 400; ++i) a.description += "\xE7\x81\xAB";  // 火 x 400 = 1200 bytes
  const auto o = to_observation(a);
  EXPECT_EQ(o.camera_alarm().description().size(), 1023u);
}

TEST(Manscdp, AlarmResponseBodyParsesBack) {
  const std::string body = alarm_response_body("17", "50011600001310000001");
  auto parsed = parse_manscdp(body);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->root, "Response");
  EXPECT_EQ(parsed->cmd_type, "Alarm");
  EXPECT_EQ(parsed->sn, "17");
  EXPECT_EQ(parsed->device_id, "50011600001310000001");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parsed->command));
  EXPECT_NE(body.find("<Result>OK</Result>"), std::string::npos);
}

}  // namespace
}  // namespace quanyu::ingest::gb28181
