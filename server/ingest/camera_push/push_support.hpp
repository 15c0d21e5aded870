#pragma once
/// Internal helpers shared by the camera-push parsers (not part of the feed's API): text
/// utilities for messages, the stable event-id hash, and a bounded JSON reader built on
/// protobuf's own JSON parser into google.protobuf.Struct.

#include <google/protobuf/struct.pb.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "gis/geo/result.hpp"
#include "server/ingest/camera_push/camera_push.hpp"

namespace quanyu::ingest::camera_push::detail {

/// JSON nested deeper than this is rejected before protobuf sees it.
constexpr int kMaxJsonDepth = 32;

std::string_view trim(std::string_view s);
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

/// `s` made safe for an error message: control bytes become '?', at most `max` bytes, quoted.
std::string quoted(std::string_view s, std::size_t max = 60);

/// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string clip_utf8(std::string_view s, std::size_t max);

/// A 16-hex-digit FNV-1a 64-bit digest of the fields, each terminated by a NUL byte so that
/// ("ab","c") and ("a","bc") differ. Used for idempotency keys, never for security.
std::string digest(std::initializer_list<std::string_view> fields);

/// True when `s` holds a byte below 0x20 or 0x7f.
bool has_control(std::string_view s);

/// Parses decimal digits only (no sign, no blanks), at most 18 of them.
std::optional<std::int64_t> parse_digits(std::string_view s);

/// Parses a finite decimal number ("157", "-2.5", "1e3"), or nullopt.
std::optional<double> parse_number(std::string_view s);

/// Checks a device id: 1..64 bytes, no control characters, no blanks. `what` names its origin.
std::optional<Error> check_device_id(std::string_view id, std::string_view what);

/// The deepest nesting of objects and arrays in `text` (strings are skipped), or -1 when the
/// brackets do not balance.
int json_depth(std::string_view text);

/// Parses a JSON object (UTF-8). An error names `where` and protobuf's reason.
Result<google::protobuf::Struct> parse_json_object(std::string_view text, std::string_view where);

/// The member `key` of `object` (exact match first, then ASCII case-insensitive), or nullptr.
const google::protobuf::Value* member(const google::protobuf::Struct& object, std::string_view key);

/// A scalar JSON value as text: strings as they are, integral numbers without a fraction,
/// other numbers with up to 10 significant digits, booleans as "true"/"false". nullopt for null,
/// objects and arrays.
std::optional<std::string> scalar_text(const google::protobuf::Value& value);

/// `scalar_text` of member `key`, or nullopt.
std::optional<std::string> member_text(const google::protobuf::Struct& object,
                                       std::string_view key);

// --- Event types and observations ---------------------------------------------------------

enum class Kind { kAlarm, kSmoke, kMotion, kKeepalive, kUnsupported };

struct Mapping {
  Kind kind = Kind::kUnsupported;
  v1::CameraAlarm::Type type = v1::CameraAlarm::TYPE_UNSPECIFIED;
  bool flame = false;
};

/// The mapping of an ISAPI eventType / a Dahua event Code (case-insensitive), as documented in
/// camera_push.hpp. Motion maps to kMotion whatever the options say; callers decide.
Mapping map_isapi_event(std::string_view event_type);
Mapping map_dahua_event(std::string_view code);

/// Everything an observation is built from, gathered by the ISAPI or the Dahua reader.
struct EventFacts {
  std::string_view source_kind;  ///< "isapi" or "dahua"
  std::string device_id;
  std::string channel;     ///< as the device wrote it, empty when absent
  std::string event_type;  ///< as the device wrote it
  std::int64_t observed_us = 0;
  std::string counters;  ///< device counters that tell resends from new events
  std::string description;
  double confidence = 0.0;  ///< 0..1, 0 when unknown
  // Fire and smoke detections only.
  bool flame = false;
  double azimuth_deg = 0.0;
  double elevation_deg = 0.0;
  double distance_m = 0.0;
};

/// A CameraAlarm observation (or, for Kind::kSmoke, a SmokeDetection) from `facts`, with its
/// source, observed_at and idempotency id set; position is left unset.
v1::Observation make_observation(const EventFacts& facts, const Mapping& mapping);

/// Counts an unsupported event type and remembers its name (at most 16 distinct names).
void note_unsupported(PushResult& result, std::string_view type);

}  // namespace quanyu::ingest::camera_push::detail
