#pragma once
/// Camera HTTP event push: the bodies that Hikvision (ISAPI EventNotificationAlert, XML or JSON,
/// alone or in multipart/form-data or multipart/mixed with JPEG snapshots) and Dahua (event
/// lines "Code=...;action=...;index=...[;data={json}]", alone or in multipart/x-mixed-replace)
/// cameras POST to http://<quanyu>/api/v1/feeds/{isapi,dahua}/<sensor-id>, turned into
/// v1::Observation values. Pure: bytes and the route's device hint in, observations and counts
/// of what was deliberately not turned into one out, or a named Error. Nothing here reads a
/// clock, a socket or a global; a malformed message yields an Error, never a partial result.
///
/// Mapping (event type names are compared without regard to case):
///   ISAPI fielddetection, regionEntrance, regionExiting (regionExit)
///                                                         -> CameraAlarm TYPE_INTRUSION
///         linedetection                                   -> CameraAlarm TYPE_LINE_CROSSING
///         loitering                                       -> CameraAlarm TYPE_LOITERING
///         peopleGathering                                 -> CameraAlarm TYPE_CROWD
///         videoloss (active)                              -> CameraAlarm TYPE_VIDEO_LOSS
///         shelteralarm, IO, unattendedBaggage, attendedBaggage, parking, rapidMove
///                                                         -> CameraAlarm TYPE_OTHER
///         fireDetection, smokeAndFireDetection            -> SmokeDetection, flame = true
///         smokeDetection                                  -> SmokeDetection, flame = false
///         VMD                                             -> counted as motion (see options)
///         heartBeat, and videoloss with eventState inactive (the alert stream's keep-alive)
///                                                         -> counted as keep-alives
///   Dahua CrossRegionDetection -> TYPE_INTRUSION, CrossLineDetection -> TYPE_LINE_CROSSING,
///         WanderDetection -> TYPE_LOITERING, RioterDetection and CrowdDetection -> TYPE_CROWD,
///         VideoLoss -> TYPE_VIDEO_LOSS, LeftDetection, TakenAwayDetection, VideoBlind,
///         AlarmLocal, ParkingDetection, MoveDetection -> TYPE_OTHER, FireWarning and
///         FireDetection -> SmokeDetection flame = true, SmokeDetection -> flame = false,
///         VideoMotion, SmartMotionHuman, SmartMotionVehicle -> motion, "Heartbeat" -> keep-alive.
///   Any other type is counted in `unsupported`. An ISAPI eventState "inactive" and a Dahua
///   action "Stop" end an event and raise nothing (`ended`); Dahua "Start" and "Pulse" raise one.
///
/// Identity: the device id is the route's hint when given; otherwise, for ISAPI, the alert's
/// macAddress (lower-cased), else its ipAddress, else ipv6Address. Dahua lines carry no device
/// identity, so the hint is required. camera_id / tower_id is that device id for every channel
/// (a multi-channel NVR posting to one URL is one sensor; its channel is in the description and
/// in the id). source is "isapi:<device>" / "dahua:<device>". The observation id is
/// "<source>#<16 hex digits>" digesting device, channel, event type, observed time and the
/// device's own counters (ISAPI activePostCount and UUID, Dahua EventID), so an alert the device
/// resends (ISAPI isDataRetransmission) becomes a duplicate the journal drops. Position is left
/// unset: the server takes it from the sensor registry by camera_id / tower_id.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gis/geo/result.hpp"
#include "quanyu/v1/observation.pb.h"

namespace quanyu::ingest::camera_push {

/// Confidence given to a fire or smoke detection when the device reports none: the camera's
/// analytics have already confirmed it (Hikvision's and Dahua's fire detection both run their
/// own multi-frame confirmation before they alarm), but it is not certainty.
constexpr double kDefaultDetectionConfidence = 0.9;

/// Descriptions are cut (at a UTF-8 boundary) to this many bytes.
constexpr std::size_t kMaxDescriptionBytes = 512;

/// At most this many alerts (ISAPI) or event lines (Dahua) in one body.
constexpr std::size_t kMaxEventsPerBody = 256;

struct PushOptions {
  /// Video motion detection (ISAPI VMD, Dahua VideoMotion/SmartMotion*) fires on every passing
  /// car and swaying tree; an emergency picture does not want it. When true it is reported as
  /// CameraAlarm TYPE_OTHER instead of being counted in `motion`.
  bool report_motion = false;
};

/// A binary part of a push (a JPEG snapshot): noted, not stored.
struct Attachment {
  std::string name;          ///< Content-Disposition name, e.g. "intrusionImage"
  std::string filename;      ///< Content-Disposition filename, when given
  std::string content_type;  ///< lower-cased media type, e.g. "image/jpeg"
  std::size_t size = 0;      ///< bytes
};

/// What one push body contained.
struct PushResult {
  std::string device_id;  ///< the device id used for sources and payloads; empty when the body
                          ///< had no hint and raised nothing (e.g. only keep-alives)
  std::vector<v1::Observation> observations;

  int ended = 0;            ///< ISAPI eventState inactive / Dahua action Stop: the end of an event
  int keepalives = 0;       ///< ISAPI heartBeat and videoloss-inactive, Dahua "Heartbeat"
  int motion = 0;           ///< motion detection not reported (PushOptions::report_motion false)
  int unsupported = 0;      ///< events of a type with no mapping (ANPR, PeopleCounting, ...)
  int retransmissions = 0;  ///< ISAPI alerts marked isDataRetransmission true
  int other_parts = 0;      ///< multipart parts that are neither an event nor an image
  std::vector<std::string> unsupported_types;  ///< distinct unsupported type names (<= 16)
  std::vector<Attachment> attachments;         ///< JPEG and other image parts

  /// How many image parts came with the body (the snapshots are not stored yet).
  std::size_t image_parts() const { return attachments.size(); }
};

/// Parses a Hikvision ISAPI push. `content_type` is the request's Content-Type header (XML,
/// JSON, or multipart with a boundary; when empty the body is sniffed as XML or JSON).
/// `device_hint` is the sensor id from the route path, or empty. dateTime without an offset is
/// Beijing time. Errors name the part and field at fault (e.g. "multipart part 1: eventType:
/// missing", "alert: dateTime: time \"2023-13-01T00:00:00\" ...").
Result<PushResult> parse_isapi(std::string_view body, std::string_view content_type,
                               std::string_view device_hint, const PushOptions& options = {});

/// Parses a Dahua event push: event lines in a text/plain (or untyped) body, or in the text
/// parts of a multipart body. `device_hint` (the route's sensor id) is required: the lines do
/// not name the device. The event time is data.UTC (+ UTCMS) when present, else data.LocaleTime
/// (Beijing time), else `received_at_us` (the server's receipt time, microseconds since the
/// epoch, handed in by the caller); when none is available the body is an Error.
Result<PushResult> parse_dahua(std::string_view body, std::string_view content_type,
                               std::string_view device_hint, std::int64_t received_at_us,
                               const PushOptions& options = {});

}  // namespace quanyu::ingest::camera_push
