#include <string>

#include "cap_samples.hpp"
#include "gtest_include.hpp"
#include "server/ingest/cap/observations.hpp"

namespace quanyu::ingest::cap {
namespace {

using testing::sample;

std::vector<v1::Observation> observations_of(const std::string& bytes) {
  auto alert = parse_alert(bytes);
  EXPECT_TRUE(alert) << alert.error().message;
  if (!alert) return {};
  auto observations = to_observations(*alert);
  EXPECT_TRUE(observations) << observations.error().message;
  return observations ? *observations : std::vector<v1::Observation>{};
}

std::vector<std::string> geocodes(const v1::WarningArea& area) {
  return {area.geocodes().begin(), area.geocodes().end()};
}

// OASIS CAP-v1.2-os Appendix A.1 (see parse_test.cpp for the source).
TEST(CapObservations, OneObservationPerInfoWithIdSourceAndTime) {
  const auto obs = observations_of(sample("oasis_a1_homeland_security.xml"));
  ASSERT_EQ(obs.size(), 1u);
  const auto& o = obs[0];
  EXPECT_EQ(o.id(), "cap:43b080713727:1");  // no language: the info's index
  EXPECT_EQ(o.source(), "cap:hsas@dhs.gov");
  EXPECT_EQ(o.observed_at().seconds(), 1049312341);
  EXPECT_EQ(o.observed_at().nanos(), 0);
  EXPECT_FALSE(o.has_position());  // the area is only a description
  ASSERT_TRUE(o.has_published_warning());
  const auto& w = o.published_warning();
  EXPECT_EQ(w.identifier(), "43b080713727");
  EXPECT_EQ(w.sender(), "hsas@dhs.gov");
  EXPECT_EQ(w.msg_type(), v1::PublishedWarning::MSG_TYPE_ALERT);
  EXPECT_EQ(w.event(), "Homeland Security Advisory System Update");
  EXPECT_EQ(w.severity(), v1::SEVERITY_ORANGE);  // Severe
  EXPECT_EQ(w.urgency(), "Immediate");
  EXPECT_EQ(w.certainty(), "Likely");
  EXPECT_EQ(w.headline(), "Homeland Security Sets Code ORANGE");
  EXPECT_EQ(w.sender_name(), "U.S. Government, Department of Homeland Security");
  EXPECT_EQ(w.language(), "en-US");  // CAP's default
  EXPECT_EQ(w.categories_size(), 1);
  EXPECT_EQ(w.categories(0), "Security");
  EXPECT_FALSE(w.has_expires());
  ASSERT_EQ(w.areas_size(), 1);
  EXPECT_EQ(w.areas(0).description(), "U.S. nationwide and interests worldwide");
}

// OASIS Appendix A.2: the polygon becomes lon/lat points and its centroid the position.
TEST(CapObservations, PolygonCentroidIsThePosition) {
  const auto obs = observations_of(sample("oasis_a2_thunderstorm.xml"));
  ASSERT_EQ(obs.size(), 1u);
  const auto& o = obs[0];
  ASSERT_TRUE(o.has_position());
  EXPECT_EQ(o.position().crs(), "EPSG:4326");
  // Centroid of the quadrilateral (lon, lat): (-120.14, 38.47) (-119.95, 38.34) (-119.74, 38.52)
  // (-119.89, 38.62), by the shoelace formula: x = -119.9346, y = 38.4840 (to 4 places).
  EXPECT_NEAR(o.position().x(), -119.9346, 1e-4);
  EXPECT_NEAR(o.position().y(), 38.4840, 1e-4);
  const auto& w = o.published_warning();
  EXPECT_EQ(w.expires().seconds(), 1055890800);
  ASSERT_EQ(w.areas_size(), 1);
  ASSERT_EQ(w.areas(0).polygons_size(), 1);
  const auto& ring = w.areas(0).polygons(0);
  ASSERT_EQ(ring.points_size(), 5);
  EXPECT_DOUBLE_EQ(ring.points(0).lon(), -120.14);
  EXPECT_DOUBLE_EQ(ring.points(0).lat(), 38.47);
  EXPECT_DOUBLE_EQ(ring.points(4).lon(), -120.14);
  EXPECT_EQ(geocodes(w.areas(0)),
            (std::vector<std::string>{"SAME=006109", "SAME=006009", "SAME=006003"}));
}

// OASIS Appendix A.3: an Update keeps the identifiers it refers to; the circle's centre is the
// position.
TEST(CapObservations, UpdateWithReferencesAndCircle) {
  const auto obs = observations_of(sample("oasis_a3_earthquake.xml"));
  ASSERT_EQ(obs.size(), 1u);
  const auto& o = obs[0];
  const auto& w = o.published_warning();
  EXPECT_EQ(w.msg_type(), v1::PublishedWarning::MSG_TYPE_UPDATE);
  ASSERT_EQ(w.references_size(), 1);
  EXPECT_EQ(w.references(0), "TRI13970876.1");
  EXPECT_EQ(w.severity(), v1::SEVERITY_BLUE);  // Minor
  ASSERT_TRUE(o.has_position());
  EXPECT_DOUBLE_EQ(o.position().x(), -115.5527);
  EXPECT_DOUBLE_EQ(o.position().y(), 32.9525);
  ASSERT_EQ(w.areas(0).circles_size(), 1);
  EXPECT_DOUBLE_EQ(w.areas(0).circles(0).centre().lon(), -115.5527);
  EXPECT_DOUBLE_EQ(w.areas(0).circles(0).centre().lat(), 32.9525);
  EXPECT_DOUBLE_EQ(w.areas(0).circles(0).radius_km(), 0.0);
}

// OASIS Appendix A.4: two translations, two observations told apart by language; parsing the
// same bytes again gives the same ids, so a resend is a duplicate.
TEST(CapObservations, TranslationsGetLanguageIds) {
  const auto obs = observations_of(sample("oasis_a4_amber.xml"));
  ASSERT_EQ(obs.size(), 2u);
  EXPECT_EQ(obs[0].id(), "cap:KAR0-0306112239-SW:en-US");
  EXPECT_EQ(obs[1].id(), "cap:KAR0-0306112239-SW:es-US");
  EXPECT_EQ(obs[1].published_warning().language(), "es-US");
  EXPECT_EQ(obs[1].published_warning().categories(0), "Rescue");
  EXPECT_FALSE(obs[0].has_position());  // a county geocode only
  EXPECT_EQ(geocodes(obs[0].published_warning().areas(0)),
            (std::vector<std::string>{"SAME=006037"}));
  const auto again = observations_of(sample("oasis_a4_amber.xml"));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].id(), obs[1].id());
}

