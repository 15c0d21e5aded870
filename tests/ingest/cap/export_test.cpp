#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include "cap_samples.hpp"
#include "engine/core/time.hpp"
#include "gtest_include.hpp"
#include "server/ingest/cap/alert.hpp"
#include "server/ingest/cap/export.hpp"
#include "server/ingest/cap/observations.hpp"

namespace quanyu::ingest::cap {
namespace {

using testing::kSecond;

constexpr std::int64_t kOpened = 1767240000 * kSecond;  // 2026-01-01T12:00:00+08:00
constexpr std::int64_t kClosed = 1767245415 * kSecond;  // 2026-01-01T13:30:15+08:00

const std::string kXsd = QUANYU_SOURCE_DIR "/tests/ingest/cap/cap-1.2.xsd";

struct Validation {
  int status = -1;
  std::string output;
};

// Runs Debian's xmllint (libxml2-utils) against the project's copy of the OASIS schema.
Validation validate(const std::string& xml, const std::string& name) {
  const std::string path = ::testing::TempDir() + "quanyu_cap_" + name + ".xml";
  {
    std::ofstream out(path, std::ios::binary);
    out << xml;
  }
  Validation v;
  const std::string command = "xmllint --noout --schema '" + kXsd + "' '" + path + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return v;
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) v.output += buffer.data();
  v.status = pclose(pipe);
  std::remove(path.c_str());
  return v;
}

ExportOptions options() {
  ExportOptions o;
  o.sender = "quanyu@cqyj.gov.cn";
  o.sender_name = "重庆市江津区应急管理局";
  o.region_code = "500116000000";
  o.region_name = "江津区";
  o.agency_code = "000";
  o.radius_km = 0.5;
  return o;
}

v1::Incident incident(v1::IncidentKind kind, v1::IncidentStatus status, v1::Severity severity) {
  v1::Incident i;
  i.set_id("inc-0001");
  i.set_kind(kind);
  i.set_status(status);
  i.set_severity(severity);
  i.set_title("四面山林区发现烟雾");
  i.mutable_position()->set_lon(106.259);
  i.mutable_position()->set_lat(29.288);
  i.mutable_district()->set_adcode("500116");
  i.mutable_district()->set_name("江津区");
  i.set_confidence(0.82);
  *i.mutable_first_seen() = engine::to_timestamp(kOpened);
  *i.mutable_last_seen() = engine::to_timestamp(kOpened + 600 * kSecond);
  auto* created = i.add_history();
  created->set_to("new");
  created->set_by("system");
  *created->mutable_at() = engine::to_timestamp(kOpened);
  if (status == v1::INCIDENT_STATUS_CLOSED || status == v1::INCIDENT_STATUS_FALSE_ALARM) {
    auto* closed = i.add_history();
    closed->set_from("dispatched");
    closed->set_to(status == v1::INCIDENT_STATUS_CLOSED ? "closed" : "false_alarm");
    closed->set_by("duty-officer");
    *closed->mutable_at() = engine::to_timestamp(kClosed);
  }
  return i;
}

TEST(CapExport, IdentifierFollowsTheNationalForm) {
  ExportOptions o = options();
  o.agency_code = "416";
  EXPECT_EQ(cap_identifier(o, kOpened), "50011641600000_20260101120000_0");
  o.sequence = 3;
  o.region_code = "500116";
  EXPECT_EQ(cap_identifier(o, kOpened + 15 * kSecond), "50011641600000_20260101120015_3");
  o.sequence_suffix = false;  // the form seen on the CMA feed, e.g. 13013241600000_20260826160913
  EXPECT_EQ(cap_identifier(o, kOpened).size(), 29u);
  o.agency_code = "41";  // not 3 digits: zeros keep the shape
  EXPECT_EQ(cap_identifier(o, kOpened), "50011600000000_20260101120000");
}

TEST(CapExport, TimesAreBeijingWithoutFraction) {
  EXPECT_EQ(format_cap_time(kOpened), "2026-01-01T12:00:00+08:00");
  EXPECT_EQ(format_cap_time(kOpened + 999'999), "2026-01-01T12:00:00+08:00");
  EXPECT_EQ(format_cap_time(1767268800 * kSecond - 1), "2026-01-01T19:59:59+08:00");
  EXPECT_EQ(format_cap_time(0), "1970-01-01T08:00:00+08:00");
  EXPECT_EQ(format_cap_time(951753600 * kSecond), "2000-02-29T00:00:00+08:00");  // leap day
}

TEST(CapExport, OptionsAreChecked) {
  EXPECT_EQ(check_export_options(options()), std::nullopt);
  auto bad = [](auto change, const std::string& field) {
    ExportOptions o = options();
    change(o);
    const auto e = check_export_options(o);
    ASSERT_TRUE(e.has_value()) << field;
    EXPECT_EQ(e->code, "invalid_option");
    EXPECT_NE(e->message.find(field), std::string::npos) << e->message;
  };
  bad([](ExportOptions& o) { o.sender = ""; }, "sender");
  bad([](ExportOptions& o) { o.sender = "quanyu, cqyj"; }, "sender");
  bad([](ExportOptions& o) { o.region_code = "5001"; }, "region_code");
  bad([](ExportOptions& o) { o.agency_code = "4a6"; }, "agency_code");
  bad([](ExportOptions& o) { o.unit_code = "0"; }, "unit_code");
  bad([](ExportOptions& o) { o.extension_code = "000"; }, "extension_code");
  bad([](ExportOptions& o) { o.sequence = 10; }, "sequence");
  bad([](ExportOptions& o) { o.radius_km = -1; }, "radius_km");
  bad([](ExportOptions& o) { o.web = "not a uri"; }, "web");
}

TEST(CapExport, CleanTextKeepsWhatXmlCanCarry) {
  EXPECT_EQ(clean_text("火警 <&>\"'"), "火警 <&>\"'");
  EXPECT_EQ(clean_text("a\x01"
                       "b\x1F"
                       "c\x7F"
                       "d"),
            "abc\x7F"
            "d");
  EXPECT_EQ(clean_text("l1\r\nl2\rl3\tend"), "l1\nl2\nl3\tend");
  EXPECT_EQ(clean_text("gbk \xBB\xF0"), "gbk \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(clean_text("\xEF\xBF\xBE\xEF\xBF\xBF!"), "!");                        // U+FFFE, U+FFFF
  EXPECT_EQ(clean_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(clean_text(std::string("nul\0!", 5)), "nul!");
}

// Every kind in every state validates against the OASIS schema, whatever its severity.
TEST(CapExport, EveryKindAndStateValidatesAgainstTheOasisSchema) {
  const v1::IncidentKind kinds[] = {v1::INCIDENT_KIND_FIRE, v1::INCIDENT_KIND_FLOOD,
                                    v1::INCIDENT_KIND_SECURITY, v1::INCIDENT_KIND_UNSPECIFIED};
  const v1::IncidentStatus states[] = {
      v1::INCIDENT_STATUS_NEW,        v1::INCIDENT_STATUS_ACKNOWLEDGED,
      v1::INCIDENT_STATUS_DISPATCHED, v1::INCIDENT_STATUS_RESOLVED,
      v1::INCIDENT_STATUS_CLOSED,     v1::INCIDENT_STATUS_FALSE_ALARM,
      v1::INCIDENT_STATUS_UNSPECIFIED};
  int n = 0;
  for (const auto kind : kinds) {
    for (const auto status : states) {
      const auto severity = static_cast<v1::Severity>(n % 5);
      auto i = incident(kind, status, severity);
      if (kind == v1::INCIDENT_KIND_FLOOD) {
        i.set_peak_level_m(198.42);
        i.set_rise_rate_m_per_h(0.35);
      }
      const std::string xml = incident_to_cap(i, options());
      const auto v = validate(xml, "kind_state_" + std::to_string(n));
      EXPECT_EQ(v.status, 0) << v.output << "\n" << xml;
      auto back = parse_alert(xml);
      ASSERT_TRUE(back) << back.error().message << "\n" << xml;
      const bool closed =
          status == v1::INCIDENT_STATUS_CLOSED || status == v1::INCIDENT_STATUS_FALSE_ALARM;
      EXPECT_EQ(back->msg_type, closed ? "Cancel" : "Alert");
      auto obs = to_observations(*back);
      ASSERT_TRUE(obs) << obs.error().message;
      ASSERT_EQ(obs->size(), 1u);
      EXPECT_EQ((*obs)[0].published_warning().severity(), severity) << xml;
      ++n;
    }
  }
}

TEST(CapExport, OpenFireIncidentRoundTrips) {
  const auto i = incident(v1::INCIDENT_KIND_FIRE, v1::INCIDENT_STATUS_NEW, v1::SEVERITY_ORANGE);
  const std::string xml = incident_to_cap(i, options());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:"
                      "tc:emergency:cap:1.2\">",
                      0),
            0u)
      << xml;
  EXPECT_EQ(incident_to_cap(i, options()), xml);  // pure: same input, same bytes

  auto alert = parse_alert(xml);
  ASSERT_TRUE(alert) << alert.error().message;
  EXPECT_EQ(alert->identifier, "50011600000000_20260101120000_0");
  EXPECT_EQ(alert->sender, "quanyu@cqyj.gov.cn");
  EXPECT_EQ(alert->sent, "2026-01-01T12:00:00+08:00");
  EXPECT_EQ(alert->sent_us, kOpened);
  EXPECT_EQ(alert->status, "Actual");
  EXPECT_EQ(alert->msg_type, "Alert");
  EXPECT_EQ(alert->scope, "Public");
  EXPECT_TRUE(alert->references.empty());
  EXPECT_EQ(alert->incidents, std::vector<std::string>{"inc-0001"});
  ASSERT_EQ(alert->infos.size(), 1u);
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.language, "zh-CN");
  EXPECT_EQ(info.categories, std::vector<std::string>{"Fire"});
  EXPECT_EQ(info.event, "森林火情");
  EXPECT_EQ(info.response_types, std::vector<std::string>{"Avoid"});
  EXPECT_EQ(info.urgency, "Immediate");
  EXPECT_EQ(info.severity, "Severe");
  EXPECT_EQ(info.certainty, "Likely");
  EXPECT_EQ(info.effective_us, kOpened);
  EXPECT_EQ(info.onset_us, kOpened);
  EXPECT_EQ(info.expires_us, kOpened + 24 * 3600 * kSecond);
  EXPECT_EQ(info.sender_name, "重庆市江津区应急管理局");
  EXPECT_EQ(info.headline, "江津区森林火情橙色预警");
  EXPECT_NE(info.description.find("四面山林区发现烟雾"), std::string::npos) << info.description;
  EXPECT_NE(info.description.find("综合置信度 82%"), std::string::npos) << info.description;
  EXPECT_FALSE(info.instruction.empty());
  ASSERT_EQ(info.parameters.size(), 1u);
  EXPECT_EQ(info.parameters[0].value_name, "预警颜色");
  EXPECT_EQ(info.parameters[0].value, "橙色");
  ASSERT_EQ(info.areas.size(), 1u);
  EXPECT_EQ(info.areas[0].area_desc, "江津区");
  ASSERT_EQ(info.areas[0].circles.size(), 1u);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].centre.lat, 29.288);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].centre.lon, 106.259);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].radius_km, 0.5);
  ASSERT_EQ(info.areas[0].geocodes.size(), 1u);
  EXPECT_EQ(info.areas[0].geocodes[0].value_name, "adcode");
  EXPECT_EQ(info.areas[0].geocodes[0].value, "500116");

  auto obs = to_observations(*alert);
  ASSERT_TRUE(obs);
  ASSERT_EQ(obs->size(), 1u);
  const auto& o = (*obs)[0];
  EXPECT_EQ(o.id(), "cap:50011600000000_20260101120000_0:zh-CN");
  EXPECT_EQ(o.source(), "cap:quanyu@cqyj.gov.cn");
  EXPECT_DOUBLE_EQ(o.position().x(), 106.259);
  EXPECT_DOUBLE_EQ(o.position().y(), 29.288);
  EXPECT_EQ(o.published_warning().severity(), v1::SEVERITY_ORANGE);
  EXPECT_EQ(o.published_warning().areas(0).geocodes(0), "adcode=500116");
}

