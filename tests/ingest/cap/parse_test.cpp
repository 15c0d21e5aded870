#include <regex>
#include <string>

#include "cap_samples.hpp"
#include "gtest_include.hpp"
#include "server/ingest/cap/alert.hpp"

namespace quanyu::ingest::cap {
namespace {

using testing::kSecond;
using testing::sample;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The text without its first <name>...</name> element.
std::string without(const std::string& text, const std::string& name) {
  const std::regex element("<" + name + ">[^<]*</" + name + ">");
  EXPECT_TRUE(std::regex_search(text, element)) << name;
  return std::regex_replace(text, element, "", std::regex_constants::format_first_only);
}

void expect_error(const Result<Alert>& alert, const std::string& code,
                  std::initializer_list<std::string> mentions) {
  ASSERT_FALSE(alert) << "parsed, but expected " << code;
  EXPECT_EQ(alert.error().code, code) << alert.error().message;
  for (const auto& m : mentions) {
    EXPECT_NE(alert.error().message.find(m), std::string::npos)
        << "'" << m << "' not in: " << alert.error().message;
  }
}

// OASIS CAP-v1.2-os Appendix A.1 "Homeland Security Advisory System Update" (transcription in
// bjoern-reetz/cap-tools data/oasis/example1.xml; also google/cap-library
// validator/war/examples/43b080713727.cap). Expected values read off the specification's text.
TEST(CapParse, OasisA1HomelandSecurityAdvisory) {
  auto alert = parse_alert(sample("oasis_a1_homeland_security.xml"));
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "43b080713727");
  EXPECT_EQ(alert->sender, "hsas@dhs.gov");
  EXPECT_EQ(alert->sent, "2003-04-02T14:39:01-05:00");
  EXPECT_EQ(alert->sent_us, 1049312341 * kSecond);
  EXPECT_EQ(alert->status, "Actual");
  EXPECT_EQ(alert->msg_type, "Alert");
  EXPECT_EQ(alert->scope, "Public");
  EXPECT_TRUE(alert->references.empty());
  ASSERT_EQ(alert->infos.size(), 1u);
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.language, "");  // absent: CAP's default en-US applies
  EXPECT_EQ(info.categories, std::vector<std::string>{"Security"});
  EXPECT_EQ(info.event, "Homeland Security Advisory System Update");
  EXPECT_EQ(info.urgency, "Immediate");
  EXPECT_EQ(info.severity, "Severe");
  EXPECT_EQ(info.certainty, "Likely");
  EXPECT_EQ(info.sender_name, "U.S. Government, Department of Homeland Security");
  EXPECT_EQ(info.headline, "Homeland Security Sets Code ORANGE");
  EXPECT_EQ(info.description.rfind("The Department of Homeland Security has elevated", 0), 0u);
  EXPECT_EQ(info.instruction.rfind("A High Condition is declared", 0),
            0u);  // leading space trimmed
  EXPECT_EQ(info.web, "http://www.dhs.gov/dhspublic/display?theme=29");
  ASSERT_EQ(info.parameters.size(), 1u);
  EXPECT_EQ(info.parameters[0].value_name, "HSAS");
  EXPECT_EQ(info.parameters[0].value, "ORANGE");
  EXPECT_FALSE(info.expires_us.has_value());
  ASSERT_EQ(info.areas.size(), 1u);
  EXPECT_EQ(info.areas[0].area_desc, "U.S. nationwide and interests worldwide");
  EXPECT_TRUE(info.areas[0].polygons.empty());
  EXPECT_TRUE(info.areas[0].circles.empty());
  EXPECT_TRUE(info.areas[0].geocodes.empty());
}

