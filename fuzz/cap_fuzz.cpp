// libFuzzer target for the CAP 1.2 library: every parsing entry point on arbitrary bytes, and the
// export -> parse round trip with the bytes as incident texts.
//  - parse_alert with no charset, and with the transport naming GBK;
//  - to_observations on every alert that parses: it must not fail, and must give one observation
//    per info of an Actual Alert/Update/Cancel;
//  - severity_from_colour_word on the bytes;
//  - incident_to_cap with the bytes as title, district name and sender name: the XML must parse
//    back, and its texts must read back as clean_text() wrote them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/time.hpp"
#include "server/ingest/cap/alert.hpp"
#include "server/ingest/cap/export.hpp"
#include "server/ingest/cap/observations.hpp"

namespace {

using namespace quanyu::ingest::cap;

// What the parser's text lookups do to a text: ASCII white space trimmed at both ends.
std::string trimmed(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

void check_observations(const Alert& alert) {
  auto observations = to_observations(alert);
  if (!observations) __builtin_trap();  // a parsed alert always has identifier and sender
  const bool warning =
      alert.status == "Actual" &&
      (alert.msg_type == "Alert" || alert.msg_type == "Update" || alert.msg_type == "Cancel");
  if (observations->size() != (warning ? alert.infos.size() : 0)) __builtin_trap();
  for (const auto& o : *observations) {
    if (o.id().empty() || o.source().empty() || !o.has_published_warning()) __builtin_trap();
    if (o.has_position() && (o.position().x() < -180.0 || o.position().x() > 180.0 ||
                             o.position().y() < -90.0 || o.position().y() > 90.0)) {
      __builtin_trap();
    }
  }
}

void round_trip(std::string_view text) {
  // Split the input so each text gets different bytes.
  const std::size_t third = text.size() / 3;
  const std::string title(text.substr(0, third));
  const std::string district = "区" + std::string(text.substr(third, third));
  const std::string sender_name(text.substr(2 * third));

  quanyu::v1::Incident incident;
  incident.set_id("inc-fuzz");
  incident.set_kind(static_cast<quanyu::v1::IncidentKind>(text.size() % 4));
  incident.set_status(static_cast<quanyu::v1::IncidentStatus>(text.size() % 7));
  incident.set_severity(static_cast<quanyu::v1::Severity>(text.size() % 5));
  incident.set_title(title);
  incident.mutable_district()->set_name(district);
  incident.mutable_district()->set_adcode("500116");
  incident.mutable_position()->set_lon(106.259);
  incident.mutable_position()->set_lat(29.288);
  *incident.mutable_first_seen() = quanyu::engine::to_timestamp(1767240000LL * 1'000'000);

  ExportOptions options;
  options.sender = "quanyu@cqyj.gov.cn";
  options.sender_name = sender_name;
  options.region_code = "500116";
  const std::string xml = incident_to_cap(incident, options);
  auto alert = parse_alert(xml);
  if (!alert || alert->infos.size() != 1 || alert->infos[0].areas.size() != 1) __builtin_trap();
  const Info& info = alert->infos[0];
  if (info.areas[0].area_desc != trimmed(clean_text(district))) __builtin_trap();
  if (info.sender_name != trimmed(clean_text(sender_name))) __builtin_trap();
  // The description starts with the title; cleaning is per character, so the cleaned title,
  // trimmed, is part of it.
  if (info.description.find(trimmed(clean_text(title))) == std::string::npos) __builtin_trap();
  auto observations = to_observations(*alert);
  if (!observations || observations->size() != 1) __builtin_trap();
  // The exported colour reads back; without one, a colour word in the district name (part of
  // the headline) is what the importer finds.
  const auto expected = incident.severity() != quanyu::v1::SEVERITY_UNSPECIFIED
                            ? incident.severity()
                            : severity_from_colour_word(clean_text(district))
                                  .value_or(quanyu::v1::SEVERITY_UNSPECIFIED);
  if ((*observations)[0].published_warning().severity() != expected) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const std::string_view charset : {std::string_view(), std::string_view("GBK")}) {
    auto alert = parse_alert(bytes, charset);
    if (alert) check_observations(*alert);
  }
  (void)severity_from_colour_word(bytes);
  if (size <= 4096) round_trip(bytes);
  return 0;
}
