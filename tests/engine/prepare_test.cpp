// Validation and enrichment of observations before they are journaled (engine/ingest).
#include "engine/ingest/prepare.hpp"

#include <cmath>

#include "engine_fixture.hpp"
#include "gis/crs/gcj02.hpp"
#include "gis/geo/geodesic.hpp"
#include "gtest_include.hpp"

namespace quanyu::engine {
namespace {

using test::kMinute;
using test::kT0;

class PrepareTest : public testing::Test {
 protected:
  Result<v1::Observation> prepare(v1::Observation o, std::int64_t now = kT0) const {
    return Preparer(test::shipped_layers(), rules_).prepare(std::move(o), now);
  }
  void expect_refused(v1::Observation o, const std::string& code, const std::string& field,
                      std::int64_t now = kT0) const {
    const auto result = prepare(std::move(o), now);
    ASSERT_FALSE(result.ok()) << "expected refusal naming " << field;
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_THAT(result.error().message, testing::StartsWith(field)) << result.error().message;
  }
  EngineRules rules_;
};

TEST_F(PrepareTest, SmokeDetectionIsLocatedInItsDistrict) {
  // 解放碑 given in GCJ-02, as a consumer map app would report it.
  auto o = test::smoke("s1", "50010200001310000001", 0.8, kT0, 0, 0);
  const gis::LonLat wgs{106.5775, 29.5574};
  const gis::LonLat gcj = gis::gcj02_from_wgs84(wgs);
  o.mutable_position()->set_crs("GCJ-02");
  o.mutable_position()->set_x(gcj.lon);
  o.mutable_position()->set_y(gcj.lat);
  const auto result = prepare(o);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->district().adcode(), "500103");
  EXPECT_EQ(result->district().match(), v1::DistrictRef::MATCH_INSIDE);
  EXPECT_LT(gis::geodesic_distance_m({result->location().lon(), result->location().lat()}, wgs),
            1.0);
  EXPECT_EQ(to_micros(result->received_at()), kT0);
  EXPECT_EQ(result->id(), "s1");
}

TEST(SensorRegistry, StationCodesFindTheirGauge) {
  // SL 651 stations identify themselves by address; the sensor layer's stationCode maps it.
  const auto* id = test::shipped_layers().sensor_by_station("0060105001");
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(*id, "WG-0060105001");
  EXPECT_EQ(test::shipped_layers().sensor_by_station("9999999999"), nullptr);
}

TEST(DistrictPoints, EveryDistrictHasAPointInsideIt) {
  const auto& layers = test::shipped_layers();
  ASSERT_EQ(layers.jurisdiction().districts().size(), 38U);
  for (const auto& district : layers.jurisdiction().districts()) {
    const auto point = layers.district_point(district.adcode);
    ASSERT_TRUE(point.has_value()) << district.name;
    const auto match = layers.jurisdiction().locate(*point);
    EXPECT_EQ(match.kind, gis::JurisdictionMatch::Kind::inside) << district.name;
    EXPECT_EQ(match.district->adcode, district.adcode) << district.name;
  }
  EXPECT_FALSE(layers.district_point("110000").has_value());
}

TEST_F(PrepareTest, SensorRegistryGivesPositionAndThresholds) {
  auto reading = test::gauge("", "WG-0060105001", 208.0, kT0);
  const auto result = prepare(reading);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_NEAR(result->location().lon(), 105.863035, 1e-9);
  EXPECT_NEAR(result->location().lat(), 28.998659, 1e-9);
  EXPECT_EQ(result->district().name(), "江津区");
  EXPECT_DOUBLE_EQ(result->gauge_reading().warning_level_m(), 207.9);
  EXPECT_DOUBLE_EQ(result->gauge_reading().guarantee_level_m(), 211.9);
  // No id from the feed: derived, stable, and different for a different reading.
  EXPECT_THAT(result->id(), testing::MatchesRegex("d-[0-9a-f]{32}"));
  EXPECT_EQ(prepare(reading)->id(), result->id());
  EXPECT_NE(prepare(test::gauge("", "WG-0060105001", 208.1, kT0))->id(), result->id());
}

TEST_F(PrepareTest, TowerBearingAndDistanceLocateTheSmoke) {
  v1::Observation o = test::smoke("s2", "50010200001310000001", 0.7, kT0, 0, 0);
  o.clear_position();
  o.mutable_smoke_detection()->set_azimuth_deg(90.0);
  o.mutable_smoke_detection()->set_distance_m(3000.0);
  const auto result = prepare(o);
  ASSERT_TRUE(result.ok()) << result.error().message;
  const gis::LonLat tower{107.30535, 29.773658};
  const gis::LonLat fire{result->location().lon(), result->location().lat()};
  EXPECT_NEAR(gis::geodesic_distance_m(tower, fire), 3000.0, 0.01);
  EXPECT_NEAR(gis::geodesic_azimuth_deg(tower, fire), 90.0, 1e-6);
}

TEST_F(PrepareTest, ClientCannotSetServerFields) {
  auto o = test::gauge("g1", "WG-0060105001", 208.0, kT0);
  o.mutable_district()->set_adcode("999999");
  o.mutable_location()->set_lon(1);
  const auto result = prepare(o);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->district().adcode(), "500116");
  EXPECT_NEAR(result->location().lon(), 105.863035, 1e-9);
}