TEST(CapExport, FloodUsesMetAndReportsTheLevel) {
  auto i = incident(v1::INCIDENT_KIND_FLOOD, v1::INCIDENT_STATUS_DISPATCHED, v1::SEVERITY_RED);
  i.set_title("长江江津区段1号水位超警戒");
  i.set_peak_level_m(198.42);
  i.set_rise_rate_m_per_h(0.35);
  auto alert = parse_alert(incident_to_cap(i, options()));
  ASSERT_TRUE(alert) << alert.error().message;
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.categories, std::vector<std::string>{"Met"});
  EXPECT_EQ(info.event, "水位超警");
  EXPECT_EQ(info.severity, "Extreme");
  EXPECT_EQ(info.certainty, "Observed");
  EXPECT_EQ(info.headline, "江津区水位超警红色预警");
  EXPECT_NE(info.description.find("最高水位 198.42 米，近一小时涨幅 0.35 米"), std::string::npos)
      << info.description;
}

TEST(CapExport, ClosedIncidentCancelsTheAlertItReferences) {
  const auto open =
      incident(v1::INCIDENT_KIND_SECURITY, v1::INCIDENT_STATUS_NEW, v1::SEVERITY_YELLOW);
  const auto closed =
      incident(v1::INCIDENT_KIND_SECURITY, v1::INCIDENT_STATUS_CLOSED, v1::SEVERITY_YELLOW);
  auto first = parse_alert(incident_to_cap(open, options()));
  auto cancel = parse_alert(incident_to_cap(closed, options()));
  ASSERT_TRUE(first && cancel);
  EXPECT_EQ(cancel->msg_type, "Cancel");
  EXPECT_EQ(cancel->sent_us, kClosed);  // the closing transition
  EXPECT_EQ(cancel->identifier, "50011600000000_20260101133015_0");
  ASSERT_EQ(cancel->references.size(), 1u);
  EXPECT_EQ(cancel->references[0].sender, first->sender);
  EXPECT_EQ(cancel->references[0].identifier, first->identifier);
  EXPECT_EQ(cancel->references[0].sent, first->sent);
  const Info& info = cancel->infos[0];
  EXPECT_EQ(info.categories, std::vector<std::string>{"Security"});
  EXPECT_EQ(info.event, "治安事件");
  EXPECT_EQ(info.response_types, std::vector<std::string>{"AllClear"});
  EXPECT_EQ(info.urgency, "Past");
  EXPECT_EQ(info.headline, "解除江津区治安事件黄色预警");
  EXPECT_FALSE(info.expires_us.has_value());
  EXPECT_NE(info.description.find("预警解除"), std::string::npos);
  auto obs = to_observations(*cancel);
  ASSERT_TRUE(obs);
  const auto& w = (*obs)[0].published_warning();
  EXPECT_EQ(w.msg_type(), v1::PublishedWarning::MSG_TYPE_CANCEL);
  ASSERT_EQ(w.references_size(), 1);
  EXPECT_EQ(w.references(0), first->identifier);
}