TEST(CapObservations, SharedLanguageFallsBackToIndex) {
  std::string a4 = sample("oasis_a4_amber.xml");
  a4.replace(a4.find("es-US"), 5, "en-US");
  const auto obs = observations_of(a4);
  ASSERT_EQ(obs.size(), 2u);
  EXPECT_EQ(obs[0].id(), "cap:KAR0-0306112239-SW:1");
  EXPECT_EQ(obs[1].id(), "cap:KAR0-0306112239-SW:2");
}

// Chinese sample built by the national profile (see parse_test.cpp): geocode-only areas leave
// the position unset and give the caller the adcode to resolve.
TEST(CapObservations, ChineseAlertGeocodesOnly) {
  const auto obs = observations_of(sample("cn_jiangjin_rainstorm.xml"));
  ASSERT_EQ(obs.size(), 2u);
  EXPECT_EQ(obs[0].id(), "cap:50011641600000_20250712153000:en-US");
  EXPECT_EQ(obs[1].id(), "cap:50011641600000_20250712153000:zh-CN");
  const auto& zh = obs[1];
  EXPECT_EQ(zh.source(), "cap:Jiangjin_District_Meteorological_Observatory");
  EXPECT_FALSE(zh.has_position());
  const auto& w = zh.published_warning();
  EXPECT_EQ(w.severity(), v1::SEVERITY_ORANGE);  // 橙色 in the headline, Severe in the field
  EXPECT_EQ(w.event(), "暴雨");
  EXPECT_EQ(w.sender_name(), "江津区气象台");
  EXPECT_EQ(w.expires().seconds(), 1752391800);
  EXPECT_EQ(w.language(), "zh-CN");
  ASSERT_EQ(w.areas_size(), 1);
  EXPECT_EQ(w.areas(0).description(), "重庆市江津区");
  EXPECT_EQ(geocodes(w.areas(0)),
            (std::vector<std::string>{"CPEAS Geographic Code=500116", "adcode=500116"}));
}

