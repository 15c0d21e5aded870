#pragma once
/// OASIS CAP 1.2 (Common Alerting Protocol) alerts as plain values. parse_alert() reads one
/// <alert> document, whatever its prefix (default namespace, cap:, ns2:) and charset (UTF-8, or
/// GB2312/GBK/GB18030 declared or mislabelled), checks what the OASIS schema requires and the
/// value sets it enumerates, and converts areas to lon/lat (CAP writes latitude first). It either
/// returns the whole alert or an Error naming the element at fault, e.g.
/// "alert/info[2]/area[1]/polygon[1]: ...". Pure: no I/O, no clock, no globals.
///
/// Left out on purpose: <resource> (Quanyu never dereferences URIs from alerts) and the XML
/// signature; everything else the CAP 1.2 schema defines is kept.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"

namespace quanyu::ingest::cap {

inline constexpr std::string_view kCap12Namespace = "urn:oasis:names:tc:emergency:cap:1.2";

/// WGS 84 degrees in GIS order (CAP text is "lat,lon"; this is already swapped).
struct GeoPoint {
  double lon = 0.0;
  double lat = 0.0;
};

/// CAP <circle> "lat,lon radius".
struct Circle {
  GeoPoint centre;
  double radius_km = 0.0;
};

/// The valueName/value pairs of <eventCode>, <parameter> and <geocode>.
struct ValuePair {
  std::string value_name;
  std::string value;
};

struct Area {
  std::string area_desc;
  /// Closed rings (first point == last point, at least 4 points).
  std::vector<std::vector<GeoPoint>> polygons;
  std::vector<Circle> circles;
  std::vector<ValuePair> geocodes;
  std::optional<double> altitude_ft;  ///< CAP altitude and ceiling are in feet
  std::optional<double> ceiling_ft;
};

struct Info {
  std::string language;                 ///< as sent; empty when absent (CAP then means "en-US")
  std::vector<std::string> categories;  ///< at least one: Geo, Met, Safety, ... Other
  std::string event;
  std::vector<std::string> response_types;
  std::string urgency;    ///< Immediate, Expected, Future, Past or Unknown
  std::string severity;   ///< Extreme, Severe, Moderate, Minor or Unknown
  std::string certainty;  ///< Observed, Likely, Possible, Unlikely or Unknown
  std::string audience;
  std::vector<ValuePair> event_codes;
  std::optional<std::int64_t> effective_us;  ///< microseconds since the epoch (UTC)
  std::optional<std::int64_t> onset_us;
  std::optional<std::int64_t> expires_us;
  std::string sender_name;
  std::string headline;
  std::string description;
  std::string instruction;
  std::string web;
  std::string contact;
  std::vector<ValuePair> parameters;
  std::vector<Area> areas;
};

/// One entry of <references>: "sender,identifier,sent".
struct Reference {
  std::string sender;
  std::string identifier;
  std::string sent;
};

struct Alert {
  std::string identifier;
  std::string sender;
  std::string sent;          ///< as written, e.g. "2003-06-11T20:56:00-07:00"
  std::int64_t sent_us = 0;  ///< the same instant in microseconds since the epoch (UTC)
  std::string status;        ///< Actual, Exercise, System, Test or Draft
  std::string msg_type;      ///< Alert, Update, Cancel, Ack or Error
  std::string source;
  std::string scope;  ///< Public, Restricted or Private
  std::string restriction;
  std::string addresses;
  std::vector<std::string> codes;
  std::string note;
  std::vector<Reference> references;
  std::vector<std::string> incidents;  ///< <incidents> split at white space
  std::vector<Info> infos;
};

/// Reads a CAP 1.2 alert. `charset` is the transport's charset (e.g. from the HTTP Content-Type)
/// and overrides the XML declaration; GB-family and undeclared non-UTF-8 bytes decode as
/// GB18030. Error codes: "invalid_xml" (not well-formed, or carries a DOCTYPE), "not_cap" (root is
/// not alert in the CAP 1.2 namespace; a CAP 1.1 or 1.0 alert is named as such),
/// "missing_element", "invalid_value" (a value outside the schema's set, a bad coordinate),
/// "invalid_time", "too_large" (more than kMaxAlertBytes).
Result<Alert> parse_alert(std::string_view bytes, std::string_view charset = {});

/// Documents larger than this are refused before parsing. The CMA's largest feed documents are
/// about 90 KiB; national polygons with thousands of vertices stay well under 1 MiB.
inline constexpr std::size_t kMaxAlertBytes = 4u << 20;

}  // namespace quanyu::ingest::cap