// OASIS CAP-v1.2-os Appendix A.2 "Severe Thunderstorm Warning" (bjoern-reetz/cap-tools
// data/oasis/example2.xml; google/cap-library .../validator/examples/thunderstorm.cap).
TEST(CapParse, OasisA2ThunderstormPolygonIsLatitudeFirst) {
  auto alert = parse_alert(sample("oasis_a2_thunderstorm.xml"));
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "KSTO1055887203");
  EXPECT_EQ(alert->sender, "KSTO@NWS.NOAA.GOV");
  EXPECT_EQ(alert->sent_us, 1055887020 * kSecond);
  ASSERT_EQ(alert->infos.size(), 1u);
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.categories, std::vector<std::string>{"Met"});
  EXPECT_EQ(info.event, "SEVERE THUNDERSTORM");
  EXPECT_EQ(info.response_types, std::vector<std::string>{"Shelter"});
  EXPECT_EQ(info.certainty, "Observed");
  ASSERT_EQ(info.event_codes.size(), 1u);
  EXPECT_EQ(info.event_codes[0].value_name, "SAME");
  EXPECT_EQ(info.event_codes[0].value, "SVR");
  ASSERT_TRUE(info.expires_us.has_value());
  EXPECT_EQ(*info.expires_us, 1055890800 * kSecond);  // 2003-06-17T16:00:00-07:00
  EXPECT_EQ(info.headline, "SEVERE THUNDERSTORM WARNING");
  EXPECT_EQ(info.instruction, "TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES.");
  EXPECT_EQ(info.contact, "BARUFFALDI/JUSKIE");
  ASSERT_EQ(info.areas.size(), 1u);
  const Area& area = info.areas[0];
  ASSERT_EQ(area.polygons.size(), 1u);
  // "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14"
  const auto& ring = area.polygons[0];
  ASSERT_EQ(ring.size(), 5u);
  EXPECT_DOUBLE_EQ(ring[0].lat, 38.47);
  EXPECT_DOUBLE_EQ(ring[0].lon, -120.14);
  EXPECT_DOUBLE_EQ(ring[2].lat, 38.52);
  EXPECT_DOUBLE_EQ(ring[2].lon, -119.74);
  EXPECT_DOUBLE_EQ(ring[4].lat, 38.47);
  ASSERT_EQ(area.geocodes.size(), 3u);
  EXPECT_EQ(area.geocodes[0].value_name, "SAME");
  EXPECT_EQ(area.geocodes[0].value, "006109");
  EXPECT_EQ(area.geocodes[2].value, "006003");
}

// OASIS CAP-v1.2-os Appendix A.3 "Earthquake Report (Update Message)" (bjoern-reetz/cap-tools
// data/oasis/example3.xml): an Update with references and a circle.
TEST(CapParse, OasisA3EarthquakeUpdateWithCircle) {
  auto alert = parse_alert(sample("oasis_a3_earthquake.xml"));
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "TRI13970876.2");
  EXPECT_EQ(alert->sender, "trinet@caltech.edu");
  EXPECT_EQ(alert->sent_us, 1055390160 * kSecond);
  EXPECT_EQ(alert->msg_type, "Update");
  ASSERT_EQ(alert->references.size(), 1u);
  EXPECT_EQ(alert->references[0].sender, "trinet@caltech.edu");
  EXPECT_EQ(alert->references[0].identifier, "TRI13970876.1");
  EXPECT_EQ(alert->references[0].sent, "2003-06-11T20:30:00-07:00");
  ASSERT_EQ(alert->infos.size(), 1u);
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.categories, std::vector<std::string>{"Geo"});
  EXPECT_EQ(info.urgency, "Past");
  EXPECT_EQ(info.severity, "Minor");
  EXPECT_EQ(info.headline, "EQ 3.4 Imperial County CA");
  ASSERT_EQ(info.parameters.size(), 5u);
  EXPECT_EQ(info.parameters[2].value_name, "Magnitude");
  EXPECT_EQ(info.parameters[2].value, "3.4 Ml");
  ASSERT_EQ(info.areas.size(), 1u);
  ASSERT_EQ(info.areas[0].circles.size(), 1u);
  const Circle& c = info.areas[0].circles[0];  // "32.9525,-115.5527 0"
  EXPECT_DOUBLE_EQ(c.centre.lat, 32.9525);
  EXPECT_DOUBLE_EQ(c.centre.lon, -115.5527);
  EXPECT_DOUBLE_EQ(c.radius_km, 0.0);
}

