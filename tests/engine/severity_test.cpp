// Each severity rule on its own (engine/fusion/severity.cpp).
#include "engine/fusion/severity.hpp"

#include "gtest_include.hpp"

namespace quanyu::engine {
namespace {

TEST(FireSeverity, GrowsWithSourcesConfidenceAndFlame) {
  EXPECT_EQ(fire_severity({1, 0.5, false, false}), v1::SEVERITY_BLUE);
  EXPECT_EQ(fire_severity({1, 0.6, false, false}), v1::SEVERITY_YELLOW);
  EXPECT_EQ(fire_severity({2, 0.7, false, false}), v1::SEVERITY_YELLOW);
  EXPECT_EQ(fire_severity({2, 0.85, false, false}), v1::SEVERITY_ORANGE);
  EXPECT_EQ(fire_severity({3, 0.7, false, false}), v1::SEVERITY_ORANGE);
  EXPECT_EQ(fire_severity({2, 0.9, true, false}), v1::SEVERITY_RED);
  EXPECT_EQ(fire_severity({1, 0.95, true, false}), v1::SEVERITY_YELLOW);  // one source: unconfirmed
}

TEST(FireSeverity, SensitiveSiteNearbyRaisesOneLevelUpToRed) {
  EXPECT_EQ(fire_severity({1, 0.5, false, true}), v1::SEVERITY_YELLOW);
  EXPECT_EQ(fire_severity({3, 0.7, false, true}), v1::SEVERITY_RED);
  EXPECT_EQ(fire_severity({2, 0.9, true, true}), v1::SEVERITY_RED);
}

TEST(FloodSeverity, LevelAgainstWarningAndGuaranteeAndRiseRate) {
  const FloodRules rules;  // rising 0.1 m/h, fast 0.5 m/h
  EXPECT_EQ(flood_severity({180.6, 180.5, 183.5, 0.0}, rules), v1::SEVERITY_BLUE);
  EXPECT_EQ(flood_severity({180.6, 180.5, 183.5, 0.2}, rules), v1::SEVERITY_YELLOW);
  EXPECT_EQ(flood_severity({180.6, 180.5, 183.5, 0.6}, rules), v1::SEVERITY_ORANGE);
  EXPECT_EQ(flood_severity({182.0, 180.5, 183.5, 0.0}, rules), v1::SEVERITY_ORANGE);  // upper half
  EXPECT_EQ(flood_severity({183.5, 180.5, 183.5, -0.3}, rules), v1::SEVERITY_RED);
  EXPECT_EQ(flood_severity({190.0, 180.5, 0.0, 0.0}, rules),
            v1::SEVERITY_BLUE);  // no guarantee level
}

TEST(SecuritySeverity, PriorityRepetitionAndSensitiveSites) {
  const SecurityRules rules;  // 3 alarms escalate
  EXPECT_EQ(security_severity({1, 1, false}, rules), v1::SEVERITY_ORANGE);
  EXPECT_EQ(security_severity({2, 1, false}, rules), v1::SEVERITY_YELLOW);
  EXPECT_EQ(security_severity({4, 1, false}, rules), v1::SEVERITY_BLUE);
  EXPECT_EQ(security_severity({4, 3, false}, rules), v1::SEVERITY_YELLOW);
  EXPECT_EQ(security_severity({2, 3, true}, rules), v1::SEVERITY_RED);
  EXPECT_EQ(security_severity({1, 5, true}, rules), v1::SEVERITY_RED);
}

TEST(SeverityName, Colours) {
  EXPECT_STREQ(severity_name(v1::SEVERITY_BLUE), "blue");
  EXPECT_STREQ(severity_name(v1::SEVERITY_RED), "red");
}

}  // namespace
}  // namespace quanyu::engine
