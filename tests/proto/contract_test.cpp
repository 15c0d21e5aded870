// The v1 contract: one schema serves Protobuf and the proto3 JSON mapping, through protobuf's own
// JSON utility, in both directions.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "gtest_include.hpp"
#include "quanyu/v1/incident.pb.h"
#include "quanyu/v1/live.pb.h"
#include "quanyu/v1/observation.pb.h"

namespace quanyu::v1 {
namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;
using google::protobuf::util::TimeUtil;

TEST(Contract, SmokeDetectionFromJson) {
  Observation o;
  ASSERT_TRUE(JsonStringToMessage(R"({
      "id": "tower-7-20261123T101500",
      "source": "http:tower-api",
      "observedAt": "2026-11-23T10:15:00+08:00",
      "position": {"x": 106.2, "y": 29.1, "crs": "EPSG:4490"},
      "smokeDetection": {"towerId": "50011600001310000001", "confidence": 0.82,
                         "azimuthDeg": 135.5, "flame": false}
    })",
                                  &o)
                  .ok());
  EXPECT_EQ(o.payload_case(), Observation::kSmokeDetection);
  EXPECT_DOUBLE_EQ(o.smoke_detection().confidence(), 0.82);
  EXPECT_EQ(o.position().crs(), "EPSG:4490");
  // Beijing time in, UTC inside: 10:15 +08:00 is 02:15Z.
  EXPECT_EQ(TimeUtil::ToString(o.observed_at()), "2026-11-23T02:15:00Z");
}

TEST(Contract, CameraAlarmEnumsByNameAndNumber) {
  Observation o;
  ASSERT_TRUE(JsonStringToMessage(
                  R"({"cameraAlarm":{"cameraId":"c1","type":"TYPE_INTRUSION","priority":1}})", &o)
                  .ok());
  EXPECT_EQ(o.camera_alarm().type(), CameraAlarm::TYPE_INTRUSION);
  ASSERT_TRUE(JsonStringToMessage(R"({"cameraAlarm":{"type":4}})", &o).ok());
  EXPECT_EQ(o.camera_alarm().type(), CameraAlarm::TYPE_SMOKE);
}

TEST(Contract, MalformedJsonIsRefusedWithTheFieldNamed) {
  Observation o;
  const auto unknown = JsonStringToMessage(R"({"gaugeReading":{"waterLevel":3.2}})", &o);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.message()), testing::HasSubstr("waterLevel"));
  const auto wrong_type = JsonStringToMessage(R"({"gaugeReading":{"waterLevelM":"high"}})", &o);
  EXPECT_FALSE(wrong_type.ok());
  const auto bad_time = JsonStringToMessage(R"({"observedAt":"yesterday"})", &o);
  EXPECT_FALSE(bad_time.ok());
  // Two payloads of one oneof are refused.
  EXPECT_FALSE(JsonStringToMessage(R"({"cameraAlarm":{},"gaugeReading":{}})", &o).ok());
}

TEST(Contract, IncidentRoundTripsThroughJsonAndBinary) {
  Incident incident;
  incident.set_id("INC-1");
  incident.set_kind(INCIDENT_KIND_FIRE);
  incident.set_severity(SEVERITY_ORANGE);
  incident.set_status(INCIDENT_STATUS_NEW);
  incident.mutable_district()->set_adcode("500116");
  incident.mutable_district()->set_name("江津区");
  incident.mutable_district()->set_match(DistrictRef::MATCH_INSIDE);
  incident.set_version(42);
  *incident.mutable_first_seen() = TimeUtil::SecondsToTimestamp(1795400000);

  std::string json;
  ASSERT_TRUE(MessageToJsonString(incident, &json).ok());
  EXPECT_THAT(json, testing::HasSubstr(R"("severity":"SEVERITY_ORANGE")"));
  EXPECT_THAT(json, testing::HasSubstr(R"("name":"江津区")"));
  EXPECT_THAT(json, testing::HasSubstr(R"("version":"42")"));  // uint64 as a string
  Incident back;
  ASSERT_TRUE(JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), incident.SerializeAsString());

  Incident from_binary;
  ASSERT_TRUE(from_binary.ParseFromString(incident.SerializeAsString()));
  EXPECT_EQ(from_binary.district().name(), "江津区");
}

TEST(Contract, LiveEnvelopes) {
  ClientMessage client;
  ASSERT_TRUE(JsonStringToMessage(R"({"command":{"correlationId":"c-1",
      "dispatch":{"incidentId":"INC-1","kind":"TASK_KIND_VERIFY"}}})",
                                  &client)
                  .ok());
  EXPECT_EQ(client.command().action_case(), Command::kDispatch);
  EXPECT_TRUE(client.command().dispatch().resource_id().empty());  // "the nearest available team"

  ServerMessage server;
  server.set_seq(7);
  server.mutable_snapshot()->set_resync(true);
  std::string json;
  ASSERT_TRUE(MessageToJsonString(server, &json).ok());
  EXPECT_EQ(json, R"({"seq":"7","snapshot":{"resync":true}})");
}

}  // namespace
}  // namespace quanyu::v1
