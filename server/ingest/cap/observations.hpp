#pragma once
/// CAP alerts as Quanyu observations: one v1::Observation with a PublishedWarning payload per
/// <info> block (an alert in Chinese and English gives two), with ids that make a resend of the
/// same alert a duplicate.
///
/// Severity is stated in China's four colours (Ⅰ级特别严重 red, Ⅱ级严重 orange, Ⅲ级较重 yellow,
/// Ⅳ级一般 blue). The national early-warning release system (国家突发事件预警信息发布系统) maps
/// them onto CAP severity Extreme/Severe/Moderate/Minor: its alerts on the WMO CAP feed pair
/// <severity>Minor</severity> with "... updates blue warning ... [Level IV/General]", and
/// consumers of the same data (QWeather's warning API) pair Moderate with Yellow. We found no
/// colour element in its CAP: the colour is in the Chinese event and headline texts
/// ("江津区气象台发布暴雨橙色预警信号[II级/严重]") or a parameter, and that is what people read,
/// so a colour word there wins over the severity field.

#include <optional>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"
#include "quanyu/v1/observation.pb.h"
#include "server/ingest/cap/alert.hpp"

namespace quanyu::ingest::cap {

/// One observation per <info>, in document order:
///  - id "cap:<identifier>:<language>" (or ":<n>", the 1-based info index, when the info has no
///    language or shares it with another info), source "cap:<sender>", observed_at = sent;
///  - position: the centre of the first area (centroid of its first polygon, else the centre of
///    its first circle) in EPSG:4326; unset when that area has only geocodes;
///  - areas keep every polygon, circle and geocode ("valueName=value"); a "CPEAS Geographic
///    Code" (the national system's GB/T 2260-based code, 6 or 12 digits) also yields
///    "adcode=<first 6 digits>" so the caller can resolve the district.
/// Alerts that are not warnings give no observations: status other than Actual (Exercise,
/// System, Test, Draft) and msgType Ack or Error. Errors (code "invalid_alert") only come from
/// hand-built alerts that parse_alert() would have refused: an empty identifier or sender.
Result<std::vector<v1::Observation>> to_observations(const Alert& alert);

/// CAP severity in China's colours: Extreme red, Severe orange, Moderate yellow, Minor blue,
/// Unknown (or anything else) unspecified.
v1::Severity severity_from_cap(std::string_view cap_severity);

/// The colour named by a Chinese warning text: the last of 红色, 橙色, 黄色, 蓝色 it contains (so
/// "暴雨黄色预警升级为橙色预警" is orange), or nullopt when it names none.
std::optional<v1::Severity> severity_from_colour_word(std::string_view text);

/// The severity of one info: the colour word of its event, else of its headline, else of its
/// parameter values, else its CAP severity.
v1::Severity info_severity(const Info& info);

}  // namespace quanyu::ingest::cap
