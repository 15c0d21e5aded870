#include "server/ingest/cap/alert.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <span>
#include <utility>

#include "server/ingest/common/time.hpp"
#include "server/ingest/common/xml.hpp"

namespace quanyu::ingest::cap {
namespace {

using xml::Node;

// The value sets the CAP 1.2 schema enumerates (OASIS CAP-v1.2-os, section 3.2).
constexpr std::array<std::string_view, 5> kStatus = {"Actual", "Exercise", "System", "Test",
                                                     "Draft"};
constexpr std::array<std::string_view, 5> kMsgType = {"Alert", "Update", "Cancel", "Ack", "Error"};
constexpr std::array<std::string_view, 3> kScope = {"Public", "Restricted", "Private"};
constexpr std::array<std::string_view, 12> kCategory = {"Geo",       "Met",   "Safety", "Security",
                                                        "Rescue",    "Fire",  "Health", "Env",
                                                        "Transport", "Infra", "CBRNE",  "Other"};
constexpr std::array<std::string_view, 9> kResponseType = {
    "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"};
constexpr std::array<std::string_view, 5> kUrgency = {"Immediate", "Expected", "Future", "Past",
                                                      "Unknown"};
constexpr std::array<std::string_view, 5> kSeverity = {"Extreme", "Severe", "Moderate", "Minor",
                                                       "Unknown"};
constexpr std::array<std::string_view, 5> kCertainty = {"Observed", "Likely", "Possible",
                                                        "Unlikely", "Unknown"};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// At most 80 bytes of `text` for an error message, cut before a UTF-8 continuation byte so the
// message itself stays valid UTF-8.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 80;
  if (text.size() <= kMax) return std::string(text);
  std::size_t end = kMax;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string quoted(std::string_view text) { return "\"" + excerpt(text) + "\""; }

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t p = 0;
  while (p < text.size()) {
    while (p < text.size() && is_space(text[p])) ++p;
    const std::size_t start = p;
    while (p < text.size() && !is_space(text[p])) ++p;
    if (p > start) out.push_back(text.substr(start, p - start));
  }
  return out;
}

// CAP 1.2 section 3.3.2: multiple space-delimited values, those containing white space in
// double quotes (as in <addresses> and <incidents>).
std::vector<std::string> split_quoted(std::string_view text) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (p < text.size()) {
    while (p < text.size() && is_space(text[p])) ++p;
    if (p >= text.size()) break;
    if (text[p] == '"') {
      const std::size_t close = text.find('"', p + 1);
      const std::size_t end = close == std::string_view::npos ? text.size() : close;
      if (end > p + 1) out.emplace_back(text.substr(p + 1, end - p - 1));
      p = end == text.size() ? end : end + 1;
      continue;
    }
    const std::size_t start = p;
    while (p < text.size() && !is_space(text[p])) ++p;
    out.emplace_back(text.substr(start, p - start));
  }
  return out;
}