TEST(CapExport, FalseAlarmIsUnlikely) {
  auto i = incident(v1::INCIDENT_KIND_FIRE, v1::INCIDENT_STATUS_FALSE_ALARM, v1::SEVERITY_BLUE);
  ExportOptions o = options();
  o.alert_sent_us = kOpened + 60 * kSecond;  // the Alert went out a minute after first_seen
  auto alert = parse_alert(incident_to_cap(i, o));
  ASSERT_TRUE(alert);
  EXPECT_EQ(alert->infos[0].certainty, "Unlikely");
  EXPECT_NE(alert->infos[0].description.find("误报"), std::string::npos);
  ASSERT_EQ(alert->references.size(), 1u);
  EXPECT_EQ(alert->references[0].identifier, "50011600000000_20260101120100_0");
  EXPECT_EQ(alert->references[0].sent, "2026-01-01T12:01:00+08:00");
}

// Texts with XML's special characters, quotes, Chinese and bytes XML cannot carry: the document
// stays valid and every text reads back as written (after clean_text and the parser's trim).
TEST(CapExport, SpecialCharactersAreEscaped) {
  auto i = incident(v1::INCIDENT_KIND_SECURITY, v1::INCIDENT_STATUS_ACKNOWLEDGED, v1::SEVERITY_RED);
  i.set_title("<script>alert('x')</script> & \"引号\" ]]> 江津 \x01 \xFF 末尾");
  i.mutable_district()->set_name("A&B<区>\"'");
  i.set_id("inc 7 & <8>");
  ExportOptions o = options();
  o.sender_name = "应急局 <值班室> & \"指挥中心\"";
  o.web = "https://yjj.jiangjin.gov.cn/cap?id=1&lang=zh";
  const std::string xml = incident_to_cap(i, o);
  EXPECT_EQ(xml.find("<script>"), std::string::npos);
  const auto v = validate(xml, "special");
  EXPECT_EQ(v.status, 0) << v.output << "\n" << xml;
  auto alert = parse_alert(xml);
  ASSERT_TRUE(alert) << alert.error().message << "\n" << xml;
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.sender_name, o.sender_name);
  EXPECT_EQ(info.web, o.web);
  EXPECT_EQ(info.headline, "A&B<区>\"'治安事件红色预警");
  EXPECT_EQ(info.areas[0].area_desc, "A&B<区>\"'");
  EXPECT_NE(info.description.find(clean_text(i.title())), std::string::npos) << info.description;
  EXPECT_EQ(alert->incidents, std::vector<std::string>{"inc 7 & <8>"});
}

TEST(CapExport, WithoutPositionOrDistrict) {
  auto i = incident(v1::INCIDENT_KIND_FLOOD, v1::INCIDENT_STATUS_NEW, v1::SEVERITY_UNSPECIFIED);
  i.clear_position();
  i.clear_district();
  const std::string xml = incident_to_cap(i, options());
  const auto v = validate(xml, "bare");
  EXPECT_EQ(v.status, 0) << v.output << "\n" << xml;
  auto alert = parse_alert(xml);
  ASSERT_TRUE(alert) << alert.error().message;
  const Info& info = alert->infos[0];
  EXPECT_EQ(info.severity, "Unknown");
  EXPECT_EQ(info.headline, "江津区水位超警预警");  // no colour to name
  EXPECT_TRUE(info.parameters.empty());
  EXPECT_EQ(info.areas[0].area_desc, "江津区");  // options.region_name
  EXPECT_TRUE(info.areas[0].circles.empty());
  EXPECT_EQ(info.areas[0].geocodes[0].value, "500116000000");  // options.region_code
}

}  // namespace
}  // namespace quanyu::ingest::cap