// OASIS CAP-v1.2-os Appendix A.4 "AMBER Alert (Multilingual Message)" (bjoern-reetz/cap-tools
// data/oasis/example4.xml): an English and a Spanish info.
TEST(CapParse, OasisA4AmberAlertTwoLanguages) {
  auto alert = parse_alert(sample("oasis_a4_amber.xml"));
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "KAR0-0306112239-SW");
  EXPECT_EQ(alert->sender, "KARO@CLETS.DOJ.CA.GOV");
  EXPECT_EQ(alert->sent_us, 1055396340 * kSecond);
  EXPECT_EQ(alert->source, "SW");
  ASSERT_EQ(alert->infos.size(), 2u);
  EXPECT_EQ(alert->infos[0].language, "en-US");
  EXPECT_EQ(alert->infos[0].categories, std::vector<std::string>{"Rescue"});
  EXPECT_EQ(alert->infos[0].event, "Child Abduction");
  EXPECT_EQ(alert->infos[0].headline, "Amber Alert in Los Angeles County");
  EXPECT_EQ(alert->infos[1].language, "es-US");
  EXPECT_EQ(alert->infos[1].event, "Abducci\xC3\xB3n de Ni\xC3\xB1o");
  EXPECT_EQ(alert->infos[1].sender_name,
            "Departamento de Polic\xC3\xAD"
            "a de Los \xC3\x81ngeles - LAPD");
  for (const Info& info : alert->infos) {
    ASSERT_EQ(info.areas.size(), 1u);
    ASSERT_EQ(info.areas[0].geocodes.size(), 1u);
    EXPECT_EQ(info.areas[0].geocodes[0].value_name, "SAME");
    EXPECT_EQ(info.areas[0].geocodes[0].value, "006037");
  }
}

// The same AMBER alert as the CAP 1.1 specification publishes it (google/cap-library
// validator/war/examples/KAR0-0306112239-SW.cap, namespace urn:oasis:names:tc:emergency:cap:1.1).
TEST(CapParse, Cap11AlertIsRefusedNamingItsNamespace) {
  expect_error(parse_alert(sample("cap11_amber.xml")), "not_cap",
               {"urn:oasis:names:tc:emergency:cap:1.1", "CAP 1.1", "CAP 1.2"});
}