std::optional<double> parse_number(std::string_view token) {
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  double value = 0.0;
  const auto [end, ec] =
      std::from_chars(token.data(), token.data() + token.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != token.data() + token.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

Error missing(const std::string& path, std::string_view element) {
  return Error{"missing_element",
               path + ": <" + std::string(element) + "> is required by CAP 1.2 but missing"};
}

Error invalid(const std::string& where, const std::string& problem) {
  return Error{"invalid_value", where + ": " + problem};
}

std::string indexed(const std::string& path, std::string_view name, std::size_t index) {
  return path + "/" + std::string(name) + "[" + std::to_string(index + 1) + "]";
}

// A required element with non-empty text: an empty <identifier/> says as little as none.
Result<std::string> required(Node parent, std::string_view name, const std::string& path) {
  auto text = parent.child_text(name);
  if (!text || text->empty()) return missing(path, name);
  return std::move(*text);
}

std::string optional(Node parent, std::string_view name) {
  return parent.child_text(name).value_or(std::string());
}

// A value of one of the schema's enumerations. CAP values are case-sensitive; senders that get
// the case wrong ("ACTUAL", "severe") mean the same value, so they are matched without case and
// stored in the schema's spelling.
std::optional<std::string_view> canonical(std::string_view value,
                                          std::span<const std::string_view> allowed) {
  for (const std::string_view candidate : allowed) {
    if (candidate.size() != value.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < value.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(value[i])) ==
             std::tolower(static_cast<unsigned char>(candidate[i]));
    }
    if (same) return candidate;
  }
  return std::nullopt;
}

std::string one_of(std::span<const std::string_view> allowed) {
  std::string out;
  for (const std::string_view value : allowed) {
    if (!out.empty()) out += ", ";
    out += value;
  }
  return out;
}

Result<std::string> enumerated(std::string_view text, const std::string& where,
                               std::span<const std::string_view> allowed) {
  if (auto value = canonical(text, allowed)) return std::string(*value);
  return invalid(where, quoted(text) + " is not one of " + one_of(allowed));
}

Result<std::string> required_enum(Node parent, std::string_view name, const std::string& path,
                                  std::span<const std::string_view> allowed) {
  auto text = required(parent, name, path);
  if (!text) return text.error();
  return enumerated(*text, path + "/" + std::string(name), allowed);
}

Error bad_time(const std::string& where, const Error& e) {
  return Error{"invalid_time", where + ": " + e.message};
}

Result<std::optional<std::int64_t>> optional_time(Node parent, std::string_view name,
                                                  const std::string& path) {
  auto text = parent.child_text(name);
  if (!text || text->empty()) return std::optional<std::int64_t>();
  // CAP times carry their offset; one that does not is read as Beijing time, as Chinese
  // senders mean it.
  auto us = parse_datetime_us(*text, kBeijingOffsetMinutes);
  if (!us) return bad_time(path + "/" + std::string(name), us.error());
  return std::optional<std::int64_t>(*us);
}

Result<std::vector<ValuePair>> value_pairs(Node parent, std::string_view name,
                                           const std::string& path) {
  std::vector<ValuePair> out;
  const auto nodes = parent.children(name);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string where = indexed(path, name, i);
    auto value_name = nodes[i].child_text("valueName");
    if (!value_name) return missing(where, "valueName");
    auto value = nodes[i].child_text("value");
    if (!value) return missing(where, "value");
    out.push_back(ValuePair{std::move(*value_name), std::move(*value)});
  }
  return out;
}

// One "lat,lon" pair of a polygon or circle; `where` names the element, `whole` its full text.
Result<GeoPoint> lat_lon(std::string_view pair, const std::string& where, std::string_view whole) {
  const auto comma = pair.find(',');
  if (comma == std::string_view::npos || pair.find(',', comma + 1) != std::string_view::npos) {
    return invalid(
        where, "point " + quoted(pair) + " in " + quoted(whole) + " is not \"latitude,longitude\"");
  }
  const auto lat = parse_number(pair.substr(0, comma));
  const auto lon = parse_number(pair.substr(comma + 1));
  if (!lat || !lon) {
    return invalid(
        where, "point " + quoted(pair) + " in " + quoted(whole) + " is not two decimal numbers");
  }
  if (*lat < -90.0 || *lat > 90.0) {
    return invalid(where, "latitude in " + quoted(pair) +
                              " is outside -90..90 (CAP writes "
                              "latitude first)");
  }
  if (*lon < -180.0 || *lon > 180.0) {
    return invalid(where, "longitude in " + quoted(pair) + " is outside -180..180");
  }
  return GeoPoint{*lon, *lat};
}

Result<std::vector<GeoPoint>> polygon(std::string_view text, const std::string& where) {
  const auto pairs = split_spaces(text);
  if (pairs.size() < 4) {
    return invalid(where, quoted(text) + " has " + std::to_string(pairs.size()) +
                              " points; a CAP polygon needs at least 4 (a closed ring)");
  }
  std::vector<GeoPoint> ring;
  ring.reserve(pairs.size());
  for (const auto pair : pairs) {
    auto point = lat_lon(pair, where, text);
    if (!point) return point.error();
    ring.push_back(*point);
  }
  if (ring.front().lat != ring.back().lat || ring.front().lon != ring.back().lon) {
    return invalid(where, quoted(text) + " is not closed: the first point " +
                              quoted(pairs.front()) + " is not repeated last");
  }
  return ring;
}

Result<Circle> circle(std::string_view text, const std::string& where) {
  const auto parts = split_spaces(text);
  if (parts.size() != 2) {
    return invalid(where, quoted(text) + " is not \"latitude,longitude radius\"");
  }
  auto centre = lat_lon(parts[0], where, text);
  if (!centre) return centre.error();
  const auto radius = parse_number(parts[1]);
  if (!radius || *radius < 0.0) {
    return invalid(where, "radius " + quoted(parts[1]) + " in " + quoted(text) +
                              " is not a number of kilometres >= 0");
  }
  return Circle{*centre, *radius};
}