TEST_F(PrepareTest, RefusalsNameTheField) {
  v1::Observation no_payload;
  no_payload.set_source("x");
  *no_payload.mutable_observed_at() = to_timestamp(kT0);
  expect_refused(no_payload, "invalid_observation", "payload");

  auto no_source = test::gauge("g", "WG-0060105001", 1, kT0);
  no_source.clear_source();
  expect_refused(no_source, "invalid_observation", "source");

  auto no_time = test::gauge("g", "WG-0060105001", 1, kT0);
  no_time.clear_observed_at();
  expect_refused(no_time, "invalid_observation", "observedAt");

  expect_refused(test::gauge("g", "WG-0060105001", 1, kT0 - 25 * 60 * kMinute), "stale_observation",
                 "observedAt");
  expect_refused(test::gauge("g", "WG-0060105001", 1, kT0 + 10 * kMinute), "future_observation",
                 "observedAt");
  expect_refused(test::smoke("s", "50010200001310000001", 1.5, kT0, 106.5, 29.5),
                 "invalid_observation", "smokeDetection.confidence");
  expect_refused(test::smoke("s", "50010200001310000001", 0.5, kT0, NAN, 29.5),
                 "invalid_coordinate", "position");
  expect_refused(test::smoke("s", "50010200001310000001", 0.5, kT0, 106.5, 95),
                 "coordinate_out_of_bounds", "position");
  auto bad_crs = test::smoke("s", "50010200001310000001", 0.5, kT0, 106.5, 29.5);
  bad_crs.mutable_position()->set_crs("EPSG:2000");
  expect_refused(bad_crs, "unsupported_crs", "position.crs");
  auto bad_azimuth = test::smoke("s", "50010200001310000001", 0.5, kT0, 106.5, 29.5);
  bad_azimuth.mutable_smoke_detection()->set_azimuth_deg(400);
  expect_refused(bad_azimuth, "invalid_observation", "smokeDetection.azimuthDeg");
  expect_refused(test::gauge("g", "WG-0060105001", INFINITY, kT0), "invalid_observation",
                 "gaugeReading.waterLevelM");
  expect_refused(test::gauge("g", "WG-UNKNOWN", 3.0, kT0), "unknown_sensor", "position");
  auto unknown_gauge = test::gauge("g", "WG-UNKNOWN", 3.0, kT0);
  unknown_gauge.mutable_position()->set_x(106.5);
  unknown_gauge.mutable_position()->set_y(29.5);
  expect_refused(unknown_gauge, "unknown_sensor", "gaugeReading.warningLevelM");
  expect_refused(
      test::camera("c", "50010100001320000001", v1::CameraAlarm::TYPE_UNSPECIFIED, 1, kT0),
      "invalid_observation", "cameraAlarm.type");
  expect_refused(test::camera("c", "50010100001320000001", v1::CameraAlarm::TYPE_INTRUSION, 7, kT0),
                 "invalid_observation", "cameraAlarm.priority");
  expect_refused(test::camera(std::string(200, 'x'), "50010100001320000001",
                              v1::CameraAlarm::TYPE_INTRUSION, 1, kT0),
                 "invalid_observation", "id");
  auto control =
      test::camera("bad\nid", "50010100001320000001", v1::CameraAlarm::TYPE_INTRUSION, 1, kT0);
  expect_refused(control, "invalid_observation", "id");
}