TEST(CapParse, RootMustBeAlertInTheCap12Namespace) {
  expect_error(parse_alert("<alert><identifier>x</identifier></alert>"), "not_cap",
               {"no namespace"});
  expect_error(parse_alert(R"(<feed xmlns="http://www.w3.org/2005/Atom"/>)"), "not_cap",
               {"<feed>"});
  expect_error(parse_alert(R"(<alert xmlns="http://www.incident.com/cap/1.0"/>)"), "not_cap",
               {"CAP 1.0"});
}

// Appendix A.3 with every element in a "cap:" prefix, as Google's CAP guide writes
// <cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">; and the "ns2:" prefix JAXB
// marshallers produce.
TEST(CapParse, PrefixedNamespacesReadTheSame) {
  auto plain = parse_alert(sample("oasis_a3_earthquake.xml"));
  auto prefixed = parse_alert(sample("prefixed_a3_earthquake.xml"));
  ASSERT_TRUE(plain);
  ASSERT_TRUE(prefixed) << prefixed.error().message;
  EXPECT_EQ(prefixed->identifier, plain->identifier);
  EXPECT_EQ(prefixed->sent_us, plain->sent_us);
  EXPECT_EQ(prefixed->msg_type, "Update");
  ASSERT_EQ(prefixed->references.size(), 1u);
  ASSERT_EQ(prefixed->infos.size(), 1u);
  EXPECT_EQ(prefixed->infos[0].headline, plain->infos[0].headline);
  ASSERT_EQ(prefixed->infos[0].areas.size(), 1u);
  ASSERT_EQ(prefixed->infos[0].areas[0].circles.size(), 1u);
  EXPECT_DOUBLE_EQ(prefixed->infos[0].areas[0].circles[0].centre.lon, -115.5527);

  std::string ns2 = std::regex_replace(sample("oasis_a1_homeland_security.xml"),
                                       std::regex("<(/?)([a-zA-Z]+)>"), "<$1ns2:$2>");
  ns2 = replaced(ns2, R"(<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">)",
                 R"(<ns2:alert xmlns:ns2="urn:oasis:names:tc:emergency:cap:1.2">)");
  auto jaxb = parse_alert(ns2);
  ASSERT_TRUE(jaxb) << jaxb.error().message;
  EXPECT_EQ(jaxb->identifier, "43b080713727");
  ASSERT_EQ(jaxb->infos.size(), 1u);
  EXPECT_EQ(jaxb->infos[0].parameters.size(), 1u);
}

// Built by the Chinese profile, in the structure of the CMA's alerts on the WMO CAP feed
// (cn-cma-xx: identifier ZZZZZZDDDUUUXX_YYYYMMDDhhmmss, an English and a Chinese info, the area
// as a "CPEAS Geographic Code" only); no complete Chinese alert is published verbatim.
TEST(CapParse, ChineseNationalSystemAlert) {
  auto alert = parse_alert(sample("cn_jiangjin_rainstorm.xml"));
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "50011641600000_20250712153000");
  EXPECT_EQ(alert->sender, "Jiangjin_District_Meteorological_Observatory");
  EXPECT_EQ(alert->sent_us, 1752305400 * kSecond);
  ASSERT_EQ(alert->infos.size(), 2u);
  const Info& zh = alert->infos[1];
  EXPECT_EQ(zh.language, "zh-CN");
  EXPECT_EQ(zh.event, "暴雨");
  EXPECT_EQ(zh.severity, "Severe");
  EXPECT_EQ(zh.sender_name, "江津区气象台");
  EXPECT_EQ(zh.headline, "江津区气象台发布暴雨橙色预警信号[II级/严重]");
  ASSERT_TRUE(zh.effective_us && zh.expires_us);
  EXPECT_EQ(*zh.effective_us, 1752305400 * kSecond);
  EXPECT_EQ(*zh.expires_us, 1752391800 * kSecond);
  ASSERT_EQ(zh.areas.size(), 1u);
  EXPECT_EQ(zh.areas[0].area_desc, "重庆市江津区");
  ASSERT_EQ(zh.areas[0].geocodes.size(), 1u);
  EXPECT_EQ(zh.areas[0].geocodes[0].value_name, "CPEAS Geographic Code");
  EXPECT_EQ(zh.areas[0].geocodes[0].value, "500116");
}

// A forest-fire warning built by the Chinese profile, encoded in GBK and declared GB2312 — as
// county systems send it: "堃" (0x88D2) exists in GBK but not in GB2312, so a decoder that
// believes the declaration fails (xmllint does).
TEST(CapParse, GbkBytesDeclaredGb2312Decode) {
  const std::string bytes = sample("cn_jiangjin_forest_fire_gbk.xml");
  ASSERT_NE(bytes.find("\x88\xD2"), std::string::npos);
  auto alert = parse_alert(bytes);
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "50011641300000_20250318101500_0");
  EXPECT_EQ(alert->sent_us, 1742264100 * kSecond);
  ASSERT_EQ(alert->infos.size(), 1u);
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.categories, std::vector<std::string>{"Fire"});
  EXPECT_EQ(info.event, "森林火险");
  EXPECT_EQ(info.headline, "江津区林业局发布森林火险橙色预警");
  EXPECT_NE(info.description.find("护林员王堃"), std::string::npos) << info.description;
  ASSERT_EQ(info.parameters.size(), 1u);
  EXPECT_EQ(info.parameters[0].value_name, "预警级别");
  EXPECT_EQ(info.parameters[0].value, "橙色");
  ASSERT_EQ(info.areas.size(), 1u);
  EXPECT_EQ(info.areas[0].area_desc, "江津区四面山镇");
  ASSERT_EQ(info.areas[0].circles.size(), 1u);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].centre.lat, 28.61);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].centre.lon, 106.41);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].radius_km, 5.0);

  // The same bytes without any declaration, and with the transport naming the charset.
  const std::string undeclared = bytes.substr(bytes.find("?>") + 2);
  auto guessed = parse_alert(undeclared);
  ASSERT_TRUE(guessed) << guessed.error().message;
  EXPECT_EQ(guessed->infos[0].headline, info.headline);
  auto told = parse_alert(undeclared, "GBK");
  ASSERT_TRUE(told) << told.error().message;
  EXPECT_EQ(told->infos[0].headline, info.headline);
}