Result<std::optional<double>> optional_decimal(Node parent, std::string_view name,
                                               const std::string& path) {
  auto text = parent.child_text(name);
  if (!text) return std::optional<double>();
  const auto value = parse_number(*text);
  if (!value) return invalid(path + "/" + std::string(name), quoted(*text) + " is not a number");
  return std::optional<double>(*value);
}

Result<Area> area(Node node, const std::string& path) {
  Area out;
  auto desc = required(node, "areaDesc", path);
  if (!desc) return desc.error();
  out.area_desc = std::move(*desc);
  const auto polygons = node.children("polygon");
  for (std::size_t i = 0; i < polygons.size(); ++i) {
    auto ring = polygon(polygons[i].text(), indexed(path, "polygon", i));
    if (!ring) return ring.error();
    out.polygons.push_back(std::move(*ring));
  }
  const auto circles = node.children("circle");
  for (std::size_t i = 0; i < circles.size(); ++i) {
    auto c = circle(circles[i].text(), indexed(path, "circle", i));
    if (!c) return c.error();
    out.circles.push_back(*c);
  }
  auto geocodes = value_pairs(node, "geocode", path);
  if (!geocodes) return geocodes.error();
  out.geocodes = std::move(*geocodes);
  auto altitude = optional_decimal(node, "altitude", path);
  if (!altitude) return altitude.error();
  out.altitude_ft = *altitude;
  auto ceiling = optional_decimal(node, "ceiling", path);
  if (!ceiling) return ceiling.error();
  out.ceiling_ft = *ceiling;
  return out;
}

Result<Info> info(Node node, const std::string& path) {
  Info out;
  out.language = optional(node, "language");
  const auto categories = node.children("category");
  if (categories.empty()) return missing(path, "category");
  for (std::size_t i = 0; i < categories.size(); ++i) {
    auto value = enumerated(categories[i].text(), indexed(path, "category", i), kCategory);
    if (!value) return value.error();
    out.categories.push_back(std::move(*value));
  }
  auto event = required(node, "event", path);
  if (!event) return event.error();
  out.event = std::move(*event);
  const auto responses = node.children("responseType");
  for (std::size_t i = 0; i < responses.size(); ++i) {
    auto value = enumerated(responses[i].text(), indexed(path, "responseType", i), kResponseType);
    if (!value) return value.error();
    out.response_types.push_back(std::move(*value));
  }
  auto urgency = required_enum(node, "urgency", path, kUrgency);
  if (!urgency) return urgency.error();
  out.urgency = std::move(*urgency);
  auto severity = required_enum(node, "severity", path, kSeverity);
  if (!severity) return severity.error();
  out.severity = std::move(*severity);
  auto certainty = required_enum(node, "certainty", path, kCertainty);
  if (!certainty) return certainty.error();
  out.certainty = std::move(*certainty);
  out.audience = optional(node, "audience");
  auto event_codes = value_pairs(node, "eventCode", path);
  if (!event_codes) return event_codes.error();
  out.event_codes = std::move(*event_codes);
  for (const auto& [name, field] :
       {std::pair{"effective", &out.effective_us}, std::pair{"onset", &out.onset_us},
        std::pair{"expires", &out.expires_us}}) {
    auto t = optional_time(node, name, path);
    if (!t) return t.error();
    *field = *t;
  }
  out.sender_name = optional(node, "senderName");
  out.headline = optional(node, "headline");
  out.description = optional(node, "description");
  out.instruction = optional(node, "instruction");
  out.web = optional(node, "web");
  out.contact = optional(node, "contact");
  auto parameters = value_pairs(node, "parameter", path);
  if (!parameters) return parameters.error();
  out.parameters = std::move(*parameters);
  const auto areas = node.children("area");
  for (std::size_t i = 0; i < areas.size(); ++i) {
    auto a = area(areas[i], indexed(path, "area", i));
    if (!a) return a.error();
    out.areas.push_back(std::move(*a));
  }
  return out;
}

