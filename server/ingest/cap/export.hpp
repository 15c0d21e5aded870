#pragma once
/// Incidents as CAP 1.2 alerts for the national early-warning release system and other CAP
/// consumers: UTF-8 XML that validates against the OASIS schema, one zh-CN <info>, text escaped
/// and cleaned of what XML 1.0 cannot carry. Pure: every time comes from the incident or the
/// options, so the same incident and options always give the same bytes.
///
/// Identifier: the form of the national system's data specification, annex A.1.1 "预警信息唯一
/// 标识" (as used by GB/T 35965.1-2018 and the provincial interface standards DB12/T 1128-2022,
/// DB63/T 1748-2019): ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N, 31 characters, where ZZZZZZ is the GB/T
/// 2260 region code, DDD the GB/T 4657 agency code, UUU an internal unit code ("000" by default),
/// XX an extension ("00"), then the Beijing send time and a 0-9 sequence. Alerts seen on the
/// CMA's public CAP feed (e.g. "13013241600000_20260826160913", agency 416 = the meteorological
/// service) omit the "_N" suffix; `sequence_suffix = false` produces that 29-character form.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gis/geo/result.hpp"
#include "quanyu/v1/incident.pb.h"

namespace quanyu::ingest::cap {

struct ExportOptions {
  std::string sender;       ///< CAP sender, e.g. "quanyu@cqyj.gov.cn" (no spaces or commas)
  std::string sender_name;  ///< e.g. "重庆市江津区应急管理局"
  /// GB/T 2260 code of the issuing region, 6 or 12 digits ("500116" or "500116000000"); its
  /// first 6 digits start the identifier, and it is the area's geocode when the incident has no
  /// district.
  std::string region_code;
  std::string region_name;            ///< areaDesc when the incident has no district name
  std::string agency_code = "000";    ///< DDD, GB/T 4657 (must be configured per deployment)
  std::string unit_code = "000";      ///< UUU
  std::string extension_code = "00";  ///< XX
  int sequence = 0;                   ///< N, 0-9: alerts of one agency in the same second
  bool sequence_suffix = true;        ///< false: the 29-character form without "_N"
  /// Send time. 0: an Alert is sent at the incident's first_seen (so exporting the same open
  /// incident twice gives the same alert, a duplicate for the consumer); a Cancel at the time of
  /// the transition that closed it (else last_seen).
  std::int64_t sent_us = 0;
  /// When the Alert that a Cancel withdraws was sent, to build its <references>; 0: first_seen.
  std::int64_t alert_sent_us = 0;
  std::int64_t valid_for_s = 24 * 3600;  ///< Alert <expires> = sent + this; 0 leaves it out
  double radius_km = 0.0;  ///< circle around the incident position; 0 = the point itself
  std::string web;         ///< optional <web> link (an absolute URI)
};

/// Checks the options a deployment configures (sender, codes, sequence, radius, web), so a bad
/// configuration is refused at start-up rather than producing odd identifiers. nullopt when fine.
std::optional<Error> check_export_options(const ExportOptions& options);

/// The CAP identifier for an alert sent at `sent_us`, e.g. "50011600000000_20260101120000_0".
/// Fields that are not digits of the right length (see check_export_options) become zeros.
std::string cap_identifier(const ExportOptions& options, std::int64_t sent_us);

/// A CAP dateTime in Beijing time: "2026-01-01T12:00:00+08:00" (no fraction: the schema's
/// pattern has none).
std::string format_cap_time(std::int64_t micros);

/// `text` as the export writes it before escaping: invalid UTF-8 becomes U+FFFD, characters XML
/// 1.0 cannot carry (C0 controls other than tab and newline, U+FFFE, U+FFFF) are dropped, and
/// CR LF / CR become LF (XML parsers normalise line ends anyway).
std::string clean_text(std::string_view text);

/// The CAP 1.2 alert for `incident`: msgType Alert while it is open, Cancel (with references to
/// the Alert) once closed or a false alarm; status Actual, scope Public; one zh-CN info with
/// category Fire / Met (flood: CAP's "Meteorological (inc. flood)") / Security, a Chinese event
/// and headline naming district and colour ("江津区森林火情橙色预警"), severity from the colour,
/// a "预警颜色" parameter, and one area: the district name, a circle at the incident position and
/// the district's adcode as geocode.
std::string incident_to_cap(const v1::Incident& incident, const ExportOptions& options);

}  // namespace quanyu::ingest::cap