TEST(CapParse, EveryMissingAlertElementIsNamed) {
  const std::string a1 = sample("oasis_a1_homeland_security.xml");
  for (const std::string name : {"identifier", "sender", "sent", "status", "msgType", "scope"}) {
    SCOPED_TRACE(name);
    expect_error(parse_alert(without(a1, name)), "missing_element", {"alert: <" + name + ">"});
  }
  expect_error(parse_alert(replaced(a1, "<identifier>43b080713727</identifier>",
                                    "<identifier> </identifier>")),
               "missing_element", {"<identifier>"});
}

TEST(CapParse, EveryMissingInfoElementIsNamed) {
  const std::string a4 = sample("oasis_a4_amber.xml");
  for (const std::string name : {"category", "event", "urgency", "severity", "certainty"}) {
    SCOPED_TRACE(name);
    expect_error(parse_alert(without(a4, name)), "missing_element",
                 {"alert/info[1]: <" + name + ">"});
  }
  expect_error(parse_alert(without(a4, "areaDesc")), "missing_element",
               {"alert/info[1]/area[1]: <areaDesc>"});
  expect_error(parse_alert(replaced(a4, "<value>006037</value>", "")), "missing_element",
               {"alert/info[1]/area[1]/geocode[1]: <value>"});
  // The second info is checked as carefully as the first.
  const auto spanish = a4.find("<language>es-US</language>");
  std::string second = a4;
  second.replace(second.find("<urgency>Immediate</urgency>", spanish), 28, "");
  expect_error(parse_alert(second), "missing_element", {"alert/info[2]: <urgency>"});
}

TEST(CapParse, ValuesOutsideTheSchemaSetsAreNamed) {
  const std::string a1 = sample("oasis_a1_homeland_security.xml");
  expect_error(parse_alert(replaced(a1, "<status>Actual", "<status>Real")), "invalid_value",
               {"alert/status", "\"Real\"", "Actual, Exercise"});
  expect_error(parse_alert(replaced(a1, "<category>Security", "<category>Terror")), "invalid_value",
               {"alert/info[1]/category[1]", "\"Terror\""});
  expect_error(parse_alert(replaced(a1, "<severity>Severe", "<severity>Orange")), "invalid_value",
               {"alert/info[1]/severity", "\"Orange\""});
  // Wrong case is the same value, stored in the schema's spelling.
  auto shouting = parse_alert(replaced(a1, "<status>Actual", "<status>ACTUAL"));
  ASSERT_TRUE(shouting) << shouting.error().message;
  EXPECT_EQ(shouting->status, "Actual");
}

TEST(CapParse, TimesAreCheckedAndOffsetLessMeansBeijing) {
  const std::string a2 = sample("oasis_a2_thunderstorm.xml");
  expect_error(parse_alert(replaced(a2, "2003-06-17T14:57:00-07:00", "yesterday")), "invalid_time",
               {"alert/sent", "yesterday"});
  expect_error(parse_alert(replaced(a2, "2003-06-17T16:00:00-07:00", "2003-06-31T16:00:00-07:00")),
               "invalid_time", {"alert/info[1]/expires", "2003-06-31"});
  auto local = parse_alert(replaced(a2, "2003-06-17T14:57:00-07:00", "2003-06-18T05:57:00"));
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(local->sent_us, 1055887020 * kSecond);
}