TEST_F(PrepareTest, WarningsArePlacedByTheirFirstAreaAndChecked) {
  using W = v1::PublishedWarning;
  auto circle =
      prepare(test::warning("W-1", W::MSG_TYPE_ALERT, v1::SEVERITY_RED, kT0, 106.26, 29.29));
  ASSERT_TRUE(circle.ok()) << circle.error().message;
  EXPECT_DOUBLE_EQ(circle->location().lon(), 106.26);
  EXPECT_EQ(circle->district().name(), "江津区");

  // A closed square around 渝中区: placed at its vertex average.
  auto square = test::warning("W-2", W::MSG_TYPE_ALERT, v1::SEVERITY_RED, kT0, 0, 0);
  auto* area = square.mutable_published_warning()->mutable_areas(0);
  area->clear_circles();
  auto* ring = area->add_polygons();
  for (const auto& [lon, lat] :
       {std::pair{106.55, 29.54}, std::pair{106.59, 29.54}, std::pair{106.59, 29.58},
        std::pair{106.55, 29.58}, std::pair{106.55, 29.54}}) {
    auto* p = ring->add_points();
    p->set_lon(lon);
    p->set_lat(lat);
  }
  auto placed = prepare(square);
  ASSERT_TRUE(placed.ok()) << placed.error().message;
  EXPECT_NEAR(placed->location().lon(), 106.57, 1e-9);
  EXPECT_NEAR(placed->location().lat(), 29.56, 1e-9);

  // Only an adcode: placed inside that district.
  auto by_code = test::warning("W-7", W::MSG_TYPE_ALERT, v1::SEVERITY_RED, kT0, 0, 0);
  by_code.mutable_published_warning()->mutable_areas(0)->clear_circles();
  by_code.mutable_published_warning()->mutable_areas(0)->add_geocodes("adcode=500116");
  auto coded = prepare(by_code);
  ASSERT_TRUE(coded.ok()) << coded.error().message;
  EXPECT_EQ(coded->district().adcode(), "500116");
  EXPECT_EQ(coded->district().match(), v1::DistrictRef::MATCH_INSIDE);

  auto no_area = test::warning("W-3", W::MSG_TYPE_ALERT, v1::SEVERITY_RED, kT0, 0, 0);
  no_area.mutable_published_warning()->clear_areas();
  expect_refused(no_area, "invalid_observation", "position");
  auto open_ring = square;
  open_ring.mutable_published_warning()
      ->mutable_areas(0)
      ->mutable_polygons(0)
      ->mutable_points()
      ->RemoveLast();
  open_ring.mutable_published_warning()
      ->mutable_areas(0)
      ->mutable_polygons(0)
      ->mutable_points()
      ->RemoveLast();
  expect_refused(open_ring, "invalid_observation", "publishedWarning.areas[0].polygons[0]");
  auto cancel = test::warning("W-4", W::MSG_TYPE_CANCEL, v1::SEVERITY_RED, kT0, 106.26, 29.29);
  expect_refused(cancel, "invalid_observation", "publishedWarning.references");
  auto no_type =
      test::warning("W-5", W::MSG_TYPE_UNSPECIFIED, v1::SEVERITY_RED, kT0, 106.26, 29.29);
  expect_refused(no_type, "invalid_observation", "publishedWarning.msgType");
  auto far = test::warning("W-6", W::MSG_TYPE_ALERT, v1::SEVERITY_RED, kT0, 206.26, 29.29);
  expect_refused(far, "invalid_observation", "publishedWarning.areas[0].circles[0]");
}

TEST_F(PrepareTest, OutsideJurisdictionIsAcceptedAndFlagged) {
  const auto result = prepare(test::smoke("s", "t-x", 0.5, kT0, 116.39, 39.91));  // Beijing
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->district().match(), v1::DistrictRef::MATCH_OUTSIDE);
}

}  // namespace
}  // namespace quanyu::engine