Result<std::vector<Reference>> references(std::string_view text) {
  std::vector<Reference> out;
  for (const auto triple : split_spaces(text)) {
    const auto first = triple.find(',');
    const auto second = first == std::string_view::npos ? first : triple.find(',', first + 1);
    if (second == std::string_view::npos ||
        triple.find(',', second + 1) != std::string_view::npos || first == 0 ||
        second == first + 1 || second + 1 == triple.size()) {
      return invalid("alert/references",
                     "entry " + quoted(triple) + " is not \"sender,identifier,sent\"");
    }
    out.push_back(Reference{std::string(triple.substr(0, first)),
                            std::string(triple.substr(first + 1, second - first - 1)),
                            std::string(triple.substr(second + 1))});
  }
  return out;
}

// CAP never needs a DTD, and a document with one could make text lookups expand entities
// without bound, so any DOCTYPE is refused. The UTF-16 spellings are checked too because
// libxml2 decodes UTF-16 documents itself.
bool has_doctype(std::string_view bytes) {
  using namespace std::string_view_literals;
  return bytes.find("<!DOCTYPE"sv) != std::string_view::npos ||
         bytes.find("<\0!\0D\0O\0C\0T\0Y\0P\0E\0"sv) != std::string_view::npos ||
         bytes.find("\0<\0!\0D\0O\0C\0T\0Y\0P\0E"sv) != std::string_view::npos;
}

}  // namespace

Result<Alert> parse_alert(std::string_view bytes, std::string_view charset) {
  if (bytes.size() > kMaxAlertBytes) {
    return Error{"too_large", "CAP document of " + std::to_string(bytes.size()) +
                                  " bytes is larger than " + std::to_string(kMaxAlertBytes)};
  }
  if (has_doctype(bytes)) {
    return Error{"invalid_xml", "CAP document carries a DOCTYPE, which CAP never uses"};
  }
  auto doc = xml::Document::parse(bytes, charset);
  if (!doc) return doc.error();
  const Node root = doc->root();
  if (root.name() != "alert") {
    return Error{"not_cap", "root element is <" + excerpt(root.name()) + ">, not a CAP <alert>"};
  }
  if (root.ns() != kCap12Namespace) {
    std::string found = root.ns().empty() ? std::string("no namespace")
                                          : "namespace \"" + excerpt(root.ns()) + "\"";
    if (root.ns() == "urn:oasis:names:tc:emergency:cap:1.1") found += " (CAP 1.1)";
    if (root.ns() == "http://www.incident.com/cap/1.0") found += " (CAP 1.0)";
    return Error{"not_cap",
                 "<alert> is in " + found + ", not CAP 1.2 (" + std::string(kCap12Namespace) + ")"};
  }

  const std::string path = "alert";
  Alert alert;
  auto identifier = required(root, "identifier", path);
  if (!identifier) return identifier.error();
  alert.identifier = std::move(*identifier);
  auto sender = required(root, "sender", path);
  if (!sender) return sender.error();
  alert.sender = std::move(*sender);
  auto sent = required(root, "sent", path);
  if (!sent) return sent.error();
  auto sent_us = parse_datetime_us(*sent, kBeijingOffsetMinutes);
  if (!sent_us) return bad_time("alert/sent", sent_us.error());
  alert.sent = std::move(*sent);
  alert.sent_us = *sent_us;
  auto status = required_enum(root, "status", path, kStatus);
  if (!status) return status.error();
  alert.status = std::move(*status);
  auto msg_type = required_enum(root, "msgType", path, kMsgType);
  if (!msg_type) return msg_type.error();
  alert.msg_type = std::move(*msg_type);
  alert.source = optional(root, "source");
  auto scope = required_enum(root, "scope", path, kScope);
  if (!scope) return scope.error();
  alert.scope = std::move(*scope);
  alert.restriction = optional(root, "restriction");
  alert.addresses = optional(root, "addresses");
  for (const Node code : root.children("code")) alert.codes.push_back(code.text());
  alert.note = optional(root, "note");
  auto refs = references(optional(root, "references"));
  if (!refs) return refs.error();
  alert.references = std::move(*refs);
  alert.incidents = split_quoted(optional(root, "incidents"));
  const auto infos = root.children("info");
  for (std::size_t i = 0; i < infos.size(); ++i) {
    auto block = info(infos[i], indexed(path, "info", i));
    if (!block) return block.error();
    alert.infos.push_back(std::move(*block));
  }
  return alert;
}

}  // namespace quanyu::ingest::cap