// Chinese Cancel built by the national profile: the severity field says Unknown, the headline
// names the colour being lifted; the polygon's centre is the position.
TEST(CapObservations, ChineseCancelKeepsReferencesAndColour) {
  const auto obs = observations_of(sample("cn_jiangjin_rainstorm_cancel.xml"));
  ASSERT_EQ(obs.size(), 1u);
  const auto& w = obs[0].published_warning();
  EXPECT_EQ(w.msg_type(), v1::PublishedWarning::MSG_TYPE_CANCEL);
  ASSERT_EQ(w.references_size(), 1);
  EXPECT_EQ(w.references(0), "50011641600000_20250712153000");
  EXPECT_EQ(w.severity(), v1::SEVERITY_ORANGE);
  ASSERT_TRUE(obs[0].has_position());
  // Rectangle 106.00..106.50 E, 29.10..29.45 N.
  EXPECT_NEAR(obs[0].position().x(), 106.25, 1e-9);
  EXPECT_NEAR(obs[0].position().y(), 29.275, 1e-9);
  ASSERT_EQ(w.areas(0).polygons(0).points_size(), 5);
  EXPECT_DOUBLE_EQ(w.areas(0).polygons(0).points(1).lon(), 106.5);
  EXPECT_DOUBLE_EQ(w.areas(0).polygons(0).points(1).lat(), 29.10);
}

// GBK sample (see parse_test.cpp): the colour only in event/headline/parameter; a 12-digit
// township code yields the district adcode.
TEST(CapObservations, GbkForestFireWarning) {
  const auto obs = observations_of(sample("cn_jiangjin_forest_fire_gbk.xml"));
  ASSERT_EQ(obs.size(), 1u);
  const auto& w = obs[0].published_warning();
  EXPECT_EQ(w.headline(), "江津区林业局发布森林火险橙色预警");
  EXPECT_EQ(w.severity(), v1::SEVERITY_ORANGE);
  ASSERT_TRUE(obs[0].has_position());
  EXPECT_DOUBLE_EQ(obs[0].position().x(), 106.41);
  EXPECT_DOUBLE_EQ(obs[0].position().y(), 28.61);
  EXPECT_EQ(geocodes(w.areas(0)),
            (std::vector<std::string>{"CPEAS Geographic Code=500116110000", "adcode=500116"}));
}

TEST(CapObservations, SeverityMapping) {
  EXPECT_EQ(severity_from_cap("Extreme"), v1::SEVERITY_RED);
  EXPECT_EQ(severity_from_cap("Severe"), v1::SEVERITY_ORANGE);
  EXPECT_EQ(severity_from_cap("Moderate"), v1::SEVERITY_YELLOW);
  EXPECT_EQ(severity_from_cap("Minor"), v1::SEVERITY_BLUE);
  EXPECT_EQ(severity_from_cap("Unknown"), v1::SEVERITY_UNSPECIFIED);
  EXPECT_EQ(severity_from_colour_word("暴雨红色预警"), v1::SEVERITY_RED);
  EXPECT_EQ(severity_from_colour_word("大风蓝色预警信号"), v1::SEVERITY_BLUE);
  EXPECT_EQ(severity_from_colour_word("暴雨黄色预警升级为橙色预警"), v1::SEVERITY_ORANGE);
  EXPECT_EQ(severity_from_colour_word("橙色预警降级为黄色预警"), v1::SEVERITY_YELLOW);
  EXPECT_EQ(severity_from_colour_word("Red warning"), std::nullopt);  // English is not read

  Info info;
  info.severity = "Minor";
  EXPECT_EQ(info_severity(info), v1::SEVERITY_BLUE);
  info.parameters.push_back({"预警级别", "黄色"});
  EXPECT_EQ(info_severity(info), v1::SEVERITY_YELLOW);
  info.headline = "江津区气象台发布高温橙色预警信号";
  EXPECT_EQ(info_severity(info), v1::SEVERITY_ORANGE);
  info.event = "高温红色预警";
  EXPECT_EQ(info_severity(info), v1::SEVERITY_RED);
}

TEST(CapObservations, OnlyActualWarningsBecomeObservations) {
  const std::string a1 = sample("oasis_a1_homeland_security.xml");
  for (const std::string status : {"Exercise", "System", "Test", "Draft"}) {
    std::string text = a1;
    text.replace(text.find("Actual"), 6, status);
    EXPECT_TRUE(observations_of(text).empty()) << status;
  }
  for (const std::string type : {"Ack", "Error"}) {
    std::string text = a1;
    text.replace(text.find("<msgType>Alert"), 14, "<msgType>" + type);
    EXPECT_TRUE(observations_of(text).empty()) << type;
  }
}

TEST(CapObservations, HandBuiltAlertWithoutIdentifierIsRefused) {
  Alert alert;
  alert.sender = "x@y";
  alert.status = "Actual";
  alert.msg_type = "Alert";
  auto obs = to_observations(alert);
  ASSERT_FALSE(obs);
  EXPECT_EQ(obs.error().code, "invalid_alert");
  EXPECT_NE(obs.error().message.find("identifier"), std::string::npos);
}

}  // namespace
}  // namespace quanyu::ingest::cap