TEST(CapParse, PolygonErrorsNameTheElementAndText) {
  const std::string a2 = sample("oasis_a2_thunderstorm.xml");
  const std::string ring = "38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14";
  const std::string where = "alert/info[1]/area[1]/polygon[1]";
  auto with = [&](const std::string& text) { return parse_alert(replaced(a2, ring, text)); };
  // Open ring.
  expect_error(with("38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89"), "invalid_value",
               {where, "not closed", "38.47,-120.14"});
  // A triangle written without its closing point is too short as well.
  expect_error(with("38.47,-120.14 38.34,-119.95 38.47,-120.14"), "invalid_value",
               {where, "at least 4"});
  // Longitude first (GeoJSON habit): -120 is no latitude.
  expect_error(with("-120.14,38.47 -119.95,38.34 -119.74,38.52 -120.14,38.47"), "invalid_value",
               {where, "latitude", "-120.14,38.47"});
  expect_error(with("38.47,-190 38.34,-119.95 38.52,-119.74 38.47,-190"), "invalid_value",
               {where, "longitude", "38.47,-190"});
  expect_error(with("38.47;-120.14 38.34,-119.95 38.52,-119.74 38.47;-120.14"), "invalid_value",
               {where, "38.47;-120.14"});
  expect_error(with("north,west 38.34,-119.95 38.52,-119.74 north,west"), "invalid_value",
               {where, "north,west"});
  expect_error(with("nan,1 38.34,-119.95 38.52,-119.74 nan,1"), "invalid_value", {where});
}

TEST(CapParse, CircleErrorsNameTheElementAndText) {
  const std::string a3 = sample("oasis_a3_earthquake.xml");
  const std::string where = "alert/info[1]/area[1]/circle[1]";
  auto with = [&](const std::string& text) {
    return parse_alert(replaced(a3, "32.9525,-115.5527 0", text));
  };
  expect_error(with("32.9525,-115.5527"), "invalid_value", {where, "32.9525,-115.5527"});
  expect_error(with("32.9525,-115.5527 -3"), "invalid_value", {where, "radius", "-3"});
  expect_error(with("32.9525,-115.5527 5km"), "invalid_value", {where, "5km"});
  expect_error(with("132.9525,-115.5527 5"), "invalid_value", {where, "latitude"});
  auto wide = with("  29.5,106.25   12.5 ");
  ASSERT_TRUE(wide) << wide.error().message;
  const Circle& c = wide->infos[0].areas[0].circles[0];
  EXPECT_DOUBLE_EQ(c.centre.lon, 106.25);
  EXPECT_DOUBLE_EQ(c.centre.lat, 29.5);
  EXPECT_DOUBLE_EQ(c.radius_km, 12.5);
}

TEST(CapParse, ReferencesAndIncidents) {
  const std::string a3 = sample("oasis_a3_earthquake.xml");
  const std::string refs = "trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00";
  const std::string both =
      replaced(a3, refs + "</references>",
               refs +
                   " trinet@caltech.edu,TRI13970876.0,2003-06-11T20:10:00-07:00</references>"
                   "<incidents>quake-1 \"quake two\"</incidents>");
  auto alert = parse_alert(both);
  ASSERT_TRUE(alert) << alert.error().message;
  ASSERT_EQ(alert->references.size(), 2u);
  EXPECT_EQ(alert->references[1].identifier, "TRI13970876.0");
  EXPECT_EQ(alert->incidents, (std::vector<std::string>{"quake-1", "quake two"}));
  expect_error(parse_alert(replaced(a3, refs, "TRI13970876.1")), "invalid_value",
               {"alert/references", "TRI13970876.1"});
  expect_error(parse_alert(replaced(a3, refs, "a,,c")), "invalid_value", {"alert/references"});
}

TEST(CapParse, MalformedDocumentsAreRefused) {
  expect_error(parse_alert(""), "invalid_xml", {});
  expect_error(parse_alert("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"), "invalid_xml",
               {"XML line"});
  // Entity expansion is refused before libxml2 or a text lookup could amplify it.
  expect_error(parse_alert("<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY a \"aaaa\">]>"
                           "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
                           "<identifier>&a;</identifier></alert>"),
               "invalid_xml", {"DOCTYPE"});
  expect_error(parse_alert(std::string(kMaxAlertBytes + 1, ' ')), "too_large", {});
}

}  // namespace
}  // namespace quanyu::ingest::cap
